//! What one injected fault did: each service's loss against the run without the fault.

use crate::engine::RunResult;
use crate::model::Thresholds;
use crate::time::SimTime;

/// One service's loss in one faulted run, against the baseline run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Loss {
    /// Its availability fell more than `1 - impact` below the baseline's at some sample.
    pub impacted: bool,
    /// The integral of availability lost against the baseline [min]; 0 when not impacted.
    pub error_minutes: f64,
    /// Requests failed beyond the baseline's [requests]; 0 when not impacted.
    pub failed_requests: f64,
    /// When it was back within `1 - recovered` of the baseline for good [s since
    /// the start]; `None` if it still was not at the end of the run.
    pub recovered_at_s: Option<f64>,
}

/// Each service's loss in `faulted` against `baseline` (same model and seed, no fault).
///
/// Availability lost at a sample is `max(0, baseline - faulted)`; a service
/// is impacted when that passes `1 - thresholds.impact`, and recovered from
/// the sample after the last one where it passes `1 - thresholds.recovered`.
/// Comparing with the baseline, not with 100%, keeps a kept scenario's own
/// impact and an overloaded service's steady errors out of the fault's account.
/// O(services x samples).
pub fn losses(baseline: &RunResult, faulted: &RunResult, thresholds: &Thresholds, step_s: f64) -> Vec<Loss> {
    baseline
        .services
        .iter()
        .zip(&faulted.services)
        .map(|(b, f)| {
            let lost: Vec<f64> =
                b.samples.iter().zip(&f.samples).map(|(b, f)| (b.availability - f.availability).max(0.0)).collect();
            let impacted = lost.iter().any(|&l| l > 1.0 - thresholds.impact + 1e-12);
            if !impacted {
                return Loss { recovered_at_s: Some(0.0), ..Loss::default() };
            }
            let last_bad = lost.iter().rposition(|&l| l > 1.0 - thresholds.recovered + 1e-12);
            let recovered_at_s = match last_bad {
                None => Some(0.0),
                Some(i) => faulted.times.get(i + 1).map(|t: &SimTime| t.secs()),
            };
            Loss {
                impacted,
                error_minutes: lost.iter().sum::<f64>() * step_s / 60.0,
                failed_requests: (f.totals.failed - b.totals.failed).max(0.0),
                recovered_at_s,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Sample, ServiceSeries};

    fn result(curves: &[&[f64]], failed: &[f64]) -> RunResult {
        RunResult {
            times: (1..=curves[0].len()).map(|i| SimTime(i as u64 * 10_000)).collect(),
            services: curves
                .iter()
                .zip(failed)
                .map(|(c, &f)| ServiceSeries {
                    samples: c.iter().map(|&a| Sample { availability: a, ..Sample::default() }).collect(),
                    totals: crate::engine::Totals { failed: f, ..Default::default() },
                    latency: None,
                    waits: None,
                })
                .collect(),
            log: Vec::new(),
            events: 0,
        }
    }

    #[test]
    fn loss_is_measured_against_the_baseline() {
        let t = Thresholds::default();
        let base = result(&[&[1.0, 1.0, 1.0, 1.0], &[0.5, 0.5, 0.5, 0.5]], &[0.0, 100.0]);
        let hit = result(&[&[1.0, 0.4, 0.9, 1.0], &[0.5, 0.498, 0.5, 0.5]], &[50.0, 101.0]);
        let l = losses(&base, &hit, &t, 10.0);
        assert!(l[0].impacted);
        assert!((l[0].error_minutes - 0.7 * 10.0 / 60.0).abs() < 1e-9);
        assert_eq!(l[0].failed_requests, 50.0);
        assert_eq!(l[0].recovered_at_s, Some(40.0));
        assert!(!l[1].impacted, "a steady 50% that the fault barely moves is not the fault's impact");
        assert_eq!(l[1].error_minutes, 0.0);
    }

    #[test]
    fn a_service_still_down_at_the_end_never_recovered() {
        let base = result(&[&[1.0, 1.0, 1.0]], &[0.0]);
        let hit = result(&[&[1.0, 0.0, 0.0]], &[9.0]);
        let l = losses(&base, &hit, &Thresholds::default(), 10.0);
        assert_eq!(l[0].recovered_at_s, None);
    }
}
