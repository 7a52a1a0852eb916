//! Priority on calls in requests mode: a service's waiting requests are kept in priority order (non-preemptive; first come first within a class).

use super::Sim;
use super::slab::Origin;
use std::collections::VecDeque;

/// Puts `id` of priority `p` into queue `q`, kept highest priority first, so
/// the front is always served next: behind its class when `newest_first` is
/// false, ahead of it when true. `prio` gives a queued request's priority. O(class distance).
pub fn insert(q: &mut VecDeque<u32>, id: u32, p: i32, newest_first: bool, prio: impl Fn(u32) -> i32) {
    let pos = if newest_first {
        q.iter().position(|&o| prio(o) <= p).unwrap_or(q.len())
    } else {
        let mut pos = q.len();
        while pos > 0 && prio(q[pos - 1]) < p {
            pos -= 1;
        }
        pos
    };
    q.insert(pos, id);
}

impl Sim<'_> {
    /// A request's priority: its call's, 0 for outside clients.
    pub(super) fn priority_of(&self, id: u32) -> i32 {
        match self.reqs.get(id).origin {
            Origin::Call(d) | Origin::Buffer(d) | Origin::Control(d) => self.model.deps[d as usize].priority,
            Origin::External => 0,
        }
    }

    /// The queue of instance `i` of `s` is full when `id` comes: if its last
    /// request has a lower priority, that one is dropped to make room. Returns whether it was.
    pub(super) fn evict_lower(&mut self, s: usize, i: usize, id: u32) -> bool {
        let p = self.priority_of(id);
        let Some(&last) = self.svcs[s].insts[i].queue.back() else { return false };
        if self.priority_of(last) >= p {
            return false;
        }
        self.svcs[s].insts[i].queue.pop_back();
        self.finish(last, false);
        true
    }

    /// Queues `id` for a worker thread (`slot` false) or a processing slot at instance `i` of `s`, by priority.
    pub(super) fn enqueue_by_priority(&mut self, s: usize, i: usize, id: u32, slot: bool) {
        let p = self.priority_of(id);
        let lifo = !slot && self.model.services[s].discipline == crate::model::Discipline::Lifo;
        let mut q =
            std::mem::take(if slot { &mut self.svcs[s].insts[i].cpu_queue } else { &mut self.svcs[s].insts[i].queue });
        insert(&mut q, id, p, lifo, |o| self.priority_of(o));
        *(if slot { &mut self.svcs[s].insts[i].cpu_queue } else { &mut self.svcs[s].insts[i].queue }) = q;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_priorities_go_first_and_a_class_keeps_its_order() {
        let prio = |id: u32| (id / 10) as i32;
        let mut q = VecDeque::new();
        for id in [1, 2, 21, 11, 3, 22, 12] {
            insert(&mut q, id, prio(id), false, prio);
        }
        assert_eq!(q, [21, 22, 11, 12, 1, 2, 3]);
        let mut q = VecDeque::new();
        for id in [1, 2, 21, 11, 3, 22] {
            insert(&mut q, id, prio(id), true, prio);
        }
        assert_eq!(q, [22, 21, 11, 3, 2, 1], "newest first within a class");
    }
}
