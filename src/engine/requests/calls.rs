//! A request's outgoing calls: synchronous calls with timeouts and retries as timers, buffered writes and control data.

use super::slab::{NONE, Origin, Phase};
use super::{Ev, Sim};
use crate::mechanisms::{control, retries};
use crate::model::{DepKind, WhenFull};
use rand::RngExt;

impl Sim<'_> {
    /// How many calls a request makes along a dependency: the integer part of
    /// `per_request`, plus one more with the chance of its fraction.
    fn call_count(&mut self, per_request: f64) -> u32 {
        // `per_request` is not negative, so the cast truncates as `floor` would, without a call into libm.
        let whole = per_request as u32;
        let frac = per_request - f64::from(whole);
        whole + (frac > 0.0 && self.rng.random::<f64>() < frac) as u32
    }

    /// Makes request `id`'s next call, or answers it when none is left.
    pub(super) fn next_call(&mut self, id: u32) {
        let s = self.reqs.get(id).service as usize;
        loop {
            let (out, left) = {
                let r = self.reqs.get(id);
                (r.out as usize, r.left)
            };
            let Some(&d) = self.outgoing[s].get(out) else {
                // Its calls made (its buffered data written), memory contention may still fail it.
                let ok = !self.memory_fails(s as u32);
                self.finish(id, ok);
                return;
            };
            let dep = &self.model.deps[d as usize];
            let mut left = match left {
                // A call a scenario `set` switched off is not made.
                u32::MAX if dep.extras.off => 0,
                u32::MAX => self.call_count(dep.per_request),
                left => left,
            };
            if self.mechs.services && left > 0 && self.mechs.routers[s].is_some() {
                if self.routes_to(id, s, d) == Some(false) {
                    left = 0;
                }
                if self.unroutable(id) {
                    self.finish(id, false);
                    return;
                }
            }
            if left == 0 {
                let r = self.reqs.get_mut(id);
                r.out += 1;
                r.left = u32::MAX;
                continue;
            }
            match &dep.kind {
                DepKind::Sync => {
                    let r = self.reqs.get_mut(id);
                    r.left = left;
                    r.attempt = 0;
                    self.deps[d as usize].firsts_step += 1;
                    if let Some(b) = dep.retries.budget {
                        let cap = 10.0 + b * self.deps[d as usize].firsts_last as f64;
                        self.deps[d as usize].tokens = retries::earn(self.deps[d as usize].tokens, b, cap);
                    }
                    self.limit_send(id, d);
                    return;
                }
                DepKind::Buffered(_) => {
                    if !self.buffer(id, d, left) {
                        // Blocked on a full buffer: it goes on once there is room.
                        return;
                    }
                }
                DepKind::Control(_) => self.send_control(d, left),
            }
            let r = self.reqs.get_mut(id);
            r.out += 1;
            r.left = u32::MAX;
        }
    }

    /// Makes one attempt of request `id`'s call along `d`: through its breaker and pool, if any, then sent.
    pub(super) fn attempt(&mut self, id: u32, d: u32) {
        let epoch = {
            let r = self.reqs.get_mut(id);
            r.epoch = r.epoch.wrapping_add(1);
            r.child = NONE;
            r.client = false;
            r.epoch
        };
        if self.mechs.calls && !self.gate(id, d, epoch) {
            return;
        }
        self.send(id, d, epoch);
    }

    /// Sends attempt `epoch` of request `id` along `d`, with its timeout as a timer.
    pub(super) fn send(&mut self, id: u32, d: u32, epoch: u32) {
        let dep = &self.model.deps[d as usize];
        let deadline = self.now.saturating_add(super::us(dep.timeout));
        // A deadline past the run's end never fires: no timer (the order of other events is unchanged).
        if deadline <= self.end {
            let seq = self.queue.reserve();
            if let Some(due) = self.timers.arm(id, epoch, d, deadline, seq) {
                self.queue.push_reserved(crate::time::SimTime(due.at), due.seq, Ev::Timer(d));
            }
        }
        if self.deps[d as usize].partitions > 0 {
            // The call hangs until the timeout.
            return;
        }
        let child = self.arrive(dep.callee.0 as u32, Origin::Call(d), id, epoch);
        // The callee may have answered (refused) at once.
        let r = self.reqs.get_mut(id);
        if r.epoch == epoch && r.phase == Phase::Calling {
            r.child = child;
        }
    }

    /// Child `child` of request `id` (which waited with generation `epoch`) is answered.
    pub(super) fn call_done(&mut self, id: u32, epoch: u32, child: u32, ok: bool) {
        let r = self.reqs.get_mut(id);
        if r.epoch != epoch || r.phase != Phase::Calling || (r.child != NONE && r.child != child) {
            return;
        }
        r.epoch = r.epoch.wrapping_add(1);
        r.child = NONE;
        self.timers.disarm(id);
        if self.mechs.calls {
            let d = self.outgoing[r.service as usize][r.out as usize];
            self.attempt_done(id, d, ok);
        }
        self.attempt_over(id, ok, false);
    }

    /// A call's timeout fires: the caller stops waiting; the callee goes on unless the call cancels.
    pub(super) fn timeout(&mut self, id: u32, epoch: u32) {
        let r = *self.reqs.get(id);
        if r.epoch != epoch || r.phase != Phase::Calling {
            return;
        }
        let d = self.outgoing[r.service as usize][r.out as usize];
        if matches!(self.model.deps[d as usize].kind, DepKind::Buffered(_)) {
            self.block_timed_out(id, d);
            return;
        }
        self.reqs.get_mut(id).epoch = r.epoch.wrapping_add(1);
        if r.child != NONE {
            let d = self.outgoing[r.service as usize][r.out as usize];
            let c = self.reqs.get_mut(r.child);
            c.parent = NONE;
            if !c.counted {
                c.counted = true;
                let callee = c.service as usize;
                self.svcs[callee].stats.failed();
            }
            if self.model.deps[d as usize].cancel_on_timeout {
                self.cancel(r.child);
            }
        }
        self.reqs.get_mut(id).child = NONE;
        if self.mechs.calls {
            let d = self.outgoing[r.service as usize][r.out as usize];
            self.attempt_done(id, d, false);
        }
        self.attempt_over(id, false, true);
    }

    /// Cancels request `id` and, through it, the call it waits on.
    fn cancel(&mut self, id: u32) {
        let r = *self.reqs.get(id);
        if r.phase == Phase::Free {
            return;
        }
        if r.phase == Phase::Queued {
            self.svcs[r.service as usize].insts[r.instance as usize].queue.retain(|&q| q != id);
        }
        if r.child != NONE && r.phase == Phase::Calling {
            let c = self.reqs.get_mut(r.child);
            c.parent = NONE;
            self.cancel(r.child);
        }
        self.reqs.get_mut(id).counted = true;
        self.finish(id, false);
    }

    /// The current attempt of request `id` succeeded or failed: go on, retry, fall back or fail.
    pub(super) fn attempt_over(&mut self, id: u32, ok: bool, timed_out: bool) {
        let r = *self.reqs.get(id);
        let d = self.outgoing[r.service as usize][r.out as usize];
        self.sdk_answer(d, r.attempt, ok, !ok && !timed_out && !r.client);
        let dep = &self.model.deps[d as usize];
        if !ok && !r.client && r.attempt < dep.retries.max {
            let (go, tokens) = retries::spend(self.deps[d as usize].tokens, dep.retries.budget);
            self.deps[d as usize].tokens = tokens;
            if go && self.sdk_may_retry(d, timed_out) {
                let k = r.attempt + 1;
                let wait = retries::wait_s(&dep.retries, k, self.rng.random::<f64>());
                let wait_us = super::round_u64(wait * 1e6);
                let rr = self.reqs.get_mut(id);
                rr.attempt = k;
                if wait_us == 0 {
                    self.limit_send(id, d);
                } else {
                    let epoch = rr.epoch;
                    self.at(self.now + wait_us, Ev::Retry(id, epoch));
                }
                return;
            }
        }
        if !ok && !dep.fallback {
            self.finish(id, false);
            return;
        }
        let rr = self.reqs.get_mut(id);
        rr.left -= 1;
        if rr.left == 0 {
            rr.out += 1;
            rr.left = u32::MAX;
        }
        self.next_call(id);
    }

    pub(super) fn retry(&mut self, id: u32, epoch: u32) {
        let r = *self.reqs.get(id);
        if r.epoch != epoch || r.phase != Phase::Calling {
            return;
        }
        let d = self.outgoing[r.service as usize][r.out as usize];
        self.limit_send(id, d);
    }

    /// Request `id` puts `n` calls in dependency `d`'s buffers; returns false
    /// when a full buffer that blocks makes it wait for room.
    fn buffer(&mut self, id: u32, d: u32, n: u32) -> bool {
        let dep = &self.model.deps[d as usize];
        let DepKind::Buffered(b) = &dep.kind else { return true };
        let instances = self.live_instances(dep.caller.0);
        let room = crate::mechanisms::buffer::capacity(b, instances) - self.deps[d as usize].held;
        let policy = self.when_full(id, d);
        let fits = match policy {
            WhenFull::Grow => n as f64,
            _ => room.floor().clamp(0.0, n as f64),
        };
        let ds = &mut self.deps[d as usize];
        ds.held += fits;
        let blocked = policy == WhenFull::Block && fits < n as f64;
        if !blocked {
            ds.dropped += (n as f64 - fits) as u64;
        }
        if !ds.draining && ds.held >= 1.0 {
            ds.draining = true;
            let every = self.drain_every(d);
            self.at(self.now + every, Ev::Drain(d));
        }
        if blocked {
            self.block(id, d, n - fits as u32);
        }
        !blocked
    }

    pub(super) fn live_instances(&self, s: usize) -> f64 {
        self.svcs[s].insts.iter().filter(|i| i.life != super::Life::Gone).count().max(1) as f64
    }

    /// Time between two flushes of dependency `d`'s buffers, across the caller fleet [µs].
    fn drain_every(&self, d: u32) -> u64 {
        let dep = &self.model.deps[d as usize];
        let DepKind::Buffered(b) = &dep.kind else { return u64::MAX / 4 };
        let rate = b.drain * self.live_instances(dep.caller.0);
        super::round_u64(1e6 / rate.max(1e-9)).max(1)
    }

    /// Flushes one buffered call of dependency `d`.
    pub(super) fn drain(&mut self, d: u32) {
        let ds = &mut self.deps[d as usize];
        if ds.held < 1.0 {
            ds.draining = false;
            return;
        }
        ds.held -= 1.0;
        let callee = self.model.deps[d as usize].callee.0 as u32;
        if ds.partitions > 0 {
            ds.held += 1.0;
        } else {
            if !self.mechs.blocked[d as usize].is_empty() {
                self.unblock(d);
            }
            self.arrive(callee, Origin::Buffer(d), NONE, 0);
        }
        let every = self.drain_every(d);
        self.at(self.now + every, Ev::Drain(d));
    }

    /// A flushed call was answered; a failed one goes back into the buffer.
    pub(super) fn flushed(&mut self, d: u32, ok: bool) {
        if !ok {
            let ds = &mut self.deps[d as usize];
            ds.held += 1.0;
            if !ds.draining {
                ds.draining = true;
                let every = self.drain_every(d);
                self.at(self.now + every, Ev::Drain(d));
            }
        }
    }

    /// Sends `n` control-data calls along `d`.
    fn send_control(&mut self, d: u32, n: u32) {
        let callee = self.model.deps[d as usize].callee.0 as u32;
        for _ in 0..n {
            self.deps[d as usize].sent += 1;
            if self.deps[d as usize].partitions == 0 {
                self.arrive(callee, Origin::Control(d), NONE, 0);
            }
        }
    }

    /// A request of service `s` whose control loop lacks data fails, but the
    /// loop still asks for its data, so it sees the data come back.
    pub(super) fn control_short(&mut self, s: u32) {
        for k in 0..self.outgoing[s as usize].len() {
            let d = self.outgoing[s as usize][k];
            let dep = &self.model.deps[d as usize];
            if matches!(dep.kind, DepKind::Control(_)) && !dep.extras.off {
                let n = self.call_count(dep.per_request);
                self.send_control(d, n);
            }
        }
    }

    /// Does the control loop of service `s` get its work done for this request?
    pub(super) fn control_allows(&mut self, s: u32) -> bool {
        let mut p = 1.0;
        for &d in &self.outgoing[s as usize] {
            if let DepKind::Control(c) = &self.model.deps[d as usize].kind {
                let ds = &self.deps[d as usize];
                p *= control::effectiveness(c, ds.data, ds.short_since, self.now_ms());
            }
        }
        p >= 1.0 || self.rng.random::<f64>() < p
    }

    /// At a step's end, each control loop sees the share of its data that arrived.
    pub(super) fn close_control_step(&mut self) {
        let now = self.now_ms();
        for (d, dep) in self.model.deps.iter().enumerate() {
            let DepKind::Control(c) = &dep.kind else { continue };
            let ds = &mut self.deps[d];
            ds.data = if ds.sent > 0 { ds.delivered as f64 / ds.sent as f64 } else { ds.data };
            ds.sent = 0;
            ds.delivered = 0;
            if ds.data >= c.need {
                ds.short_since = None;
            } else if ds.short_since.is_none() {
                ds.short_since = Some(now);
            }
        }
    }
}
