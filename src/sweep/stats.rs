//! Summaries of repeated runs: mean, median, a 95% interval of the mean, and Wilson intervals of fractions.

use serde::{Deserialize, Serialize};

/// A sample summarised; every statistic is `None` without samples, and the
/// interval is `None` with fewer than two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    /// Lower end of the 95% confidence interval of the mean (Student's t).
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

/// A fraction of runs, with its Wilson score 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    pub n: usize,
    pub k: usize,
    pub fraction: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

const Z95: f64 = 1.959_963_984_540_054;

/// Two-sided 97.5% quantiles of Student's t for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
    2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/// The 97.5% quantile of Student's t with `df` degrees of freedom: a table up
/// to 30, then the Cornish-Fisher expansion around the normal quantile.
pub fn t975(df: usize) -> f64 {
    match df {
        0 => f64::INFINITY,
        1..=30 => T975[df - 1],
        _ => {
            let (z, d) = (Z95, df as f64);
            z + (z.powi(3) + z) / (4.0 * d) + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

/// Summarises `samples` (in a fixed order, so sums are reproducible).
///
/// The interval is mean ± t(n-1) · s / √n; it shrinks like 1/√n as runs grow.
pub fn summarize(samples: &[f64]) -> Summary {
    let n = samples.len();
    if n == 0 {
        return Summary { n, mean: None, median: None, ci_low: None, ci_high: None };
    }
    // Offsets from the first sample: equal samples give exactly their value.
    let mean = samples[0] + samples.iter().map(|x| x - samples[0]).sum::<f64>() / n as f64;
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
    let (ci_low, ci_high) = if n >= 2 {
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let half = t975(n - 1) * (var / n as f64).sqrt();
        (Some(mean - half), Some(mean + half))
    } else {
        (None, None)
    };
    Summary { n, mean: Some(mean), median: Some(median), ci_low, ci_high }
}

/// `k` successes out of `n` with the Wilson score 95% interval.
pub fn proportion(k: usize, n: usize) -> Proportion {
    if n == 0 {
        return Proportion { n, k, fraction: None, ci_low: None, ci_high: None };
    }
    let (p, nf, z2) = (k as f64 / n as f64, n as f64, Z95 * Z95);
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    Proportion {
        n,
        k,
        fraction: Some(p),
        ci_low: Some(if k == 0 { 0.0 } else { (center - half).max(0.0) }),
        ci_high: Some(if k == n { 1.0 } else { (center + half).min(1.0) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed pseudo-random sample: a linear congruential generator, uniform on [0, 100).
    fn sample(n: usize) -> Vec<f64> {
        let mut x: u64 = 12345;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (x >> 11) as f64 / (1u64 << 53) as f64 * 100.0
            })
            .collect()
    }

    fn width(s: &Summary) -> f64 {
        s.ci_high.unwrap() - s.ci_low.unwrap()
    }

    #[test]
    fn mean_median_and_interval() {
        let s = summarize(&[1.0, 2.0, 3.0, 10.0]);
        assert_eq!((s.n, s.mean, s.median), (4, Some(4.0), Some(2.5)));
        let half = 3.182 * (((9.0 + 4.0 + 1.0 + 36.0) / 3.0_f64) / 4.0).sqrt();
        assert!((s.ci_high.unwrap() - (4.0 + half)).abs() < 1e-12);
        let one = summarize(&[5.0]);
        assert_eq!((one.mean, one.median, one.ci_low), (Some(5.0), Some(5.0), None));
        assert_eq!(summarize(&[]).mean, None);
        let same = summarize(&[3.0; 5]);
        assert_eq!((same.ci_low, same.ci_high), (Some(3.0), Some(3.0)));
    }

    #[test]
    fn intervals_shrink_as_runs_grow() {
        let widths: Vec<f64> = [5, 20, 80, 320, 1280].iter().map(|&n| width(&summarize(&sample(n)))).collect();
        for w in widths.windows(2) {
            assert!(w[1] < w[0], "{widths:?}");
        }
        // About 1/sqrt(n): four times the runs, about half the width.
        assert!((widths[4] / widths[3] - 0.5).abs() < 0.1, "{widths:?}");
        let fractions: Vec<f64> = [10, 40, 160, 640]
            .iter()
            .map(|&n| {
                let p = proportion(n * 3 / 10, n);
                p.ci_high.unwrap() - p.ci_low.unwrap()
            })
            .collect();
        for w in fractions.windows(2) {
            assert!(w[1] < w[0], "{fractions:?}");
        }
    }

    #[test]
    fn t_quantiles_approach_the_normal_one() {
        assert!((t975(30) - 2.042).abs() < 1e-9);
        assert!((t975(31) - 2.040).abs() < 2e-3);
        assert!((t975(1000) - Z95).abs() < 3e-3);
        assert!(t975(31) < t975(30));
    }

    #[test]
    fn wilson_intervals_stay_in_bounds() {
        let all = proportion(10, 10);
        assert_eq!(all.fraction, Some(1.0));
        assert!(all.ci_low.unwrap() > 0.69 && all.ci_low.unwrap() < 0.73 && all.ci_high == Some(1.0));
        let none = proportion(0, 3);
        assert_eq!((none.fraction, none.ci_low), (Some(0.0), Some(0.0)));
        assert!(none.ci_high.unwrap() > 0.5);
        assert_eq!(proportion(0, 0).fraction, None);
    }
}
