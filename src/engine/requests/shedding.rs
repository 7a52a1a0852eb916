//! Load shedding in requests mode: LIFO that drops the oldest waiting request when full, a deadline on the wait, an adaptive cap on the queue.

use super::Sim;
use crate::mechanisms::shedding as rule;
use crate::model::resilience::Shedding;
use crate::model::{Discipline, Service};

/// A service's shedding, resolved for the request engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shed {
    /// Serve the newest first; when the queue is full, drop the oldest to admit the newest.
    pub lifo: bool,
    /// The longest a request waits before it is dropped [µs].
    pub max_wait_us: u64,
    /// Most requests waiting per instance.
    pub cap: u32,
}

impl Shed {
    /// The queue rules of `svc` with `s`: a deadline shortens the longest wait;
    /// an adaptive limit keeps about one service time of work waiting (a
    /// concurrency's worth of requests, each waiting at most one service time).
    pub fn new(svc: &Service, s: &Shedding) -> Shed {
        let hold_s = svc.latency.secs();
        let max_wait_s = rule::max_wait_s(s, svc.timeout.secs(), hold_s);
        let cap = if s.adaptive_limit {
            let work = (max_wait_s / hold_s.max(1e-6)).ceil() * svc.threads as f64;
            (work.max(1.0) as u32).min(svc.queue)
        } else {
            svc.queue
        };
        Shed { lifo: s.lifo || svc.discipline == Discipline::Lifo, max_wait_us: (max_wait_s * 1e6).round() as u64, cap }
    }
}

impl Sim<'_> {
    /// Request `id` finds every thread of instance `i` of `s` busy and waits by the service's shedding rules.
    pub(super) fn shed_enqueue(&mut self, s: u32, i: u32, id: u32, sh: Shed) {
        // Drop those already past the longest wait: with LIFO they sit at the front.
        loop {
            let inst = &mut self.svcs[s as usize].insts[i as usize];
            match inst.queue.front() {
                Some(&old) if self.now - self.reqs.get(old).arrived > sh.max_wait_us => {
                    inst.queue.pop_front();
                    self.finish(old, false);
                }
                _ => break,
            }
        }
        let inst = &mut self.svcs[s as usize].insts[i as usize];
        if inst.queue.len() < sh.cap as usize {
            inst.queue.push_back(id);
        } else if sh.lifo && sh.cap > 0 {
            let old = inst.queue.pop_front().expect("a full queue holds a request");
            inst.queue.push_back(id);
            self.finish(old, false);
        } else {
            self.finish(id, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    fn svc() -> Service {
        let mut s = Service::new("api", 1, 100.0);
        s.threads = 10;
        s.queue = 1000;
        s.latency = Span(100);
        s.timeout = Span(30_000);
        s
    }

    #[test]
    fn a_plain_queue_keeps_its_cap_and_the_timeout() {
        let none = Shedding { lifo: false, deadline: None, adaptive_limit: false };
        assert_eq!(Shed::new(&svc(), &none), Shed { lifo: false, max_wait_us: 30_000_000, cap: 1000 });
    }

    #[test]
    fn a_deadline_and_an_adaptive_limit_shorten_the_queue() {
        let deadline = Shedding { lifo: true, deadline: Some(Span(2000)), adaptive_limit: false };
        assert_eq!(Shed::new(&svc(), &deadline), Shed { lifo: true, max_wait_us: 2_000_000, cap: 1000 });
        let adaptive = Shedding { lifo: false, deadline: None, adaptive_limit: true };
        assert_eq!(Shed::new(&svc(), &adaptive), Shed { lifo: false, max_wait_us: 100_000, cap: 10 });
    }
}
