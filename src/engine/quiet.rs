//! Quiet stretches: ticks at which nothing can move are integrated and sampled without the mechanisms or the solver.
//!
//! A tick is quiet when the one before it moved nothing: no queue moved over
//! one whole interval, no mechanism changed a fleet or began a streak, and
//! solving again found no service whose inputs changed. The next tick then
//! sees the same state, the same rates and an interval of the same length,
//! so its mechanisms and its solve would change nothing either; only the
//! integration and the sample are left to do. This holds only where nothing
//! moves with the clock alone or draws at every tick ([`possible`]): load
//! shapes over time, control loops, breakers, buffers, pools, retry quotas,
//! routers, serverless fleets, autoscaling, per-peer learning, warm-up, load
//! noise, drawn probe intervals or start-ups, hard memory limits; and only
//! while no instance is booting and no drained request is left to cut
//! ([`settled`]). Any other event ends the stretch.
//!
//! Once a whole sampling step has been quiet, every later quiet step gives
//! the same samples: the ticks up to the next other event are then taken at
//! once, each service's sums given the same additions (in closed form, with
//! the loop's rounding: [`super::sums`]) and its
//! newest sample repeated, so a quiet day costs a pass per service, not one
//! per tick over every service.

use super::fleet::Phase;
use super::solver::Solver;
use super::state::{Params, ServiceState};
use super::{EngineError, Event, Sim, calls, traffic};
use crate::model::LoadShape;
use crate::time::{SimTime, Span};

/// The model has no mechanism that moves with the clock alone or draws at
/// every tick, so quiet stretches can happen. O(services + calls).
pub(super) fn possible(params: &Params, solver: &Solver) -> bool {
    let calm_calls = params.buffered.is_empty()
        && params.control.is_empty()
        && params.breakers.is_empty()
        && params.leaky.is_empty()
        && params.quotas.is_empty();
    calm_calls
        && !solver.follows_clock()
        && params.services.iter().all(|s| {
            matches!(s.load.shape, LoadShape::None | LoadShape::Constant { .. })
                && s.load.noise <= 0.0
                && s.peers.is_none()
                && s.warmup.is_none()
                && s.memory.as_ref().is_none_or(|m| m.hard_limit_mb.is_none())
                && s.extras.autoscaling.is_none()
                && s.extras.routing.is_none()
                && s.extras.serverless.is_none()
                && s.health
                    .as_ref()
                    .is_none_or(|h| h.interval_dist.is_none() && !(s.replace_failed && s.startup_dist.is_some()))
        })
}

/// No fleet waits for a start-up to end or has cohorts left to merge, and no
/// service has drained requests left to cut. O(services x cohorts).
pub(super) fn settled(states: &[ServiceState]) -> bool {
    states.iter().all(|st| {
        st.cut == 0.0
            && !st.fleet.is_dirty()
            && st.fleet.cohorts().iter().all(|k| !matches!(k.phase, Phase::Booting { .. } | Phase::Warming { .. }))
    })
}

