//! Fluid traffic: solves every service's rates from the fleet and its callees, and integrates them over time.

use super::calls;
use super::result::Totals;
use super::state::{Accumulator, DepState, Params, ServiceState};
use super::sums::add_repeatedly;
use crate::mechanisms::capacity::wait_s as wait_s_of;
use crate::mechanisms::sync_call::{self, Profile};
use crate::mechanisms::{
    buffer, capacity, closed_loop, load, partitions, priority, queueing, segments, serverless, shedding,
};
use crate::model::LoadShape;
use crate::model::{DepId, DepKind, Model, ServiceId};
use crate::time::SimTime;

/// The graph's adjacency, fixed for a run.
#[derive(Debug, Clone)]
pub struct Wiring {
    /// Services ordered callees first (the solver iterates over cycles), level by level.
    pub order: Vec<ServiceId>,
    /// Each service's rank in a depth-first search's callees-first order: of
    /// the services a solve gives up on, the first by this rank is named.
    pub found: Vec<u32>,
    pub outgoing: Vec<Vec<DepId>>,
    pub incoming: Vec<Vec<DepId>>,
    /// Services some of whose callers have a priority set.
    pub prioritised: Vec<bool>,
    /// The topology names client segments, so mixes are tracked.
    pub segmented: bool,
    /// Some load is a closed loop, whose rate is settled by repeated solving.
    pub closed: bool,
}

