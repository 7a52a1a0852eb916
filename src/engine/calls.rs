//! A service's outgoing calls: what they cost its requests, and the load they put on callees.

use super::fleet::Census;
use super::state::{DepState, Params, ServiceState};
use super::traffic::Wiring;
use crate::mechanisms::sync_call::Attempt;
use crate::mechanisms::sync_call::{self, Profile};
use crate::mechanisms::{breaker, buffer, control, pool, retries, retry_modes};
use crate::model::{DepKind, ServiceId, WhenFull};
use crate::time::SimTime;

/// What a service's calls do to each of its requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallCost {
    /// Time a worker thread waits on calls [s].
    pub hold_s: f64,
    /// Chance the calls let the request succeed.
    pub success: f64,
    /// Memory its buffers use per instance [MB].
    pub buffered_mb: f64,
    /// Chance the calls fail the request with a client error (4xx) passed up.
    pub client: f64,
}

/// The policy a buffer follows: the configured one, unless most serving
/// instances run a version that overrides it.
fn policy(configured: WhenFull, census: &Census) -> (WhenFull, f64) {
    let overridden = if census.serving > 0 { census.when_full_overridden as f64 / census.serving as f64 } else { 0.0 };
    let effective = match census.override_policy {
        Some(p) if overridden > 0.5 => p,
        _ => configured,
    };
    let blocking = match (configured, census.override_policy) {
        (WhenFull::Block, Some(WhenFull::Block)) | (WhenFull::Block, None) => 1.0,
        (WhenFull::Block, Some(_)) => 1.0 - overridden,
        (_, Some(WhenFull::Block)) => overridden,
        _ => 0.0,
    };
    (effective, blocking)
}

/// Evaluates service `id`'s calls against its callees' current profiles.
pub fn cost(
    params: &Params,
    wiring: &Wiring,
    states: &[ServiceState],
    deps: &mut [DepState],
    id: ServiceId,
    census: &Census,
    now: SimTime,
) -> CallCost {
    let mut c = CallCost { hold_s: 0.0, success: 1.0, buffered_mb: 0.0, client: 0.0 };
    let instances = census.total.max(1) as f64;
    let routed = params.services[id.0].extras.routing.is_some();
    let mut routed_success = 0.0;
    for &d in &wiring.outgoing[id.0] {
        let dep = &params.deps[d.0];
        let ds = &mut deps[d.0];
        if dep.extras.off {
            ds.calls_per_request = 0.0;
            continue;
        }
        let callee: Profile = states[dep.callee.0].profile;
        let callee = Profile {
            refused: 1.0 - (1.0 - callee.refused) * (1.0 - ds.throttled),
            queueing: callee.queueing.scaled(ds.wait_factor),
            ..callee
        };
        let partitioned = ds.partitions > 0;
        match &dep.kind {
            DepKind::Sync => {
                let mut attempt = sync_call::attempt(&callee, dep.timeout.secs(), partitioned);
                ds.attempt_success = attempt.success;
                if let Some(p) = &dep.extras.pool {
                    let a = pool::acquire(p, ds.leaked, ds.call_rate / instances, attempt.time_s);
                    ds.granted = a.granted;
                    attempt = Attempt {
                        success: a.granted * attempt.success,
                        time_s: a.granted * attempt.time_s + (1.0 - a.granted) * a.wait_s,
                        permanent: a.granted * attempt.permanent,
                    };
                }
                let share = if routed { ds.share } else { 1.0 };
                let through = dep.extras.breaker.as_ref().map_or(1.0, |b| breaker::admitted(b, ds.breaker, ds.demand));
                attempt = Attempt {
                    success: through * attempt.success,
                    time_s: through * attempt.time_s,
                    permanent: through * attempt.permanent,
                };
                let full = retries::outcome_classes(&dep.retries, attempt.success, attempt.permanent);
                let outcome = sdk_outcome(dep, ds, &callee, &attempt, full);
                let calls = dep.per_request * share;
                let send_wait_s = ds.sdk.as_ref().map_or(0.0, |sdk| sdk.send_wait_s);
                c.hold_s += calls * (outcome.attempts * (attempt.time_s + send_wait_s) + outcome.backoff_s);
                if routed {
                    routed_success += share * powi_or_f(outcome.success, dep.per_request);
                } else if !dep.fallback {
                    c.success *= powi_or_f(outcome.success, dep.per_request);
                }
                if !dep.fallback {
                    c.client += calls * attempt.permanent * outcome.attempts;
                }
                ds.calls_per_request = calls * outcome.attempts * through;
            }
            DepKind::Buffered(b) => {
                // A buffer reads whether its writes get through, not how long they take.
                ds.attempt_success = sync_call::success(&callee, dep.timeout.secs(), partitioned);
                let (_, blocking) = policy(b.when_full, census);
                let blocked = if ds.writes > 0.0 { (ds.overflow / ds.writes).min(1.0) * blocking } else { 0.0 };
                c.hold_s += dep.per_request * blocked * dep.timeout.secs();
                if !dep.fallback {
                    c.success *= 1.0 - blocked;
                }
                c.buffered_mb += ds.held / instances * b.item_mb;
                ds.calls_per_request = dep.per_request;
            }
            DepKind::Control(ctl) => {
                ds.attempt_success = sync_call::success(&callee, dep.timeout.secs(), partitioned);
                // An autoscaling policy's metrics feed the policy, not the requests.
                let policy = params.services[id.0].extras.autoscaling.as_ref().and_then(|a| a.metrics);
                if policy != Some(dep.callee) {
                    c.success *= control::effectiveness(ctl, ds.attempt_success, ds.short_since, now);
                }
                ds.calls_per_request = dep.per_request;
            }
        }
    }
    if routed {
        c.success *= routed_success.min(1.0);
    }
    c.client = c.client.min(1.0);
    c
}

