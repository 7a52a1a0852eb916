//! The fixed point of one instant: services are re-solved until callers' loads and callees' profiles agree.
//!
//! A service's rates depend on its callees' profiles (what its calls cost)
//! and on its callers' loads (what arrives), so one pass in any order reads
//! some values from the previous instant. The solver sweeps the services
//! callees first, re-solving only those whose inputs moved since they were
//! last solved, until nothing moves by more than [`TOLERANCE`] or
//! [`MAX_SWEEPS`] sweeps have run. Past [`DAMP_AFTER`] sweeps the loads a
//! service sends are relaxed call by call ([`Relaxation`]: a call whose
//! correction flips sign takes shorter steps), which settles loops that
//! would otherwise overshoot, such as a retry storm's; a caller whose answer
//! still moves is solved again until it settles.

use super::fleet::Census;
use super::marks::Marks;
use super::relax::Relaxation;
use super::state::{DepState, FaultEffect, Params, ServiceState};
use super::traffic::{self, Wiring};
use crate::mechanisms::load;
use crate::mechanisms::sync_call::Profile;
use crate::model::{DepKind, LoadShape, ServiceId};
use crate::time::SimTime;

/// Relative change under which a rate or a profile counts as settled.
pub const TOLERANCE: f64 = 1e-9;
/// Most sweeps of one solve.
pub const MAX_SWEEPS: usize = 200;
/// Sweeps after which the loads services send are relaxed call by call: one
/// pass down and one up, so loads reach the bottom of the graph unrelaxed.
pub const DAMP_AFTER: usize = 2;

/// How a solve ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Sweeps over the services it took.
    pub sweeps: usize,
    /// Services solved, counting repeats.
    pub solved: usize,
    /// Everything settled within the tolerance.
    pub converged: bool,
    /// A service still moving when the solve gave up.
    pub unsettled: Option<ServiceId>,
}

/// What a service's solve reads besides its neighbours' results (which the
/// sweeps propagate): equal inputs give equal rates, so it need not be solved again.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Inputs {
    census: Census,
    /// Outside load at the instant, noise included [req/s].
    external: f64,
    queue: f64,
    warm_load: f64,
    fault: FaultEffect,
    /// Partitions on its outgoing links.
    partitions: u32,
}

impl Inputs {
    fn of(
        params: &Params,
        wiring: &Wiring,
        states: &[ServiceState],
        deps: &[DepState],
        id: ServiceId,
        now: SimTime,
    ) -> Inputs {
        let (external, partitions) = Inputs::worked_out(params, wiring, deps, &states[id.0], id, now);
        Inputs::with(&states[id.0], external, partitions)
    }

    /// The inputs not read straight from the service's state: its outside load and partitions.
    fn worked_out(
        params: &Params,
        wiring: &Wiring,
        deps: &[DepState],
        st: &ServiceState,
        id: ServiceId,
        now: SimTime,
    ) -> (f64, u32) {
        let external = load::rate_at(&params.services[id.0].load.shape, now) * st.load_factor;
        (external, wiring.outgoing[id.0].iter().map(|d| deps[d.0].partitions).sum())
    }

    fn with(st: &ServiceState, external: f64, partitions: u32) -> Inputs {
        Inputs {
            census: st.fleet.census(),
            external,
            queue: st.queue,
            warm_load: st.warm_load,
            fault: st.fault,
            partitions,
        }
    }

    /// Equal to [`Inputs::with`]'s, compared where they are rather than
    /// copied; the census only when it was counted again since (`recounted`).
    fn equals(&self, st: &ServiceState, external: f64, partitions: u32, census: &Census, recounted: bool) -> bool {
        self.external == external
            && self.queue == st.queue
            && self.warm_load == st.warm_load
            && self.fault == st.fault
            && self.partitions == partitions
            && (!recounted || self.census == *census)
    }
}

/// What the solver knows of a service's inputs at the instant being solved
/// (when it looked at them during the instant, [`Solver::seen`]).
#[derive(Debug, Clone, Copy)]
enum Current {
    /// Equal to its inputs when last solved, which stand for them.
    Same,
    /// Moved since it was last solved; with the number of its census's count.
    Moved(Inputs, u64),
}

