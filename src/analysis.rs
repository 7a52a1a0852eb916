//! Analysis of a run: milestones, blast radius and the score against an expected timeline.

pub mod blast;
pub mod compare;
pub mod milestones;
pub mod report;

pub use report::Report;

use crate::engine::RunResult;
use crate::model::Model;
use report::{EventReport, ExpectationReport, Milestone, Score, ServiceReport};

/// Summarises a run of `model` into its report.
/// Latency figures to the microsecond.
fn round_latency(l: crate::engine::Latency) -> crate::engine::Latency {
    let r = |x: f64| round(x, 3);
    crate::engine::Latency {
        p50_ms: r(l.p50_ms),
        p90_ms: r(l.p90_ms),
        p99_ms: r(l.p99_ms),
        p999_ms: r(l.p999_ms),
        mean_ms: r(l.mean_ms),
        max_ms: r(l.max_ms),
    }
}

pub fn analyze(model: &Model, result: &RunResult, variant: Option<&str>) -> Report {
    let services: Vec<ServiceReport> = model
        .services
        .iter()
        .zip(&result.services)
        .map(|(svc, series)| {
            let avail = milestones::Curve::from_runs(series.samples.in_runs().map(|(s, n)| (s.availability, n)));
            let found = milestones::find(&result.times, &avail, model.step, &model.thresholds);
            let (min_i, min) = avail.lowest();
            ServiceReport {
                name: svc.name.clone(),
                impacted: !found.is_empty(),
                min_availability: round(min, 6),
                min_at: min_i.map(|i| model.show_time(result.times[i])),
                offered_requests: round(series.totals.offered, 0),
                failed_requests: round(series.totals.failed, 0),
                error_minutes: round(milestones::error_minutes(&avail, model.step), 2),
                impact_minutes: round(milestones::minutes_below(&avail, model.thresholds.impact, model.step), 2),
                milestones: found
                    .into_iter()
                    .map(|(kind, t)| Milestone { kind, at: model.show_time(t), t_s: t.secs() })
                    .collect(),
                latency: series.latency.map(round_latency),
            }
        })
        .collect();
    let expectations = expectations(model, &services);
    let score = (!expectations.is_empty()).then(|| score(&expectations));
    Report {
        topology: model.name.clone(),
        variant: variant.map(str::to_string),
        seed: model.seed,
        mode: model.mode,
        start: model.clock.as_ref().map(|c| c.start.clone()),
        duration_s: model.duration.secs(),
        step_s: model.step.secs(),
        thresholds: model.thresholds,
        services,
        events: result
            .log
            .iter()
            .map(|e| EventReport {
                at: model.show_time(e.at),
                t_s: e.at.secs(),
                service: e.service.map(|s| model.service(s).name.clone()),
                what: e.what.clone(),
                scheduled: e.scheduled,
            })
            .collect(),
        expectations,
        score,
    }
}

fn expectations(model: &Model, services: &[ServiceReport]) -> Vec<ExpectationReport> {
    model
        .expected
        .iter()
        .map(|e| {
            let reached = services[e.service.0].milestones.iter().find(|m| m.kind == e.kind);
            ExpectationReport {
                service: model.service(e.service).name.clone(),
                kind: e.kind,
                expected: e.at_text.clone(),
                simulated: reached.map(|m| m.at.clone()),
                error_min: reached.map(|m| round((m.t_s - e.at.secs()) / 60.0, 1)),
            }
        })
        .collect()
}

fn score(expectations: &[ExpectationReport]) -> Score {
    let errors: Vec<f64> = expectations.iter().filter_map(|e| e.error_min.map(f64::abs)).collect();
    let mean = (!errors.is_empty()).then(|| round(errors.iter().sum::<f64>() / errors.len() as f64, 1));
    Score {
        expected: expectations.len(),
        reached: errors.len(),
        within_10_min: errors.iter().filter(|&&e| e <= 10.0).count(),
        mean_abs_error_min: mean,
        worst_abs_error_min: errors.iter().copied().reduce(f64::max),
    }
}

/// Rounds to `digits` decimals, so reports stay stable and readable.
pub fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    let r = (x * f).round() / f;
    if r == 0.0 { 0.0 } else { r }
}
