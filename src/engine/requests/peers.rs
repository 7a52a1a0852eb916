//! Per-peer resources in requests mode: each instance holds threads for the peers it knows and learns of new ones every `tick`; past the OS thread limit its cache rebuild fails, its routing entries expire and the requests needing them fail.

use super::{Life, Sim};
use crate::mechanisms::peers;
use crate::time::{SimTime, Span};

/// One instance's view of its peers.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Peer {
    /// Peers it knows of [instances].
    pub known: f64,
    /// Its cache rebuild has failed since then; mended only by a restart.
    pub broken_since: Option<SimTime>,
    /// Share of its requests failing on expired routing entries.
    pub stale: f64,
}

impl Peer {
    /// A fresh process that fetched the membership its peers know.
    pub fn fresh(known: f64) -> Peer {
        Peer { known, ..Peer::default() }
    }
}

/// Instances that count as members of the fleet (not gone, not an old process draining).
fn member(life: Life) -> bool {
    !matches!(life, Life::Gone | Life::Draining)
}

impl Sim<'_> {
    /// At the start every instance of `s` has run long enough to know its cell.
    pub(super) fn settle_peers(&mut self, s: u32) {
        let Some(p) = &self.model.services[s as usize].peers else { return };
        let cell = self.count(s) as f64 / p.cells.max(1) as f64;
        for inst in self.svcs[s as usize].insts.iter_mut() {
            inst.peer = Peer::fresh(cell);
        }
    }

    /// What a (re)started instance of `s` learns when it boots: what its peers know, on average.
    pub(super) fn membership_view(&self, s: u32) -> f64 {
        let (n, sum) = self.svcs[s as usize]
            .insts
            .iter()
            .filter(|i| member(i.life))
            .fold((0.0, 0.0), |(n, sum), i| (n + 1.0, sum + i.peer.known));
        if n > 0.0 { sum / n } else { 0.0 }
    }

    /// Instance `i` of `s` (re)starts: its threads and cache are new, it knows what its peers know.
    pub(super) fn peers_restart(&mut self, s: u32, i: u32) {
        if self.model.services[s as usize].peers.is_some() {
            let view = self.membership_view(s);
            self.svcs[s as usize].insts[i as usize].peer = Peer::fresh(view);
        }
    }

    /// One round of learning over `dt` at service `s`: every member moves
    /// toward its cell's size; those now needing more threads than the OS
    /// allows break; broken caches age. Returns the instances that broke.
    pub(super) fn learn_peers(&mut self, s: u32, dt: Span) -> u32 {
        let svc = &self.model.services[s as usize];
        let Some(p) = &svc.peers else { return 0 };
        let cell = self.count(s) as f64 / p.cells.max(1) as f64;
        let pull = peers::pull(p, dt);
        let now = self.now_ms();
        let mut broke = 0;
        for inst in self.svcs[s as usize].insts.iter_mut().filter(|i| member(i.life)) {
            let peer = &mut inst.peer;
            peer.known = peers::learned(peer.known, cell, pull);
            if peer.broken_since.is_none()
                && peers::threads_needed(p, svc.threads, peer.known) > svc.os_thread_limit as f64
            {
                peer.broken_since = Some(now);
                broke += 1;
            }
            peer.stale = peer.broken_since.map_or(0.0, |since| peers::expired_fraction(p, now.since(since)));
        }
        if broke > 0 {
            self.note(s, format!("{broke} instance(s) need more threads than the OS limit: cache rebuilds fail"));
        }
        broke
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::requests::run;
    use crate::model::{ActionKind, Mode, Model, PeerThreads, Service, ServiceId};
    use crate::time::{SimTime, Span};

    /// 10 instances at 50 req/s, needing 2 + 100 + known peers threads, under a limit of 112.
    fn fleet(os_limit: u32) -> Model {
        let mut m = Model::new("peers", Span(3_000_000));
        m.mode = Mode::Requests;
        let mut s = Service::new("front", 10, 100.0).with_load(50.0);
        s.threads = 2;
        s.os_thread_limit = os_limit;
        s.latency = Span(10);
        s.peers = Some(Box::new(PeerThreads {
            per_peer: 1.0,
            base_threads: 100,
            learn: Span(60_000),
            cells: 1,
            cache_ttl: Span(600_000),
            expiry_spread: Span(60_000),
        }));
        m.add_service(s);
        m.schedule(SimTime(60_000), ActionKind::ScaleOut { service: ServiceId(0), count: 2, over: Span::ZERO }, "grow");
        m
    }

    #[test]
    fn growing_past_the_thread_limit_breaks_caches_that_then_expire() {
        let r = run(&fleet(112)).unwrap();
        let broke: Vec<_> = r.log.iter().filter(|e| e.what.contains("OS limit")).collect();
        assert!(!broke.is_empty(), "12 instances need 2 + 100 + 11 = 113 threads > 112");
        let first = broke[0].at;
        assert!(first > SimTime(60_000) && first < SimTime(600_000), "learned within minutes: {first:?}");
        let s = &r.services[0].samples;
        let at = |t_s: usize| s[t_s / 10].availability;
        assert_eq!(at(300), 1.0, "the cache still holds before its TTL");
        assert!(at(2_900) < 0.05, "every entry expired an hour later: {}", at(2_900));
    }

    #[test]
    fn a_fleet_that_fits_never_breaks() {
        let r = run(&fleet(113)).unwrap();
        assert!(r.log.iter().all(|e| !e.what.contains("OS limit")));
        assert!(r.services[0].samples.iter().all(|s| s.availability == 1.0));
    }
}
