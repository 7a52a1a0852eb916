//! Repeated addition in closed form: `s + x + x + … + x` (n times, left to
//! right) with exactly the rounding of the loop, in time logarithmic in `n`.
//!
//! A quiet stretch adds each service's flow to its sums once per tick. The
//! loop's last digits depend on every rounding, so a product `n x` would not
//! do. But between two powers of two every float is a multiple of one unit
//! `u`, so adding `x` rounds to adding a whole number of units: the nearest
//! one to `x / u`, or on a tie the one that leaves the sum even in units.
//! After one such step the sum is even whenever a tie can occur, so from the
//! second step on each step adds the same amount, and the steps that stay
//! clear of the next power of two can be taken at once.

/// `s` plus `x`, `n` times, one addition after another, for `s >= 0` and
/// `x >= 0` (anything else, or a non-finite value, takes the loop).
pub fn add_repeatedly(mut s: f64, x: f64, mut n: u64) -> f64 {
    if !(s >= 0.0 && x >= 0.0 && s.is_finite() && x.is_finite()) {
        return by_loop(s, x, n);
    }
    while n > 0 {
        // Two single steps show the stride, if all three sums share a binade.
        let s1 = s + x;
        n -= 1;
        if n == 0 {
            return s1;
        }
        let s2 = s1 + x;
        n -= 1;
        let stride = s2 - s1;
        if n == 0 || stride == 0.0 {
            return s2;
        }
        let Some((top, unit)) = binade(s) else {
            s = s2;
            continue;
        };
        if s2 >= top - 2.0 * unit {
            s = s2;
            continue;
        }
        // Steps from `s2` that keep the sum at most `top - 2 unit`: each then
        // rounds within this binade, to the same stride.
        let room = ((top - 2.0 * unit - s2) / stride).floor();
        let k = (room as u64).min(n);
        // `k x stride` is a whole number of units under `top`: exact.
        s = s2 + k as f64 * stride;
        n -= k;
    }
    s
}

/// The loop itself.
fn by_loop(mut s: f64, x: f64, n: u64) -> f64 {
    for _ in 0..n {
        s += x;
    }
    s
}

/// The power of two above `s`'s binade and the spacing of floats in it, for
/// an `s` whose spacing is a normal float (every positive `s` from 2^-970).
fn binade(s: f64) -> Option<(f64, f64)> {
    let exp = (s.to_bits() >> 52) & 0x7ff;
    // `s` is in [2^(exp-1023), 2^(exp-1022)), its spacing 2^(exp-1023-52).
    let top = f64::from_bits((exp + 1) << 52);
    (exp > 52 && top.is_finite()).then(|| (top, f64::from_bits((exp - 52) << 52)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(s: f64, x: f64, n: u64) {
        let want = by_loop(s, x, n);
        let got = add_repeatedly(s, x, n);
        assert_eq!(got.to_bits(), want.to_bits(), "s {s:e} x {x:e} n {n}: {got:e} != {want:e}");
    }

    #[test]
    fn matches_the_loop_on_round_and_awkward_values() {
        for &(s, x) in &[
            (0.0, 0.0),
            (0.0, 4000.0),
            (1.0, 0.1),
            (0.0, 0.1),
            (123_456.789, 1e-3),
            (2f64.powi(53), 1.0),
            (2f64.powi(53) + 2.0, 3.0),
            (2f64.powi(54), 6.0),
            (2f64.powi(54) + 4.0, 4002.0),
            (1e300, 1e290),
            (1e-310, 1e-311),
            (0.0, 5e-324),
        ] {
            for n in [0, 1, 2, 3, 7, 1000, 8640, 100_000] {
                same(s, x, n);
            }
        }
    }

    #[test]
    fn a_sum_past_a_million_powers_of_two_is_cheap_and_exact() {
        same(0.0, 1.0 / 3.0, 5_000_000);
        same(7.0, 4002.0, 3_000_000);
    }

    #[test]
    fn whatever_it_is_not_meant_for_takes_the_loop() {
        same(-5.0, 0.25, 10);
        same(5.0, -0.25, 10);
        assert!(add_repeatedly(f64::NAN, 1.0, 3).is_nan());
        assert_eq!(add_repeatedly(f64::INFINITY, 1.0, 3), f64::INFINITY);
    }

    proptest! {
        #[test]
        fn equals_one_addition_after_another(
            s in 0.0f64..1e12,
            x in 0.0f64..1e6,
            n in 0u64..20_000,
        ) {
            same(s, x, n);
        }

        #[test]
        fn equals_the_loop_on_ties(e in 0i32..60, m in 0u64..1_000_000, k in 0u64..64, n in 0u64..5_000) {
            // `x` lands halfway between units once the sum passes 2^e.
            let s = 2f64.powi(e) + k as f64 * 2f64.powi(e - 52);
            let x = (m as f64 + 0.5) * 2f64.powi(e - 52);
            same(s, x, n);
        }
    }
}
