//! Warm-up contention in requests mode: a started instance builds its cache out of rotation, sharing the store's and its sound peers' supply with the other builds; feeding peers lose that share of their processing capacity; a build past its deadline restarts.

use super::{Ev, Life, Sim};
use crate::mechanisms::warmup;
use crate::time::{SimTime, Span};

/// One instance's cache build, and what it gives to others' builds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Warm {
    /// Seconds of full-speed work done, and needed.
    pub progress_s: f64,
    pub need_s: f64,
    /// The build began then.
    pub since: SimTime,
    /// Share of its capacity feeding warming peers (0 to 1).
    pub feed: f64,
}

/// What one round of warming did at a service.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Round {
    pub done: u32,
    pub failed: u32,
}

/// Share of each sound instance's capacity spent on `peer_load` instances' worth of feeding.
pub fn feed_share(peer_load: f64, sound: u32) -> f64 {
    if sound == 0 { 0.0 } else { (peer_load / sound as f64).clamp(0.0, 1.0) }
}

impl Sim<'_> {
    /// Instance `i` of `s` has started up: with a warm-up it builds its cache
    /// first (its work drawn, a cell's share with `peers.cells`); returns whether it does.
    pub(super) fn start_warming(&mut self, s: u32, i: u32) -> bool {
        let Some(need_s) = warmup::build_work_s(&self.model.services[s as usize], &mut self.rng) else { return false };
        let since = self.now_ms();
        let inst = &mut self.svcs[s as usize].insts[i as usize];
        inst.life = Life::Warming;
        inst.in_rotation = false;
        inst.warm = Warm { progress_s: 0.0, need_s, since, feed: 0.0 };
        true
    }

    /// Advances every build at `s` by `dt`: each at `min(1, supply / builds)`;
    /// finished ones join rotation, those past the deadline restart; sound
    /// peers then give up the capacity that feeds the builds.
    pub(super) fn warm_round(&mut self, s: u32, dt: Span) -> Round {
        let model = self.model;
        let Some(w) = model.services[s as usize].warmup.as_deref() else { return Round::default() };
        let insts = &self.svcs[s as usize].insts;
        let sound_of = |i: &super::Inst| i.life == Life::Serving && i.in_rotation && i.peer.broken_since.is_none();
        let warming = insts.iter().filter(|i| i.life == Life::Warming).count();
        let sound = insts.iter().filter(|i| sound_of(i)).count() as u32;
        let mut out = Round::default();
        let mut peer_load = 0.0;
        if warming > 0 {
            let (store, peers) = warmup::supply(w, sound);
            let n = warming as f64;
            let speed = ((store + peers) / n).min(1.0);
            peer_load = (n - store).clamp(0.0, peers) * w.peer_cost;
            let now = self.now_ms();
            for i in 0..self.svcs[s as usize].insts.len() as u32 {
                let inst = &mut self.svcs[s as usize].insts[i as usize];
                if inst.life != Life::Warming {
                    continue;
                }
                inst.warm.progress_s += speed * dt.secs();
                if inst.warm.progress_s >= inst.warm.need_s {
                    inst.life = Life::Serving;
                    inst.in_rotation = true;
                    out.done += 1;
                } else if now.since(inst.warm.since) > w.deadline {
                    self.restart(s, i);
                    out.failed += 1;
                }
            }
            self.rotate(s);
        }
        let feed = feed_share(peer_load, sound);
        let mut changed = false;
        for inst in self.svcs[s as usize].insts.iter_mut() {
            let f = if sound_of(inst) { feed } else { 0.0 };
            changed |= inst.warm.feed != f;
            inst.warm.feed = f;
        }
        if changed {
            self.refresh(s);
        }
        if out.failed > 0 {
            self.note(s, format!("{} warming instance(s) missed the deadline and restart", out.failed));
        }
        out
    }

    /// The fleets' life at a `tick`: peers learned, caches warmed, memory checked; then the next tick.
    pub(super) fn tend(&mut self) {
        let dt = self.model.tick;
        for s in 0..self.svcs.len() as u32 {
            self.learn_peers(s, dt);
            self.warm_round(s, dt);
            self.check_memory(s);
        }
        self.at(self.now + super::us(dt).max(1), Ev::Tend);
    }
}

#[cfg(test)]
mod tests {
    use super::feed_share;
    use crate::engine::requests::run;
    use crate::model::{ActionKind, Amount, Mode, Model, Service, ServiceId, Warmup, WarmupSource};
    use crate::time::{SimTime, Span};

    #[test]
    fn feeding_is_shared_by_the_sound_peers() {
        assert_eq!(feed_share(8.0, 80), 0.1);
        assert_eq!(feed_share(8.0, 0), 0.0);
        assert_eq!(feed_share(100.0, 10), 1.0);
    }

    /// 10 instances; at 60 s `restarted` of them restart (10 s start-up) and build a 10-minute cache from a store feeding 2.
    fn restart(restarted: u32) -> Model {
        let mut m = Model::new("warm", Span(3_600_000));
        m.mode = Mode::Requests;
        let mut s = Service::new("cache", 10, 100.0).with_load(20.0);
        s.startup = Span(10_000);
        s.warmup = Some(Box::new(Warmup {
            duration: Span(600_000),
            duration_dist: None,
            source: WarmupSource::Store,
            store_capacity: 2.0,
            peer_share: 0.1,
            peer_cost: 1.0,
            deadline: Span(1_500_000),
        }));
        m.add_service(s);
        let amount = Amount::Count(restarted);
        m.schedule(SimTime(60_000), ActionKind::Restart { service: ServiceId(0), amount }, "restart");
        m
    }

    fn healthy(m: &Model, at_s: usize) -> u32 {
        let r = run(m).unwrap();
        r.services[0].samples[at_s / 10].healthy
    }

    #[test]
    fn builds_the_store_can_feed_end_after_their_duration() {
        let m = restart(2);
        assert_eq!(healthy(&m, 600), 8, "still building at 10 min");
        assert_eq!(healthy(&m, 700), 10, "built 10 min after their start-up");
    }

    #[test]
    fn too_many_builds_at_once_share_the_supply_and_miss_the_deadline() {
        let m = restart(6);
        let r = run(&m).unwrap();
        assert_eq!(r.services[0].samples[1_500 / 10].healthy, 4, "6 builds at a third of full speed need 30 min");
        assert!(r.log.iter().any(|e| e.what.contains("missed the deadline")));
    }
}
