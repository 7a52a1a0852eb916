//! External load: the rate of requests arriving from outside the graph at a time.

use crate::model::LoadShape;
use crate::time::SimTime;

/// The offered rate of `shape` at `t` [req/s]. A closed loop's rate depends
/// on how fast it is answered, which the engine settles (`closed_loop`): 0 here.
pub fn rate_at(shape: &LoadShape, t: SimTime) -> f64 {
    match shape {
        LoadShape::None | LoadShape::Closed { .. } => 0.0,
        LoadShape::Constant { rate } => *rate,
        LoadShape::Steps { rate, steps } => {
            steps.iter().take_while(|(at, _)| *at <= t).last().map_or(*rate, |(_, r)| *r)
        }
        LoadShape::Ramp { from, to, start, end } => {
            if t <= *start {
                *from
            } else if t >= *end {
                *to
            } else {
                let f = (t.0 - start.0) as f64 / (end.0 - start.0) as f64;
                from + (to - from) * f
            }
        }
        LoadShape::Daily { mean, amplitude, peak_s_of_day, start_s_of_day } => {
            let day = 86_400.0;
            let s = (*start_s_of_day as f64 + t.secs()) % day;
            let phase = (s - *peak_s_of_day as f64) / day * std::f64::consts::TAU;
            mean * (1.0 + amplitude * phase.cos())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_change_the_rate_at_their_time() {
        let s = LoadShape::Steps { rate: 10.0, steps: vec![(SimTime(1000), 20.0), (SimTime(5000), 5.0)] };
        assert_eq!(rate_at(&s, SimTime(999)), 10.0);
        assert_eq!(rate_at(&s, SimTime(1000)), 20.0);
        assert_eq!(rate_at(&s, SimTime(7000)), 5.0);
    }

    #[test]
    fn ramps_are_linear_and_flat_outside() {
        let r = LoadShape::Ramp { from: 100.0, to: 300.0, start: SimTime(0), end: SimTime(10_000) };
        assert_eq!(rate_at(&r, SimTime(5000)), 200.0);
        assert_eq!(rate_at(&r, SimTime(20_000)), 300.0);
    }

    #[test]
    fn daily_curves_peak_at_their_peak() {
        let d = LoadShape::Daily { mean: 100.0, amplitude: 0.5, peak_s_of_day: 14 * 3600, start_s_of_day: 2 * 3600 };
        let at_peak = rate_at(&d, SimTime(12 * 3600 * 1000));
        let at_trough = rate_at(&d, SimTime(24 * 3600 * 1000));
        assert!((at_peak - 150.0).abs() < 1e-9);
        assert!((at_trough - 50.0).abs() < 1e-9);
    }
}