impl Sim<'_> {
    /// A tick at `at`, `span` after the last, in a quiet stretch; false if a
    /// queue moved after all (the tick is then not quiet, and only its
    /// interval has been integrated). Once a whole sampling step has been
    /// quiet, every further quiet step gives the same samples, and the ticks
    /// up to the next other event are taken at once ([`Sim::repeat`]).
    pub(super) fn quiet_tick(&mut self, at: SimTime, span: Span) -> Result<bool, EngineError> {
        if self.repeating {
            self.repeat(at, span);
            return Ok(true);
        }
        if !self.integrate_quietly(at) {
            return Ok(false);
        }
        self.quiet_ticks += 1;
        self.streak += 1;
        self.tick(false)?;
        let step = self.model.step.0.max(1);
        if self.now.0.is_multiple_of(step) {
            self.repeating = self.streak.saturating_mul(span.0) >= step;
        }
        Ok(true)
    }

    /// Integrates a quiet tick's interval, up to `at`, at the rates in force;
    /// false if a queue moved after all.
    fn integrate_quietly(&mut self, at: SimTime) -> bool {
        let dt = at.since(self.now);
        let mut moved = std::mem::take(&mut self.moved);
        traffic::integrate(&self.params, &mut self.states, &mut self.deps, dt.secs(), &mut moved);
        calls::advance_retry_modes(&self.params, &mut self.deps, self.now.secs(), dt.secs());
        self.now = at;
        let still = moved.is_empty();
        moved.clear();
        self.moved = moved;
        still
    }

    /// The quiet ticks from `at`, `span` apart, up to (not including) the next
    /// event of another kind, the run's end or its event limit, taken at once:
    /// each service's sums get the same additions as tick by tick, and its
    /// newest sample, which every whole quiet step repeats, is repeated once
    /// per step ended. O(services x ticks) work in the tick count's loop, O(services x log) for the sums.
    fn repeat(&mut self, at: SimTime, span: Span) {
        debug_assert!(self.params.buffered.is_empty() && self.params.leaky.is_empty() && self.params.quotas.is_empty());
        let step = self.model.step.0.max(1);
        let before = self.queue.peek_time().unwrap_or(SimTime(u64::MAX));
        let (mut t, mut ticks, mut samples, mut emptied) = (at, 0u64, 0u32, None);
        loop {
            ticks += 1;
            if t.0.is_multiple_of(step) {
                self.result.times.push(t);
                samples += 1;
                emptied = Some(ticks);
            }
            let next = self.next_tick(t);
            if next > self.end || next >= before || next.since(t) != span || self.result.events >= self.model.max_events
            {
                break;
            }
            self.result.events += 1;
            t = next;
        }
        traffic::integrate_repeated(&mut self.states, span.secs(), ticks, emptied);
        self.newest.repeat(samples);
        self.now = t;
        self.quiet_ticks += ticks;
        self.streak += ticks;
        let next = self.next_tick(t);
        if next <= self.end {
            self.queue.push(next, Event::Tick);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{RunResult, Sim};
    use crate::model::{Mode, Model};
    use crate::time::SimTime;

    /// Runs `model` tick by tick, with or without quiet stretches, to its end
    /// or its first error: the result and the quiet ticks, or the error.
    fn drive(model: &Model, calm: bool) -> Result<(RunResult, u64), String> {
        let mut sim = Sim::new(model);
        sim.calm &= calm;
        sim.start();
        while let Some((at, event)) = sim.queue.pop() {
            if at > sim.end {
                break;
            }
            sim.step(at, event).map_err(|e| e.to_string())?;
        }
        let quiet = sim.quiet_ticks;
        Ok((sim.finish(), quiet))
    }

    /// Runs `model` with or without quiet stretches; returns the result and the quiet ticks.
    fn run(model: &Model, calm: bool) -> (RunResult, u64) {
        drive(model, calm).expect("runs")
    }

    /// The result of `model` as text, or its first error.
    fn outcome(model: &Model, calm: bool) -> String {
        match drive(model, calm) {
            Ok((result, _)) => format!("{result:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn quiet_steps_taken_at_once_end_where_the_next_event_or_the_event_limit_falls() {
        // Steps of 30 s over ticks of 10 s; actions at odd instants; the event limit in mid-stretch.
        let text = "duration = \"2h\"\nstep = \"30s\"\ntick = \"10s\"\nmax-events = MAX\n\
            [services.a]\ninstances = 3\ncapacity = \"100/s\"\nhealth-check = { interval = \"10s\" }\n\
            load = { kind = \"constant\", rate = \"150/s\" }\ncalls.b = { per-request = 2.0 }\n\
            [services.b]\ninstances = 4\ncapacity = \"100/s\"\nreplace-failed = true\n\
            health-check = { interval = \"10s\" }\n\
            [[scenario]]\nat = \"+17m25s\"\naction = \"crash\"\nservice = \"b\"\nfraction = 0.25\n\
            [[scenario]]\nat = \"+1h0m30s\"\naction = \"crash\"\nservice = \"a\"\nfraction = 0.4\n";
        for max in ["10000000", "300", "401"] {
            let model = load(&text.replace("MAX", max));
            let (with, without) = (outcome(&model, true), outcome(&model, false));
            assert_eq!(with, without, "max-events = {max}");
            assert_eq!(with.contains("stopped at"), max != "10000000", "{with}");
        }
    }

    fn load(text: &str) -> Model {
        crate::topology::load_str("t.toml", text, &[], None).expect("a valid topology")
    }

    #[test]
    fn every_shipped_topology_runs_the_same_with_quiet_stretches() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies");
        let mut paths: Vec<_> = ["", "incidents"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).expect("topologies"))
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let mut quiet_somewhere = 0;
        for path in &paths {
            let model = crate::topology::load_file(path, &[], None).expect("a shipped topology loads");
            if model.mode == Mode::Requests {
                continue;
            }
            let (with, quiet) = run(&model, true);
            let (without, none) = run(&model, false);
            assert_eq!(none, 0);
            assert_eq!(format!("{with:?}"), format!("{without:?}"), "{}", path.display());
            quiet_somewhere += (quiet > 0) as usize;
        }
        assert!(quiet_somewhere >= 3, "only {quiet_somewhere} topologies had quiet stretches");
    }

    #[test]
    fn a_steady_graph_is_quiet_between_its_events_and_a_clock_load_never() {
        let steady = "duration = \"1h\"\n[services.a]\ninstances = 2\ncapacity = \"100/s\"\n\
            health-check = { interval = \"10s\" }\nload = { kind = \"constant\", rate = \"120/s\" }\n\
            calls.b = { per-request = 1.0, retries = { max = 2 } }\n\
            [services.b]\ninstances = 4\ncapacity = \"100/s\"\nreplace-failed = true\n\
            health-check = { interval = \"10s\" }\n\
            [[scenario]]\nat = \"+20m\"\naction = \"crash\"\nservice = \"b\"\nfraction = 0.5\n";
        let model = load(steady);
        let (with, quiet) = run(&model, true);
        let (without, _) = run(&model, false);
        assert_eq!(format!("{with:?}"), format!("{without:?}"));
        // 360 ticks; a few around the start, the crash, the removal and the replacements are not quiet.
        assert!(quiet > 300, "{quiet} quiet ticks");
        let b = &with.services[1].samples;
        let at = |t: u64| with.times.iter().position(|&x| x >= SimTime(t * 60_000)).expect("a sample");
        assert_eq!(b[at(19)].healthy, 4);
        assert_eq!(b[at(21)].healthy, 2, "the crashed half left rotation");
        assert_eq!(b[at(40)].healthy, 4, "and was replaced");

        let coarse = format!("step = \"60s\"\ntick = \"10s\"\n{steady}");
        let (with, quiet) = run(&load(&coarse), true);
        assert_eq!(format!("{with:?}"), format!("{:?}", run(&load(&coarse), false).0), "a step of six ticks");
        assert!(quiet > 300, "{quiet} quiet ticks");

        let ramp = steady.replace(
            "load = { kind = \"constant\", rate = \"120/s\" }",
            "load = { kind = \"ramp\", from = \"100/s\", to = \"140/s\", start = \"+0s\", end = \"+1h\" }",
        );
        assert_eq!(run(&load(&ramp), true).1, 0, "a load that follows the clock moves at every tick");
    }
}
