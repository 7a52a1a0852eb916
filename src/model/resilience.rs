//! Resilience settings of services and calls: client segments, pools, partitions, routing, draining.

use crate::time::Span;

/// The most client segments a topology may name.
pub const MAX_SEGMENTS: usize = 8;

/// A service's resilience settings beyond its fleet and queue.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceExtras {
    /// Shares of the external load by client segment, indexed like [`super::Model::segments`].
    pub segments: [f64; MAX_SEGMENTS],
    /// The service's data is split into this many partitions, each with an
    /// equal share of the capacity; a partition's load above its share is throttled.
    pub partitions: Option<u32>,
    /// The service spreads its requests over its calls instead of making every call.
    pub routing: Option<Box<Routing>>,
    /// How instances leave rotation: requests longer than the delay are cut.
    pub draining: Option<Box<Draining>>,
    /// An instance per concurrent request, started cold on demand.
    pub serverless: Option<Box<Serverless>>,
    /// A target-tracking policy that sizes the fleet.
    pub autoscaling: Option<Box<Autoscaling>>,
    /// How the queue is kept short under overload.
    pub shedding: Option<Box<Shedding>>,
}

/// Load shedding settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Shedding {
    /// Serve the newest request first.
    pub lifo: bool,
    /// Drop requests that waited longer than this before working on them.
    pub deadline: Option<Span>,
    /// Limit concurrency to what keeps latency near its unloaded value.
    pub adaptive_limit: bool,
}

/// Target tracking on a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Autoscaling {
    pub metric: ScaleMetric,
    /// The metric's target: a fraction for utilisation, [req/s] per instance
    /// for requests, [requests] per instance for the queue.
    pub target: f64,
    pub min: u32,
    pub max: u32,
    /// Time after a scale-out before the next one.
    pub scale_out_cooldown: Span,
    /// Time after any change before a scale-in.
    pub scale_in_cooldown: Span,
    /// The service whose data the policy needs, through a `control` call: when
    /// that call's data falls short, the policy stalls.
    pub metrics: Option<super::ServiceId>,
}

/// What a policy tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleMetric {
    /// Offered load over capacity.
    Utilisation,
    /// Offered requests per serving instance.
    Requests,
    /// Waiting requests per serving instance.
    Queue,
}

/// A concurrency-scaled fleet (Lambda-like).
#[derive(Debug, Clone, PartialEq)]
pub struct Serverless {
    /// Most concurrent requests [requests].
    pub limit: f64,
    /// An instance idle this long is reclaimed.
    pub idle_expiry: Span,
    /// Extra time of a new instance's first request.
    pub cold_start: Span,
    /// Instances kept warm whatever the traffic.
    pub provisioned: f64,
}

/// How a router (a DNS name, a load balancer) spreads requests over its targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    pub policy: RoutePolicy,
    /// Clients keep their last answer this long: a change of targets reaches
    /// them evenly over the TTL.
    pub ttl: Span,
    /// The service whose `control` calls to the targets judge their health;
    /// `None`: the router's own calls do.
    pub checker: Option<super::ServiceId>,
    /// Time between health probes.
    pub interval: Span,
    /// Failed probes in a row before a target counts as unhealthy.
    pub unhealthy_threshold: u32,
    /// Passed probes in a row before it counts as healthy again.
    pub healthy_threshold: u32,
    /// With every target unhealthy, route to all of them by weight.
    pub fail_open: bool,
}

/// Which targets a router uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutePolicy {
    /// Every healthy target, in proportion to its weight.
    Weighted,
    /// The healthy target of the lowest `failover` rank (ties share by weight).
    Failover,
}

/// Connection draining when instances leave rotation.
#[derive(Debug, Clone, PartialEq)]
pub struct Draining {
    /// Time an instance leaving rotation keeps serving its requests in flight.
    pub delay: Span,
    /// Fraction of requests that are long.
    pub long_fraction: f64,
    /// How long the long requests take.
    pub long_latency: Span,
}

/// A call's resilience settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CallExtras {
    /// A pool of connections the call needs.
    pub pool: Option<Box<Pool>>,
    /// How the call's keys spread over a partitioned callee's partitions.
    pub skew: Skew,
    /// Share of a router's requests relative to its other targets.
    pub weight: f64,
    /// Rank of the target for a failover router (0 = primary).
    pub failover: u32,
    /// Switched off during the run by a scenario `set` (`enabled = false`): no calls are made.
    pub off: bool,
    /// A circuit breaker on the call.
    pub breaker: Option<Box<Breaker>>,
}

/// A circuit breaker's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Breaker {
    /// Share of failed attempts over a window that opens it.
    pub error_threshold: f64,
    /// The window failures are counted over, and a half-open trial lasts.
    pub window: Span,
    /// Fewer attempts than this in a window never open it.
    pub min_requests: f64,
    /// Time it stays open (failing fast) before probing.
    pub open_for: Span,
    /// Calls let through per window while half-open.
    pub probes: f64,
}

impl Default for CallExtras {
    fn default() -> Self {
        CallExtras { pool: None, skew: Skew::Uniform, weight: 1.0, failover: 0, off: false, breaker: None }
    }
}

/// A per-instance pool of connections to a callee.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    /// Connections per caller instance.
    pub size: f64,
    /// A call waits this long for a free connection, then fails.
    pub acquire_timeout: Span,
    /// Connections lost per failed call (never returned to the pool until a restart).
    pub leak: f64,
}

/// How a caller's keys spread over partitions.
#[derive(Debug, Clone, PartialEq)]
pub enum Skew {
    Uniform,
    /// Partition `k` (1-based) gets a share proportional to `1 / k^s`.
    Zipf(f64),
    /// Explicit shares, normalised; partitions beyond the list get none.
    Weights(Vec<f64>),
}
