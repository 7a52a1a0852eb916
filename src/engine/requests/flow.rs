//! A request's way through one service: arrival, instance choice, queue, worker thread, processing slot, answer.

use super::slab::{NONE, Origin, Phase};
use super::{Ev, Life, Sim};
use crate::mechanisms::load;
use crate::model::{Discipline, Model};

impl Sim<'_> {
    /// Schedules service `s`'s next outside request at its current rate.
    pub(super) fn schedule_arrival(&mut self, s: u32) {
        let svc = &self.model.services[s as usize];
        if matches!(svc.load.shape, crate::model::LoadShape::None | crate::model::LoadShape::Closed { .. }) {
            return;
        }
        let base = match svc.load.shape {
            // The common shape needs neither the clock nor the call.
            crate::model::LoadShape::Constant { rate } => rate,
            ref shape => load::rate_at(shape, self.now_ms()),
        };
        let rate = base * self.svcs[s as usize].load_factor;
        let gap_s = if rate <= 0.0 {
            // Nothing arrives now: look again at the next step.
            let next = (self.now / self.step_us + 1) * self.step_us;
            self.at(next, Ev::Look(s));
            return;
        } else {
            match svc.load.arrivals {
                crate::model::Arrivals::Poisson => crate::model::dist::exp1(&mut self.rng) / rate,
                crate::model::Arrivals::Uniform => 1.0 / rate,
            }
        };
        let gap = super::us_of_secs(gap_s).max(1);
        self.at(self.now + gap, Ev::Arrive(s));
    }

    pub(super) fn arrive_external(&mut self, s: u32) {
        self.arrive(s, Origin::External, NONE, 0);
    }

    /// A request arrives at service `s`; returns its id.
    pub(super) fn arrive(&mut self, s: u32, origin: Origin, parent: u32, parent_epoch: u32) -> u32 {
        let id = self.reqs.alloc(s, origin, parent, parent_epoch, self.now);
        self.reqs.get_mut(id).segment = match origin {
            Origin::External => self.outside_segment(s),
            Origin::Call(_) if parent != NONE => self.reqs.get(parent).segment,
            _ => super::segments::NO_SEGMENT,
        };
        self.svcs[s as usize].stats.offered();
        if self.mechs.services && !self.partition_admits(s, origin) {
            self.finish(id, false);
            return id;
        }
        let svc = &mut self.svcs[s as usize];
        if svc.rotation.is_empty() {
            self.finish(id, false);
            return id;
        }
        // The cursor stays below the rotation's length (`rotate` resets it), so this is `(rr + 1) % len` without a division.
        svc.rr += 1;
        if svc.rr == svc.rotation.len() {
            svc.rr = 0;
        }
        let i = svc.rotation[svc.rr];
        self.reqs.get_mut(id).instance = i;
        let threads = self.model.services[s as usize].threads;
        let cap = self.model.services[s as usize].queue as usize;
        let inst = &mut svc.insts[i as usize];
        // `queue` bounds the requests waiting, for a worker thread or for a processing slot.
        let waiting = inst.queue.len() + inst.cpu_queue.len();
        if inst.life != Life::Serving {
            // Still in rotation but down: the connection is refused.
            self.finish(id, false);
        } else if inst.busy < threads && (inst.cpu_busy < inst.own.slots || waiting < cap) {
            self.begin(id);
        } else if inst.busy < threads {
            // Every processing slot busy and the waiting room full: throttled at once.
            self.finish(id, false);
        } else if let Some(sh) = self.mechs.shed[s as usize].filter(|_| self.mechs.services) {
            self.shed_enqueue(s, i, id, sh);
        } else if waiting < cap {
            if self.mechs.services && self.mechs.prio[s as usize] {
                self.enqueue_by_priority(s as usize, i as usize, id, false);
            } else {
                inst.queue.push_back(id);
            }
        } else if self.mechs.services && self.mechs.prio[s as usize] && self.evict_lower(s as usize, i as usize, id) {
            self.enqueue_by_priority(s as usize, i as usize, id, false);
        } else {
            self.finish(id, false);
        }
        id
    }

    /// Request `id` takes a worker thread, then a processing slot when one is
    /// free; returns false if it was refused instead (a throttled serverless service).
    #[inline]
    fn begin(&mut self, id: u32) -> bool {
        if self.mechs.services && !self.take_env(id) {
            return false;
        }
        let (s, i) = {
            let r = self.reqs.get_mut(id);
            r.started = self.now;
            r.phase = Phase::CpuWait;
            (r.service as usize, r.instance as usize)
        };
        let inst = &mut self.svcs[s].insts[i];
        inst.busy += 1;
        if inst.cpu_busy < inst.own.slots {
            inst.cpu_busy += 1;
            self.work(id);
        } else if self.mechs.services && self.mechs.prio[s] {
            self.enqueue_by_priority(s, i, id, true);
        } else {
            inst.cpu_queue.push_back(id);
        }
        true
    }

    /// Starts request `id`'s own work, holding its slot.
    ///
    /// Each table is indexed once (the request, its service's model and state,
    /// its instance): this runs once per request visit. The end of the work
    /// is scheduled as soon as it is known, the rest (extra time, the wait's
    /// tally) after: the next event waits on that push, not on the rest.
    fn work(&mut self, id: u32) {
        let model: &Model = self.model;
        let r = self.reqs.get(id);
        let (s, i, arrived, epoch) = (r.service as usize, r.instance as usize, r.arrived, r.epoch);
        let spec = &model.services[s];
        let own_s = match &spec.latency_dist {
            Some(d) => d.sample_fast(&mut self.rng),
            None => spec.latency.secs(),
        };
        let own_us = super::us_of_secs(own_s);
        let stretch = self.svcs[s].insts[i].own.stretch;
        let done = self.now + if stretch == 1.0 { own_us } else { super::us_of_secs(own_s * stretch) };
        self.at(done, Ev::Work(id, epoch));
        let long_us = self.long_extra_us(s, own_us);
        let Sim { svcs, rng, reqs, now, .. } = self;
        let svc = &mut svcs[s];
        let mut extra_us = svc.insts[i].own.extra_us + long_us;
        for e in &svc.extras {
            extra_us += match &e.dist {
                Some(d) => super::us_of_secs(d.sample_fast(rng)),
                None => e.fixed_us,
            };
        }
        svc.stats.waited(*now - arrived);
        let r = reqs.get_mut(id);
        r.phase = Phase::Working;
        r.extra_us += extra_us;
    }

    pub(super) fn work_done(&mut self, id: u32, epoch: u32) {
        let r = self.reqs.get(id);
        if r.epoch != epoch {
            return;
        }
        let (s, i, segment) = (r.service, r.instance, r.segment);
        if r.phase == Phase::Working {
            let extra_us = r.extra_us;
            self.release_slot(s as usize, i as usize);
            if extra_us > 0 {
                self.reqs.get_mut(id).phase = Phase::Delayed;
                self.at(self.now + extra_us, Ev::Work(id, epoch));
                return;
            }
        }
        if let Some(client) = self.own_fails(s, i, segment) {
            self.reqs.get_mut(id).client = client;
            self.finish(id, false);
            return;
        }
        if !self.control_allows(s) {
            self.control_short(s);
            self.finish(id, false);
            return;
        }
        let r = self.reqs.get_mut(id);
        r.phase = Phase::Calling;
        r.out = 0;
        r.left = u32::MAX;
        if self.outgoing[s as usize].is_empty() {
            // No call to make, the first thing `next_call` would find: the answer, at once.
            let ok = !self.memory_fails(s);
            self.finish(id, ok);
        } else {
            self.next_call(id);
        }
    }

    /// Frees a processing slot and gives it to the next request waiting for one.
    fn release_slot(&mut self, s: usize, i: usize) {
        let inst = &mut self.svcs[s].insts[i];
        inst.cpu_busy = inst.cpu_busy.saturating_sub(1);
        if let Some(next) = inst.cpu_queue.pop_front() {
            inst.cpu_busy += 1;
            self.work(next);
        }
    }

    /// Frees a worker thread and starts the next waiting request, dropping those that waited too long.
    fn release_thread(&mut self, s: usize, i: usize) {
        let model: &Model = self.model;
        let spec = &model.services[s];
        let services = self.mechs.services;
        let shed = if services { self.mechs.shed[s] } else { None };
        let (lifo, timeout_us) = match shed {
            Some(sh) => (sh.lifo, sh.max_wait_us),
            None => (spec.discipline == Discipline::Lifo, super::us(spec.timeout)),
        };
        // A priority queue is kept in serving order.
        let lifo = lifo && !(services && self.mechs.prio[s]);
        let inst = &mut self.svcs[s].insts[i];
        inst.busy = inst.busy.saturating_sub(1);
        loop {
            let inst = &mut self.svcs[s].insts[i];
            let next = if lifo { inst.queue.pop_back() } else { inst.queue.pop_front() };
            let Some(next) = next else { return };
            if self.now - self.reqs.get(next).arrived > timeout_us {
                self.finish(next, false);
                continue;
            }
            if self.begin(next) {
                return;
            }
        }
    }

    /// Request `id` is answered (`ok`) or fails: its thread is freed, its
    /// outcome counted unless its requester already gave up, and its requester told.
    pub(super) fn finish(&mut self, id: u32, ok: bool) {
        if self.mechs.calls {
            self.drop_conn(id);
        }
        let model: &Model = self.model;
        let r = *self.reqs.get(id);
        let (s, i) = (r.service as usize, r.instance as usize);
        let now = self.now;
        match r.phase {
            Phase::Working => {
                self.svcs[s].stats.held(now - r.started);
                self.release_slot(s, i);
            }
            Phase::CpuWait => {
                let svc = &mut self.svcs[s];
                svc.stats.held(now - r.started);
                svc.insts[i].cpu_queue.retain(|&q| q != id);
            }
            Phase::Delayed | Phase::Calling => self.svcs[s].stats.held(now - r.started),
            Phase::Queued | Phase::Free => {}
        }
        let had_thread = r.phase != Phase::Queued;
        self.timers.disarm(id);
        self.reqs.release(id);
        // The thread first: the next waiting request's work is on the way to
        // the next event; the tallies below are not (and count the same after).
        if had_thread {
            if self.mechs.services {
                self.free_env(s);
            }
            self.release_thread(s, i);
        }
        let took = now - r.arrived;
        let ok = ok
            && match r.origin {
                Origin::External => took <= super::us(model.services[s].load.timeout),
                _ => true,
            };
        if !r.counted {
            let stats = &mut self.svcs[s].stats;
            if ok {
                stats.served(took);
            } else {
                stats.failed();
            }
        }
        if self.svcs[s].insts[i].life == Life::Draining {
            self.check_drained(s as u32, i as u32);
        }
        match r.origin {
            Origin::Call(_) => {
                if r.parent != NONE {
                    self.pass_client(&r, ok);
                    self.call_done(r.parent, r.parent_epoch, id, ok);
                }
            }
            Origin::Buffer(d) => self.flushed(d, ok),
            Origin::Control(d) => {
                if ok {
                    self.deps[d as usize].delivered += 1;
                }
            }
            Origin::External => {
                if let Some(think) = self.mechs.think[s] {
                    self.client_answered(s as u32, r.arrived, think);
                }
            }
        }
    }

    /// Recomputes service `s`'s processing slots per instance from its capacity and faults.
    pub(super) fn refresh(&mut self, s: u32) {
        let model = &self.model.services[s as usize];
        let svc = &mut self.svcs[s as usize];
        let (capacity, latency_s, threads) = (model.capacity, model.latency.secs(), model.threads);
        for inst in svc.insts.iter_mut() {
            (inst.own.slots, inst.own.stretch) =
                super::own::slots(capacity, latency_s, threads, svc.cap_factor * inst.own.cap * (1.0 - inst.warm.feed));
        }
        // Slots may have grown: start waiting work.
        for i in 0..svc.insts.len() {
            loop {
                let inst = &mut self.svcs[s as usize].insts[i];
                if inst.cpu_busy >= inst.own.slots {
                    break;
                }
                let Some(next) = inst.cpu_queue.pop_front() else { break };
                inst.cpu_busy += 1;
                self.work(next);
            }
        }
    }

    /// Rebuilds the list of instances the load balancer sends to.
    pub(super) fn rotate(&mut self, s: u32) {
        let svc = &mut self.svcs[s as usize];
        svc.rotation = (0..svc.insts.len() as u32).filter(|&i| svc.insts[i as usize].in_rotation).collect();
        svc.rr = 0;
    }
}
