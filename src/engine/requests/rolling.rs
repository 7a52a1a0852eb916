//! Operator actions over a fleet in requests mode: rolling restarts and deploys, rollback and cancel, config changes (`set`), faults on part of a fleet, and actions that wait for access.

use super::{Ev, FaultKind, Life, Sim};
use crate::mechanisms::rolling::{Rollout, Units};
use crate::model::{ActionKind, Model, Version};
use crate::time::{SimTime, Span};

/// The scenario's state beyond single events.
#[derive(Default)]
pub(super) struct Scen<'m> {
    /// Rolling actions, with the service they roll over.
    rollouts: Vec<(u32, Rollout)>,
    /// Actions already noted as waiting for access.
    waiting: Vec<bool>,
    /// The model after each `set` action, in scenario order.
    pub alts: &'m [Model],
}

/// The model after each of `model`'s `set` actions, in scenario order: built
/// before the run so the engine can switch to one by reference.
pub fn alternatives(model: &Model) -> Vec<Model> {
    model
        .scenario
        .iter()
        .filter_map(|a| match &a.kind {
            ActionKind::Set { services, deps, .. } => {
                let mut m = model.clone();
                m.services = services.clone();
                m.deps = deps.clone();
                Some(m)
            }
            _ => None,
        })
        .collect()
}

/// One service's instances seen by a rollout.
struct Roll<'a, 'm> {
    sim: &'a mut Sim<'m>,
    s: u32,
}

fn starting(life: Life) -> bool {
    matches!(life, Life::Booting | Life::Warming)
}

impl Units for Roll<'_, '_> {
    fn count(&self, f: impl Fn(u32, bool) -> bool) -> u32 {
        let insts = &self.sim.svcs[self.s as usize].insts;
        let live = |i: &&super::Inst| !matches!(i.life, Life::Gone | Life::Draining);
        insts.iter().filter(live).filter(|i| f(i.own.rolled, starting(i.life))).count() as u32
    }

    fn restart(
        &mut self,
        n: u32,
        _now: SimTime,
        _startup: Span,
        pick: impl Fn(u32, bool) -> bool,
        id: u32,
        version: Option<Version>,
    ) -> u32 {
        let s = self.s;
        let insts = &mut self.sim.svcs[s as usize].insts;
        let picked: Vec<u32> = (0..insts.len() as u32)
            .filter(|&i| {
                let inst = &insts[i as usize];
                !matches!(inst.life, Life::Gone | Life::Draining) && pick(inst.own.rolled, starting(inst.life))
            })
            .take(n as usize)
            .collect();
        for &i in &picked {
            let own = &mut self.sim.svcs[s as usize].insts[i as usize].own;
            own.rolled = id;
            if version.is_some() {
                own.next = version;
            }
            self.sim.leave(s, i);
        }
        self.sim.rotate(s);
        picked.len() as u32
    }
}

impl<'m> Sim<'m> {
    /// Carries out the actions the plain fleet verbs do not: returns false for those.
    pub(super) fn act_fleetwide(&mut self, kind: &ActionKind, i: usize) -> bool {
        match kind {
            ActionKind::Rolling { service, amount, pace, version } => {
                let s = service.0 as u32;
                let id = self.scen.rollouts.len() as u32 + 1;
                let rollout = Rollout::new(id, amount.of(self.count(s)), *pace, *version);
                self.scen.rollouts.push((s, rollout));
                self.roll(self.scen.rollouts.len() as u32 - 1);
            }
            ActionKind::Rollback { service, back } => self.roll_back(service.0 as u32, *back),
            ActionKind::Set { .. } => self.set(i),
            ActionKind::Fault { service, amount, effect, duration } => {
                let s = service.0 as u32;
                if let Some(slot) = self.hit_part(s, amount.of(self.count(s))) {
                    self.add_fault(FaultKind::Part(s, slot, *effect), *duration);
                }
            }
            _ => return false,
        }
        true
    }

