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
    /// Response times of successful requests over the run (requests mode only).
    pub latency: Option<Latency>,
    /// Waits before work started over the run (requests mode only).
    pub waits: Option<Waits>,
}

/// How long requests waited, from arrival to the start of their own work (a
/// worker thread and a processing slot), streamed into a histogram [µs, 2 significant digits].
#[derive(Debug, Clone, PartialEq)]
pub struct Waits(pub(crate) hdrhistogram::Histogram<u64>);

impl Waits {
    /// Requests whose work started.
    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The share of them that waited longer than `t_s` seconds (to the histogram's 1% resolution).
    pub fn share_over(&self, t_s: f64) -> f64 {
        1.0 - self.0.quantile_below((t_s * 1e6).round() as u64)
    }
}

/// A latency summary of successful requests [ms].
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub mean_ms: f64,
    pub max_ms: f64,
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
    /// Median response time of the step's successful requests (requests mode) [ms].
    pub p50_ms: Option<f64>,
    /// 99th percentile of the same [ms].
    pub p99_ms: Option<f64>,
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
