//! Closed-loop loads: finds, at each instant, the rate at which N clients are answered as fast as they ask.

use super::solver::{Outcome, Solver};
use super::state::{DepState, Params, ServiceState};
use super::traffic::Wiring;
use crate::mechanisms::closed_loop;
use crate::model::{LoadShape, ServiceId};
use crate::time::SimTime;

/// Halvings of the rate interval per closed-loop service and instant.
const BISECTIONS: u32 = 24;

/// Solves the traffic with every closed-loop service's rate at its fixed
/// point (one service after another, each trial rate solved to the instant's
/// fixed point), then once more at the rates found.
pub fn settle(
    solver: &mut Solver,
    params: &Params,
    wiring: &Wiring,
    states: &mut [ServiceState],
    deps: &mut [DepState],
    now: SimTime,
    dt_s: f64,
) -> Outcome {
    for (i, svc) in params.services.iter().enumerate() {
        let LoadShape::Closed { clients, think } = svc.load.shape else { continue };
        let max = closed_loop::rate(clients, think.secs(), svc.latency.secs());
        let rate = closed_loop::fixed_point(max, BISECTIONS, |r| {
            states[i].closed_rate = r;
            solver.touch(ServiceId(i));
            solver.solve(params, wiring, states, deps, now, dt_s);
            states[i].closed_target
        });
        states[i].closed_rate = rate;
        solver.touch(ServiceId(i));
    }
    solver.solve(params, wiring, states, deps, now, dt_s)
}
