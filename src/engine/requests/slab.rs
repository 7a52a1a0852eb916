//! Requests in flight: a slab of plain records indexed by integer ids, with a free list.

use crate::model::dist::Dist;

/// No request (an id that points nowhere).
pub const NONE: u32 = u32::MAX;

/// Who is waiting for a request's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An outside client of the service.
    External,
    /// A synchronous call along this dependency; `Req::parent` waits for it.
    Call(u32),
    /// A flush of this buffered dependency's buffer.
    Buffer(u32),
    /// Data for this control dependency's loop.
    Control(u32),
}

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The slot is free.
    Free,
    /// Waiting for a worker thread.
    Queued,
    /// Holding a thread, waiting for a processing slot.
    CpuWait,
    /// Holding a thread and a processing slot: its own work.
    Working,
    /// Holding a thread through injected or deployed extra latency.
    Delayed,
    /// Holding a thread, waiting on a call or a retry's backoff.
    Calling,
}

/// One request at one service.
#[derive(Debug, Clone, Copy)]
pub struct Req {
    pub service: u32,
    pub instance: u32,
    pub origin: Origin,
    /// The request that waits for this one, and its generation when it started waiting.
    pub parent: u32,
    pub parent_epoch: u32,
    /// Arrival at the service [µs].
    pub arrived: u64,
    /// Got its worker thread [µs].
    pub started: u64,
    /// Bumped whenever the request moves on, so timers set before are ignored; kept across reuse of the slot.
    pub epoch: u32,
    pub phase: Phase,
    /// Extra time to hold the thread after its own work [µs].
    pub extra_us: u64,
    /// Index in the service's outgoing dependencies of the call being made.
    pub out: u16,
    /// Calls still to make along that dependency, this one included.
    pub left: u32,
    /// Attempt of the current call (0: the first).
    pub attempt: u32,
    /// The call it waits on (`NONE` while none, or hung on a partition).
    pub child: u32,
    /// Its outcome is already counted (its requester gave up on it).
    pub counted: bool,
    /// Holds a pooled connection for its current call.
    pub conn: bool,
    /// At a router: the target it goes to (`u16::MAX`: not drawn yet).
    pub pick: u16,
    /// The client segment it belongs to (`segments::NO_SEGMENT`: none).
    pub segment: u8,
    /// It failed, or its current call failed, with a client error (4xx): not retried, passed up.
    pub client: bool,
}

impl Req {
    fn free() -> Req {
        Req {
            service: 0,
            instance: 0,
            origin: Origin::External,
            parent: NONE,
            parent_epoch: 0,
            arrived: 0,
            started: 0,
            epoch: 0,
            phase: Phase::Free,
            extra_us: 0,
            out: 0,
            left: 0,
            attempt: 0,
            child: NONE,
            counted: false,
            conn: false,
            pick: u16::MAX,
            segment: u8::MAX,
            client: false,
        }
    }
}

/// The requests in flight. Memory is proportional to the most in flight at once.
#[derive(Debug, Default)]
pub struct Slab {
    pub reqs: Vec<Req>,
    free: Vec<u32>,
    pub live: usize,
}

impl Slab {
    /// A new request at `service`; returns its id. O(1).
    #[inline]
    pub fn alloc(&mut self, service: u32, origin: Origin, parent: u32, parent_epoch: u32, now: u64) -> u32 {
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.reqs.push(Req::free());
                (self.reqs.len() - 1) as u32
            }
        };
        let r = &mut self.reqs[id as usize];
        let epoch = r.epoch.wrapping_add(1);
        *r = Req { service, origin, parent, parent_epoch, arrived: now, epoch, phase: Phase::Queued, ..Req::free() };
        self.live += 1;
        id
    }

    /// Frees `id`; timers pointing at it become stale. O(1).
    #[inline]
    pub fn release(&mut self, id: u32) {
        let r = &mut self.reqs[id as usize];
        r.phase = Phase::Free;
        r.epoch = r.epoch.wrapping_add(1);
        self.free.push(id);
        self.live -= 1;
    }

    #[inline]
    pub fn get(&self, id: u32) -> &Req {
        &self.reqs[id as usize]
    }

    #[inline]
    pub fn get_mut(&mut self, id: u32) -> &mut Req {
        &mut self.reqs[id as usize]
    }

    /// The live requests held by instance `instance` of `service`. O(slab size).
    pub fn on_instance(&self, service: u32, instance: u32) -> Vec<u32> {
        (0..self.reqs.len() as u32)
            .filter(|&i| {
                let r = &self.reqs[i as usize];
                r.phase != Phase::Free && r.service == service && r.instance == instance
            })
            .collect()
    }
}

/// A latency fault's extra time per request.
#[derive(Debug, Clone, PartialEq)]
pub struct Extra {
    pub fixed_us: u64,
    pub dist: Option<Dist>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_with_a_new_generation() {
        let mut s = Slab::default();
        let a = s.alloc(0, Origin::External, NONE, 0, 5);
        let epoch = s.get(a).epoch;
        s.release(a);
        let b = s.alloc(1, Origin::External, NONE, 0, 6);
        assert_eq!(a, b);
        assert_ne!(s.get(b).epoch, epoch);
        assert_eq!((s.live, s.reqs.len()), (1, 1));
    }
}
