//! The scenario's part of the model: actions and what they do, the expected timeline, and variants.

use super::{DepId, Dependency, Model, Service, ServiceId, WhenFull, dist};
use crate::time::{SimTime, Span};
use serde::{Deserialize, Serialize};

/// How many instances an action touches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    All,
    Count(u32),
    Fraction(f64),
}

impl Amount {
    /// The number of instances out of `of`, rounded to nearest, at most `of`.
    pub fn of(self, of: u32) -> u32 {
        match self {
            Amount::All => of,
            Amount::Count(n) => n.min(of),
            Amount::Fraction(f) => ((of as f64 * f).round() as u32).min(of),
        }
    }
}

/// How fast a rolling action moves through the fleet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// One instance at a time at this rate [instances/s].
    Rate(f64),
    /// `size` instances at once, then wait `pause` after they serve again.
    Batches { size: u32, pause: Span },
}

/// What a new version changes in the instances it reaches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Version {
    /// Fraction of requests the version fails.
    pub error_rate: f64,
    /// Multiplies instance capacity.
    pub capacity_factor: f64,
    /// Added to each request's own processing time.
    pub extra_latency: Span,
    /// The version handles full buffers this way instead of as configured.
    pub when_full: Option<WhenFull>,
    /// Segments (bits indexed like [`Model::segments`]) whose requests the version rejects with a client error.
    pub rejects: u32,
}

impl Default for Version {
    fn default() -> Self {
        Version { error_rate: 0.0, capacity_factor: 1.0, extra_latency: Span::ZERO, when_full: None, rejects: 0 }
    }
}

/// A scheduled trigger or operator action.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub at: SimTime,
    /// When given, a draw from it is added to `at` (a failure at a random time).
    pub jitter: Option<dist::Dist>,
    pub kind: ActionKind,
    /// A short label for logs and plots.
    pub label: String,
    /// The action waits until this dependency's caller can reach its callee (operator access).
    pub requires: Option<DepId>,
}

/// The verbs of a scenario.
#[derive(Debug, Clone, PartialEq)]
// Inject-latency carries an inline (Copy) distribution; actions are few, so their size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum ActionKind {
    /// Instances stop answering; traffic sent to them fails until health checks remove them.
    Crash { service: ServiceId, amount: Amount },
    /// Instances restart now and serve again after the service's startup time.
    Restart { service: ServiceId, amount: Amount },
    /// Instances lose this fraction of their capacity.
    LoseCapacity { service: ServiceId, fraction: f64, duration: Option<Span> },
    /// Every request takes this much longer.
    /// With a distribution, each request draws its extra time from it (requests mode);
    /// `latency` is its mean.
    InjectLatency { service: ServiceId, latency: Span, dist: Option<dist::Dist>, duration: Option<Span> },
    /// This fraction of requests fail.
    InjectErrors { service: ServiceId, rate: f64, duration: Option<Span> },
    /// Calls along the dependency hang until their timeout.
    Partition { dep: DepId, duration: Option<Span> },
    /// New instances launch (spread evenly over `over`) and serve after start-up.
    ScaleOut { service: ServiceId, count: u32, over: Span },
    /// Instances are removed (spread evenly over `over`).
    ScaleIn { service: ServiceId, count: u32, over: Span },
    /// Changes parameters (a config change); `services` and `deps` are the
    /// full parameters after the change.
    Set { overrides: Vec<(String, String)>, services: Vec<Service>, deps: Vec<Dependency> },
    /// Restarts instances at a pace; with a version, deploys it.
    Rolling { service: ServiceId, amount: Amount, pace: Pace, version: Option<Version> },
    /// Restarts crashed instances and clears injected faults (of one service, or all).
    Repair { service: Option<ServiceId> },
    /// A fault on part of a fleet, or with a client error class.
    Fault { service: ServiceId, amount: Amount, effect: FaultKind, duration: Option<Span> },
    /// Stops the rolling action in progress on the service; with `back`, also
    /// restarts the instances it reached into the version they ran before.
    Rollback { service: ServiceId, back: bool },
}

/// What a fault on (part of) a fleet does to the instances it hits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    LoseCapacity(f64),
    Latency(Span),
    /// This fraction of requests fail; with `client`, as client errors (4xx) that callers do not retry.
    Errors {
        rate: f64,
        client: bool,
    },
}

impl ActionKind {
    /// The service the action acts on, if one.
    pub fn service(&self, model: &Model) -> Option<ServiceId> {
        match self {
            ActionKind::Crash { service, .. }
            | ActionKind::Restart { service, .. }
            | ActionKind::LoseCapacity { service, .. }
            | ActionKind::InjectLatency { service, .. }
            | ActionKind::InjectErrors { service, .. }
            | ActionKind::ScaleOut { service, .. }
            | ActionKind::ScaleIn { service, .. }
            | ActionKind::Rolling { service, .. }
            | ActionKind::Fault { service, .. }
            | ActionKind::Rollback { service, .. } => Some(*service),
            ActionKind::Partition { dep, .. } => Some(model.deps[dep.0].callee),
            ActionKind::Repair { service } => *service,
            ActionKind::Set { .. } => None,
        }
    }
}

/// The kinds of milestone a service's availability curve passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    ImpactStart,
    Severe,
    RecoveryStart,
    MostlyRecovered,
    Recovered,
}

impl MilestoneKind {
    pub const ALL: [MilestoneKind; 5] = [
        MilestoneKind::ImpactStart,
        MilestoneKind::Severe,
        MilestoneKind::RecoveryStart,
        MilestoneKind::MostlyRecovered,
        MilestoneKind::Recovered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneKind::ImpactStart => "impact_start",
            MilestoneKind::Severe => "severe",
            MilestoneKind::RecoveryStart => "recovery_start",
            MilestoneKind::MostlyRecovered => "mostly_recovered",
            MilestoneKind::Recovered => "recovered",
        }
    }

    pub fn parse(text: &str) -> Option<MilestoneKind> {
        MilestoneKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One milestone of the expected timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub service: ServiceId,
    pub kind: MilestoneKind,
    pub at: SimTime,
    /// The time as written in the topology.
    pub at_text: String,
    pub note: String,
}

/// A named what-if: overrides applied over the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: String,
    pub description: String,
    /// Dotted key paths and their TOML values, as written.
    pub overrides: Vec<(String, String)>,
}
