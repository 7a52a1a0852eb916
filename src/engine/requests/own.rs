//! What sets one instance apart in requests mode: the version a rollout gave it and the faults on part of its fleet.

use super::{FaultKind, Sim};
use crate::model::{FaultKind as Effect, Version};

/// One instance's own version and faults, and what they add up to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Own {
    pub version: Version,
    /// The version it runs once its restart under way begins booting.
    pub next: Option<Version>,
    /// The last rolling action that restarted it (0: none).
    pub rolled: u32,
    /// Faults on part of the fleet hitting it, as bits of their slots.
    pub hit: u64,
    /// Multiplies its capacity (version and faults).
    pub cap: f64,
    /// Share of its requests failing with server errors (version and faults).
    pub error: f64,
    /// Share of its requests failing with client errors (faults with `class = "4xx"`).
    pub client: f64,
    /// Extra time its requests hold their thread (version and faults) [µs].
    pub extra_us: u64,
    /// Processing slots, from its capacity.
    pub slots: u32,
    /// How much longer than its latency a request's own work takes, so fractional slots serve the capacity.
    pub stretch: f64,
}

impl Default for Own {
    fn default() -> Self {
        Own {
            version: Version::default(),
            next: None,
            rolled: 0,
            hit: 0,
            cap: 1.0,
            error: 0.0,
            client: 0.0,
            extra_us: 0,
            slots: u32::MAX,
            stretch: 1.0,
        }
    }
}

impl Own {
    /// Recombines the version with the faults in `faults` whose slots are set in `hit`.
    pub fn combine(&mut self, faults: impl Iterator<Item = (u32, Effect)>) {
        let v = &self.version;
        self.cap = v.capacity_factor;
        self.error = v.error_rate;
        self.client = 0.0;
        let mut extra_s = v.extra_latency.secs();
        for (slot, effect) in faults {
            if self.hit & (1u64 << slot) == 0 {
                continue;
            }
            match effect {
                Effect::LoseCapacity(x) => self.cap *= 1.0 - x,
                Effect::Latency(l) => extra_s += l.secs(),
                Effect::Errors { rate, client: true } => self.client = 1.0 - (1.0 - self.client) * (1.0 - rate),
                Effect::Errors { rate, client: false } => self.error = 1.0 - (1.0 - self.error) * (1.0 - rate),
            }
        }
        self.extra_us = (extra_s * 1e6).round() as u64;
    }
}

/// Processing slots of an instance whose capacity is multiplied by `factor`,
/// and how much longer than its latency each request's own work takes there.
///
/// Slots are `capacity x factor x latency`, rounded up (at least one while
/// any capacity is left; `u32::MAX` when threads are the only limit). When
/// that is fractional, or more than the threads allow, each request's own work
/// is stretched so the instance serves its capacity exactly: a single slot at
/// half capacity works at half speed.
pub fn slots(capacity: f64, latency_s: f64, threads: u32, factor: f64) -> (u32, f64) {
    let raw = capacity * factor * latency_s;
    if latency_s == 0.0 {
        (u32::MAX, 1.0)
    } else if raw <= 0.0 {
        (0, 1.0)
    } else {
        let slots = (raw - 1e-9).ceil().max(1.0);
        let parallel = slots.min(threads as f64);
        let stretch = (parallel / raw).max(1.0);
        (if slots >= threads as f64 { u32::MAX } else { slots as u32 }, stretch)
    }
}

