//! Fluid traffic: solves every service's rates from the fleet and its callees, and integrates them over time.

use super::calls;
use super::state::{DepState, Params, ServiceState};
use crate::mechanisms::sync_call::{self, Profile};
use crate::mechanisms::{buffer, capacity, load, priority};
use crate::model::{DepId, Model, ServiceId};
use crate::time::SimTime;
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

/// The graph's adjacency, fixed for a run.
#[derive(Debug, Clone)]
pub struct Wiring {
    /// Services ordered callees first (the solver iterates over cycles).
    pub order: Vec<ServiceId>,
    pub outgoing: Vec<Vec<DepId>>,
    pub incoming: Vec<Vec<DepId>>,
    /// Services some of whose callers have a priority set.
    pub prioritised: Vec<bool>,
}

impl Wiring {
    pub fn new(model: &Model) -> Wiring {
        let n = model.services.len();
        let mut g = DiGraph::<usize, ()>::with_capacity(n, model.deps.len());
        let nodes: Vec<_> = (0..n).map(|i| g.add_node(i)).collect();
        let mut outgoing = vec![Vec::new(); n];
        let mut incoming = vec![Vec::new(); n];
        for (i, d) in model.deps.iter().enumerate() {
            g.add_edge(nodes[d.caller.0], nodes[d.callee.0], ());
            outgoing[d.caller.0].push(DepId(i));
            incoming[d.callee.0].push(DepId(i));
        }
        let mut order = Vec::with_capacity(n);
        for mut scc in tarjan_scc(&g) {
            scc.sort();
            order.extend(scc.into_iter().map(|ix| ServiceId(g[ix])));
        }
        let prioritised =
            incoming.iter().map(|ds: &Vec<DepId>| ds.iter().any(|d| model.deps[d.0].priority != 0)).collect();
        Wiring { order, outgoing, incoming, prioritised }
    }
}

/// Recomputes the rates of service `id` at `now` from its fleet, its callers' loads and its callees' profiles.
///
/// `dt_s` is the coming interval, used to bound how fast a queue can be worked off.
pub(super) fn solve_service(
    params: &Params,
    wiring: &Wiring,
    states: &mut [ServiceState],
    deps: &mut [DepState],
    id: ServiceId,
    now: SimTime,
    dt_s: f64,
) {
    let svc = &params.services[id.0];
    let external = load::rate_at(&svc.load.shape, now) * states[id.0].load_factor;
    let from_callers: f64 = wiring.incoming[id.0].iter().map(|d| deps[d.0].call_rate).sum();
    let offered = external + from_callers;

    let census = states[id.0].fleet.census();
    let calls = calls::cost(params, wiring, states, deps, id, &census, now);
    let st = &mut states[id.0];
    let hold_s = svc.latency.secs() + calls.hold_s + st.fault.latency_s + census.version_latency_s;
    let mut success =
        calls.success * (1.0 - st.fault.error) * (1.0 - census.version_error) * (1.0 - census.stale_error);
    if let Some(m) = &svc.memory {
        success *= 1.0 - buffer::memory_errors(m.base_mb + calls.buffered_mb, m.limit_mb, m.fail_at);
    }

    let in_rotation = census.serving + census.dead_in_rotation;
    let refused = if in_rotation == 0 { 1.0 } else { census.dead_in_rotation as f64 / in_rotation as f64 };
    let workers = census.serving as f64 * svc.threads.min(svc.os_thread_limit) as f64;
    let units = (census.capacity_units - st.warm_load).max(0.0);
    let cpu = units * svc.capacity * st.fault.capacity_factor;
    let cap = capacity::effective_capacity(cpu, workers, hold_s);
    let mut accepted = offered * (1.0 - refused);
    if wiring.prioritised[id.0] {
        if accepted > cap {
            accepted = admit_by_priority(params, wiring, deps, id, external, cap) * (1.0 - refused);
        } else {
            // Short of nothing: nobody is turned away any more.
            for &d in &wiring.incoming[id.0] {
                deps[d.0].throttled = 0.0;
            }
        }
    }
    let limit = capacity::queue_limit(svc.queue as f64 * census.serving as f64, cap, svc.timeout.secs());
    let wait_s = capacity::wait_s(st.queue, cap);
    let overflow = if accepted > cap && st.queue >= limit * 0.999 { (accepted - cap) / accepted } else { 0.0 };
    let processing = cap.min(accepted + st.queue / dt_s.max(1e-9));

    let late = if offered > 0.0 {
        let mut on_time = external * sync_call::in_time(wait_s, hold_s, svc.load.timeout.secs());
        for &d in &wiring.incoming[id.0] {
            let t = params.deps[d.0].timeout.secs();
            on_time += deps[d.0].call_rate * sync_call::in_time(wait_s, hold_s, t);
        }
        (1.0 - on_time / offered).clamp(0.0, 1.0)
    } else {
        0.0
    };

    st.rates = super::state::Rates {
        offered,
        accepted,
        capacity: cap,
        queue_limit: limit,
        error: 1.0 - success,
        late,
        workers,
    };
    st.profile = Profile { refused: refused + (1.0 - refused) * overflow, wait_s, hold_s, error: 1.0 - success };
    calls::emit(params, wiring, deps, id, &census, processing, dt_s);
}

