//! Rolling actions: restarts and deploys moving across a fleet at a rate or in batches.

use crate::engine::fleet::{Cohort, Fleet, Phase};
use crate::model::{Pace, Version};
use crate::time::{SimTime, Span};

/// How often a batched rollout checks whether its batch serves again.
const BATCH_POLL: Span = Span(30_000);

/// A fleet a rollout moves through, however the engine keeps its instances
/// (cohorts in fluid mode, one by one in requests mode). `pick` and `f` see an
/// instance's last rollout id (0: none) and whether it is starting (booting,
/// or warming).
pub trait Units {
    /// Instances matching `f(rolled, starting)`.
    fn count(&self, f: impl Fn(u32, bool) -> bool) -> u32;
    /// Restarts up to `n` instances matching `pick`, in the fleet's order,
    /// marking them with rollout `id` and deploying `version` when given;
    /// they serve again after `startup`. Returns how many.
    fn restart(
        &mut self,
        n: u32,
        now: SimTime,
        startup: Span,
        pick: impl Fn(u32, bool) -> bool,
        id: u32,
        version: Option<Version>,
    ) -> u32;
}

impl Units for Fleet {
    fn count(&self, f: impl Fn(u32, bool) -> bool) -> u32 {
        self.cohorts().iter().filter(|k| f(k.rolled, starting(k))).map(|k| k.count).sum()
    }

    fn restart(
        &mut self,
        n: u32,
        now: SimTime,
        startup: Span,
        pick: impl Fn(u32, bool) -> bool,
        id: u32,
        version: Option<Version>,
    ) -> u32 {
        Fleet::restart(
            self,
            n,
            now,
            startup,
            |k| pick(k.rolled, starting(k)),
            |k| {
                k.rolled = id;
                if let Some(v) = version {
                    k.version = v;
                }
            },
        )
    }
}

fn starting(k: &Cohort) -> bool {
    matches!(k.phase, Phase::Booting { .. } | Phase::Warming { .. })
}

/// A rolling restart or deploy under way.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    /// Marks the instances it has restarted (never 0).
    pub id: u32,
    /// Instances still to restart.
    pub left: u32,
    pub pace: Pace,
    pub version: Option<Version>,
    /// When the last batch was all serving again; the pause runs from there.
    pub batch_done_at: Option<SimTime>,
    /// Restarts only instances this rollout id reached (a rollback).
    pub only: Option<u32>,
}

impl Rollout {
    pub fn new(id: u32, left: u32, pace: Pace, version: Option<Version>) -> Rollout {
        Rollout { id, left, pace, version, batch_done_at: None, only: None }
    }

    /// Restarts the next instance or batch at `now`; returns how many were
    /// restarted and when to act next (`None` once done). A batch starts once
    /// the previous one serves again (booted and warmed) and `pause` has passed.
    pub fn step(&mut self, fleet: &mut impl Units, now: SimTime, startup: Span) -> (u32, Option<SimTime>) {
        let id = self.id;
        let want = match self.pace {
            Pace::Rate(_) => 1,
            Pace::Batches { size, pause } => {
                if fleet.count(|rolled, starting| rolled == id && starting) > 0 {
                    return (0, Some(now.plus(BATCH_POLL)));
                }
                match self.batch_done_at {
                    None if self.left > 0 && fleet.count(|rolled, _| rolled == id) > 0 => {
                        self.batch_done_at = Some(now);
                        return (0, Some(now.plus(pause)));
                    }
                    Some(done) if now.since(done) < pause => return (0, Some(done.plus(pause))),
                    _ => size,
                }
            }
        }
        .min(self.left);
        let only = self.only;
        let pick = |rolled: u32, starting: bool| rolled != id && only.is_none_or(|o| rolled == o) && !starting;
        let done = fleet.restart(want, now, startup, pick, id, self.version);
        self.left -= done;
        self.batch_done_at = None;
        if self.left == 0 || done == 0 {
            return (done, None);
        }
        let next = match self.pace {
            Pace::Rate(per_s) => now.plus(Span::from_secs_f64(1.0 / per_s).max(Span(1))),
            Pace::Batches { .. } => now.plus(startup),
        };
        (done, Some(next))
    }
}

impl Rollout {
    /// Stops this rollout and returns the rollback that supersedes it: the
    /// same pace, over the instances it reached, into `previous`.
    pub fn roll_back(&mut self, new_id: u32, fleet: &impl Units, previous: Version) -> Rollout {
        self.left = 0;
        let old = self.id;
        let reached = fleet.count(|rolled, _| rolled == old);
        Rollout { only: Some(self.id), ..Rollout::new(new_id, reached, self.pace, Some(previous)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_restarts_one_instance_per_interval() {
        let mut f = Fleet::new(3);
        let mut r = Rollout::new(1, 3, Pace::Rate(1.0 / 60.0), None);
        let (n, next) = r.step(&mut f, SimTime(0), Span(10_000));
        assert_eq!((n, next), (1, Some(SimTime(60_000))));
        assert_eq!(f.census().serving, 2);
    }

    #[test]
    fn batches_wait_until_the_batch_serves_then_pause() {
        let mut f = Fleet::new(5);
        let mut r = Rollout::new(1, 5, Pace::Batches { size: 2, pause: Span(5000) }, None);
        let (n, next) = r.step(&mut f, SimTime(0), Span(10_000));
        assert_eq!((n, next), (2, Some(SimTime(10_000))));
        f.promote_ready(SimTime(10_000), Some(60.0));
        assert_eq!(r.step(&mut f, SimTime(10_000), Span(10_000)), (0, Some(SimTime(40_000))), "still warming");
        for k in f.cohorts_mut().iter_mut() {
            k.phase = Phase::Serving;
        }
        assert_eq!(r.step(&mut f, SimTime(70_000), Span(10_000)), (0, Some(SimTime(75_000))), "the pause");
        assert_eq!(r.step(&mut f, SimTime(75_000), Span(10_000)).0, 2, "the next batch");
    }

    #[test]
    fn each_instance_is_restarted_once_and_gets_the_new_version() {
        let mut f = Fleet::new(2);
        let v = Version { error_rate: 0.1, ..Version::default() };
        let mut r = Rollout::new(7, 10, Pace::Rate(1.0), Some(v));
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
        assert!(f.cohorts().iter().all(|k| k.rolled == 7 && k.version == v));
    }

    #[test]
    fn a_rollback_stops_the_deploy_and_reverts_what_it_reached() {
        let mut f = Fleet::new(12);
        let bad = Version { error_rate: 0.3, ..Version::default() };
        let mut deploy = Rollout::new(1, 12, Pace::Rate(1.0), Some(bad));
        for s in 0..3 {
            deploy.step(&mut f, SimTime(s * 1000), Span::ZERO);
            f.promote_ready(SimTime(s * 1000), None);
        }
        let mut back = deploy.roll_back(2, &f, Version::default());
        assert_eq!(deploy.left, 0);
        assert_eq!(back.left, 3, "the three instances the deploy reached");
        assert_eq!(deploy.step(&mut f, SimTime(3000), Span::ZERO).1, None, "the deploy moves no further");
        let mut t = 3000;
        while let (_, Some(next)) = back.step(&mut f, SimTime(t), Span::ZERO) {
            f.promote_ready(SimTime(next.0), None);
            t = next.0;
        }
        f.promote_ready(SimTime(t + 1), None);
        assert_eq!(f.census().version_error, 0.0, "no instance left on the bad version");
        assert_eq!(f.census().serving, 12);
    }
}
