//! The report of a run: the serialisable summary every output is made from.

use crate::engine::Latency;
use crate::model::{MilestoneKind, Mode, Thresholds};
use serde::{Deserialize, Serialize};

/// Everything a run is summarised into (the `report.json` contract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub topology: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub seed: u64,
    /// The traffic engine; written only for requests mode.
    #[serde(default, skip_serializing_if = "is_fluid")]
    pub mode: Mode,
    /// The start clock, when the topology sets one.
    pub start: Option<String>,
    pub duration_s: f64,
    pub step_s: f64,
    pub thresholds: Thresholds,
    pub services: Vec<ServiceReport>,
    /// Scheduled triggers and actions, and notable changes.
    pub events: Vec<EventReport>,
    pub expectations: Vec<ExpectationReport>,
    /// Present when the topology carries an expected timeline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
}

/// One service's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceReport {
    pub name: String,
    /// Availability fell below the impact threshold at some point.
    pub impacted: bool,
    pub min_availability: f64,
    /// When the minimum was first reached.
    pub min_at: Option<String>,
    pub offered_requests: f64,
    pub failed_requests: f64,
    /// Integral of (1 - availability) over time [min].
    pub error_minutes: f64,
    /// Time spent below the impact threshold [min].
    pub impact_minutes: f64,
    pub milestones: Vec<Milestone>,
    /// Response times of successful requests (requests mode only; end to end for outside clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
}

fn is_fluid(mode: &Mode) -> bool {
    *mode == Mode::Fluid
}

/// A milestone reached in the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub kind: MilestoneKind,
    /// Clock time with a start clock, else an offset like `+3h15m`.
    pub at: String,
    /// Seconds since the start.
    pub t_s: f64,
}

/// A logged event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventReport {
    pub at: String,
    pub t_s: f64,
    pub service: Option<String>,
    pub what: String,
    pub scheduled: bool,
}

/// An expected milestone beside the simulated one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectationReport {
    pub service: String,
    pub kind: MilestoneKind,
    pub expected: String,
    pub simulated: Option<String>,
    /// simulated - expected [min]; `None` when never reached.
    pub error_min: Option<f64>,
}

/// How well the run reproduces the expected timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub expected: usize,
    pub reached: usize,
    pub within_10_min: usize,
    pub mean_abs_error_min: Option<f64>,
    pub worst_abs_error_min: Option<f64>,
}
