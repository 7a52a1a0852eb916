//! The fleets' lifecycle at each tick: start-ups ending, peer learning, cache warm-up and health probes.

use super::Sim;
use super::fleet::{self, Phase};
use crate::mechanisms::{health, peers, warmup};
use crate::model::ServiceId;
use crate::model::dist::{Later, draw, standard_normal};

impl Sim<'_> {
    /// Health probes on every fleet that has them, once per tick.
    pub(super) fn health_checks(&mut self) {
        for i in 0..self.states.len() {
            let svc = &self.params.services[i];
            let Some(hc) = &svc.health else { continue };
            let st = &mut self.states[i];
            let replace = svc.replace_failed.then(|| draw(svc.startup_dist.as_ref(), svc.startup, &mut self.rng));
            let interval = draw(hc.interval_dist.as_ref(), hc.interval, &mut self.rng);
            let p = st.profile;
            let (n, slowed) = st
                .fleet
                .cohorts()
                .iter()
                .filter(|k| k.phase == Phase::Serving && k.in_rotation)
                .fold((0.0, 0.0), |(n, l), k| (n + k.count as f64, l + k.count as f64 * k.fault.latency_s));
            let base_hold = p.hold_s - if n > 0.0 { slowed / n } else { 0.0 };
            let error = st.rates.error;
            let ok = |k: &fleet::Cohort| health::instance_passes(hc, k.fault.latency_s, p.wait_s, base_hold, error);
            let moves = health::probe_each(&mut st.fleet, hc, interval, self.now, ok, replace);
            self.stirred |= moves.stirred;
            if moves.removed > 0 {
                self.note(ServiceId(i), format!("health checks removed {} instance(s)", moves.removed));
            }
            if moves.returned > 0 {
                self.note(ServiceId(i), format!("{} instance(s) back in rotation", moves.returned));
            }
            if moves.replaced > 0 {
                self.note(ServiceId(i), format!("{} crashed instance(s) replaced", moves.replaced));
            }
        }
    }

    /// Start-ups ending, per-peer learning and cache warm-up, once per tick:
    /// instances become ready at the first tick after their start-up.
    pub(super) fn lifecycle(&mut self) {
        let step = self.model.tick;
        for i in 0..self.states.len() {
            let svc = &self.params.services[i];
            let st = &mut self.states[i];
            let need = warmup::build_work_later(svc, &mut self.rng);
            st.fleet.promote_ready_with(self.now, || need.map(|w| w.secs()));
            self.stirred |= st.fleet.is_dirty();
            st.fleet.tidy();
            if svc.load.noise > 0.0 {
                st.load_factor = (1.0 + svc.load.noise * standard_normal(&mut self.rng)).max(0.0);
            }
            if let Some(p) = &svc.peers {
                let learned = peers::learn(&mut st.fleet, p, svc.threads, svc.os_thread_limit, self.now, step);
                if learned.broke > 0 {
                    let what = format!(
                        "{} instance(s) need more threads than the OS limit: cache rebuilds fail",
                        learned.broke
                    );
                    self.note(ServiceId(i), what);
                }
            }
            let svc = &self.params.services[i];
            let st = &mut self.states[i];
            if let Some(w) = &svc.warmup {
                let startup = Later::take(svc.startup_dist.as_ref(), svc.startup, &mut self.rng);
                let warmed = warmup::warm(&mut st.fleet, w, self.now, step, || startup.span());
                st.warm_load = warmed.peer_load;
                if warmed.failed > 0 {
                    let what = format!("{} warming instance(s) missed the deadline and restart", warmed.failed);
                    self.note(ServiceId(i), what);
                }
            }
        }
    }
}
