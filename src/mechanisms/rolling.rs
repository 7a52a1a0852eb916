//! Rolling actions: restarts and deploys moving across a fleet at a rate or in batches.

use crate::engine::fleet::{Fleet, Phase};
use crate::model::{Pace, Version};
use crate::time::{SimTime, Span};

/// A rolling restart or deploy under way.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    /// Marks the instances it has restarted (never 0).
    pub id: u32,
    /// Instances still to restart.
    pub left: u32,
    pub pace: Pace,
    pub version: Option<Version>,
}

impl Rollout {
    /// Restarts the next instance or batch at `now`; returns how many were
    /// restarted and when to act next (`None` once done).
    pub fn step(&mut self, fleet: &mut Fleet, now: SimTime, startup: Span) -> (u32, Option<SimTime>) {
        let want = match self.pace {
            Pace::Rate(_) => 1,
            Pace::Batches { size, .. } => size,
        }
        .min(self.left);
        let id = self.id;
        let version = self.version;
        let pick = |k: &crate::engine::fleet::Cohort| {
            k.rolled != id && !matches!(k.phase, Phase::Booting { .. } | Phase::Warming { .. })
        };
        let done = fleet.restart(want, now, startup, pick, |k| {
            k.rolled = id;
            if let Some(v) = version {
                k.version = v;
            }
        });
        self.left -= done;
        if self.left == 0 || done == 0 {
            return (done, None);
        }
        let next = match self.pace {
            Pace::Rate(per_s) => now.plus(Span::from_secs_f64(1.0 / per_s).max(Span(1))),
            Pace::Batches { pause, .. } => now.plus(startup).plus(pause),
        };
        (done, Some(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_restarts_one_instance_per_interval() {
        let mut f = Fleet::new(3);
        let mut r = Rollout { id: 1, left: 3, pace: Pace::Rate(1.0 / 60.0), version: None };
        let (n, next) = r.step(&mut f, SimTime(0), Span(10_000));
        assert_eq!((n, next), (1, Some(SimTime(60_000))));
        assert_eq!(f.census().serving, 2);
    }

    #[test]
    fn batches_wait_for_startup_and_pause() {
        let mut f = Fleet::new(5);
        let mut r = Rollout { id: 1, left: 5, pace: Pace::Batches { size: 2, pause: Span(5000) }, version: None };
        let (n, next) = r.step(&mut f, SimTime(0), Span(10_000));
        assert_eq!((n, next), (2, Some(SimTime(15_000))));
    }

    #[test]
    fn each_instance_is_restarted_once_and_gets_the_new_version() {
        let mut f = Fleet::new(2);
        let v = Version { error_rate: 0.1, ..Version::default() };
        let mut r = Rollout { id: 7, left: 10, pace: Pace::Rate(1.0), version: Some(v) };
        let mut t = SimTime(0);
        let mut total = 0;
        loop {
            let (n, next) = r.step(&mut f, t, Span(0));
            total += n;
            let Some(next) = next else { break };
            f.promote_ready(next, None);
            t = next;
        }
        assert_eq!(total, 2);
        f.promote_ready(t, None);
        f.tidy();
        assert!(f.cohorts.iter().all(|k| k.rolled == 7 && k.version == v));
    }
}
