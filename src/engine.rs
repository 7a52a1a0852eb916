//! The discrete-event engine: one queue, integer time, fluid traffic between events.
//!
//! Events (ticks, scenario actions, instances becoming ready, rolling steps,
//! faults ending) are processed in `(time, sequence)` order. Before each event
//! the fluid traffic is integrated up to its time; after it, rates are solved
//! again. A tick closes a sampling step and runs the health checks.

mod actions;
mod calls;
mod closed;
pub mod fleet;
mod lifecycle;
mod marks;
mod oom;
mod order;
pub mod queue;
mod quiet;
mod relax;
pub mod requests;
pub mod result;
mod routes;
pub mod samples;
mod scaling;
pub mod solver;
pub mod state;
mod stepper;
mod sums;
pub mod traffic;

pub use result::{Latency, LogEntry, RunResult, Sample, ServiceSeries, Totals, Waits};
pub use samples::Samples;

use crate::mechanisms::peers;
use crate::mechanisms::rolling::Rollout;
use crate::model::dist::draw;
use crate::model::{Model, ServiceId};
use crate::time::{SimTime, Span};
use queue::EventQueue;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use state::{DepState, Params, ServiceState};
use traffic::Wiring;

/// Why a run stopped without a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error(
        "the run processed {limit} events and stopped at {at} of {end}: something schedules events without end; raise `max-events` if the run is just long"
    )]
    EventLimit { limit: u64, at: String, end: String },
    #[error(
        "the run would take {steps} steps of {step}, over `max-events` ({limit}): raise `step` (or `tick`) or shorten `duration`, or raise `max-events` if the run is meant to be this long"
    )]
    TooManySteps { steps: u64, step: String, limit: u64 },
    #[error(
        "the run would keep {samples} samples ({services} services x {steps} steps), over the limit of {limit}: raise `step` or shorten `duration`"
    )]
    TooManySamples { samples: u64, services: u64, steps: u64, limit: u64 },
    #[error(
        "the run stopped at {at}: its time series changed {limit} times across its services, over the limit of what is kept in memory: raise `step` or shorten `duration`"
    )]
    TooManyChanges { at: String, limit: u64 },
    #[error(
        "requests mode would simulate about {estimate} request visits, over the limit of {limit}: use fluid mode (`mode = \"fluid\"` or `--mode fluid`), a shorter `duration` or a lower load"
    )]
    TooManyRequests { estimate: String, limit: String },
    #[error(
        "the fluid solver passed `max-solves` ({limit} service solves) and the run stopped at {at} of {end}{why}; raise `max-solves` if the run is meant to take this long"
    )]
    SolveLimit { limit: u64, at: String, end: String, why: String },
}

impl EngineError {
    /// True when the model itself is too large to run (bad input), not a failure while running.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, EngineError::TooManyRequests { .. })
    }
}

/// The most times a step is split where queues move fast.
pub const MAX_SUBSTEPS: u64 = 100;

/// The most sample slots (services x steps) a run may have. Equal samples in a
/// row share one stored run, so most slots cost nothing; what is stored is
/// bounded by [`MAX_KEPT`] while running.
pub const MAX_SAMPLES: u64 = 1_000_000_000;

/// The most runs of equal samples a run keeps, about 3.4 GB of time series.
pub const MAX_KEPT: u64 = 50_000_000;

/// Something scheduled in the event queue.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Event {
    /// End of a sampling step.
    Tick,
    /// The scenario's action at this index.
    Action(usize),
    /// A fault with a duration ends.
    FaultEnd(u32),
    /// The next step of a rolling action.
    Rolling(usize),
    /// The next instance of a gradual scale-out or scale-in.
    Scale(usize),
}