    /// The next step of rolling action `k`.
    pub(super) fn roll(&mut self, k: u32) {
        let (s, mut rollout) = self.scen.rollouts[k as usize].clone();
        let (now, startup) = (self.now_ms(), self.model.services[s as usize].startup);
        let (_, next) = rollout.step(&mut Roll { sim: self, s }, now, startup);
        self.scen.rollouts[k as usize].1 = rollout;
        if let Some(next) = next {
            self.at(next.0 * 1000, Ev::Roll(k));
        }
    }

    /// Stops the last rolling deploy on `s` where it is; with `back`, restarts
    /// the instances it reached into the version they ran before, at its pace.
    fn roll_back(&mut self, s: u32, back: bool) {
        let found = self.scen.rollouts.iter().rposition(|(t, r)| *t == s && r.version.is_some() && r.only.is_none());
        let Some(idx) = found else { return };
        let id = self.scen.rollouts.len() as u32 + 1;
        let mut deploy = self.scen.rollouts[idx].1.clone();
        let old = deploy.id;
        let previous = self.svcs[s as usize]
            .insts
            .iter()
            .find(|i| !matches!(i.life, Life::Gone | Life::Draining) && i.own.rolled != old)
            .map_or_else(Version::default, |i| i.own.version);
        let rollback = deploy.roll_back(id, &Roll { sim: self, s }, previous);
        self.scen.rollouts[idx].1 = deploy;
        if back {
            self.scen.rollouts.push((s, rollback));
            self.roll(self.scen.rollouts.len() as u32 - 1);
        }
    }

    /// The config change of scenario entry `i`: the run goes on with the
    /// model after it; fleets grow or shrink to their new size.
    fn set(&mut self, i: usize) {
        let k = self.model.scenario[..i].iter().filter(|a| matches!(a.kind, ActionKind::Set { .. })).count();
        let alts: &'m [Model] = self.scen.alts;
        let (old, new) = (self.model, &alts[k]);
        self.model = new;
        for s in 0..new.services.len() {
            let (was, now) = (&old.services[s], &new.services[s]);
            if now.instances != was.instances {
                let out = now.instances > was.instances;
                self.start_scaling(s as u32, now.instances.abs_diff(was.instances), Span::ZERO, out);
            }
            let none = |svc: &crate::model::Service| matches!(svc.load.shape, crate::model::LoadShape::None);
            if none(was) && !none(now) {
                self.schedule_arrival(s as u32);
            }
            if was.load.shape != now.load.shape {
                self.clients_changed(s as u32);
            }
            if was.health.is_none()
                && let Some(hc) = &now.health
            {
                self.at(self.now + super::us(hc.interval), Ev::Probe(s as u32));
            }
        }
        self.apply_faults();
    }

    /// Scenario entry `i` needs access (`requires`): true when it may go on;
    /// otherwise it waits, noted once, and is tried again at the next tick.
    pub(super) fn access(&mut self, i: usize) -> bool {
        let Some(dep) = self.model.scenario[i].requires else { return true };
        if self.reachable(dep.0 as u32) {
            return true;
        }
        if self.scen.waiting.len() <= i {
            self.scen.waiting.resize(i + 1, false);
        }
        if !self.scen.waiting[i] {
            self.scen.waiting[i] = true;
            let d = &self.model.deps[dep.0];
            let (from, to) = (&self.model.services[d.caller.0].name, &self.model.services[d.callee.0].name);
            let what = format!("{}: waits, `{from}` cannot reach `{to}`", self.model.scenario[i].label);
            self.note(d.callee.0 as u32, what);
        }
        self.at(self.now + super::us(self.model.tick).max(1), Ev::Action(i as u32));
        false
    }

    /// Would a call along dependency `d` get through now: not partitioned, and
    /// its callee has an instance serving in rotation that does not fail most requests?
    fn reachable(&self, d: u32) -> bool {
        let callee = self.model.deps[d as usize].callee;
        let svc = &self.svcs[callee.0];
        self.deps[d as usize].partitions == 0
            && svc.error < 0.5
            && svc.insts.iter().any(|i| i.life == Life::Serving && i.in_rotation && i.own.error < 0.5)
    }
}
