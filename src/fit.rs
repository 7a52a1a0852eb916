//! Fitting a topology's uncertain parameters to its expected timeline, and what the timeline pins down.
//!
//! The objective is the mean absolute error, in minutes, of the expected
//! milestones that are not held out, a milestone never reached counting as a
//! fixed penalty. The search spends its budget on a Latin hypercube, a compass
//! search from the best point and a profile of each parameter. Points are
//! evaluated in parallel batches and every decision is taken in batch order,
//! so the result depends on the seed only, not on the thread count.

pub mod eval;
pub mod keys;
pub mod search;
pub mod shard;
pub mod space;

pub use eval::{Evaluator, Score};
pub use space::Dim;

use crate::analysis::report::ExpectationReport;
use crate::sweep::Value;
use search::{Evaluated, Phase, Search};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// Mean-error margin over the best that a parameter's range keeps [min].
pub const TOLERANCE_MIN: f64 = 1.0;
/// Evaluations a fit spends by default.
pub const BUDGET: usize = 200;
/// The most evaluations one fit may plan.
pub const MAX_BUDGET: usize = 1_000_000;

/// What to fit.
#[derive(Debug, Clone)]
pub struct Request {
    pub dims: Vec<Dim>,
    pub budget: usize,
    /// Seeds the hypercube.
    pub seed: u64,
    pub tolerance_min: f64,
}

/// What `fit` writes to fit.json (the contract: `best`, `ranges`, `score`, `held_out`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitFile {
    pub topology: String,
    pub params: Vec<Dim>,
    pub budget: usize,
    pub seed: u64,
    /// Every run's own seed.
    pub run_seed: u64,
    pub tolerance_min: f64,
    /// The best point's values.
    pub best: BTreeMap<String, Value>,
    /// Per parameter, the lowest and highest value among the evaluated points
    /// scoring within `tolerance_min` of the best.
    pub ranges: BTreeMap<String, [Value; 2]>,
    /// The best point's score over the milestones not held out.
    pub score: Option<Score>,
    /// The held-out milestones at the best point, as the report's expectation rows.
    pub held_out: Vec<ExpectationReport>,
    /// Every expected milestone at the best point.
    pub expectations: Vec<ExpectationReport>,
    /// Evaluated points, in evaluation order.
    pub points: Vec<Evaluated>,
    /// False when Ctrl-C stopped the search: what finished is kept.
    pub complete: bool,
    /// Set in a shard's file (`fit --shard K/N`): what `merge` needs to continue the search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<shard::FitShard>,
}

/// Runs the fit. `stop` (Ctrl-C) ends it after the batch in flight; `done` is called after each evaluation.
pub fn fit(eval: &Evaluator, req: &Request, stop: &AtomicBool, done: &(dyn Fn() + Sync)) -> FitFile {
    fit_from(eval, req, shard::Cache::new(), stop, done)
}

/// The points the hypercube asks for: about half the budget.
fn hypercube_size(budget: usize) -> usize {
    (budget / 2).saturating_sub(1).max(if budget > 1 { 1 } else { 0 })
}

/// Runs the fit, taking the points in `cache` (evaluated by shards) instead of running them.
pub fn fit_from(
    eval: &Evaluator,
    req: &Request,
    cache: shard::Cache,
    stop: &AtomicBool,
    done: &(dyn Fn() + Sync),
) -> FitFile {
    let mut s = Search::new(eval, &req.dims, req.budget, stop, done);
    s.cache = cache;
    s.start();
    s.hypercube(hypercube_size(req.budget), req.seed);
    let pattern_until = req.budget.saturating_mul(4) / 5;
    s.pattern(pattern_until);
    s.profile(req.tolerance_min, 8);
    // Budget the profile left unused goes back to the local search.
    s.pattern(req.budget);
    finish(eval, req, s)
}

fn finish(eval: &Evaluator, req: &Request, s: Search) -> FitFile {
    let best = s.best().filter(|&b| s.points[b].score.is_some());
    let mut ranges = BTreeMap::new();
    if let Some(b) = best {
        let limit = s.points[b].objective() + req.tolerance_min;
        for (i, d) in req.dims.iter().enumerate() {
            let within = (0..s.points.len()).filter(|&p| s.points[p].objective() <= limit);
            let lo = within.clone().min_by(|&x, &y| s.coords[x][i].total_cmp(&s.coords[y][i]));
            let hi = within.max_by(|&x, &y| s.coords[x][i].total_cmp(&s.coords[y][i]));
            if let (Some(lo), Some(hi)) = (lo, hi) {
                ranges.insert(d.key.clone(), [s.points[lo].values[i].clone(), s.points[hi].values[i].clone()]);
            }
        }
    }
    let rows = &s.best_rows;
    FitFile {
        topology: eval.source.clone(),
        params: req.dims.clone(),
        budget: req.budget,
        seed: req.seed,
        run_seed: eval.model(&[]).map_or(0, |m| m.seed),
        tolerance_min: req.tolerance_min,
        best: best.map_or_else(BTreeMap::new, |b| {
            req.dims.iter().zip(&s.points[b].values).map(|(d, v)| (d.key.clone(), v.clone())).collect()
        }),
        ranges,
        score: best.and_then(|b| s.points[b].score.clone()),
        held_out: rows.iter().filter(|r| eval.is_held_out(r)).cloned().collect(),
        expectations: rows.clone(),
        complete: !s.interrupted,
        points: s.points,
        shard: None,
    }
}

/// The phases' names, for the plot's legend.
pub fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Start => "the topology's values",
        Phase::Hypercube => "Latin hypercube",
        Phase::Pattern => "compass search",
        Phase::Profile => "profile",
    }
}
