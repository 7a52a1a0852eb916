//! Connection pools on a call: a bounded number of connections per caller instance, which failed calls may leak.

use crate::model::resilience::Pool;

/// What a pool does to the calls through it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Acquire {
    /// Fraction of calls that get a connection.
    pub granted: f64,
    /// Time the others wait before failing [s].
    pub wait_s: f64,
}

/// Calls per caller instance at `demand` [calls/s] each holding a connection
/// `hold_s` seconds, with `leaked` connections gone: the connections in use
/// are at most what is left; the calls beyond wait `acquire-timeout` and fail.
pub fn acquire(pool: &Pool, leaked: f64, demand: f64, hold_s: f64) -> Acquire {
    let left = (pool.size - leaked).max(0.0);
    let wanted = demand * hold_s.max(1e-6);
    let granted = if wanted <= left { 1.0 } else { left / wanted };
    let granted = if left <= 0.0 { 0.0 } else { granted };
    Acquire { granted, wait_s: pool.acquire_timeout.secs() }
}

/// Connections leaked per caller instance over `dt_s`, when calls granted a
/// connection fail at `failed` [calls/s per instance]; at most what is left.
pub fn leak(pool: &Pool, leaked: f64, failed: f64, dt_s: f64) -> f64 {
    (leaked + failed * pool.leak * dt_s).min(pool.size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    fn pool(leak: f64) -> Pool {
        Pool { size: 20.0, acquire_timeout: Span(5000), leak }
    }

    #[test]
    fn a_sound_pool_grants_every_call_it_has_room_for() {
        assert_eq!(acquire(&pool(1.0), 0.0, 100.0, 0.05).granted, 1.0);
        let a = acquire(&pool(1.0), 0.0, 1000.0, 0.04);
        assert!((a.granted - 0.5).abs() < 1e-12, "40 connections wanted, 20 held");
    }

    #[test]
    fn leaked_connections_empty_the_pool() {
        let mut leaked = 0.0;
        for _ in 0..100 {
            leaked = leak(&pool(1.0), leaked, 0.5, 1.0);
        }
        assert_eq!(leaked, 20.0, "never more than the pool");
        assert_eq!(acquire(&pool(1.0), leaked, 1.0, 0.01).granted, 0.0);
        assert_eq!(leak(&pool(0.0), 0.0, 5.0, 100.0), 0.0, "released in every path: no leak");
    }
}
