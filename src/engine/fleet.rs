//! A service's instances as cohorts of identical instances moving through their lifecycle.

use crate::model::Version;
use crate::time::{SimTime, Span};
use std::cell::OnceCell;
use std::sync::atomic::{AtomicU64, Ordering};

mod census;
mod merge;
mod row;

pub use census::Census;

/// Where an instance is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// Launched or restarted; serves from `ready_at`.
    Booting {
        ready_at: SimTime,
    },
    /// Building its cache since `since`: `progress_s` of the `need_s` seconds
    /// of full-speed work done.
    Warming {
        progress_s: f64,
        need_s: f64,
        since: SimTime,
    },
    Serving,
    /// Down: traffic the load balancer still sends it fails.
    Crashed,
}

/// Identical instances that share a phase, a health history and a version.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cohort {
    pub count: u32,
    pub phase: Phase,
    /// The load balancer sends it traffic.
    pub in_rotation: bool,
    /// Probes have failed since then, without a pass.
    pub failing_since: Option<SimTime>,
    /// Probes have passed since then, while out of rotation.
    pub passing_since: Option<SimTime>,
    pub version: Version,
    /// Id of the last rolling action that restarted it (0: none).
    pub rolled: u32,
    /// Peers it knows of (per-peer resources) [instances].
    pub known_peers: f64,
    /// Its cache rebuild has failed since then; mended only by a restart.
    pub broken_since: Option<SimTime>,
    /// Fraction of requests failing on its expired routing entries.
    pub stale_error: f64,
    /// Partial faults hitting it, as bits of their slots.
    pub hit: u64,
    /// Those faults combined (recomputed from `hit` whenever faults change).
    pub fault: CohortFault,
}

/// Faults on part of a fleet, combined for one cohort.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohortFault {
    /// Multiplies capacity.
    pub capacity_factor: f64,
    /// Added to every request, and to probes [s].
    pub latency_s: f64,
    /// Fraction of requests failed (all classes).
    pub error: f64,
    /// The part of `error` that is client errors.
    pub client_error: f64,
}

impl Default for CohortFault {
    fn default() -> Self {
        CohortFault { capacity_factor: 1.0, latency_s: 0.0, error: 0.0, client_error: 0.0 }
    }
}

impl Cohort {
    fn serving(count: u32, version: Version) -> Cohort {
        Cohort {
            count,
            phase: Phase::Serving,
            in_rotation: true,
            failing_since: None,
            passing_since: None,
            version,
            rolled: 0,
            known_peers: 0.0,
            broken_since: None,
            stale_error: 0.0,
            hit: 0,
            fault: CohortFault::default(),
        }
    }

    /// Healthy for feeding others: serving, in rotation, with a sound cache.
    pub fn is_sound(&self) -> bool {
        self.phase == Phase::Serving && self.in_rotation && self.broken_since.is_none()
    }

    /// The key with a build's progress left out: what [`Moved::Nothing`] leaves as it was.
    #[cfg(debug_assertions)]
    fn key_but_progress(&self, grid: Span) -> [u64; 14] {
        let mut key = self.key(grid);
        if let Phase::Warming { .. } = self.phase {
            key[1] = 0;
        }
        key
    }

    /// Everything but the count, as bits: cohorts with equal keys merge.
    /// Start-ups ending within the same `grid` step (readiness is checked once
    /// per step, at its end) count as equal.
    fn key(&self, grid: Span) -> [u64; 14] {
        let opt = |t: Option<SimTime>| t.map_or(u64::MAX, |t| t.0);
        let (phase, a, b, c) = match self.phase {
            Phase::Booting { ready_at } => (0, ready_at.0.div_ceil(grid.0.max(1)), 0, 0),
            Phase::Warming { progress_s, need_s, since } => (1, progress_s.to_bits(), since.0, need_s.to_bits()),
            Phase::Serving => (2, 0, 0, 0),
            Phase::Crashed => (3, 0, 0, 0),
        };
        let v = &self.version;
        [
            phase | (self.in_rotation as u64) << 8 | (v.when_full.map_or(0, |w| w as u64 + 1)) << 16,
            a,
            b,
            opt(self.failing_since),
            opt(self.passing_since),
            v.error_rate.to_bits(),
            v.capacity_factor.to_bits(),
            self.rolled as u64,
            self.known_peers.to_bits(),
            opt(self.broken_since),
            self.stale_error.to_bits(),
            v.extra_latency.0,
            c,
            self.hit ^ (v.rejects as u64) << 48,
        ]
    }
}

