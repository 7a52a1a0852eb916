//! Concurrency-scaled (serverless) fleets: an instance per concurrent request up to a limit; new and long-idle instances start cold.

use crate::model::resilience::Serverless;

/// The share of requests that meet a cold start over an interval of `dt_s`
/// at `rate` [req/s], each holding an instance `hold_s`, with `warm`
/// instances kept warm.
///
/// Two causes: growth (the concurrency needed, `rate * hold_s`, beyond the
/// warm instances: each new instance's first request is cold) and idleness
/// (at low traffic, a request that comes more than `idle-expiry` after the
/// previous one finds its instance reclaimed: with Poisson arrivals, a share
/// `exp(-rate * expiry)` of them, unless provisioned instances stay warm).
pub fn cold_share(s: &Serverless, warm: f64, rate: f64, hold_s: f64, dt_s: f64) -> f64 {
    if rate <= 0.0 {
        return 0.0;
    }
    let growth = (rate * hold_s - warm).max(0.0) / (rate * dt_s.max(1e-9));
    let idle = if s.provisioned >= 1.0 { 0.0 } else { (-rate * s.idle_expiry.secs()).exp() };
    (growth + idle).min(1.0)
}

/// The instances kept warm: the provisioned ones, and the peak concurrency
/// seen over the last `idle-expiry` (`recent` holds (seconds, concurrency) samples).
pub fn warm(s: &Serverless, recent: &[(f64, f64)], now_s: f64) -> f64 {
    let since = now_s - s.idle_expiry.secs();
    recent.iter().filter(|(t, _)| *t >= since).map(|(_, c)| *c).fold(s.provisioned, f64::max)
}

/// The most requests per second the concurrency limit lets through [req/s].
pub fn limit_rate(s: &Serverless, hold_s: f64) -> f64 {
    if hold_s <= 0.0 { f64::INFINITY } else { s.limit / hold_s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    fn s(provisioned: f64) -> Serverless {
        Serverless { limit: 1000.0, idle_expiry: Span(600_000), cold_start: Span(4000), provisioned }
    }

    #[test]
    fn a_spike_beyond_the_warm_instances_starts_cold() {
        // 1500/s for 0.2 s: 300 instances needed, 20 warm: 280 first requests of 1500 in a second are cold.
        let c = cold_share(&s(0.0), 20.0, 1500.0, 0.2, 1.0);
        assert!((c - 280.0 / 1500.0).abs() < 1e-9, "{c}");
        assert_eq!(cold_share(&s(400.0), 400.0, 1500.0, 0.2, 1.0), 0.0, "provisioned concurrency covers it");
    }

    #[test]
    fn at_low_traffic_idle_instances_expire() {
        let quiet = cold_share(&s(0.0), 1.0, 1.0 / 900.0, 0.2, 10.0);
        assert!((quiet - (-600.0f64 / 900.0).exp()).abs() < 1e-9, "one request every 15 minutes: {quiet}");
        assert!(cold_share(&s(0.0), 5.0, 20.0, 0.2, 10.0) < 1e-9, "busy: never idle that long");
        assert_eq!(cold_share(&s(1.0), 1.0, 1.0 / 900.0, 0.2, 10.0), 0.0);
    }

    #[test]
    fn warm_instances_follow_the_recent_peak() {
        let recent = [(0.0, 300.0), (500.0, 40.0), (700.0, 20.0)];
        assert_eq!(warm(&s(0.0), &recent, 590.0), 300.0);
        assert_eq!(warm(&s(0.0), &recent, 700.0), 40.0, "the peak at 0 s has expired");
        assert_eq!(warm(&s(100.0), &recent, 1300.0), 100.0);
        assert_eq!(limit_rate(&s(0.0), 0.2), 5000.0);
    }
}
