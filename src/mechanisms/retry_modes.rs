//! The AWS SDKs' retry modes: a retry quota (standard) and a client-side rate limiter that adapts to throttling (adaptive).
//!
//! Figures are the SDKs' published defaults (AWS SDKs and Tools reference
//! guide, "Retry behavior"): a quota of 500 tokens, a retry costs 5 tokens (10
//! after a timeout), a first attempt that succeeds refunds 1 and a retry that
//! succeeds refunds its cost; backoff is full-jitter exponential from 1 s,
//! capped at 20 s; 3 attempts. The adaptive limiter is a token bucket whose fill
//! rate follows CUBIC: cut to 70% of the rate measured at a throttle, then grown
//! back as `0.4 (t - K)^3 + w_max`.

use crate::mechanisms::retries::RetryOutcome;
use crate::model::{Retries, RetryMode};

/// Tokens a retry takes from the quota after an error other than a timeout.
pub const RETRY_COST: f64 = 5.0;
/// Tokens a retry takes from the quota after a timeout.
pub const TIMEOUT_COST: f64 = 10.0;
/// Tokens a first attempt that succeeds gives back.
pub const SUCCESS_REFUND: f64 = 1.0;
/// The quota's size, full at the start [tokens].
pub const DEFAULT_QUOTA: f64 = 500.0;
/// Attempts a call makes in standard and adaptive modes, the first included.
pub const DEFAULT_ATTEMPTS: u32 = 3;
/// First backoff [ms] and its cap [ms] in standard and adaptive modes.
pub const DEFAULT_BASE_MS: u64 = 1_000;
pub const DEFAULT_MAX_BACKOFF_MS: u64 = 20_000;
/// CUBIC's cut on a throttle, its scale, and the slowest fill rate [attempts/s].
const BETA: f64 = 0.7;
const SCALE: f64 = 0.4;
const MIN_RATE: f64 = 0.5;
/// The limiter measures the send rate over buckets of this length [s], smoothed by this weight.
const MEASURE_S: f64 = 0.5;
const SMOOTHING: f64 = 0.8;

/// Does the policy keep a retry quota?
pub fn has_quota(policy: &Retries) -> bool {
    policy.mode != RetryMode::Legacy
}

/// Does the policy limit its send rate on throttles?
pub fn adaptive(policy: &Retries) -> bool {
    policy.mode == RetryMode::Adaptive
}

/// Cost of one retry when a share `timeouts` of the failures are timeouts [tokens].
pub fn cost(timeouts: f64) -> f64 {
    RETRY_COST + (TIMEOUT_COST - RETRY_COST) * timeouts.clamp(0.0, 1.0)
}

/// Takes `cost` tokens for a retry if the quota holds them: the tokens left, or `None` (no retry).
pub fn take(tokens: f64, cost: f64) -> Option<f64> {
    (tokens >= cost).then_some(tokens - cost)
}

/// Gives `amount` tokens back, up to the quota.
pub fn refund(tokens: f64, amount: f64, quota: f64) -> f64 {
    (tokens + amount).min(quota)
}

/// Rates that move a retry quota in the fluid engine [calls/s].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaFlow {
    /// First attempts.
    pub firsts: f64,
    /// Retries the policy wants, before the quota.
    pub wanted: f64,
    /// Chance one attempt succeeds.
    pub success: f64,
    /// Tokens a retry costs.
    pub cost: f64,
}

/// The share of wanted retries the quota lets through over the coming
/// `horizon_s`: as many as the refunds and the `tokens` left can pay for.
pub fn share(tokens: f64, f: &QuotaFlow, horizon_s: f64) -> f64 {
    let spend = f.wanted * f.cost * (1.0 - f.success);
    if spend <= 0.0 {
        return 1.0;
    }
    let income = f.firsts * f.success * SUCCESS_REFUND + tokens / horizon_s.max(1e-9);
    (income / spend).min(1.0)
}

