//! One evaluation of a topology at given values: the run, and its score against the expected timeline.

use crate::analysis::report::{ExpectationReport, Report};
use crate::model::MilestoneKind;
use crate::topology::{self, TopologyError};
use serde::{Deserialize, Serialize};

/// A missed milestone's error when none is given [min].
pub const MISS_PENALTY_MIN: f64 = 240.0;

/// The topology to evaluate, read once: every evaluation applies its values on top.
#[derive(Debug, Clone)]
pub struct Evaluator {
    /// Names the topology in errors.
    pub source: String,
    pub text: String,
    /// `--set` overrides applied before the evaluated values.
    pub sets: Vec<String>,
    pub variant: Option<String>,
    /// Overrides the topology's seed: every evaluation runs with it (common random numbers).
    pub seed: Option<u64>,
    /// Expected milestones left out of the score: `(service, kind)`.
    pub held_out: Vec<(String, MilestoneKind)>,
    pub miss_penalty_min: f64,
}

/// How far a run is from the expected timeline (the milestones not held out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Mean over the scored milestones of |simulated - expected| [min], a
    /// milestone never reached counting as `miss_penalty_min`: what fit minimises.
    pub mean_abs_error_min: f64,
    pub scored: usize,
    pub reached: usize,
    pub within_10_min: usize,
    /// Largest |error| among the reached scored milestones [min].
    pub worst_abs_error_min: Option<f64>,
    pub miss_penalty_min: f64,
}

/// A run's outcome at one point.
#[derive(Debug, Clone)]
pub enum Outcome {
    Ran(Box<Report>),
    /// The values make the topology invalid, or the run stopped: the message.
    Failed(String),
}

impl Evaluator {
    /// Reads the topology at `path`; its errors are bad input.
    pub fn from_file(path: &std::path::Path) -> Result<Evaluator, TopologyError> {
        let text = topology::read(path)?;
        Ok(Evaluator {
            source: path.display().to_string(),
            text,
            sets: Vec::new(),
            variant: None,
            seed: None,
            held_out: Vec::new(),
            miss_penalty_min: MISS_PENALTY_MIN,
        })
    }

    /// The model with `extra` overrides after the evaluator's own.
    pub fn model(&self, extra: &[String]) -> Result<crate::model::Model, TopologyError> {
        let mut sets = self.sets.clone();
        sets.extend(extra.iter().cloned());
        let mut model = topology::load_str(&self.source, &self.text, &sets, self.variant.as_deref())?;
        if let Some(seed) = self.seed {
            model.seed = seed;
        }
        Ok(model)
    }

