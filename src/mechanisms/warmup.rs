//! Warm-up contention: started instances build their caches from healthy peers
//! or from the authoritative store, sharing that supply; builds that take too
//! long fail their health checks and start over.
//!
//! Supply is counted in instances fed at full speed: the store feeds
//! `store_capacity`, and with `source = peers` each sound peer adds
//! `peer_share / peer_cost`. Each warming instance progresses at
//! `min(1, supply / warming)`. Feeding from peers costs them `peer_cost`
//! instances' capacity per instance fed.

use crate::engine::fleet::{Fleet, Phase};
use crate::model::dist::draw;
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
    let w = svc.warmup.as_ref()?;
    let cells = svc.peers.as_ref().map_or(1, |p| p.cells.max(1)) as f64;
    Some(draw(w.duration_dist.as_ref(), w.duration, rng).secs() / cells)
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
/// deadline restart and serve again after `startup`.
pub fn warm(fleet: &mut Fleet, w: &Warmup, now: SimTime, dt: Span, startup: Span) -> Warmed {
    let census = fleet.census();
    if census.warming == 0 {
        return Warmed { speed: 1.0, ..Warmed::default() };
    }
    let (store, peers) = supply(w, census.sound);
    let n = census.warming as f64;
    let speed = ((store + peers) / n).min(1.0);
    let fed_by_peers = (n - store).clamp(0.0, peers);
    let mut out = Warmed { speed, peer_load: fed_by_peers * w.peer_cost, ..Warmed::default() };
    fleet.update(|k| {
        if let Phase::Warming { progress_s, need_s, since } = k.phase {
            let progress_s = progress_s + speed * dt.secs();
            if progress_s >= need_s {
                k.phase = Phase::Serving;
                k.in_rotation = true;
                out.done += k.count;
                return true;
            }
            k.phase = Phase::Warming { progress_s, need_s, since };
        }
        false
    });
    out.failed = fleet.restart(
        u32::MAX,
        now,
        startup,
        |k| matches!(k.phase, Phase::Warming { since, .. } if now.since(since) > w.deadline),
        |_| {},
    );
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
            done += warm(&mut f, &warmup(WarmupSource::Store), SimTime(m * 60_000), Span(60_000), Span(0)).done;
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
            failed += warm(&mut f, &warmup(WarmupSource::Store), SimTime(m * 60_000), Span(60_000), Span(0)).failed;
        }
        assert_eq!(failed, 20, "2 instances of supply for 20 builds of 10 min: 100 min each");
    }

    #[test]
    fn healthy_peers_add_supply_and_pay_for_it_in_capacity() {
        let mut f = Fleet::new(100);
        start_warming(&mut f, 20);
        let w = warm(&mut f, &warmup(WarmupSource::Peers), SimTime(60_000), Span(60_000), Span(0));
        assert_eq!(w.speed, 0.5, "2 from the store + 80 peers x 0.1, for 20 builds");
        assert!((w.peer_load - 8.0).abs() < 1e-9, "peers feed what the store cannot, up to their share");
    }
}
