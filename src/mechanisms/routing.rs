//! Routing and failover: a router spreads requests over weighted targets, moves them by health, and clients follow after a DNS TTL.

use crate::model::resilience::RoutePolicy;
use crate::time::{SimTime, Span};

/// One target as the router sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub weight: f64,
    /// Failover rank (0 = primary).
    pub rank: u32,
    pub healthy: bool,
}

/// The share of requests each target should get. Weighted: the healthy targets
/// by weight. Failover: the healthy targets of the lowest rank, by weight.
/// With no healthy target, `fail_open` routes to all by weight (as a policy
/// with every target healthy would); otherwise nothing is routed.
pub fn decide(policy: RoutePolicy, targets: &[Target], fail_open: bool) -> Vec<f64> {
    let any_healthy = targets.iter().any(|t| t.healthy);
    let usable = |t: &Target| t.healthy || (fail_open && !any_healthy);
    let chosen: Vec<bool> = match policy {
        RoutePolicy::Weighted => targets.iter().map(usable).collect(),
        RoutePolicy::Failover => {
            let best = targets.iter().filter(|t| usable(t)).map(|t| t.rank).min();
            targets.iter().map(|t| usable(t) && Some(t.rank) == best).collect()
        }
    };
    let total: f64 = targets.iter().zip(&chosen).filter(|(_, c)| **c).map(|(t, _)| t.weight).sum();
    targets.iter().zip(&chosen).map(|(t, c)| if *c && total > 0.0 { t.weight / total } else { 0.0 }).collect()
}

/// The shares clients use at `now` after the router switched from `from` to
/// `to` at `since`: cached answers expire evenly over `ttl`.
pub fn blend(from: &[f64], to: &[f64], since: SimTime, now: SimTime, ttl: Span) -> Vec<f64> {
    let f = if ttl.is_zero() { 1.0 } else { (now.since(since).secs() / ttl.secs()).clamp(0.0, 1.0) };
    from.iter().zip(to).map(|(a, b)| a + (b - a) * f).collect()
}

/// A health verdict with thresholds: `healthy` flips once probes disagree
/// with it for `threshold` intervals in a row; `since` holds when they began to.
pub fn judge(
    healthy: bool,
    passes: bool,
    since: &mut Option<SimTime>,
    now: SimTime,
    interval: Span,
    unhealthy_threshold: u32,
    healthy_threshold: u32,
) -> bool {
    if passes == healthy {
        *since = None;
        return healthy;
    }
    let start = *since.get_or_insert(now);
    let needed = if healthy { unhealthy_threshold } else { healthy_threshold };
    // The first disagreeing probe counts: the verdict flips on the threshold-th one.
    if now.since(start).0 + interval.0 >= interval.0 * needed as u64 {
        *since = None;
        !healthy
    } else {
        healthy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(weight: f64, rank: u32, healthy: bool) -> Target {
        Target { weight, rank, healthy }
    }

    #[test]
    fn weighted_targets_share_by_weight() {
        assert_eq!(decide(RoutePolicy::Weighted, &[t(3.0, 0, true), t(1.0, 0, true)], false), vec![0.75, 0.25]);
        assert_eq!(decide(RoutePolicy::Weighted, &[t(3.0, 0, false), t(1.0, 0, true)], false), vec![0.0, 1.0]);
    }

    #[test]
    fn failover_moves_everything_to_the_secondary() {
        let p = [t(1.0, 0, true), t(1.0, 1, true)];
        assert_eq!(decide(RoutePolicy::Failover, &p, false), vec![1.0, 0.0]);
        let p = [t(1.0, 0, false), t(1.0, 1, true)];
        assert_eq!(decide(RoutePolicy::Failover, &p, false), vec![0.0, 1.0]);
    }

    #[test]
    fn fail_open_routes_to_all_when_none_is_healthy() {
        let p = [t(1.0, 0, false), t(1.0, 1, false)];
        assert_eq!(decide(RoutePolicy::Failover, &p, true), vec![1.0, 0.0]);
        assert_eq!(decide(RoutePolicy::Failover, &p, false), vec![0.0, 0.0]);
        assert_eq!(decide(RoutePolicy::Weighted, &p, true), vec![0.5, 0.5]);
    }

    #[test]
    fn clients_follow_over_the_ttl() {
        let b = blend(&[1.0, 0.0], &[0.0, 1.0], SimTime(0), SimTime(30_000), Span(60_000));
        assert_eq!(b, vec![0.5, 0.5]);
        let b = blend(&[1.0, 0.0], &[0.0, 1.0], SimTime(0), SimTime(90_000), Span(60_000));
        assert_eq!(b, vec![0.0, 1.0]);
    }

    #[test]
    fn verdicts_flip_after_the_threshold() {
        let mut since = None;
        let iv = Span(10_000);
        assert!(judge(true, false, &mut since, SimTime(0), iv, 3, 2));
        assert!(judge(true, false, &mut since, SimTime(10_000), iv, 3, 2));
        assert!(!judge(true, false, &mut since, SimTime(20_000), iv, 3, 2), "third failed probe");
        assert!(!judge(false, true, &mut since, SimTime(30_000), iv, 3, 2));
        assert!(judge(false, true, &mut since, SimTime(40_000), iv, 3, 2), "second passed probe");
    }
}
