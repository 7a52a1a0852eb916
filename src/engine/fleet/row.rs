//! A fleet's cohorts in order, with room kept at the front: dropping cohorts
//! moves up the shorter side, those before them or those after.
//!
//! A fleet being restarted a few instances at a time keeps a long tail of
//! booting and warming cohorts behind the few it restarted from; the oldest
//! build finishing merges into one of those few, near the front. Moving the
//! tail up after each merge copied about as much as the whole fleet at
//! every tick; moving the front down copies the few before it.

use super::Cohort;
use std::ops::{Deref, DerefMut};

/// Cohorts in order: `all[start..]`; the slots before `start` are room.
#[derive(Debug, Clone)]
pub(super) struct Row {
    all: Vec<Cohort>,
    start: usize,
}

impl Row {
    pub(super) fn new(first: Cohort) -> Row {
        Row { all: vec![first], start: 0 }
    }

    pub(super) fn push(&mut self, k: Cohort) {
        self.all.push(k);
    }

    pub(super) fn truncate(&mut self, len: usize) {
        self.all.truncate(self.start + len);
    }

    /// Drops the cohorts at `gone` (indices, increasing), keeping the order
    /// of the rest: those after the first gone move up, or those before the
    /// last gone move down into room at the front, whichever are fewer.
    /// The room is given back once it outgrows the cohorts, so it costs at
    /// most one cohort moved per cohort dropped.
    pub(super) fn drop_sorted(&mut self, gone: impl DoubleEndedIterator<Item = usize> + Clone) {
        let n = self.len();
        let (Some(first), Some(last)) = (gone.clone().next(), gone.clone().next_back()) else { return };
        let count = gone.clone().count();
        let after = n - first - count;
        let before = last + 1 - count;
        if after <= before {
            let len = close_up(&mut self.all[self.start..], gone);
            self.truncate(len);
        } else {
            let row = &mut self.all[self.start..];
            let (mut to, mut from) = (last + 1, last);
            for g in gone.rev().skip(1) {
                row.copy_within(g + 1..from, to - (from - g - 1));
                to -= from - g - 1;
                from = g;
            }
            row.copy_within(0..from, to - from);
            self.start += count;
            if self.start > self.all.len() - self.start {
                self.all.drain(..self.start);
                self.start = 0;
            }
        }
    }
}

/// Drops the items of `v` at `gone` (indices, increasing), moving up those
/// after them a run at a time; returns how many are left at the front.
pub(super) fn close_up<T: Copy>(v: &mut [T], gone: impl Iterator<Item = usize>) -> usize {
    let n = v.len();
    let (mut to, mut from) = (n, n);
    for g in gone {
        if to == n {
            to = g;
        } else {
            v.copy_within(from..g, to);
            to += g - from;
        }
        from = g + 1;
    }
    if to == n {
        return n;
    }
    v.copy_within(from..n, to);
    to + n - from
}

/// Rows with the same cohorts in order are equal, whatever their room.
impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        **self == **other
    }
}

impl Deref for Row {
    type Target = [Cohort];
    fn deref(&self) -> &[Cohort] {
        &self.all[self.start..]
    }
}

impl DerefMut for Row {
    fn deref_mut(&mut self) -> &mut [Cohort] {
        &mut self.all[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Version;

    fn row(n: u32) -> Row {
        let mut r = Row::new(Cohort::serving(0, Version::default()));
        for i in 1..n {
            r.push(Cohort::serving(i, Version::default()));
        }
        r
    }

    #[test]
    fn dropping_keeps_the_order_of_the_rest_from_either_side() {
        // Every set of up to three gone among eight, on rows that already have room.
        for room in 0..3 {
            for mask in 0u32..256 {
                if mask.count_ones() > 3 {
                    continue;
                }
                let mut r = row(8 + room);
                r.drop_sorted(0..room as usize);
                let gone: Vec<usize> = (0..8).filter(|i| mask & 1 << i != 0).collect();
                r.drop_sorted(gone.iter().copied());
                let got: Vec<u32> = r.iter().map(|k| k.count - room).collect();
                let want: Vec<u32> = (0..8).filter(|i| mask & 1 << i == 0).collect();
                assert_eq!(got, want, "room {room}, gone {gone:?}");
                r.push(Cohort::serving(99, Version::default()));
                assert_eq!(r.last().map(|k| k.count), Some(99));
                assert_eq!(r.len(), want.len() + 1);
            }
        }
    }

    #[test]
    fn the_room_at_the_front_is_given_back() {
        let mut r = row(100);
        for _ in 0..90 {
            r.drop_sorted([1].into_iter());
            r.push(Cohort::serving(7, Version::default()));
            assert!(r.start <= r.len(), "{} slots of room for {} cohorts", r.start, r.len());
        }
        assert_eq!(r.len(), 100);
        assert_eq!(r[0].count, 0);
        assert_eq!(r[1].count, 91);
    }
}
