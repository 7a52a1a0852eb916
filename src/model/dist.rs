//! Distributions of random durations, drawn from a run's seeded stream.

mod ziggurat;

use crate::time::Span;
use rand::{Rng, RngExt};
pub use ziggurat::exp1;

/// A distribution of a duration, in seconds.
#[derive(Debug, Clone, PartialEq)]
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
    /// Given quantiles, linear in between (see [`Empirical`]).
    Empirical(Empirical),
}

/// Most points an empirical distribution takes.
pub const MAX_POINTS: usize = 16;

/// An empirical distribution given by quantiles: `(p, value_s)` pairs with
/// rising `p` and values.
///
/// The quantile function is linear between the points; below the first it
/// rises from 0 at `p = 0` (unless a point at 0 is given), and above the last
/// it stays at the last value (unless a point at 1 is given).
#[derive(Debug, Clone, PartialEq)]
pub struct Empirical {
    /// On the heap: a service holds several optional distributions, which stay small when they are not empirical.
    points: Box<[(f64, f64)]>,
}

impl Empirical {
    /// From `(p, value_s)` points, rising in both; `None` if they do not
    /// rise, a `p` is outside 0..=1, or there are none or over [`MAX_POINTS`].
    pub fn new(given: &[(f64, f64)]) -> Option<Empirical> {
        if given.is_empty() || given.len() > MAX_POINTS {
            return None;
        }
        let rising = given.windows(2).all(|w| w[1].0 > w[0].0 && w[1].1 >= w[0].1);
        let in_range = given.iter().all(|&(p, v)| (0.0..=1.0).contains(&p) && v >= 0.0);
        if !rising || !in_range {
            return None;
        }
        let mut points = Vec::with_capacity(given.len() + 2);
        if given[0].0 > 0.0 {
            points.push((0.0, 0.0));
        }
        points.extend_from_slice(given);
        let last = given[given.len() - 1];
        if last.0 < 1.0 {
            points.push((1.0, last.1));
        }
        Some(Empirical { points: points.into_boxed_slice() })
    }

    /// The value at quantile `u` in 0..=1 [s].
    pub fn quantile(&self, u: f64) -> f64 {
        let pts = &self.points[..];
        let i = pts.partition_point(|&(p, _)| p < u).clamp(1, pts.len() - 1);
        let ((p0, v0), (p1, v1)) = (pts[i - 1], pts[i]);
        if p1 <= p0 { v1 } else { v0 + (v1 - v0) * ((u - p0) / (p1 - p0)).clamp(0.0, 1.0) }
    }

    /// The mean: the integral of the quantile function [s].
    pub fn mean_s(&self) -> f64 {
        self.points.windows(2).map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0).sum()
    }
}

impl Dist {
    /// A draw [s], never negative.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.from_uniforms(self.uniforms(rng))
    }

    /// The uniform draws in 0..1 that [`Dist::sample`] reads from the stream:
    /// as many as the distribution needs (the rest 0), in the stream's order.
    pub fn uniforms<R: Rng + ?Sized>(&self, rng: &mut R) -> [f64; 2] {
        match *self {
            Dist::Fixed { .. } => [0.0, 0.0],
            Dist::Exponential { .. } | Dist::Uniform { .. } | Dist::Empirical(_) => [rng.random::<f64>(), 0.0],
            Dist::LogNormal { .. } | Dist::Normal { .. } => {
                let u1 = rng.random::<f64>();
                [u1, rng.random::<f64>()]
            }
        }
    }

    /// The draw [`Dist::sample`] makes of the uniforms `u` ([`Dist::uniforms`]) [s].
    pub fn from_uniforms(&self, u: [f64; 2]) -> f64 {
        let x = match *self {
            Dist::Fixed { value_s } => value_s,
            Dist::Exponential { mean_s } => -mean_s * (1.0 - u[0]).ln(),
            Dist::LogNormal { median_s, sigma } => median_s * (sigma * normal_of(u)).exp(),
            Dist::Uniform { min_s, max_s } => min_s + (max_s - min_s) * u[0],
            Dist::Normal { mean_s, sd_s } => mean_s + sd_s * normal_of(u),
            Dist::Empirical(ref e) => e.quantile(u[0]),
        };
        x.max(0.0)
    }

    /// A draw [s] from the same distribution as [`Dist::sample`], exponential
    /// ones by the ziggurat ([`exp1`]): several times faster, from a different
    /// stream. The request engine draws this way; the fluid engine keeps `sample`.
    #[inline]
    pub fn sample_fast<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Dist::Exponential { mean_s } => mean_s * exp1(rng),
            _ => self.sample(rng),
        }
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
            Dist::Empirical(ref e) => e.quantile(0.5),
        }
    }

    /// The mean [s] (of the normal before it is cut at zero).
    pub fn mean_s(&self) -> f64 {
        match *self {
            Dist::LogNormal { median_s, sigma } => median_s * (sigma * sigma / 2.0).exp(),
            Dist::Empirical(ref e) => e.mean_s(),
            _ => self.nominal_s(),
        }
    }

    /// The coefficient of variation (standard deviation over mean), for the queueing closure.
    pub fn cv(&self) -> f64 {
        let mean = self.mean_s();
        if mean <= 0.0 {
            return 0.0;
        }
        let sd = match *self {
            Dist::Fixed { .. } => 0.0,
            Dist::Exponential { mean_s } => mean_s,
            Dist::LogNormal { sigma, .. } => mean * ((sigma * sigma).exp() - 1.0).sqrt(),
            Dist::Uniform { min_s, max_s } => (max_s - min_s) / 12f64.sqrt(),
            Dist::Normal { sd_s, .. } => sd_s,
            Dist::Empirical(ref e) => {
                // Each linear piece is uniform between its end values.
                let pts = &e.points[..];
                let m2: f64 = pts
                    .windows(2)
                    .map(|w| (w[1].0 - w[0].0) * (w[0].1 * w[0].1 + w[0].1 * w[1].1 + w[1].1 * w[1].1) / 3.0)
                    .sum();
                (m2 - mean * mean).max(0.0).sqrt()
            }
        };
        sd / mean
    }
}

