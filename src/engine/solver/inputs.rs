//! What a service's solve reads besides its neighbours' results, and what the solver knows of it within an instant.

use crate::engine::fleet::Census;
use crate::engine::state::{DepState, FaultEffect, Params, ServiceState};
use crate::engine::traffic::Wiring;
use crate::mechanisms::load;
use crate::model::ServiceId;
use crate::time::SimTime;

/// What a service's solve reads besides its neighbours' results (which the
/// sweeps propagate): equal inputs give equal rates, so it need not be solved again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Inputs {
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
    pub(super) fn of(
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
    pub(super) fn worked_out(
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

    pub(super) fn with(st: &ServiceState, external: f64, partitions: u32) -> Inputs {
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
    pub(super) fn equals(
        &self,
        st: &ServiceState,
        external: f64,
        partitions: u32,
        census: &Census,
        recounted: bool,
    ) -> bool {
        self.external == external
            && self.queue == st.queue
            && self.warm_load == st.warm_load
            && self.fault == st.fault
            && self.partitions == partitions
            && (!recounted || self.census == *census)
    }
}

/// What the solver knows of a service's inputs at the instant being solved
/// (when it looked at them during the instant, `Solver::seen`).
#[derive(Debug, Clone, Copy)]
pub(super) enum Current {
    /// Equal to its inputs when last solved, which stand for them.
    Same,
    /// Moved since it was last solved; with the number of its census's count.
    Moved(Inputs, u64),
}
