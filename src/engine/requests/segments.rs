//! Client segments in requests mode: each outside request belongs to a segment drawn from its load's mix; its calls carry it on.

use super::Sim;
use super::slab::{Phase, Req};
use rand::RngExt;

/// A request of no segment (internal traffic, or a topology without segments).
pub const NO_SEGMENT: u8 = u8::MAX;

/// The segment a draw `u` in [0, 1) picks from `shares` (which add up to 1),
/// or [`NO_SEGMENT`] when every share is zero.
pub fn pick(shares: &[f64], u: f64) -> u8 {
    let mut acc = 0.0;
    let mut last = NO_SEGMENT;
    for (i, &p) in shares.iter().enumerate() {
        if p <= 0.0 {
            continue;
        }
        acc += p;
        last = i as u8;
        if u < acc {
            return last;
        }
    }
    last
}

impl Sim<'_> {
    /// The segment of a new outside request at service `s`; draws only when the topology names segments.
    pub(super) fn outside_segment(&mut self, s: u32) -> u8 {
        if self.model.segments.is_empty() {
            return NO_SEGMENT;
        }
        let u = self.rng.random::<f64>();
        pick(&self.model.services[s as usize].extras.segments, u)
    }
}

impl Sim<'_> {
    /// Request `r` (a call) failed with a client error: its caller, if still
    /// waiting on it, fails that call as a client error too (not retried).
    pub(super) fn pass_client(&mut self, r: &Req, ok: bool) {
        if ok || !r.client {
            return;
        }
        let p = self.reqs.get_mut(r.parent);
        if p.epoch == r.parent_epoch && p.phase == Phase::Calling {
            p.client = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draw_picks_the_segment_whose_share_covers_it() {
        let shares = [0.3, 0.0, 0.7];
        assert_eq!(pick(&shares, 0.0), 0);
        assert_eq!(pick(&shares, 0.29), 0);
        assert_eq!(pick(&shares, 0.3), 2);
        assert_eq!(pick(&shares, 0.999_999_999), 2);
        assert_eq!(pick(&[0.0, 0.0], 0.5), NO_SEGMENT);
    }
}
