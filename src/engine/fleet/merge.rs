//! Merging a fleet's identical cohorts, found through quick hashes of their keys.

use super::{Cohort, Fleet, Phase};
use crate::time::Span;

impl Cohort {
    /// A hash of the parts of [`Cohort::key`] that differ most often between
    /// cohorts: equal keys give equal hashes. A build's progress is left out
    /// (builds that started together progress together), so it stays right
    /// while builds progress ([`super::Moved::Nothing`]).
    pub(super) fn quick_hash(&self, grid: Span) -> u64 {
        let (phase, a, b) = match self.phase {
            Phase::Booting { ready_at } => (0, ready_at.0.div_ceil(grid.0.max(1)), 0),
            Phase::Warming { need_s, since, .. } => (1, need_s.to_bits(), since.0),
            Phase::Serving => (2, 0, 0),
            Phase::Crashed => (3, 0, 0),
        };
        // The words folded at different rotations, then mixed by one multiply
        // and a shift that brings its high bits down.
        let h = (phase | (self.in_rotation as u64) << 8)
            ^ a.rotate_left(17)
            ^ b.rotate_left(37)
            ^ (self.rolled as u64).rotate_left(53)
            ^ self.known_peers.to_bits().rotate_left(7);
        let h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^ (h >> 29)
    }
}

/// What changed since the last [`Fleet::tidy`]: which cohorts may have
/// emptied or changed what tells them apart ([`Cohort::key`]), beyond those
/// added since (from `hashes.len()` on).
#[derive(Debug, Clone, Default)]
pub(super) struct Moves {
    /// [`Cohort::quick_hash`] of each cohort as the last tidy left them:
    /// still right for every cohort not named in `moved`.
    pub(super) hashes: Vec<u64>,
    /// Cohorts that moved (in any order, repeats allowed).
    moved: Vec<u32>,
    /// Any cohort may have moved: the next tidy looks at them all.
    all: bool,
    /// Room for the cohorts a tidy merges or drops, kept between calls.
    work: Vec<u32>,
}

impl Moves {
    /// Cohort `i` may have emptied or changed its key.
    pub(super) fn moved(&mut self, i: usize) {
        if !self.all {
            self.moved.push(i as u32);
            if too_many(self.moved.len(), self.hashes.len()) {
                self.all();
            }
        }
    }

    /// Any cohort may have moved.
    pub(super) fn all(&mut self) {
        self.all = true;
        self.moved.clear();
    }
}

/// Whether `listed` moved cohorts of `cohorts` are too many to compare each
/// with the rest: past a few (learning peers moves them all), looking at
/// every cohort once ([`Fleet::tidy_all`]) is cheaper.
fn too_many(listed: usize, cohorts: usize) -> bool {
    listed > 8 + cohorts / 8
}

/// A cohort the tidy merges into another or drops (a flag on its index).
const GONE: u32 = 1 << 31;

impl Fleet {
    /// Drops empty cohorts and merges identical ones, keeping the first's
    /// place, if anything changed since the last call. In place.
    ///
    /// Cohorts that did not move since the last call are distinct and their
    /// quick hashes known, so only the moved ones and those sharing their
    /// hash can merge: they are compared in order, each merged into the
    /// first equal one, and the rest of the cohorts are only moved up. After
    /// a change to every cohort ([`Fleet::cohorts_mut`]) all are looked at.
    /// Debug builds check the result against a tidy of every cohort.
    pub fn tidy(&mut self) {
        if !std::mem::take(&mut self.dirty) {
            return;
        }
        #[cfg(debug_assertions)]
        let whole = {
            let mut whole = self.clone();
            whole.tidy_all();
            whole
        };
        let moves = &mut self.moves;
        moves.moved.sort_unstable();
        moves.moved.dedup();
        let many = too_many(moves.moved.len() + (self.cohorts.len() - moves.hashes.len()), self.cohorts.len());
        if moves.all || many || self.cohorts.len() > GONE as usize {
            self.tidy_all();
        } else {
            self.tidy_moved();
        }
        #[cfg(debug_assertions)]
        {
            let keys = |f: &Fleet| f.cohorts.iter().map(|k| (k.count, k.key(f.grid))).collect::<Vec<_>>();
            assert_eq!(keys(self), keys(&whole), "tidying the moved cohorts only missed a twin");
            assert_eq!(self.moves.hashes, whole.moves.hashes);
        }
    }

