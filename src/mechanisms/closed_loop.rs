//! Closed-loop clients: N clients each wait for an answer, think, and ask again, so slower answers lower the rate.

/// Requests per second of `clients` clients that think `think_s` between a
/// request's end and the next one, when a request takes `cycle_s` (waits,
/// attempts and backoff included).
pub fn rate(clients: f64, think_s: f64, cycle_s: f64) -> f64 {
    let period = think_s + cycle_s.max(0.0);
    if period <= 0.0 { f64::INFINITY } else { clients / period }
}

/// The rate at which closed-loop clients settle: the `r` in `0..=max` where
/// the rate the clients would have when answered as at `r`, `target(r)`,
/// equals `r`. `target` falls as `r` rises (a busier callee answers later), so
/// bisection finds the crossing in `iterations` halvings.
pub fn fixed_point(max: f64, iterations: u32, mut target: impl FnMut(f64) -> f64) -> f64 {
    let (mut lo, mut hi) = (0.0, max);
    for _ in 0..iterations {
        let mid = 0.5 * (lo + hi);
        if target(mid) > mid {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
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
    fn the_fixed_point_is_where_the_clients_rate_meets_its_answer_time() {
        // 200 clients, 50 ms think, answered in 10 ms below 1000/s, in 1 s above (backoff).
        let target = |r: f64| rate(200.0, 0.05, if r > 1000.0 { 1.0 } else { 0.01 });
        let r = fixed_point(rate(200.0, 0.05, 0.0), 40, target);
        assert!((r - 1000.0).abs() < 1.0, "settles at the callee's limit: {r}");
        let easy = fixed_point(10_000.0, 40, |_| 250.0);
        assert!((easy - 250.0).abs() < 1e-6);
    }
}