    /// Runs the topology with `extra` overrides.
    pub fn run(&self, extra: &[String]) -> Outcome {
        let model = match self.model(extra) {
            Ok(m) => m,
            Err(e) => return Outcome::Failed(topology::render_error(&e)),
        };
        match crate::simulate(&model, self.variant.as_deref()) {
            Ok((_, report)) => Outcome::Ran(Box::new(report)),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    pub fn is_held_out(&self, row: &ExpectationReport) -> bool {
        self.held_out.iter().any(|(s, k)| *s == row.service && *k == row.kind)
    }

    /// The score of `report` over the expected milestones not held out.
    pub fn score(&self, report: &Report) -> Score {
        let rows: Vec<&ExpectationReport> = report.expectations.iter().filter(|r| !self.is_held_out(r)).collect();
        score_rows(&rows, self.miss_penalty_min)
    }

    /// The held-out rows of `report`, in the topology's order.
    pub fn held_out_rows(&self, report: &Report) -> Vec<ExpectationReport> {
        report.expectations.iter().filter(|r| self.is_held_out(r)).cloned().collect()
    }
}

/// The score of expectation rows, a missed one counting `miss_penalty_min`.
pub fn score_rows(rows: &[&ExpectationReport], miss_penalty_min: f64) -> Score {
    let errors: Vec<f64> = rows.iter().filter_map(|r| r.error_min.map(f64::abs)).collect();
    let missed = rows.len() - errors.len();
    let total = errors.iter().sum::<f64>() + missed as f64 * miss_penalty_min;
    Score {
        mean_abs_error_min: if rows.is_empty() { 0.0 } else { crate::analysis::round(total / rows.len() as f64, 3) },
        scored: rows.len(),
        reached: errors.len(),
        within_10_min: errors.iter().filter(|&&e| e <= 10.0).count(),
        worst_abs_error_min: errors.iter().copied().reduce(f64::max),
        miss_penalty_min,
    }
}

/// Parses `--hold-out SERVICE:KIND` against the expected milestones `expected`
/// (`(service, kind)` pairs); the message lists what can be held out.
pub fn parse_hold_out(text: &str, expected: &[(String, MilestoneKind)]) -> Result<(String, MilestoneKind), String> {
    let listed = || expected.iter().map(|(s, k)| format!("{s}:{}", k.as_str())).collect::<Vec<_>>().join(", ");
    let Some((service, kind)) = text.split_once(':') else {
        return Err(format!("--hold-out `{text}`: write SERVICE:KIND, one of: {}", listed()));
    };
    let Some(kind) = MilestoneKind::parse(kind.trim()) else {
        let kinds: Vec<&str> = MilestoneKind::ALL.iter().map(|k| k.as_str()).collect();
        return Err(format!("--hold-out `{text}`: `{kind}` is not a milestone kind; use one of: {}", kinds.join(", ")));
    };
    let service = service.trim().to_string();
    if !expected.iter().any(|(s, k)| *s == service && *k == kind) {
        return Err(format!(
            "--hold-out `{text}`: the expected timeline has no such milestone; hold out one of: {}",
            listed()
        ));
    }
    Ok((service, kind))
}

/// Appends `--expect SERVICE:KIND=AT` entries to the topology text as `[[expect]]` tables.
pub fn add_expectations(text: &str, expects: &[String]) -> Result<String, String> {
    let mut out = text.to_string();
    for e in expects {
        let parsed = e.split_once('=').and_then(|(sk, at)| sk.split_once(':').map(|(s, k)| (s, k, at)));
        let Some((service, kind, at)) = parsed else {
            return Err(format!(
                "--expect `{e}`: write SERVICE:KIND=TIME, e.g. `web:impact_start=+20m` or `web:recovered=09:45`"
            ));
        };
        let quote = |s: &str| toml_edit::Value::from(s.trim()).to_string();
        out.push_str(&format!(
            "\n[[expect]]\nservice = {}\nkind = {}\nat = {}\n",
            quote(service),
            quote(kind),
            quote(at)
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(service: &str, kind: MilestoneKind, error: Option<f64>) -> ExpectationReport {
        ExpectationReport {
            service: service.into(),
            kind,
            expected: "05:15".into(),
            simulated: error.map(|_| "x".into()),
            error_min: error,
        }
    }

    #[test]
    fn a_missed_milestone_counts_the_penalty() {
        let a = row("a", MilestoneKind::ImpactStart, Some(-4.0));
        let b = row("b", MilestoneKind::Recovered, None);
        let s = score_rows(&[&a, &b], 100.0);
        assert_eq!((s.mean_abs_error_min, s.scored, s.reached, s.within_10_min), (52.0, 2, 1, 1));
        assert_eq!(s.worst_abs_error_min, Some(4.0));
    }

    #[test]
    fn hold_outs_must_name_an_expected_milestone() {
        let expected = vec![("kinesis".to_string(), MilestoneKind::ImpactStart)];
        assert_eq!(parse_hold_out("kinesis:impact_start", &expected).unwrap().0, "kinesis");
        assert!(parse_hold_out("kinesis", &expected).unwrap_err().contains("SERVICE:KIND"));
        assert!(parse_hold_out("kinesis:late", &expected).unwrap_err().contains("not a milestone kind"));
        let e = parse_hold_out("lambda:recovered", &expected).unwrap_err();
        assert!(e.contains("no such milestone") && e.contains("kinesis:impact_start"), "{e}");
    }
}
