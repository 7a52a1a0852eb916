//! The event queue: ordered by `(time, sequence)`, so equal times pop first-in, first-out; a short unordered list while few events wait, a binary heap past that.
//!
//! An entry's order is one `u128` key (time in the high half, sequence in the
//! low half), compared in one instruction pair rather than a tuple's two
//! branches. Keys are unique, so the order events come out in depends on
//! neither the layout nor the mode.
//!
//! A request engine's queue mostly holds a handful of events (each service's
//! next arrival, the requests in service, a few timers). There a heap's sift
//! costs a mispredicted branch or two per level on every push and pop, while
//! a fixed tournament over a short list's keys finds the least with no
//! data-dependent branch at all (conditional moves), and a push is an
//! append. Past [`LIST`] entries the list is heapified (O(n)) and works as a
//! heap until it is down to [`LIST_UPTO`] again, so a queue near the boundary
//! does not switch back and forth.
//!
//! In heap mode a popped event stays at the root until the next push or pop:
//! most events schedule another, which then takes the root's place with one
//! sift down instead of a removal and an insertion.

use crate::time::SimTime;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// The most events the list holds; one more and it becomes a heap. A power of two.
const LIST: usize = 16;
/// A heap down to this many becomes a list again.
const LIST_UPTO: usize = 4;

#[derive(Clone, Copy)]
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    fn at(&self) -> SimTime {
        SimTime((self.key >> 64) as u64)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

// The list's keys are kept inline, next to the queue, on the hot path; its size is deliberate (one queue per run).
#[allow(clippy::large_enum_variant)]
enum Store<E> {
    /// Unordered, at most [`LIST`] entries; `keys` mirrors their keys, padded with `u128::MAX`.
    List { list: Vec<Entry<E>>, keys: [u128; LIST] },
    /// `spent`: the root has been popped already and is only kept for its place.
    Heap { heap: BinaryHeap<Reverse<Entry<E>>>, spent: bool },
}

/// A priority queue of events of type `E`.
pub struct EventQueue<E> {
    store: Store<E>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { store: Store::List { list: Vec::with_capacity(LIST), keys: [u128::MAX; LIST] }, next_seq: 0 }
    }
}

/// The index of the least of the first `W` of `keys`, by a fixed tournament
/// of conditional moves: no branch depends on the keys.
#[inline(always)]
fn tournament<const W: usize>(keys: &[u128; LIST]) -> usize {
    let mut round: [(u128, usize); W] = std::array::from_fn(|i| (keys[i], i));
    let mut width = W;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            let (a, b) = (round[2 * i], round[2 * i + 1]);
            round[i] = std::hint::select_unpredictable(b.0 < a.0, b, a);
        }
    }
    round[0].1
}

