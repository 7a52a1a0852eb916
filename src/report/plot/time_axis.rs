//! A plotters axis for simulated seconds whose grid falls on round clock times.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use std::ops::Range;

/// Tick steps tried in order, in seconds; past a day, whole days.
const STEPS_S: [f64; 18] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10_800.0, 21_600.0,
    43_200.0, 86_400.0,
];

/// Seconds since the simulation start, from `start` to `end`; ticks are
/// multiples of a round step counted from `origin` seconds before the start
/// (the clock's time of day at the start, or 0 for offsets).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeAxis {
    start: f64,
    end: f64,
    origin: f64,
}

impl TimeAxis {
    pub fn new(start: f64, end: f64, origin: f64) -> TimeAxis {
        let end = if end > start { end } else { start + 1.0 };
        TimeAxis { start, end, origin }
    }

    /// At most `max` ticks at the smallest round step that allows it.
    pub fn ticks(&self, max: usize) -> Vec<f64> {
        let span = self.end - self.start;
        if max == 0 || !span.is_finite() || !self.origin.is_finite() {
            return Vec::new();
        }
        let step = STEPS_S
            .iter()
            .copied()
            .find(|s| span / s + 1.0 <= max as f64)
            .unwrap_or_else(|| 86_400.0 * (span / 86_400.0 / (max as f64 - 1.0).max(1.0)).ceil());
        let first = ((self.start + self.origin) / step).ceil() * step - self.origin;
        (0..=max).map(|k| first + k as f64 * step).take_while(|t| *t <= self.end + 1e-9).collect()
    }
}

impl Ranged for TimeAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let fraction = (value - self.start) / (self.end - self.start);
        limit.0 + ((limit.1 - limit.0) as f64 * fraction + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        self.ticks(hint.max_num_points())
    }

    fn range(&self) -> Range<f64> {
        self.start..self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_use_the_smallest_round_step_that_fits() {
        let hour = TimeAxis::new(0.0, 3600.0, 0.0);
        assert_eq!(hour.ticks(12), (0..=6).map(|k| k as f64 * 600.0).collect::<Vec<_>>());
        assert_eq!(hour.ticks(13).len(), 13);
        assert!(hour.ticks(0).is_empty());
        let day20h = TimeAxis::new(0.0, 72_000.0, 0.0);
        assert_eq!(day20h.ticks(12)[1], 7200.0);
        let week = TimeAxis::new(0.0, 7.0 * 86_400.0, 0.0);
        assert!(week.ticks(3).len() <= 3);
    }

    #[test]
    fn ticks_fall_on_round_clock_times() {
        let axis = TimeAxis::new(0.0, 3600.0, 7230.0);
        let ticks = axis.ticks(12);
        assert_eq!(ticks[0], 570.0);
        assert!(ticks.iter().all(|t| (t + 7230.0) % 600.0 == 0.0));
    }

    #[test]
    fn maps_the_range_onto_pixels() {
        let axis = TimeAxis::new(0.0, 100.0, 0.0);
        assert_eq!(axis.map(&0.0, (10, 110)), 10);
        assert_eq!(axis.map(&50.0, (10, 110)), 60);
        assert_eq!(axis.map(&100.0, (10, 110)), 110);
    }
}
