//! How much work a requests-mode run is: the request visits it will simulate, estimated before it starts.

use crate::mechanisms::{closed_loop, load};
use crate::model::{LoadShape, Model};
use crate::time::SimTime;

/// The most request visits (a request arriving at one service) a requests-mode
/// run may be estimated at: 2 x 10^8, about half a minute to a minute of
/// simulation on one core, with memory only for the requests in flight.
pub const MAX_VISITS: u64 = 200_000_000;

/// The request visits a run of `model` will simulate, without retries or
/// failures: outside requests over the run (the load sampled at every step),
/// times the visits each one makes down the call graph (calls per request
/// multiply along each path). Infinite when calls loop back without dying out.
pub fn estimate_visits(model: &Model) -> f64 {
    let n = model.services.len();
    let step = model.step.0.max(1);
    let steps = (model.duration.0 / step).max(1);
    let mut external = vec![0.0; n];
    for (i, s) in model.services.iter().enumerate() {
        external[i] = match s.load.shape {
            // Closed-loop clients ask at most once per think time and answer time (at least 1 ms).
            LoadShape::Closed { clients, think } => {
                closed_loop::rate(clients, think.secs(), s.latency.secs().max(1e-3)) * model.duration.secs()
            }
            _ => (0..steps).map(|k| load::rate_at(&s.load.shape, SimTime(k * step))).sum::<f64>() * model.step.secs(),
        };
    }
    through_calls(model, &external).map_or(f64::INFINITY, |v| v.iter().sum())
}

/// What reaches each service when `external` [requests, or req/s] comes from
/// outside: its own plus what its callers send (calls per request multiply
/// along each path), iterated to a fixed point; `None` when calls loop back
/// without dying out.
pub fn through_calls(model: &Model, external: &[f64]) -> Option<Vec<f64>> {
    let mut visits = external.to_vec();
    for _ in 0..10_000 {
        let mut next = external.to_vec();
        for d in &model.deps {
            next[d.callee.0] += visits[d.caller.0] * d.per_request;
        }
        let (before, after): (f64, f64) = (visits.iter().sum(), next.iter().sum());
        visits = next;
        if (after - before).abs() <= 1e-9 * after.max(1.0) {
            return Some(visits);
        }
        if after > 1e30 {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Service;
    use crate::time::Span;

    #[test]
    fn visits_multiply_along_calls() {
        let mut m = Model::new("t", Span(100_000));
        let a = m.add_service(Service::new("a", 1, 100.0).with_load(10.0));
        let b = m.add_service(Service::new("b", 1, 100.0));
        let d = m.add_call(a, b);
        m.deps[d.0].per_request = 2.0;
        assert!((estimate_visits(&m) - 3000.0).abs() < 1e-6);
    }

    #[test]
    fn a_loop_that_does_not_die_out_is_unbounded() {
        let mut m = Model::new("t", Span(100_000));
        let a = m.add_service(Service::new("a", 1, 100.0).with_load(10.0));
        let b = m.add_service(Service::new("b", 1, 100.0));
        m.add_call(a, b);
        m.add_call(b, a);
        assert!(estimate_visits(&m).is_infinite());
        m.deps[1].per_request = 0.5;
        assert!((estimate_visits(&m) - 4000.0).abs() < 1.0);
    }
}
