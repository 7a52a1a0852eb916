//! Health checks: failing instances leave rotation and their load moves to the rest.
//!
//! Probes are evaluated at every step: an instance is removed once its probes
//! have failed for `unhealthy_threshold` intervals, and returns once they have
//! passed for `healthy_threshold` intervals.

use crate::engine::fleet::{Cohort, Fleet, Phase};
use crate::model::HealthCheck;
use crate::time::{SimTime, Span};

/// How many instances a round of probes moved.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moves {
    pub removed: u32,
    pub returned: u32,
    /// Crashed instances replaced by new ones.
    pub replaced: u32,
    /// The round changed something: an instance moved or a streak began,
    /// went on or ended. A round that changes nothing leaves the fleet as it was.
    pub stirred: bool,
}

/// Would a probe of a serving instance pass? Shallow probes pass while the
/// process is up; deep ones wait in the queue and see dependency failures.
pub fn probe_passes(hc: &HealthCheck, wait_s: f64, hold_s: f64, error: f64) -> bool {
    !hc.deep || (wait_s + hold_s <= hc.timeout.secs() && error < 0.5)
}

/// Would a probe of an instance slowed by `own_s` [s] pass (a starved CPU on
/// part of a fleet)? A shallow probe answers within its own delay; a deep one
/// adds the request's wait and hold.
pub fn instance_passes(hc: &HealthCheck, own_s: f64, wait_s: f64, hold_s: f64, error: f64) -> bool {
    own_s <= hc.timeout.secs() && probe_passes(hc, wait_s, hold_s + own_s, error)
}

/// Runs the probes at `now`. `serving_ok` says whether serving instances pass;
/// crashed ones always fail. `interval` is the time between probes for
/// instances that start failing or passing now (`hc.interval`, or a draw from
/// its distribution). With `replace`, crashed instances that left rotation are
/// replaced by new ones serving after `startup`.
pub fn probe(
    fleet: &mut Fleet,
    hc: &HealthCheck,
    interval: Span,
    now: SimTime,
    serving_ok: bool,
    replace: Option<Span>,
) -> Moves {
    probe_each(fleet, hc, interval, now, |_| serving_ok, replace)
}

