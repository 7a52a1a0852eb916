//! Applies the scenario's triggers and operator actions to the run's state.

use super::fleet::Phase;
use super::state::{FaultEffect, Params};
use super::{Event, Sim};
use crate::mechanisms::rolling::Rollout;
use crate::model::{ActionKind, DepId, ServiceId};
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
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    LoseCapacity(f64),
    Latency(Span),
    Errors(f64),
    Partition,
}

impl Sim<'_> {
    /// Carries out the scenario's action `i`.
    pub(super) fn act(&mut self, i: usize) {
        let action = &self.model.scenario[i];
        let now = self.now;
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
                f.restart(
                    n,
                    now,
                    startup,
                    |k| !matches!(k.phase, Phase::Booting { .. } | Phase::Warming { .. }),
                    |_| {},
                );
            }
            ActionKind::LoseCapacity { service, fraction, duration } => {
                self.add_fault(Target::Service(*service), Effect::LoseCapacity(*fraction), *duration)
            }
            ActionKind::InjectLatency { service, latency, duration } => {
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
                self.params = Params::new(services.clone(), deps.clone());
                self.solver = super::solver::Solver::new(&self.params, &self.wiring);
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
                        Target::Service(t) => t != s,
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
        let (_, next) = self.rollouts[i].1.step(&mut self.states[service.0].fleet, self.now, startup);
        if let Some(next) = next {
            self.queue.push(next, Event::Rolling(i));
        }
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
        for f in &self.faults {
            match (f.target, f.effect) {
                (Target::Dep(d), _) => self.deps[d.0].partitions += 1,
                (Target::Service(s), effect) => {
                    let e = &mut self.states[s.0].fault;
                    match effect {
                        Effect::LoseCapacity(x) => e.capacity_factor *= 1.0 - x,
                        Effect::Latency(l) => e.latency_s += l.secs(),
                        Effect::Errors(x) => e.error = 1.0 - (1.0 - e.error) * (1.0 - x),
                        Effect::Partition => {}
                    }
                }
            }
        }
    }
}
