//! Merging a fleet's identical cohorts, found through quick hashes of their keys.

use super::{Cohort, Fleet, Phase};
use crate::time::Span;

impl Cohort {
    /// A hash of the parts of [`Cohort::key`] that differ most often between
    /// cohorts: equal keys give equal hashes.
    fn quick_hash(&self, grid: Span) -> u64 {
        let (phase, a, b) = match self.phase {
            Phase::Booting { ready_at } => (0, ready_at.0.div_ceil(grid.0.max(1)), 0),
            Phase::Warming { progress_s, since, .. } => (1, progress_s.to_bits(), since.0),
            Phase::Serving => (2, 0, 0),
            Phase::Crashed => (3, 0, 0),
        };
        let words = [phase | (self.in_rotation as u64) << 8, a, b, self.rolled as u64, self.known_peers.to_bits()];
        let mut h = 0u64;
        for (j, &w) in words.iter().enumerate() {
            h = h.wrapping_add((w ^ (w >> 31)).wrapping_mul(0x9e37_79b9_7f4a_7c15u64.wrapping_add(2 * j as u64)));
        }
        (h ^ (h >> 29)).wrapping_mul(0xd6e8_feb8_6659_fd93)
    }
}

impl Fleet {
    /// Drops empty cohorts and merges identical ones, keeping the first's
    /// place, if anything changed since the last call. In place, O(n).
    ///
    /// A cohort's quick hash sets one bit of a 1,024-bit filter: while its
    /// bit is clear it has no twin yet, and only when it is set are the
    /// earlier hashes searched and full keys compared.
    pub fn tidy(&mut self) {
        if !std::mem::take(&mut self.dirty) {
            return;
        }
        let n = self.cohorts.len();
        // cohorts[..kept] are distinct and not empty, hashes[..kept] their quick hashes;
        // each later one merges into its twin there or joins them.
        let mut kept = 0;
        let mut seen = [0u64; 16];
        let hashes = &mut self.hashes;
        hashes.clear();
        for i in 0..n {
            if self.cohorts[i].count == 0 {
                continue;
            }
            let hash = self.cohorts[i].quick_hash(self.grid);
            let bit = (hash >> 54) as usize;
            let twin = if seen[bit / 64] & (1 << (bit % 64)) == 0 {
                seen[bit / 64] |= 1 << (bit % 64);
                None
            } else {
                let key = self.cohorts[i].key(self.grid);
                let cohorts = &self.cohorts;
                (0..kept).find(|&j| hashes[j] == hash && same_bits(&cohorts[j].key(self.grid), &key))
            };
            if twin.is_none() {
                hashes.push(hash);
            }
            merge_or_keep(&mut self.cohorts, &mut kept, i, twin);
        }
        if kept < n {
            // Sums over merged cohorts round differently: count them again.
            self.census.set(None);
            self.cohorts.truncate(kept);
        }
    }
}

/// Equal words, compared without a call to `memcmp`.
fn same_bits(a: &[u64; 14], b: &[u64; 14]) -> bool {
    a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Merges cohort `i` into its earlier `twin`, or copies it to the end of the `kept` distinct ones.
fn merge_or_keep(cohorts: &mut [Cohort], kept: &mut usize, i: usize, twin: Option<usize>) {
    match twin {
        Some(j) => cohorts[j].count += cohorts[i].count,
        None => {
            if *kept != i {
                cohorts[*kept] = cohorts[i];
            }
            *kept += 1;
        }
    }
}
