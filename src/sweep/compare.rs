//! `compare` and `compare --runs N`: each run of the comparison repeated with seeded streams, summarised with intervals.

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

/// Everything `compare.json` holds: one shape whatever `--runs` is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareFile {
    /// The layout's version ([`crate::report::json::SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The topology's name.
    pub topology: String,
    /// Seeded runs of each baseline or variant (`--runs`).
    pub runs: u32,
    /// The baseline, then each variant in file order.
    pub variants: Vec<VariantRuns>,
}

/// One baseline or variant: the summary over its runs and its first run in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantRuns {
    #[serde(flatten)]
    pub spread: Spread,
    /// The run with the first seed (with `--runs 1`, the only run).
    pub first_run: Entry,
}

impl CompareFile {
    /// Assembles the file from each variant's entries, in run order.
    pub fn new(topology: &str, runs: u32, entries: &[Vec<Entry>]) -> CompareFile {
        let variants = entries
            .iter()
            .filter_map(|e| Some(VariantRuns { spread: spread(e), first_run: e.first()?.clone() }))
            .collect();
        CompareFile {
            schema_version: crate::report::json::SCHEMA_VERSION,
            topology: topology.to_string(),
            runs,
            variants,
        }
    }

    /// The file as pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
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
