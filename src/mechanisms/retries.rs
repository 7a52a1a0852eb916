//! Retries: failed calls are tried again, which amplifies the load on a failing callee.

use crate::model::{Jitter, Retries};

/// The effect of a retry policy on one call, given the chance `p` that one attempt succeeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryOutcome {
    /// Expected attempts per call (1 without retries) [attempts].
    pub attempts: f64,
    /// Chance the call succeeds after its attempts.
    pub success: f64,
    /// Expected time spent waiting between attempts [s].
    pub backoff_s: f64,
}

/// Mean of a jittered wait, as a fraction of the nominal wait.
pub fn jitter_mean(jitter: Jitter) -> f64 {
    match jitter {
        Jitter::None => 1.0,
        Jitter::Full => 0.5,
        Jitter::Equal => 0.75,
    }
}

/// Up to this many retries the series are summed term by term; past it, in closed form.
const SUMMED_MAX: u32 = 64;

/// Attempts, success and backoff of a call whose attempts succeed with chance `p`.
///
/// Attempt `k` (0-based) happens when the `k` before it failed: `(1-p)^k`. A
/// budget caps the extra attempts at `budget` per first attempt; only that
/// share of the wanted retries happens, and adds its share of the success.
pub fn outcome(policy: &Retries, p: f64) -> RetryOutcome {
    outcome_classes(policy, p, 0.0)
}

/// As [`outcome`], when a share `permanent` of attempts fails with a client
/// error (4xx): those are not retried, so only the other failures are.
pub fn outcome_classes(policy: &Retries, p: f64, permanent: f64) -> RetryOutcome {
    let q = (1.0 - p - permanent).clamp(0.0, 1.0);
    let wait = policy.backoff.secs() * jitter_mean(policy.jitter);
    let (mut attempts, reach, mut backoff_s) = if policy.max <= SUMMED_MAX || policy.max_backoff.is_some() {
        summed(policy, q, wait)
    } else {
        closed_form(policy, q, wait)
    };
    // Each attempt reached succeeds with chance `p`; without client errors that is `1 - reach` exactly.
    let mut success = if permanent == 0.0 { 1.0 - reach } else { p * attempts };
    if let Some(budget) = policy.budget {
        let cap = 1.0 + budget;
        if attempts > cap {
            // Only this share of the retries the policy wants is allowed.
            let share = (cap - 1.0) / (attempts - 1.0);
            backoff_s *= share;
            success = p + share * (success - p);
            attempts = cap;
        }
    }
    RetryOutcome { attempts, success, backoff_s }
}

/// The wait before retry number `k` (1 for the first retry) [s], given a
/// uniform draw `u` in 0..1 for the jitter: `backoff * multiplier^(k-1)`, jittered.
pub fn wait_s(policy: &Retries, k: u32, u: f64) -> f64 {
    let grown = policy.backoff.secs() * policy.multiplier.powi(k.saturating_sub(1) as i32);
    let nominal = policy.max_backoff.map_or(grown, |cap| grown.min(cap.secs()));
    match policy.jitter {
        Jitter::None => nominal,
        Jitter::Full => nominal * u,
        Jitter::Equal => nominal * (0.5 + 0.5 * u),
    }
}

/// A retry budget as a token bucket: every first attempt earns `budget`
/// tokens, up to `cap`; a retry spends one. Returns the tokens after a first attempt.
pub fn earn(tokens: f64, budget: f64, cap: f64) -> f64 {
    (tokens + budget).min(cap.max(budget))
}

/// Spends a token for a retry if the budget (`None`: unbounded) allows one;
/// returns whether the retry may go and the tokens left.
pub fn spend(tokens: f64, budget: Option<f64>) -> (bool, f64) {
    match budget {
        None => (true, tokens),
        Some(_) if tokens >= 1.0 => (true, tokens - 1.0),
        Some(_) => (false, tokens),
    }
}

/// `(attempts, chance every attempt fails, backoff [s])`, summed term by term. O(max).
fn summed(policy: &Retries, q: f64, mut wait: f64) -> (f64, f64, f64) {
    let cap = policy.max_backoff.map_or(f64::INFINITY, |c| c.secs() * jitter_mean(policy.jitter));
    let (mut attempts, mut reach, mut backoff_s) = (0.0, 1.0, 0.0);
    for k in 0..=policy.max {
        if k > 0 {
            backoff_s += reach * wait.min(cap);
            wait *= policy.multiplier;
        }
        attempts += reach;
        reach *= q;
    }
    (attempts, reach, backoff_s)
}

