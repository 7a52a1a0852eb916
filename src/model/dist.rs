//! Distributions of random durations, drawn from a run's seeded stream.

use crate::time::Span;
use rand::{Rng, RngExt};

/// A distribution of a duration, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always this value.
    Fixed { value_s: f64 },
    /// Memoryless waits with this mean.
    Exponential { mean_s: f64 },
    /// `median * exp(sigma * z)` with `z` standard normal: long right tails.
    LogNormal { median_s: f64, sigma: f64 },
    /// Evenly between `min` and `max`.
    Uniform { min_s: f64, max_s: f64 },
    /// Normal, cut at zero.
    Normal { mean_s: f64, sd_s: f64 },
}

impl Dist {
    /// A draw [s], never negative.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = match *self {
            Dist::Fixed { value_s } => value_s,
            Dist::Exponential { mean_s } => -mean_s * (1.0 - rng.random::<f64>()).ln(),
            Dist::LogNormal { median_s, sigma } => median_s * (sigma * standard_normal(rng)).exp(),
            Dist::Uniform { min_s, max_s } => min_s + (max_s - min_s) * rng.random::<f64>(),
            Dist::Normal { mean_s, sd_s } => mean_s + sd_s * standard_normal(rng),
        };
        x.max(0.0)
    }

    /// A draw as a span.
    pub fn sample_span<R: Rng + ?Sized>(&self, rng: &mut R) -> Span {
        Span::from_secs_f64(self.sample(rng))
    }

    /// The value a run without randomness would use [s]: the mean, or the
    /// median for a log-normal.
    pub fn nominal_s(&self) -> f64 {
        match *self {
            Dist::Fixed { value_s } => value_s,
            Dist::Exponential { mean_s } => mean_s,
            Dist::LogNormal { median_s, .. } => median_s,
            Dist::Uniform { min_s, max_s } => (min_s + max_s) / 2.0,
            Dist::Normal { mean_s, .. } => mean_s,
        }
    }
}

/// A standard normal draw (Box-Muller).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Draws from `dist` when there is one, else returns `nominal`.
pub fn draw<R: Rng + ?Sized>(dist: Option<&Dist>, nominal: Span, rng: &mut R) -> Span {
    dist.map_or(nominal, |d| d.sample_span(rng))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    fn mean_of(d: Dist, n: usize) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn draws_have_the_stated_means() {
        assert!((mean_of(Dist::Exponential { mean_s: 60.0 }, 20_000) - 60.0).abs() < 2.0);
        assert!((mean_of(Dist::Uniform { min_s: 10.0, max_s: 30.0 }, 20_000) - 20.0).abs() < 0.3);
        assert!((mean_of(Dist::Normal { mean_s: 100.0, sd_s: 5.0 }, 20_000) - 100.0).abs() < 0.2);
        let ln = Dist::LogNormal { median_s: 100.0, sigma: 0.5 };
        assert!((mean_of(ln, 20_000) - 100.0 * (0.125f64).exp()).abs() < 2.0);
        assert_eq!(mean_of(Dist::Fixed { value_s: 3.0 }, 10), 3.0);
    }

    #[test]
    fn the_same_seed_gives_the_same_draws() {
        let d = Dist::LogNormal { median_s: 1.0, sigma: 1.0 };
        let a: Vec<f64> = (0..5).scan(ChaCha8Rng::seed_from_u64(1), |r, _| Some(d.sample(r))).collect();
        let b: Vec<f64> = (0..5).scan(ChaCha8Rng::seed_from_u64(1), |r, _| Some(d.sample(r))).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn draws_are_never_negative() {
        assert_eq!(mean_of(Dist::Normal { mean_s: -100.0, sd_s: 1.0 }, 100), 0.0);
    }
}
