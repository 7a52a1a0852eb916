//! Capacity and overload: a bounded queue in front of a fleet that serves at most its capacity.
//!
//! Traffic is fluid: within an interval the arrival rate and the service rate
//! are constant, so the queue moves linearly and the integration is exact.

/// What happened to the requests of one interval [requests].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Flow {
    /// Taken off the queue and worked on.
    pub processed: f64,
    /// Dropped because the queue was full or they waited past the timeout.
    pub dropped: f64,
    /// Waiting at the end of the interval.
    pub queue: f64,
}

/// The longest queue a fleet keeps: its buffer, and no more than it can work
/// off within the request timeout (older requests would be dropped anyway).
///
/// `buffer` [requests], `capacity` [req/s], `timeout_s` [s].
pub fn queue_limit(buffer: f64, capacity: f64, timeout_s: f64) -> f64 {
    buffer.min(capacity * timeout_s).max(0.0)
}

/// Advances a queue by `dt_s` seconds with `arrivals` [req/s] and `capacity` [req/s].
///
/// Returns the flow: processed + dropped + queue = queue0 + arrivals * dt (conservation).
pub fn advance(queue0: f64, arrivals: f64, capacity: f64, limit: f64, dt_s: f64) -> Flow {
    let incoming = arrivals * dt_s;
    let can_process = capacity * dt_s;
    let (processed, queue) = if queue0 + incoming <= can_process {
        (queue0 + incoming, 0.0)
    } else {
        (can_process, queue0 + incoming - can_process)
    };
    let dropped = (queue - limit).max(0.0);
    Flow { processed, dropped, queue: queue - dropped }
}

/// Mean wait in the queue for a request arriving now [s] (Little's law on the backlog).
pub fn wait_s(queue: f64, capacity: f64) -> f64 {
    if queue <= 0.0 {
        0.0
    } else if capacity <= 0.0 {
        f64::INFINITY
    } else {
        queue / capacity
    }
}

/// Capacity of a fleet whose requests hold a worker thread for `hold_s` seconds:
/// the lesser of its processing capacity and what its threads allow [req/s].
pub fn effective_capacity(cpu_capacity: f64, workers: f64, hold_s: f64) -> f64 {
    if hold_s <= 0.0 { cpu_capacity } else { cpu_capacity.min(workers / hold_s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturated_fleet_serves_exactly_its_capacity() {
        let f = advance(0.0, 1500.0, 1000.0, 1e9, 10.0);
        assert_eq!(f.processed, 10_000.0);
        assert_eq!(f.queue, 5000.0);
        assert_eq!(f.dropped, 0.0);
    }

    #[test]
    fn full_queue_drops_the_excess() {
        let f = advance(100.0, 1500.0, 1000.0, 100.0, 10.0);
        assert_eq!(f.processed, 10_000.0);
        assert_eq!(f.queue, 100.0);
        assert_eq!(f.dropped, 5000.0);
    }

    #[test]
    fn queue_drains_when_capacity_returns() {
        let f = advance(3000.0, 800.0, 1000.0, 1e9, 10.0);
        assert_eq!(f.processed, 10_000.0);
        assert_eq!(f.queue, 1000.0);
        let f = advance(1000.0, 800.0, 1000.0, 1e9, 10.0);
        assert_eq!(f.processed, 9000.0);
        assert_eq!(f.queue, 0.0);
    }

    #[test]
    fn flow_conserves_requests() {
        for (q, a, c, l) in [(0.0, 5.0, 3.0, 4.0), (50.0, 0.0, 1.0, 10.0), (7.0, 2.0, 9.0, 0.0)] {
            let f = advance(q, a, c, l, 3.0);
            assert!((f.processed + f.dropped + f.queue - (q + a * 3.0)).abs() < 1e-9);
        }
    }

    #[test]
    fn queue_limit_is_what_the_timeout_allows() {
        assert_eq!(queue_limit(10_000.0, 100.0, 30.0), 3000.0);
        assert_eq!(queue_limit(1000.0, 100.0, 30.0), 1000.0);
    }

    #[test]
    fn slow_calls_turn_threads_into_the_bottleneck() {
        assert_eq!(effective_capacity(1000.0, 200.0, 0.01), 1000.0);
        assert_eq!(effective_capacity(1000.0, 200.0, 1.0), 200.0);
        assert_eq!(wait_s(500.0, 100.0), 5.0);
        assert_eq!(wait_s(1.0, 0.0), f64::INFINITY);
    }
}