/// `x` to the power `n`, skipping `powf` where its answer is known exactly:
/// `x^1 = x`, `1^n = 1`, and `(+0)^n = +0` for `n > 0`.
fn powi_or_f(x: f64, n: f64) -> f64 {
    if n == 1.0 || x == 1.0 || x.to_bits() == 0 && n > 0.0 { x } else { x.powf(n) }
}

/// Sets the load service `id` puts on its callees when it works on
/// `processing` [req/s] over an interval of `dt_s`.
pub fn emit(
    params: &Params,
    wiring: &Wiring,
    deps: &mut [DepState],
    id: ServiceId,
    census: &Census,
    processing: f64,
    dt_s: f64,
) {
    let instances = census.total.max(1) as f64;
    for &d in &wiring.outgoing[id.0] {
        let dep = &params.deps[d.0];
        let ds = &mut deps[d.0];
        if dep.extras.off {
            ds.call_rate = 0.0;
            continue;
        }
        match &dep.kind {
            DepKind::Buffered(b) => {
                let (effective, _) = policy(b.when_full, census);
                ds.writes = processing * dep.per_request;
                let f = buffer::flows(b, effective, ds.held, ds.writes, instances, ds.attempt_success, dt_s);
                ds.overflow = f.overflow;
                ds.call_rate = f.attempts;
            }
            _ => {
                ds.call_rate = processing * ds.calls_per_request;
                ds.demand = processing * dep.per_request * ds.share;
                if retry_modes::adaptive(&dep.retries) {
                    let sdk = ds.sdk.get_or_insert_default();
                    sdk.wanted = ds.call_rate;
                    ds.call_rate = retry_modes::sent(&sdk.limiter, ds.call_rate);
                }
            }
        }
    }
}

/// Moves buffers and leaking pools forward by `dt_s`.
pub fn integrate(params: &Params, states: &[ServiceState], deps: &mut [DepState], dt_s: f64) {
    for &i in &params.leaky {
        let (dep, ds) = (&params.deps[i], &mut deps[i]);
        if let Some(p) = &dep.extras.pool {
            let instances = states[dep.caller.0].fleet.census().total.max(1) as f64;
            let failed = ds.call_rate * ds.granted * (1.0 - ds.attempt_success) / instances;
            ds.leaked = pool::leak(p, ds.leaked, failed, dt_s);
        }
    }
    for &i in &params.buffered {
        let (dep, ds) = (&params.deps[i], &mut deps[i]);
        if let DepKind::Buffered(b) = &dep.kind {
            let census = states[dep.caller.0].fleet.census();
            let (effective, _) = policy(b.when_full, &census);
            let delivered = ds.call_rate * ds.attempt_success;
            let instances = census.total.max(1) as f64;
            let (held, dropped) = buffer::advance(b, effective, ds.held, ds.writes, delivered, instances, dt_s);
            ds.held = held;
            ds.dropped += dropped;
        }
    }
}

/// Moves circuit breakers on at a tick; returns the calls whose breaker
/// changed state, with the new state.
pub fn track_breakers(params: &Params, deps: &mut [DepState], now: SimTime) -> Vec<(usize, breaker::BreakerState)> {
    let mut changed = Vec::new();
    for &i in &params.breakers {
        let (dep, ds) = (&params.deps[i], &mut deps[i]);
        let Some(b) = &dep.extras.breaker else { continue };
        let next = breaker::next(b, ds.breaker, 1.0 - ds.attempt_success, ds.demand * b.window.secs(), now);
        if next != ds.breaker {
            ds.breaker = next;
            changed.push((i, next));
        }
    }
    changed
}

/// Notes when control loops' data falls short of their need, at `now`.
pub fn track_control(params: &Params, deps: &mut [DepState], now: SimTime) {
    for &i in &params.control {
        let (dep, ds) = (&params.deps[i], &mut deps[i]);
        if let DepKind::Control(c) = &dep.kind {
            if ds.attempt_success >= c.need {
                ds.short_since = None;
            } else if ds.short_since.is_none() {
                ds.short_since = Some(now);
            }
        }
    }
}

