//! Milestones: where a service's availability curve crosses the thresholds.
//!
//! Sample `i` covers the step ending at `times[i]`. A crossing is dated at the
//! step boundary: impact at the start of the first bad step, recovery at the
//! end of the last bad one.

use crate::model::{MilestoneKind, Thresholds};
use crate::time::{SimTime, Span};

/// The milestones of one availability curve, in kind order.
pub fn find(times: &[SimTime], availability: &[f64], step: Span, th: &Thresholds) -> Vec<(MilestoneKind, SimTime)> {
    let start_of = |i: usize| SimTime(times[i].0.saturating_sub(step.0));
    let first_below = |level: f64| availability.iter().position(|&a| a < level);
    let Some(impact) = first_below(th.impact) else {
        return Vec::new();
    };
    let mut out = vec![(MilestoneKind::ImpactStart, start_of(impact))];
    if let Some(i) = first_below(th.severe) {
        out.push((MilestoneKind::Severe, start_of(i)));
    }
    let last = availability.len() - 1;
    if let Some(k) = recovery_start(availability, impact, th.recovery_band)
        && k < last
    {
        out.push((MilestoneKind::RecoveryStart, times[k]));
    }
    // Back for good: the curve stays at or above the level from the end of
    // its last step below it, for at least the hold before the run ends.
    let held = |j: usize| times[last].since(times[j]).secs() >= th.recovery_hold_s;
    let back_above = |level: f64| {
        let j = availability.iter().rposition(|&a| a < level)?;
        (j < last && held(j)).then(|| times[j])
    };
    if first_below(th.mostly_recovered).is_some()
        && let Some(t) = back_above(th.mostly_recovered)
    {
        out.push((MilestoneKind::MostlyRecovered, t));
    }
    if let Some(t) = back_above(th.recovered) {
        out.push((MilestoneKind::Recovered, t));
    }
    out
}

/// The last sample at the bottom of the curve (within `band` of the impact's
/// depth) after the impact starts, provided the curve ends at least halfway back up.
fn recovery_start(availability: &[f64], impact: usize, band: f64) -> Option<usize> {
    let min = availability[impact..].iter().copied().fold(f64::INFINITY, f64::min);
    let depth = 1.0 - min;
    let climbed = availability.last().is_some_and(|&a| a >= min + 0.5 * depth);
    let band = min + band * depth;
    availability.iter().rposition(|&a| a <= band).filter(|&k| k >= impact && climbed)
}

/// Integral of unavailability [min].
pub fn error_minutes(availability: &[f64], step: Span) -> f64 {
    availability.iter().map(|a| 1.0 - a).sum::<f64>() * step.secs() / 60.0
}

/// Time below `level` [min].
pub fn minutes_below(availability: &[f64], level: f64, step: Span) -> f64 {
    availability.iter().filter(|&&a| a < level).count() as f64 * step.secs() / 60.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(values: &[f64]) -> (Vec<SimTime>, Vec<f64>) {
        let times = (1..=values.len() as u64).map(|i| SimTime(i * 60_000)).collect();
        (times, values.to_vec())
    }

    fn kinds(found: &[(MilestoneKind, SimTime)]) -> Vec<(&'static str, u64)> {
        found.iter().map(|(k, t)| (k.as_str(), t.0 / 60_000)).collect()
    }

    #[test]
    fn a_healthy_curve_has_no_milestones() {
        let (t, a) = curve(&[1.0, 0.995, 1.0]);
        assert!(find(&t, &a, Span(60_000), &Thresholds::default()).is_empty());
    }

    #[test]
    fn an_outage_and_its_recovery_are_dated_at_step_boundaries() {
        let (t, a) = curve(&[1.0, 0.98, 0.5, 0.0, 0.0, 0.3, 0.96, 0.999, 1.0]);
        let m = find(&t, &a, Span(60_000), &Thresholds { recovery_hold_s: 120.0, ..Thresholds::default() });
        assert_eq!(
            kinds(&m),
            [("impact_start", 1), ("severe", 2), ("recovery_start", 5), ("mostly_recovered", 6), ("recovered", 7)]
        );
    }

    #[test]
    fn a_service_down_at_the_end_has_not_recovered() {
        let (t, a) = curve(&[1.0, 0.2, 0.0, 0.1]);
        let m = find(&t, &a, Span(60_000), &Thresholds::default());
        assert_eq!(kinds(&m), [("impact_start", 1), ("severe", 1)]);
    }

    #[test]
    fn a_recovery_needs_the_hold_before_the_run_ends() {
        let (t, a) = curve(&[1.0, 0.5, 0.999, 0.5, 0.999, 0.5, 1.0, 1.0]);
        let th = Thresholds { recovery_hold_s: 180.0, ..Thresholds::default() };
        let kinds_of = |th: &Thresholds| kinds(&find(&t, &a, Span(60_000), th));
        assert!(!kinds_of(&th).iter().any(|k| k.0 == "recovered"), "2 min above is not 3: not recovered");
        let short = Thresholds { recovery_hold_s: 120.0, ..th };
        assert!(kinds_of(&short).contains(&("recovered", 6)));
        let (t, a) = curve(&[1.0, 0.5, 0.999, 0.5, 0.999, 0.5, 1.0]);
        let m = find(&t, &a, Span(60_000), &Thresholds { recovery_hold_s: 0.0, ..th });
        assert!(kinds(&m).contains(&("recovered", 6)), "no hold: the last sample still counts");
        assert!(!kinds(&find(&t, &a, Span(60_000), &th)).iter().any(|k| k.0 == "recovered"));
    }

    #[test]
    fn error_minutes_integrate_unavailability() {
        assert_eq!(error_minutes(&[1.0, 0.5, 0.0], Span(60_000)), 1.5);
        assert_eq!(minutes_below(&[1.0, 0.5, 0.0], 0.99, Span(60_000)), 2.0);
    }
}
