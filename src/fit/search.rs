//! The search: a Latin hypercube, then a compass (pattern) search from the best point, then a
//! profile of each parameter by bisection; evaluated in parallel batches, decided in order.

use super::eval::{Evaluator, Outcome, Score};
use super::space::{self, Dim};
use crate::analysis::report::ExpectationReport;
use crate::sweep::{Shard, Value};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// The phase of the search that asked for a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The topology's own values (clamped into the ranges).
    Start,
    Hypercube,
    Pattern,
    Profile,
}

/// One evaluated point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluated {
    pub phase: Phase,
    /// The parameters' values, in `--param` order.
    pub values: Vec<Value>,
    /// The score; `None` when the run failed.
    pub score: Option<Score>,
    /// simulated - expected [min] of every expected milestone (held out or not), in the topology's order.
    pub errors_min: Vec<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

impl Evaluated {
    /// The objective; a failed run is worse than any.
    pub fn objective(&self) -> f64 {
        self.score.as_ref().map_or(f64::INFINITY, |s| s.mean_abs_error_min)
    }
}

/// The search's state: every point so far, and where each one is.
pub struct Search<'a> {
    pub eval: &'a Evaluator,
    pub dims: &'a [Dim],
    pub budget: usize,
    pub stop: &'a AtomicBool,
    pub done: &'a (dyn Fn() + Sync),
    pub points: Vec<Evaluated>,
    /// Each point's unit coordinates.
    pub coords: Vec<Vec<f64>>,
    seen: HashMap<String, usize>,
    /// The rows of the best point so far (full, for the report).
    pub best_rows: Vec<ExpectationReport>,
    pub interrupted: bool,
    /// Points evaluated before (by the shards of this fit), by their `--set` key: used instead of a run.
    pub cache: HashMap<String, (Evaluated, Vec<ExpectationReport>)>,
    /// With a shard, only the jobs it owns among the start point (job 0) and the hypercube (jobs 1..).
    pub only: Option<Shard>,
    /// Every point's rows, in point order, kept when `keep_rows` (a shard's file carries them).
    pub rows: Vec<Vec<ExpectationReport>>,
    pub keep_rows: bool,
}

