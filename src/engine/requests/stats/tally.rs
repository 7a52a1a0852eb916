//! A histogram's counts in HdrHistogram's own bucket layout, recorded in a few instructions and handed to HdrHistogram for quantiles.
//!
//! The request engine records two or three values per request visit; each
//! `Histogram::saturating_record` also keeps the minimum, maximum and total
//! and checks for resizing. A tally only indexes and counts. Its buckets are
//! those of an HdrHistogram of the same bounds and precision (lowest value 1,
//! so no unit shift), and [`Tally::into_histogram`] records each bucket's
//! count at a value of that bucket: the result answers every quantile, mean,
//! maximum and count exactly as the histogram recording each value would.

use hdrhistogram::Histogram;

/// Counts of values in `0..=highest`, bucketed like `Histogram::new_with_bounds(1, highest, sigfig)`.
#[derive(Debug, Clone)]
pub struct Tally {
    counts: Vec<u64>,
    total: u64,
    highest: u64,
    sigfig: u8,
    /// `log2` of half the sub-buckets of a bucket.
    half_magnitude: u32,
    /// Leading zeros of a value in bucket 0, less one per bucket above.
    zeros_base: u32,
    sub_mask: u64,
}

impl Tally {
    /// Empty; `highest` at least 2 and `sigfig` at most 5, as HdrHistogram takes them.
    pub fn new(highest: u64, sigfig: u8) -> Tally {
        let reference = Histogram::<u64>::new_with_bounds(1, highest, sigfig).expect("valid histogram bounds");
        let sub_count = (2 * 10u64.pow(u32::from(sigfig))).next_power_of_two();
        let magnitude = sub_count.trailing_zeros();
        Tally {
            counts: vec![0; reference.distinct_values()],
            total: 0,
            highest,
            sigfig,
            half_magnitude: magnitude - 1,
            zeros_base: 64 - magnitude,
            sub_mask: sub_count - 1,
        }
    }

    fn index(&self, v: u64) -> usize {
        let bucket = self.zeros_base - (v | self.sub_mask).leading_zeros();
        let sub = v >> bucket;
        (((bucket + 1) as u64) << self.half_magnitude) as usize + sub as usize - (1usize << self.half_magnitude)
    }

    /// The lowest value of bucket `index`.
    fn value_at(&self, index: usize) -> u64 {
        let half = 1u64 << self.half_magnitude;
        let bucket = (index >> self.half_magnitude) as i64 - 1;
        let sub = (index as u64 & (half - 1)) + half;
        if bucket < 0 { sub - half } else { sub << bucket }
    }

    /// Counts `v`, clamped to the highest value. O(1).
    #[inline]
    pub fn record(&mut self, v: u64) {
        let i = self.index(v.min(self.highest));
        self.counts[i] += 1;
        self.total += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The counts as an HdrHistogram. O(buckets).
    pub fn to_histogram(&self) -> Histogram<u64> {
        let mut h = Histogram::new_with_bounds(1, self.highest, self.sigfig).expect("valid histogram bounds");
        self.add_to(&mut h);
        h
    }

    /// Adds the counts to `h`, a histogram of the same bounds and precision. O(buckets).
    pub fn add_to(&self, h: &mut Histogram<u64>) {
        if self.total == 0 {
            return;
        }
        for (i, &n) in self.counts.iter().enumerate() {
            if n > 0 {
                h.saturating_record_n(self.value_at(i), n);
            }
        }
    }

    /// Empties the tally. O(buckets).
    pub fn reset(&mut self) {
        if self.total > 0 {
            self.counts.fill(0);
            self.total = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Values spread over every bucket, with repeats, zeros and values past the top.
    fn values(n: usize, seed: u64) -> Vec<u64> {
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let bits = rng.random_range(0..36u32);
                let v = rng.random::<u64>() >> (64 - bits.max(1));
                if rng.random::<f64>() < 0.01 { 0 } else { v }
            })
            .collect()
    }

    #[test]
    fn a_tally_answers_as_the_histogram_recording_each_value() {
        const HIGHEST: u64 = 3_600_000_000;
        for (sigfig, seed) in [(2, 1), (3, 2), (2, 3), (3, 4)] {
            let mut t = Tally::new(HIGHEST, sigfig);
            let mut h = Histogram::<u64>::new_with_bounds(1, HIGHEST, sigfig).unwrap();
            for v in values(20_000, seed) {
                t.record(v);
                h.saturating_record(v.min(HIGHEST));
            }
            let got = t.to_histogram();
            assert_eq!(got.len(), h.len());
            for q in [0.0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0] {
                assert_eq!(got.value_at_quantile(q), h.value_at_quantile(q), "sigfig {sigfig} q {q}");
            }
            assert_eq!((got.mean(), got.max(), got.min()), (h.mean(), h.max(), h.min()));
            for v in [0, 1, 999, 12_345, 1_000_000, HIGHEST] {
                assert_eq!(got.quantile_below(v), h.quantile_below(v));
            }
        }
    }

    #[test]
    fn every_bucket_maps_back_to_itself() {
        for sigfig in [2, 3] {
            let t = Tally::new(3_600_000_000, sigfig);
            for i in 0..t.counts.len() {
                assert_eq!(t.index(t.value_at(i)), i);
            }
        }
    }

    #[test]
    fn reset_empties_it() {
        let mut t = Tally::new(1000, 2);
        t.record(5);
        assert!(!t.is_empty());
        t.reset();
        assert!(t.is_empty() && t.to_histogram().is_empty());
    }
}