impl Wiring {
    pub fn new(model: &Model) -> Wiring {
        let n = model.services.len();
        let mut outgoing = vec![Vec::new(); n];
        let mut incoming = vec![Vec::new(); n];
        for (i, d) in model.deps.iter().enumerate() {
            outgoing[d.caller.0].push(DepId(i));
            incoming[d.callee.0].push(DepId(i));
        }
        let (order, found) = super::order::callees_first(model, &outgoing);
        let prioritised =
            incoming.iter().map(|ds: &Vec<DepId>| ds.iter().any(|d| model.deps[d.0].priority != 0)).collect();
        Wiring {
            order,
            found,
            outgoing,
            incoming,
            prioritised,
            segmented: !model.segments.is_empty(),
            closed: model.services.iter().any(|s| matches!(s.load.shape, LoadShape::Closed { .. })),
        }
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
    let external = match svc.load.shape {
        LoadShape::Closed { .. } => states[id.0].closed_rate,
        _ => load::rate_at(&svc.load.shape, now),
    } * states[id.0].load_factor;
    let from_callers: f64 = wiring.incoming[id.0].iter().map(|d| deps[d.0].call_rate).sum();
    let offered = external + from_callers;
    if wiring.segmented {
        let mut parts = vec![(external, svc.extras.segments)];
        parts
            .extend(wiring.incoming[id.0].iter().map(|d| (deps[d.0].call_rate, states[params.deps[d.0].caller.0].mix)));
        states[id.0].mix = segments::combine(&parts);
    }

    let census = states[id.0].fleet.census();
    let calls = calls::cost(params, wiring, states, deps, id, &census, now);
    let st = &mut states[id.0];
    let hold_s = svc.latency.secs() + calls.hold_s + st.fault.latency_s + census.version_latency_s;
    let rejected = census.rejecting * segments::rejected(&st.mix, census.rejects);
    let mut success = calls.success
        * (1.0 - st.fault.error)
        * (1.0 - svc.error_rate)
        * (1.0 - census.version_error)
        * (1.0 - census.stale_error)
        * (1.0 - rejected);
    let client_error = (calls.client + census.client_error + rejected).min(1.0 - success);
    if let Some(m) = &svc.memory {
        success *= 1.0 - buffer::memory_errors(m.base_mb + calls.buffered_mb, m.limit_mb, m.fail_at);
    }

    let in_rotation = census.serving + census.dead_in_rotation;
    let refused = if in_rotation == 0 { 1.0 } else { census.dead_in_rotation as f64 / in_rotation as f64 };
    let workers = census.serving as f64 * svc.threads.min(svc.os_thread_limit) as f64;
    let units = (census.capacity_units - st.warm_load).max(0.0);
    let cpu = units * svc.capacity * st.fault.capacity_factor;
    let mut cap = capacity::effective_capacity(cpu, workers, hold_s);
    let (mut cold, mut cold_s) = (0.0, 0.0);
    if let Some(sl) = &svc.extras.serverless {
        cold = serverless::cold_share(sl, st.warm, offered.min(cap), hold_s, dt_s);
        cold_s = sl.cold_start.secs();
        cap = cap.min(serverless::limit_rate(sl, hold_s + cold * cold_s));
    }
    let queue_wait = wait_s_of(st.queue, cap);
    let served = svc.extras.shedding.as_ref().map_or(queue_wait, |h| shedding::served_wait_s(h, queue_wait));
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
    if let Some(n) = svc.extras.partitions {
        accepted = admit_by_partition(params, wiring, deps, id, external, cap, n as usize) * (1.0 - refused);
    }
    let max_wait = svc
        .extras
        .shedding
        .as_ref()
        .map_or(svc.timeout.secs(), |h| shedding::max_wait_s(h, svc.timeout.secs(), hold_s));
    let limit = capacity::queue_limit(svc.queue as f64 * census.serving as f64, cap, max_wait);
    let wait_s = capacity::wait_s(st.queue, cap);
    let served_wait = svc.extras.shedding.as_ref().map_or(wait_s, |h| shedding::served_wait_s(h, wait_s));
    let overflow = if accepted > cap && st.queue >= limit * 0.999 { (accepted - cap) / accepted } else { 0.0 };
    let processing = cap.min(accepted + st.queue / dt_s.max(1e-9));

    // What the random wait reads: over saturation, the load is held at it.
    let arrivals = accepted.min(queueing::SATURATION * cap);
    let v = svc.variability;
    let key = [
        census.serving as u64,
        arrivals.to_bits(),
        cap.to_bits(),
        hold_s.to_bits(),
        v.arrival_cv.to_bits(),
        v.service_cv.to_bits(),
    ];
    // The chance of waiting is read by sync callers (their mean wait), and
    // where the tail past a timeout shows: by this service's late requests
    // (its clients' timeout and its callers'), and by every caller's
    // attempts (its own timeout, the same tail). Where nobody reads it, it is
    // left unevaluated (NaN), with what it would be computed from.
    let timeout = svc.load.timeout.secs();
    let extras: &[f64] = if cold == 0.0 { &[0.0] } else { &[0.0, cold_s] };
    let read = |cond_mean_s: f64| {
        let shows = |cond_mean_s: f64, t: f64| {
            !extras.iter().all(|&extra| queueing::tail_invisible(cond_mean_s, t - served - hold_s - extra))
        };
        // A prioritised service sets its callers' wait factors after this.
        wiring.prioritised[id.0]
            || offered > 0.0 && shows(cond_mean_s, timeout)
            || wiring.incoming[id.0].iter().any(|d| {
                let dep = &params.deps[d.0];
                matches!(dep.kind, DepKind::Sync) || shows(cond_mean_s * deps[d.0].wait_factor, dep.timeout.secs())
            })
    };
    let queueing = match st.wait_memo {
        Some((k, w)) if same_bits(&k, &key) => {
            st.unread_wait = None;
            w
        }
        _ => {
            let (w, unread) = queueing_wait(svc, &census, arrivals, cap, hold_s, read);
            st.unread_wait = unread;
            if !w.p_wait.is_nan() {
                st.wait_memo = Some((key, w));
            }
            w
        }
    };
    let external_factor =
        if wiring.prioritised[id.0] { class_waits(params, wiring, deps, id, external, accepted, cap) } else { 1.0 };
    // On time: the backlog's wait, the random wait below saturation, the hold, and a cold start for some.
    let in_time = |t: f64, factor: f64| {
        let queueing = queueing.scaled(factor);
        let one =
            |extra: f64| sync_call::in_time(served, hold_s + extra, t) * queueing.within(t - served - hold_s - extra);
        sync_call::with_cold(cold, cold_s, one)
    };
    let late = if offered > 0.0 {
        // Callers mostly share a few timeouts: each distinct one is evaluated once in a row.
        let mut last = (timeout.to_bits(), external_factor.to_bits(), in_time(timeout, external_factor));
        let mut on_time = external * last.2;
        for &d in &wiring.incoming[id.0] {
            let (t, factor) = (params.deps[d.0].timeout.secs(), deps[d.0].wait_factor);
            if (t.to_bits(), factor.to_bits()) != (last.0, last.1) {
                last = (t.to_bits(), factor.to_bits(), in_time(t, factor));
            }
            on_time += deps[d.0].call_rate * last.2;
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
    st.profile = Profile {
        refused: refused + (1.0 - refused) * overflow,
        wait_s: served_wait,
        hold_s,
        error: 1.0 - success,
        client_error,
        cold,
        cold_s,
        queueing,
    };
    if let LoadShape::Closed { clients, think } = svc.load.shape {
        let target = closed_loop::rate(clients, think.secs(), wait_s + hold_s);
        st.closed_target = target;
    }
    calls::emit(params, wiring, deps, id, &census, processing, dt_s);
}

/// Equal words, compared without a call to `memcmp`.
fn same_bits<const N: usize>(a: &[u64; N], b: &[u64; N]) -> bool {
    a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The random wait: each serving instance is an M/M/c (or, with
/// variability, G/G/c) queue whose servers are what its capacity allows
/// during one hold time (`cap x hold_s` over the fleet). Its utilisation is
/// taken at most [`queueing::SATURATION`]: nearer saturation, and over it,
/// the backlog's own wait rules, and the random wait stays what it is there.
/// Were it dropped at saturation, callers would see every request late just
/// under capacity and none just over it, and a queue balanced at its
/// capacity (as in a retry storm) would flip between the two at every solve.
/// The chance of waiting is evaluated only if `read(cond_mean_s)`; if not,
/// the Erlang C arguments it stands for come with it.
fn queueing_wait(
    svc: &crate::model::Service,
    census: &super::fleet::Census,
    arrivals: f64,
    cap: f64,
    hold_s: f64,
    read: impl FnOnce(f64) -> bool,
) -> (queueing::Wait, Option<(f64, f64)>) {
    if census.serving == 0 || hold_s <= 0.0 || cap <= 0.0 {
        return (queueing::Wait::NONE, None);
    }
    let n = census.serving as f64;
    let arrivals = arrivals.min(queueing::SATURATION * cap);
    queueing::wait_deferred(cap * hold_s / n, hold_s, arrivals / n, svc.variability, read)
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
    let shares = priority::admit(&classes(params, incoming, deps, external, |d| d.call_rate), cap);
    let mut admitted = external * shares[0];
    for (&d, share) in incoming.iter().zip(&shares[1..]) {
        deps[d.0].throttled = 1.0 - share;
        admitted += deps[d.0].call_rate * share;
    }
    admitted
}

/// A prioritised service's classes: outside clients (priority 0), then each
/// caller with its priority and the rate `rate` reads from its call's state.
fn classes(
    params: &Params,
    incoming: &[DepId],
    deps: &[DepState],
    external: f64,
    rate: impl Fn(&DepState) -> f64,
) -> Vec<(i32, f64)> {
    std::iter::once((0, external))
        .chain(incoming.iter().map(|d| (params.deps[d.0].priority, rate(&deps[d.0]))))
        .collect()
}

/// Sets how long each caller of a prioritised service waits in its random
/// queue against first come, first served; returns outside clients' factor
/// (priority 0). Classes are what each caller gets admitted.
fn class_waits(
    params: &Params,
    wiring: &Wiring,
    deps: &mut [DepState],
    id: ServiceId,
    external: f64,
    accepted: f64,
    cap: f64,
) -> f64 {
    let incoming = &wiring.incoming[id.0];
    let classes = classes(params, incoming, deps, external, |d| d.call_rate * (1.0 - d.throttled));
    let utilisation = if cap > 0.0 { (accepted / cap).min(queueing::SATURATION) } else { 0.0 };
    let factors = priority::wait_factors(&classes, cap, utilisation);
    for (&d, &f) in incoming.iter().zip(&factors[1..]) {
        deps[d.0].wait_factor = f;
    }
    factors[0]
}

/// Shares a partitioned service's `cap` among its partitions, each caller's
/// load spread by its key skew and outside clients' evenly; records each
/// caller's throttled fraction and returns the admitted rate [req/s].
fn admit_by_partition(
    params: &Params,
    wiring: &Wiring,
    deps: &mut [DepState],
    id: ServiceId,
    external: f64,
    cap: f64,
    n: usize,
) -> f64 {
    let incoming = &wiring.incoming[id.0];
    let uniform = partitions::shares(&crate::model::resilience::Skew::Uniform, n);
    let keyed: Vec<Vec<f64>> = incoming.iter().map(|d| partitions::shares(&params.deps[d.0].extras.skew, n)).collect();
    let mut loads: Vec<f64> = uniform.iter().map(|s| s * external).collect();
    for (d, shares) in incoming.iter().zip(&keyed) {
        for (l, s) in loads.iter_mut().zip(shares) {
            *l += s * deps[d.0].call_rate;
        }
    }
    let admit = partitions::admit(&loads, cap);
    let mut admitted = external * partitions::admitted(&uniform, &admit);
    for (d, shares) in incoming.iter().zip(&keyed) {
        let a = partitions::admitted(shares, &admit);
        deps[d.0].throttled = 1.0 - a;
        admitted += deps[d.0].call_rate * a;
    }
    admitted
}

/// Moves every service's queue and counters forward by `dt_s` seconds at the
/// solved rates; adds to `moved` the services whose queue moved.
pub fn integrate(
    params: &Params,
    states: &mut [ServiceState],
    deps: &mut [DepState],
    dt_s: f64,
    moved: &mut Vec<ServiceId>,
) {
    if dt_s <= 0.0 {
        return;
    }
    calls::integrate(params, states, deps, dt_s);
    for (i, st) in states.iter_mut().enumerate() {
        let queue = st.queue;
        let f = interval(st, dt_s);
        f.add_to(&mut st.acc, &mut st.totals);
        if st.queue != queue {
            moved.push(ServiceId(i));
        }
    }
}

/// Integrates `n` intervals of `dt_s` in a row, at rates under which no
/// queue moves, exactly as `n` calls of [`integrate`] would (each sum gets
/// the same additions in the same order); the step's sums are emptied after
/// interval `emptied` (counted from 1) when a step ends there. A tight loop per
/// service: O(services x n), in cache.
pub fn integrate_repeated(states: &mut [ServiceState], dt_s: f64, n: u64, emptied: Option<u64>) {
    for st in states {
        let queue = st.queue;
        let f = interval(st, dt_s);
        debug_assert!(st.queue.to_bits() == queue.to_bits(), "a repeated interval moves no queue");
        f.add_to_totals(&mut st.totals, n);
        let since = match emptied {
            Some(k) => {
                st.acc = Accumulator::default();
                n - k
            }
            None => n,
        };
        f.add_to_step(&mut st.acc, since);
    }
}

/// What one interval adds to a service's sums [requests; thread-seconds].
#[derive(Debug, Clone, Copy)]
struct Flow {
    offered: f64,
    served: f64,
    failed: f64,
    thread_s: f64,
}

impl Flow {
    fn add_to(&self, acc: &mut Accumulator, totals: &mut Totals) {
        acc.offered += self.offered;
        acc.served += self.served;
        acc.failed += self.failed;
        acc.thread_s += self.thread_s;
        totals.offered += self.offered;
        totals.served += self.served;
        totals.failed += self.failed;
    }

    /// Adds this flow to a step's sums `n` times, with the rounding of one
    /// addition after another (the sums' last digits depend on it).
    fn add_to_step(&self, acc: &mut Accumulator, n: u64) {
        acc.offered = add_repeatedly(acc.offered, self.offered, n);
        acc.served = add_repeatedly(acc.served, self.served, n);
        acc.failed = add_repeatedly(acc.failed, self.failed, n);
        acc.thread_s = add_repeatedly(acc.thread_s, self.thread_s, n);
    }

    /// Adds this flow to a run's totals `n` times, as one addition after another.
    fn add_to_totals(&self, totals: &mut Totals, n: u64) {
        totals.offered = add_repeatedly(totals.offered, self.offered, n);
        totals.served = add_repeatedly(totals.served, self.served, n);
        totals.failed = add_repeatedly(totals.failed, self.failed, n);
    }
}

/// Moves service `st`'s queue over one interval of `dt_s` at its solved
/// rates; returns what the interval adds to its sums.
fn interval(st: &mut ServiceState, dt_s: f64) -> Flow {
    let r = st.rates;
    let flow = capacity::advance(st.queue, r.accepted, r.capacity, r.queue_limit, dt_s);
    let refused = (r.offered - r.accepted) * dt_s;
    let mut served = flow.processed * (1.0 - r.error) * (1.0 - r.late);
    // Requests cut by draining had been counted as served when they were worked on.
    let cut = st.cut.min(served);
    st.cut -= cut;
    served -= cut;
    st.totals.queued = flow.queue;
    st.queue = flow.queue;
    Flow {
        offered: r.offered * dt_s,
        served,
        failed: refused + flow.dropped + (flow.processed - served),
        thread_s: (flow.processed * st.profile.hold_s).min(r.workers * dt_s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_random_wait_does_not_vanish_at_saturation() {
        let model = crate::topology::load_str(
            "t.toml",
            "duration = \"1h\"\n[services.a]\ninstances = 10\ncapacity = \"100/s\"\n",
            &[],
            None,
        )
        .unwrap();
        let svc = &model.services[0];
        let census = crate::engine::fleet::Fleet::new(svc.instances).census();
        let at = |accepted: f64| queueing_wait(svc, &census, accepted, 100.0, 0.01, |_| true).0;
        // Just under, at and over capacity, callers see one same wait: no jump for a solve to flip across.
        let under = at(99.999);
        assert_eq!(under, at(100.0));
        assert_eq!(under, at(150.0));
        assert!(under.p_wait > 0.9 && under.cond_mean_s.is_finite(), "{under:?}");
        // Below the cap it grows with the load as M/M/c does.
        assert!(at(50.0).mean_s() < at(90.0).mean_s());
    }
}
