//! The validated model: services, dependencies and the scenario, with names resolved to ids.

mod build;
pub mod dist;
pub mod resilience;
mod scenario;

use crate::time::{Clock, SimTime, Span};
use serde::{Deserialize, Serialize};

pub use scenario::*;

/// Index of a service in [`Model::services`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(pub usize);

/// Index of a dependency in [`Model::deps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DepId(pub usize);

/// Default of `max-solves`: about half an hour of solving a graph of
/// 10,000 services on a small machine.
pub const MAX_SOLVES: u64 = 1_000_000_000;

/// A whole topology, ready to simulate.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: String,
    /// Wall clock at the start, when the topology sets one.
    pub clock: Option<Clock>,
    /// Simulated length of the run.
    pub duration: Span,
    /// Sampling step; also the longest the fluid engine integrates between two solves.
    pub step: Span,
    /// How often the fluid engine's periodic mechanisms act (start-ups ending,
    /// health checks, peer learning, warm-up, load noise, autoscaling, breakers,
    /// control loops, operators waiting for access), whatever the `step`.
    pub tick: Span,
    pub seed: u64,
    /// Which traffic engine runs the model.
    pub mode: Mode,
    /// A run that processes more events than this stops with an error.
    pub max_events: u64,
    /// A fluid run that solves services more often than this (counting
    /// every sweep of every instant) stops with an error.
    pub max_solves: u64,
    pub thresholds: Thresholds,
    pub services: Vec<Service>,
    pub deps: Vec<Dependency>,
    /// Triggers and operator actions, sorted by time (stable).
    pub scenario: Vec<Action>,
    /// The expected timeline, for scoring a reproduction.
    pub expected: Vec<Expectation>,
    /// Named what-if variants the topology carries.
    pub variants: Vec<Variant>,
    /// Client segment names, in the order of every mix's shares.
    pub segments: Vec<String>,
    /// Scenario entries and calls left out with `enabled = false`, described for `check`.
    pub disabled: Vec<String>,
}

/// The traffic engine: rates (fluid) or one simulated request at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    Fluid,
    Requests,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Fluid => "fluid",
            Mode::Requests => "requests",
        }
    }
}

/// Which waiting request a free worker takes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discipline {
    /// The oldest first.
    #[default]
    Fifo,
    /// The newest first: under overload recent requests still make their deadline.
    Lifo,
}

/// How outside requests are spaced in requests mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arrivals {
    /// Independent arrivals: exponential gaps (coefficient of variation 1).
    #[default]
    Poisson,
    /// Evenly spaced (coefficient of variation 0).
    Uniform,
}

/// Availability levels that define the milestones (fractions in 0..=1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Below this a service is impacted.
    pub impact: f64,
    /// Below this the impact is severe.
    pub severe: f64,
    /// At or above this again, for good, the service is mostly recovered.
    pub mostly_recovered: f64,
    /// At or above this again, for good, the service is recovered.
    pub recovered: f64,
    /// Recovery starts when availability leaves the bottom of its trough for
    /// good: the bottom is the minimum plus this fraction of the impact's depth.
    pub recovery_band: f64,
    /// `mostly_recovered` and `recovered` need the curve to stay at or above
    /// their level at least this long before the run ends [s].
    #[serde(default = "default_recovery_hold_s")]
    pub recovery_hold_s: f64,
}

fn default_recovery_hold_s() -> f64 {
    Thresholds::default().recovery_hold_s
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            impact: 0.99,
            severe: 0.90,
            mostly_recovered: 0.95,
            recovered: 0.99,
            recovery_band: 0.01,
            recovery_hold_s: 300.0,
        }
    }
}

