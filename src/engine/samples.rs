//! A service's time series stored as runs of equal samples: most steps repeat the one before.

use super::result::Sample;

/// Samples in step order, kept as runs of bitwise-equal samples.
///
/// Reads like a sequence (`len`, `[i]`, `iter`, `last`); memory grows with
/// the number of changes, not the number of steps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Samples {
    /// One sample per run.
    values: Vec<Sample>,
    /// Index one past each run's last sample.
    ends: Vec<u32>,
}

/// Bitwise equal in every stored field (so -0.0 and 0.0 differ, and a NaN equals itself).
fn same(a: &Sample, b: &Sample) -> bool {
    let differ = |x: f64, y: f64| x.to_bits() ^ y.to_bits();
    (differ(a.offered, b.offered)
        | differ(a.served, b.served)
        | differ(a.failed, b.failed)
        | differ(a.availability, b.availability)
        | differ(a.queue, b.queue)
        | differ(a.backlog, b.backlog)
        | differ(a.threads_in_use, b.threads_in_use)
        | ((a.healthy ^ b.healthy) as u64)
        | ((a.instances ^ b.instances) as u64))
        == 0
}

impl Samples {
    pub fn new() -> Samples {
        Samples::default()
    }

    /// Appends `s`, extending the last run when equal to its sample. O(1).
    pub fn push(&mut self, s: Sample) {
        self.push_run(s, 1);
    }

    /// Appends `n` copies of `s` (merged into the last run when equal to its sample). O(1).
    pub fn push_run(&mut self, s: Sample, n: u32) {
        if n == 0 {
            return;
        }
        if let (Some(last), Some(end)) = (self.values.last(), self.ends.last_mut())
            && same(last, &s)
        {
            *end += n;
        } else {
            let end = self.len() as u32 + n;
            self.values.push(s);
            self.ends.push(end);
        }
    }

    /// Appends `n` copies of `s`, a sample that differs from the last one (as
    /// [`Newest`] ends its runs): a new run, without reading the last. O(1).
    pub fn push_new_run(&mut self, s: Sample, n: u32) {
        if n == 0 {
            return;
        }
        debug_assert!(self.values.last().is_none_or(|last| !same(last, &s)), "a run equal to the last");
        let end = self.len() as u32 + n;
        self.values.push(s);
        self.ends.push(end);
    }

    /// Removes the last sample.
    pub fn pop(&mut self) -> Option<Sample> {
        let last = *self.values.last()?;
        let start = if self.ends.len() > 1 { self.ends[self.ends.len() - 2] } else { 0 };
        let end = self.ends.last_mut()?;
        *end -= 1;
        if *end == start {
            self.values.pop();
            self.ends.pop();
        }
        Some(last)
    }

    pub fn len(&self) -> usize {
        self.ends.last().map_or(0, |&e| e as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Runs of equal samples kept.
    pub fn runs(&self) -> usize {
        self.values.len()
    }

    pub fn last(&self) -> Option<&Sample> {
        self.values.last()
    }

    /// Sample `i`, if there is one. O(log runs).
    pub fn get(&self, i: usize) -> Option<&Sample> {
        let run = self.ends.partition_point(|&e| e as usize <= i);
        self.values.get(run)
    }

    /// Each run of equal samples in order: its sample and how many in a row.
    pub fn in_runs(&self) -> impl Iterator<Item = (&Sample, usize)> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        self.values.iter().zip(self.ends.iter().zip(starts)).map(|(s, (&end, start))| (s, (end - start) as usize))
    }

    /// Every sample in order. O(1) per sample.
    pub fn iter(&self) -> Iter<'_> {
        Iter { samples: self, run: 0, at: 0 }
    }

    pub fn to_vec(&self) -> Vec<Sample> {
        self.iter().copied().collect()
    }
}

impl std::ops::Index<usize> for Samples {
    type Output = Sample;

    fn index(&self, i: usize) -> &Sample {
        self.get(i).unwrap_or_else(|| panic!("sample {i} of {}", self.len()))
    }
}

impl FromIterator<Sample> for Samples {
    fn from_iter<I: IntoIterator<Item = Sample>>(iter: I) -> Samples {
        let mut s = Samples::new();
        for x in iter {
            s.push(x);
        }
        s
    }
}