/// The quota's tokens after `dt_s` with a share `allowed` of wanted retries made.
pub fn drain(tokens: f64, quota: f64, f: &QuotaFlow, allowed: f64, dt_s: f64) -> f64 {
    let retries = f.wanted * allowed;
    let net = retries * f.cost * (1.0 - f.success) - f.firsts * f.success * SUCCESS_REFUND;
    (tokens - net * dt_s).clamp(0.0, quota)
}

/// A retry outcome when only a share `allowed` of its retries is made: the
/// rest of the calls end at their first failure.
pub fn limited(full: RetryOutcome, p: f64, allowed: f64) -> RetryOutcome {
    if allowed >= 1.0 {
        return full;
    }
    RetryOutcome {
        attempts: 1.0 + allowed * (full.attempts - 1.0),
        success: p + allowed * (full.success - p),
        backoff_s: allowed * full.backoff_s,
    }
}

/// The adaptive mode's client-side rate limiter (a token bucket with a CUBIC fill rate).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limiter {
    /// Off until the first throttle: sends go at once.
    pub enabled: bool,
    /// Fill rate [attempts/s].
    pub rate: f64,
    /// The rate at the last throttle, and when it came [s].
    pub w_max: f64,
    pub last_cut_s: f64,
    /// Send tokens (negative: sends reserved ahead) and when they were last filled [s].
    pub tokens: f64,
    pub filled_s: f64,
    /// Measured send rate [attempts/s], its bucket's start [s] and count.
    pub measured: f64,
    pub bucket_s: f64,
    pub count: f64,
    /// Fluid engine: the rate the callee accepted at the last throttle seen [attempts/s].
    pub ceiling: Option<f64>,
}

impl Limiter {
    /// CUBIC's time to grow back to `w_max` after a cut [s].
    fn k(&self) -> f64 {
        (self.w_max * (1.0 - BETA) / SCALE).cbrt()
    }

    /// A throttle at `now_s`: the rate is cut to 70% of what was being sent.
    pub fn throttle(&mut self, now_s: f64) {
        let base = if self.enabled { self.measured.min(self.rate) } else { self.measured };
        self.w_max = base;
        self.last_cut_s = now_s;
        self.rate = (base * BETA).max(MIN_RATE);
        if !self.enabled {
            self.enabled = true;
            self.tokens = 0.0;
            self.filled_s = now_s;
        }
    }

    /// A success at `now_s`: the rate grows back along the cubic, at most twice the measured rate.
    pub fn success(&mut self, now_s: f64) {
        if !self.enabled {
            return;
        }
        let t = now_s - self.last_cut_s - self.k();
        let cubic = SCALE * t * t * t + self.w_max;
        self.rate = cubic.min(2.0 * self.measured).max(MIN_RATE);
    }

    /// Counts `n` sends at `now_s` into the measured rate.
    pub fn measure(&mut self, now_s: f64, n: f64) {
        let bucket = (now_s / MEASURE_S).floor() * MEASURE_S;
        if bucket > self.bucket_s {
            let current = self.count / (bucket - self.bucket_s).max(MEASURE_S);
            self.measured = SMOOTHING * current + (1.0 - SMOOTHING) * self.measured;
            self.bucket_s = bucket;
            self.count = 0.0;
        }
        self.count += n;
    }

    /// Fills the send bucket up to `now_s` (at most a second's worth of tokens, and at least one).
    fn refill(&mut self, now_s: f64) {
        let cap = self.rate.max(1.0);
        self.tokens = (self.tokens + (now_s - self.filled_s).max(0.0) * self.rate).min(cap);
        self.filled_s = now_s;
    }

