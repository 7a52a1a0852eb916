//! Sensitivity of the score and of every milestone to the topology's numeric parameters.
//!
//! One at a time: each parameter is scaled by each factor with the others at
//! their values, and the change of the measure (the score against the
//! expected timeline when there is one, else the mean shift of the baseline's
//! milestones) and of every milestone is recorded. Globally: Morris
//! elementary effects over trajectories through the box of factors, which
//! also see a parameter's effect when the others move.

pub mod morris;

use crate::analysis::report::Report;
use crate::fit::eval::{Evaluator, Outcome};
use crate::fit::keys::{self, Number};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

/// Factors each parameter is scaled by when none are given.
pub const FACTORS: [f64; 4] = [0.8, 0.9, 1.1, 1.25];

/// A milestone of the baseline run: `service:kind`.
pub type MilestoneKey = String;

/// The measure a run is judged by, against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// The score against the expected timeline [min], when there is one.
    pub score: Option<f64>,
    /// Every milestone the baseline reaches: (`service:kind`, seconds since the start).
    pub milestones: Vec<(MilestoneKey, f64)>,
}

impl Baseline {
    pub fn of(eval: &Evaluator, report: &Report) -> Baseline {
        let score = (!report.expectations.is_empty()).then(|| eval.score(report).mean_abs_error_min);
        let milestones = report
            .services
            .iter()
            .flat_map(|s| s.milestones.iter().map(move |m| (format!("{}:{}", s.name, m.kind.as_str()), m.t_s)))
            .collect();
        Baseline { score, milestones }
    }

    /// Each baseline milestone's shift in `report` [min]; `None` when it is no longer reached.
    pub fn shifts(&self, report: &Report) -> Vec<Option<f64>> {
        self.milestones
            .iter()
            .map(|(key, t)| {
                let (service, kind) = key.rsplit_once(':')?;
                let s = report.services.iter().find(|s| s.name == service)?;
                let m = s.milestones.iter().find(|m| m.kind.as_str() == kind)?;
                Some(crate::analysis::round((m.t_s - t) / 60.0, 2))
            })
            .collect()
    }

    /// The measure of `report` [min]: its score, or without an expected
    /// timeline the mean |shift| of the baseline's milestones (a lost one counting `penalty`).
    pub fn measure(&self, eval: &Evaluator, report: &Report) -> f64 {
        match self.score {
            Some(_) => eval.score(report).mean_abs_error_min,
            None if self.milestones.is_empty() => 0.0,
            None => {
                let shifts = self.shifts(report);
                let total: f64 = shifts.iter().map(|s| s.map_or(eval.miss_penalty_min, f64::abs)).sum();
                crate::analysis::round(total / shifts.len() as f64, 3)
            }
        }
    }
}

/// One run with one parameter scaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub factor: f64,
    /// The value set, as people read it.
    pub value: String,
    /// The measure [min]; `None` when the value is invalid or the run failed.
    pub measure: Option<f64>,
    /// Change of the measure from the baseline's [min].
    pub delta: Option<f64>,
    /// Each baseline milestone's shift [min], in the baseline's order; `None` when lost.
    pub shifts: Vec<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// A parameter's one-at-a-time results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamResult {
    pub key: String,
    pub base: String,
    pub probes: Vec<Probe>,
    /// Largest |change of the measure| over the factors [min]: what the table is sorted by.
    pub fragility: f64,
    /// Largest |shift| of any milestone over the factors [min] (a lost one counts the miss penalty).
    pub max_shift: f64,
    /// The milestone that moved most.
    pub most_moved: Option<MilestoneKey>,
    /// Morris: mean |elementary effect| [min per unit of the factor box], when computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub morris_mu_star: Option<f64>,
    /// Morris: standard deviation of the elementary effects (interactions, non-linearity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub morris_sigma: Option<f64>,
}

/// What `sensitivity` writes to sensitivity.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityFile {
    pub topology: String,
    pub seed: u64,
    pub factors: Vec<f64>,
    /// `score` (against the expected timeline) or `milestone_shift`.
    pub measure: String,
    pub baseline: Baseline,
    /// Trajectories of the Morris method (0: not computed).
    pub morris_trajectories: usize,
    /// Most fragile first.
    pub params: Vec<ParamResult>,
    pub complete: bool,
}

/// The parameters to vary: `named`, or every numeric value of the topology.
pub fn parameters(eval: &Evaluator, named: &[String]) -> Result<Vec<(String, Number)>, String> {
    let all = keys::numeric(&eval.text);
    if named.is_empty() {
        return Ok(all);
    }
    named
        .iter()
        .map(|k| match keys::lookup(&eval.text, k) {
            Some(n) => Ok((k.clone(), n)),
            None => {
                let near: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).filter(|a| close(a, k)).take(5).collect();
                let hint = if near.is_empty() {
                    "run without --param to vary every numeric value".to_string()
                } else {
                    format!("did you mean {}?", near.join(", "))
                };
                Err(format!("--param `{k}`: the topology has no numeric value at this key; {hint}"))
            }
        })
        .collect()
}

fn close(a: &str, b: &str) -> bool {
    let (la, lb) = (a.rsplit('.').next().unwrap_or(a), b.rsplit('.').next().unwrap_or(b));
    la == lb || a.starts_with(b) || b.starts_with(a)
}

