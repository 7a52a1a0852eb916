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

fn same(a: &Sample, b: &Sample) -> bool {
    let bits = |s: &Sample| {
        [
            s.offered.to_bits(),
            s.served.to_bits(),
            s.failed.to_bits(),
            s.availability.to_bits(),
            s.queue.to_bits(),
            s.backlog.to_bits(),
            s.threads_in_use.to_bits(),
            (s.healthy as u64) << 32 | s.instances as u64,
        ]
    };
    bits(a) == bits(b)
}

impl Samples {
    pub fn new() -> Samples {
        Samples::default()
    }

    /// Appends `s`, extending the last run when equal to its sample. O(1).
    pub fn push(&mut self, s: Sample) {
        if let (Some(last), Some(end)) = (self.values.last(), self.ends.last_mut())
            && same(last, &s)
        {
            *end += 1;
        } else {
            let end = self.len() as u32 + 1;
            self.values.push(s);
            self.ends.push(end);
        }
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
    fn negative_zero_is_not_merged_with_zero() {
        let s: Samples = [0.0, -0.0].iter().map(|&a| at(a)).collect();
        assert_eq!(s.runs(), 2);
    }
}