/// Censuses counted so far, by every fleet: the next count's number.
static COUNTS: AtomicU64 = AtomicU64::new(0);

/// Later than any time: no start-up ends then.
const NEVER: SimTime = SimTime(u64::MAX);

/// All the instances of one service.
#[derive(Debug, Clone)]
pub struct Fleet {
    cohorts: row::Row,
    /// Cohorts changed since the last [`Fleet::tidy`].
    dirty: bool,
    /// Booting instances are promoted at multiples of this (the run's step).
    grid: Span,
    /// The census of the cohorts as they are, once asked for, with the
    /// number of its count ([`Fleet::counted_census`]); cleared by every change.
    census: OnceCell<(Census, u64)>,
    /// What [`Fleet::tidy`] needs to look at next time ([`merge::Moves`]).
    moves: merge::Moves,
    /// No booting instance is ready before this (a lower bound): until
    /// then [`Fleet::promote_ready`] need not look.
    ready_from: SimTime,
}

/// What [`Fleet::update`]'s change to one cohort moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Moved {
    /// Nothing the census sums or that tells cohorts apart, except the
    /// progress of a build, advanced by the same amount for every warming
    /// cohort (those that started together stay together, and those that did
    /// not stay apart, so no twins appear).
    Nothing,
    /// Something that tells cohorts apart ([`Cohort::key`]), not counted by the census.
    Key,
    /// Something the census sums (a count, a phase, rotation, a version, a fault, a cache's state).
    Counted,
}

impl PartialEq for Fleet {
    fn eq(&self, other: &Fleet) -> bool {
        (&self.cohorts, self.dirty, self.grid) == (&other.cohorts, other.dirty, other.grid)
    }
}

impl Fleet {
    pub fn new(instances: u32) -> Fleet {
        Fleet {
            cohorts: row::Row::new(Cohort::serving(instances, Version::default())),
            dirty: false,
            grid: Span(1),
            census: OnceCell::new(),
            moves: merge::Moves::default(),
            ready_from: NEVER,
        }
    }

    /// The cohorts, in order.
    pub fn cohorts(&self) -> &[Cohort] {
        &self.cohorts
    }

    /// The cohorts, to change in place: the census is counted again; call
    /// [`Fleet::touch`] when identical cohorts may have appeared.
    pub fn cohorts_mut(&mut self) -> &mut [Cohort] {
        self.census.take();
        self.moves.all();
        self.ready_from = SimTime::ZERO;
        &mut self.cohorts
    }

    /// Changes every cohort in place with `f`, which returns what it moved
    /// ([`Moved`]) and starts no instance (sets no booting phase): only
    /// after a counted change is the census counted again,
    /// and the next [`Fleet::tidy`] looks only from the first cohort whose
    /// key moved. Whether it tidies at all is left as it was. Debug builds
    /// check `f`'s answers.
    pub fn update(&mut self, mut f: impl FnMut(&mut Cohort) -> Moved) {
        let mut counted = false;
        for (i, k) in self.cohorts.iter_mut().enumerate() {
            #[cfg(debug_assertions)]
            let before = (k.counted(), k.key_but_progress(self.grid), k.phase);
            let moved = f(k);
            #[cfg(debug_assertions)]
            {
                assert!(
                    moved == Moved::Counted || k.counted() == before.0,
                    "a counted field changed unannounced: {k:?}"
                );
                assert!(
                    moved != Moved::Nothing || k.key_but_progress(self.grid) == before.1,
                    "a key changed unannounced: {k:?}"
                );
                let booting = |p: Phase| matches!(p, Phase::Booting { .. });
                assert!(!booting(k.phase) || k.phase == before.2, "an update started an instance: {k:?}");
            }
            // Most cohorts move nothing: they cost one comparison.
            if moved != Moved::Nothing {
                self.moves.moved(i);
                counted |= moved == Moved::Counted;
            }
        }
        if counted {
            self.census.take();
        }
    }

