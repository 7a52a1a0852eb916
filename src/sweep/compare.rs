//! `compare --runs N`: each run of the comparison repeated with seeded streams, summarised with intervals.

use super::stats::{Proportion, Summary, proportion, summarize};
use crate::analysis::compare::Entry;
use serde::{Deserialize, Serialize};

/// One baseline or variant over N seeded runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub name: String,
    pub description: String,
    pub runs: usize,
    /// Sum of all services' error-minutes [min].
    pub total_error_minutes: Summary,
    /// Seconds from the start to full recovery, over the runs that recovered
    /// (a run with nothing impacted counts as 0).
    pub full_recovery_s: Summary,
    /// Runs in which every impacted service recovered.
    pub recovered: Proportion,
    /// Services impacted in at least one run, in model order.
    pub impacted: Vec<String>,
}

/// Summarises the entries of one baseline or variant's runs (in run order).
pub fn spread(entries: &[Entry]) -> Spread {
    let first = entries.first();
    let recovered: Vec<f64> =
        entries.iter().filter(|e| e.unrecovered.is_empty()).map(|e| e.full_recovery_s.unwrap_or(0.0)).collect();
    let mut impacted: Vec<String> = Vec::new();
    for e in entries {
        for name in &e.impacted {
            if !impacted.contains(name) {
                impacted.push(name.clone());
            }
        }
    }
    Spread {
        name: first.map(|e| e.name.clone()).unwrap_or_default(),
        description: first.map(|e| e.description.clone()).unwrap_or_default(),
        runs: entries.len(),
        total_error_minutes: summarize(&entries.iter().map(|e| e.total_error_minutes).collect::<Vec<_>>()),
        full_recovery_s: summarize(&recovered),
        recovered: proportion(recovered.len(), entries.len()),
        impacted,
    }
}
