//! What a run produces: sampled time series per service, totals and the event log.

use super::samples::Samples;
use crate::model::ServiceId;
use crate::time::SimTime;

/// The outcome of one simulation run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// Sample instants: the end of each step, from the first step to the end of the run.
    pub times: Vec<SimTime>,
    /// One series per service, in model order.
    pub services: Vec<ServiceSeries>,
    /// Injected triggers, operator actions and notable state changes, in time order.
    pub log: Vec<LogEntry>,
    /// Events the engine processed.
    pub events: u64,
}

/// The samples and totals of one service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceSeries {
    /// One sample per entry of [`RunResult::times`], as runs of equal samples.
    pub samples: Samples,
    pub totals: Totals,
}

/// A service over one step; rates are averages over the step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sample {
    /// Requests arriving [req/s].
    pub offered: f64,
    /// Requests answered successfully and in time [req/s].
    pub served: f64,
    /// Requests that failed: rejected, dropped, errored or answered too late [req/s].
    pub failed: f64,
    /// served / (served + failed); 1 when nothing completed.
    pub availability: f64,
    /// Instances in rotation and serving at the end of the step.
    pub healthy: u32,
    /// Instances that exist at the end of the step, in any state.
    pub instances: u32,
    /// Requests waiting at the end of the step [requests].
    pub queue: f64,
    /// Calls waiting in the service's outgoing buffers at the end of the step [calls].
    pub backlog: f64,
    /// Worker threads busy across the fleet, on average [threads].
    pub threads_in_use: f64,
}

/// Cumulative request counts over the whole run [requests].
///
/// `offered = served + failed + queued` holds for every service.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    pub offered: f64,
    pub served: f64,
    pub failed: f64,
    /// Still waiting at the end of the run.
    pub queued: f64,
}

/// Something that happened at a point in time.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub at: SimTime,
    pub service: Option<ServiceId>,
    pub what: String,
    /// True for the scenario's own triggers and actions (marked on plots).
    pub scheduled: bool,
}