    /// Marks the cohorts changed: the next [`Fleet::tidy`] merges them, the next census recounts.
    fn changed(&mut self) {
        self.dirty = true;
        self.census.take();
    }

    /// The fleet whose booting instances are only promoted at multiples of
    /// `grid`, so those ready within the same step merge into one cohort.
    pub fn set_grid(&mut self, grid: Span) {
        self.grid = grid;
        self.moves.all();
    }

    /// Adds cohort `k`, merged into the last cohort when they are identical:
    /// a rolling action or a scale-out moving instances one by one keeps one
    /// cohort per step, not one per instance. O(1).
    fn push(&mut self, k: Cohort) {
        if let Phase::Booting { ready_at } = k.phase {
            self.ready_from = self.ready_from.min(ready_at);
        }
        if let Some(last) = self.cohorts.last_mut()
            && last.key(self.grid) == k.key(self.grid)
        {
            last.count += k.count;
        } else {
            self.cohorts.push(k);
        }
        self.changed();
    }

    /// The fleet-wide sums, counted again only after a change.
    pub fn census(&self) -> Census {
        self.counted_census().0
    }

    /// The census with the number of the count that gave it: numbers are
    /// never reused, by any fleet, so two reads with the same number read
    /// the same census, bit for bit, whatever changed and was undone between.
    pub fn counted_census(&self) -> &(Census, u64) {
        self.census.get_or_init(|| (self.count(), COUNTS.fetch_add(1, Ordering::Relaxed)))
    }

    /// Moves up to `n` instances of cohorts matching `pick` (in cohort order) into
    /// cohorts changed by `change`; returns how many moved.
    pub fn transition(&mut self, n: u32, pick: impl Fn(&Cohort) -> bool, change: impl Fn(&mut Cohort)) -> u32 {
        let mut left = n;
        let mut moved = Vec::new();
        for (i, k) in self.cohorts.iter_mut().enumerate() {
            if left == 0 {
                break;
            }
            if k.count == 0 || !pick(k) {
                continue;
            }
            let take = left.min(k.count);
            k.count -= take;
            left -= take;
            if k.count == 0 {
                self.moves.moved(i);
            }
            let mut m = *k;
            m.count = take;
            change(&mut m);
            moved.push(m);
        }
        for m in moved {
            self.push(m);
        }
        // Merged or not, the next tidy looks at the cohorts again.
        self.dirty = true;
        n - left
    }

    /// Cohorts changed since the last [`Fleet::tidy`]: the next one has work to do.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Marks the cohorts changed, so the next [`Fleet::tidy`] merges them (all of them).
    pub fn touch(&mut self) {
        self.moves.all();
        self.changed();
    }

    /// Marks the cohorts for the next [`Fleet::tidy`], as a change the
    /// census already counted (a [`Fleet::update`]) leaves them.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Crashes up to `n` serving or booting instances; returns how many.
    pub fn crash(&mut self, n: u32) -> u32 {
        self.transition(
            n,
            |k| k.phase != Phase::Crashed,
            |k| {
                k.phase = Phase::Crashed;
                k.passing_since = None;
            },
        )
    }

    /// Restarts up to `n` instances picked by `pick`; they serve again at `now + startup`.
    pub fn restart(
        &mut self,
        n: u32,
        now: SimTime,
        startup: Span,
        pick: impl Fn(&Cohort) -> bool,
        change: impl Fn(&mut Cohort),
    ) -> u32 {
        if n == 0 || !self.cohorts.iter().any(|k| k.count > 0 && pick(k)) {
            // Nothing to restart (the membership view is not worth reading).
            self.dirty = true;
            return 0;
        }
        let peers = self.membership_view();
        self.transition(n, pick, |k| {
            k.phase = Phase::Booting { ready_at: now.plus(startup) };
            k.in_rotation = false;
            k.failing_since = None;
            k.passing_since = None;
            k.broken_since = None;
            k.stale_error = 0.0;
            k.known_peers = peers;
            change(k);
        })
    }

