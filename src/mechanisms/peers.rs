//! Per-peer resources: instances hold threads for every peer they know, learn
//! of new peers over time, and break when the threads pass the OS limit.
//!
//! An instance that needs more threads than the OS allows can no longer
//! rebuild its routing cache (a process that cannot create threads stays
//! wedged until it restarts). Its cached entries then expire `cache_ttl` after
//! the last good rebuild, spread evenly over `expiry_spread`, and requests that
//! need expired entries fail.

use crate::engine::fleet::{Fleet, Moved};
use crate::model::PeerThreads;
use crate::time::{SimTime, Span};

/// Threads one instance needs when it knows `known_peers` peers (itself excluded).
pub fn threads_needed(p: &PeerThreads, workers: u32, known_peers: f64) -> f64 {
    workers as f64 + p.base_threads as f64 + p.per_peer * (known_peers - 1.0).max(0.0)
}

/// Fraction of requests failing on entries expired `age` after the last rebuild.
pub fn expired_fraction(p: &PeerThreads, age: Span) -> f64 {
    if age < p.cache_ttl {
        0.0
    } else if p.expiry_spread.is_zero() {
        1.0
    } else {
        ((age.0 - p.cache_ttl.0) as f64 / p.expiry_spread.0 as f64).min(1.0)
    }
}

/// Starts a fleet that has run long enough to know all its cell's peers.
pub fn settle(fleet: &mut Fleet, p: &PeerThreads) {
    let cell = fleet.census().total as f64 / p.cells.max(1) as f64;
    for k in fleet.cohorts_mut().iter_mut() {
        k.known_peers = cell;
    }
}

/// What one round of learning changed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Learned {
    /// Instances whose cache rebuild broke this round.
    pub broke: u32,
}

/// The share of the way to the cell's size that learning covers in `dt`.
pub fn pull(p: &PeerThreads, dt: Span) -> f64 {
    if p.learn.is_zero() { 1.0 } else { 1.0 - (-dt.secs() / p.learn.secs()).exp() }
}

/// The peers an instance knowing `known` knows after a round pulling it
/// `pull` of the way toward a cell of `cell` instances (snapped within half a peer).
pub fn learned(known: f64, cell: f64, pull: f64) -> f64 {
    let target = cell.max(1.0);
    let next = known + (target - known) * pull;
    if (next - target).abs() < 0.5 { target } else { next }
}

