//! The mutable state of a run: fleets, queues, injected faults and accumulators.

use super::fleet::Fleet;
use super::result::Totals;
use crate::mechanisms::sync_call::Profile;
use crate::model::{DepKind, Dependency, Service};

/// Injected faults on one service, combined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultEffect {
    /// Multiplies capacity (1 = none lost).
    pub capacity_factor: f64,
    /// Added to every request [s].
    pub latency_s: f64,
    /// Fraction of requests failed.
    pub error: f64,
}

impl Default for FaultEffect {
    fn default() -> Self {
        FaultEffect { capacity_factor: 1.0, latency_s: 0.0, error: 0.0 }
    }
}

/// Rates of one service during the current interval, as last solved.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rates {
    /// Arriving [req/s].
    pub offered: f64,
    /// Arriving at live instances [req/s]; the rest fail at once.
    pub accepted: f64,
    /// Effective capacity [req/s].
    pub capacity: f64,
    /// Longest queue kept [requests].
    pub queue_limit: f64,
    /// Chance a worked request fails.
    pub error: f64,
    /// Chance a successful answer comes too late for its requester.
    pub late: f64,
    /// Worker threads across the serving fleet.
    pub workers: f64,
}

/// Sums over the current sampling step [requests; thread-seconds].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Accumulator {
    pub offered: f64,
    pub served: f64,
    pub failed: f64,
    pub thread_s: f64,
}

/// A service's state.
#[derive(Debug, Clone)]
pub struct ServiceState {
    pub fleet: Fleet,
    /// Requests waiting [requests].
    pub queue: f64,
    pub fault: FaultEffect,
    pub rates: Rates,
    /// What callers see.
    pub profile: Profile,
    pub acc: Accumulator,
    pub totals: Totals,
    /// Capacity its instances spend feeding warming peers [instances].
    pub warm_load: f64,
    /// Multiplies the external load this step (load noise; 1 without).
    pub load_factor: f64,
    /// Share of each client segment in the requests it works on.
    pub mix: crate::mechanisms::segments::Mix,
    /// Request rate of closed-loop clients, as last settled [req/s].
    pub closed_rate: f64,
    /// A router's health verdicts and the shares its clients use.
    pub routes: Option<Box<RouteState>>,
    /// The rate closed-loop clients would have, answered as last solved [req/s].
    pub closed_target: f64,
    /// Requests in flight cut by instances leaving rotation, not yet counted [requests].
    pub cut: f64,
    /// A serverless fleet's warm instances [instances].
    pub warm: f64,
    /// Its concurrency at recent ticks: (seconds, instances busy).
    pub recent: Vec<(f64, f64)>,
    /// The autoscaling policy's last scale-out and scale-in.
    pub last_scale_out: Option<crate::time::SimTime>,
    pub last_scale_in: Option<crate::time::SimTime>,
    /// The policy is stalled for want of metrics (noted once).
    pub scaling_stalled: bool,
    /// The random wait last computed, and what it was computed from
    /// (serving instances, arrival rate held under saturation, capacity, hold,
    /// variability), for a solve that repeats them.
    pub wait_memo: Option<([u64; 6], crate::mechanisms::queueing::Wait)>,
    /// The Erlang C arguments `(servers, load)` of `profile`'s chance of
    /// waiting, when it was left unevaluated (NaN) because nobody reads it.
    pub unread_wait: Option<(f64, f64)>,
}

/// A router's view of its targets (in the order of its calls).
#[derive(Debug, Clone, PartialEq)]
pub struct RouteState {
    pub healthy: Vec<bool>,
    /// When probes began to disagree with each verdict.
    pub since: Vec<Option<crate::time::SimTime>>,
    /// Shares before the last switch, the shares decided then, and when.
    pub from: Vec<f64>,
    pub to: Vec<f64>,
    pub switched: crate::time::SimTime,
}

