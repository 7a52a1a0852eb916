//! Connection pools on calls in requests mode: a connection per attempt from the caller instance's pool, waits for one up to `acquire-timeout`, leaks on failure.

use crate::mechanisms::pool as rule;
use crate::model::resilience::Pool;
use std::collections::VecDeque;

/// One caller instance's pool for one call.
#[derive(Debug, Clone, Default)]
pub struct Conns {
    in_use: u32,
    /// Connections lost so far (fractional leaks add up).
    leaked: f64,
    /// Requests waiting for a connection, with the generation they wait in.
    waiters: VecDeque<(u32, u32)>,
}

/// A call's pools, one per caller instance.
#[derive(Debug, Clone)]
pub struct Pools {
    pub cfg: Pool,
    pub wait_us: u64,
    insts: Vec<Conns>,
}

impl Pools {
    pub fn new(cfg: &Pool) -> Pools {
        Pools { cfg: cfg.clone(), wait_us: cfg.acquire_timeout.0.saturating_mul(1000), insts: Vec::new() }
    }

    fn inst(&mut self, i: u32) -> &mut Conns {
        if self.insts.len() <= i as usize {
            self.insts.resize_with(i as usize + 1, Conns::default);
        }
        &mut self.insts[i as usize]
    }

    /// Connections a pool with `leaked` lost can still hand out: a connection is gone once the leaks add up to one.
    fn usable(&self, leaked: f64) -> u32 {
        (self.cfg.size.floor() - leaked.floor()).max(0.0) as u32
    }

    /// Instance `i` takes a connection if one is free; otherwise request `id` (in generation `epoch`) waits for one.
    pub fn take(&mut self, i: u32, id: u32, epoch: u32) -> bool {
        let leaked = self.inst(i).leaked;
        let usable = self.usable(leaked);
        let c = self.inst(i);
        if c.in_use < usable && c.waiters.is_empty() {
            c.in_use += 1;
            true
        } else {
            c.waiters.push_back((id, epoch));
            false
        }
    }

    /// Instance `i` gives a connection back after an attempt; a failed one may leak it.
    pub fn give_back(&mut self, i: u32, failed: bool) {
        let old = self.inst(i).leaked;
        let leaked = if failed { rule::leak(&self.cfg, old, 1.0, 1.0) } else { old };
        let c = self.inst(i);
        c.in_use = c.in_use.saturating_sub(1);
        c.leaked = leaked;
    }

    /// The oldest request waiting at instance `i`, if a connection is free for it.
    pub fn next_waiter(&mut self, i: u32) -> Option<(u32, u32)> {
        let leaked = self.inst(i).leaked;
        let usable = self.usable(leaked);
        let c = self.inst(i);
        if c.in_use < usable { c.waiters.pop_front() } else { None }
    }

    /// A waiter that was handed a connection takes it.
    pub fn hand_over(&mut self, i: u32) {
        self.inst(i).in_use += 1;
    }

    /// Request `id` (generation `epoch`) stops waiting at instance `i`: usually the oldest waiter.
    pub fn forget(&mut self, i: u32, id: u32, epoch: u32) {
        let c = self.inst(i);
        if c.waiters.front() == Some(&(id, epoch)) {
            c.waiters.pop_front();
        } else {
            c.waiters.retain(|&w| w != (id, epoch));
        }
    }

    /// A restart of instance `i` gives it a new, full pool.
    pub fn reset(&mut self, i: u32) {
        *self.inst(i) = Conns::default();
    }

    /// Connections instance `i` has lost.
    #[cfg(test)]
    pub fn leaked(&self, i: u32) -> f64 {
        self.insts.get(i as usize).map_or(0.0, |c| c.leaked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    fn pools(size: f64, leak: f64) -> Pools {
        Pools::new(&Pool { size, acquire_timeout: Span(500), leak })
    }

    #[test]
    fn a_full_pool_makes_callers_wait_in_order() {
        let mut p = pools(2.0, 0.0);
        assert!(p.take(0, 1, 0));
        assert!(p.take(0, 2, 0));
        assert!(!p.take(0, 3, 7));
        assert!(!p.take(0, 4, 8));
        assert!(p.take(1, 5, 0), "another instance has its own pool");
        assert_eq!(p.next_waiter(0), None);
        p.give_back(0, false);
        assert_eq!(p.next_waiter(0), Some((3, 7)));
        p.hand_over(0);
        assert_eq!(p.next_waiter(0), None);
        assert_eq!(p.wait_us, 500_000);
    }

    #[test]
    fn failed_calls_leak_until_the_pool_is_empty_and_a_restart_refills_it() {
        let mut p = pools(2.0, 1.0);
        assert!(p.take(0, 1, 0));
        p.give_back(0, true);
        assert!(p.take(0, 2, 0));
        assert!(!p.take(0, 3, 0));
        p.give_back(0, true);
        assert_eq!(p.next_waiter(0), None, "both leaked: nobody is served");
        assert_eq!(p.leaked(0), 2.0);
        assert!(!p.take(0, 4, 0));
        p.reset(0);
        assert!(p.take(0, 5, 0));
    }

    #[test]
    fn fractional_leaks_add_up() {
        let mut p = pools(1.0, 0.5);
        p.take(0, 1, 0);
        p.give_back(0, true);
        assert!(p.take(0, 2, 0), "half a connection lost: one still usable");
        p.give_back(0, true);
        assert!(!p.take(0, 3, 0));
    }
}