/// The `--set` argument scaling `n` at `key` by `factor`; integers move by at least one.
pub fn scaled(key: &str, n: &Number, factor: f64) -> (String, Number) {
    let mut v = n.with(n.value * factor);
    if n.integer && v.value == n.value && factor != 1.0 && n.value != 0.0 {
        v.value = n.value + factor.signum() * if factor > 1.0 { 1.0 } else { -1.0 };
    }
    (format!("{key}={}", v.to_toml()), v)
}

/// Runs the baseline and every (parameter, factor); `stop` (Ctrl-C) skips what has not started.
pub fn one_at_a_time(
    eval: &Evaluator,
    params: &[(String, Number)],
    factors: &[f64],
    stop: &AtomicBool,
    done: &(dyn Fn() + Sync),
) -> Result<(Baseline, Vec<ParamResult>, bool), String> {
    let base = match eval.run(&[]) {
        Outcome::Ran(r) => r,
        Outcome::Failed(m) => return Err(m),
    };
    let baseline = Baseline::of(eval, &base);
    let base_measure = baseline.measure(eval, &base);
    let jobs: Vec<(usize, f64)> = (0..params.len()).flat_map(|p| factors.iter().map(move |&f| (p, f))).collect();
    let probes: Vec<Option<Probe>> = jobs
        .par_iter()
        .map(|&(p, factor)| {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let (key, n) = &params[p];
            let (set, v) = scaled(key, n, factor);
            let probe = match eval.run(&[set]) {
                Outcome::Ran(r) => {
                    let m = baseline.measure(eval, &r);
                    let delta = crate::analysis::round(m - base_measure, 3);
                    let shifts = baseline.shifts(&r);
                    Probe { factor, value: v.show(), measure: Some(m), delta: Some(delta), shifts, failed: None }
                }
                Outcome::Failed(msg) => Probe {
                    factor,
                    value: v.show(),
                    measure: None,
                    delta: None,
                    shifts: Vec::new(),
                    failed: Some(first_line(&msg)),
                },
            };
            done();
            Some(probe)
        })
        .collect();
    let complete = probes.iter().all(Option::is_some);
    let mut results: Vec<ParamResult> = params
        .iter()
        .enumerate()
        .map(|(p, (key, n))| {
            let mine: Vec<Probe> =
                probes[p * factors.len()..(p + 1) * factors.len()].iter().flatten().cloned().collect();
            summarise(key, n, mine, &baseline, eval.miss_penalty_min)
        })
        .collect();
    sort(&mut results);
    Ok((baseline, results, complete))
}

fn first_line(msg: &str) -> String {
    let lines: Vec<&str> = msg.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines.iter().find(|l| l.contains('`')).or(lines.first()).map_or(String::new(), |l| l.to_string())
}

fn summarise(key: &str, n: &Number, probes: Vec<Probe>, baseline: &Baseline, penalty: f64) -> ParamResult {
    let fragility = probes.iter().filter_map(|p| p.delta).map(f64::abs).fold(0.0, f64::max);
    let mut max_shift = 0.0;
    let mut most_moved = None;
    for p in probes.iter().filter(|p| p.failed.is_none()) {
        for (i, s) in p.shifts.iter().enumerate() {
            let s = s.map_or(penalty, f64::abs);
            if s > max_shift {
                max_shift = s;
                most_moved = Some(baseline.milestones[i].0.clone());
            }
        }
    }
    ParamResult {
        key: key.to_string(),
        base: n.show(),
        probes,
        fragility,
        max_shift,
        most_moved,
        morris_mu_star: None,
        morris_sigma: None,
    }
}

/// Most fragile first; ties by the largest milestone shift, then by key.
pub fn sort(results: &mut [ParamResult]) {
    results.sort_by(|a, b| {
        b.fragility.total_cmp(&a.fragility).then(b.max_shift.total_cmp(&a.max_shift)).then(a.key.cmp(&b.key))
    });
}

/// Parses `--factors 0.8,0.9,1.1`: positive numbers other than 1.
pub fn parse_factors(text: &str) -> Result<Vec<f64>, String> {
    let mut out = Vec::new();
    for item in text.split(',') {
        match item.trim().parse::<f64>() {
            Ok(f) if f.is_finite() && f > 0.0 && f != 1.0 => out.push(f),
            _ => {
                return Err(format!(
                    "--factors `{text}`: `{}` is not a factor; give positive numbers other than 1, e.g. 0.8,0.9,1.1,1.25",
                    item.trim()
                ));
            }
        }
    }
    out.sort_by(f64::total_cmp);
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_parse_sorted_and_refuse_one_and_negatives() {
        assert_eq!(parse_factors("1.1,0.9").unwrap(), [0.9, 1.1]);
        for bad in ["1", "0", "-0.5", "x", "0.9,,1.1"] {
            assert!(parse_factors(bad).unwrap_err().contains("not a factor"), "{bad}");
        }
    }

    #[test]
    fn integers_move_by_at_least_one() {
        let n = Number { value: 3.0, unit: String::new(), integer: true };
        assert_eq!(scaled("k", &n, 1.1).0, "k=4");
        assert_eq!(scaled("k", &n, 0.9).0, "k=2");
        let r = Number::of_text("300/h").unwrap();
        assert_eq!(scaled("k", &r, 1.25).0, "k=\"375/h\"");
    }
}
