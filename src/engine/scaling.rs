//! Autoscaling policies at each tick: observe, decide, launch or remove; stall when their metrics are missing.

use super::Sim;
use crate::mechanisms::autoscaling::{self, Observed};
use crate::mechanisms::control;
use crate::model::{DepKind, ServiceId};

impl Sim<'_> {
    /// Runs every service's autoscaling policy once.
    pub(super) fn autoscale(&mut self) {
        let services = self.params.services;
        for (i, svc) in services.iter().enumerate() {
            let Some(a) = svc.extras.autoscaling.as_deref() else { continue };
            if let Some(m) = a.metrics {
                let dep = self.wiring.outgoing[i].iter().copied().find(|d| {
                    let dep = &self.params.deps[d.0];
                    dep.callee == m && matches!(dep.kind, DepKind::Control(_))
                });
                let working = dep.is_some_and(|d| match &self.params.deps[d.0].kind {
                    DepKind::Control(c) => {
                        let ds = &self.deps[d.0];
                        control::effectiveness(c, ds.attempt_success, ds.short_since, self.now) >= 0.5
                    }
                    _ => true,
                });
                if !working {
                    if !self.states[i].scaling_stalled {
                        self.states[i].scaling_stalled = true;
                        let name = self.params.services[m.0].name.clone();
                        self.note(ServiceId(i), format!("autoscaling stalls: no metrics from `{name}`"));
                    }
                    continue;
                }
                self.states[i].scaling_stalled = false;
            }
            let st = &self.states[i];
            let census = st.fleet.census();
            let seen = Observed {
                serving: census.serving,
                total: census.total,
                offered: st.rates.offered,
                capacity: st.rates.capacity,
                queue: st.queue,
            };
            let change = autoscaling::decide(a, &seen, self.now, st.last_scale_out, st.last_scale_in);
            if change > 0 {
                let startup = self.startup(ServiceId(i));
                let st = &mut self.states[i];
                st.fleet.launch(change as u32, self.now, startup);
                st.last_scale_out = Some(self.now);
                self.note(ServiceId(i), format!("autoscaling launches {change} instance(s)"));
            } else if change < 0 {
                let st = &mut self.states[i];
                let n = st.fleet.remove((-change) as u32);
                st.last_scale_in = Some(self.now);
                self.note(ServiceId(i), format!("autoscaling removes {n} instance(s)"));
            }
        }
    }
}
