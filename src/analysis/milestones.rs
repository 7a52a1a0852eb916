//! Milestones: where a service's availability curve crosses the thresholds.
//!
//! Sample `i` covers the step ending at `times[i]`. A crossing is dated at the
//! step boundary: impact at the start of the first bad step, recovery at the
//! end of the last bad one. Curves are read as runs of equal values, so a
//! day of steady samples costs one run, not one pass per sample.

use crate::model::{MilestoneKind, Thresholds};
use crate::time::{SimTime, Span};

/// An availability curve as runs of bitwise-equal values in a row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Curve {
    /// Each run's value and the index one past its last sample.
    runs: Vec<(f64, usize)>,
}

impl Curve {
    /// The curve of `n` samples of each value in turn, runs of equal values merged.
    pub fn from_runs(runs: impl IntoIterator<Item = (f64, usize)>) -> Curve {
        let runs = runs.into_iter();
        let mut c = Curve { runs: Vec::with_capacity(runs.size_hint().0) };
        for (value, n) in runs {
            if n == 0 {
                continue;
            }
            match c.runs.last_mut() {
                Some((last, end)) if last.to_bits() == value.to_bits() => *end += n,
                _ => c.runs.push((value, c.len() + n)),
            }
        }
        c
    }

    /// Samples in the curve.
    pub fn len(&self) -> usize {
        self.runs.last().map_or(0, |r| r.1)
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Each run's value, its first sample and one past its last.
    fn spans(&self) -> impl DoubleEndedIterator<Item = (f64, usize, usize)> + '_ {
        self.runs.iter().enumerate().map(|(k, &(v, end))| (v, if k == 0 { 0 } else { self.runs[k - 1].1 }, end))
    }

    /// The first sample whose value passes `f`.
    fn position(&self, f: impl Fn(f64) -> bool) -> Option<usize> {
        self.spans().find(|&(v, ..)| f(v)).map(|(_, start, _)| start)
    }

    /// The last sample whose value passes `f`.
    fn rposition(&self, f: impl Fn(f64) -> bool) -> Option<usize> {
        self.spans().rev().find(|&(v, ..)| f(v)).map(|(.., end)| end - 1)
    }

    /// The lowest value under 1 and its first sample, if any (a NaN is never lowest).
    pub fn lowest(&self) -> (Option<usize>, f64) {
        self.spans().fold((None, 1.0), |(bi, b), (a, start, _)| if a < b { (Some(start), a) } else { (bi, b) })
    }
}

