//! Circuit breakers on calls in requests mode: attempts counted over a sliding window, fail fast while open, a few probes half-open.

use crate::mechanisms::breaker::{self, BreakerState};
use crate::model::resilience::Breaker;
use crate::time::SimTime;

/// Attempts and failures over one window.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    attempts: f64,
    failed: f64,
}

/// One call's breaker.
#[derive(Debug, Clone)]
pub struct Brk {
    cfg: Breaker,
    pub state: BreakerState,
    window_us: u64,
    /// Start of the current window [µs]; the previous window's counts are weighed by the overlap.
    start: u64,
    cur: Counts,
    prev: Counts,
    /// Half-open: probes let through, and their answers.
    sent: u32,
    answers: Counts,
}

impl Brk {
    pub fn new(cfg: &Breaker) -> Brk {
        Brk {
            cfg: cfg.clone(),
            state: BreakerState::Closed,
            window_us: cfg.window.0.saturating_mul(1000).max(1),
            start: 0,
            cur: Counts::default(),
            prev: Counts::default(),
            sent: 0,
            answers: Counts::default(),
        }
    }

    fn probes(&self) -> u32 {
        self.cfg.probes.ceil().max(1.0) as u32
    }

    /// Does an attempt at `now` [µs] go through? Open, it fails fast; after
    /// `open-for` it half-opens and lets `probes` attempts through. Returns the
    /// state it moved to, if it moved.
    pub fn admit(&mut self, now: u64) -> (bool, Option<BreakerState>) {
        let ms = SimTime(now / 1000);
        let mut moved = None;
        if let BreakerState::Open(_) = self.state {
            let next = breaker::next(&self.cfg, self.state, 1.0, 0.0, ms);
            if next != self.state {
                self.state = next;
                self.sent = 0;
                self.answers = Counts::default();
                moved = Some(next);
            }
        }
        if let BreakerState::HalfOpen(_) = self.state {
            // Probes that never answer (their caller went away): judge on what came back.
            let failed = if self.answers.attempts > 0.0 { self.answers.failed / self.answers.attempts } else { 1.0 };
            let next = breaker::next(&self.cfg, self.state, failed, self.answers.attempts, ms);
            if next != self.state {
                moved = Some(self.enter(next, now));
            }
        }
        let go = match self.state {
            BreakerState::Closed => true,
            BreakerState::Open(_) => false,
            BreakerState::HalfOpen(_) => {
                let go = self.sent < self.probes();
                self.sent += go as u32;
                go
            }
        };
        (go, moved)
    }

    /// The outcome of an attempt that went through, at `now` [µs]; returns the state it moved to, if it moved.
    pub fn record(&mut self, now: u64, ok: bool) -> Option<BreakerState> {
        match self.state {
            BreakerState::Closed => {
                self.roll(now);
                self.cur.attempts += 1.0;
                self.cur.failed += (!ok) as u8 as f64;
                let w = 1.0 - (now - self.start) as f64 / self.window_us as f64;
                let attempts = self.cur.attempts + w * self.prev.attempts;
                let failed = self.cur.failed + w * self.prev.failed;
                let next = breaker::next(&self.cfg, self.state, failed / attempts, attempts, SimTime(now / 1000));
                (next != self.state).then(|| self.enter(next, now))
            }
            BreakerState::Open(_) => None,
            BreakerState::HalfOpen(_) => {
                self.answers.attempts += 1.0;
                self.answers.failed += (!ok) as u8 as f64;
                if self.answers.attempts < self.probes() as f64 {
                    return None;
                }
                let share = self.answers.failed / self.answers.attempts;
                let next = if share < self.cfg.error_threshold {
                    BreakerState::Closed
                } else {
                    BreakerState::Open(SimTime(now / 1000))
                };
                Some(self.enter(next, now))
            }
        }
    }

    fn enter(&mut self, next: BreakerState, now: u64) -> BreakerState {
        self.state = next;
        self.cur = Counts::default();
        self.prev = Counts::default();
        self.start = now;
        self.sent = 0;
        self.answers = Counts::default();
        next
    }

    /// Moves the window on to the one holding `now` [µs].
    fn roll(&mut self, now: u64) {
        let gone = (now - self.start) / self.window_us;
        if gone == 0 {
            return;
        }
        self.prev = if gone == 1 { self.cur } else { Counts::default() };
        self.cur = Counts::default();
        self.start += gone * self.window_us;
    }
}

/// The log's word for a breaker's new state.
pub fn verb(state: BreakerState) -> &'static str {
    match state {
        BreakerState::Closed => "closes",
        BreakerState::Open(_) => "opens",
        BreakerState::HalfOpen(_) => "half-opens",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    const S: u64 = 1_000_000;

    fn brk() -> Brk {
        Brk::new(&Breaker {
            error_threshold: 0.5,
            window: Span(10_000),
            min_requests: 20.0,
            open_for: Span(30_000),
            probes: 3.0,
        })
    }

    #[test]
    fn opens_once_enough_attempts_in_the_window_fail() {
        let mut b = brk();
        for k in 0..19 {
            assert_eq!(b.record(k * 1000, false), None, "fewer than min-requests");
        }
        assert_eq!(b.record(19_000, false), Some(BreakerState::Open(SimTime(19))));
        assert_eq!(b.admit(29 * S), (false, None), "open: fails fast");
    }

    #[test]
    fn old_failures_slide_out_of_the_window() {
        let mut b = brk();
        for k in 0..15 {
            b.record(k * 1000, false);
        }
        // 25 s later the first window is two windows back: only the new successes count.
        for k in 0..30 {
            assert_eq!(b.record(25 * S + k * 1000, k % 3 != 0), None);
        }
        assert_eq!(b.state, BreakerState::Closed);
    }

    #[test]
    fn half_opens_after_open_for_and_closes_when_the_probes_pass() {
        let mut b = brk();
        for k in 0..20 {
            b.record(k, false);
        }
        assert!(matches!(b.state, BreakerState::Open(_)));
        assert_eq!(b.admit(31 * S), (true, Some(BreakerState::HalfOpen(SimTime(31_000)))));
        assert!(b.admit(31 * S).0);
        assert!(b.admit(31 * S).0);
        assert!(!b.admit(31 * S).0, "only three probes");
        assert_eq!(b.record(31 * S + 10, true), None);
        assert_eq!(b.record(31 * S + 20, true), None);
        assert_eq!(b.record(31 * S + 30, false), Some(BreakerState::Closed), "one in three failed: below half");
        assert_eq!(b.admit(32 * S), (true, None));
    }

    #[test]
    fn failing_probes_open_it_again_and_lost_probes_do_too() {
        let mut b = brk();
        for k in 0..20 {
            b.record(k, false);
        }
        b.admit(31 * S);
        b.record(31 * S, false);
        b.record(31 * S, false);
        assert_eq!(b.record(31 * S, true), Some(BreakerState::Open(SimTime(31_000))));
        // Half-open again; its probes never answer: after a window it opens again.
        b.admit(62 * S);
        assert!(matches!(b.state, BreakerState::HalfOpen(_)));
        assert_eq!(b.admit(73 * S).1, Some(BreakerState::Open(SimTime(73_000))));
        assert_eq!(verb(b.state), "opens");
    }
}