    /// Takes a send token at `now_s` if there is one (always while the limiter is off).
    pub fn try_take(&mut self, now_s: f64) -> bool {
        if !self.enabled {
            return true;
        }
        self.refill(now_s);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Time from `now_s` until the bucket holds a send token at the current rate [s].
    pub fn next_token_s(&mut self, now_s: f64) -> f64 {
        if !self.enabled {
            return 0.0;
        }
        self.refill(now_s);
        ((1.0 - self.tokens) / self.rate).max(0.0)
    }

    /// Fluid engine: moves the limiter over `dt_s` from `now_s` while the
    /// caller wants `wanted` [attempts/s] and, at the last solve, a share
    /// `throttled` of the sends was throttled. The callee's ceiling is taken
    /// as what it accepted then, and the limiter is stepped in measuring
    /// buckets against it: cut in a bucket with a throttle, grown in one without.
    pub fn tick(&mut self, now_s: f64, wanted: f64, throttled: f64, dt_s: f64) {
        let sent = wanted.min(self.allows());
        if throttled > 0.0 {
            self.ceiling = Some(sent * (1.0 - throttled));
        } else if self.ceiling.is_some_and(|c| sent > c) {
            self.ceiling = None;
        }
        let n = (dt_s / MEASURE_S).ceil().clamp(1.0, 1000.0);
        let h = dt_s / n;
        for i in 0..n as u32 {
            let s = wanted.min(self.allows());
            self.measured = s;
            let over = self.ceiling.map_or(0.0, |c| (s - c).max(0.0));
            if over * h >= 1.0 {
                self.throttle(now_s + i as f64 * h);
            } else if s > 0.0 {
                self.success(now_s + (i + 1) as f64 * h);
            }
        }
    }

    /// The attempt rate the limiter lets through [attempts/s] (unbounded while off).
    pub fn allows(&self) -> f64 {
        if self.enabled { self.rate } else { f64::INFINITY }
    }
}

/// The longest a send waits for a token in the fluid engine [s]: past it the
/// caller's demand is over the limiter's rate for good.
const MAX_SEND_WAIT_S: f64 = 60.0;

/// Fluid engine: the attempts the limiter sends when the caller wants `wanted` [attempts/s].
pub fn sent(limiter: &Limiter, wanted: f64) -> f64 {
    wanted.min(limiter.allows())
}

/// Fluid engine: the wait for a send token [s] one interval on from `wait_s`,
/// when the caller wants `wanted` [attempts/s]. While the caller wants more
/// than the fill rate the sends queue and the wait grows; under it the queue
/// clears and the wait shrinks, each by the square root of their ratio per
/// interval (a damped step, so a closed loop settles at the fill rate).
pub fn next_send_wait_s(limiter: &Limiter, wait_s: f64, wanted: f64) -> f64 {
    if !limiter.enabled || wanted <= 0.0 {
        return 0.0;
    }
    let rho = wanted / limiter.rate;
    let next = if rho > 1.0 { wait_s.max(1.0 / limiter.rate) * rho.sqrt() } else { wait_s * rho.sqrt() };
    if next < 1e-6 { 0.0 } else { next.min(MAX_SEND_WAIT_S) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_takes_more_after_a_timeout_and_none_when_the_quota_is_short() {
        assert_eq!(cost(0.0), 5.0);
        assert_eq!(cost(1.0), 10.0);
        assert_eq!(take(500.0, 5.0), Some(495.0));
        assert_eq!(take(9.0, 10.0), None);
        assert_eq!(refund(499.5, 1.0, 500.0), 500.0);
    }

    #[test]
    fn a_storm_drains_the_quota_then_only_refunds_pay_for_retries() {
        // 100 first attempts/s, 10% succeed, two retries wanted each.
        let f = QuotaFlow { firsts: 100.0, wanted: 180.0, success: 0.1, cost: 5.0 };
        let full = share(DEFAULT_QUOTA, &f, 1.0);
        assert!((full - 510.0 / 810.0).abs() < 1e-9, "the tokens pay for a share over the second: {full}");
        let tokens = drain(DEFAULT_QUOTA, DEFAULT_QUOTA, &f, full, 1.0);
        assert!(tokens.abs() < 1e-9, "drained in the second: {tokens}");
        let s = share(tokens, &f, 1.0);
        assert!((s - 10.0 / 810.0).abs() < 1e-9, "{s}");
        assert!(drain(tokens, DEFAULT_QUOTA, &f, s, 1.0).abs() < 1e-9, "the quota stays empty");
        let healthy = QuotaFlow { success: 0.99, wanted: 1.0, ..f };
        assert_eq!(share(0.0, &healthy, 1.0), 1.0);
        assert!(drain(0.0, DEFAULT_QUOTA, &healthy, 1.0, 1.0) > 90.0, "successes refill it");
        assert_eq!(share(DEFAULT_QUOTA, &QuotaFlow { wanted: 0.0, ..f }, 1.0), 1.0);
    }

    #[test]
    fn a_throttle_cuts_the_rate_and_it_grows_back_along_the_cubic() {
        let mut l = Limiter { measured: 100.0, ..Limiter::default() };
        assert_eq!(l.allows(), f64::INFINITY);
        l.throttle(10.0);
        assert!(l.enabled && (l.rate - 70.0).abs() < 1e-9);
        l.measured = 70.0;
        l.success(10.0 + l.k());
        assert!((l.rate - 100.0).abs() < 1e-9, "back to w_max after K: {}", l.rate);
        l.success(10.0 + l.k() + 10.0);
        assert_eq!(l.rate, 140.0, "at most twice the measured rate");
        l.throttle(30.0);
        assert!((l.rate - 49.0).abs() < 1e-9, "cut from the lower of rate and measured: {}", l.rate);
    }

    #[test]
    fn sends_wait_for_tokens_at_the_fill_rate() {
        let mut l = Limiter { measured: 10.0, ..Limiter::default() };
        assert!(l.try_take(0.0), "off until a throttle");
        l.throttle(1.0);
        l.rate = 10.0;
        assert!(!l.try_take(1.0), "the bucket starts empty");
        assert!((l.next_token_s(1.0) - 0.1).abs() < 1e-9);
        assert!(l.try_take(1.1) && !l.try_take(1.1));
        assert!((0..10).all(|_| l.try_take(3.0)), "two seconds fill it to its cap of a second's worth");
        assert!(!l.try_take(3.0));
    }

    #[test]
    fn the_measured_rate_follows_the_sends() {
        let mut l = Limiter::default();
        for i in 0..400 {
            l.measure(i as f64 * 0.01, 1.0);
        }
        assert!((l.measured - 100.0).abs() < 5.0, "{}", l.measured);
    }

    #[test]
    fn the_fluid_limiter_holds_the_excess_back_and_cuts_on_throttles() {
        let mut l = Limiter::default();
        assert_eq!(next_send_wait_s(&l, 0.0, 1e6), 0.0, "off until a throttle");
        // Half of 2000/s throttled: the callee takes 1000/s.
        l.tick(0.0, 2000.0, 0.5, 0.5);
        assert!((l.rate - 1400.0).abs() < 1e-9, "{}", l.rate);
        assert_eq!(sent(&l, 2000.0), 1400.0);
        let w = next_send_wait_s(&l, 0.0, 2800.0);
        assert!((w - 2f64.sqrt() / 1400.0).abs() < 1e-12, "over the rate, sends queue: {w}");
        assert!(next_send_wait_s(&l, w, 2800.0) > w);
        assert!((next_send_wait_s(&l, 1.0, 350.0) - 0.5).abs() < 1e-12, "under it, the queue clears");
        assert_eq!(next_send_wait_s(&l, 1e9, 1e9), MAX_SEND_WAIT_S);
        // Over a minute the rate saws under the ceiling: cut each time it climbs past it.
        let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
        for k in 0..60 {
            let sent = sent(&l, 2000.0);
            l.tick(1.0 + k as f64, 2000.0, (1.0 - 1000.0 / sent).max(0.0), 1.0);
            if k >= 20 {
                lo = lo.min(l.rate);
                hi = hi.max(l.rate);
            }
        }
        assert!(hi < 1010.0 && lo > 600.0, "between {lo} and {hi}");
        // A callee that takes more than the ceiling (no throttle seen above it) lets the rate grow.
        l.ceiling = None;
        l.tick(100.0, 2000.0, 0.0, 30.0);
        assert!(l.rate > 1500.0, "{}", l.rate);
    }
}
