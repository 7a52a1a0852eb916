//! Applies the scenario's triggers and operator actions to the run's state.

use super::fleet::{CohortFault, Phase};
use super::state::{FaultEffect, Params};
use super::{Event, Sim};
use crate::mechanisms::draining;
use crate::mechanisms::rolling::Rollout;
use crate::model::{ActionKind, DepId, FaultKind, ServiceId, Version};
use crate::time::Span;

/// A fault in force.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActiveFault {
    pub id: u32,
    pub target: Target,
    pub effect: Effect,
}

/// A scale-out or scale-in spread over time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaling {
    pub service: ServiceId,
    /// Instances to launch or remove in all.
    pub count: u32,
    /// Launched or removed so far.
    pub done: u32,
    /// Steps taken so far, of `slots`.
    pub taken: u64,
    pub slots: u64,
    pub step: Span,
    pub out: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    Service(ServiceId),
    Dep(DepId),
    /// The instances of a service marked with this slot's bit.
    Instances(ServiceId, u32),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    LoseCapacity(f64),
    Latency(Span),
    Errors(f64),
    Partition,
    Partial(FaultKind),
}

impl Sim<'_> {
    /// Carries out the scenario's action `i`.
    pub(super) fn act(&mut self, i: usize) {
        let action = &self.model.scenario[i];
        let now = self.now;
        if let Some(dep) = action.requires
            && (self.deps[dep.0].partitions > 0 || self.deps[dep.0].attempt_success < 0.5)
        {
            if !self.waiting[i] {
                self.waiting[i] = true;
                let d = &self.model.deps[dep.0];
                let (from, to) = (&self.model.services[d.caller.0].name, &self.model.services[d.callee.0].name);
                let what = format!("{}: waits, `{from}` cannot reach `{to}`", action.label);
                self.result.log.push(super::LogEntry { at: now, service: Some(d.callee), what, scheduled: false });
            }
            self.queue.push(now.plus(self.model.tick), Event::Action(i));
            return;
        }
        self.result.log.push(super::LogEntry {
            at: now,
            service: action.kind.service(self.model),
            what: action.label.clone(),
            scheduled: true,
        });
        match &action.kind {
            ActionKind::Crash { service, amount } => {
                let f = &mut self.states[service.0].fleet;
                let n = amount.of(f.census().total);
                f.crash(n);
            }
            ActionKind::Restart { service, amount } => {
                let startup = self.startup(*service);
                let f = &mut self.states[service.0].fleet;
                let n = amount.of(f.census().total);
                let n = f.restart(
                    n,
                    now,
                    startup,
                    |k| !matches!(k.phase, Phase::Booting { .. } | Phase::Warming { .. }),
                    |_| {},
                );
                self.drain(*service, n);
            }
            ActionKind::LoseCapacity { service, fraction, duration } => {
                self.add_fault(Target::Service(*service), Effect::LoseCapacity(*fraction), *duration)
            }
            ActionKind::InjectLatency { service, latency, duration, .. } => {
                self.add_fault(Target::Service(*service), Effect::Latency(*latency), *duration)
            }
            ActionKind::InjectErrors { service, rate, duration } => {
                self.add_fault(Target::Service(*service), Effect::Errors(*rate), *duration)
            }
            ActionKind::Partition { dep, duration } => self.add_fault(Target::Dep(*dep), Effect::Partition, *duration),
            ActionKind::ScaleOut { service, count, over } => self.start_scaling(*service, *count, *over, true),
            ActionKind::ScaleIn { service, count, over } => self.start_scaling(*service, *count, *over, false),
            ActionKind::Set { services, deps, .. } => {
                for (i, new) in services.iter().enumerate() {
                    let old = self.params.services[i].instances;
                    let f = &mut self.states[i].fleet;
                    if new.instances > old {
                        f.launch(new.instances - old, now, new.startup);
                    } else if new.instances < old {
                        f.remove(old - new.instances);
                    }
                }
                self.params = Params::new(services, deps);
                self.solver = super::solver::Solver::new(&self.params, &self.wiring);
                self.calm = super::quiet::possible(&self.params, &self.solver);
            }
            ActionKind::Fault { service, amount, effect, duration } => {
                let slot =
                    (0..64u32).find(|b| !self.faults.iter().any(|f| f.target == Target::Instances(*service, *b)));
                let Some(slot) = slot else { return };
                let f = &mut self.states[service.0].fleet;
                let n = amount.of(f.census().total);
                let bit = 1u64 << slot;
                f.transition(n, |k| k.hit & bit == 0 && k.phase != Phase::Crashed, |k| k.hit |= bit);
                self.add_fault(Target::Instances(*service, slot), Effect::Partial(*effect), *duration);
            }
            ActionKind::Rollback { service, back } => {
                let found =
                    self.rollouts.iter().rposition(|(s, r)| s == service && r.version.is_some() && r.only.is_none());
                let Some(idx) = found else { return };
                let id = self.rollouts.len() as u32 + 1;
                let f = &self.states[service.0].fleet;
                let old = self.rollouts[idx].1.id;
                let previous =
                    f.cohorts().iter().find(|k| k.rolled != old).map_or_else(Version::default, |k| k.version);
                let rollback = self.rollouts[idx].1.roll_back(id, f, previous);
                if *back {
                    self.rollouts.push((*service, rollback));
                    self.roll(self.rollouts.len() - 1);
                }
            }
            ActionKind::Rolling { service, amount, pace, version } => {
                let total = self.states[service.0].fleet.census().total;
                let id = self.rollouts.len() as u32 + 1;
                let rollout = Rollout::new(id, amount.of(total), *pace, *version);
                self.rollouts.push((*service, rollout));
                self.roll(self.rollouts.len() - 1);
            }
            ActionKind::Repair { service } => {
                let targets: Vec<ServiceId> = match service {
                    Some(s) => vec![*s],
                    None => (0..self.states.len()).map(ServiceId).collect(),
                };
                for s in targets {
                    let startup = self.startup(s);
                    self.states[s.0].fleet.restart(u32::MAX, now, startup, |k| k.phase == Phase::Crashed, |_| {});
                    let model = self.model;
                    self.faults.retain(|f| match f.target {
                        Target::Service(t) | Target::Instances(t, _) => t != s,
                        Target::Dep(d) => model.deps[d.0].callee != s,
                    });
                }
                self.apply_faults();
            }
        }
    }

    /// The next step of rolling action `i`.
    pub(super) fn roll(&mut self, i: usize) {
        let service = self.rollouts[i].0;
        let startup = self.startup(service);
        let (n, next) = self.rollouts[i].1.step(&mut self.states[service.0].fleet, self.now, startup);
        self.drain(service, n);
        if let Some(next) = next {
            self.queue.push(next, Event::Rolling(i));
        }
    }

    /// `n` instances of `service` leave rotation now: with draining, the
    /// requests in flight that outlive the deregistration delay fail (counted
    /// over the coming interval).
    fn drain(&mut self, service: ServiceId, n: u32) {
        let Some(d) = &self.params.services[service.0].extras.draining else { return };
        let st = &mut self.states[service.0];
        let serving = st.fleet.census().serving + n;
        if n == 0 || serving == 0 {
            return;
        }
        let per_instance = st.rates.accepted / serving as f64;
        st.cut += n as f64 * draining::cut(d, per_instance);
    }

    /// One instance every `over / count`, or, when that is under a
    /// millisecond, the instances due in each millisecond of `over`.
    fn start_scaling(&mut self, service: ServiceId, count: u32, over: Span, out: bool) {
        let (step, slots) = if over.is_zero() || count == 0 {
            (Span::ZERO, 1)
        } else if over.0 >= count as u64 {
            (Span(over.0 / count as u64), count as u64)
        } else {
            (Span(1), over.0)
        };
        self.scalings.push(Scaling { service, count, done: 0, taken: 0, slots, step, out });
        self.scale(self.scalings.len() - 1);
    }

    /// The next step of gradual scaling `i`.
    pub(super) fn scale(&mut self, i: usize) {
        let s = &mut self.scalings[i];
        s.taken += 1;
        let due = (s.taken * s.count as u64 / s.slots) as u32;
        let n = due - s.done;
        s.done = due;
        let (service, out, more, step) = (s.service, s.out, s.taken < s.slots, s.step);
        if out {
            let startup = self.startup(service);
            self.states[service.0].fleet.launch(n, self.now, startup);
        } else {
            self.states[service.0].fleet.remove(n);
        }
        if more {
            self.queue.push(self.now.plus(step), Event::Scale(i));
        }
    }

    fn add_fault(&mut self, target: Target, effect: Effect, duration: Option<Span>) {
        // Ids are never reused: a repaired fault's end event must not end a later one.
        self.fault_ids += 1;
        let id = self.fault_ids;
        self.faults.push(ActiveFault { id, target, effect });
        if let Some(d) = duration {
            self.queue.push(self.now.plus(d), Event::FaultEnd(id));
        }
        self.apply_faults();
    }

    /// A fault with a duration is over.
    pub(super) fn end_fault(&mut self, id: u32) {
        let before = self.faults.len();
        self.faults.retain(|f| f.id != id);
        if self.faults.len() != before {
            self.apply_faults();
        }
    }

    /// Recombines the faults in force into each service's and link's state.
    fn apply_faults(&mut self) {
        for st in self.states.iter_mut() {
            st.fault = FaultEffect::default();
        }
        for d in self.deps.iter_mut() {
            d.partitions = 0;
        }
        let bits = |s: ServiceId, faults: &[ActiveFault]| -> u64 {
            faults
                .iter()
                .filter_map(|f| match f.target {
                    Target::Instances(t, b) if t == s => Some(1u64 << b),
                    _ => None,
                })
                .fold(0, |a, b| a | b)
        };
        for (i, st) in self.states.iter_mut().enumerate() {
            let live = bits(ServiceId(i), &self.faults);
            for k in st.fleet.cohorts_mut().iter_mut() {
                k.hit &= live;
                k.fault = cohort_fault(k.hit, ServiceId(i), &self.faults);
            }
            st.fleet.touch();
        }
        for f in &self.faults {
            match (f.target, f.effect) {
                (Target::Dep(d), _) => self.deps[d.0].partitions += 1,
                (Target::Instances(..), _) => {}
                (Target::Service(s), effect) => {
                    let e = &mut self.states[s.0].fault;
                    match effect {
                        Effect::LoseCapacity(x) => e.capacity_factor *= 1.0 - x,
                        Effect::Latency(l) => e.latency_s += l.secs(),
                        Effect::Errors(x) => e.error = 1.0 - (1.0 - e.error) * (1.0 - x),
                        Effect::Partition | Effect::Partial(_) => {}
                    }
                }
            }
        }
    }
}

/// The partial faults of `service` whose slots are set in `hit`, combined.
fn cohort_fault(hit: u64, service: ServiceId, faults: &[ActiveFault]) -> CohortFault {
    let mut c = CohortFault::default();
    for f in faults {
        let (Target::Instances(s, slot), Effect::Partial(kind)) = (f.target, f.effect) else { continue };
        if s != service || hit & (1 << slot) == 0 {
            continue;
        }
        match kind {
            FaultKind::LoseCapacity(x) => c.capacity_factor *= 1.0 - x,
            FaultKind::Latency(l) => c.latency_s += l.secs(),
            FaultKind::Errors { rate, client } => {
                c.error = 1.0 - (1.0 - c.error) * (1.0 - rate);
                if client {
                    c.client_error = 1.0 - (1.0 - c.client_error) * (1.0 - rate);
                }
            }
        }
    }
    c
}