/// A sync call's SDK retry-mode state in the fluid engine (legacy calls leave it alone).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SdkState {
    /// Tokens left in the retry quota; `None` until first used (full).
    pub tokens: Option<f64>,
    /// Share of the wanted retries the quota lets through.
    pub share: f64,
    /// Retries wanted per first attempt, before the quota.
    pub ratio: f64,
    /// The interval the quota's tokens are spread over: the last one integrated [s].
    pub horizon_s: f64,
    /// Share of failed attempts that time out, and that are throttled (refused at once).
    pub timeouts: f64,
    pub throttled: f64,
    /// Adaptive mode: the rate limiter, the attempts the caller wants to send [calls/s] and their wait for a send token [s].
    pub limiter: retry_modes::Limiter,
    pub wanted: f64,
    pub send_wait_s: f64,
}

impl Default for SdkState {
    fn default() -> Self {
        SdkState {
            tokens: None,
            share: 1.0,
            ratio: 0.0,
            horizon_s: 1.0,
            timeouts: 0.0,
            throttled: 0.0,
            limiter: Default::default(),
            wanted: 0.0,
            send_wait_s: 0.0,
        }
    }
}

/// The retry outcome under the call's retry mode: the quota lets through only its share of retries.
fn sdk_outcome(
    dep: &crate::model::Dependency,
    ds: &mut DepState,
    callee: &Profile,
    attempt: &Attempt,
    full: retries::RetryOutcome,
) -> retries::RetryOutcome {
    if !retry_modes::has_quota(&dep.retries) {
        return full;
    }
    let failed = (1.0 - attempt.success - attempt.permanent).max(0.0);
    let at_once = callee.refused + (1.0 - callee.refused) * callee.error;
    let (demand, partitions) = (ds.demand, ds.partitions);
    let sdk = ds.sdk.get_or_insert_default();
    sdk.ratio = full.attempts - 1.0;
    let flow = quota_flow(demand, sdk, attempt.success);
    sdk.share = retry_modes::share(sdk.tokens.unwrap_or(dep.retries.quota), &flow, sdk.horizon_s);
    // Both engines take any failed answer that is not a timeout or a client error for a throttle.
    sdk.throttled = callee.refused + (1.0 - callee.refused) * (callee.error - callee.client_error).max(0.0);
    sdk.timeouts = if partitions > 0 {
        1.0
    } else if failed > 0.0 {
        ((failed - at_once) / failed).clamp(0.0, 1.0)
    } else {
        0.0
    };
    retry_modes::limited(full, attempt.success, sdk.share)
}

/// The flow through a call's retry quota: `demand` first attempts [calls/s] and the retries they want.
fn quota_flow(demand: f64, sdk: &SdkState, success: f64) -> retry_modes::QuotaFlow {
    retry_modes::QuotaFlow {
        firsts: demand,
        wanted: demand * sdk.ratio,
        success,
        cost: retry_modes::cost(sdk.timeouts),
    }
}

/// Moves the retry quotas and adaptive rate limiters on by `dt_s` ending at `now_s`.
pub fn advance_retry_modes(params: &Params, deps: &mut [DepState], now_s: f64, dt_s: f64) {
    for &i in &params.quotas {
        let (dep, ds) = (&params.deps[i], &mut deps[i]);
        let (demand, success) = (ds.demand, ds.attempt_success);
        let sdk = ds.sdk.get_or_insert_default();
        let flow = quota_flow(demand, sdk, success);
        let tokens = sdk.tokens.unwrap_or(dep.retries.quota);
        sdk.tokens = Some(retry_modes::drain(tokens, dep.retries.quota, &flow, sdk.share, dt_s));
        sdk.horizon_s = dt_s;
        if retry_modes::adaptive(&dep.retries) {
            sdk.limiter.tick(now_s, sdk.wanted, sdk.throttled, dt_s);
            sdk.send_wait_s = retry_modes::next_send_wait_s(&sdk.limiter, sdk.send_wait_s, sdk.wanted);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_power_skipped_is_the_one_powf_gives() {
        for n in [0.5, 1.0, 1.2, 2.0, 11.0, 100.0] {
            for x in [0.0, 1e-300, 0.3, 0.999_999, 1.0] {
                assert_eq!(powi_or_f(x, n).to_bits(), x.powf(n).to_bits(), "{x}^{n}");
            }
        }
        // Negative zero keeps `powf`'s sign rules.
        assert_eq!(powi_or_f(-0.0, 11.0).to_bits(), (-0.0f64).powf(11.0).to_bits());
        assert_eq!(powi_or_f(-0.0, 1.2).to_bits(), (-0.0f64).powf(1.2).to_bits());
    }
}
