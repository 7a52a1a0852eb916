//! Validation: turns the raw file into a [`Model`], collecting every problem with its key path.

mod expect;
mod modes;
mod resilience;
mod retries;
mod scan;
mod scenario;
mod services;
mod values;

use super::error::Issue;
use super::raw::RawTopology;
use crate::model::{Mode, Model, Thresholds, Variant};
use crate::time::Span;
pub use modes::refuse_in_requests;
pub use scan::{as_text, clean, datetimes_as_text, scan};
pub use scenario::PendingSet;
pub use services::validate_services;
pub use values::Ctx;
use values::{Seg, sub};

/// What validation found: a model (its `Set` actions still to be computed) or the problems.
pub struct Validated {
    pub model: Model,
    /// Scenario `set` actions, in the model's (time) order, whose parameters are still to compute.
    pub pending_sets: Vec<PendingSet>,
    /// True when the services and dependencies themselves had no problem.
    pub services_ok: bool,
    /// Every problem found; the model is only meaningful without any.
    pub issues: Vec<Issue>,
}

/// Validates a parsed topology. `default_name` is used when the file has no `name`.
pub fn validate(raw: &RawTopology, default_name: &str, variants: Vec<Variant>) -> Validated {
    let mut ctx = Ctx::default();
    let top: [Seg; 0] = [];
    if let Some(start) = &raw.start {
        ctx.clock = ctx.clock_value(&sub(&top, "start"), start);
    }
    let duration = match &raw.duration {
        Some(d) => {
            let parsed = ctx.span(&sub(&top, "duration"), Some(d), "2h", true);
            if crate::time::parse_span(&d.0).is_ok_and(|s| !s.is_zero()) { parsed } else { Span::ZERO }
        }
        None => {
            ctx.issues.push(
                Issue::at(&top, "missing key `duration`")
                    .help("add `duration = \"2h\"` (the simulated length of the run) at the top level"),
            );
            Span::ZERO
        }
    };
    ctx.duration = (!duration.is_zero()).then_some(duration);
    let step = ctx.span(&sub(&top, "step"), raw.step.as_ref(), "10s", true);
    if !duration.is_zero() && step > duration {
        ctx.issues.push(
            Issue::at(
                &sub(&top, "step"),
                format!("`step` ({step}) is longer than `duration` ({duration}): no sample would be taken"),
            )
            .help("make `step` shorter than the run, like \"10s\""),
        );
    }
    let tick = ctx.span(&sub(&top, "tick"), raw.tick.as_ref(), "10s", true);
    if !duration.is_zero() && tick > duration {
        ctx.issues.push(
            Issue::at(
                &sub(&top, "tick"),
                format!("`tick` ({tick}) is longer than `duration` ({duration}): periodic mechanisms would never act"),
            )
            .help("make `tick` shorter than the run, like \"10s\""),
        );
    }
    let seed = ctx.int(&sub(&top, "seed"), raw.seed, 0, 0, i64::MAX) as u64;
    let mode = match raw.mode.as_deref() {
        None | Some("fluid") => Mode::Fluid,
        Some("requests") => Mode::Requests,
        Some(other) => {
            let all = ["fluid", "requests"];
            ctx.issues.push(
                Issue::at(
                    &sub(&top, "mode"),
                    format!("unknown mode `{other}`{}", crate::topology::suggest::did_you_mean(other, &all)),
                )
                .help("use \"fluid\" (rates, the default) or \"requests\" (one simulated request at a time)"),
            );
            Mode::Fluid
        }
    };
    let max_events = ctx.int(&sub(&top, "max-events"), raw.max_events, 10_000_000, 1, i64::MAX) as u64;
    let max_solves =
        ctx.int(&sub(&top, "max-solves"), raw.max_solves, crate::model::MAX_SOLVES as i64, 1, i64::MAX) as u64;
    let thresholds = thresholds(&mut ctx, raw);

    ctx.segments = resilience::segment_names(raw);
    let before = ctx.issues.len();
    let (services, deps) = validate_services(&mut ctx, &raw.services);
    let services_ok = ctx.issues.len() == before;
    let (scenario, pending_sets) = scenario::validate_scenario(&mut ctx, raw, &services, &deps);
    let expected = expect::validate_expect(&mut ctx, raw, &services);
    if mode == Mode::Requests {
        modes::refuse_in_requests(&mut ctx, raw);
    }

    let model = Model {
        name: raw.name.clone().unwrap_or_else(|| default_name.to_string()),
        description: raw.description.clone().unwrap_or_default(),
        clock: ctx.clock.clone(),
        duration,
        step,
        tick,
        seed,
        mode,
        max_events,
        max_solves,
        thresholds,
        services,
        deps,
        scenario,
        expected,
        variants,
        segments: ctx.segments.clone(),
        disabled: ctx.disabled.clone(),
    };
    Validated { model, pending_sets, services_ok, issues: ctx.issues }
}

fn thresholds(ctx: &mut Ctx, raw: &RawTopology) -> Thresholds {
    let d = Thresholds::default();
    let Some(t) = &raw.thresholds else { return d };
    let base = [Seg::from("thresholds")];
    let mut level = |key: &str, value: Option<f64>, default: f64| match value {
        Some(v) if !(0.0..=1.0).contains(&v) => {
            ctx.issues.push(
                Issue::at(&sub(&base, key), format!("must be between 0 and 1, found {v}"))
                    .help(format!("thresholds are availabilities; write a fraction like {default}")),
            );
            default
        }
        Some(v) => v,
        None => default,
    };
    let mut out = Thresholds {
        impact: level("impact", t.impact, d.impact),
        severe: level("severe", t.severe, d.severe),
        mostly_recovered: level("mostly-recovered", t.mostly_recovered, d.mostly_recovered),
        recovered: level("recovered", t.recovered, d.recovered),
        recovery_band: level("recovery-band", t.recovery_band, d.recovery_band),
        recovery_hold_s: d.recovery_hold_s,
    };
    out.recovery_hold_s = ctx.span(&sub(&base, "recovery-hold"), t.recovery_hold.as_ref(), "5m", false).secs();
    let order = [
        ("severe", out.severe, "mostly-recovered", out.mostly_recovered),
        ("mostly-recovered", out.mostly_recovered, "recovered", out.recovered),
        ("severe", out.severe, "impact", out.impact),
    ];
    for (low, low_v, high, high_v) in order {
        if low_v > high_v {
            ctx.issues.push(
                Issue::at(&sub(&base, low), format!("`{low}` ({low_v}) is above `{high}` ({high_v})"))
                    .help("thresholds must be ordered: severe <= mostly-recovered <= recovered, and severe <= impact"),
            );
        }
    }
    out
}
