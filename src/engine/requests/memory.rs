//! Memory pressure in requests mode: each instance's share of its service's buffered calls fills its memory; past the limit its requests fail in proportion, past the hard limit the running instances are killed and restart, losing their buffered calls.

use super::{Life, Sim};
use crate::mechanisms::{buffer, oom};
use crate::model::DepKind;

impl Sim<'_> {
    /// Memory one instance of `s` uses now: its base and its share of the calls its buffers hold [MB].
    pub(super) fn memory_used_mb(&self, s: u32) -> Option<f64> {
        let m = self.model.services[s as usize].memory.as_ref()?;
        let instances = self.count(s).max(1) as f64;
        let buffered: f64 = self.outgoing[s as usize]
            .iter()
            .map(|&d| match &self.model.deps[d as usize].kind {
                DepKind::Buffered(b) => self.deps[d as usize].held / instances * b.item_mb,
                _ => 0.0,
            })
            .sum();
        Some(m.base_mb + buffered)
    }

    /// Buffers of `s` that no longer grow (a `set` changed `when-full`) keep
    /// only what fits, as fluid mode's do: the rest is dropped, freeing its memory.
    fn trim_buffers(&mut self, s: u32) {
        let instances = self.live_instances(s as usize);
        for k in 0..self.outgoing[s as usize].len() {
            let d = self.outgoing[s as usize][k] as usize;
            let DepKind::Buffered(b) = &self.model.deps[d].kind else { continue };
            let capacity = buffer::capacity(b, instances).floor();
            let ds = &mut self.deps[d];
            if b.when_full != crate::model::WhenFull::Grow && ds.held > capacity {
                ds.dropped += (ds.held - capacity) as u64;
                ds.held = capacity;
            }
        }
    }

    /// At a `tick`: the share of `s`'s requests that memory contention fails
    /// is set anew, and past the hard limit its running instances are killed.
    pub(super) fn check_memory(&mut self, s: u32) {
        let model = self.model;
        let Some(m) = model.services[s as usize].memory.as_deref() else { return };
        self.trim_buffers(s);
        let Some(used) = self.memory_used_mb(s) else { return };
        self.mechs.mem_error[s as usize] = buffer::memory_errors(used, m.limit_mb, m.fail_at);
        if !oom::killed(m, used) {
            return;
        }
        let total = self.count(s);
        let running: Vec<u32> = (0..self.svcs[s as usize].insts.len() as u32)
            .filter(|&i| matches!(self.svcs[s as usize].insts[i as usize].life, Life::Serving | Life::Warming))
            .collect();
        for &i in &running {
            self.restart(s, i);
        }
        self.rotate(s);
        let killed = running.len() as u32;
        for k in 0..self.outgoing[s as usize].len() {
            let d = self.outgoing[s as usize][k] as usize;
            if matches!(self.model.deps[d].kind, DepKind::Buffered(_)) {
                self.deps[d].held = oom::surviving_backlog(self.deps[d].held, killed, total).floor();
            }
        }
        if killed > 0 {
            self.note(s, format!("{killed} instance(s) passed the hard memory limit: killed, restarting"));
        }
        self.mechs.mem_error[s as usize] =
            self.memory_used_mb(s).map_or(0.0, |u| buffer::memory_errors(u, m.limit_mb, m.fail_at));
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::requests::run;
    use crate::model::{Buffer, DepKind, Memory, Mode, Model, Service, WhenFull};
    use crate::time::Span;

    /// A host at 100 req/s buffering 1 KB per request for a sink that is never there (partitioned away), growing in memory.
    fn host(hard_limit_mb: Option<f64>) -> Model {
        let mut m = Model::new("oom", Span(600_000));
        m.mode = Mode::Requests;
        let mut h = Service::new("host", 1, 1000.0).with_load(100.0);
        h.startup = Span(15_000);
        h.memory = Some(Box::new(Memory { limit_mb: 110.0, base_mb: 100.0, fail_at: 0.5, hard_limit_mb }));
        let host = m.add_service(h);
        let sink = m.add_service(Service::new("sink", 1, 1000.0));
        let d = m.add_call(host, sink);
        m.deps[d.0].kind =
            DepKind::Buffered(Buffer { size: 1e9, when_full: WhenFull::Grow, item_mb: 1.0 / 1024.0, drain: 10.0 });
        m.schedule(
            crate::time::SimTime::ZERO,
            crate::model::ActionKind::Partition { dep: d, duration: None },
            "sink unreachable",
        );
        m
    }

    #[test]
    fn a_growing_buffer_fills_memory_until_requests_fail() {
        let r = run(&host(None)).unwrap();
        let s = &r.services[0].samples;
        // 10 MB of headroom at ~100 KB/s: full after ~100 s; all fail at 165 MB, ~660 s... half by ~380 s.
        assert_eq!(s[8].availability, 1.0);
        let late = s[50].availability;
        assert!(late < 0.9 && late > 0.1, "errors rise past the limit: {late}");
        assert!(r.log.iter().all(|e| !e.what.contains("hard memory")));
    }

    #[test]
    fn past_the_hard_limit_the_host_is_killed_and_starts_empty() {
        let r = run(&host(Some(120.0))).unwrap();
        let kills = r.log.iter().filter(|e| e.what.contains("hard memory limit")).count();
        assert!(kills >= 2, "killed, restarted empty, filled up and killed again: {kills}");
        let s = &r.services[0].samples;
        assert!(s.iter().any(|x| x.healthy == 0), "down while restarting");
    }
}
