//! The request engine: every request is simulated, from arrival through queue, worker thread, calls, timeouts and retries.
//!
//! Time inside this engine is integer **microseconds** (a 100 ms service has
//! its own work resolved to the µs); the scenario's millisecond times are
//! scaled up, and samples are taken at the model's `step` as in fluid mode.
//! Events are small `Copy` values in one queue ordered by `(time, sequence)`;
//! requests in flight live in a slab indexed by integer ids; response times
//! stream into HdrHistograms. Memory is O(requests in flight + services).

mod autoscaling;
mod blocking;
mod breaker;
mod calls;
mod closed;
mod draining;
mod estimate;
mod flow;
mod mechs;
mod memory;
mod ops;
mod own;
mod partitions;
mod peers;
mod pool;
mod priority;
mod rolling;
mod routing;
mod sdk;
mod segments;
mod serverless;
mod shedding;
mod slab;
mod stats;
mod timers;
mod warmup;

pub use estimate::{MAX_VISITS, estimate_visits};

use super::EngineError;
use super::queue::EventQueue;
use super::result::{LogEntry, RunResult, ServiceSeries};
use crate::model::{Model, ServiceId};
use crate::time::{SimTime, Span};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use slab::{Extra, Slab};
use stats::Stats;
use std::collections::VecDeque;
use timers::Timers;

/// Microseconds in a model span.
fn us(span: Span) -> u64 {
    span.0.saturating_mul(1000)
}

/// `x.round() as u64` for every `x` (halves away from zero; negative and NaN
/// give 0, too large saturates), without the call into libm that `round` is
/// on baseline x86-64. Exact: `2x` is a double itself, and `floor(2x)` is odd
/// exactly when the fraction of `x` is at least a half, so `(floor(2x) + 1) / 2`
/// (integer division) is `x` rounded. The common range converts in one
/// instruction; the whole path is short, as it lies between a draw and the
/// queue, on the way to the next event.
fn round_u64(x: f64) -> u64 {
    if (0.0..4.0e18).contains(&x) { (((x + x) as i64 + 1) >> 1) as u64 } else { x.round() as u64 }
}

/// `round_u64(secs * 1e6)`, exactly, in one dependent step fewer: `secs * 2e6`
/// is `2 (secs * 1e6)` exactly (the same product, rounded once, scaled by a
/// power of two), which is what `round_u64` doubles first.
fn us_of_secs(secs: f64) -> u64 {
    let twice = secs * 2e6;
    if (0.0..8.0e18).contains(&twice) { ((twice as i64 + 1) >> 1) as u64 } else { round_u64(secs * 1e6) }
}

/// Something scheduled: small and `Copy`; ids index the slab, services and deps.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ev {
    /// The next outside request at a service.
    Arrive(u32),
    /// A service whose outside load was zero looks at its rate again.
    Look(u32),
    /// A closed-loop client of a service sends its next request.
    Client(u32),
    /// A router's round of probes of its targets.
    Route(u32),
    /// The autoscaling policies' tick.
    Autoscale,
    /// A request's own work (or its extra latency) ends; with its generation.
    Work(u32, u32),
    /// The first waiting call of a dependency may time out (see `timers`).
    Timer(u32),
    /// A retry's backoff ends.
    Retry(u32, u32),
    /// The adaptive limiter of a dependency has a send token for its first waiting attempt.
    Send(u32),
    /// End of a sampling step.
    Tick,
    Action(u32),
    FaultEnd(u32),
    /// A round of health checks at a service.
    Probe(u32),
    /// An instance (service, instance, its generation) has started up.
    Ready(u32, u32, u32),
    /// A buffered dependency flushes one call.
    Drain(u32),
    /// The next instance of a gradual scaling.
    Scale(u32),
    /// A request's wait for a pooled connection (request, generation, dependency) ends.
    PoolWait(u32, u32, u32),
    /// A pooled connection handed to a waiting request (request, generation, dependency).
    PoolGrant(u32, u32, u32),
    /// The next step of a rolling action.
    Roll(u32),
    /// An instance's deregistration delay is over (service, instance, its generation).
    Drained(u32, u32, u32),
    /// The fleets' periodic life at a `tick`: peer learning, cache warm-up, memory.
    Tend,
}