/// A dependency's state.
#[derive(Debug, Clone, PartialEq)]
pub struct DepState {
    /// Attempts sent to the callee [calls/s], as last solved.
    pub call_rate: f64,
    /// Attempts per request of the caller, retries included, as last solved.
    pub calls_per_request: f64,
    /// Active partitions on this link.
    pub partitions: u32,
    /// Fraction of this caller's calls the callee turns away by priority.
    pub throttled: f64,
    /// How much longer this caller's calls wait in the callee's random queue
    /// than first come, first served would make them (priorities; 1 without).
    pub wait_factor: f64,
    /// Chance one attempt succeeds, as last solved.
    pub attempt_success: f64,
    /// Calls waiting in the caller's buffers (the backlog) [calls].
    pub held: f64,
    /// Calls written to the buffers [calls/s].
    pub writes: f64,
    /// Calls that found the buffers full [calls/s].
    pub overflow: f64,
    /// Calls lost from full buffers over the run [calls].
    pub dropped: f64,
    /// A control loop's data has been short of its need since then.
    pub short_since: Option<crate::time::SimTime>,
    /// Share of the caller's requests a router sends along this call (1 without routing).
    pub share: f64,
    /// Connections leaked from the call's pool, per caller instance.
    pub leaked: f64,
    /// Fraction of calls granted a pooled connection, as last solved.
    pub granted: f64,
    /// The call's circuit breaker.
    pub breaker: crate::mechanisms::breaker::BreakerState,
    /// Calls the caller wants to make, before its breaker [calls/s].
    pub demand: f64,
    /// The SDK retry modes' state: quota, limiter and what moves them; made
    /// (as its default) when a call with such a mode first needs it, so the
    /// other calls do not carry it.
    pub sdk: Option<Box<crate::engine::calls::SdkState>>,
}

/// The parameters in force: the model's, or those a `set` action put in force
/// (borrowed from the model either way).
#[derive(Debug, Clone)]
pub struct Params<'m> {
    pub services: &'m [Service],
    pub deps: &'m [Dependency],
    /// Indexes of the buffered dependencies.
    pub buffered: Vec<usize>,
    /// Indexes of the control-plane dependencies.
    pub control: Vec<usize>,
    /// Indexes of the calls with a circuit breaker, a leaking pool, or an SDK
    /// retry mode with a quota (sync and not switched off): the per-interval
    /// and per-tick loops visit only these.
    pub breakers: Vec<usize>,
    pub leaky: Vec<usize>,
    pub quotas: Vec<usize>,
}

impl<'m> Params<'m> {
    pub fn new(services: &'m [Service], deps: &'m [Dependency]) -> Params<'m> {
        let of = |want: fn(&DepKind) -> bool| {
            deps.iter().enumerate().filter(|(_, d)| want(&d.kind)).map(|(i, _)| i).collect()
        };
        let buffered = of(|k| matches!(k, DepKind::Buffered(_)));
        let control = of(|k| matches!(k, DepKind::Control(_)));
        let which = |want: &dyn Fn(&Dependency) -> bool| {
            deps.iter().enumerate().filter(|(_, d)| want(d)).map(|(i, _)| i).collect()
        };
        let breakers = which(&|d| d.extras.breaker.is_some());
        let leaky = which(&|d| d.extras.pool.as_ref().is_some_and(|p| p.leak > 0.0));
        let quotas = which(&|d| {
            crate::mechanisms::retry_modes::has_quota(&d.retries) && !d.extras.off && matches!(d.kind, DepKind::Sync)
        });
        Params { services, deps, buffered, control, breakers, leaky, quotas }
    }
}

impl ServiceState {
    pub fn new(service: &Service) -> ServiceState {
        ServiceState {
            fleet: Fleet::new(service.instances),
            queue: 0.0,
            fault: FaultEffect::default(),
            rates: Rates::default(),
            profile: Profile { hold_s: service.latency.secs(), ..Profile::PERFECT },
            acc: Accumulator::default(),
            totals: Totals::default(),
            warm_load: 0.0,
            load_factor: 1.0,
            mix: service.extras.segments,
            closed_rate: match &service.load.shape {
                crate::model::LoadShape::Closed { clients, think } => {
                    crate::mechanisms::closed_loop::rate(*clients, think.secs(), service.latency.secs())
                }
                _ => 0.0,
            },
            routes: None,
            closed_target: 0.0,
            cut: 0.0,
            warm: 0.0,
            recent: Vec::new(),
            last_scale_out: None,
            last_scale_in: None,
            scaling_stalled: false,
            wait_memo: None,
            unread_wait: None,
        }
    }
}

impl Default for DepState {
    fn default() -> Self {
        DepState {
            call_rate: 0.0,
            calls_per_request: 0.0,
            partitions: 0,
            throttled: 0.0,
            wait_factor: 1.0,
            attempt_success: 0.0,
            held: 0.0,
            writes: 0.0,
            overflow: 0.0,
            dropped: 0.0,
            short_since: None,
            share: 1.0,
            leaked: 0.0,
            granted: 1.0,
            breaker: crate::mechanisms::breaker::BreakerState::Closed,
            demand: 0.0,
            sdk: None,
        }
    }
}
