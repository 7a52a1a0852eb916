//! The state of the mechanisms a topology configures (serverless fleets, shedding, breakers, pools), and the engine's hooks into them; one flag skips them all when none is set.

use super::breaker::{Brk, verb};
use super::estimate::through_calls;
use super::partitions::{Parts, call_keys};
use super::pool::Pools;
use super::serverless::{Envs, Grant};
use super::shedding::Shed;
use super::slab::Phase;
use super::{Ev, Sim};
use crate::mechanisms::load;
use crate::model::Model;
use crate::time::SimTime;

/// Per-service and per-call mechanism state; `None` where a mechanism is not configured.
pub struct Mechs {
    pub envs: Vec<Option<Envs>>,
    pub shed: Vec<Option<Shed>>,
    pub breakers: Vec<Option<Brk>>,
    pub pools: Vec<Option<Pools>>,
    /// A partitioned service's buckets; the key shares of each call into one.
    pub parts: Vec<Option<Parts>>,
    pub keys: Vec<Option<Vec<f64>>>,
    /// Services some of whose callers have a priority other than 0.
    pub prio: Vec<bool>,
    /// Routers, by service.
    pub routers: Vec<Option<super::routing::Router>>,
    /// Autoscaling policies, by service.
    pub policies: Vec<Option<super::autoscaling::Policy>>,
    /// Closed-loop clients running per service, and how many are to stop.
    pub clients: Vec<u64>,
    pub retire: Vec<u64>,
    /// Think time of each service's closed-loop clients [µs].
    pub think: Vec<Option<u64>>,
    /// Some service has a serverless fleet, shedding, partitions, a router, autoscaling or a caller with a priority.
    pub services: bool,
    /// Some call has a breaker or a pool.
    pub calls: bool,
    /// Some service has peers, a warm-up or memory: the fleets tend themselves every `tick`.
    pub tend: bool,
    /// Per service, the share of requests failing from memory contention.
    pub mem_error: Vec<f64>,
    /// Per dependency, requests blocked on its full buffer: (request, generation), first come first.
    pub blocked: Vec<std::collections::VecDeque<(u32, u32)>>,
}

impl Mechs {
    pub fn new(model: &Model) -> Mechs {
        let envs: Vec<_> = if model.services.iter().any(|s| s.extras.serverless.is_some()) {
            let outside: Vec<f64> =
                model.services.iter().map(|s| load::rate_at(&s.load.shape, SimTime::ZERO)).collect();
            let rates = through_calls(model, &outside).unwrap_or(outside);
            let envs = model.services.iter().zip(rates);
            envs.map(|(s, rate)| s.extras.serverless.as_ref().map(|sl| Envs::new(sl, rate * s.latency.secs())))
                .collect()
        } else {
            model.services.iter().map(|_| None).collect()
        };
        let shed: Vec<_> = model.services.iter().map(|s| s.extras.shedding.as_ref().map(|h| Shed::new(s, h))).collect();
        let breakers: Vec<_> = model.deps.iter().map(|d| d.extras.breaker.as_deref().map(Brk::new)).collect();
        let pools: Vec<_> = model.deps.iter().map(|d| d.extras.pool.as_deref().map(Pools::new)).collect();
        Mechs {
            services: envs.iter().any(Option::is_some)
                || shed.iter().any(Option::is_some)
                || model.services.iter().any(|s| {
                    let x = &s.extras;
                    x.partitions.is_some() || x.routing.is_some() || x.autoscaling.is_some()
                })
                || model.deps.iter().any(|d| d.priority != 0),
            calls: breakers.iter().any(Option::is_some) || pools.iter().any(Option::is_some),
            envs,
            shed,
            breakers,
            pools,
            parts: model.services.iter().map(|s| s.extras.partitions.map(Parts::new)).collect(),
            keys: call_keys(model),
            prio: (0..model.services.len())
                .map(|s| model.deps.iter().any(|d| d.callee.0 == s && d.priority != 0))
                .collect(),
            routers: super::routing::routers(model),
            policies: super::autoscaling::policies(model),
            clients: vec![0; model.services.len()],
            retire: vec![0; model.services.len()],
            think: model.services.iter().map(|s| super::closed::think_us(&s.load.shape)).collect(),
            tend: model.services.iter().any(|s| s.peers.is_some() || s.warmup.is_some() || s.memory.is_some()),
            mem_error: vec![0.0; model.services.len()],
            blocked: vec![Default::default(); model.deps.len()],
        }
    }
}

