//! Closed-loop clients: N clients each wait for an answer, think, and ask again, so slower answers lower the rate.

/// Requests per second of `clients` clients that think `think_s` between a
/// request's end and the next one, when a request takes `cycle_s` (waits,
/// attempts and backoff included).
pub fn rate(clients: f64, think_s: f64, cycle_s: f64) -> f64 {
    let period = think_s + cycle_s.max(0.0);
    if period <= 0.0 { f64::INFINITY } else { clients / period }
}

/// The next rate from the last one and the rate the clients would have at the
/// last solved cycle: halfway, so a loop through a saturated callee settles
/// instead of swinging between two states.
pub fn settle(last: f64, target: f64) -> f64 {
    if last <= 0.0 || !last.is_finite() { target } else { 0.5 * (last + target) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn littles_law_for_clients() {
        assert_eq!(rate(100.0, 0.9, 0.1), 100.0);
        assert_eq!(rate(100.0, 0.0, 0.5), 200.0);
    }

    #[test]
    fn backoff_lowers_the_rate() {
        let fast = rate(200.0, 0.05, 0.01);
        let backing_off = rate(200.0, 0.05, 0.01 + 3.0);
        assert!(backing_off < fast / 40.0);
    }

    #[test]
    fn settling_converges_to_a_fixed_point() {
        let mut r = 0.0;
        for _ in 0..60 {
            r = settle(r, 1000.0);
        }
        assert!((r - 1000.0).abs() < 1e-6);
    }
}
