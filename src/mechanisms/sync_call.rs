//! Synchronous dependencies: how a callee's state looks to a caller that waits with a timeout.

use super::queueing::Wait;

/// What a callee offers its callers during a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Chance an attempt is refused at once (no instance, queue full, instance down).
    pub refused: f64,
    /// Mean wait in the queue [s].
    pub wait_s: f64,
    /// Time a worker spends on the request, calls included [s].
    pub hold_s: f64,
    /// Chance a worked request fails (its own errors and its dependencies').
    pub error: f64,
    /// The part of `error` that is client errors (4xx), which callers do not retry.
    pub client_error: f64,
    /// Fraction of requests that meet a cold start (concurrency-scaled fleets).
    pub cold: f64,
    /// Extra time a cold request takes [s].
    pub cold_s: f64,
    /// The random wait below saturation (the queueing closure), on top of `wait_s`.
    pub queueing: Wait,
}

impl Profile {
    /// A callee that answers at once and never fails.
    pub const PERFECT: Profile = Profile {
        refused: 0.0,
        wait_s: 0.0,
        hold_s: 0.0,
        error: 0.0,
        client_error: 0.0,
        cold: 0.0,
        cold_s: 0.0,
        queueing: Wait::NONE,
    };
}

/// The chance a request waiting `wait_s` on average, then held `hold_s`, is answered
/// within `timeout_s`, with the wait spread uniformly over `0..2 * wait_s`
/// (bounded, so a queue that clears well within the timeout loses nothing).
pub fn in_time(wait_s: f64, hold_s: f64, timeout_s: f64) -> f64 {
    let slack = timeout_s - hold_s;
    if slack <= 0.0 {
        0.0
    } else if wait_s <= 0.0 {
        1.0
    } else if wait_s.is_infinite() {
        0.0
    } else {
        (slack / (2.0 * wait_s)).min(1.0)
    }
}

/// `(1 - cold) f(0) + cold f(cold_s)`: a value averaged over warm requests
/// and the share `cold` that meets a cold start of `cold_s`.
///
/// Without cold starts that is `f(0)` exactly (`f` is finite and at least 0
/// here), and `f(cold_s)` is not evaluated.
pub fn with_cold(cold: f64, cold_s: f64, f: impl Fn(f64) -> f64) -> f64 {
    if cold == 0.0 { f(0.0) } else { (1.0 - cold) * f(0.0) + cold * f(cold_s) }
}

/// One attempt of a call with a timeout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attempt {
    /// Chance the attempt succeeds in time.
    pub success: f64,
    /// Expected time the caller waits on it [s].
    pub time_s: f64,
    /// Chance it fails with a client error (4xx), not worth retrying.
    pub permanent: f64,
}

/// An attempt against `callee` with the caller's `timeout_s`; a partitioned
/// link hangs until the timeout.
pub fn attempt(callee: &Profile, timeout_s: f64, partitioned: bool) -> Attempt {
    if partitioned {
        return Attempt { success: 0.0, time_s: timeout_s, permanent: 0.0 };
    }
    let accepted = 1.0 - callee.refused;
    let busy = callee.wait_s + callee.queueing.mean_s() + callee.hold_s;
    let on_time = on_time(callee, timeout_s);
    let waited = with_cold(callee.cold, callee.cold_s, |extra| (busy + extra).min(timeout_s));
    Attempt {
        success: accepted * on_time * (1.0 - callee.error),
        time_s: accepted * waited,
        permanent: accepted * on_time * callee.client_error,
    }
}

/// The [`Attempt::success`] of [`attempt`] alone, for callers that read
/// nothing else (buffers, control loops): the same operations, bit for bit.
pub fn success(callee: &Profile, timeout_s: f64, partitioned: bool) -> f64 {
    if partitioned {
        return 0.0;
    }
    (1.0 - callee.refused) * on_time(callee, timeout_s) * (1.0 - callee.error)
}

