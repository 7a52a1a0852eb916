//! Routers: judges each target's health through its probe path and moves the shares clients use.

use super::Sim;
use super::state::RouteState;
use crate::mechanisms::routing::{self, Target};
use crate::model::{DepId, DepKind, ServiceId};

impl Sim<'_> {
    /// The sync calls a router spreads requests over, in order.
    fn targets(&self, router: usize) -> Vec<DepId> {
        let deps = &self.params.deps;
        self.wiring.outgoing[router].iter().copied().filter(|d| deps[d.0].kind == DepKind::Sync).collect()
    }

    /// Every router starts with every target healthy.
    pub(super) fn init_routes(&mut self) {
        for i in 0..self.states.len() {
            let Some(r) = &self.params.services[i].extras.routing else { continue };
            let targets = self.targets(i);
            let view: Vec<Target> = targets
                .iter()
                .map(|d| {
                    let x = &self.params.deps[d.0].extras;
                    Target { weight: x.weight, rank: x.failover, healthy: true }
                })
                .collect();
            let shares = routing::decide(r.policy, &view, r.fail_open);
            for (d, s) in targets.iter().zip(&shares) {
                self.deps[d.0].share = *s;
            }
            let n = targets.len();
            self.states[i].routes = Some(Box::new(RouteState {
                healthy: vec![true; n],
                since: vec![None; n],
                from: shares.clone(),
                to: shares,
                switched: self.now,
            }));
        }
    }

    /// Probes every router's targets, switches on a changed verdict, and
    /// moves the shares clients use along the TTL.
    pub(super) fn route(&mut self) {
        let services = self.params.services;
        for (i, svc) in services.iter().enumerate() {
            let Some(r) = svc.extras.routing.as_deref() else { continue };
            let targets = self.targets(i);
            let Some(mut rs) = self.states[i].routes.take() else { continue };
            let mut changed = false;
            let mut view = Vec::with_capacity(targets.len());
            for (j, d) in targets.iter().enumerate() {
                let callee = self.params.deps[d.0].callee;
                let probe = match r.checker {
                    Some(c) => self.probe_path(c, callee),
                    None => Some(*d),
                };
                let passes = !self.params.deps[d.0].extras.off
                    && probe.is_some_and(|p| self.deps[p.0].partitions == 0 && self.deps[p.0].attempt_success >= 0.5);
                let before = rs.healthy[j];
                rs.healthy[j] = routing::judge(
                    before,
                    passes,
                    &mut rs.since[j],
                    self.now,
                    r.interval,
                    r.unhealthy_threshold,
                    r.healthy_threshold,
                );
                if rs.healthy[j] != before {
                    changed = true;
                    let name = &self.params.services[callee.0].name;
                    let what = if rs.healthy[j] { "healthy again" } else { "judged unhealthy" };
                    self.note(ServiceId(i), format!("target `{name}` {what}"));
                }
                let x = &self.params.deps[d.0].extras;
                view.push(Target { weight: x.weight, rank: x.failover, healthy: rs.healthy[j] });
            }
            if changed {
                rs.from = routing::blend(&rs.from, &rs.to, rs.switched, self.now, r.ttl);
                rs.to = routing::decide(r.policy, &view, r.fail_open);
                rs.switched = self.now;
            }
            let shares = routing::blend(&rs.from, &rs.to, rs.switched, self.now, r.ttl);
            for (d, s) in targets.iter().zip(&shares) {
                self.deps[d.0].share = *s;
            }
            self.states[i].routes = Some(rs);
        }
    }

    /// The checker's call to `target`.
    fn probe_path(&self, checker: ServiceId, target: ServiceId) -> Option<DepId> {
        self.wiring.outgoing[checker.0].iter().copied().find(|d| self.params.deps[d.0].callee == target)
    }
}