/// Shares `cap` among outside clients (priority 0) and callers by priority;
/// records each caller's throttled fraction and returns the admitted rate [req/s].
fn admit_by_priority(
    params: &Params,
    wiring: &Wiring,
    deps: &mut [DepState],
    id: ServiceId,
    external: f64,
    cap: f64,
) -> f64 {
    let incoming = &wiring.incoming[id.0];
    let mut classes = Vec::with_capacity(incoming.len() + 1);
    classes.push((0, external));
    classes.extend(incoming.iter().map(|d| (params.deps[d.0].priority, deps[d.0].call_rate)));
    let shares = priority::admit(&classes, cap);
    let mut admitted = external * shares[0];
    for (&d, share) in incoming.iter().zip(&shares[1..]) {
        deps[d.0].throttled = 1.0 - share;
        admitted += deps[d.0].call_rate * share;
    }
    admitted
}

/// Fraction of its limit a queue may move before the rates are solved again.
pub const QUEUE_MOVE: f64 = 0.05;

/// The longest interval, up to `dt_s` [s], over which no queue moves by more
/// than [`QUEUE_MOVE`] of its limit at the solved rates: a queue's wait feeds
/// back into its callers' timeouts and threads, so a step that fills or
/// empties it at once would overshoot. O(services).
pub fn settled_span(states: &[ServiceState], dt_s: f64) -> f64 {
    let mut span = dt_s;
    for st in states {
        let r = &st.rates;
        let net = r.accepted - r.capacity;
        let movable = if net > 0.0 { r.queue_limit - st.queue } else { st.queue };
        if net != 0.0 && movable > 0.0 {
            span = span.min(QUEUE_MOVE * r.queue_limit / net.abs());
        }
    }
    span
}

/// Moves every service's queue and counters forward by `dt_s` seconds at the solved rates.
pub fn integrate(params: &Params, states: &mut [ServiceState], deps: &mut [DepState], dt_s: f64) {
    if dt_s <= 0.0 {
        return;
    }
    calls::integrate(params, states, deps, dt_s);
    for st in states.iter_mut() {
        let r = st.rates;
        let flow = capacity::advance(st.queue, r.accepted, r.capacity, r.queue_limit, dt_s);
        let refused = (r.offered - r.accepted) * dt_s;
        let served = flow.processed * (1.0 - r.error) * (1.0 - r.late);
        let failed = refused + flow.dropped + (flow.processed - served);
        let offered = r.offered * dt_s;
        st.acc.offered += offered;
        st.acc.served += served;
        st.acc.failed += failed;
        st.acc.thread_s += (flow.processed * st.profile.hold_s).min(r.workers * dt_s);
        st.totals.offered += offered;
        st.totals.served += served;
        st.totals.failed += failed;
        st.totals.queued = flow.queue;
        st.queue = flow.queue;
    }
}
