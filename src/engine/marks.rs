//! A set of small integers (positions in the solver's order) as two levels of bits: the least and the greatest are found in a few words.

/// Marked positions below a fixed bound, taken out smallest or largest first.
///
/// One bit per position, and one summary bit per word of positions that has
/// any set: insert and remove are O(1), finding the least or greatest marked
/// position costs a scan of the summary (1 word per 4,096 positions).
#[derive(Debug, Clone, Default)]
pub struct Marks {
    words: Vec<u64>,
    summary: Vec<u64>,
    len: usize,
}

impl Marks {
    /// An empty set for positions below `bound`.
    pub fn new(bound: usize) -> Marks {
        let words = bound.div_ceil(64);
        Marks { words: vec![0; words], summary: vec![0; words.div_ceil(64)], len: 0 }
    }

    /// Every position below `bound`.
    pub fn full(bound: usize) -> Marks {
        let mut m = Marks::new(bound);
        for p in 0..bound {
            m.insert(p as u32);
        }
        m
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Marks `p`; true if it was not marked.
    pub fn insert(&mut self, p: u32) -> bool {
        let (w, bit) = (p as usize / 64, 1u64 << (p % 64));
        if self.words[w] & bit != 0 {
            return false;
        }
        self.words[w] |= bit;
        self.summary[w / 64] |= 1 << (w % 64);
        self.len += 1;
        true
    }

    fn take(&mut self, w: usize, b: u32) -> u32 {
        self.words[w] &= !(1u64 << b);
        if self.words[w] == 0 {
            self.summary[w / 64] &= !(1u64 << (w % 64));
        }
        self.len -= 1;
        (w * 64) as u32 + b
    }

    /// The least marked position, without taking it.
    pub fn first(&self) -> Option<u32> {
        let s = self.summary.iter().position(|&s| s != 0)?;
        let w = s * 64 + self.summary[s].trailing_zeros() as usize;
        Some((w * 64) as u32 + self.words[w].trailing_zeros())
    }

    /// Takes out the least marked position.
    pub fn pop_first(&mut self) -> Option<u32> {
        let p = self.first()?;
        Some(self.take(p as usize / 64, p % 64))
    }

    /// Takes out the greatest marked position.
    pub fn pop_last(&mut self) -> Option<u32> {
        let s = self.summary.iter().rposition(|&s| s != 0)?;
        let w = s * 64 + 63 - self.summary[s].leading_zeros() as usize;
        let b = 63 - self.words[w].leading_zeros();
        Some(self.take(w, b))
    }

    /// Takes out every marked position, least first.
    pub fn drain(&mut self) -> impl Iterator<Item = u32> + '_ {
        std::iter::from_fn(move || self.pop_first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn takes_positions_out_from_either_end() {
        let mut m = Marks::new(10_000);
        for p in [4_097, 3, 64, 63, 9_999, 64] {
            m.insert(p);
        }
        assert_eq!(m.first(), Some(3));
        assert_eq!(m.pop_last(), Some(9_999));
        assert_eq!(m.pop_first(), Some(3));
        assert_eq!(m.drain().collect::<Vec<_>>(), vec![63, 64, 4_097]);
        assert!(m.is_empty());
        assert_eq!((m.first(), m.pop_last()), (None, None));
        assert_eq!(Marks::full(130).drain().count(), 130);
    }

    proptest! {
        #[test]
        fn behaves_as_an_ordered_set(ops in prop::collection::vec((0u8..3, 0u32..9_000), 0..400)) {
            let mut m = Marks::new(9_000);
            let mut set = BTreeSet::new();
            for (op, p) in ops {
                match op {
                    0 => prop_assert_eq!(m.insert(p), set.insert(p)),
                    1 => prop_assert_eq!(m.pop_first(), set.pop_first()),
                    _ => prop_assert_eq!(m.pop_last(), set.pop_last()),
                }
                prop_assert_eq!(m.is_empty(), set.is_empty());
                prop_assert_eq!(m.first(), set.first().copied());
            }
        }
    }
}
