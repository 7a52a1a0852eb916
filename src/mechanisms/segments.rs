//! Client segments and error classes: a load made of named segments; a change may reject one segment with a client error (4xx), which callers do not retry.

use crate::model::resilience::MAX_SEGMENTS;

/// A traffic mix: the share of each segment [fractions].
pub type Mix = [f64; MAX_SEGMENTS];

/// The share of a `mix` that a version rejecting the segments in `rejects` (a bitmask) fails.
pub fn rejected(mix: &Mix, rejects: u32) -> f64 {
    mix.iter().enumerate().filter(|(i, _)| rejects & (1 << i) != 0).map(|(_, s)| s).sum::<f64>().clamp(0.0, 1.0)
}

/// The mix of traffic made of `parts` (rate, mix) pairs; traffic with no
/// segment (an all-zero mix) counts as no segment.
pub fn combine(parts: &[(f64, Mix)]) -> Mix {
    let mut out = [0.0; MAX_SEGMENTS];
    let total: f64 = parts.iter().map(|(r, _)| r).sum();
    if total <= 0.0 {
        return out;
    }
    for (rate, mix) in parts {
        for (o, s) in out.iter_mut().zip(mix) {
            *o += rate / total * s;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejecting_a_segment_fails_its_share() {
        let mut mix = [0.0; MAX_SEGMENTS];
        mix[0] = 0.3;
        mix[1] = 0.7;
        assert!((rejected(&mix, 0b01) - 0.3).abs() < 1e-12);
        assert_eq!(rejected(&mix, 0), 0.0);
        assert!((rejected(&mix, 0b11) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn mixes_combine_by_rate() {
        let mut a = [0.0; MAX_SEGMENTS];
        a[0] = 1.0;
        let mut b = [0.0; MAX_SEGMENTS];
        b[1] = 1.0;
        let m = combine(&[(300.0, a), (100.0, b)]);
        assert_eq!((m[0], m[1]), (0.75, 0.25));
    }
}
