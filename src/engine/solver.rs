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

use super::marks::Marks;
use super::relax::Relaxation;
use super::state::{DepState, Params, ServiceState};
use super::traffic::{self, Wiring};
use crate::mechanisms::sync_call::Profile;
use crate::model::{DepKind, LoadShape, ServiceId};
use crate::time::SimTime;
use inputs::{Current, Inputs};

mod inputs;

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
mod tests;