/// Which services must be solved again; kept between instants.
///
/// The marked services wait in two sets of positions in the callees-first
/// order: the current sweep takes them in order, and a service marked at or
/// before the position being solved waits for the next sweep. That is the
/// order a scan of every service per sweep would give, at a cost in what is
/// marked rather than in the size of the graph.
#[derive(Debug, Clone)]
pub struct Solver {
    dirty: Vec<bool>,
    /// Each service's position in [`Wiring::order`].
    position: Vec<u32>,
    /// Marked positions of the current sweep, and of the next.
    sweep: Marks,
    later: Marks,
    /// The sweep under way goes callers first (loads flow down).
    descending: bool,
    /// The position being solved, during a sweep.
    cursor: Option<u32>,
    /// Each service's inputs when last solved.
    inputs: Vec<Option<Inputs>>,
    /// For each, the number of a count of its fleet's census equal to the
    /// one in its inputs ([`Fleet::counted_census`]; `u64::MAX`: none): while
    /// the fleet's census has that number, it need not be compared.
    ///
    /// [`Fleet::counted_census`]: super::fleet::Fleet::counted_census
    counted: Vec<u64>,
    /// Each service's inputs at this instant, known when its `seen` is `instant`.
    current: Vec<Current>,
    seen: Vec<u64>,
    /// Solves so far: names the instant being solved.
    instant: u64,
    /// Room for the loads a service sends before it is solved, kept between solves.
    sent: Vec<(f64, f64)>,
    /// Services that read time or buffer levels (control loops, buffers):
    /// solved at every instant.
    volatile: Vec<bool>,
    /// Services whose inputs move with time alone: volatile ones and
    /// outside loads that follow a clock (steps, ramps, days).
    timed: Vec<ServiceId>,
    /// Services that turn callers' calls away or make them wait by priority
    /// (priorities or partitions): no other solve writes its callers'
    /// throttled shares and wait factors, so only theirs are compared around
    /// a solve ([`admission`]); the others' stay as they started.
    admits: Vec<bool>,
    /// Each service's callers (one per incoming call, repeats allowed), from
    /// `callers[callers_at[i]..callers_at[i + 1]]`: read side by side, not
    /// from each call's model.
    callers: Vec<ServiceId>,
    callers_at: Vec<u32>,
    /// A solve gave up: some services' last inputs are older than their last check.
    stale: bool,
    /// Services solved since [`Solver::take_solved`] was last called, counting repeats.
    solved: u64,
    relaxation: Relaxation,
}

impl Solver {
    pub fn new(params: &Params, wiring: &Wiring) -> Solver {
        let n = params.services.len();
        // Also services whose state moves between solves in ways their inputs do
        // not show: leaking pools, breakers, routers, serverless fleets, closed loops.
        let volatile: Vec<bool> = (0..n)
            .map(|i| {
                let svc = &params.services[i];
                wiring.outgoing[i].iter().any(|d| {
                    let dep = &params.deps[d.0];
                    !matches!(dep.kind, DepKind::Sync)
                        || dep.extras.pool.is_some()
                        || dep.extras.breaker.is_some()
                        || dep.retries.mode != crate::model::RetryMode::Legacy
                }) || svc.extras.routing.is_some()
                    || svc.extras.serverless.is_some()
                    || matches!(svc.load.shape, LoadShape::Closed { .. })
            })
            .collect();
        let timed = (0..n)
            .filter(|&i| {
                volatile[i]
                    || matches!(
                        params.services[i].load.shape,
                        LoadShape::Steps { .. } | LoadShape::Ramp { .. } | LoadShape::Daily { .. }
                    )
            })
            .map(ServiceId)
            .collect();
        let admits = (0..n).map(|i| wiring.prioritised[i] || params.services[i].extras.partitions.is_some()).collect();
        let mut callers_at = Vec::with_capacity(n + 1);
        callers_at.push(0);
        let mut callers = Vec::with_capacity(params.deps.len());
        for incoming in &wiring.incoming {
            callers.extend(incoming.iter().map(|d| params.deps[d.0].caller));
            callers_at.push(callers.len() as u32);
        }
        let mut position = vec![0; n];
        for (p, s) in wiring.order.iter().enumerate() {
            position[s.0] = p as u32;
        }
        Solver {
            dirty: vec![true; n],
            sweep: Marks::full(n),
            later: Marks::new(n),
            descending: false,
            position,
            cursor: None,
            inputs: vec![None; n],
            counted: vec![u64::MAX; n],
            current: vec![Current::Same; n],
            seen: vec![u64::MAX; n],
            instant: 0,
            sent: Vec::new(),
            volatile,
            timed,
            admits,
            callers,
            callers_at,
            stale: false,
            solved: 0,
            relaxation: Relaxation::new(params.deps.len()),
        }
    }

