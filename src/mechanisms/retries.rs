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
    let q = (1.0 - p).clamp(0.0, 1.0);
    let wait = policy.backoff.secs() * jitter_mean(policy.jitter);
    let (mut attempts, reach, mut backoff_s) =
        if policy.max <= SUMMED_MAX { summed(policy, q, wait) } else { closed_form(policy, q, wait) };
    let mut success = 1.0 - reach;
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

/// `(attempts, chance every attempt fails, backoff [s])`, summed term by term. O(max).
fn summed(policy: &Retries, q: f64, mut wait: f64) -> (f64, f64, f64) {
    let (mut attempts, mut reach, mut backoff_s) = (0.0, 1.0, 0.0);
    for k in 0..=policy.max {
        if k > 0 {
            backoff_s += reach * wait;
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
        Retries { max, backoff: Span(100), multiplier: 2.0, jitter: Jitter::None, budget }
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
    fn the_closed_form_matches_the_sum() {
        for max in [65, 100, 300] {
            for p in [0.0, 1e-9, 0.01, 0.3, 0.5, 0.99, 1.0] {
                for mult in [1.0, 1.5, 2.0] {
                    let pol = Retries { max, backoff: Span(100), multiplier: mult, jitter: Jitter::None, budget: None };
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
    fn jitter_shortens_the_mean_wait() {
        let mut p = policy(1, None);
        p.jitter = Jitter::Full;
        assert!((outcome(&p, 0.0).backoff_s - 0.05).abs() < 1e-12);
    }
}