    /// Tidies with only the moved cohorts and their hash-mates compared.
    fn tidy_moved(&mut self) {
        let n = self.cohorts.len();
        let grid = self.grid;
        let Moves { hashes, moved, work, .. } = &mut self.moves;
        let old = hashes.len();
        moved.extend(old as u32..n as u32);
        hashes.resize(n, 0);
        for &c in moved.iter() {
            let k = &self.cohorts[c as usize];
            if k.count > 0 {
                hashes[c as usize] = k.quick_hash(grid);
            }
        }
        // The cohorts that may merge or go: the moved that emptied, and any
        // two sharing a hash, one of them moved. The moved hashes set bits of
        // a 4,096-bit filter: only a cohort whose bit is set is compared.
        work.clear();
        let mut filter = [0u64; 64];
        let bit = |h: u64| ((h >> 52) as usize / 64, 1u64 << ((h >> 52) % 64));
        for &c in moved.iter() {
            if self.cohorts[c as usize].count == 0 {
                work.push(c);
            } else {
                let (word, mask) = bit(hashes[c as usize]);
                filter[word] |= mask;
            }
        }
        let live = |i: usize| self.cohorts[i].count > 0;
        for (j, &hj) in hashes.iter().enumerate() {
            let (word, mask) = bit(hj);
            if filter[word] & mask == 0 {
                continue;
            }
            for &c in moved.iter() {
                let c = c as usize;
                if c != j && hashes[c] == hj && live(c) && live(j) {
                    work.push(j as u32);
                    work.push(c as u32);
                }
            }
        }
        moved.clear();
        if work.is_empty() {
            return;
        }
        work.sort_unstable();
        work.dedup();
        // In order, each merges into the first earlier one with its key, or stays.
        for at in 0..work.len() {
            let i = work[at] as usize;
            if self.cohorts[i].count == 0 {
                work[at] |= GONE;
                continue;
            }
            let key = self.cohorts[i].key(grid);
            let cohorts = &self.cohorts;
            let twin = work[..at]
                .iter()
                .map(|&r| r as usize)
                .find(|&r| r & GONE as usize == 0 && hashes[r] == hashes[i] && same_bits(&cohorts[r].key(grid), &key));
            if let Some(r) = twin {
                let count = self.cohorts[i].count;
                self.cohorts[r].count += count;
                work[at] |= GONE;
            }
        }
        // Everything but the gone moves up (or down), a run at a time.
        let gone = work.iter().filter(|&&w| w & GONE != 0).map(|&w| (w & !GONE) as usize);
        if gone.clone().next().is_none() {
            return;
        }
        self.cohorts.drop_sorted(gone.clone());
        let left = super::row::close_up(hashes, gone);
        hashes.truncate(left);
        // Sums over merged cohorts round differently: count them again.
        self.census.take();
    }

    /// Tidies looking at every cohort. O(n).
    ///
    /// A cohort's quick hash sets one bit of a 4,096-bit filter: while its
    /// bit is clear it has no twin yet, and only when it is set are the
    /// earlier hashes searched and full keys compared.
    fn tidy_all(&mut self) {
        let n = self.cohorts.len();
        // The first `kept` cohorts in order are distinct and not empty,
        // hashes[..kept] their quick hashes; each later one merges into its
        // twin there or joins them. They are moved into place a run at a
        // time: `Runs` says where each sits meanwhile.
        let mut runs = Runs { kept: 0, placed: 0, pending: 0 };
        let mut seen = [0u64; 64];
        self.moves.all = false;
        self.moves.moved.clear();
        let hashes = &mut self.moves.hashes;
        hashes.clear();
        for i in 0..n {
            if self.cohorts[i].count == 0 {
                continue;
            }
            let hash = self.cohorts[i].quick_hash(self.grid);
            let bit = (hash >> 52) as usize;
            let twin = if seen[bit / 64] & (1 << (bit % 64)) == 0 {
                seen[bit / 64] |= 1 << (bit % 64);
                None
            } else {
                let key = self.cohorts[i].key(self.grid);
                let cohorts = &self.cohorts;
                hashes
                    .iter()
                    .enumerate()
                    .filter(|&(_, &h)| h == hash)
                    .map(|(j, _)| runs.at(j))
                    .find(|&at| same_bits(&cohorts[at].key(self.grid), &key))
            };
            match twin {
                Some(j) => {
                    let count = self.cohorts[i].count;
                    self.cohorts[j].count += count;
                }
                None => {
                    hashes.push(hash);
                    runs.keep(&mut self.cohorts, i);
                }
            }
        }
        runs.flush(&mut self.cohorts);
        if runs.kept < n {
            // Sums over merged cohorts round differently: count them again.
            self.census.take();
            self.cohorts.truncate(runs.kept);
        }
    }
}

/// Kept cohorts on their way to the front: the first `placed` are in place,
/// the others (`kept - placed` of them) still sit together from `pending`.
struct Runs {
    kept: usize,
    placed: usize,
    pending: usize,
}

impl Runs {
    /// Where the `j`th kept cohort is now.
    fn at(&self, j: usize) -> usize {
        if j < self.placed { j } else { self.pending + (j - self.placed) }
    }

    /// Keeps cohort `i`, after the ones kept so far.
    fn keep(&mut self, cohorts: &mut [Cohort], i: usize) {
        if self.pending + (self.kept - self.placed) != i {
            self.flush(cohorts);
            self.pending = i;
        }
        self.kept += 1;
    }

    /// Moves the pending run into place, in one move.
    fn flush(&mut self, cohorts: &mut [Cohort]) {
        let len = self.kept - self.placed;
        if self.pending != self.placed {
            cohorts.copy_within(self.pending..self.pending + len, self.placed);
        }
        self.placed = self.kept;
        self.pending = self.kept;
    }
}

/// Equal words, compared without a call to `memcmp`.
fn same_bits(a: &[u64; 14], b: &[u64; 14]) -> bool {
    a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}