/// Runs `model` to its end. Deterministic: the same model gives the same result.
pub fn run(model: &Model) -> Result<RunResult, EngineError> {
    check_size(model)?;
    if model.mode == crate::model::Mode::Requests {
        return requests::run(model);
    }
    let mut sim = Sim::new(model);
    sim.start();
    sim.within_solves()?;
    while let Some((at, event)) = sim.queue.pop() {
        if at > sim.end {
            break;
        }
        sim.step(at, event)?;
        sim.within_solves()?;
    }
    Ok(sim.finish())
}

/// Refuses a run whose steps alone pass `max-events`, or whose time series
/// would not fit in memory, before anything is allocated.
fn check_size(model: &Model) -> Result<(), EngineError> {
    let steps = model.duration.0 / model.step.0.max(1);
    let ticks = model.duration.0 / model.step.0.min(model.tick.0).max(1);
    if ticks > model.max_events {
        let step = model.step.min(model.tick).to_string();
        return Err(EngineError::TooManySteps { steps: ticks, step, limit: model.max_events });
    }
    let services = model.services.len() as u64;
    let samples = steps.saturating_mul(services);
    if samples > MAX_SAMPLES {
        return Err(EngineError::TooManySamples { samples, services, steps, limit: MAX_SAMPLES });
    }
    Ok(())
}

struct Sim<'m> {
    model: &'m Model,
    params: Params<'m>,
    wiring: Wiring,
    states: Vec<ServiceState>,
    deps: Vec<DepState>,
    queue: EventQueue<Event>,
    now: SimTime,
    end: SimTime,
    faults: Vec<actions::ActiveFault>,
    /// Faults started so far: the last fault's id.
    fault_ids: u32,
    rollouts: Vec<(ServiceId, Rollout)>,
    scalings: Vec<actions::Scaling>,
    /// The run's one random stream, seeded by the model's seed.
    rng: ChaCha8Rng,
    /// Scenario actions already noted as waiting for operator access.
    waiting: Vec<bool>,
    solver: solver::Solver,
    stepper: stepper::Stepper,
    /// Services whose queue moved in the last interval (kept to reuse its room).
    moved: Vec<ServiceId>,
    /// The last solve settled; an interval that starts from one that did not is not split.
    settled: bool,
    /// Instants whose solve gave up before settling, and the first of them.
    unsettled: u64,
    first_unsettled: Option<(SimTime, Option<ServiceId>)>,
    /// Services solved so far, counting repeats; past `max-solves` the run stops.
    solves: u64,
    /// Runs of equal samples stored so far, across services.
    kept: u64,
    /// Each service's newest run of samples, until a different sample ends it.
    newest: samples::Newest,
    /// The model allows quiet stretches ([`quiet::possible`]).
    calm: bool,
    /// The last advance was one interval of this length in which no queue moved.
    interval: Option<Span>,
    /// A mechanism moved something at this tick.
    stirred: bool,
    /// The last tick moved nothing: the next one, this far after it, is quiet.
    quiet: Option<Span>,
    /// Quiet ticks so far.
    quiet_ticks: u64,
    /// Quiet ticks in a row since the last other event.
    streak: u64,
    /// The last sample ended a step of quiet ticks only: every further quiet step repeats it.
    repeating: bool,
    /// Room for each service's backlog while a step's samples are taken.
    backlog: Vec<f64>,
    result: RunResult,
}

