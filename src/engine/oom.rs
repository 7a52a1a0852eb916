//! The out-of-memory killer at each step: instances past their hard memory limit restart.

use super::Sim;
use super::fleet::Phase;
use crate::mechanisms::oom;
use crate::model::{DepKind, ServiceId};

impl Sim<'_> {
    /// Kills and restarts the running instances of every service whose
    /// per-instance memory (base plus buffered calls) is past its hard limit;
    /// their buffered calls are lost.
    pub(super) fn kill_out_of_memory(&mut self) {
        let (services, deps) = (self.params.services, self.params.deps);
        for (i, svc) in services.iter().enumerate() {
            let Some(memory) = svc.memory.as_deref() else { continue };
            if memory.hard_limit_mb.is_none() {
                continue;
            }
            let total = self.states[i].fleet.census().total;
            let instances = total.max(1) as f64;
            let of_this = move |&d: &usize| deps[d].caller.0 == i;
            let buffered_mb: f64 = self
                .params
                .buffered
                .iter()
                .copied()
                .filter(of_this)
                .map(|d| match &deps[d].kind {
                    DepKind::Buffered(b) => self.deps[d].held / instances * b.item_mb,
                    _ => 0.0,
                })
                .sum();
            if !oom::killed(memory, memory.base_mb + buffered_mb) {
                continue;
            }
            let startup = self.startup(ServiceId(i));
            let running = |k: &super::fleet::Cohort| matches!(k.phase, Phase::Serving | Phase::Warming { .. });
            let killed = self.states[i].fleet.restart(u32::MAX, self.now, startup, running, |_| {});
            // Only once instances are killed: the calls buffered by this service.
            for d in self.params.buffered.iter().copied().filter(of_this) {
                self.deps[d].held = oom::surviving_backlog(self.deps[d].held, killed, total);
            }
            if killed > 0 {
                let what = format!("{killed} instance(s) passed the hard memory limit: killed, restarting");
                self.note(ServiceId(i), what);
            }
        }
    }
}