/// The same sums as geometric series, in O(1) whatever `max`:
/// attempts = sum q^k for k in 0..=max, backoff = wait * q * sum (q m)^j for j in 0..max.
fn closed_form(policy: &Retries, q: f64, wait: f64) -> (f64, f64, f64) {
    let n = policy.max as f64;
    let p = 1.0 - q;
    let (attempts, reach) = if p <= 0.0 {
        (n + 1.0, 1.0)
    } else if q <= 0.0 {
        (1.0, 0.0)
    } else {
        // ln(q) through ln_1p keeps precision when q is close to 1.
        let log_reach = (n + 1.0) * (-p).ln_1p();
        (-log_reach.exp_m1() / p, log_reach.exp())
    };
    let r = q * policy.multiplier;
    let waits = if q <= 0.0 || wait <= 0.0 {
        0.0
    } else if r == 1.0 {
        n
    } else {
        (n * r.ln()).exp_m1() / (r - 1.0)
    };
    let backoff_s = if waits == 0.0 { 0.0 } else { wait * q * waits };
    (attempts, reach, backoff_s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    fn policy(max: u32, budget: Option<f64>) -> Retries {
        Retries { max, backoff: Span(100), multiplier: 2.0, jitter: Jitter::None, budget, ..Retries::none() }
    }

    #[test]
    fn no_retries_is_one_attempt() {
        let o = outcome(&policy(0, None), 0.3);
        assert_eq!(o.attempts, 1.0);
        assert!((o.success - 0.3).abs() < 1e-12);
        assert_eq!(o.backoff_s, 0.0);
    }

    #[test]
    fn a_dead_callee_gets_every_retry() {
        let o = outcome(&policy(3, None), 0.0);
        assert_eq!(o.attempts, 4.0);
        assert_eq!(o.success, 0.0);
        assert!((o.backoff_s - (0.1 + 0.2 + 0.4)).abs() < 1e-12);
    }

    #[test]
    fn retries_raise_success_as_independent_attempts() {
        let o = outcome(&policy(2, None), 0.5);
        assert!((o.attempts - 1.75).abs() < 1e-12);
        assert!((o.success - 0.875).abs() < 1e-12);
    }

    #[test]
    fn a_budget_caps_the_amplification() {
        let o = outcome(&policy(3, Some(0.1)), 0.0);
        assert!((o.attempts - 1.1).abs() < 1e-12);
        assert_eq!(o.success, 0.0);
        let healthy = outcome(&policy(3, Some(0.1)), 0.99);
        assert!(healthy.attempts < 1.011);
    }

    #[test]
    fn waits_grow_by_the_multiplier_and_jitter_scales_them() {
        let mut p = policy(3, None);
        assert!((wait_s(&p, 1, 0.3) - 0.1).abs() < 1e-12);
        assert!((wait_s(&p, 3, 0.3) - 0.4).abs() < 1e-12);
        p.jitter = Jitter::Full;
        assert!((wait_s(&p, 2, 0.25) - 0.05).abs() < 1e-12);
        p.jitter = Jitter::Equal;
        assert!((wait_s(&p, 1, 0.0) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn a_token_bucket_allows_the_budgeted_share_of_retries() {
        let (mut tokens, mut retries) = (0.0, 0);
        for _ in 0..1000 {
            tokens = earn(tokens, 0.1, 100.0);
            let (go, left) = spend(tokens, Some(0.1));
            tokens = left;
            retries += go as u32;
        }
        assert!((99..=100).contains(&retries), "{retries}");
        assert_eq!(spend(0.0, None), (true, 0.0));
    }

    #[test]
    fn client_errors_are_not_retried() {
        let o = outcome_classes(&policy(3, None), 0.7, 0.3);
        assert_eq!(o.attempts, 1.0, "every failure is a 4xx");
        assert!((o.success - 0.7).abs() < 1e-12);
        let o = outcome_classes(&policy(1, None), 0.5, 0.25);
        assert!((o.attempts - 1.25).abs() < 1e-12);
        assert!((o.success - 0.625).abs() < 1e-12);
    }

    #[test]
    fn the_closed_form_matches_the_sum() {
        for max in [65, 100, 300] {
            for p in [0.0, 1e-9, 0.01, 0.3, 0.5, 0.99, 1.0] {
                for mult in [1.0, 1.5, 2.0] {
                    let pol = Retries { max, backoff: Span(100), multiplier: mult, ..Retries::none() };
                    let (a, r, b) = summed(&pol, 1.0 - p, 0.1);
                    let (ca, cr, cb) = closed_form(&pol, 1.0 - p, 0.1);
                    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(1.0) || x == y;
                    assert!(close(a, ca) && close(r, cr) && close(b, cb), "max {max} p {p} m {mult}");
                }
            }
        }
    }

    #[test]
    fn the_largest_retry_count_costs_no_more_than_a_small_one() {
        let mut pol = policy(u32::MAX, None);
        pol.multiplier = 1.0;
        let o = outcome(&pol, 0.5);
        assert!((o.attempts - 2.0).abs() < 1e-9, "{o:?}");
        assert_eq!(o.success, 1.0);
        let dead = outcome(&pol, 0.0);
        assert_eq!(dead.attempts, u32::MAX as f64 + 1.0);
        assert_eq!(dead.success, 0.0);
        assert!((dead.backoff_s - 0.1 * u32::MAX as f64).abs() < 1.0);
    }

    #[test]
    fn a_cap_bounds_every_wait() {
        let mut p = policy(5, None);
        p.max_backoff = Some(Span(300));
        assert!((wait_s(&p, 5, 0.5) - 0.3).abs() < 1e-12);
        let o = outcome(&p, 0.0);
        assert!((o.backoff_s - (0.1 + 0.2 + 0.3 * 3.0)).abs() < 1e-12, "{o:?}");
    }

    #[test]
    fn jitter_shortens_the_mean_wait() {
        let mut p = policy(1, None);
        p.jitter = Jitter::Full;
        assert!((outcome(&p, 0.0).backoff_s - 0.05).abs() < 1e-12);
    }
}