/// As [`probe`], with `serving_ok` judged per cohort (faults on part of a fleet).
pub fn probe_each(
    fleet: &mut Fleet,
    hc: &HealthCheck,
    interval: Span,
    now: SimTime,
    serving_ok: impl Fn(&Cohort) -> bool,
    replace: Option<Span>,
) -> Moves {
    let down_for = Span(hc.interval.0 * hc.unhealthy_threshold as u64);
    let up_for = Span(hc.interval.0 * hc.healthy_threshold as u64);
    // A streak starting now is dated so that it ends after `threshold` drawn intervals.
    let shifted = |threshold: u32| {
        let (nominal, drawn) = (hc.interval.0 * threshold as u64, interval.0 * threshold as u64);
        if drawn >= nominal { now.plus(Span(drawn - nominal)) } else { SimTime(now.0.saturating_sub(nominal - drawn)) }
    };
    let mut moves = Moves::default();
    let verdict = |k: &Cohort| match k.phase {
        Phase::Booting { .. } | Phase::Warming { .. } => None,
        Phase::Serving => Some(serving_ok(k)),
        Phase::Crashed => Some(false),
    };
    // Passing in rotation, or failing out of it, with no streak: nothing to do.
    let idle = |k: &Cohort| match verdict(k) {
        None => true,
        Some(true) => k.in_rotation && k.failing_since.is_none(),
        Some(false) => !k.in_rotation && k.passing_since.is_none() && !(replace.is_some() && k.phase == Phase::Crashed),
    };
    if fleet.cohorts().iter().all(idle) {
        return moves;
    }
    moves.stirred = true;
    for k in fleet.cohorts_mut().iter_mut() {
        let Some(passes) = verdict(k) else { continue };
        if passes {
            k.failing_since = None;
            if !k.in_rotation {
                let since = *k.passing_since.get_or_insert_with(|| shifted(hc.healthy_threshold));
                if now.since(since) >= up_for {
                    k.in_rotation = true;
                    k.passing_since = None;
                    moves.returned += k.count;
                }
            }
        } else {
            k.passing_since = None;
            if k.in_rotation {
                let since = *k.failing_since.get_or_insert_with(|| shifted(hc.unhealthy_threshold));
                if now.since(since) >= down_for {
                    k.in_rotation = false;
                    k.failing_since = None;
                    moves.removed += k.count;
                }
            }
        }
    }
    if let Some(startup) = replace
        && fleet.cohorts().iter().any(|k| k.phase == Phase::Crashed && !k.in_rotation)
    {
        moves.replaced = fleet.restart(u32::MAX, now, startup, |k| k.phase == Phase::Crashed && !k.in_rotation, |_| {});
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hc(deep: bool) -> HealthCheck {
        HealthCheck { deep, ..HealthCheck::default_check() }
    }

    #[test]
    fn crashed_instances_leave_rotation_after_the_threshold() {
        let mut f = Fleet::new(10);
        f.crash(4);
        for s in [0, 10, 20] {
            let m = probe(&mut f, &hc(false), Span(10_000), SimTime(s * 1000), true, None);
            assert_eq!(m.removed, 0, "still within the threshold at {s}s");
        }
        let m = probe(&mut f, &hc(false), Span(10_000), SimTime(30_000), true, None);
        assert_eq!(m.removed, 4);
        assert_eq!(f.census().dead_in_rotation, 0);
        assert_eq!(f.census().serving, 6);
    }

    #[test]
    fn removed_instances_are_replaced_when_asked() {
        let mut f = Fleet::new(2);
        f.crash(2);
        probe(&mut f, &hc(false), Span(10_000), SimTime(0), true, Some(Span(60_000)));
        let m = probe(&mut f, &hc(false), Span(10_000), SimTime(30_000), true, Some(Span(60_000)));
        assert_eq!((m.removed, m.replaced), (2, 2));
        assert_eq!(f.next_ready(), Some(SimTime(90_000)));
    }

    #[test]
    fn a_drawn_interval_moves_the_removal() {
        let mut f = Fleet::new(1);
        f.crash(1);
        probe(&mut f, &hc(false), Span(20_000), SimTime(0), true, None);
        let m = probe(&mut f, &hc(false), Span(10_000), SimTime(30_000), true, None);
        assert_eq!(m.removed, 0, "three 20 s intervals: removal at 60 s");
        let m = probe(&mut f, &hc(false), Span(10_000), SimTime(60_000), true, None);
        assert_eq!(m.removed, 1);
    }

    #[test]
    fn a_slowed_instance_fails_a_deep_probe_before_a_shallow_one() {
        let (deep, shallow) = (hc(true), hc(false));
        assert!(!instance_passes(&deep, 1.5, 0.0, 0.6, 0.0), "1.5 s starved + 0.6 s query > 2 s");
        assert!(instance_passes(&shallow, 1.5, 0.0, 0.6, 0.0), "a ping answers in 1.5 s");
        assert!(!instance_passes(&shallow, 2.5, 0.0, 0.0, 0.0));
        let mut f = Fleet::new(4);
        f.transition(
            1,
            |_| true,
            |k| {
                k.hit = 1;
                k.fault.latency_s = 3.0;
            },
        );
        for s in [0, 10, 20, 30] {
            probe_each(&mut f, &shallow, Span(10_000), SimTime(s * 1000), |k| k.fault.latency_s < 2.0, None);
        }
        assert_eq!(f.census().serving, 3, "only the slowed instance left");
    }

    #[test]
    fn overloaded_instances_fail_deep_probes_and_come_back() {
        let mut f = Fleet::new(3);
        assert!(!probe_passes(&hc(true), 5.0, 0.01, 0.0));
        assert!(probe_passes(&hc(false), 5.0, 0.01, 0.0));
        for s in [0, 10, 20, 30] {
            probe(&mut f, &hc(true), Span(10_000), SimTime(s * 1000), false, None);
        }
        assert_eq!(f.census().serving, 0);
        probe(&mut f, &hc(true), Span(10_000), SimTime(40_000), true, None);
        let m = probe(&mut f, &hc(true), Span(10_000), SimTime(60_000), true, None);
        assert_eq!(m.returned, 3);
    }
}
