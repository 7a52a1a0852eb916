//! The AWS SDK retry modes per request: the retry quota taken and refunded, and the adaptive rate limiter's send tokens.

use super::slab::Phase;
use super::{Ev, Sim};
use crate::mechanisms::retry_modes;

impl Sim<'_> {
    /// Sends an attempt of request `id` along `d` now, or queues it for the
    /// adaptive limiter's next send token.
    pub(super) fn limit_send(&mut self, id: u32, d: u32) {
        if !retry_modes::adaptive(&self.model.deps[d as usize].retries) {
            return self.attempt(id, d);
        }
        let now_s = self.now as f64 / 1e6;
        if self.send_queues[d as usize].is_empty() && self.deps[d as usize].limiter.try_take(now_s) {
            return self.attempt(id, d);
        }
        let epoch = self.reqs.get(id).epoch;
        self.send_queues[d as usize].push_back((id, epoch));
        self.arm_send(d);
    }

    /// Schedules the next send token of `d`'s limiter if attempts wait for one.
    fn arm_send(&mut self, d: u32) {
        let ds = &mut self.deps[d as usize];
        if ds.send_armed || self.send_queues[d as usize].is_empty() {
            return;
        }
        ds.send_armed = true;
        let wait = ds.limiter.next_token_s(self.now as f64 / 1e6);
        self.at(self.now + super::round_u64(wait * 1e6).max(1), Ev::Send(d));
    }

    /// A send token of `d`'s limiter is due: the waiting attempts still
    /// wanted go, as many as there are tokens, first come first served.
    pub(super) fn send_waiting(&mut self, d: u32) {
        self.deps[d as usize].send_armed = false;
        let now_s = self.now as f64 / 1e6;
        while let Some(&(id, epoch)) = self.send_queues[d as usize].front() {
            let r = *self.reqs.get(id);
            if r.epoch != epoch || r.phase != Phase::Calling {
                // Its request gave up while it waited.
                self.send_queues[d as usize].pop_front();
                continue;
            }
            if !self.deps[d as usize].limiter.try_take(now_s) {
                break;
            }
            self.send_queues[d as usize].pop_front();
            self.attempt(id, d);
        }
        self.arm_send(d);
    }

    /// An attempt along `d` succeeded (`ok`) or failed, `throttled` when the
    /// callee answered at once with a retryable failure: the quota gets its
    /// refund and the limiter learns of a throttle or a success.
    pub(super) fn sdk_answer(&mut self, d: u32, attempt: u32, ok: bool, throttled: bool) {
        let policy = &self.model.deps[d as usize].retries;
        if !retry_modes::has_quota(policy) {
            return;
        }
        let (quota, adaptive) = (policy.quota, retry_modes::adaptive(policy));
        let now_s = self.now as f64 / 1e6;
        let ds = &mut self.deps[d as usize];
        if ok {
            let refund = if attempt == 0 { retry_modes::SUCCESS_REFUND } else { retry_modes::RETRY_COST };
            ds.quota_used = quota - retry_modes::refund(quota - ds.quota_used, refund, quota);
        }
        if adaptive {
            ds.limiter.measure(now_s, 1.0);
            if ok {
                ds.limiter.success(now_s);
            } else if throttled {
                ds.limiter.throttle(now_s);
            }
        }
    }

    /// May a failed attempt along `d` be retried? Takes the retry's cost
    /// from the quota (standard and adaptive modes) when it may.
    pub(super) fn sdk_may_retry(&mut self, d: u32, timed_out: bool) -> bool {
        let policy = &self.model.deps[d as usize].retries;
        if !retry_modes::has_quota(policy) {
            return true;
        }
        let quota = policy.quota;
        let cost = if timed_out { retry_modes::TIMEOUT_COST } else { retry_modes::RETRY_COST };
        let ds = &mut self.deps[d as usize];
        match retry_modes::take(quota - ds.quota_used, cost) {
            Some(left) => {
                ds.quota_used = quota - left;
                true
            }
            None => false,
        }
    }
}
