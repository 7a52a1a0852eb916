//! Partitions with skew: a service's capacity is split evenly over its partitions; a hot one throttles alone.

use crate::model::resilience::Skew;

/// The share of a caller's keys that falls on each of `count` partitions (sums to 1).
pub fn shares(skew: &Skew, count: usize) -> Vec<f64> {
    let raw: Vec<f64> = match skew {
        Skew::Uniform => vec![1.0; count],
        Skew::Zipf(s) => (1..=count).map(|k| 1.0 / (k as f64).powf(*s)).collect(),
        Skew::Weights(w) => (0..count).map(|i| w.get(i).copied().unwrap_or(0.0).max(0.0)).collect(),
    };
    let total: f64 = raw.iter().sum();
    if total <= 0.0 { vec![1.0 / count.max(1) as f64; count] } else { raw.iter().map(|x| x / total).collect() }
}

/// Admission per partition: each partition serves at most `capacity / count`
/// [req/s] of its `loads` [req/s]; returns the admitted fraction of each.
pub fn admit(loads: &[f64], capacity: f64) -> Vec<f64> {
    let each = capacity / loads.len().max(1) as f64;
    loads.iter().map(|&l| if l <= each || l <= 0.0 { 1.0 } else { each / l }).collect()
}

/// The fraction of a caller's requests admitted, given its key `shares` and each partition's admission.
pub fn admitted(shares: &[f64], admit: &[f64]) -> f64 {
    shares.iter().zip(admit).map(|(s, a)| s * a).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_keys_use_the_whole_capacity() {
        let s = shares(&Skew::Uniform, 4);
        let loads: Vec<f64> = s.iter().map(|x| x * 1000.0).collect();
        assert_eq!(admitted(&s, &admit(&loads, 1000.0)), 1.0);
    }

    #[test]
    fn a_hot_partition_throttles_while_the_table_has_room() {
        let s = shares(&Skew::Weights(vec![0.7, 0.1, 0.1, 0.1]), 4);
        let loads: Vec<f64> = s.iter().map(|x| x * 500.0).collect();
        let a = admit(&loads, 1000.0);
        assert!((a[0] - 250.0 / 350.0).abs() < 1e-12, "the hot partition serves its 250/s share");
        assert_eq!(a[1], 1.0);
        let ok = admitted(&s, &a);
        assert!((ok - (250.0 + 150.0) / 500.0).abs() < 1e-12, "half the table idle, 20% throttled: {ok}");
    }

    #[test]
    fn zipf_favours_the_first_partition() {
        let s = shares(&Skew::Zipf(1.0), 3);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(s[0] > s[1] && s[1] > s[2]);
        assert!((s[0] / s[1] - 2.0).abs() < 1e-12);
    }
}