/// A standard normal draw (Box-Muller).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1 = rng.random::<f64>();
    normal_of([u1, rng.random::<f64>()])
}

/// The standard normal draw Box-Muller makes of two uniforms in 0..1.
fn normal_of(u: [f64; 2]) -> f64 {
    (-2.0 * (1.0 - u[0]).ln()).sqrt() * (std::f64::consts::TAU * u[1]).cos()
}

/// Draws from `dist` when there is one, else returns `nominal`.
pub fn draw<R: Rng + ?Sized>(dist: Option<&Dist>, nominal: Span, rng: &mut R) -> Span {
    dist.map_or(nominal, |d| d.sample_span(rng))
}

/// A draw taken from the stream now, as [`draw`] would take it, and worked
/// out only if it is read: a mechanism that draws at every tick but uses the
/// value only when something happens skips the logarithms and cosines.
#[derive(Debug, Clone, Copy)]
pub struct Later<'d> {
    dist: Option<&'d Dist>,
    nominal: Span,
    u: [f64; 2],
}

impl<'d> Later<'d> {
    pub fn take<R: Rng + ?Sized>(dist: Option<&'d Dist>, nominal: Span, rng: &mut R) -> Later<'d> {
        let u = dist.map_or([0.0, 0.0], |d| d.uniforms(rng));
        Later { dist, nominal, u }
    }

    /// The value [`draw`] would have returned. Never inlined, so that the
    /// optimiser cannot work it out ahead, where it may not be read.
    #[inline(never)]
    pub fn span(&self) -> Span {
        self.dist.map_or(self.nominal, |d| Span::from_secs_f64(d.from_uniforms(self.u)))
    }
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
    fn a_draw_taken_now_and_read_later_is_the_draw_and_leaves_the_stream_alike() {
        let dists = [
            Dist::Fixed { value_s: 3.0 },
            Dist::Exponential { mean_s: 60.0 },
            Dist::LogNormal { median_s: 480.0, sigma: 0.25 },
            Dist::Uniform { min_s: 10.0, max_s: 30.0 },
            Dist::Normal { mean_s: 100.0, sd_s: 50.0 },
            Dist::Empirical(Empirical::new(&[(0.5, 10.0), (0.99, 100.0)]).expect("rising")),
        ];
        let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(3), ChaCha8Rng::seed_from_u64(3));
        for _ in 0..200 {
            for d in &dists {
                let later = Later::take(Some(d), Span(1), &mut b);
                assert_eq!(later.span(), draw(Some(d), Span(1), &mut a), "{d:?}");
            }
            assert_eq!(Later::take(None, Span(7), &mut b).span(), draw(None, Span(7), &mut a));
            assert_eq!(standard_normal(&mut a).to_bits(), standard_normal(&mut b).to_bits());
        }
        assert_eq!(a.random::<u64>(), b.random::<u64>(), "both streams at the same place");
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
    fn empirical_draws_follow_the_quantiles() {
        let e = Empirical::new(&[(0.5, 0.08), (0.99, 0.4)]).unwrap();
        assert_eq!(e.quantile(0.5), 0.08);
        assert_eq!(e.quantile(0.99), 0.4);
        assert_eq!(e.quantile(1.0), 0.4);
        assert!((e.quantile(0.25) - 0.04).abs() < 1e-12);
        let d = Dist::Empirical(e);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let draws: Vec<f64> = (0..20_000).map(|_| d.sample(&mut rng)).collect();
        let below = draws.iter().filter(|&&x| x <= 0.08).count() as f64 / 20_000.0;
        assert!((below - 0.5).abs() < 0.02, "{below}");
        let mean = draws.iter().sum::<f64>() / 20_000.0;
        assert!((mean - d.mean_s()).abs() < 0.003, "{mean} vs {}", d.mean_s());
        assert!(Empirical::new(&[(0.9, 1.0), (0.5, 2.0)]).is_none());
        assert!(Empirical::new(&[]).is_none());
    }

    #[test]
    fn coefficients_of_variation() {
        assert_eq!(Dist::Exponential { mean_s: 2.0 }.cv(), 1.0);
        assert_eq!(Dist::Fixed { value_s: 2.0 }.cv(), 0.0);
        assert!((Dist::Uniform { min_s: 0.0, max_s: 2.0 }.cv() - 1.0 / 3f64.sqrt()).abs() < 1e-12);
        let flat = Dist::Empirical(Empirical::new(&[(0.0, 0.0), (1.0, 2.0)]).unwrap());
        assert!((flat.cv() - 1.0 / 3f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn draws_are_never_negative() {
        assert_eq!(mean_of(Dist::Normal { mean_s: -100.0, sd_s: 1.0 }, 100), 0.0);
    }
}