impl Sim<'_> {
    /// Request `id` is about to take a worker thread: a serverless service
    /// gives it an environment (cold: it pays the cold start) or throttles it.
    /// Returns whether it goes on.
    pub(super) fn take_env(&mut self, id: u32) -> bool {
        let s = self.reqs.get(id).service as usize;
        let Some(envs) = self.mechs.envs[s].as_mut() else { return true };
        match envs.acquire(self.now) {
            Grant::Warm => true,
            Grant::Cold => {
                self.reqs.get_mut(id).extra_us += envs.cold_us;
                true
            }
            Grant::Throttled => {
                self.finish(id, false);
                false
            }
        }
    }

    /// A request that held a thread at service `s` is done: its environment is idle again.
    pub(super) fn free_env(&mut self, s: usize) {
        if let Some(envs) = self.mechs.envs[s].as_mut() {
            envs.release(self.now);
        }
    }

    /// Instance `i` of `s` goes down with requests `ids` on it: their environments die, their connections go back.
    pub(super) fn mechs_cut(&mut self, s: u32, i: u32, ids: &[u32]) {
        for &id in ids {
            let r = *self.reqs.get(id);
            if r.phase == Phase::Queued {
                continue;
            }
            if let Some(envs) = self.mechs.envs[s as usize].as_mut() {
                envs.lose();
            }
            if r.conn {
                // The instance's waiters go down with it: nobody to hand the connection to.
                self.reqs.get_mut(id).conn = false;
                let d = self.outgoing[s as usize][r.out as usize];
                if let Some(p) = self.mechs.pools[d as usize].as_mut() {
                    p.give_back(i, false);
                }
            }
        }
    }

    /// Instance `i` of `s` restarts: its pools are full again.
    pub(super) fn mechs_restart(&mut self, s: u32, i: u32) {
        for k in 0..self.outgoing[s as usize].len() {
            let d = self.outgoing[s as usize][k] as usize;
            if let Some(p) = self.mechs.pools[d].as_mut() {
                p.reset(i);
            }
        }
    }

    /// Before attempt `epoch` of request `id` along `d` is sent: its breaker
    /// may fail it at once, its pool may make it wait. Returns whether to send it now.
    pub(super) fn gate(&mut self, id: u32, d: u32, epoch: u32) -> bool {
        if let Some(b) = self.mechs.breakers[d as usize].as_mut() {
            let (go, moved) = b.admit(self.now);
            if let Some(state) = moved {
                self.note_breaker(d, verb(state));
            }
            if !go {
                self.reqs.get_mut(id).epoch = epoch.wrapping_add(1);
                self.attempt_over(id, false, false);
                return false;
            }
        }
        let i = self.reqs.get(id).instance;
        if let Some(p) = self.mechs.pools[d as usize].as_mut() {
            if !p.take(i, id, epoch) {
                let wait = p.wait_us;
                self.at(self.now + wait, Ev::PoolWait(id, epoch, d));
                return false;
            }
            self.reqs.get_mut(id).conn = true;
        }
        true
    }

    /// Attempt of request `id` along `d` is over (`ok` or not): its breaker counts it, its connection goes back.
    pub(super) fn attempt_done(&mut self, id: u32, d: u32, ok: bool) {
        if let Some(b) = self.mechs.breakers[d as usize].as_mut()
            && let Some(state) = b.record(self.now, ok)
        {
            self.note_breaker(d, verb(state));
        }
        let r = self.reqs.get_mut(id);
        if r.conn {
            r.conn = false;
            let i = r.instance;
            if let Some(p) = self.mechs.pools[d as usize].as_mut() {
                p.give_back(i, !ok);
            }
            self.grant_next(d, i);
        }
    }

    /// Hands a free connection of instance `i`'s pool for `d` to the oldest
    /// live waiter, which holds it from now and sends through an event now
    /// (so a callee that answers at once never recurses through the waiters).
    fn grant_next(&mut self, d: u32, i: u32) {
        loop {
            let Some(p) = self.mechs.pools[d as usize].as_mut() else { return };
            let Some((id, epoch)) = p.next_waiter(i) else { return };
            let r = self.reqs.get_mut(id);
            if r.epoch == epoch && r.phase == Phase::Calling && !r.conn {
                p.hand_over(i);
                r.conn = true;
                self.at(self.now, Ev::PoolGrant(id, epoch, d));
                return;
            }
        }
    }

    /// The connection handed to request `id` reaches it: the attempt is sent.
    /// (Had the request ended meanwhile, its end gave the connection back.)
    pub(super) fn pool_grant(&mut self, id: u32, epoch: u32, d: u32) {
        let r = self.reqs.get(id);
        if r.epoch == epoch && r.phase == Phase::Calling && r.conn {
            self.send(id, d, epoch);
        }
    }

    /// Request `id` waited `acquire-timeout` for a connection along `d`: the attempt fails.
    pub(super) fn pool_wait_over(&mut self, id: u32, epoch: u32, d: u32) {
        let r = *self.reqs.get(id);
        if r.epoch != epoch || r.phase != Phase::Calling || r.conn {
            return;
        }
        let i = r.instance;
        if let Some(p) = self.mechs.pools[d as usize].as_mut() {
            p.forget(i, id, epoch);
        }
        self.reqs.get_mut(id).epoch = epoch.wrapping_add(1);
        self.attempt_over(id, false, false);
    }

    /// Request `id` ends while holding a connection (cancelled, or its instance went down): the connection goes back.
    pub(super) fn drop_conn(&mut self, id: u32) {
        let r = self.reqs.get_mut(id);
        if !r.conn || r.phase != Phase::Calling {
            return;
        }
        r.conn = false;
        let (s, i, out) = (r.service as usize, r.instance, r.out as usize);
        let d = self.outgoing[s][out];
        if let Some(p) = self.mechs.pools[d as usize].as_mut() {
            p.give_back(i, false);
        }
        self.grant_next(d, i);
    }

    fn note_breaker(&mut self, d: u32, what: &str) {
        let dep = &self.model.deps[d as usize];
        let callee = &self.model.services[dep.callee.0].name;
        let text = format!("circuit breaker to `{callee}` {what}");
        self.note(dep.caller.0 as u32, text);
    }
}