    /// Services solved since the last call, counting repeats (every solve of a closed loop's search too).
    pub fn take_solved(&mut self) -> u64 {
        std::mem::take(&mut self.solved)
    }

    /// Some service is solved at every instant, or has inputs that follow the clock.
    pub fn follows_clock(&self) -> bool {
        !self.timed.is_empty()
    }

    /// Marks the services whose inputs changed since they were last solved. O(services).
    pub fn touch_changed(
        &mut self,
        params: &Params,
        wiring: &Wiring,
        states: &[ServiceState],
        deps: &[DepState],
        now: SimTime,
    ) {
        self.stale = false;
        for i in 0..states.len() {
            self.check(params, wiring, states, deps, ServiceId(i), now);
        }
    }

    /// Marks, among `moved` (services whose queue moved) and those whose
    /// inputs follow the clock, the ones whose inputs changed since they were
    /// last solved, when nothing else moved since the last check (only the
    /// queues and the clock); otherwise checks every service.
    /// O(moved + timed services).
    pub fn touch_moved(
        &mut self,
        params: &Params,
        wiring: &Wiring,
        states: &[ServiceState],
        deps: &[DepState],
        now: SimTime,
        moved: &[ServiceId],
    ) {
        if self.stale {
            return self.touch_changed(params, wiring, states, deps, now);
        }
        for k in 0..moved.len() + self.timed.len() {
            let id = if k < moved.len() { moved[k] } else { self.timed[k - moved.len()] };
            self.check(params, wiring, states, deps, id, now);
        }
    }

    fn check(
        &mut self,
        params: &Params,
        wiring: &Wiring,
        states: &[ServiceState],
        deps: &[DepState],
        id: ServiceId,
        now: SimTime,
    ) {
        let st = &states[id.0];
        let (external, partitions) = Inputs::worked_out(params, wiring, deps, st, id, now);
        self.seen[id.0] = self.instant;
        // Equal inputs need not be kept: the last solve's stand for them.
        let &(ref census, count) = st.fleet.counted_census();
        let recounted = self.counted[id.0] != count;
        let same =
            self.inputs[id.0].as_ref().is_some_and(|last| last.equals(st, external, partitions, census, recounted));
        #[cfg(debug_assertions)]
        assert_eq!(same, self.inputs[id.0] == Some(Inputs::with(st, external, partitions)));
        if same {
            // Equal censuses stand for each other: this count's is the one kept.
            self.counted[id.0] = count;
            self.current[id.0] = Current::Same;
        } else {
            self.current[id.0] = Current::Moved(Inputs::with(st, external, partitions), count);
        }
        if self.volatile[id.0] || !same {
            self.touch(id);
        }
    }

    /// Marks service `s` to be solved again.
    pub fn touch(&mut self, s: ServiceId) {
        if std::mem::replace(&mut self.dirty[s.0], true) {
            return;
        }
        let p = self.position[s.0];
        let behind = |c: u32| if self.descending { p >= c } else { p <= c };
        if self.cursor.is_some_and(behind) {
            self.later.insert(p);
        } else {
            self.sweep.insert(p);
        }
    }

