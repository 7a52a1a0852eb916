//! Connection draining: an instance leaving rotation finishes requests shorter than the deregistration delay; longer ones are cut.

use crate::model::resilience::Draining;

/// Requests cut when one instance serving `rate` [req/s] leaves rotation.
///
/// Requests in flight at a random moment have a residual time whose tail is
/// `P(R > d) = ∫_d^∞ P(D > x) dx / E[D]`, and an instance holds `rate * E[D]`
/// of them (Little), so `rate * ∫_delay^∞ P(D > x) dx` outlive the delay.
/// Durations are two-valued: most requests are short (they never outlive any
/// realistic delay); `long_fraction` take `long_latency`.
pub fn cut(d: &Draining, rate: f64) -> f64 {
    let over = (d.long_latency.secs() - d.delay.secs()).max(0.0);
    rate * d.long_fraction * over
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    fn d(delay_s: u64) -> Draining {
        Draining { delay: Span(delay_s * 1000), long_fraction: 0.05, long_latency: Span(60_000) }
    }

    #[test]
    fn a_delay_shorter_than_the_longest_requests_cuts_them() {
        assert!((cut(&d(30), 10.0) - 15.0).abs() < 1e-9, "10/s x 5% x 30 s left over");
    }

    #[test]
    fn a_delay_longer_than_every_request_cuts_nothing() {
        assert_eq!(cut(&d(120), 10.0), 0.0);
        assert_eq!(cut(&d(60), 10.0), 0.0);
    }
}
