//! Control-plane dependencies: a control loop (autoscaling) acts on data from
//! another service; when that data is missing for longer than it tolerates, it stalls.

use crate::model::Control;
use crate::time::SimTime;

/// The share of its work a control loop gets done, given the fraction of the
/// data it receives. `short_since` is when the data first fell short of the
/// need (kept by the caller; `None` when it falls short just now); the loop
/// acts on old data until `tolerance` passes.
pub fn effectiveness(c: &Control, data: f64, short_since: Option<SimTime>, now: SimTime) -> f64 {
    if data >= c.need || c.need <= 0.0 {
        return 1.0;
    }
    if now.since(short_since.unwrap_or(now)) < c.tolerance {
        return 1.0;
    }
    (data / c.need).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Span;

    #[test]
    fn enough_data_is_as_good_as_all_of_it() {
        let c = Control { need: 0.05, tolerance: Span::ZERO };
        assert_eq!(effectiveness(&c, 0.06, None, SimTime(0)), 1.0);
        assert!((effectiveness(&c, 0.01, Some(SimTime(0)), SimTime(0)) - 0.2).abs() < 1e-12);
    }

    #[test]
    fn the_loop_rides_out_a_short_gap_on_old_data() {
        let c = Control { need: 1.0, tolerance: Span(180_000) };
        assert_eq!(effectiveness(&c, 0.0, None, SimTime(5000)), 1.0, "the gap starts now");
        assert_eq!(effectiveness(&c, 0.0, Some(SimTime(0)), SimTime(179_000)), 1.0);
        assert_eq!(effectiveness(&c, 0.0, Some(SimTime(0)), SimTime(180_000)), 0.0);
    }
}