    /// Solves the marked services, and those their changes reach, to a fixed point at `now`.
    ///
    /// `dt_s` is the coming interval. O(sweeps x touched services and their links, x log).
    pub fn solve(
        &mut self,
        params: &Params,
        wiring: &Wiring,
        states: &mut [ServiceState],
        deps: &mut [DepState],
        now: SimTime,
        dt_s: f64,
    ) -> Outcome {
        let mut out = Outcome { sweeps: 0, solved: 0, converged: true, unsettled: None };
        self.relaxation.begin();
        let mut sent = std::mem::take(&mut self.sent);
        while !self.sweep.is_empty() || !self.later.is_empty() {
            if self.sweep.is_empty() {
                std::mem::swap(&mut self.sweep, &mut self.later);
            }
            if out.sweeps == MAX_SWEEPS {
                out.converged = false;
                let marked = self.sweep.drain().map(|p| wiring.order[p as usize]);
                out.unsettled = marked.inspect(|s| self.dirty[s.0] = false).min_by_key(|s| wiring.found[s.0]);
                for p in self.later.drain() {
                    self.dirty[wiring.order[p as usize].0] = false;
                }
                self.stale = true;
                break;
            }
            let damp = out.sweeps >= DAMP_AFTER;
            self.descending = out.sweeps % 2 == 1;
            out.sweeps += 1;
            while let Some(p) = if self.descending { self.sweep.pop_last() } else { self.sweep.pop_first() } {
                let id = wiring.order[p as usize];
                self.cursor = Some(p);
                self.dirty[id.0] = false;
                out.solved += 1;
                // Solving changes no service's inputs: once known, they
                // hold for the rest of the instant.
                if self.seen[id.0] != self.instant {
                    self.seen[id.0] = self.instant;
                    self.inputs[id.0] = Some(Inputs::of(params, wiring, states, deps, id, now));
                    self.counted[id.0] = states[id.0].fleet.counted_census().1;
                } else if let Current::Moved(c, count) = self.current[id.0] {
                    self.inputs[id.0] = Some(c);
                    self.counted[id.0] = count;
                }
                self.current[id.0] = Current::Same;
                #[cfg(debug_assertions)]
                {
                    let (kept, again) = (self.inputs[id.0], Some(Inputs::of(params, wiring, states, deps, id, now)));
                    assert!(kept == again || format!("{kept:?}") == format!("{again:?}"), "{kept:?} against {again:?}");
                }
                let profile = (states[id.0].profile, states[id.0].unread_wait);
                sent.clear();
                sent.extend(wiring.outgoing[id.0].iter().map(|d| (deps[d.0].call_rate, deps[d.0].overflow)));
                let throttled = self.admission(wiring, deps, id);
                traffic::solve_service(params, wiring, states, deps, id, now, dt_s);
                self.propagate(params, wiring, states, deps, id, profile, &sent, throttled, damp);
            }
            self.cursor = None;
        }
        self.descending = false;
        self.solved += out.solved as u64;
        self.instant += 1;
        self.sent = sent;
        out
    }

    /// After service `id` was solved, marks whom its changes reach: its callers
    /// if its profile (with a chance of waiting left unevaluated, the Erlang C
    /// arguments it stands for) or their throttling moved, a callee whose load
    /// moved, itself if its buffers' overflow moved or, when `damp`, if a load
    /// it sends is still short of its answer.
    #[allow(clippy::too_many_arguments)]
    fn propagate(
        &mut self,
        params: &Params,
        wiring: &Wiring,
        states: &[ServiceState],
        deps: &mut [DepState],
        id: ServiceId,
        profile: (Profile, Option<(f64, f64)>),
        sent: &[(f64, f64)],
        throttled: (f64, f64),
        damp: bool,
    ) {
        let now_throttled = self.admission(wiring, deps, id);
        let now_profile = (states[id.0].profile, states[id.0].unread_wait);
        // A chance of waiting left unevaluated is evaluated only when nothing else tells.
        if !wiring.incoming[id.0].is_empty()
            && (moved_profile(&profile.0, &now_profile.0)
                || moved(throttled.0, now_throttled.0)
                || moved(throttled.1, now_throttled.1)
                || moved(p_wait(profile), p_wait(now_profile)))
        {
            for k in self.callers_at[id.0]..self.callers_at[id.0 + 1] {
                self.touch(self.callers[k as usize]);
            }
        }
        for (d, &(rate, overflow)) in wiring.outgoing[id.0].iter().zip(sent) {
            let ds = &mut deps[d.0];
            if damp {
                let answer = ds.call_rate;
                let moving = moved(rate, answer);
                ds.call_rate = self.relaxation.next(d.0, rate, answer, moving);
                if moving {
                    self.touch(id);
                }
            }
            if moved(rate, ds.call_rate) {
                self.touch(params.deps[d.0].callee);
            }
            if moved(overflow, ds.overflow) {
                self.touch(id);
            }
        }
    }
}