impl<'m> Sim<'m> {
    fn new(model: &'m Model) -> Sim<'m> {
        let samples = (model.duration.0 / model.step.0.max(1)) as usize + 1;
        let mut states: Vec<ServiceState> = model.services.iter().map(ServiceState::new).collect();
        for (svc, st) in model.services.iter().zip(states.iter_mut()) {
            st.fleet.set_grid(model.tick);
            if let Some(p) = &svc.peers {
                peers::settle(&mut st.fleet, p);
            }
        }
        let params = Params::new(&model.services, &model.deps);
        let wiring = Wiring::new(model);
        let solver = solver::Solver::new(&params, &wiring);
        Sim {
            model,
            calm: quiet::possible(&params, &solver),
            interval: None,
            stirred: false,
            quiet: None,
            quiet_ticks: 0,
            streak: 0,
            repeating: false,
            backlog: Vec::new(),
            solver,
            stepper: stepper::Stepper::new(model.services.len()),
            moved: Vec::new(),
            params,
            wiring,
            states,
            deps: vec![DepState::default(); model.deps.len()],
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            end: model.end(),
            faults: Vec::new(),
            fault_ids: 0,
            rollouts: Vec::new(),
            scalings: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(model.seed),
            waiting: vec![false; model.scenario.len()],
            settled: true,
            unsettled: 0,
            first_unsettled: None,
            solves: 0,
            kept: 0,
            newest: samples::Newest::new(model.services.len()),
            result: RunResult {
                times: Vec::with_capacity(samples),
                services: (0..model.services.len()).map(|_| ServiceSeries::default()).collect(),
                log: Vec::new(),
                events: 0,
            },
        }
    }

    fn start(&mut self) {
        self.init_routes();
        self.queue.push(self.next_tick(SimTime::ZERO), Event::Tick);
        for (i, a) in self.model.scenario.iter().enumerate() {
            let at = match &a.jitter {
                Some(d) => a.at.plus(d.sample_span(&mut self.rng)),
                None => a.at,
            };
            self.queue.push(at, Event::Action(i));
        }
        // Settle the steady state before time starts.
        self.solve();
        // Serverless fleets start warm for their steady load.
        if self.params.services.iter().any(|s| s.extras.serverless.is_some()) {
            self.keep_warm();
            self.solve();
        }
    }

    fn step(&mut self, at: SimTime, event: Event) -> Result<(), EngineError> {
        self.result.events += 1;
        if self.result.events > self.model.max_events {
            return Err(EngineError::EventLimit {
                limit: self.model.max_events,
                at: self.model.show_time(at),
                end: self.model.show_time(self.end),
            });
        }
        if event == Event::Tick
            && let Some(span) = self.quiet
            && at.since(self.now) == span
            && self.quiet_tick(at, span)?
        {
            return Ok(());
        }
        self.quiet = None;
        self.streak = 0;
        self.repeating = false;
        self.advance(at);
        self.stirred = false;
        let mechanisms = match event {
            Event::Tick => {
                self.tick(true)?;
                self.now.0.is_multiple_of(self.model.tick.0.max(1))
            }
            Event::Action(i) => {
                self.act(i);
                false
            }
            Event::FaultEnd(id) => {
                self.end_fault(id);
                false
            }
            Event::Rolling(i) => {
                self.roll(i);
                false
            }
            Event::Scale(i) => {
                self.scale(i);
                false
            }
        };
        let solved = self.solve();
        if mechanisms && self.calm && !self.stirred && solved == 0 && quiet::settled(&self.states) {
            self.quiet = self.interval;
        }
        Ok(())
    }

    /// Integrates the traffic up to `at`, solving again wherever a queue has
    /// moved enough to change what its callers see (never more often than
    /// [`MAX_SUBSTEPS`] times a step). Rates that did not settle are not
    /// split further: from such a solve the interval runs whole to `at`.
    fn advance(&mut self, at: SimTime) {
        let shortest = Span((self.model.tick.0 / MAX_SUBSTEPS).max(1));
        self.interval = None;
        let mut intervals = 0;
        while self.now < at && self.solves <= self.model.max_solves {
            intervals += 1;
            let left = at.since(self.now);
            let settled = self.stepper.span(&self.states, left.secs());
            let dt = if settled >= left.secs() || !self.settled {
                left
            } else {
                Span::from_secs_f64(settled).clamp(shortest.min(left), left)
            };
            let mut moved = std::mem::take(&mut self.moved);
            traffic::integrate(&self.params, &mut self.states, &mut self.deps, dt.secs(), &mut moved);
            calls::advance_retry_modes(&self.params, &mut self.deps, self.now.secs(), dt.secs());
            self.now = self.now.plus(dt);
            if intervals == 1 && self.now == at && moved.is_empty() {
                self.interval = Some(dt);
            }
            if self.now < at {
                // Only the queues and the clock moved since the last solve.
                self.solver.touch_moved(&self.params, &self.wiring, &self.states, &self.deps, self.now, &moved);
                self.settle();
                self.stepper.observe(&self.states);
            }
            moved.clear();
            self.moved = moved;
        }
        // What happens at `at` changes more than the queues.
        self.stepper.forget();
    }

    /// Solves every service's rates at `now` to a fixed point; notes the first
    /// instant that does not settle, and at the end how many did not. Returns
    /// how many services were solved (0: no service's inputs had moved).
    fn solve(&mut self) -> usize {
        self.solver.touch_changed(&self.params, &self.wiring, &self.states, &self.deps, self.now);
        self.settle()
    }

    /// Solves the services marked so far, and whatever their changes reach;
    /// returns how many were solved, counting repeats and any unsettled solve.
    fn settle(&mut self) -> usize {
        let dt = self.model.tick.secs();
        let out = if self.wiring.closed {
            closed::settle(&mut self.solver, &self.params, &self.wiring, &mut self.states, &mut self.deps, self.now, dt)
        } else {
            self.solver.solve(&self.params, &self.wiring, &mut self.states, &mut self.deps, self.now, dt)
        };
        self.solves += self.solver.take_solved();
        self.settled = out.converged;
        if !out.converged {
            self.unsettled += 1;
            if self.unsettled == 1 {
                self.first_unsettled = Some((self.now, out.unsettled));
                let what = format!(
                    "warning: the fluid solver did not settle within {} sweeps; rates here are approximate",
                    solver::MAX_SWEEPS
                );
                self.result.log.push(LogEntry { at: self.now, service: out.unsettled, what, scheduled: false });
            }
        }
        if out.converged { out.solved } else { out.solved.max(1) }
    }

    /// Stops the run once its solves pass `max-solves`, naming the instants
    /// that did not settle, which is where such work usually goes.
    fn within_solves(&self) -> Result<(), EngineError> {
        if self.solves <= self.model.max_solves {
            return Ok(());
        }
        let why = match self.first_unsettled {
            Some((first, service)) => format!(
                ": {} instants did not settle within {} sweeps, the first at {}{}",
                self.unsettled,
                solver::MAX_SWEEPS,
                self.model.show_time(first),
                service.map_or(String::new(), |s| format!(" (`{}`)", self.params.services[s.0].name)),
            ),
            None => String::new(),
        };
        Err(EngineError::SolveLimit {
            limit: self.model.max_solves,
            at: self.model.show_time(self.now),
            end: self.model.show_time(self.end),
            why,
        })
    }

    /// A sampling step's end, a mechanism tick, or both; a quiet tick skips
    /// the `mechanisms`, which would change nothing.
    fn tick(&mut self, mechanisms: bool) -> Result<(), EngineError> {
        if self.now.0.is_multiple_of(self.model.step.0.max(1)) {
            self.sample()?;
        }
        if mechanisms && self.now.0.is_multiple_of(self.model.tick.0.max(1)) {
            self.mechanisms();
        }
        let next = self.next_tick(self.now);
        if next <= self.end {
            self.queue.push(next, Event::Tick);
        }
        Ok(())
    }

    /// Records every service's sample of the step that ends now.
    fn sample(&mut self) -> Result<(), EngineError> {
        self.result.times.push(self.now);
        let step_s = self.model.step.secs();
        // Room kept between steps: no allocation per step.
        let mut backlog = std::mem::take(&mut self.backlog);
        backlog.clear();
        backlog.resize(if self.params.buffered.is_empty() { 0 } else { self.states.len() }, 0.0);
        for &d in &self.params.buffered {
            backlog[self.params.deps[d].caller.0] += self.deps[d].held;
        }
        for (i, st) in self.states.iter_mut().enumerate() {
            let census = st.fleet.census();
            let a = std::mem::take(&mut st.acc);
            let done = a.served + a.failed;
            let sample = Sample {
                offered: a.offered / step_s,
                served: a.served / step_s,
                failed: a.failed / step_s,
                availability: if done > 0.0 { a.served / done } else { 1.0 },
                healthy: census.serving,
                instances: census.total,
                queue: st.queue,
                backlog: backlog.get(i).copied().unwrap_or(0.0),
                threads_in_use: a.thread_s / step_s,
                p50_ms: None,
                p99_ms: None,
            };
            if let Some((ended, n)) = self.newest.push(i, sample) {
                self.result.services[i].samples.push_new_run(ended, n);
                self.kept += 1;
            }
        }
        self.backlog = backlog;
        if self.kept > MAX_KEPT {
            return Err(EngineError::TooManyChanges { at: self.model.show_time(self.now), limit: MAX_KEPT });
        }
        Ok(())
    }

    /// The periodic mechanisms, once per tick. A mechanism that can move
    /// anything must either set `stirred` when it does, or rule out quiet
    /// stretches in [`quiet::possible`].
    fn mechanisms(&mut self) {
        self.lifecycle();
        self.kill_out_of_memory();
        self.health_checks();
        self.route();
        self.keep_warm();
        self.autoscale();
        calls::track_control(&self.params, &mut self.deps, self.now);
        for (d, state) in calls::track_breakers(&self.params, &mut self.deps, self.now) {
            let dep = &self.params.deps[d];
            let what = match state {
                crate::mechanisms::breaker::BreakerState::Closed => "closes",
                crate::mechanisms::breaker::BreakerState::Open(_) => "opens",
                crate::mechanisms::breaker::BreakerState::HalfOpen(_) => "half-opens",
            };
            let callee = self.params.services[dep.callee.0].name.clone();
            self.note(dep.caller, format!("circuit breaker to `{callee}` {what}"));
        }
    }

    /// The first sampling step or mechanism tick after `now`.
    fn next_tick(&self, now: SimTime) -> SimTime {
        let after = |every: Span| SimTime((now.0 / every.0.max(1) + 1) * every.0.max(1));
        after(self.model.step).min(after(self.model.tick))
    }

    /// Serverless fleets keep warm the peak concurrency of the last idle-expiry.
    fn keep_warm(&mut self) {
        let now_s = self.now.secs();
        for (svc, st) in self.params.services.iter().zip(self.states.iter_mut()) {
            let Some(sl) = &svc.extras.serverless else { continue };
            let busy = st.rates.accepted.min(st.rates.capacity) * st.profile.hold_s;
            st.recent.push((now_s, busy));
            st.recent.retain(|(t, _)| *t >= now_s - sl.idle_expiry.secs());
            st.warm = crate::mechanisms::serverless::warm(sl, &st.recent, now_s);
        }
    }

    /// A start-up time for service `s`: drawn when it has a distribution.
    fn startup(&mut self, s: ServiceId) -> crate::time::Span {
        let svc = &self.params.services[s.0];
        draw(svc.startup_dist.as_ref(), svc.startup, &mut self.rng)
    }

    fn note(&mut self, service: ServiceId, what: String) {
        self.result.log.push(LogEntry { at: self.now, service: Some(service), what, scheduled: false });
    }

    fn finish(mut self) -> RunResult {
        self.newest.flush(self.result.services.iter_mut().map(|s| &mut s.samples));
        if self.unsettled > 1 {
            let what = format!("warning: the fluid solver did not settle at {} instants of the run", self.unsettled);
            self.result.log.push(LogEntry { at: self.now, service: None, what, scheduled: false });
        }
        for (i, st) in self.states.iter().enumerate() {
            self.result.services[i].totals = st.totals;
        }
        self.result
    }
}

#[cfg(test)]
mod tests;