    /// Launches `n` new instances that serve at `now + startup`; like restarted
    /// ones, they fetch the membership from their peers when they boot, so
    /// they know what their peers know, and learn later changes like them.
    pub fn launch(&mut self, n: u32, now: SimTime, startup: Span) {
        if n > 0 {
            let mut k = Cohort::serving(n, self.newest_version());
            k.known_peers = self.membership_view();
            k.phase = Phase::Booting { ready_at: now.plus(startup) };
            k.in_rotation = false;
            self.push(k);
        }
    }

    /// Removes up to `n` instances, the least useful first (crashed, booting, then serving).
    pub fn remove(&mut self, n: u32) -> u32 {
        let mut left = n;
        for rank in 0..3 {
            for (i, k) in self.cohorts.iter_mut().enumerate().rev() {
                let r = match k.phase {
                    Phase::Crashed => 0,
                    Phase::Booting { .. } | Phase::Warming { .. } => 1,
                    Phase::Serving => 2,
                };
                if r == rank {
                    let take = left.min(k.count);
                    k.count -= take;
                    left -= take;
                    if take > 0 && k.count == 0 {
                        self.moves.moved(i);
                    }
                }
            }
        }
        self.changed();
        n - left
    }

    /// Booting instances whose start-up is over begin serving and join
    /// rotation, or, with `warm`, begin building their caches, which takes
    /// that many seconds of full-speed work.
    pub fn promote_ready(&mut self, now: SimTime, warm: Option<f64>) -> u32 {
        self.promote_ready_with(now, || warm)
    }

    /// As [`Fleet::promote_ready`], asking `warm()` only when an instance is
    /// ready. Looks at the cohorts only once the first start-up may be over.
    pub fn promote_ready_with(&mut self, now: SimTime, warm: impl FnOnce() -> Option<f64>) -> u32 {
        if now < self.ready_from {
            return 0;
        }
        let (mut warm, mut need) = (Some(warm), None);
        let mut promoted = 0;
        let mut later = NEVER;
        for (i, k) in self.cohorts.iter_mut().enumerate() {
            let Phase::Booting { ready_at } = k.phase else { continue };
            if ready_at > now {
                later = later.min(ready_at);
                continue;
            }
            if let Some(warm) = warm.take() {
                need = warm();
            }
            self.moves.moved(i);
            if let Some(need_s) = need {
                k.phase = Phase::Warming { progress_s: 0.0, need_s, since: now };
            } else {
                k.phase = Phase::Serving;
                k.in_rotation = true;
            }
            promoted += k.count;
        }
        self.ready_from = later;
        if promoted > 0 {
            self.changed();
        }
        promoted
    }

    /// The earliest time a booting instance becomes ready.
    pub fn next_ready(&self) -> Option<SimTime> {
        self.cohorts
            .iter()
            .filter_map(|k| match k.phase {
                Phase::Booting { ready_at } => Some(ready_at),
                _ => None,
            })
            .min()
    }

    /// The peers the fleet's members know, on average: what a booting
    /// instance learns when it fetches the membership from them.
    fn membership_view(&self) -> f64 {
        let (n, sum) = self
            .cohorts
            .iter()
            .fold((0.0, 0.0), |(n, sum), k| (n + k.count as f64, sum + k.count as f64 * k.known_peers));
        if n > 0.0 { sum / n } else { 0.0 }
    }

    fn newest_version(&self) -> Version {
        self.cohorts.iter().max_by_key(|k| k.rolled).map_or_else(Version::default, |k| k.version)
    }
}

#[cfg(test)]
mod tests;