/// The milestones of one availability curve, in kind order.
pub fn find(times: &[SimTime], availability: &Curve, step: Span, th: &Thresholds) -> Vec<(MilestoneKind, SimTime)> {
    let start_of = |i: usize| SimTime(times[i].0.saturating_sub(step.0));
    let first_below = |level: f64| availability.position(|a| a < level);
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
        let j = availability.rposition(|a| a < level)?;
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
fn recovery_start(availability: &Curve, impact: usize, band: f64) -> Option<usize> {
    let min = availability.spans().filter(|&(.., end)| end > impact).map(|(v, ..)| v).fold(f64::INFINITY, f64::min);
    let depth = 1.0 - min;
    let climbed = availability.runs.last().is_some_and(|&(a, _)| a >= min + 0.5 * depth);
    let band = min + band * depth;
    availability.rposition(|a| a <= band).filter(|&k| k >= impact && climbed)
}

/// Integral of unavailability [min]: the samples' shortfalls added one by one
/// in order (a run of full availability adds nothing after its first sample).
pub fn error_minutes(availability: &Curve, step: Span) -> f64 {
    let mut sum = std::iter::empty::<f64>().sum::<f64>();
    for (a, start, end) in availability.spans() {
        let short = 1.0 - a;
        let n = if short.to_bits() == 0 { 1 } else { end - start };
        for _ in 0..n {
            sum += short;
        }
    }
    sum * step.secs() / 60.0
}

/// Time below `level` [min].
pub fn minutes_below(availability: &Curve, level: f64, step: Span) -> f64 {
    availability.spans().filter(|&(a, ..)| a < level).map(|(_, start, end)| end - start).sum::<usize>() as f64
        * step.secs()
        / 60.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(values: &[f64]) -> (Vec<SimTime>, Curve) {
        let times = (1..=values.len() as u64).map(|i| SimTime(i * 60_000)).collect();
        (times, Curve::from_runs(values.iter().map(|&v| (v, 1))))
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
        let (_, a) = curve(&[1.0, 0.5, 0.0]);
        assert_eq!(error_minutes(&a, Span(60_000)), 1.5);
        assert_eq!(minutes_below(&a, 0.99, Span(60_000)), 2.0);
    }

    /// The milestones read sample by sample, as they were before curves were read as runs.
    mod by_sample {
        use super::*;

        pub fn find(times: &[SimTime], a: &[f64], step: Span, th: &Thresholds) -> Vec<(MilestoneKind, SimTime)> {
            let start_of = |i: usize| SimTime(times[i].0.saturating_sub(step.0));
            let first_below = |level: f64| a.iter().position(|&x| x < level);
            let Some(impact) = first_below(th.impact) else { return Vec::new() };
            let mut out = vec![(MilestoneKind::ImpactStart, start_of(impact))];
            if let Some(i) = first_below(th.severe) {
                out.push((MilestoneKind::Severe, start_of(i)));
            }
            let last = a.len() - 1;
            let min = a[impact..].iter().copied().fold(f64::INFINITY, f64::min);
            let depth = 1.0 - min;
            let climbed = a[last] >= min + 0.5 * depth;
            let band = min + th.recovery_band * depth;
            if let Some(k) = a.iter().rposition(|&x| x <= band).filter(|&k| k >= impact && climbed)
                && k < last
            {
                out.push((MilestoneKind::RecoveryStart, times[k]));
            }
            let held = |j: usize| times[last].since(times[j]).secs() >= th.recovery_hold_s;
            let back_above = |level: f64| {
                let j = a.iter().rposition(|&x| x < level)?;
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

        pub fn error_minutes(a: &[f64], step: Span) -> f64 {
            a.iter().map(|x| 1.0 - x).sum::<f64>() * step.secs() / 60.0
        }
    }

    proptest::proptest! {
        #[test]
        fn a_curve_read_as_runs_gives_what_it_gives_sample_by_sample(
            picks in proptest::collection::vec((0usize..6, 1usize..5), 1..40),
            hold in 0u64..600,
        ) {
            let levels = [1.0, 0.999_999_7, 0.97, 0.5, 0.123_456_789, 0.0];
            let a: Vec<f64> = picks.iter().flat_map(|&(k, n)| std::iter::repeat_n(levels[k], n)).collect();
            let (times, _) = curve(&a);
            let runs = Curve::from_runs(picks.iter().map(|&(k, n)| (levels[k], n)));
            let th = Thresholds { recovery_hold_s: hold as f64, ..Thresholds::default() };
            let step = Span(60_000);
            proptest::prop_assert_eq!(runs.len(), a.len());
            proptest::prop_assert_eq!(find(&times, &runs, step, &th), by_sample::find(&times, &a, step, &th));
            let (e, reference) = (error_minutes(&runs, step), by_sample::error_minutes(&a, step));
            proptest::prop_assert_eq!(e.to_bits(), reference.to_bits());
            let below = a.iter().filter(|&&x| x < th.impact).count() as f64;
            proptest::prop_assert_eq!(minutes_below(&runs, th.impact, step), below);
            let lowest = a.iter().enumerate().fold((None, 1.0), |(bi, b), (i, &x)| if x < b { (Some(i), x) } else { (bi, b) });
            proptest::prop_assert_eq!(runs.lowest(), lowest);
        }
    }
}
