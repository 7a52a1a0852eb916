//! How far the traffic may be integrated before its rates are solved again: a queue's move, and how steeply its flow answers it.
//!
//! Between two solves the rates are held, so a queue integrates explicitly
//! (forward Euler). Two limits keep that faithful:
//! - no queue moves by more than [`QUEUE_MOVE`] of its limit, since a
//!   queue's wait feeds back into its callers' timeouts and threads;
//! - no queue moves for longer than [`STIFF_SPAN`] over its stiffness, the
//!   rate at which its net inflow falls as it grows (learned from the last
//!   two solves). A queue whose wait sits where callers time out answers
//!   steeply: stepped past that limit it overshoots its balance at every
//!   solve and cycles, at a period set by the step rather than by the system.

use super::state::ServiceState;

/// Fraction of its limit a queue may move before the rates are solved again.
pub const QUEUE_MOVE: f64 = 0.05;

/// Longest span, in units of a queue's time constant (1 / stiffness), between
/// two solves. Under 1 a queue approaches its balance without overshoot.
pub const STIFF_SPAN: f64 = 0.5;

/// What the last interval taught about each queue's stiffness.
#[derive(Debug, Clone)]
pub struct Stepper {
    /// Each queue and its net inflow [req/s] when the interval began.
    before: Vec<Option<(f64, f64)>>,
    /// How fast each queue's net inflow falls as it grows [1/s]; 0 until seen.
    stiffness: Vec<f64>,
}

impl Stepper {
    pub fn new(services: usize) -> Stepper {
        Stepper { before: vec![None; services], stiffness: vec![0.0; services] }
    }

    /// The longest interval, up to `dt_s` [s], that both limits allow at the
    /// solved rates; remembers where each queue starts. O(services).
    pub fn span(&mut self, states: &[ServiceState], dt_s: f64) -> f64 {
        let mut span = dt_s;
        for (i, st) in states.iter().enumerate() {
            let r = &st.rates;
            let net = r.accepted - r.capacity;
            self.before[i] = Some((st.queue, net));
            let movable = if net > 0.0 { r.queue_limit - st.queue } else { st.queue };
            if net != 0.0 && movable > 0.0 {
                span = span.min(QUEUE_MOVE * r.queue_limit / net.abs());
                if self.stiffness[i] > 0.0 {
                    span = span.min(STIFF_SPAN / self.stiffness[i]);
                }
            }
        }
        span
    }

    /// Learns each queue's stiffness from the rates solved after an interval
    /// in which only the queues and the clock moved. O(services).
    pub fn observe(&mut self, states: &[ServiceState]) {
        for (i, st) in states.iter().enumerate() {
            let Some((q0, net0)) = self.before[i].take() else { continue };
            let r = &st.rates;
            let moved = st.queue - q0;
            if moved.abs() <= 1e-6 * r.queue_limit.max(1.0) {
                continue;
            }
            let slope = -((r.accepted - r.capacity) - net0) / moved;
            if slope.is_finite() {
                // A queue that stopped answering steeply lets its interval grow back.
                self.stiffness[i] = slope.max(0.0);
            }
        }
    }

    /// Forgets where the queues started: an event changed more than the queues.
    pub fn forget(&mut self) {
        self.before.fill(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::state::Rates;
    use crate::model::Service;

    fn state(queue: f64, accepted: f64, capacity: f64) -> ServiceState {
        let svc: Service = crate::topology::load_str(
            "t.toml",
            "duration = \"1h\"\n[services.a]\ninstances = 10\ncapacity = \"100/s\"\n",
            &[],
            None,
        )
        .expect("valid")
        .services
        .remove(0);
        let mut st = ServiceState::new(&svc);
        st.queue = queue;
        st.rates = Rates { accepted, capacity, queue_limit: 1000.0, ..st.rates };
        st
    }

    #[test]
    fn a_queue_moves_at_most_its_share_of_the_limit() {
        let mut s = Stepper::new(1);
        // 100 req/s over capacity, limit 1000: 5% is 50 requests, 0.5 s.
        assert!((s.span(&[state(100.0, 200.0, 100.0)], 10.0) - 0.5).abs() < 1e-12);
        // A full queue that keeps filling moves no more: nothing limits.
        assert_eq!(s.span(&[state(1000.0, 200.0, 100.0)], 10.0), 10.0);
    }

    #[test]
    fn a_steep_queue_is_stepped_within_its_time_constant() {
        let mut s = Stepper::new(1);
        assert!((s.span(&[state(400.0, 110.0, 100.0)], 10.0) - 5.0).abs() < 1e-12);
        // 10 more requests queued turned +10 req/s into -30 req/s: stiffness 4/s.
        s.observe(&[state(410.0, 70.0, 100.0)]);
        let span = s.span(&[state(410.0, 70.0, 100.0)], 10.0);
        assert!((span - STIFF_SPAN / 4.0).abs() < 1e-12, "{span}");
        // It loosens once the queue answers gently again.
        s.observe(&[state(409.0, 69.9, 100.0)]);
        s.observe(&[state(409.0, 69.9, 100.0)]);
        assert!(s.span(&[state(409.0, 69.9, 100.0)], 10.0) > 1.0);
    }

    #[test]
    fn an_event_between_solves_teaches_nothing() {
        let mut s = Stepper::new(1);
        s.span(&[state(400.0, 110.0, 100.0)], 10.0);
        s.forget();
        s.observe(&[state(410.0, 1000.0, 100.0)]);
        assert!((s.span(&[state(410.0, 110.0, 100.0)], 10.0) - 5.0).abs() < 1e-12);
    }
}