/// A fleet of identical instances.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: String,
    /// Instances at the start.
    pub instances: u32,
    /// Work one instance can do [req/s].
    pub capacity: f64,
    /// Own processing time of one request, excluding calls to dependencies (the mean).
    pub latency: Span,
    /// When given, each request's own processing time is drawn from it (requests mode).
    pub latency_dist: Option<dist::Dist>,
    /// Which waiting request a free worker takes next (requests mode).
    pub discipline: Discipline,
    /// Variability of arrivals and of service times for the fluid queueing closure
    /// (coefficients of variation; 1 and 1 are Poisson arrivals and exponential service).
    pub variability: crate::mechanisms::queueing::Variability,
    /// Share of the requests it works on that fail on their own, always (a
    /// steady background error rate, such as traces record); server errors.
    pub error_rate: f64,
    /// Worker threads per instance.
    pub threads: u32,
    /// The OS limit on threads per instance.
    pub os_thread_limit: u32,
    /// Requests that may wait for a worker, per instance [requests].
    pub queue: u32,
    /// Requests waiting longer than this are dropped as failed.
    pub timeout: Span,
    /// Time from launch or restart until an instance serves.
    pub startup: Span,
    /// When given, each start-up is drawn from it instead.
    pub startup_dist: Option<dist::Dist>,
    pub health: Option<HealthCheck>,
    /// Requests from outside the graph.
    pub load: Load,
    /// Crashed instances are replaced automatically once the health check removes them.
    pub replace_failed: bool,
    /// Threads held per known peer, and how peers are learned.
    pub peers: Option<Box<PeerThreads>>,
    /// The cache a (re)started instance builds before it serves.
    pub warmup: Option<Box<Warmup>>,
    /// Instance memory, which buffered data fills.
    pub memory: Option<Box<Memory>>,
    /// Segments, partitions, routing and draining.
    pub extras: resilience::ServiceExtras,
}

/// Per-peer resources: each instance holds threads for every peer it knows.
///
/// Needing more threads than the OS allows breaks the instance's cache rebuild
/// until it restarts; its routing data then ages and expires.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerThreads {
    /// Threads per known peer [threads].
    pub per_peer: f64,
    /// Threads an instance needs besides its peers and workers [threads].
    pub base_threads: u32,
    /// Time constant with which an instance learns that peers joined or left.
    pub learn: Span,
    /// The fleet is split into this many cells; instances know only their cell's peers.
    pub cells: u32,
    /// Cached routing entries expire this long after the last successful rebuild.
    pub cache_ttl: Span,
    /// Expiries are spread evenly over this span after the TTL.
    pub expiry_spread: Span,
}

/// Warm-up: a started instance builds its cache from its peers or from the
/// authoritative store before it serves; the builds compete for that supply.
#[derive(Debug, Clone, PartialEq)]
pub struct Warmup {
    /// Time to build the cache with a full-speed supply.
    pub duration: Span,
    /// When given, each build's work is drawn from it instead.
    pub duration_dist: Option<dist::Dist>,
    pub source: WarmupSource,
    /// Instances the authoritative store can feed at full speed at once [instances].
    pub store_capacity: f64,
    /// Fraction of a healthy peer's capacity that may go to feeding warming instances.
    pub peer_share: f64,
    /// Peer capacity used to feed one warming instance at full speed [instances].
    pub peer_cost: f64,
    /// A warming instance not done by then fails its health checks and restarts.
    pub deadline: Span,
}

/// Where warming instances get their cache from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarmupSource {
    Peers,
    Store,
}

/// Instance memory under pressure from buffered data.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    /// Memory an instance may use before contention [MB].
    pub limit_mb: f64,
    /// Memory used besides buffers [MB].
    pub base_mb: f64,
    /// Use over the limit, as a fraction of it, at which every request fails;
    /// errors rise linearly from the limit to there.
    pub fail_at: f64,
    /// Use past which an instance is killed and restarts, losing its buffers [MB] (`None`: never).
    pub hard_limit_mb: Option<f64>,
}

/// How the load balancer probes instances.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthCheck {
    pub interval: Span,
    /// When given, the time between probes is drawn from it, so removals come
    /// after a random number of seconds rather than exactly `threshold * interval`.
    pub interval_dist: Option<dist::Dist>,
    /// A probe answered later than this fails.
    pub timeout: Span,
    /// Consecutive failed probes before an instance is removed.
    pub unhealthy_threshold: u32,
    /// Consecutive passed probes before a removed instance returns.
    pub healthy_threshold: u32,
    /// Deep probes wait in the request queue and fail when the instance's
    /// dependencies fail; shallow probes only check the process is up.
    pub deep: bool,
}

/// External offered load over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    pub shape: LoadShape,
    /// How long outside clients wait for an answer.
    pub timeout: Span,
    /// Relative standard deviation of the offered rate, drawn anew each step (0: none).
    pub noise: f64,
    /// How requests are spaced in requests mode.
    pub arrivals: Arrivals,
}

/// The shape of an external load profile; rates in [req/s].
#[derive(Debug, Clone, PartialEq)]
pub enum LoadShape {
    None,
    Constant {
        rate: f64,
    },
    /// `rate` until the first step, then each step's rate from its time on.
    Steps {
        rate: f64,
        steps: Vec<(SimTime, f64)>,
    },
    /// Linear from `from` at `start` to `to` at `end`, flat outside.
    Ramp {
        from: f64,
        to: f64,
        start: SimTime,
        end: SimTime,
    },
    /// A sine over 24 hours: `mean * (1 + amplitude * cos(2π (t - peak) / 24h))`.
    Daily {
        mean: f64,
        amplitude: f64,
        peak_s_of_day: u64,
        start_s_of_day: u64,
    },
    /// `clients` clients that each wait for their answer, then think for `think` before asking again.
    Closed {
        clients: f64,
        think: Span,
    },
}

