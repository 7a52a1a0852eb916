//! Concurrency-scaled (serverless) fleets in requests mode: an execution environment per concurrent request, reused warm, reclaimed when idle, started cold.

use crate::model::resilience::Serverless;
use std::collections::VecDeque;

/// What a request gets when it starts at a serverless service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// An idle environment that is still warm.
    Warm,
    /// A new environment: the request pays the cold start.
    Cold,
    /// The concurrency limit is reached: refused at once.
    Throttled,
}

/// A service's execution environments.
///
/// Idle environments are reused most recently used first, so those beyond the
/// concurrency of the last `idle-expiry` stay idle and are reclaimed, as the
/// fluid engine's "peak concurrency of the last `idle-expiry`" says.
#[derive(Debug, Clone)]
pub struct Envs {
    /// Idle warm environments: when each was last released [µs], oldest first.
    idle: VecDeque<u64>,
    busy: u32,
    limit: u32,
    provisioned: u32,
    expiry_us: u64,
    /// Extra time of a cold request [µs].
    pub cold_us: u64,
    /// Cold starts so far.
    pub colds: u64,
}

impl Envs {
    /// The environments of a fleet at the start, all warm: the provisioned
    /// ones, or those its load keeps warm when the run starts (`concurrency`,
    /// the mean number of requests in flight, plus five standard deviations
    /// of its Poisson spread), whichever are more. The run starts in steady state.
    pub fn new(s: &Serverless, concurrency: f64) -> Envs {
        let provisioned = s.provisioned.round().max(0.0) as u32;
        let steady = if concurrency > 0.0 { (concurrency + 5.0 * concurrency.sqrt()).ceil() } else { 0.0 };
        let limit = s.limit.round().max(1.0);
        let warm = (steady.min(limit) as u32).max(provisioned);
        Envs {
            idle: (0..warm).map(|_| 0).collect(),
            busy: 0,
            limit: limit as u32,
            provisioned,
            expiry_us: s.idle_expiry.0.saturating_mul(1000),
            cold_us: s.cold_start.0.saturating_mul(1000),
            colds: 0,
        }
    }

    /// A request starting at `now` [µs] takes an environment. O(1) amortised.
    pub fn acquire(&mut self, now: u64) -> Grant {
        self.expire(now);
        if self.idle.pop_back().is_some() {
            self.busy += 1;
            Grant::Warm
        } else if self.busy < self.limit {
            self.busy += 1;
            self.colds += 1;
            Grant::Cold
        } else {
            Grant::Throttled
        }
    }

    /// A request's environment is free again at `now` [µs].
    pub fn release(&mut self, now: u64) {
        self.busy = self.busy.saturating_sub(1);
        self.idle.push_back(now);
    }

    /// A busy environment dies with its request (its instance crashed or restarted).
    pub fn lose(&mut self) {
        self.busy = self.busy.saturating_sub(1);
    }

    /// Environments idle longer than the expiry are reclaimed, but never below the provisioned count.
    fn expire(&mut self, now: u64) {
        while self.idle.len() + self.busy as usize > self.provisioned as usize {
            match self.idle.front() {
                Some(&last) if now.saturating_sub(last) > self.expiry_us => {
                    self.idle.pop_front();
                }
                _ => break,
            }
        }
    }

    /// Environments in existence (busy and idle warm) at `now` [µs].
    #[cfg(test)]
    pub fn warm(&mut self, now: u64) -> u32 {
        self.expire(now);
        self.busy + self.idle.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    fn fleet(limit: f64, provisioned: f64) -> Envs {
        Envs::new(&Serverless { limit, idle_expiry: Span(600_000), cold_start: Span(4000), provisioned }, 0.0)
    }

    const MIN: u64 = 60_000_000;

    #[test]
    fn a_new_environment_starts_cold_and_is_then_reused_warm() {
        let mut e = fleet(10.0, 0.0);
        assert_eq!(e.acquire(0), Grant::Cold);
        e.release(1_000);
        assert_eq!(e.acquire(5 * MIN), Grant::Warm);
        e.release(5 * MIN);
        assert_eq!(e.acquire(16 * MIN), Grant::Cold, "idle 11 minutes: reclaimed");
        assert_eq!((e.colds, e.cold_us), (2, 4_000_000));
    }

    #[test]
    fn the_run_starts_with_the_environments_its_load_keeps_warm() {
        let s = Serverless { limit: 1000.0, idle_expiry: Span(600_000), cold_start: Span(4000), provisioned: 0.0 };
        // 100/s for 0.2 s: 20 in flight on average, 43 with the spread.
        assert_eq!(Envs::new(&s, 20.0).warm(0), 43);
        assert_eq!(Envs::new(&Serverless { provisioned: 50.0, ..s.clone() }, 20.0).warm(0), 50);
        assert_eq!(Envs::new(&Serverless { limit: 10.0, ..s }, 20.0).warm(0), 10);
    }

    #[test]
    fn concurrency_beyond_the_limit_is_throttled() {
        let mut e = fleet(2.0, 0.0);
        assert_eq!(e.acquire(0), Grant::Cold);
        assert_eq!(e.acquire(0), Grant::Cold);
        assert_eq!(e.acquire(0), Grant::Throttled);
        e.release(10);
        assert_eq!(e.acquire(20), Grant::Warm);
    }

    #[test]
    fn provisioned_environments_never_expire() {
        let mut e = fleet(10.0, 1.0);
        assert_eq!(e.acquire(60 * MIN), Grant::Warm);
        e.release(60 * MIN);
        assert_eq!(e.acquire(0), Grant::Warm);
        e.release(61 * MIN);
        assert_eq!(e.warm(600 * MIN), 1);
    }

    #[test]
    fn the_most_recently_used_are_reused_so_a_past_peak_expires() {
        let mut e = fleet(100.0, 0.0);
        for _ in 0..5 {
            e.acquire(0);
        }
        for t in 0..5 {
            e.release(t);
        }
        // One request at a time for 20 minutes keeps one environment warm; the other four expire.
        for m in 1..=20 {
            assert_eq!(e.acquire(m * MIN), Grant::Warm);
            e.release(m * MIN + 1);
        }
        assert_eq!(e.warm(20 * MIN + 2), 1);
    }
}