/// The chance an accepted attempt is answered within `timeout_s`: the
/// backlog's wait, the random wait below saturation, the hold, and a cold start for some.
fn on_time(callee: &Profile, timeout_s: f64) -> f64 {
    let on_time_with = |extra: f64| {
        in_time(callee.wait_s, callee.hold_s + extra, timeout_s)
            * callee.queueing.within(timeout_s - callee.wait_s - callee.hold_s - extra)
    };
    with_cold(callee.cold, callee.cold_s, on_time_with)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_healthy_callee_answers_within_its_latency() {
        let p = Profile { hold_s: 0.02, ..Profile::PERFECT };
        let a = attempt(&p, 1.0, false);
        assert_eq!(a.success, 1.0);
        assert_eq!(a.time_s, 0.02);
    }

    #[test]
    fn a_slow_callee_holds_the_caller_until_the_timeout() {
        let p = Profile { hold_s: 3.0, ..Profile::PERFECT };
        let a = attempt(&p, 1.0, false);
        assert_eq!(a.success, 0.0);
        assert_eq!(a.time_s, 1.0);
    }

    #[test]
    fn a_refusing_callee_fails_fast() {
        let p = Profile { refused: 1.0, ..Profile::PERFECT };
        let a = attempt(&p, 1.0, false);
        assert_eq!(a.success, 0.0);
        assert_eq!(a.time_s, 0.0);
    }

    #[test]
    fn without_cold_starts_the_warm_value_is_exact() {
        let f = |extra: f64| 0.3 + extra;
        assert_eq!(with_cold(0.0, 2.0, f), 0.3);
        // With cold starts, the mix of both.
        assert_eq!(with_cold(0.25, 2.0, f), 0.75 * 0.3 + 0.25 * 2.3);
        // A slow callee's attempt is the same whether or not cold starts are off.
        let p = Profile { hold_s: 0.5, wait_s: 0.2, ..Profile::PERFECT };
        assert_eq!(attempt(&p, 1.0, false), attempt(&Profile { cold_s: 3.0, ..p }, 1.0, false));
    }

    #[test]
    fn a_long_queue_makes_answers_late() {
        assert!(in_time(10.0, 0.01, 1.0) < 0.1);
        assert_eq!(in_time(0.4, 0.01, 1.0), 1.0);
        assert!(in_time(0.01, 0.01, 1.0) > 0.99);
        assert_eq!(in_time(f64::INFINITY, 0.0, 1.0), 0.0);
    }

    #[test]
    fn a_random_queue_makes_some_answers_late_below_saturation() {
        // M/M/1 at 90% with 100 ms service: P(wait > 0.9 s) = 0.9 exp(-0.9).
        let queueing = super::super::queueing::wait(1.0, 0.1, 9.0, Default::default());
        let p = Profile { hold_s: 0.1, queueing, ..Profile::PERFECT };
        let a = attempt(&p, 1.0, false);
        assert!((a.success - (1.0 - 0.9 * (-0.9f64).exp())).abs() < 1e-9, "{a:?}");
        assert!((a.time_s - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_success_alone_is_the_attempts() {
        let queueing = super::super::queueing::wait(1.0, 0.1, 9.0, Default::default());
        let profiles = [
            Profile::PERFECT,
            Profile { hold_s: 0.1, queueing, error: 0.03, client_error: 0.01, refused: 0.2, ..Profile::PERFECT },
            Profile { hold_s: 0.5, wait_s: 0.2, cold: 0.25, cold_s: 0.4, ..Profile::PERFECT },
            Profile { hold_s: 3.0, ..Profile::PERFECT },
        ];
        for p in profiles {
            for timeout_s in [0.05, 0.3, 1.0, 2.0] {
                for partitioned in [false, true] {
                    let a = attempt(&p, timeout_s, partitioned);
                    assert_eq!(success(&p, timeout_s, partitioned).to_bits(), a.success.to_bits(), "{p:?}");
                }
            }
        }
    }

    #[test]
    fn partitions_hang_until_the_timeout() {
        let a = attempt(&Profile::PERFECT, 2.0, true);
        assert_eq!((a.success, a.time_s), (0.0, 2.0));
    }
}
