//! The fleet in requests mode: scenario actions, faults, crashes, restarts, health checks and scaling, per instance.

use super::slab::{Extra, Phase};
use super::{Ev, Fault, FaultKind, Inst, Life, Scaling, Sim};
use crate::engine::result::LogEntry;
use crate::mechanisms::health;
use crate::model::ActionKind;
use crate::model::dist::draw;

impl Sim<'_> {
    pub(super) fn act(&mut self, i: usize) {
        if !self.access(i) {
            return;
        }
        let action = &self.model.scenario[i];
        self.log.push(LogEntry {
            at: self.now_ms(),
            service: action.kind.service(self.model),
            what: action.label.clone(),
            scheduled: true,
        });
        match &action.kind {
            ActionKind::Crash { service, amount } => {
                let s = service.0 as u32;
                let picked =
                    self.pick(s, amount.of(self.count(s)), |i| matches!(i.life, Life::Serving | Life::Warming));
                for i in picked {
                    self.svcs[s as usize].insts[i as usize].life = Life::Crashed;
                    self.cut(s, i);
                }
            }
            ActionKind::Restart { service, amount } => {
                let s = service.0 as u32;
                let picked = self.pick(s, amount.of(self.count(s)), |i| {
                    !matches!(i.life, Life::Booting | Life::Warming | Life::Draining)
                });
                for i in picked {
                    self.leave(s, i);
                }
                self.rotate(s);
            }
            ActionKind::LoseCapacity { service, fraction, duration } => {
                self.add_fault(FaultKind::Capacity(service.0 as u32, *fraction), *duration)
            }
            ActionKind::InjectLatency { service, latency, dist, duration } => {
                let extra = Extra { fixed_us: super::us(*latency), dist: dist.clone() };
                self.add_fault(FaultKind::Latency(service.0 as u32, extra), *duration)
            }
            ActionKind::InjectErrors { service, rate, duration } => {
                self.add_fault(FaultKind::Errors(service.0 as u32, *rate), *duration)
            }
            ActionKind::Partition { dep, duration } => self.add_fault(FaultKind::Partition(dep.0 as u32), *duration),
            ActionKind::ScaleOut { service, count, over } => self.start_scaling(service.0 as u32, *count, *over, true),
            ActionKind::ScaleIn { service, count, over } => self.start_scaling(service.0 as u32, *count, *over, false),
            ActionKind::Repair { service } => {
                let targets: Vec<u32> = match service {
                    Some(s) => vec![s.0 as u32],
                    None => (0..self.svcs.len() as u32).collect(),
                };
                for s in targets {
                    let crashed = self.pick(s, u32::MAX, |i| i.life == Life::Crashed);
                    for i in crashed {
                        self.restart(s, i);
                    }
                    self.rotate(s);
                    let model = self.model;
                    self.faults.retain(|f| match f.kind {
                        FaultKind::Capacity(t, _)
                        | FaultKind::Latency(t, _)
                        | FaultKind::Errors(t, _)
                        | FaultKind::Part(t, ..) => t != s,
                        FaultKind::Partition(d) => model.deps[d as usize].callee.0 as u32 != s,
                    });
                }
                self.apply_faults();
            }
            kind => {
                let kind = kind.clone();
                self.act_fleetwide(&kind, i);
            }
        }
    }

    /// Instances of service `s` that exist.
    pub(super) fn count(&self, s: u32) -> u32 {
        self.svcs[s as usize].insts.iter().filter(|i| !matches!(i.life, Life::Gone | Life::Draining)).count() as u32
    }

    /// Up to `n` instances of `s` matching `want`, lowest index first.
    fn pick(&self, s: u32, n: u32, want: impl Fn(&Inst) -> bool) -> Vec<u32> {
        let insts = &self.svcs[s as usize].insts;
        (0..insts.len() as u32).filter(|&i| want(&insts[i as usize])).take(n as usize).collect()
    }

    /// Every request on instance `i` of `s` fails now: waiting, working or calling.
    pub(super) fn cut(&mut self, s: u32, i: u32) {
        let ids = self.reqs.on_instance(s, i);
        if self.mechs.services || self.mechs.calls {
            self.mechs_cut(s, i, &ids);
        }
        let inst = &mut self.svcs[s as usize].insts[i as usize];
        inst.queue.clear();
        inst.cpu_queue.clear();
        for &id in &ids {
            let r = self.reqs.get_mut(id);
            if r.phase != Phase::Queued {
                self.svcs[s as usize].stats.held(self.now - r.started);
            }
            // Its thread and slot go with the instance.
            r.phase = Phase::Queued;
        }
        let inst = &mut self.svcs[s as usize].insts[i as usize];
        inst.busy = 0;
        inst.cpu_busy = 0;
        for id in ids {
            if self.reqs.get(id).phase != Phase::Free {
                self.finish(id, false);
            }
        }
    }

    /// Instance `i` of `s` restarts: out of rotation, its requests fail, it serves after start-up.
    pub(super) fn restart(&mut self, s: u32, i: u32) {
        let svc = &self.model.services[s as usize];
        let startup = draw(svc.startup_dist.as_ref(), svc.startup, &mut self.rng);
        let inst = &mut self.svcs[s as usize].insts[i as usize];
        inst.life = Life::Booting;
        inst.in_rotation = false;
        inst.epoch += 1;
        inst.fails = 0;
        inst.passes = 0;
        let epoch = inst.epoch;
        let deployed = inst.own.next.take();
        if let Some(v) = deployed {
            inst.own.version = v;
        }
        self.cut(s, i);
        if self.mechs.calls {
            self.mechs_restart(s, i);
        }
        self.peers_restart(s, i);
        if deployed.is_some() {
            self.apply_faults();
        }
        self.at(self.now + super::us(startup), Ev::Ready(s, i, epoch));
    }

    pub(super) fn ready(&mut self, s: u32, i: u32, epoch: u32) {
        let inst = &mut self.svcs[s as usize].insts[i as usize];
        if inst.epoch != epoch || inst.life != Life::Booting {
            return;
        }
        if self.start_warming(s, i) {
            return;
        }
        let inst = &mut self.svcs[s as usize].insts[i as usize];
        inst.life = Life::Serving;
        inst.in_rotation = true;
        self.rotate(s);
    }

    /// A round of probes at service `s`: failing instances leave rotation after
    /// `unhealthy-threshold` failures, passing ones return after `healthy-threshold`.
    pub(super) fn probe(&mut self, s: u32) {
        let Some(hc) = self.model.services[s as usize].health.clone() else { return };
        let svc = &self.model.services[s as usize];
        let hold_s = if hc.deep { self.unloaded_s(s, 8) } else { svc.latency.secs() };
        let base_error = self.svcs[s as usize].error;
        let (mut removed, mut back, mut replaced) = (0, 0, 0);
        for i in 0..self.svcs[s as usize].insts.len() as u32 {
            let sound = self.fleet_sound(s, i);
            let inst = &self.svcs[s as usize].insts[i as usize];
            let passes = match inst.life {
                Life::Booting | Life::Gone | Life::Draining | Life::Warming => continue,
                Life::Crashed => false,
                Life::Serving => {
                    let wait_s = self.probe_wait_s(s, i, hold_s);
                    let error = 1.0 - (1.0 - base_error) * (1.0 - inst.own.error.max(inst.own.client)) * sound;
                    health::instance_passes(&hc, inst.own.extra_us as f64 / 1e6, wait_s, hold_s, error)
                }
            };
            let inst = &mut self.svcs[s as usize].insts[i as usize];
            if passes {
                inst.fails = 0;
                if !inst.in_rotation {
                    inst.passes += 1;
                    if inst.passes >= hc.healthy_threshold {
                        inst.in_rotation = true;
                        inst.passes = 0;
                        back += 1;
                    }
                }
            } else {
                inst.passes = 0;
                inst.fails += 1;
                if inst.in_rotation && inst.fails >= hc.unhealthy_threshold {
                    inst.in_rotation = false;
                    removed += 1;
                    self.rotate(s);
                    self.cut(s, i);
                }
                let inst = &self.svcs[s as usize].insts[i as usize];
                if inst.life == Life::Crashed && !inst.in_rotation && svc.replace_failed {
                    self.restart(s, i);
                    replaced += 1;
                }
            }
        }
        self.rotate(s);
        for (n, what) in [
            (removed, "health checks removed {} instance(s)"),
            (back, "{} instance(s) back in rotation"),
            (replaced, "{} crashed instance(s) replaced"),
        ] {
            if n > 0 {
                self.note(s, what.replace("{}", &n.to_string()));
            }
        }
        let interval = draw(hc.interval_dist.as_ref(), hc.interval, &mut self.rng);
        self.at(self.now + super::us(interval).max(1), Ev::Probe(s));
    }

    pub(super) fn start_scaling(&mut self, s: u32, count: u32, over: crate::time::Span, out: bool) {
        let every_us = if over.is_zero() || count == 0 { 0 } else { super::us(over) / count as u64 };
        self.scalings.push(Scaling { service: s, left: count, every_us, out });
        self.scale(self.scalings.len() - 1);
    }

    pub(super) fn scale(&mut self, k: usize) {
        let sc = &mut self.scalings[k];
        let n = if sc.every_us == 0 { sc.left } else { sc.left.min(1) };
        sc.left -= n;
        let (s, out, more, every) = (sc.service, sc.out, sc.left > 0, sc.every_us);
        for _ in 0..n {
            if out {
                let svc = &self.model.services[s as usize];
                let startup = draw(svc.startup_dist.as_ref(), svc.startup, &mut self.rng);
                let mut inst = Inst::new(Life::Booting);
                inst.own = self.newest_own(s);
                inst.peer = super::peers::Peer::fresh(self.membership_view(s));
                let insts = &mut self.svcs[s as usize].insts;
                insts.push(inst);
                let i = insts.len() as u32 - 1;
                self.at(self.now + super::us(startup), Ev::Ready(s, i, 0));
            } else if let Some(i) =
                self.pick(s, u32::MAX, |i| !matches!(i.life, Life::Gone | Life::Draining)).last().copied()
            {
                self.svcs[s as usize].insts[i as usize].life = Life::Gone;
                self.svcs[s as usize].insts[i as usize].in_rotation = false;
                self.cut(s, i);
            }
        }
        self.rotate(s);
        if out {
            self.refresh(s);
        }
        if more {
            self.at(self.now + every, Ev::Scale(k as u32));
        }
    }

    pub(super) fn add_fault(&mut self, kind: FaultKind, duration: Option<crate::time::Span>) {
        self.fault_ids += 1;
        self.faults.push(Fault { id: self.fault_ids, kind });
        if let Some(d) = duration {
            self.at(self.now + super::us(d), Ev::FaultEnd(self.fault_ids));
        }
        self.apply_faults();
    }

    pub(super) fn end_fault(&mut self, id: u32) {
        let before = self.faults.len();
        self.faults.retain(|f| f.id != id);
        if self.faults.len() != before {
            self.apply_faults();
        }
    }

    /// Recombines the faults in force into each service's and link's state.
    pub(super) fn apply_faults(&mut self) {
        for (svc, s) in self.svcs.iter_mut().zip(&self.model.services) {
            svc.cap_factor = 1.0;
            svc.error = s.error_rate;
            svc.extras.clear();
        }
        for d in &mut self.deps {
            d.partitions = 0;
        }
        for f in &self.faults {
            match f.kind {
                FaultKind::Capacity(s, x) => self.svcs[s as usize].cap_factor *= 1.0 - x,
                FaultKind::Latency(s, ref e) => self.svcs[s as usize].extras.push(e.clone()),
                FaultKind::Errors(s, x) => {
                    let e = &mut self.svcs[s as usize].error;
                    *e = 1.0 - (1.0 - *e) * (1.0 - x);
                }
                FaultKind::Partition(d) => self.deps[d as usize].partitions += 1,
                FaultKind::Part(..) => {}
            }
        }
        self.apply_own();
        for s in 0..self.svcs.len() as u32 {
            self.refresh(s);
        }
    }
}