/// Where an instance is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    Serving,
    Booting,
    Crashed,
    Gone,
    /// The old process of a restarted instance, out of rotation, finishing its requests.
    Draining,
    /// Started, building its cache before it serves (out of rotation).
    Warming,
}

/// One instance: its worker threads, processing slots and queues.
#[derive(Debug, Clone)]
struct Inst {
    life: Life,
    in_rotation: bool,
    busy: u32,
    cpu_busy: u32,
    queue: VecDeque<u32>,
    cpu_queue: VecDeque<u32>,
    /// Consecutive failed probes, and passed probes while out of rotation.
    fails: u32,
    passes: u32,
    /// Bumped on restart so a stale start-up is ignored.
    epoch: u32,
    /// Its version and the faults on part of the fleet hitting it.
    own: own::Own,
    /// The peers it knows and the state of its routing cache.
    peer: peers::Peer,
    /// Its cache build, and the share of its capacity feeding others' builds.
    warm: warmup::Warm,
}

impl Inst {
    fn new(life: Life) -> Inst {
        Inst {
            life,
            in_rotation: life == Life::Serving,
            busy: 0,
            cpu_busy: 0,
            queue: VecDeque::new(),
            cpu_queue: VecDeque::new(),
            fails: 0,
            passes: 0,
            epoch: 0,
            own: own::Own::default(),
            peer: peers::Peer::default(),
            warm: warmup::Warm::default(),
        }
    }
}

/// A service's state in the run.
struct Svc {
    insts: Vec<Inst>,
    /// Instances the load balancer sends to, and its round-robin cursor.
    rotation: Vec<u32>,
    rr: usize,
    /// Injected faults, combined.
    cap_factor: f64,
    error: f64,
    extras: Vec<Extra>,
    /// Multiplies the outside load this step (load noise).
    load_factor: f64,
    stats: Stats,
}

/// A dependency's state in the run.
#[derive(Debug, Clone, Copy, Default)]
struct Dep {
    partitions: u32,
    /// Retry-budget tokens.
    tokens: f64,
    /// Tokens taken from the SDK retry quota (0: full), and the adaptive mode's rate limiter.
    quota_used: f64,
    limiter: crate::mechanisms::retry_modes::Limiter,
    /// A send-token event is scheduled for the attempts waiting on the limiter.
    send_armed: bool,
    firsts_step: u64,
    firsts_last: u64,
    /// Buffered calls waiting, and whether a flush is scheduled.
    held: f64,
    draining: bool,
    dropped: u64,
    /// Control data sent and delivered this step; the loop's view of the last one.
    sent: u64,
    delivered: u64,
    data: f64,
    short_since: Option<SimTime>,
}

struct Fault {
    id: u32,
    kind: FaultKind,
}

#[derive(Clone)]
enum FaultKind {
    Capacity(u32, f64),
    Latency(u32, Extra),
    Errors(u32, f64),
    Partition(u32),
    /// A fault on the instances of a service marked with this slot's bit.
    Part(u32, u32, crate::model::FaultKind),
}

struct Scaling {
    service: u32,
    left: u32,
    every_us: u64,
    out: bool,
}

struct Sim<'m> {
    model: &'m Model,
    /// Outgoing dependencies per service, in model order.
    outgoing: Vec<Vec<u32>>,
    svcs: Vec<Svc>,
    deps: Vec<Dep>,
    /// Per dependency, attempts waiting for an adaptive limiter's send token: (request, generation).
    send_queues: Vec<std::collections::VecDeque<(u32, u32)>>,
    reqs: Slab,
    timers: Timers,
    queue: EventQueue<Ev>,
    now: u64,
    end: u64,
    step_us: u64,
    faults: Vec<Fault>,
    fault_ids: u32,
    scalings: Vec<Scaling>,
    mechs: mechs::Mechs,
    scen: rolling::Scen<'m>,
    rng: ChaCha8Rng,
    times: Vec<SimTime>,
    samples: Vec<super::Samples>,
    log: Vec<LogEntry>,
    events: u64,
}

