//! Request counts and response times per service, streamed into histograms (never kept per request).

mod tally;

use crate::engine::result::{Latency, Sample, Totals, Waits};
use hdrhistogram::Histogram;
use tally::Tally;

/// Longest response time a histogram resolves: one hour [µs]; longer ones count as this.
const HIGHEST_US: u64 = 3_600_000_000;

/// Counts over a step or a run [requests; thread-µs].
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub offered: u64,
    pub served: u64,
    pub failed: u64,
    pub thread_us: u64,
}

/// One service's statistics: response times over the run (3 significant
/// digits) and over the step (2), waits over the run (2), tallied per request
/// and read through HdrHistogram.
pub struct Stats {
    pub step: Counts,
    pub total: Counts,
    run: Tally,
    step_tally: Tally,
    wait: Tally,
    /// The step's response times as a histogram, kept to reuse its memory.
    step_hist: Histogram<u64>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            step: Counts::default(),
            total: Counts::default(),
            run: Tally::new(HIGHEST_US, 3),
            step_tally: Tally::new(HIGHEST_US, 2),
            wait: Tally::new(HIGHEST_US, 2),
            step_hist: Histogram::new_with_bounds(1, HIGHEST_US, 2).expect("valid histogram bounds"),
        }
    }
}

impl Stats {
    #[inline]
    pub fn offered(&mut self) {
        self.step.offered += 1;
        self.total.offered += 1;
    }

    /// A successful request that took `us` microseconds.
    #[inline]
    pub fn served(&mut self, us: u64) {
        self.step.served += 1;
        self.total.served += 1;
        let v = us.max(1);
        self.run.record(v);
        self.step_tally.record(v);
    }

    #[inline]
    pub fn failed(&mut self) {
        self.step.failed += 1;
        self.total.failed += 1;
    }

    /// A request waited `us` microseconds before its work started.
    #[inline]
    pub fn waited(&mut self, us: u64) {
        self.wait.record(us);
    }

    #[inline]
    pub fn held(&mut self, us: u64) {
        self.step.thread_us += us;
        self.total.thread_us += us;
    }

    /// Closes a step of `step_us`: its sample (fleet fields left to the caller), counters reset.
    pub fn close_step(&mut self, step_us: u64) -> Sample {
        let c = std::mem::take(&mut self.step);
        let secs = step_us as f64 / 1e6;
        let done = c.served + c.failed;
        self.step_tally.add_to(&mut self.step_hist);
        self.step_tally.reset();
        let quantile = |h: &Histogram<u64>, q: f64| (!h.is_empty()).then(|| h.value_at_quantile(q) as f64 / 1000.0);
        let sample = Sample {
            offered: c.offered as f64 / secs,
            served: c.served as f64 / secs,
            failed: c.failed as f64 / secs,
            availability: if done > 0 { c.served as f64 / done as f64 } else { 1.0 },
            threads_in_use: c.thread_us as f64 / step_us as f64,
            p50_ms: quantile(&self.step_hist, 0.5),
            p99_ms: quantile(&self.step_hist, 0.99),
            ..Sample::default()
        };
        self.step_hist.reset();
        sample
    }

    /// Totals over the run; `in_flight` requests were neither served nor failed.
    pub fn totals(&self, in_flight: u64) -> Totals {
        Totals {
            offered: self.total.offered as f64,
            served: self.total.served as f64,
            failed: self.total.failed as f64,
            queued: in_flight as f64,
        }
    }

    /// The run's waits, if any request's work started.
    pub fn waits(&self) -> Option<Waits> {
        (!self.wait.is_empty()).then(|| Waits(self.wait.to_histogram()))
    }

    /// The run's response times, if any request succeeded.
    pub fn latency(&self) -> Option<Latency> {
        let h = &self.run.to_histogram();
        let ms = |us: u64| us as f64 / 1000.0;
        (!h.is_empty()).then(|| Latency {
            p50_ms: ms(h.value_at_quantile(0.5)),
            p90_ms: ms(h.value_at_quantile(0.9)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            mean_ms: h.mean() / 1000.0,
            max_ms: ms(h.max()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_come_from_the_histogram() {
        let mut s = Stats::default();
        for ms in 1..=1000u64 {
            s.offered();
            s.served(ms * 1000);
        }
        let l = s.latency().unwrap();
        assert!((l.p50_ms - 500.0).abs() < 1.0, "{l:?}");
        assert!((l.p99_ms - 990.0).abs() < 1.5, "{l:?}");
        assert!((l.mean_ms - 500.5).abs() < 0.5, "{l:?}");
        let sample = s.close_step(10_000_000);
        assert_eq!(sample.served, 100.0);
        assert!(sample.p50_ms.is_some());
        assert_eq!(s.close_step(10_000_000).p50_ms, None);
    }
}