/// The newest run of each of many series, side by side: a step that repeats
/// the one before touches this one array, not every series; a run moves into
/// its series when a different sample ends it, or at [`Newest::flush`].
#[derive(Debug, Clone, Default)]
pub struct Newest {
    /// Each series' newest sample and how many times in a row it came (0: none yet).
    runs: Vec<(Sample, u32)>,
}

impl Newest {
    pub fn new(series: usize) -> Newest {
        Newest { runs: vec![(Sample::default(), 0); series] }
    }

    /// Appends `s` to series `i`; returns the run it ended, to append to the
    /// series, if it starts a new one. O(1).
    pub fn push(&mut self, i: usize, s: Sample) -> Option<(Sample, u32)> {
        let (last, n) = &mut self.runs[i];
        if *n > 0 && same(last, &s) {
            *n += 1;
            return None;
        }
        Some(std::mem::replace(&mut self.runs[i], (s, 1)))
    }

    /// Repeats every series' newest sample `n` more times. O(series).
    pub fn repeat(&mut self, n: u32) {
        for (_, count) in &mut self.runs {
            debug_assert!(*count > 0, "a series repeats a sample it has");
            *count += n;
        }
    }

    /// Moves every newest run into its series (`series[i]` for series `i`).
    pub fn flush<'a>(&mut self, series: impl Iterator<Item = &'a mut Samples>) {
        for ((s, n), into) in self.runs.iter_mut().zip(series) {
            into.push_new_run(*s, std::mem::take(n));
        }
    }
}

/// The samples of a [`Samples`], in order.
pub struct Iter<'a> {
    samples: &'a Samples,
    run: usize,
    at: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Sample;

    fn next(&mut self) -> Option<&'a Sample> {
        let end = *self.samples.ends.get(self.run)? as usize;
        let value = &self.samples.values[self.run];
        self.at += 1;
        if self.at == end {
            self.run += 1;
        }
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.samples.len() - self.at;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Samples {
    type Item = &'a Sample;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(a: f64) -> Sample {
        Sample { availability: a, ..Sample::default() }
    }

    #[test]
    fn equal_samples_share_a_run_and_read_back_in_order() {
        let values = [1.0, 1.0, 1.0, 0.5, 0.5, 1.0];
        let s: Samples = values.iter().map(|&a| at(a)).collect();
        assert_eq!((s.len(), s.runs()), (6, 3));
        let back: Vec<f64> = s.iter().map(|x| x.availability).collect();
        assert_eq!(back, values);
        assert_eq!(s[3].availability, 0.5);
        assert_eq!(s[5].availability, 1.0);
        assert!(s.get(6).is_none());
        assert_eq!(s.iter().len(), 6);
    }

    #[test]
    fn pop_takes_the_last_sample_off() {
        let mut s: Samples = [1.0, 0.5, 0.5].iter().map(|&a| at(a)).collect();
        assert_eq!(s.pop().unwrap().availability, 0.5);
        assert_eq!((s.len(), s.runs()), (2, 2));
        s.pop();
        assert_eq!((s.len(), s.runs()), (1, 1));
        s.pop();
        assert!(s.is_empty() && s.pop().is_none());
    }

    #[test]
    fn newest_runs_flushed_give_the_series_pushed_one_by_one() {
        let values = [[1.0, 1.0, 0.5, 0.5, 1.0], [0.5, 0.5, 0.5, 0.5, 0.5], [1.0, -0.0, 0.0, 0.0, -0.0]];
        let mut newest = Newest::new(3);
        let mut series = vec![Samples::new(); 3];
        for step in 0..5 {
            for (i, v) in values.iter().enumerate() {
                if let Some((s, n)) = newest.push(i, at(v[step])) {
                    series[i].push_new_run(s, n);
                }
            }
        }
        newest.flush(series.iter_mut());
        for (i, v) in values.iter().enumerate() {
            let one_by_one: Samples = v.iter().map(|&a| at(a)).collect();
            assert_eq!(series[i], one_by_one, "series {i}");
        }
        assert_eq!(series[1].runs(), 1);
    }

    #[test]
    fn negative_zero_is_not_merged_with_zero() {
        let s: Samples = [0.0, -0.0].iter().map(|&a| at(a)).collect();
        assert_eq!(s.runs(), 2);
    }
}
