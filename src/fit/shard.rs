//! Sharding a fit: each shard runs its slice of the start point and the Latin hypercube; the merge
//! continues the search from their points, giving what one machine running the whole fit gives.
//!
//! The hypercube is the only part of the search whose points do not depend on
//! earlier results, so it is what shards split (job 0 is the topology's own
//! values, job `1 + i` the hypercube's `i`th point; shard K of N owns the jobs
//! `j` with `j % N == K - 1`). The compass search and the profile that follow
//! each depend on the points before them: the merge runs them, taking every
//! point the shards evaluated instead of running it again. A shard's file
//! carries the evaluated topology text and options, so the merge needs nothing else.

use super::eval::Evaluator;
use super::search::{Evaluated, Search};
use super::{FitFile, Request};
use crate::analysis::report::ExpectationReport;
use crate::model::MilestoneKind;
use crate::sweep::Shard;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicBool;

/// Points evaluated by shards, by their `--set` key, with their expectation rows.
pub type Cache = HashMap<String, (Evaluated, Vec<ExpectationReport>)>;

/// What a shard's fit.json adds: which shard it is, and what the merge needs to continue the search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitShard {
    /// 1-based.
    pub k: usize,
    pub n: usize,
    /// The topology's text as evaluated (with any `--expect` tables appended).
    pub text: String,
    /// `--set` overrides applied before the fitted values.
    pub sets: Vec<String>,
    pub variant: Option<String>,
    /// `--seed`, when given.
    pub seed_override: Option<u64>,
    /// `--hold-out` milestones, as `[service, kind]`.
    pub held_out: Vec<(String, MilestoneKind)>,
    pub miss_penalty_min: f64,
    /// Each evaluated point's expectation rows, in `points` order.
    pub rows: Vec<Vec<ExpectationReport>>,
}

/// Runs shard `shard` of the fit: its jobs among the start point and the hypercube, nothing more.
/// The file has no best point or ranges: `merge` gives them.
pub fn run(eval: &Evaluator, req: &Request, shard: Shard, stop: &AtomicBool, done: &(dyn Fn() + Sync)) -> FitFile {
    let mut s = Search::new(eval, &req.dims, req.budget, stop, done);
    s.only = Some(shard);
    s.keep_rows = true;
    s.start();
    s.hypercube(super::hypercube_size(req.budget), req.seed);
    let rows = std::mem::take(&mut s.rows);
    let mut file = super::finish(eval, req, s);
    file.best = BTreeMap::new();
    file.ranges = BTreeMap::new();
    file.score = None;
    file.held_out = Vec::new();
    file.expectations = Vec::new();
    file.shard = Some(FitShard {
        k: shard.k,
        n: shard.n,
        text: eval.text.clone(),
        sets: eval.sets.clone(),
        variant: eval.variant.clone(),
        seed_override: eval.seed,
        held_out: eval.held_out.clone(),
        miss_penalty_min: eval.miss_penalty_min,
        rows,
    });
    file
}

/// Checks that `files` are the shards 1/N to N/N of one fit, each once and complete, and gives
/// the evaluator, the request and the shards' points to continue it with [`super::fit_from`].
pub fn merge(files: &[FitFile]) -> Result<(Evaluator, Request, Cache), String> {
    let Some(first) = files.first() else {
        return Err("no shard files given; pass every shard's fit.json".into());
    };
    let Some(spec) = &first.shard else {
        return Err("file 1 is not a shard (no `shard` field); pass files written with `fit --shard K/N`".into());
    };
    let n = spec.n;
    let mut seen = vec![false; n];
    let mut cache = Cache::new();
    for (i, f) in files.iter().enumerate() {
        let Some(s) = &f.shard else {
            return Err(format!("file {} is not a shard (no `shard` field)", i + 1));
        };
        if let Some(field) = difference(first, spec, f, s) {
            return Err(format!(
                "file {} was made by a different fit than file 1: `{field}` differs; run every shard with the same topology and options",
                i + 1
            ));
        }
        if s.n != n || s.k == 0 || s.k > n {
            return Err(format!("file {} is shard {}/{}, but file 1 is one of {n}", i + 1, s.k, s.n));
        }
        if std::mem::replace(&mut seen[s.k - 1], true) {
            return Err(format!("shard {}/{n} is given twice", s.k));
        }
        if !f.complete {
            return Err(format!(
                "file {} (shard {}/{n}) was interrupted (\"complete\": false); rerun that shard to the end, then merge",
                i + 1,
                s.k
            ));
        }
        if s.rows.len() != f.points.len() {
            return Err(format!("file {} is damaged: {} points but {} rows", i + 1, f.points.len(), s.rows.len()));
        }
        for (point, rows) in f.points.iter().zip(&s.rows) {
            let key = super::space::sets(&f.params, &point.values).join("\n");
            cache.entry(key).or_insert_with(|| (point.clone(), rows.clone()));
        }
    }
    let missing: Vec<String> =
        seen.iter().enumerate().filter(|(_, s)| !**s).map(|(k, _)| format!("{}/{n}", k + 1)).collect();
    if !missing.is_empty() {
        return Err(format!("missing shard {}; pass every shard's fit.json", missing.join(", ")));
    }
    let eval = Evaluator {
        source: first.topology.clone(),
        text: spec.text.clone(),
        sets: spec.sets.clone(),
        variant: spec.variant.clone(),
        seed: spec.seed_override,
        held_out: spec.held_out.clone(),
        miss_penalty_min: spec.miss_penalty_min,
    };
    let req = Request {
        dims: first.params.clone(),
        budget: first.budget,
        seed: first.seed,
        tolerance_min: first.tolerance_min,
    };
    Ok((eval, req, cache))
}

/// The first field in which shard `b` was made differently from shard `a`.
fn difference(a: &FitFile, sa: &FitShard, b: &FitFile, sb: &FitShard) -> Option<&'static str> {
    let fields = [
        ("params", a.params == b.params),
        ("budget", a.budget == b.budget),
        ("seed", a.seed == b.seed),
        ("run_seed", a.run_seed == b.run_seed),
        ("tolerance_min", a.tolerance_min == b.tolerance_min),
        ("text", sa.text == sb.text),
        ("sets", sa.sets == sb.sets),
        ("variant", sa.variant == sb.variant),
        ("seed_override", sa.seed_override == sb.seed_override),
        ("held_out", sa.held_out == sb.held_out),
        ("miss_penalty_min", sa.miss_penalty_min == sb.miss_penalty_min),
    ];
    fields.iter().find(|(_, same)| !same).map(|(name, _)| *name)
}
