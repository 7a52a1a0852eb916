//! Relaxing the loads callers send, call by call: a call whose correction flips sign takes a shorter step, so a steep caller-callee loop settles.
//!
//! Past the solver's first sweeps, the load a caller sends on a call moves
//! by a factor of its correction (its answer minus what it sent before).
//! The factor starts at 1 at each solve; it is cut by [`SHRINK`] each time
//! the call's correction changes sign (the loop overshot its fixed point)
//! and grows back by [`GROW`], up to 1, while the sign holds. For a load that
//! its callee's answer pushes back steeply, the step shrinks until the
//! iteration approaches the fixed point from one side, whatever the loop's
//! gain; calls that do not oscillate keep a factor of 1 and propagate at full
//! speed.

/// Factor applied to a call's relaxation when its correction changes sign.
pub const SHRINK: f64 = 0.5;
/// Factor applied to a call's relaxation (up to 1) when its correction keeps its sign.
pub const GROW: f64 = 1.2;

#[derive(Debug, Clone, Copy)]
struct Call {
    factor: f64,
    /// The last correction that moved the load, 0 if none yet.
    last: f64,
    /// The solve these belong to.
    solve: u64,
}

/// Every call's relaxation; each solve starts afresh.
#[derive(Debug, Clone)]
pub struct Relaxation {
    calls: Vec<Call>,
    solve: u64,
}

impl Relaxation {
    /// Relaxation for `calls` calls.
    pub fn new(calls: usize) -> Relaxation {
        Relaxation { calls: vec![Call { factor: 1.0, last: 0.0, solve: 0 }; calls], solve: 0 }
    }

    /// Starts a solve: every call's factor is back to 1. O(1).
    pub fn begin(&mut self) {
        self.solve += 1;
    }

    /// The load [req/s] to send on call `d`, whose caller sent `sent` before
    /// its solve and answers `answer` now; `moving` says the two differ by
    /// more than the solver's tolerance (only such corrections adapt the
    /// factor). O(1).
    pub fn next(&mut self, d: usize, sent: f64, answer: f64, moving: bool) -> f64 {
        let call = &mut self.calls[d];
        if call.solve != self.solve {
            *call = Call { factor: 1.0, last: 0.0, solve: self.solve };
        }
        let correction = answer - sent;
        if moving {
            if correction * call.last < 0.0 {
                call.factor *= SHRINK;
            } else if call.last != 0.0 {
                call.factor = (call.factor * GROW).min(1.0);
            }
            call.last = correction;
        }
        if call.factor == 1.0 { answer } else { sent + call.factor * correction }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A caller's answer to the load it sent: a callee whose wait rises
    /// steeply near 400 req/s holds the caller's threads, so sending more
    /// gets less sent (slope -20 at the fixed point, 400).
    fn answer(x: f64) -> f64 {
        800.0 / (1.0 + ((x - 400.0) / 10.0).exp())
    }

    #[test]
    fn a_steep_loop_cycles_under_fixed_damping_and_settles_under_adaptive_relaxation() {
        let mut fixed = 100.0;
        for _ in 0..200 {
            fixed += 0.5 * (answer(fixed) - fixed);
        }
        assert!((answer(fixed) - fixed).abs() > 100.0, "halving settled it: {fixed}");

        let mut relax = Relaxation::new(1);
        relax.begin();
        let mut x = 100.0;
        let mut steps = 0;
        while (answer(x) - x).abs() > 1e-9 * x {
            x = relax.next(0, x, answer(x), true);
            steps += 1;
            assert!(steps < 200, "still at {x}");
        }
        assert!((x - 400.0).abs() < 1e-6, "{x}");
    }

    #[test]
    fn a_call_that_does_not_oscillate_takes_its_answer_whole() {
        let mut relax = Relaxation::new(2);
        relax.begin();
        assert_eq!(relax.next(0, 10.0, 20.0, true), 20.0);
        assert_eq!(relax.next(0, 20.0, 25.0, true), 25.0);
        // A flip halves the step, on that call only.
        assert_eq!(relax.next(0, 25.0, 21.0, true), 23.0);
        assert_eq!(relax.next(1, 10.0, 20.0, true), 20.0);
        // A settled answer neither flips nor grows the factor.
        assert_eq!(relax.next(0, 23.0, 23.0, false), 23.0);
        // The same sign grows it back by GROW.
        let next = relax.next(0, 23.0, 22.0, true);
        assert!((next - (23.0 - 0.5 * GROW)).abs() < 1e-12, "{next}");
        // A new solve starts afresh.
        relax.begin();
        assert_eq!(relax.next(0, 10.0, 5.0, true), 5.0);
    }
}
