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
    let mut attempts = 0.0;
    let mut backoff_s = 0.0;
    let mut reach = 1.0;
    let mut wait = policy.backoff.secs() * jitter_mean(policy.jitter);
    for k in 0..=policy.max {
        if k > 0 {
            backoff_s += reach * wait;
            wait *= policy.multiplier;
        }
        attempts += reach;
        reach *= q;
    }
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
    fn client_errors_are_not_retried() {
        let o = outcome_classes(&policy(3, None), 0.7, 0.3);
        assert_eq!(o.attempts, 1.0, "every failure is a 4xx");
        assert!((o.success - 0.7).abs() < 1e-12);
        let o = outcome_classes(&policy(1, None), 0.5, 0.25);
        assert!((o.attempts - 1.25).abs() < 1e-12);
        assert!((o.success - 0.625).abs() < 1e-12);
    }

    #[test]
    fn jitter_shortens_the_mean_wait() {
        let mut p = policy(1, None);
        p.jitter = Jitter::Full;
        assert!((outcome(&p, 0.0).backoff_s - 0.05).abs() < 1e-12);
    }
}
