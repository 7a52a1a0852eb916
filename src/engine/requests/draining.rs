//! Connection draining in requests mode: an instance leaving rotation finishes its requests for up to the deregistration delay; those still running then are cut.

use super::{Ev, Inst, Life, Sim};
use rand::RngExt;

impl Sim<'_> {
    /// Instance `i` of `s` leaves rotation to restart now. With `draining`,
    /// the requests it holds (queued ones included) stay with its old process,
    /// which keeps working on them out of rotation until they are done or the
    /// delay is over, whichever comes first, while the instance boots anew
    /// beside it (as a blue/green swap does).
    pub(super) fn leave(&mut self, s: u32, i: u32) {
        let delay = self.model.services[s as usize].extras.draining.as_ref().map(|d| d.delay);
        let svc = &mut self.svcs[s as usize];
        let Some(delay) = delay.filter(|_| svc.insts[i as usize].life == Life::Serving) else {
            self.restart(s, i);
            return;
        };
        let old = &mut svc.insts[i as usize];
        let mut ghost = Inst::new(Life::Draining);
        ghost.in_rotation = false;
        ghost.own = old.own;
        ghost.own.hit = 0;
        ghost.own.next = None;
        ghost.own.rolled = 0;
        ghost.busy = std::mem::take(&mut old.busy);
        ghost.cpu_busy = std::mem::take(&mut old.cpu_busy);
        ghost.queue = std::mem::take(&mut old.queue);
        ghost.cpu_queue = std::mem::take(&mut old.cpu_queue);
        // An old process that is gone lends its place (its timers are stale by their generation).
        let g = match svc.insts.iter().position(|k| k.life == Life::Gone) {
            Some(g) => {
                ghost.epoch = svc.insts[g].epoch + 1;
                svc.insts[g] = ghost;
                g as u32
            }
            None => {
                svc.insts.push(ghost);
                svc.insts.len() as u32 - 1
            }
        };
        let epoch = svc.insts[g as usize].epoch;
        for id in self.reqs.on_instance(s, i) {
            self.reqs.get_mut(id).instance = g;
        }
        self.restart(s, i);
        if !self.check_drained(s, g) {
            self.at(self.now + super::us(delay), Ev::Drained(s, g, epoch));
        }
    }

    /// The deregistration delay of draining process `g` of `s` is over: what still runs is cut.
    pub(super) fn drained(&mut self, s: u32, g: u32, epoch: u32) {
        let inst = &self.svcs[s as usize].insts[g as usize];
        if inst.epoch == epoch && inst.life == Life::Draining {
            self.gone(s, g);
        }
    }

    /// A draining process holding no request is gone; returns whether it was.
    pub(super) fn check_drained(&mut self, s: u32, g: u32) -> bool {
        let inst = &self.svcs[s as usize].insts[g as usize];
        let empty = inst.life == Life::Draining && inst.busy == 0 && inst.queue.is_empty();
        if empty {
            self.gone(s, g);
        }
        empty
    }

    fn gone(&mut self, s: u32, g: u32) {
        let inst = &mut self.svcs[s as usize].insts[g as usize];
        inst.life = Life::Gone;
        inst.epoch += 1;
        self.cut(s, g);
    }

    /// Extra time a request at service `s` takes because it is one of the
    /// service's long requests (`draining.long-fraction`), whose whole own
    /// work then lasts `long-latency` [µs]. Draws only when there are long requests.
    pub(super) fn long_extra_us(&mut self, s: usize, own_us: u64) -> u64 {
        let Some(d) = &self.model.services[s].extras.draining else { return 0 };
        if d.long_fraction <= 0.0 || self.rng.random::<f64>() >= d.long_fraction {
            return 0;
        }
        super::us(d.long_latency).saturating_sub(own_us)
    }
}