impl Solver {
    /// What service `id` does to its callers' calls besides its profile: the
    /// shares it turns away and how long each waits by priority (summed);
    /// nothing, and the same nothing before and after any solve, for a service
    /// that does not admit by priority or partition ([`Solver::admits`]).
    fn admission(&self, wiring: &Wiring, deps: &[DepState], id: ServiceId) -> (f64, f64) {
        if !self.admits[id.0] {
            debug_assert!(
                wiring.incoming[id.0].iter().all(|d| deps[d.0].throttled == 0.0 && deps[d.0].wait_factor == 1.0),
                "a service that admits every call moved a caller's share or wait"
            );
            return (0.0, 0.0);
        }
        wiring.incoming[id.0].iter().fold((0.0, 0.0), |(t, w), d| (t + deps[d.0].throttled, w + deps[d.0].wait_factor))
    }
}

/// `a` and `b` differ by more than the tolerance, relative to the larger.
fn moved(a: f64, b: f64) -> bool {
    a != b && (!a.is_finite() || !b.is_finite() || (a - b).abs() > TOLERANCE * a.abs().max(b.abs()))
}

fn moved_profile(a: &Profile, b: &Profile) -> bool {
    moved(a.refused, b.refused)
        || moved(a.wait_s, b.wait_s)
        || moved(a.hold_s, b.hold_s)
        || moved(a.error, b.error)
        || moved(a.client_error, b.client_error)
        || moved(a.cold, b.cold)
        || moved(a.queueing.cond_mean_s, b.queueing.cond_mean_s)
}

