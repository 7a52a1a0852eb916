//! Comparison of a baseline and its variants: blast radius, error-minutes and time to recover.

use super::Report;
use crate::model::MilestoneKind;
use serde::{Deserialize, Serialize};

/// One run in a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// `baseline` or the variant's name.
    pub name: String,
    pub description: String,
    /// Services impacted, in model order.
    pub impacted: Vec<String>,
    /// Error-minutes of every service, in model order.
    pub error_minutes: Vec<(String, f64)>,
    /// Sum of all services' error-minutes [min].
    pub total_error_minutes: f64,
    /// When the last impacted service recovered, as a clock time or offset;
    /// `None` when nothing was impacted.
    pub full_recovery: Option<String>,
    /// Seconds from the start to full recovery.
    pub full_recovery_s: Option<f64>,
    /// Some impacted service never recovered within the run.
    pub unrecovered: Vec<String>,
}

/// Summarises one run's report as a comparison entry.
pub fn entry(name: &str, description: &str, report: &Report) -> Entry {
    let impacted: Vec<&super::report::ServiceReport> = report.services.iter().filter(|s| s.impacted).collect();
    let recovered_at = |s: &super::report::ServiceReport| {
        s.milestones.iter().find(|m| m.kind == MilestoneKind::Recovered).map(|m| (m.t_s, m.at.clone()))
    };
    let unrecovered: Vec<String> =
        impacted.iter().filter(|s| recovered_at(s).is_none()).map(|s| s.name.clone()).collect();
    let last = impacted.iter().filter_map(|s| recovered_at(s)).max_by(|a, b| a.0.total_cmp(&b.0));
    let (full_recovery_s, full_recovery) = match (&last, unrecovered.is_empty()) {
        (Some((t, at)), true) => (Some(*t), Some(at.clone())),
        _ => (None, None),
    };
    Entry {
        name: name.to_string(),
        description: description.to_string(),
        impacted: impacted.iter().map(|s| s.name.clone()).collect(),
        error_minutes: report.services.iter().map(|s| (s.name.clone(), s.error_minutes)).collect(),
        total_error_minutes: super::round(report.services.iter().map(|s| s.error_minutes).sum(), 2),
        full_recovery,
        full_recovery_s,
        unrecovered,
    }
}
