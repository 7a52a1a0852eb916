//! Async buffers and backlogs: a caller puts calls in a local buffer that
//! drains to the callee at a bounded rate; when the callee fails the buffer
//! fills, and when full the caller drops, blocks or grows in memory.

use crate::model::{Buffer, WhenFull};

/// A buffer's flows over one interval, for the whole caller fleet.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Flows {
    /// Flush attempts sent to the callee [calls/s].
    pub attempts: f64,
    /// Calls that could not enter a full buffer [calls/s]: dropped or blocked.
    pub overflow: f64,
}

/// Flows of a buffer holding `held` calls, written at `writes` [calls/s], over
/// `instances` caller instances, whose flush attempts succeed with chance `p`.
pub fn flows(b: &Buffer, policy: WhenFull, held: f64, writes: f64, instances: f64, p: f64, dt_s: f64) -> Flows {
    let attempts = (b.drain * instances).min(writes + held / dt_s.max(1e-9));
    let delivered = attempts * p;
    let full = policy != WhenFull::Grow && held >= capacity(b, instances) * 0.999;
    let overflow = if full { (writes - delivered).max(0.0) } else { 0.0 };
    Flows { attempts, overflow }
}

/// Calls the buffers of `instances` caller instances can hold.
pub fn capacity(b: &Buffer, instances: f64) -> f64 {
    b.size * instances
}

/// The buffer's content after `dt_s` seconds; returns (held, dropped) [calls].
pub fn advance(
    b: &Buffer,
    policy: WhenFull,
    held: f64,
    writes: f64,
    delivered: f64,
    instances: f64,
    dt_s: f64,
) -> (f64, f64) {
    let next = (held + (writes - delivered) * dt_s).max(0.0);
    match policy {
        WhenFull::Grow => (next, 0.0),
        WhenFull::Drop | WhenFull::Block => {
            let cap = capacity(b, instances);
            (next.min(cap), (next - cap).max(0.0))
        }
    }
}

/// Fraction of requests failing from memory contention when an instance uses
/// `used_mb` of a `limit_mb`, all failing at `fail_at` over the limit.
pub fn memory_errors(used_mb: f64, limit_mb: f64, fail_at: f64) -> f64 {
    if used_mb <= limit_mb || limit_mb <= 0.0 { 0.0 } else { ((used_mb / limit_mb - 1.0) / fail_at).min(1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer() -> Buffer {
        Buffer { size: 1000.0, when_full: WhenFull::Drop, item_mb: 0.001, drain: 100.0 }
    }

    #[test]
    fn a_healthy_callee_keeps_the_buffer_empty() {
        let f = flows(&buffer(), WhenFull::Drop, 0.0, 50.0, 1.0, 1.0, 10.0);
        assert_eq!(f.attempts, 50.0);
        assert_eq!(advance(&buffer(), WhenFull::Drop, 0.0, 50.0, 50.0, 1.0, 10.0), (0.0, 0.0));
    }

    #[test]
    fn a_failing_callee_fills_the_buffer_then_calls_overflow() {
        let b = buffer();
        let (held, dropped) = advance(&b, WhenFull::Drop, 900.0, 50.0, 0.0, 1.0, 10.0);
        assert_eq!((held, dropped), (1000.0, 400.0));
        let f = flows(&b, WhenFull::Block, held, 50.0, 1.0, 0.0, 10.0);
        assert_eq!(f.overflow, 50.0);
    }

    #[test]
    fn a_growing_buffer_never_overflows() {
        let (held, dropped) = advance(&buffer(), WhenFull::Grow, 900.0, 50.0, 0.0, 1.0, 10.0);
        assert_eq!((held, dropped), (1400.0, 0.0));
    }

    #[test]
    fn the_backlog_drains_at_a_bounded_rate_when_the_callee_returns() {
        let b = buffer();
        let f = flows(&b, WhenFull::Drop, 1000.0, 50.0, 1.0, 1.0, 10.0);
        assert_eq!(f.attempts, 100.0, "drain limit, not the whole backlog at once");
        let (held, _) = advance(&b, WhenFull::Drop, 1000.0, 50.0, f.attempts, 1.0, 10.0);
        assert_eq!(held, 500.0);
    }

    #[test]
    fn memory_contention_rises_past_the_limit() {
        assert_eq!(memory_errors(900.0, 1000.0, 0.5), 0.0);
        assert!((memory_errors(1250.0, 1000.0, 0.5) - 0.5).abs() < 1e-12);
        assert_eq!(memory_errors(3000.0, 1000.0, 0.5), 1.0);
    }
}
