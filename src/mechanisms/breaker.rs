//! Circuit breakers on a call: open after too many failures in a window, fail fast while open, probe half-open, close when probes pass.

use crate::model::resilience::Breaker;
use crate::time::SimTime;

/// Where a breaker is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BreakerState {
    Closed,
    /// Failing fast since then.
    Open(SimTime),
    /// Letting probes through since then.
    HalfOpen(SimTime),
}

/// The breaker's next state at `now`, given the share of attempts that
/// failed over the last window and how many attempts that window held.
pub fn next(b: &Breaker, state: BreakerState, failed: f64, attempts: f64, now: SimTime) -> BreakerState {
    match state {
        BreakerState::Closed if attempts >= b.min_requests && failed >= b.error_threshold => BreakerState::Open(now),
        BreakerState::Open(since) if now.since(since) >= b.open_for => BreakerState::HalfOpen(now),
        BreakerState::HalfOpen(since) if now.since(since) >= b.window => {
            if failed < b.error_threshold {
                BreakerState::Closed
            } else {
                BreakerState::Open(now)
            }
        }
        s => s,
    }
}

/// The share of calls let through: all when closed, none when open, the
/// probes' share of `rate` [calls/s] over a window when half-open.
pub fn admitted(b: &Breaker, state: BreakerState, rate: f64) -> f64 {
    match state {
        BreakerState::Closed => 1.0,
        BreakerState::Open(_) => 0.0,
        BreakerState::HalfOpen(_) => {
            let calls = rate * b.window.secs();
            if calls <= 0.0 { 1.0 } else { (b.probes / calls).min(1.0) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    fn b() -> Breaker {
        Breaker { error_threshold: 0.5, window: Span(10_000), min_requests: 20.0, open_for: Span(30_000), probes: 5.0 }
    }

    #[test]
    fn opens_on_failures_with_enough_volume() {
        assert_eq!(next(&b(), BreakerState::Closed, 0.6, 100.0, SimTime(0)), BreakerState::Open(SimTime(0)));
        assert_eq!(next(&b(), BreakerState::Closed, 0.6, 10.0, SimTime(0)), BreakerState::Closed, "too few calls");
        assert_eq!(next(&b(), BreakerState::Closed, 0.4, 100.0, SimTime(0)), BreakerState::Closed);
    }

    #[test]
    fn half_opens_after_the_open_time_and_closes_when_probes_pass() {
        let open = BreakerState::Open(SimTime(0));
        assert_eq!(next(&b(), open, 1.0, 0.0, SimTime(20_000)), open);
        let half = next(&b(), open, 1.0, 0.0, SimTime(30_000));
        assert_eq!(half, BreakerState::HalfOpen(SimTime(30_000)));
        assert_eq!(next(&b(), half, 0.0, 5.0, SimTime(40_000)), BreakerState::Closed);
        assert_eq!(next(&b(), half, 1.0, 5.0, SimTime(40_000)), BreakerState::Open(SimTime(40_000)));
    }

    #[test]
    fn only_probes_pass_half_open() {
        assert_eq!(admitted(&b(), BreakerState::Open(SimTime(0)), 100.0), 0.0);
        assert_eq!(admitted(&b(), BreakerState::HalfOpen(SimTime(0)), 100.0), 0.005);
        assert_eq!(admitted(&b(), BreakerState::Closed, 100.0), 1.0);
    }
}