impl Sim<'_> {
    /// A fault on part of service `s`'s fleet: up to `n` instances not yet hit
    /// by it (nor crashed) get a free slot's bit; returns the slot, if one is free.
    pub(super) fn hit_part(&mut self, s: u32, n: u32) -> Option<u32> {
        let taken =
            |b: u32| self.faults.iter().any(|f| matches!(f.kind, FaultKind::Part(t, slot, _) if t == s && slot == b));
        let slot = (0..64u32).find(|&b| !taken(b))?;
        let mut left = n;
        for inst in self.svcs[s as usize].insts.iter_mut() {
            if left == 0 {
                break;
            }
            if matches!(inst.life, super::Life::Serving | super::Life::Booting | super::Life::Warming) {
                inst.own.hit |= 1u64 << slot;
                left -= 1;
            }
        }
        Some(slot)
    }

    /// What a new instance of `s` starts with: the version of the last rollout
    /// that reached the fleet (as launched instances run the newest image), no fault.
    pub(super) fn newest_own(&self, s: u32) -> Own {
        let live = self.svcs[s as usize].insts.iter().filter(|i| i.life != super::Life::Gone);
        let newest = live.max_by_key(|i| i.own.rolled).map(|i| i.own);
        let mut own = Own { version: newest.map_or_else(Version::default, |o| o.version), ..Own::default() };
        own.combine(std::iter::empty());
        own
    }

    /// Recombines every instance's version and partial faults, dropping the bits of faults that ended.
    pub(super) fn apply_own(&mut self) {
        for s in 0..self.svcs.len() {
            let mine: Vec<(u32, Effect)> = self
                .faults
                .iter()
                .filter_map(|f| match f.kind {
                    FaultKind::Part(t, slot, e) if t as usize == s => Some((slot, e)),
                    _ => None,
                })
                .collect();
            let live = mine.iter().fold(0u64, |a, (slot, _)| a | 1u64 << slot);
            for inst in self.svcs[s].insts.iter_mut() {
                inst.own.hit &= live;
                inst.own.combine(mine.iter().copied());
            }
        }
    }

    /// The time a request takes at service `s` when nothing waits: its own
    /// latency, injected latency on the whole fleet, and its synchronous calls
    /// (a deep probe runs them too) [s]. Stops `depth` calls down.
    pub(super) fn unloaded_s(&self, s: u32, depth: u32) -> f64 {
        let svc = &self.model.services[s as usize];
        let extra: u64 = self.svcs[s as usize].extras.iter().map(|e| e.fixed_us).sum();
        let mut t = svc.latency.secs() + extra as f64 / 1e6;
        if depth > 0 {
            for &d in &self.outgoing[s as usize] {
                let dep = &self.model.deps[d as usize];
                if matches!(dep.kind, crate::model::DepKind::Sync) && !dep.extras.off {
                    let call = self.unloaded_s(dep.callee.0 as u32, depth - 1).min(dep.timeout.secs());
                    t += dep.per_request * call;
                }
            }
        }
        t
    }

    /// How long a deep probe would wait at instance `i` of `s` behind the
    /// requests queued for a thread or a processing slot, served at the
    /// instance's pace: its threads over `hold_s`, or its slots over the own latency [s].
    pub(super) fn probe_wait_s(&self, s: u32, i: u32, hold_s: f64) -> f64 {
        let svc = &self.model.services[s as usize];
        let inst = &self.svcs[s as usize].insts[i as usize];
        let waiting = (inst.queue.len() + inst.cpu_queue.len()) as f64;
        if waiting == 0.0 {
            return 0.0;
        }
        let by_threads = svc.threads as f64 / hold_s.max(1e-9);
        let own_s = svc.latency.secs() + inst.own.extra_us as f64 / 1e6;
        let by_slots = if inst.own.slots == u32::MAX { f64::INFINITY } else { inst.own.slots as f64 / own_s.max(1e-9) };
        waiting / by_threads.min(by_slots).max(1e-9)
    }

    /// The share of requests at instance `i` of `s` that neither its expired
    /// routing entries (peers) nor its fleet's memory contention fail.
    pub(super) fn fleet_sound(&self, s: u32, i: u32) -> f64 {
        let stale = self.svcs[s as usize].insts[i as usize].peer.stale;
        (1.0 - stale) * (1.0 - self.mechs.mem_error[s as usize])
    }

    /// A request at service `s` that made its calls fails from memory contention now.
    pub(super) fn memory_fails(&mut self, s: u32) -> bool {
        use rand::RngExt;
        let e = self.mechs.mem_error[s as usize];
        e > 0.0 && self.rng.random::<f64>() < e
    }

    /// Instance `i` of `s` fails this request now, and whether as a client error:
    /// its version rejects the request's segment, or its faults fail it.
    pub(super) fn own_fails(&mut self, s: u32, i: u32, segment: u8) -> Option<bool> {
        use rand::RngExt;
        let own = self.svcs[s as usize].insts[i as usize].own;
        if segment != super::segments::NO_SEGMENT && own.version.rejects & (1 << segment) != 0 {
            return Some(true);
        }
        if own.client > 0.0 && self.rng.random::<f64>() < own.client {
            return Some(true);
        }
        let stale = self.svcs[s as usize].insts[i as usize].peer.stale;
        let error = 1.0 - (1.0 - self.svcs[s as usize].error) * (1.0 - own.error) * (1.0 - stale);
        (error > 0.0 && self.rng.random::<f64>() < error).then_some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    #[test]
    fn a_version_and_the_faults_hitting_an_instance_add_up() {
        let mut own = Own {
            version: Version { error_rate: 0.5, capacity_factor: 0.5, extra_latency: Span(100), ..Version::default() },
            hit: 0b10,
            ..Own::default()
        };
        let faults = [
            (0, Effect::LoseCapacity(0.5)),
            (1, Effect::LoseCapacity(0.5)),
            (1, Effect::Latency(Span(200))),
            (1, Effect::Errors { rate: 0.5, client: false }),
            (1, Effect::Errors { rate: 0.2, client: true }),
        ];
        own.combine(faults.into_iter());
        assert_eq!((own.cap, own.error, own.extra_us), (0.25, 0.75, 300_000));
        assert!((own.client - 0.2).abs() < 1e-12);
    }

    #[test]
    fn slots_follow_capacity_but_never_exceed_threads() {
        assert_eq!(slots(100.0, 0.1, 200, 1.0).0, 10);
        assert_eq!(slots(100.0, 0.1, 200, 0.5).0, 5);
        assert_eq!(slots(100.0, 0.1, 200, 0.0).0, 0);
        assert_eq!(slots(100.0, 0.1, 8, 1.0).0, u32::MAX);
        assert_eq!(slots(100.0, 0.0, 8, 1.0).0, u32::MAX);
    }
}
