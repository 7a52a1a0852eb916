//! Autoscaling in requests mode: at every `tick` each policy observes its fleet (arrivals, capacity, queue), then launches or removes instances; it stalls when its metrics are missing.

use super::{Ev, Life, Sim};
use crate::mechanisms::autoscaling::{self, Observed};
use crate::mechanisms::control;
use crate::model::{DepKind, Model};
use crate::time::{SimTime, Span};

/// A policy's memory between ticks.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Requests offered up to the last tick, and when it was [µs].
    offered: f64,
    at: u64,
    last_out: Option<SimTime>,
    last_in: Option<SimTime>,
    stalled: bool,
}

/// A policy state for each service that has one.
pub fn policies(model: &Model) -> Vec<Option<Policy>> {
    model.services.iter().map(|s| s.extras.autoscaling.as_ref().map(|_| Policy::default())).collect()
}

impl Sim<'_> {
    /// Starts the policies' ticks, if any service has one.
    pub(super) fn start_autoscaling(&mut self) {
        if self.mechs.policies.iter().any(Option::is_some) {
            self.at(super::us(self.model.tick).max(1), Ev::Autoscale);
        }
    }

    /// Runs every service's policy once, then schedules the next tick.
    pub(super) fn autoscale(&mut self) {
        for s in 0..self.svcs.len() {
            if self.mechs.policies[s].is_some() {
                self.autoscale_one(s);
            }
        }
        self.at(self.now + super::us(self.model.tick).max(1), Ev::Autoscale);
    }

    fn autoscale_one(&mut self, s: usize) {
        let model = self.model;
        let Some(a) = model.services[s].extras.autoscaling.as_deref() else { return };
        let now = self.now_ms();
        let offered = self.svcs[s].stats.total.offered as f64;
        let Some(p) = self.mechs.policies[s].as_mut() else { return };
        let rate = (offered - p.offered) / ((self.now - p.at).max(1) as f64 / 1e6);
        p.offered = offered;
        p.at = self.now;
        if let Some(m) = a.metrics {
            let working = self.outgoing[s].iter().any(|&d| {
                let dep = &self.model.deps[d as usize];
                let ds = &self.deps[d as usize];
                match &dep.kind {
                    DepKind::Control(c) if dep.callee == m => {
                        control::effectiveness(c, ds.data, ds.short_since, now) >= 0.5
                    }
                    _ => false,
                }
            });
            let p = self.mechs.policies[s].as_mut().expect("checked above");
            if !working {
                if !p.stalled {
                    p.stalled = true;
                    let name = &self.model.services[m.0].name;
                    let text = format!("autoscaling stalls: no metrics from `{name}`");
                    self.note(s as u32, text);
                }
                return;
            }
            p.stalled = false;
        }
        let svc = &self.svcs[s];
        let model = &self.model.services[s];
        let serving = svc.insts.iter().filter(|i| i.life == Life::Serving && i.in_rotation).count() as u32;
        let total =
            svc.insts.iter().filter(|i| matches!(i.life, Life::Serving | Life::Booting | Life::Warming)).count() as u32;
        let hold_s = model.latency.secs();
        let per_instance =
            if hold_s > 0.0 { model.capacity.min(model.threads as f64 / hold_s) } else { model.capacity };
        let seen = Observed {
            serving,
            total,
            offered: rate,
            capacity: serving as f64 * per_instance * svc.cap_factor,
            queue: svc.insts.iter().map(|i| i.queue.len() + i.cpu_queue.len()).sum::<usize>() as f64,
        };
        let p = self.mechs.policies[s].as_ref().expect("checked above");
        let change = autoscaling::decide(a, &seen, now, p.last_out, p.last_in);
        if change == 0 {
            return;
        }
        let p = self.mechs.policies[s].as_mut().expect("checked above");
        if change > 0 {
            p.last_out = Some(now);
            self.note(s as u32, format!("autoscaling launches {change} instance(s)"));
        } else {
            p.last_in = Some(now);
            self.note(s as u32, format!("autoscaling removes {} instance(s)", -change));
        }
        self.start_scaling(s as u32, change.unsigned_abs() as u32, Span::ZERO, change > 0);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::resilience::{Autoscaling, ScaleMetric};
    use crate::model::{Mode, Model, Service};
    use crate::time::Span;

    fn busy(min: u32, max: u32) -> Model {
        let mut m = Model::new("busy", Span(600_000));
        m.mode = Mode::Requests;
        let mut s = Service::new("api", 2, 100.0).with_load(400.0);
        s.latency = Span(50);
        s.startup = Span(30_000);
        s.extras.autoscaling = Some(Box::new(Autoscaling {
            metric: ScaleMetric::Requests,
            target: 50.0,
            min,
            max,
            scale_out_cooldown: Span(60_000),
            scale_in_cooldown: Span(300_000),
            metrics: None,
        }));
        m.add_service(s);
        m
    }

    #[test]
    fn a_policy_sizes_the_fleet_to_its_target_within_bounds() {
        // 400/s at 50/s per instance wants 8 instances.
        let r = super::super::run(&busy(2, 20)).unwrap();
        let last = r.services[0].samples.last().unwrap();
        assert!((8..=10).contains(&last.instances), "{last:?}");
        assert!(r.log.iter().any(|e| e.what.starts_with("autoscaling launches")));
        let capped = super::super::run(&busy(2, 3)).unwrap();
        assert_eq!(capped.services[0].samples.last().unwrap().instances, 3);
    }
}