/// Advances learning by `dt` at `now`: every instance's known peers move
/// toward its cell's size with time constant `learn`; instances over
/// `os_limit` break; broken instances' caches age.
pub fn learn(fleet: &mut Fleet, p: &PeerThreads, workers: u32, os_limit: u32, now: SimTime, dt: Span) -> Learned {
    let cell = fleet.census().total as f64 / p.cells.max(1) as f64;
    let pull = pull(p, dt);
    let mut out = Learned::default();
    // An instance that knows its whole cell, fits under the limit there and
    // has a sound cache is left as it is: skip the arithmetic.
    let target = cell.max(1.0);
    let settled = pull.is_finite() && threads_needed(p, workers, target) <= os_limit as f64;
    fleet.update(|k| {
        if settled
            && k.known_peers.to_bits() == target.to_bits()
            && k.broken_since.is_none()
            && k.stale_error.to_bits() == 0
        {
            return Moved::Nothing;
        }
        let known = learned(k.known_peers, cell, pull);
        let learnt = known.to_bits() != k.known_peers.to_bits();
        k.known_peers = known;
        let mut counted = false;
        if k.broken_since.is_none() && threads_needed(p, workers, known) > os_limit as f64 {
            k.broken_since = Some(now);
            out.broke += k.count;
            counted = true;
        }
        let stale = k.broken_since.map_or(0.0, |since| expired_fraction(p, now.since(since)));
        counted |= stale.to_bits() != k.stale_error.to_bits();
        k.stale_error = stale;
        match (counted, learnt) {
            (true, _) => Moved::Counted,
            (false, true) => Moved::Key,
            (false, false) => Moved::Nothing,
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers() -> PeerThreads {
        PeerThreads {
            per_peer: 1.0,
            base_threads: 100,
            learn: Span(600_000),
            cells: 1,
            cache_ttl: Span(3_600_000),
            expiry_spread: Span(600_000),
        }
    }

    fn run_for(f: &mut Fleet, p: &PeerThreads, limit: u32, minutes: u64) -> u32 {
        settle_old(f, p);
        let mut broke = 0;
        for m in 1..=minutes {
            broke += learn(f, p, 50, limit, SimTime(m * 60_000), Span(60_000)).broke;
        }
        broke
    }

    /// The first cohort has been running: it knows its peers.
    fn settle_old(f: &mut Fleet, p: &PeerThreads) {
        let k = &mut f.cohorts_mut()[0];
        if k.known_peers == 0.0 {
            k.known_peers = k.count as f64 / p.cells as f64;
        }
    }

    #[test]
    fn threads_grow_with_the_peers_known() {
        assert_eq!(threads_needed(&peers(), 50, 1001.0), 1150.0);
    }

    #[test]
    fn a_fleet_under_the_limit_never_breaks() {
        let mut f = Fleet::new(1000);
        assert_eq!(run_for(&mut f, &peers(), 2000, 120), 0);
    }

    #[test]
    fn new_peers_are_learned_over_time_and_push_instances_over_the_limit() {
        let mut f = Fleet::new(1000);
        f.launch(100, SimTime(0), Span(0));
        settle_old(&mut f, &peers());
        let limit = 1200; // 1000 old peers fit; 1100 do not (50 + 100 + 1099 > 1200)
        let first = learn(&mut f, &peers(), 50, limit, SimTime(60_000), Span(60_000));
        assert_eq!(first.broke, 0, "newcomers know what their peers know: the old membership");
        let later = run_for(&mut f, &peers(), limit, 60);
        assert_eq!(later, 1100, "within the hour everyone learns of the newcomers and breaks");
    }

    #[test]
    fn cells_bound_the_peers_an_instance_knows() {
        let mut f = Fleet::new(1000);
        f.launch(100, SimTime(0), Span(0));
        let p = PeerThreads { cells: 4, ..peers() };
        assert_eq!(run_for(&mut f, &p, 1200, 120), 0);
    }

    /// [`learn`] without its shortcut for settled instances: every cohort worked out.
    fn learn_in_full(fleet: &mut Fleet, p: &PeerThreads, workers: u32, os_limit: u32, now: SimTime, dt: Span) {
        let cell = fleet.census().total as f64 / p.cells.max(1) as f64;
        let pull = pull(p, dt);
        fleet.update(|k| {
            k.known_peers = learned(k.known_peers, cell, pull);
            if k.broken_since.is_none() && threads_needed(p, workers, k.known_peers) > os_limit as f64 {
                k.broken_since = Some(now);
            }
            let stale = k.broken_since.map_or(0.0, |since| expired_fraction(p, now.since(since)));
            let moved = stale.to_bits() != k.stale_error.to_bits() || k.broken_since == Some(now);
            k.stale_error = stale;
            if moved { Moved::Counted } else { Moved::Key }
        });
    }

    #[test]
    fn settled_instances_come_out_as_working_them_out_in_full_would_leave_them() {
        // Old instances that know everyone, newcomers that do not, and (with the
        // lower limit) instances that break and whose caches age.
        for limit in [1300, 1150] {
            let mut short = Fleet::new(1000);
            short.launch(60, SimTime(0), Span(0));
            short.launch(40, SimTime(0), Span(0));
            settle_old(&mut short, &peers());
            let mut full = short.clone();
            for m in 1..=150 {
                let (now, dt) = (SimTime(m * 60_000), Span(60_000));
                learn(&mut short, &peers(), 50, limit, now, dt);
                learn_in_full(&mut full, &peers(), 50, limit, now, dt);
                assert_eq!(short, full, "minute {m}, limit {limit}");
                assert_eq!(short.census(), full.census());
            }
        }
    }

    #[test]
    fn expired_entries_fail_after_the_ttl_spread_evenly() {
        let p = peers();
        assert_eq!(expired_fraction(&p, Span(3_500_000)), 0.0);
        assert_eq!(expired_fraction(&p, Span(3_900_000)), 0.5);
        assert_eq!(expired_fraction(&p, Span(9_000_000)), 1.0);
    }
}