/// A profile's chance of waiting, evaluated now if it was left so (see [`ServiceState::unread_wait`]).
fn p_wait((profile, unread): (Profile, Option<(f64, f64)>)) -> f64 {
    match unread {
        Some((servers, load)) => crate::mechanisms::queueing::erlang_c(servers, load),
        None => profile.queueing.p_wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain of `n` services, each calling the next, outside load on the first.
    fn chain(n: usize) -> crate::model::Model {
        let mut text = String::from("duration = \"1h\"\n");
        for i in 0..n {
            text += &format!("[services.s{i}]\ninstances = 2\ncapacity = \"1000/s\"\n");
            if i == 0 {
                text += "load = { kind = \"constant\", rate = \"400/s\" }\n";
            }
            if i + 1 < n {
                text += &format!("calls.s{} = {{ per-request = 1.0 }}\n", i + 1);
            }
        }
        crate::topology::load_str("chain.toml", &text, &[], None).expect("a valid chain")
    }

    /// `model`'s engine at rest, before its first solve: parameters, wiring,
    /// fresh service and call states, and a solver with every service marked.
    fn at_rest(model: &crate::model::Model) -> (Params<'_>, Wiring, Vec<ServiceState>, Vec<DepState>, Solver) {
        let params = Params::new(&model.services, &model.deps);
        let wiring = Wiring::new(model);
        let states = model.services.iter().map(ServiceState::new).collect();
        let deps = vec![DepState::default(); model.deps.len()];
        let solver = Solver::new(&params, &wiring);
        (params, wiring, states, deps, solver)
    }

    #[test]
    fn a_deep_chain_settles_in_a_few_sweeps_whatever_its_depth() {
        for n in [5, 80] {
            let model = chain(n);
            let (params, wiring, mut states, mut deps, mut solver) = at_rest(&model);
            let out = solver.solve(&params, &wiring, &mut states, &mut deps, SimTime::ZERO, 10.0);
            assert!(out.converged, "{n}: {out:?}");
            // Loads flow down in one sweep, answers back up in the next.
            assert!(out.sweeps <= 4, "{n}: {out:?}");
            let last = n - 1;
            assert!((deps[last - 1].call_rate - 400.0).abs() < 1e-6, "{}", deps[last - 1].call_rate);
            // Nothing moved: solving again marks nothing and solves nothing.
            solver.touch_changed(&params, &wiring, &states, &deps, SimTime::ZERO);
            let again = solver.solve(&params, &wiring, &mut states, &mut deps, SimTime::ZERO, 10.0);
            assert_eq!((again.sweeps, again.solved), (0, 0));
            // One service marked costs that service and what its change reaches, not the graph.
            solver.touch(wiring.order[0]);
            let one = solver.solve(&params, &wiring, &mut states, &mut deps, SimTime::ZERO, 10.0);
            assert_eq!(one.solved, 1, "{one:?}");
        }
    }

    /// A thread-bound front end retrying a back end whose backlog waits about
    /// as long as the front end's timeout: a steep caller-callee loop.
    const LOOP: &str = r#"duration = "1h"
[services.front]
instances = 10
capacity = "1000/s"
latency = "5ms"
threads = { workers = 50 }
load = { kind = "constant", rate = "800/s", timeout = "3s" }
[services.front.calls.back]
timeout = "1s"
retries = { max = 3, backoff = "50ms" }
[services.back]
instances = 10
capacity = "85/s"
latency = "10ms"
queue = 100
"#;

    #[test]
    fn a_retry_loop_settles_in_a_few_sweeps_relaxed_from_the_third() {
        let model = crate::topology::load_str("loop.toml", LOOP, &[], None).expect("a valid loop");
        let params = Params::new(&model.services, &model.deps);
        let wiring = Wiring::new(&model);
        for queue in [700.0, 800.0, 850.0, 900.0, 1000.0] {
            let mut states: Vec<ServiceState> = model.services.iter().map(ServiceState::new).collect();
            let back = model.services.iter().position(|s| s.name == "back").unwrap();
            states[back].queue = queue;
            let mut deps = vec![DepState::default(); model.deps.len()];
            let mut solver = Solver::new(&params, &wiring);
            let out = solver.solve(&params, &wiring, &mut states, &mut deps, SimTime::ZERO, 10.0);
            assert!(out.converged && out.sweeps <= 20, "queue {queue}: {out:?}");
            // Settled: the load sent is the front end's answer to the back end's profile.
            let sent = deps[0].call_rate;
            let front = wiring.order[1];
            assert_eq!(model.services[front.0].name, "front");
            traffic::solve_service(&params, &wiring, &mut states, &mut deps, front, SimTime::ZERO, 10.0);
            assert!(
                (sent - deps[0].call_rate).abs() <= 1e-6 * sent,
                "queue {queue}: {sent} against {}",
                deps[0].call_rate
            );
            // The back end's wait holds the front end's threads: it works on less than its 800/s.
            assert!(sent > 400.0 && sent < 800.0, "queue {queue}: {sent}");
        }
    }

    /// `back` is called by `front` through `kind`, and has outside clients of its own.
    fn called_through(kind: &str) -> crate::model::Model {
        let text = format!(
            r#"duration = "1h"
[services.front]
instances = 4
capacity = "1000/s"
load = {{ kind = "constant", rate = "300/s" }}
[services.front.calls.back]
timeout = "2s"
{kind}
[services.back]
instances = 10
capacity = "100/s"
latency = "50ms"
load = {{ kind = "constant", rate = "100/s", timeout = "5s" }}
"#
        );
        crate::topology::load_str("t.toml", &text, &[], None).expect("a valid topology")
    }

    #[test]
    fn a_chance_of_waiting_only_buffered_callers_could_read_is_left_for_later() {
        let buffered = r#"kind = "buffered"
buffer = { size = 10000, when-full = "block", item-size = "1KB", drain = "1000/s" }"#;
        for (kind, deferred) in [("", false), (buffered, true)] {
            let model = called_through(kind);
            let (params, wiring, mut states, mut deps, mut solver) = at_rest(&model);
            assert!(solver.solve(&params, &wiring, &mut states, &mut deps, SimTime::ZERO, 10.0).converged);
            let back = model.services.iter().position(|s| s.name == "back").unwrap();
            let (profile, unread) = (states[back].profile, states[back].unread_wait);
            // Busy, but its tail past the 2 s timeout is invisible: a sync caller's mean wait still reads it.
            assert!(profile.queueing.cond_mean_s > 0.0, "{profile:?}");
            assert_eq!((profile.queueing.p_wait.is_nan(), unread.is_some()), (deferred, deferred), "{kind}");
            // Evaluated when the solver needs it, it is the Erlang C a reader would have seen.
            let c = p_wait((profile, unread));
            assert!(c > 0.0 && c < 1.0, "{kind}: {c}");
            if let Some((servers, load)) = unread {
                let w = crate::mechanisms::queueing::wait(servers, 0.05, load / 0.05, Default::default());
                assert_eq!(c.to_bits(), w.p_wait.to_bits());
            }
        }
    }

    #[test]
    fn tiny_relative_changes_are_settled() {
        assert!(!moved(1.0, 1.0 + 1e-12));
        assert!(moved(1.0, 1.001));
        assert!(!moved(f64::INFINITY, f64::INFINITY));
        assert!(moved(0.0, 1e-300));
        assert!(moved(f64::INFINITY, 5.0));
    }
}
