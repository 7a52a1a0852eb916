//! Warm-up contention: started instances build their caches from healthy peers
//! or from the authoritative store, sharing that supply; builds that take too
//! long fail their health checks and start over.
//!
//! Supply is counted in instances fed at full speed: the store feeds
//! `store_capacity`, and with `source = peers` each sound peer adds
//! `peer_share / peer_cost`. Each warming instance progresses at
//! `min(1, supply / warming)`. Feeding from peers costs them `peer_cost`
//! instances' capacity per instance fed.

use crate::engine::fleet::{Cohort, Fleet, Moved, Phase};
use crate::model::dist::Later;
use crate::model::{Service, Warmup, WarmupSource};
use crate::time::{SimTime, Span};

/// The outcome of one round of warming.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Warmed {
    /// Instances whose caches are built: they now serve.
    pub done: u32,
    /// Instances past the deadline: restarted, their progress lost.
    pub failed: u32,
    /// Peer capacity spent feeding warming instances [instances].
    pub peer_load: f64,
    /// Speed of each warming instance, 1 = full speed.
    pub speed: f64,
}

/// The work of one instance's cache build [s at full speed], drawn: a cache
/// covers the instance's cell, so with `peers.cells` a build is that much
/// smaller. `None` without a warm-up.
pub fn build_work_s(svc: &Service, rng: &mut impl rand::Rng) -> Option<f64> {
    build_work_later(svc, rng).map(|w| w.secs())
}

/// As [`build_work_s`], drawn from the stream now and worked out when read.
pub fn build_work_later<'s>(svc: &'s Service, rng: &mut impl rand::Rng) -> Option<BuildWork<'s>> {
    let w = svc.warmup.as_ref()?;
    let cells = svc.peers.as_ref().map_or(1, |p| p.cells.max(1)) as f64;
    Some(BuildWork { draw: Later::take(w.duration_dist.as_ref(), w.duration, rng), cells })
}

/// A cache build's work, drawn but not yet worked out ([`build_work_later`]).
#[derive(Debug, Clone, Copy)]
pub struct BuildWork<'s> {
    draw: Later<'s>,
    cells: f64,
}

impl BuildWork<'_> {
    /// The work [s at full speed], as [`build_work_s`] gives it.
    pub fn secs(&self) -> f64 {
        self.draw.span().secs() / self.cells
    }
}

/// Supply of cache data [instances fed at full speed] with `sound` healthy peers.
pub fn supply(w: &Warmup, sound: u32) -> (f64, f64) {
    let from_peers = match w.source {
        WarmupSource::Peers => sound as f64 * w.peer_share / w.peer_cost,
        WarmupSource::Store => 0.0,
    };
    (w.store_capacity, from_peers)
}

/// Advances every warming instance by `dt` at `now`; instances past the
/// deadline restart and serve again after `startup()` (asked only then).
pub fn warm(fleet: &mut Fleet, w: &Warmup, now: SimTime, dt: Span, startup: impl FnOnce() -> Span) -> Warmed {
    let census = fleet.census();
    if census.warming == 0 {
        return Warmed { speed: 1.0, ..Warmed::default() };
    }
    let (store, peers) = supply(w, census.sound);
    let n = census.warming as f64;
    let speed = ((store + peers) / n).min(1.0);
    let fed_by_peers = (n - store).clamp(0.0, peers);
    let mut out = Warmed { speed, peer_load: fed_by_peers * w.peer_cost, ..Warmed::default() };
    let overdue = |k: &Cohort| matches!(k.phase, Phase::Warming { since, .. } if now.since(since) > w.deadline);
    // Whether a cohort still warming is past the deadline, noted on the way.
    let mut late = false;
    fleet.update(|k| {
        if let Phase::Warming { progress_s, need_s, since } = k.phase {
            let progress_s = progress_s + speed * dt.secs();
            if progress_s >= need_s {
                k.phase = Phase::Serving;
                k.in_rotation = true;
                out.done += k.count;
                return Moved::Counted;
            }
            k.phase = Phase::Warming { progress_s, need_s, since };
            late |= k.count > 0 && now.since(since) > w.deadline;
        }
        Moved::Nothing
    });
    out.failed = if late {
        fleet.restart(u32::MAX, now, startup(), overdue, |_| {})
    } else {
        // What a restart that finds no one does: the next tidy looks again.
        fleet.mark_dirty();
        0
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warmup(source: WarmupSource) -> Warmup {
        Warmup {
            duration: Span(600_000),
            duration_dist: None,
            source,
            store_capacity: 2.0,
            peer_share: 0.1,
            peer_cost: 1.0,
            deadline: Span(1_800_000),
        }
    }

    fn start_warming(f: &mut Fleet, n: u32) {
        f.restart(n, SimTime(0), Span(0), |_| true, |_| {});
        f.promote_ready(SimTime(0), Some(600.0));
    }

    #[test]
    fn a_few_instances_warm_at_full_speed_from_the_store() {
        let mut f = Fleet::new(10);
        start_warming(&mut f, 2);
        let mut done = 0;
        for m in 1..=10 {
            done += warm(&mut f, &warmup(WarmupSource::Store), SimTime(m * 60_000), Span(60_000), || Span(0)).done;
        }
        assert_eq!(done, 2);
        assert_eq!(f.census().serving, 10);
    }

    #[test]
    fn too_many_at_once_miss_the_deadline_and_restart() {
        let mut f = Fleet::new(100);
        start_warming(&mut f, 20);
        let mut failed = 0;
        for m in 1..=31 {
            failed += warm(&mut f, &warmup(WarmupSource::Store), SimTime(m * 60_000), Span(60_000), || Span(0)).failed;
        }
        assert_eq!(failed, 20, "2 instances of supply for 20 builds of 10 min: 100 min each");
    }

    #[test]
    fn a_start_up_is_drawn_only_for_builds_past_the_deadline_and_the_fleet_is_tidied_anyway() {
        let mut f = Fleet::new(100);
        start_warming(&mut f, 20);
        f.tidy();
        let mut asked = 0;
        for m in 1..=31 {
            let w = warm(&mut f, &warmup(WarmupSource::Store), SimTime(m * 60_000), Span(60_000), || {
                asked += 1;
                Span(60_000)
            });
            assert_eq!(w.failed > 0, m == 31, "minute {m}");
            assert!(f.is_dirty(), "the next tidy looks at the cohorts, minute {m}");
            f.tidy();
        }
        assert_eq!(asked, 1, "one start-up, for the builds that missed the deadline at minute 31");
        assert_eq!(f.next_ready(), Some(SimTime(31 * 60_000 + 60_000)));
    }

    #[test]
    fn healthy_peers_add_supply_and_pay_for_it_in_capacity() {
        let mut f = Fleet::new(100);
        start_warming(&mut f, 20);
        let w = warm(&mut f, &warmup(WarmupSource::Peers), SimTime(60_000), Span(60_000), || Span(0));
        assert_eq!(w.speed, 0.5, "2 from the store + 80 peers x 0.1, for 20 builds");
        assert!((w.peer_load - 8.0).abs() < 1e-9, "peers feed what the store cannot, up to their share");
    }
}
