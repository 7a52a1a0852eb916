//! Autoscaling: a target-tracking policy sizes a fleet to keep a metric at its target, within bounds and cooldowns.

use crate::model::resilience::{Autoscaling, ScaleMetric};
use crate::time::SimTime;

/// What a policy sees of its fleet at a tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    /// Instances serving [instances].
    pub serving: u32,
    /// Instances of any kind, booting ones included [instances].
    pub total: u32,
    /// Requests arriving [req/s].
    pub offered: f64,
    /// What the serving fleet can do [req/s].
    pub capacity: f64,
    /// Requests waiting [requests].
    pub queue: f64,
}

/// The metric's value per serving instance (utilisation as a fraction).
pub fn metric(a: &Autoscaling, o: &Observed) -> f64 {
    let n = o.serving.max(1) as f64;
    match a.metric {
        ScaleMetric::Utilisation => {
            if o.capacity > 0.0 {
                o.offered / o.capacity
            } else {
                f64::INFINITY
            }
        }
        ScaleMetric::Requests => o.offered / n,
        ScaleMetric::Queue => o.queue / n,
    }
}

/// The fleet size target tracking wants: `serving * metric / target`, rounded
/// up, within `min..=max`.
pub fn desired(a: &Autoscaling, o: &Observed) -> u32 {
    let m = metric(a, o);
    let want = if m.is_finite() { (o.serving.max(1) as f64 * m / a.target).ceil() } else { a.max as f64 };
    (want.max(0.0) as u32).clamp(a.min, a.max)
}

/// The change to make now: positive to launch, negative to remove, 0 to wait.
/// Scale-outs count booting instances (they are on their way) and wait
/// `scale-out-cooldown` after the last scale-out; scale-ins wait
/// `scale-in-cooldown` after the last change of either kind.
pub fn decide(a: &Autoscaling, o: &Observed, now: SimTime, last_out: Option<SimTime>, last_in: Option<SimTime>) -> i64 {
    let want = desired(a, o) as i64;
    let total = o.total as i64;
    let since = |t: Option<SimTime>| t.map_or(u64::MAX, |t| now.since(t).0);
    let out_ready = want > total && since(last_out) >= a.scale_out_cooldown.0;
    let in_ready = want < total && since(last_out).min(since(last_in)) >= a.scale_in_cooldown.0;
    if out_ready || in_ready { want - total } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    fn policy() -> Autoscaling {
        Autoscaling {
            metric: ScaleMetric::Utilisation,
            target: 0.5,
            min: 2,
            max: 10,
            scale_out_cooldown: Span(60_000),
            scale_in_cooldown: Span(300_000),
            metrics: None,
        }
    }

    fn seen(serving: u32, offered: f64) -> Observed {
        Observed { serving, total: serving, offered, capacity: serving as f64 * 100.0, queue: 0.0 }
    }

    #[test]
    fn target_tracking_sizes_the_fleet_to_the_target() {
        assert_eq!(desired(&policy(), &seen(4, 400.0)), 8, "100% busy at a 50% target: twice the fleet");
        assert_eq!(desired(&policy(), &seen(4, 40.0)), 2, "never below min");
        assert_eq!(desired(&policy(), &seen(4, 4000.0)), 10, "never above max");
    }

    #[test]
    fn cooldowns_space_the_changes() {
        let p = policy();
        let now = SimTime(100_000);
        assert_eq!(decide(&p, &seen(4, 400.0), now, None, None), 4);
        assert_eq!(decide(&p, &seen(4, 400.0), now, Some(SimTime(50_000)), None), 0, "within the cooldown");
        let booting = Observed { total: 8, ..seen(4, 400.0) };
        assert_eq!(decide(&p, &booting, now, None, None), 0, "booting instances count");
        assert_eq!(decide(&p, &seen(8, 100.0), SimTime(400_000), Some(SimTime(0)), None), -6);
        assert_eq!(decide(&p, &seen(8, 100.0), SimTime(200_000), Some(SimTime(0)), None), 0);
    }

    #[test]
    fn other_metrics() {
        let per_instance = Autoscaling { metric: ScaleMetric::Requests, target: 50.0, ..policy() };
        assert_eq!(desired(&per_instance, &seen(4, 400.0)), 8);
        let queue = Autoscaling { metric: ScaleMetric::Queue, target: 10.0, ..policy() };
        assert_eq!(desired(&queue, &Observed { queue: 120.0, ..seen(4, 0.0) }), 10);
    }
}