impl<'a> Search<'a> {
    pub fn new(
        eval: &'a Evaluator,
        dims: &'a [Dim],
        budget: usize,
        stop: &'a AtomicBool,
        done: &'a (dyn Fn() + Sync),
    ) -> Search<'a> {
        Search {
            eval,
            dims,
            budget,
            stop,
            done,
            points: Vec::new(),
            coords: Vec::new(),
            seen: HashMap::new(),
            best_rows: Vec::new(),
            interrupted: false,
            cache: HashMap::new(),
            only: None,
            rows: Vec::new(),
            keep_rows: false,
        }
    }

    fn left(&self) -> usize {
        self.budget.saturating_sub(self.points.len())
    }

    /// The index of the best point (first among equals).
    pub fn best(&self) -> Option<usize> {
        (0..self.points.len()).fold(None, |b: Option<usize>, i| match b {
            Some(j) if self.points[j].objective() <= self.points[i].objective() => Some(j),
            _ => Some(i),
        })
    }

    fn objective_at(&self, i: usize) -> f64 {
        self.points[i].objective()
    }

    /// Evaluates the points at `coords` not seen before (as many as the budget
    /// allows, in order), in parallel; returns each one's point index, if evaluated.
    pub fn batch(&mut self, coords: Vec<Vec<f64>>, phase: Phase) -> Vec<Option<usize>> {
        let mut fresh: Vec<(String, Vec<f64>, Vec<Value>)> = Vec::new();
        let mut keys = Vec::with_capacity(coords.len());
        for u in coords {
            let values: Vec<Value> = self.dims.iter().zip(&u).map(|(d, &x)| d.value(x)).collect();
            let key = space::sets(self.dims, &values).join("\n");
            if !self.seen.contains_key(&key)
                && !fresh.iter().any(|f| f.0 == key)
                && fresh.len() < self.left()
                && !self.interrupted
            {
                let snapped: Vec<f64> = self.dims.iter().zip(&values).map(|(d, v)| d.unit_of(v)).collect();
                let snapped = snapped.iter().zip(&u).map(|(s, x)| if s.is_finite() { *s } else { *x }).collect();
                fresh.push((key.clone(), snapped, values));
            }
            keys.push(key);
        }
        let (eval, dims, stop, done, cache) = (self.eval, self.dims, self.stop, self.done, &self.cache);
        let results: Vec<Option<(Evaluated, Vec<ExpectationReport>)>> = fresh
            .par_iter()
            .map(|(key, _, values)| {
                if let Some((point, rows)) = cache.get(key) {
                    return Some((Evaluated { phase, ..point.clone() }, rows.clone()));
                }
                if stop.load(Ordering::Relaxed) {
                    return None;
                }
                let outcome = eval.run(&space::sets(dims, values));
                done();
                Some(evaluated(eval, phase, values.clone(), outcome))
            })
            .collect();
        for ((key, u, _), r) in fresh.into_iter().zip(results) {
            let Some((point, rows)) = r else {
                self.interrupted = true;
                continue;
            };
            let better = self.best().is_none_or(|b| point.objective() < self.objective_at(b));
            if self.keep_rows {
                self.rows.push(rows.clone());
            }
            if better {
                self.best_rows = rows;
            }
            self.seen.insert(key, self.points.len());
            self.points.push(point);
            self.coords.push(u);
        }
        keys.iter().map(|k| self.seen.get(k).copied()).collect()
    }

    /// Evaluates the topology's own values, clamped into the ranges (the middle where it has none).
    pub fn start(&mut self) {
        let u: Vec<f64> = self
            .dims
            .iter()
            .map(|d| {
                // The last `--set` of the key wins over the file's value.
                let set = self.eval.sets.iter().rev().find_map(|s| s.strip_prefix(&format!("{}=", d.key)));
                let from_set = set.and_then(|v| {
                    let v = v.trim().trim_matches('"');
                    super::keys::Number::of_text(v).or_else(|| {
                        v.parse::<f64>().ok().map(|x| super::keys::Number {
                            value: x,
                            unit: String::new(),
                            integer: false,
                        })
                    })
                });
                let base = from_set.or_else(|| super::keys::lookup(&self.eval.text, &d.key));
                let unit = d.value(0.0).unit().to_string();
                base.and_then(|n| n.in_unit(&unit)).map_or(0.5, |x| d.unit_of(&Value::Float(x)))
            })
            .collect();
        let owned = self.owned(vec![u], 0);
        self.batch(owned, Phase::Start);
    }

    /// The points a shard owns among `points`, the first being job `first`; all of them without a shard.
    fn owned(&self, points: Vec<Vec<f64>>, first: usize) -> Vec<Vec<f64>> {
        let only = self.only;
        points.into_iter().enumerate().filter(|(i, _)| only.is_none_or(|s| s.owns(first + i))).map(|(_, u)| u).collect()
    }

    /// A Latin hypercube of `n` points: each parameter's range cut in `n`
    /// strata, each stratum used once, the strata of the parameters paired at random.
    pub fn hypercube(&mut self, n: usize, seed: u64) {
        if n == 0 {
            return;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut columns: Vec<Vec<f64>> = Vec::new();
        for _ in self.dims {
            let mut strata: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                strata.swap(i, rng.random_range(0..=i));
            }
            columns.push(strata.iter().map(|&s| (s as f64 + rng.random::<f64>()) / n as f64).collect());
        }
        let points = (0..n).map(|i| columns.iter().map(|c| c[i]).collect()).collect();
        let owned = self.owned(points, 1);
        self.batch(owned, Phase::Hypercube);
    }

    /// Compass search from the best point: poll one step up and down each
    /// parameter, move to the best poll that improves, else halve the step;
    /// until the step is below every parameter's resolution or `until` points are spent.
    pub fn pattern(&mut self, until: usize) {
        let mut step = 0.25;
        while !self.interrupted && self.points.len() < until.min(self.budget) {
            let Some(b) = self.best() else { return };
            let centre = self.coords[b].clone();
            let mut polls = Vec::new();
            for (i, d) in self.dims.iter().enumerate() {
                if step < d.resolution() / 2.0 {
                    continue;
                }
                for sign in [-1.0, 1.0] {
                    let mut u = centre.clone();
                    u[i] = (u[i] + sign * step.max(d.resolution())).clamp(0.0, 1.0);
                    if u[i] != centre[i] {
                        polls.push(u);
                    }
                }
            }
            if polls.is_empty() {
                return;
            }
            let room = until.min(self.budget) - self.points.len();
            polls.truncate(room.max(1));
            let before = self.objective_at(b);
            self.batch(polls, Phase::Pattern);
            let after = self.best().map_or(before, |i| self.objective_at(i));
            if after >= before {
                step /= 2.0;
            }
        }
    }

    /// Each parameter's profile: with the others at the best point, how far
    /// it can move each way and keep the score within `tolerance` of the best;
    /// the range's end first, then bisection, `rounds` times at most.
    pub fn profile(&mut self, tolerance: f64, rounds: usize) {
        let Some(b) = self.best() else { return };
        let (centre, best) = (self.coords[b].clone(), self.objective_at(b));
        // (dim, inside, outside) per direction still open.
        let mut open: Vec<(usize, f64, f64)> =
            (0..self.dims.len()).flat_map(|i| [(i, centre[i], 0.0), (i, centre[i], 1.0)]).collect();
        open.retain(|(_, a, z)| a != z);
        for round in 0..=rounds {
            if open.is_empty() || self.interrupted || self.left() == 0 {
                return;
            }
            let probes: Vec<Vec<f64>> = open
                .iter()
                .map(|&(i, a, z)| {
                    let mut u = centre.clone();
                    u[i] = if round == 0 { z } else { (a + z) / 2.0 };
                    u
                })
                .collect();
            let at: Vec<f64> = probes.iter().zip(&open).map(|(u, o)| u[o.0]).collect();
            let got = self.batch(probes, Phase::Profile);
            let mut next = Vec::new();
            for ((i, a, z), (x, idx)) in open.into_iter().zip(at.into_iter().zip(got)) {
                let Some(idx) = idx else { continue };
                let within = self.objective_at(idx) <= best + tolerance;
                let d = &self.dims[i];
                match (round, within) {
                    (0, true) => {}
                    (_, true) if (z - x).abs() > d.resolution() => next.push((i, x, z)),
                    (_, false) if (x - a).abs() > d.resolution() => next.push((i, a, x)),
                    _ => {}
                }
            }
            open = next;
        }
    }
}

fn evaluated(
    eval: &Evaluator,
    phase: Phase,
    values: Vec<Value>,
    outcome: Outcome,
) -> (Evaluated, Vec<ExpectationReport>) {
    match outcome {
        Outcome::Ran(report) => {
            let errors_min = report.expectations.iter().map(|r| r.error_min).collect();
            let point = Evaluated { phase, values, score: Some(eval.score(&report)), errors_min, failed: None };
            (point, report.expectations)
        }
        Outcome::Failed(message) => {
            (Evaluated { phase, values, score: None, errors_min: Vec::new(), failed: Some(message) }, Vec::new())
        }
    }
}