/// Runs `model` request by request. Deterministic: one seeded stream, one queue.
///
/// Refuses a run whose estimated request visits exceed [`MAX_VISITS`].
pub fn run(model: &Model) -> Result<RunResult, EngineError> {
    let estimate = estimate_visits(model);
    if estimate.is_nan() || estimate > MAX_VISITS as f64 {
        return Err(EngineError::TooManyRequests {
            estimate: if estimate.is_finite() { format!("{estimate:.3e}") } else { "unbounded".to_string() },
            limit: format!("{:.0e}", MAX_VISITS as f64),
        });
    }
    let alts = rolling::alternatives(model);
    let mut sim = Sim::new(model);
    sim.scen.alts = &alts;
    sim.start();
    while let Some((at, ev)) = sim.queue.pop() {
        if at.0 > sim.end {
            break;
        }
        sim.now = at.0;
        sim.events += 1;
        // A request's two most common steps first, by a plain branch; the rest through the table.
        match ev {
            Ev::Work(r, epoch) => sim.work_done(r, epoch),
            Ev::Arrive(s) => sim.arrival(s),
            _ => sim.dispatch(ev),
        }
    }
    Ok(sim.into_result())
}

impl<'m> Sim<'m> {
    fn new(model: &'m Model) -> Sim<'m> {
        let mut outgoing = vec![Vec::new(); model.services.len()];
        for (i, d) in model.deps.iter().enumerate() {
            outgoing[d.caller.0].push(i as u32);
        }
        let svcs = model
            .services
            .iter()
            .map(|s| Svc {
                insts: (0..s.instances).map(|_| Inst::new(Life::Serving)).collect(),
                rotation: (0..s.instances).collect(),
                rr: 0,
                cap_factor: 1.0,
                error: s.error_rate,
                extras: Vec::new(),
                load_factor: 1.0,
                stats: Stats::default(),
            })
            .collect();
        let steps = (model.duration.0 / model.step.0.max(1)) as usize + 1;
        let mut sim = Sim {
            model,
            outgoing,
            svcs,
            deps: vec![Dep { data: 1.0, ..Dep::default() }; model.deps.len()],
            send_queues: vec![Default::default(); model.deps.len()],
            reqs: Slab::default(),
            timers: Timers::new(model.deps.len()),
            queue: EventQueue::new(),
            now: 0,
            end: us(model.duration),
            step_us: us(model.step).max(1),
            faults: Vec::new(),
            fault_ids: 0,
            scalings: Vec::new(),
            mechs: mechs::Mechs::new(model),
            scen: rolling::Scen::default(),
            rng: ChaCha8Rng::seed_from_u64(model.seed),
            times: Vec::with_capacity(steps),
            samples: (0..model.services.len()).map(|_| super::Samples::new()).collect(),
            log: Vec::new(),
            events: 0,
        };
        for s in 0..model.services.len() {
            sim.settle_peers(s as u32);
            sim.refresh(s as u32);
        }
        sim
    }

    fn at(&mut self, t_us: u64, ev: Ev) {
        self.queue.push(SimTime(t_us), ev);
    }

    fn start(&mut self) {
        self.at(self.step_us, Ev::Tick);
        for (i, a) in self.model.scenario.iter().enumerate() {
            let at = match &a.jitter {
                Some(d) => a.at.plus(d.sample_span(&mut self.rng)),
                None => a.at,
            };
            self.at(at.0 * 1000, Ev::Action(i as u32));
        }
        for s in 0..self.svcs.len() as u32 {
            self.schedule_arrival(s);
            self.start_clients(s);
            if let Some(hc) = &self.model.services[s as usize].health {
                self.at(us(hc.interval), Ev::Probe(s));
            }
        }
        if self.mechs.tend {
            self.at(us(self.model.tick).max(1), Ev::Tend);
        }
        if self.mechs.services {
            self.start_routers();
            self.start_autoscaling();
        }
    }

    #[inline(never)]
    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::Arrive(s) => self.arrival(s),
            Ev::Look(s) => self.schedule_arrival(s),
            Ev::Client(s) => self.arrive_external(s),
            Ev::Route(s) => self.route_round(s),
            Ev::Autoscale => self.autoscale(),
            Ev::Work(r, epoch) => self.work_done(r, epoch),
            Ev::Timer(d) => {
                let (due, next) = self.timers.fire(d);
                if let Some(n) = next {
                    self.queue.push_reserved(SimTime(n.at), n.seq, Ev::Timer(d));
                }
                if let Some((r, epoch)) = due {
                    self.timeout(r, epoch);
                }
            }
            Ev::Retry(r, epoch) => self.retry(r, epoch),
            Ev::Send(d) => self.send_waiting(d),
            Ev::Tick => self.tick(),
            Ev::Action(i) => self.act(i as usize),
            Ev::FaultEnd(id) => self.end_fault(id),
            Ev::Probe(s) => self.probe(s),
            Ev::Ready(s, i, epoch) => self.ready(s, i, epoch),
            Ev::Drain(d) => self.drain(d),
            Ev::Scale(i) => self.scale(i as usize),
            Ev::PoolWait(r, epoch, d) => self.pool_wait_over(r, epoch, d),
            Ev::PoolGrant(r, epoch, d) => self.pool_grant(r, epoch, d),
            Ev::Roll(k) => self.roll(k),
            Ev::Drained(s, i, epoch) => self.drained(s, i, epoch),
            Ev::Tend => self.tend(),
        }
    }

    /// Service `s`'s next outside request arrives, and the one after is scheduled.
    fn arrival(&mut self, s: u32) {
        self.arrive_external(s);
        self.schedule_arrival(s);
    }

    /// The model-time (ms) of now.
    fn now_ms(&self) -> SimTime {
        SimTime(self.now / 1000)
    }

    fn note(&mut self, service: u32, what: String) {
        self.log.push(LogEntry {
            at: self.now_ms(),
            service: Some(ServiceId(service as usize)),
            what,
            scheduled: false,
        });
    }

    fn tick(&mut self) {
        self.times.push(self.now_ms());
        for s in 0..self.svcs.len() {
            let svc = &mut self.svcs[s];
            let mut sample = svc.stats.close_step(self.step_us);
            sample.healthy = svc.insts.iter().filter(|i| i.life == Life::Serving && i.in_rotation).count() as u32;
            sample.instances =
                svc.insts.iter().filter(|i| !matches!(i.life, Life::Gone | Life::Draining)).count() as u32;
            sample.queue = svc.insts.iter().map(|i| i.queue.len() as f64).sum();
            sample.backlog = self.outgoing[s].iter().map(|&d| self.deps[d as usize].held).sum();
            self.samples[s].push(sample);
            let noise = self.model.services[s].load.noise;
            if noise > 0.0 {
                let z = crate::model::dist::standard_normal(&mut self.rng);
                self.svcs[s].load_factor = (1.0 + noise * z).max(0.0);
            }
        }
        self.close_control_step();
        if self.mechs.services {
            self.refresh_shares();
        }
        for d in &mut self.deps {
            d.firsts_last = std::mem::take(&mut d.firsts_step);
        }
        let next = self.now + self.step_us;
        if next <= self.end {
            self.at(next, Ev::Tick);
        }
    }

    fn into_result(self) -> RunResult {
        let mut in_flight = vec![0u64; self.svcs.len()];
        for r in &self.reqs.reqs {
            if r.phase != slab::Phase::Free && !r.counted {
                in_flight[r.service as usize] += 1;
            }
        }
        let services = self
            .svcs
            .iter()
            .zip(self.samples)
            .zip(in_flight)
            .map(|((svc, samples), n)| ServiceSeries {
                samples,
                totals: svc.stats.totals(n),
                latency: svc.stats.latency(),
                waits: svc.stats.waits(),
            })
            .collect();
        RunResult { times: self.times, services, log: self.log, events: self.events }
    }
}

#[cfg(test)]
mod tests;
