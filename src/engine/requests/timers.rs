//! Call timeouts: per dependency, the waiting calls in deadline order, with one event in the queue for the first.
//!
//! Every call along one dependency has the same timeout, so deadlines come in
//! the order the calls are made. Each dependency keeps its waiting calls in a
//! doubly linked list through the request ids: a call is appended at the tail
//! and unlinked in O(1) when it is answered. Only the head has an event in the
//! queue, carrying the sequence number reserved when its call was made, so a
//! timeout fires at exactly the place among equal times that an event of its
//! own would have had. A call answered in time so costs no event, and the
//! queue holds O(dependencies) timers instead of every call of the last timeout.

use super::slab::NONE;

/// One request's timer (a request waits on one call at a time).
#[derive(Debug, Clone, Copy)]
struct Timer {
    /// Dependency, or `NONE` while the request has no timer.
    dep: u32,
    /// The request's generation when it started waiting.
    epoch: u32,
    at: u64,
    seq: u64,
    prev: u32,
    next: u32,
}

const UNARMED: Timer = Timer { dep: NONE, epoch: 0, at: 0, seq: 0, prev: NONE, next: NONE };

/// One dependency's waiting calls.
#[derive(Debug, Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
    /// Sequence number of this list's event in the queue, if one is there.
    pending: Option<u64>,
}

/// The call timers of a run, indexed by request id and dependency.
#[derive(Debug, Default)]
pub struct Timers {
    timers: Vec<Timer>,
    lists: Vec<List>,
}

/// An event for the queue: a dependency's next timeout at `at` [µs] with sequence `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub at: u64,
    pub seq: u64,
}

impl Timers {
    pub fn new(deps: usize) -> Timers {
        Timers { timers: Vec::new(), lists: vec![List { head: NONE, tail: NONE, pending: None }; deps] }
    }

    /// Request `id` waits on a call along `dep` until `at`; `seq` was reserved
    /// in the queue now. Returns the event to schedule, if the list had none.
    pub fn arm(&mut self, id: u32, epoch: u32, dep: u32, at: u64, seq: u64) -> Option<Due> {
        self.disarm(id);
        let i = id as usize;
        if self.timers.len() <= i {
            self.timers.resize(i + 1, UNARMED);
        }
        let list = &mut self.lists[dep as usize];
        debug_assert!(list.tail == NONE || self.timers[list.tail as usize].at <= at, "deadlines in call order");
        self.timers[i] = Timer { dep, epoch, at, seq, prev: list.tail, next: NONE };
        if list.tail == NONE {
            list.head = id;
        } else {
            self.timers[list.tail as usize].next = id;
        }
        list.tail = id;
        if list.pending.is_none() {
            list.pending = Some(seq);
            return Some(Due { at, seq });
        }
        None
    }

    /// Request `id` no longer waits (answered, timed out or gone). O(1).
    #[inline]
    pub fn disarm(&mut self, id: u32) {
        let Some(&t) = self.timers.get(id as usize) else { return };
        if t.dep == NONE {
            return;
        }
        let list = &mut self.lists[t.dep as usize];
        if t.prev == NONE {
            list.head = t.next;
        } else {
            self.timers[t.prev as usize].next = t.next;
        }
        if t.next == NONE {
            list.tail = t.prev;
        } else {
            self.timers[t.next as usize].prev = t.prev;
        }
        self.timers[id as usize] = UNARMED;
    }

    /// Dependency `dep`'s event came out of the queue. Returns the request
    /// that times out now with its generation (already disarmed), if the
    /// event was still its; and the event to schedule for the next head.
    pub fn fire(&mut self, dep: u32) -> (Option<(u32, u32)>, Option<Due>) {
        let list = &mut self.lists[dep as usize];
        let fired = list.pending.take();
        let head = list.head;
        let due = (head != NONE && Some(self.timers[head as usize].seq) == fired).then(|| {
            let epoch = self.timers[head as usize].epoch;
            self.disarm(head);
            (head, epoch)
        });
        let list = &mut self.lists[dep as usize];
        let next = (list.head != NONE).then(|| {
            let t = self.timers[list.head as usize];
            list.pending = Some(t.seq);
            Due { at: t.at, seq: t.seq }
        });
        (due, next)
    }

    /// Timers armed now (for tests).
    #[cfg(test)]
    pub fn armed(&self) -> usize {
        self.timers.iter().filter(|t| t.dep != NONE).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_call_of_a_dependency_has_an_event() {
        let mut t = Timers::new(2);
        assert_eq!(t.arm(0, 1, 0, 100, 5), Some(Due { at: 100, seq: 5 }));
        assert_eq!(t.arm(1, 1, 0, 100, 6), None);
        assert_eq!(t.arm(2, 1, 1, 150, 7), Some(Due { at: 150, seq: 7 }));
        // The head is answered: its event comes out with nothing due, and the next head is scheduled.
        t.disarm(0);
        assert_eq!(t.fire(0), (None, Some(Due { at: 100, seq: 6 })));
        assert_eq!(t.fire(0), (Some((1, 1)), None));
        assert_eq!(t.armed(), 1);
    }

    #[test]
    fn unlinking_from_the_middle_keeps_the_order() {
        let mut t = Timers::new(1);
        for id in 0..4 {
            t.arm(id, 9, 0, 10 * id as u64, id as u64);
        }
        t.disarm(2);
        t.disarm(2);
        assert_eq!(t.fire(0), (Some((0, 9)), Some(Due { at: 10, seq: 1 })));
        assert_eq!(t.fire(0), (Some((1, 9)), Some(Due { at: 30, seq: 3 })));
        assert_eq!(t.fire(0), (Some((3, 9)), None));
        // An emptied list is scheduled again by the next call.
        assert_eq!(t.arm(2, 3, 0, 50, 8), Some(Due { at: 50, seq: 8 }));
    }

    #[test]
    fn a_stale_event_of_an_emptied_list_leaves_the_new_call_waiting() {
        let mut t = Timers::new(1);
        assert!(t.arm(0, 0, 0, 10, 0).is_some());
        t.disarm(0);
        // The list's event is still in the queue: the new call waits for it.
        assert_eq!(t.arm(1, 0, 0, 20, 1), None);
        assert_eq!(t.fire(0), (None, Some(Due { at: 20, seq: 1 })));
        assert_eq!(t.fire(0), (Some((1, 0)), None));
    }
}
