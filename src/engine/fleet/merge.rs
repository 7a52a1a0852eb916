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

impl Fleet {
    /// Drops empty cohorts and merges identical ones, keeping the first's
    /// place, if anything changed since the last call. In place, O(n).
    ///
    /// A cohort's quick hash sets one bit of a 4,096-bit filter: while its
    /// bit is clear it has no twin yet, and only when it is set are the
    /// earlier hashes searched and full keys compared. The cohorts left
    /// settled since the last call are distinct and their hashes known:
    /// only the cohorts after them are looked at. Debug builds check the
    /// result against a tidy of every cohort.
    pub fn tidy(&mut self) {
        if !std::mem::take(&mut self.dirty) {
            return;
        }
        #[cfg(debug_assertions)]
        let whole = {
            let mut whole = self.clone();
            whole.tidy_from(0);
            whole
        };
        self.tidy_from(self.settled.min(self.cohorts.len()));
        #[cfg(debug_assertions)]
        {
            let keys = |f: &Fleet| f.cohorts.iter().map(|k| (k.count, k.key(f.grid))).collect::<Vec<_>>();
            assert_eq!(keys(self), keys(&whole), "tidying from cohort {} missed a twin", self.settled);
            assert_eq!(self.hashes, whole.hashes);
        }
    }

    /// Tidies the cohorts from `from` on, the ones before being distinct,
    /// not empty and with their hashes in `hashes`.
    fn tidy_from(&mut self, from: usize) {
        let n = self.cohorts.len();
        // The first `kept` cohorts in order are distinct and not empty,
        // hashes[..kept] their quick hashes; each later one merges into its
        // twin there or joins them. They are moved into place a run at a
        // time: `Runs` says where each sits meanwhile.
        let mut runs = Runs { kept: from, placed: from, pending: from };
        let mut seen = [0u64; 64];
        let hashes = &mut self.hashes;
        hashes.truncate(from);
        for &hash in hashes.iter() {
            let bit = (hash >> 52) as usize;
            seen[bit / 64] |= 1 << (bit % 64);
        }
        for i in from..n {
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
        self.settled = runs.kept;
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
