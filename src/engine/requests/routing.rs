//! Routers in requests mode: each request goes to one sync target, drawn by the shares clients use; probes judge the targets' health and the shares follow after the TTL.

use super::{Ev, Life, Sim};
use crate::engine::state::RouteState;
use crate::mechanisms::routing::{self, Target};
use crate::model::{DepKind, Model, ServiceId};
use rand::RngExt;

/// A router: its sync targets (dependency ids), their probe paths, its verdicts and the shares in use.
#[derive(Debug, Clone)]
pub struct Router {
    pub targets: Vec<u32>,
    /// The call whose path each target's probe takes (the checker's, or the router's own).
    probes: Vec<Option<u32>>,
    state: RouteState,
    /// The shares clients use now, refreshed at every probe round and step.
    pub shares: Vec<f64>,
}

/// Every router of `model`, with every target healthy.
pub fn routers(model: &Model) -> Vec<Option<Router>> {
    (0..model.services.len())
        .map(|s| {
            let r = model.services[s].extras.routing.as_ref()?;
            let targets: Vec<u32> = (0..model.deps.len() as u32)
                .filter(|&d| {
                    let dep = &model.deps[d as usize];
                    dep.caller.0 == s && dep.kind == DepKind::Sync
                })
                .collect();
            let probes = targets
                .iter()
                .map(|&d| {
                    let callee = model.deps[d as usize].callee;
                    match r.checker {
                        Some(c) => {
                            model.deps.iter().position(|p| p.caller == c && p.callee == callee).map(|p| p as u32)
                        }
                        None => Some(d),
                    }
                })
                .collect();
            let shares = routing::decide(r.policy, &view(model, &targets, &vec![true; targets.len()]), r.fail_open);
            let state = RouteState {
                healthy: vec![true; targets.len()],
                since: vec![None; targets.len()],
                from: shares.clone(),
                to: shares.clone(),
                switched: crate::time::SimTime::ZERO,
            };
            Some(Router { targets, probes, state, shares })
        })
        .collect()
}

fn view(model: &Model, targets: &[u32], healthy: &[bool]) -> Vec<Target> {
    targets
        .iter()
        .zip(healthy)
        .map(|(&d, &h)| {
            let x = &model.deps[d as usize].extras;
            Target { weight: x.weight, rank: x.failover, healthy: h }
        })
        .collect()
}

/// The target a uniform draw `u` in `0..1` picks by `shares`; `None` when no target has a share.
pub fn pick(shares: &[f64], u: f64) -> Option<usize> {
    let total: f64 = shares.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut acc = 0.0;
    for (j, s) in shares.iter().enumerate() {
        acc += s / total;
        if u < acc && *s > 0.0 {
            return Some(j);
        }
    }
    shares.iter().rposition(|&s| s > 0.0)
}

impl Sim<'_> {
    /// Starts every router's probe rounds.
    pub(super) fn start_routers(&mut self) {
        for s in 0..self.svcs.len() {
            if let Some(r) = &self.model.services[s].extras.routing {
                self.at(super::us(r.interval).max(1), Ev::Route(s as u32));
            }
        }
    }

    /// Request `id` at router `s` is about to call along sync dependency `d`:
    /// does it? Each request calls one target, drawn at its first sync call.
    pub(super) fn routes_to(&mut self, id: u32, s: usize, d: u32) -> Option<bool> {
        let router = self.mechs.routers[s].as_ref()?;
        let j = router.targets.iter().position(|&t| t == d)?;
        if self.reqs.get(id).pick == u16::MAX {
            let u = self.rng.random::<f64>();
            let router = self.mechs.routers[s].as_ref()?;
            let picked = pick(&router.shares, u).map_or(u16::MAX - 1, |p| p as u16);
            self.reqs.get_mut(id).pick = picked;
        }
        Some(self.reqs.get(id).pick as usize == j)
    }

    /// Whether request `id` at a router found no target to route to.
    pub(super) fn unroutable(&self, id: u32) -> bool {
        self.reqs.get(id).pick == u16::MAX - 1
    }

    /// A probe round at router `s`: each target's probe passes when its path
    /// is not partitioned and its service answered at least half its requests
    /// in the last step with an instance in rotation; verdicts flip after the
    /// thresholds, and a change reaches clients over the TTL.
    pub(super) fn route_round(&mut self, s: u32) {
        let model = self.model;
        let Some(cfg) = model.services[s as usize].extras.routing.as_deref() else { return };
        let Some(mut router) = self.mechs.routers[s as usize].take() else { return };
        let now = self.now_ms();
        let mut changed = false;
        for j in 0..router.targets.len() {
            let d = router.targets[j] as usize;
            let callee = self.model.deps[d].callee.0;
            let path_open = router.probes[j].is_some_and(|p| self.deps[p as usize].partitions == 0);
            let svc = &self.svcs[callee];
            let serving = svc.rotation.iter().any(|&i| svc.insts[i as usize].life == Life::Serving);
            let answered = self.samples[callee].last().is_none_or(|x| x.availability >= 0.5);
            let passes = !self.model.deps[d].extras.off && path_open && serving && answered;
            let before = router.state.healthy[j];
            let after = routing::judge(
                before,
                passes,
                &mut router.state.since[j],
                now,
                cfg.interval,
                cfg.unhealthy_threshold,
                cfg.healthy_threshold,
            );
            router.state.healthy[j] = after;
            if after != before {
                changed = true;
                let name = &self.model.services[callee].name;
                let what = if after { "healthy again" } else { "judged unhealthy" };
                self.log.push(crate::engine::result::LogEntry {
                    at: now,
                    service: Some(ServiceId(s as usize)),
                    what: format!("target `{name}` {what}"),
                    scheduled: false,
                });
            }
        }
        let st = &mut router.state;
        if changed {
            st.from = routing::blend(&st.from, &st.to, st.switched, now, cfg.ttl);
            st.to = routing::decide(cfg.policy, &view(self.model, &router.targets, &st.healthy), cfg.fail_open);
            st.switched = now;
        }
        router.shares = routing::blend(&st.from, &st.to, st.switched, now, cfg.ttl);
        self.mechs.routers[s as usize] = Some(router);
        self.at(self.now + super::us(cfg.interval).max(1), Ev::Route(s));
    }

    /// At a step's end the shares clients use move on along the TTL.
    pub(super) fn refresh_shares(&mut self) {
        let now = self.now_ms();
        for s in 0..self.svcs.len() {
            let Some(cfg) = &self.model.services[s].extras.routing else { continue };
            if let Some(r) = self.mechs.routers[s].as_mut() {
                r.shares = routing::blend(&r.state.from, &r.state.to, r.state.switched, now, cfg.ttl);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draw_picks_by_share() {
        let shares = [0.75, 0.0, 0.25];
        assert_eq!(pick(&shares, 0.1), Some(0));
        assert_eq!(pick(&shares, 0.8), Some(2));
        assert_eq!(pick(&shares, 0.999_999), Some(2));
        assert_eq!(pick(&[0.0, 0.0], 0.5), None);
        assert_eq!(pick(&[0.0, 1.0], 0.0), Some(1));
    }
}
