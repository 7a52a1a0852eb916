//! Load shedding: how a service keeps its queue short under overload (LIFO, a deadline, an adaptive concurrency limit).

use crate::model::resilience::Shedding;

/// The longest a request may wait in the queue before it is dropped [s]:
/// the request timeout, shortened by a deadline, and by an adaptive limit to
/// about one service time (the queue a latency-tracking limit lets build).
pub fn max_wait_s(s: &Shedding, timeout_s: f64, hold_s: f64) -> f64 {
    let mut w = timeout_s;
    if let Some(d) = s.deadline {
        w = w.min(d.secs());
    }
    if s.adaptive_limit {
        w = w.min(hold_s.max(1e-3));
    }
    w
}

/// The wait the requests that are worked on see [s]: with LIFO the newest go
/// first, so under overload those served hardly wait (the old ones age out
/// in the queue instead); FIFO serves them after the mean wait.
pub fn served_wait_s(s: &Shedding, wait_s: f64) -> f64 {
    if s.lifo { 0.0 } else { wait_s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    #[test]
    fn deadlines_and_adaptive_limits_bound_the_queue() {
        let none = Shedding { lifo: false, deadline: None, adaptive_limit: false };
        assert_eq!(max_wait_s(&none, 30.0, 0.1), 30.0);
        let deadline = Shedding { deadline: Some(Span(2000)), ..none.clone() };
        assert_eq!(max_wait_s(&deadline, 30.0, 0.1), 2.0);
        let adaptive = Shedding { adaptive_limit: true, ..none.clone() };
        assert_eq!(max_wait_s(&adaptive, 30.0, 0.1), 0.1);
    }

    #[test]
    fn lifo_serves_the_newest_first() {
        let lifo = Shedding { lifo: true, deadline: None, adaptive_limit: false };
        assert_eq!(served_wait_s(&lifo, 12.0), 0.0);
        let fifo = Shedding { lifo: false, ..lifo };
        assert_eq!(served_wait_s(&fifo, 12.0), 12.0);
    }
}
