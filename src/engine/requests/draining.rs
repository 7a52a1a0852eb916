//! Connection draining in requests mode: an instance leaving rotation finishes its requests for up to the deregistration delay; those still running then are cut.

use super::{Ev, Life, Sim};
use rand::RngExt;

impl Sim<'_> {
    /// Instance `i` of `s` leaves rotation to restart. With `draining`, a
    /// serving instance keeps working on the requests it holds (queued ones
    /// included) and restarts once they are done or the delay is over,
    /// whichever comes first; without it, it restarts at once.
    pub(super) fn leave(&mut self, s: u32, i: u32) {
        let delay = self.model.services[s as usize].extras.draining.as_ref().map(|d| d.delay);
        let inst = &mut self.svcs[s as usize].insts[i as usize];
        let Some(delay) = delay.filter(|_| inst.life == Life::Serving) else {
            self.restart(s, i);
            return;
        };
        inst.life = Life::Draining;
        inst.in_rotation = false;
        inst.epoch += 1;
        inst.fails = 0;
        inst.passes = 0;
        let epoch = inst.epoch;
        self.rotate(s);
        if !self.check_drained(s, i) {
            self.at(self.now + super::us(delay), Ev::Drained(s, i, epoch));
        }
    }

    /// The deregistration delay of instance `i` of `s` (in its generation `epoch`) is over: what still runs is cut.
    pub(super) fn drained(&mut self, s: u32, i: u32, epoch: u32) {
        let inst = &self.svcs[s as usize].insts[i as usize];
        if inst.epoch == epoch && inst.life == Life::Draining {
            self.restart(s, i);
        }
    }

    /// A draining instance holding no request restarts now; returns whether it did.
    pub(super) fn check_drained(&mut self, s: u32, i: u32) -> bool {
        let inst = &self.svcs[s as usize].insts[i as usize];
        let empty = inst.life == Life::Draining && inst.busy == 0 && inst.queue.is_empty();
        if empty {
            self.restart(s, i);
        }
        empty
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