/// What kind of edge a dependency is.
#[derive(Debug, Clone, PartialEq)]
pub enum DepKind {
    /// The caller waits for the callee's answer; its success depends on it.
    Sync,
    /// The caller puts calls in a local buffer that drains to the callee.
    Buffered(Buffer),
    /// A control loop acts on data (metrics) the callee provides.
    Control(Control),
}

/// A local buffer of calls to a callee, per caller instance; its content is a
/// backlog drained at a bounded rate when the callee accepts again.
#[derive(Debug, Clone, PartialEq)]
pub struct Buffer {
    /// Calls one instance can hold [calls].
    pub size: f64,
    pub when_full: WhenFull,
    /// Memory one buffered call uses [MB].
    pub item_mb: f64,
    /// Fastest an instance flushes its buffer [calls/s].
    pub drain: f64,
}

/// What a caller does with a call when its buffer is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WhenFull {
    /// Drop the call: the data is lost, the caller carries on.
    Drop,
    /// Wait for room until the call's timeout, holding a thread; then fail.
    Block,
    /// Keep buffering in memory without bound.
    Grow,
}

/// A control loop's need for the callee's data.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    /// Fraction of the callee's data the loop needs to act.
    pub need: f64,
    /// How long the loop can act on its last good data.
    pub tolerance: Span,
}

/// A caller's calls to a callee.
#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    pub caller: ServiceId,
    pub callee: ServiceId,
    pub kind: DepKind,
    /// Calls made per request the caller works on.
    pub per_request: f64,
    /// The caller gives up on a call after this long.
    pub timeout: Span,
    pub retries: Retries,
    /// On failure the caller serves a degraded answer instead of failing.
    pub fallback: bool,
    /// When the callee is short of capacity, higher priorities are served first.
    pub priority: i32,
    /// On a timeout the callee stops working on the call too (requests mode).
    pub cancel_on_timeout: bool,
    /// Pool, key skew and routing weight.
    pub extras: resilience::CallExtras,
}

/// Retry policy of a dependency.
#[derive(Debug, Clone, PartialEq)]
pub struct Retries {
    /// Retries after the first attempt.
    pub max: u32,
    /// Wait before the first retry; multiplied by `multiplier` before each next one.
    pub backoff: Span,
    pub multiplier: f64,
    pub jitter: Jitter,
    /// Retries allowed as a fraction of first attempts (a retry budget); `None` is unbounded.
    pub budget: Option<f64>,
    /// The AWS SDK retry mode: legacy (none of the below), standard or adaptive.
    pub mode: RetryMode,
    /// The retry quota's size (standard and adaptive) [tokens].
    pub quota: f64,
    /// The longest wait between attempts; `None` is uncapped.
    pub max_backoff: Option<Span>,
}

/// An AWS SDK retry mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    /// Retries as configured, nothing more.
    Legacy,
    /// A retry quota (token bucket) stops retries when it is empty.
    Standard,
    /// Standard plus a client-side rate limiter that slows sends after throttles.
    Adaptive,
}

impl Retries {
    pub fn none() -> Retries {
        Retries {
            max: 0,
            backoff: Span::ZERO,
            multiplier: 2.0,
            jitter: Jitter::None,
            budget: None,
            mode: RetryMode::Legacy,
            quota: crate::mechanisms::retry_modes::DEFAULT_QUOTA,
            max_backoff: None,
        }
    }
}

/// How retry waits are randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Jitter {
    /// Wait exactly the backoff.
    None,
    /// Wait uniformly in `0..backoff` (mean half).
    Full,
    /// Wait `backoff/2 + uniform(0..backoff/2)` (mean three quarters).
    Equal,
}

impl Model {
    pub fn service_id(&self, name: &str) -> Option<ServiceId> {
        self.services.iter().position(|s| s.name == name).map(ServiceId)
    }

    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.0]
    }

    /// Shows a simulated time as a clock time, or as an offset without a clock.
    pub fn show_time(&self, t: SimTime) -> String {
        match &self.clock {
            Some(c) => c.show(t),
            None => crate::time::show_offset(t),
        }
    }

    /// The end of the run.
    pub fn end(&self) -> SimTime {
        SimTime(self.duration.0)
    }
}