/// The index of the least of the first `len` keys (the rest are `u128::MAX`):
/// a tournament of 8 or 16, whichever covers them (a branch on the length,
/// which changes by one at a time).
#[inline(always)]
fn least(keys: &[u128; LIST], len: usize) -> usize {
    if len <= 8 { tournament::<8>(keys) } else { tournament::<LIST>(keys) }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `event` at `at`. O(1) while the list is short, else O(log n).
    #[inline(always)]
    pub fn push(&mut self, at: SimTime, event: E) {
        let seq = self.reserve();
        self.push_reserved(at, seq, event);
    }

    /// Takes the next sequence number without scheduling anything yet: an
    /// event pushed later with it (by [`Self::push_reserved`]) keeps the place
    /// among equal times that a push now would have given it.
    pub fn reserve(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Schedules `event` at `at` with a sequence number from [`Self::reserve`],
    /// used at most once. O(1) while the list is short, else O(log n).
    ///
    /// The list's append is inlined into the caller, so the event is written
    /// straight into its slot: passed by reference to an outlined push, a
    /// freshly built event is read back whole from the fields just stored,
    /// which the processor cannot forward from its store buffer (a stall on
    /// every push). The rest is out of line.
    #[inline(always)]
    pub fn push_reserved(&mut self, at: SimTime, seq: u64, event: E) {
        let key = (u128::from(at.0) << 64) | u128::from(seq);
        if let Store::List { list, keys } = &mut self.store {
            let n = list.len();
            if n < LIST {
                keys[n] = key;
                list.push(Entry { key, event });
                return;
            }
        }
        self.push_slow(Entry { key, event });
    }

    /// A push into a full list (which becomes a heap) or into the heap.
    #[inline(never)]
    fn push_slow(&mut self, entry: Entry<E>) {
        match &mut self.store {
            Store::List { list, .. } => {
                let mut heap: Vec<_> = std::mem::take(list).into_iter().map(Reverse).collect();
                heap.push(Reverse(entry));
                self.store = Store::Heap { heap: heap.into(), spent: false };
            }
            Store::Heap { heap, spent } => {
                if std::mem::take(spent) {
                    // Into the spent root's place; the heap sifts it down when the guard drops.
                    *heap.peek_mut().expect("a spent root is in the heap") = Reverse(entry);
                } else {
                    heap.push(Reverse(entry));
                }
            }
        }
    }

    /// Removes the earliest event (first scheduled among equal times). O(1) while the list is short, else O(log n).
    ///
    /// The list's case is inlined into the caller (the event comes back in
    /// registers); the heap's is out of line.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        match &mut self.store {
            Store::List { list, keys } => {
                if list.is_empty() {
                    return None;
                }
                let i = least(keys, list.len());
                let last = list.len() - 1;
                keys[i] = keys[last];
                keys[last] = u128::MAX;
                let top = list.swap_remove(i);
                Some((top.at(), top.event))
            }
            Store::Heap { .. } => self.pop_heap(),
        }
    }

    /// [`Self::pop`] in heap mode, turning back into a list when few events are left.
    #[inline(never)]
    fn pop_heap(&mut self) -> Option<(SimTime, E)> {
        let Store::Heap { heap, spent } = &mut self.store else { return self.pop() };
        if std::mem::take(spent) {
            heap.pop();
        }
        if heap.len() <= LIST_UPTO {
            let list: Vec<_> = std::mem::take(heap).into_vec().into_iter().map(|Reverse(e)| e).collect();
            let mut keys = [u128::MAX; LIST];
            for (k, e) in keys.iter_mut().zip(&list) {
                *k = e.key;
            }
            self.store = Store::List { list, keys };
            return self.pop();
        }
        let Reverse(top) = heap.peek()?;
        *spent = true;
        Some((top.at(), top.event))
    }

    /// The time of the earliest event.
    pub fn peek_time(&self) -> Option<SimTime> {
        match &self.store {
            Store::List { list, keys } => (!list.is_empty()).then(|| list[least(keys, list.len())].at()),
            Store::Heap { heap, spent: false } => heap.peek().map(|Reverse(e)| e.at()),
            // Below a spent root, the earliest is one of its two children.
            Store::Heap { heap, spent: true } => {
                heap.as_slice().iter().skip(1).take(2).min_by_key(|Reverse(e)| e.key).map(|Reverse(e)| e.at())
            }
        }
    }

    pub fn len(&self) -> usize {
        match &self.store {
            Store::List { list, .. } => list.len(),
            Store::Heap { heap, spent } => heap.len() - usize::from(*spent),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn events_pop_in_time_order() {
        let mut q = EventQueue::new();
        q.push(SimTime(30), 'c');
        q.push(SimTime(10), 'a');
        q.push(SimTime(20), 'b');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ['a', 'b', 'c']);
    }

    #[test]
    fn equal_times_are_first_in_first_out() {
        let mut q = EventQueue::new();
        for i in 0..100 {
            q.push(SimTime(5), i);
        }
        q.push(SimTime(1), -1);
        assert_eq!(q.pop(), Some((SimTime(1), -1)));
        for i in 0..100 {
            assert_eq!(q.pop(), Some((SimTime(5), i)));
        }
        assert!(q.is_empty());
    }

    #[test]
    fn a_reserved_place_comes_before_later_pushes_at_the_same_time() {
        let mut q = EventQueue::new();
        let seq = q.reserve();
        q.push(SimTime(7), 'b');
        q.push(SimTime(7), 'c');
        q.push_reserved(SimTime(7), seq, 'a');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ['a', 'b', 'c']);
    }

    proptest! {
        /// Any interleaving of pushes and pops gives what a sort by `(time,
        /// push order)` gives, in list and heap mode and across the switches
        /// (a first burst of pushes grows the queue past the list's size).
        #[test]
        fn pops_match_a_stable_sort(
            burst in prop::collection::vec(0u64..50, 0..60),
            ops in prop::collection::vec(prop::option::of(0u64..50), 0..400),
        ) {
            let mut q = EventQueue::new();
            let mut model: Vec<(u64, usize)> = Vec::new();
            let ops = burst.into_iter().map(Some).chain(ops).chain(std::iter::repeat_n(None, 70));
            for (n, op) in ops.enumerate() {
                match op {
                    Some(t) => {
                        q.push(SimTime(t), n);
                        model.push((t, n));
                    }
                    None => {
                        model.sort();
                        let want = (!model.is_empty()).then(|| model.remove(0));
                        prop_assert_eq!(q.peek_time(), want.map(|(t, _)| SimTime(t)));
                        prop_assert_eq!(q.pop(), want.map(|(t, e)| (SimTime(t), e)));
                    }
                }
                prop_assert_eq!(q.len(), model.len());
            }
        }
    }
}
