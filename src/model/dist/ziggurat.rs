//! Exponential draws by the ziggurat method (Marsaglia and Tsang, 2000): one 64-bit draw and a multiplication for 99% of them, no logarithm.
//!
//! The density `e^-x` is covered by 256 layers of equal area `V`: 255
//! rectangles stacked under the curve and a base of width `V / e^-R` whose
//! part beyond `R` stands for the tail. A draw picks a layer and a point
//! across it with one `u64` (8 bits and 53 bits); inside the part of the layer
//! wholly under the curve (99% of draws) the point is the answer. Otherwise
//! it is kept if a second uniform falls under the curve, or, past `R` in the
//! base, the answer is `R` plus a fresh draw (the tail of an exponential is an
//! exponential). Exact in distribution; the stream it consumes differs from
//! `-ln(U)`.

use rand::{Rng, RngExt};
use std::sync::OnceLock;

const LAYERS: usize = 256;
/// Where the base layer's tail begins.
const R: f64 = 7.697_117_470_131_05;
/// Area of each layer: `(R + 1) e^-R`, the rectangle under `e^-R` up to `R` and the tail beyond.
const V: f64 = 3.949_659_822_581_557e-3;

/// Layer edges, falling from the base's `x[0]` to `x[256] = 0`, and the density at each.
struct Tables {
    x: [f64; LAYERS + 1],
    /// `x` over 2^53: a 53-bit integer times it is the point across a layer in
    /// one multiplication, exactly as the uniform `k / 2^53` times `x` (both are
    /// `k x / 2^53` rounded once, as scaling by a power of two is exact).
    x_53: [f64; LAYERS + 1],
    f: [f64; LAYERS + 1],
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut x = [0.0; LAYERS + 1];
        x[0] = V / (-R).exp();
        x[1] = R;
        for i in 1..LAYERS - 1 {
            // The next edge up: the rectangle of width x[i] between the two heights has area V.
            x[i + 1] = -(V / x[i] + (-x[i]).exp()).ln();
        }
        x[LAYERS] = 0.0;
        let f = x.map(|xi| (-xi).exp());
        Tables { x, x_53: x.map(|xi| xi * (1.0 / (1u64 << 53) as f64)), f }
    })
}

/// One try: a layer and a point across it from one `u64`.
#[inline(always)]
fn layer<G: Rng + ?Sized>(rng: &mut G, t: &Tables) -> (usize, f64) {
    let bits = rng.next_u64();
    let i = (bits & 0xff) as usize;
    (i, (bits >> 11) as f64 * t.x_53[i])
}

/// A draw of the exponential distribution of mean 1.
///
/// The first try's common case is inlined into the caller; the rest (1% of
/// draws) is out of line, so the caller pays for no saved registers.
#[inline(always)]
pub fn exp1<G: Rng + ?Sized>(rng: &mut G) -> f64 {
    let t = tables();
    let (i, x) = layer(rng, t);
    if x < t.x[i + 1] {
        return x;
    }
    exp1_rest(rng, t, i, x)
}

/// The rest of a draw whose first try, layer `i` at `x`, was not wholly under the curve.
#[inline(never)]
fn exp1_rest<G: Rng + ?Sized>(rng: &mut G, t: &Tables, first: usize, at: f64) -> f64 {
    let (mut i, mut x) = (first, at);
    let mut base = 0.0;
    loop {
        if i == 0 {
            base += R;
        } else if t.f[i] + (t.f[i + 1] - t.f[i]) * rng.random::<f64>() < (-x).exp() {
            return base + x;
        }
        (i, x) = layer(rng, t);
        if x < t.x[i + 1] {
            return base + x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    #[test]
    fn the_layers_close_at_the_top() {
        let t = tables();
        // The top rectangle, from e^-x[255] up to 1, has the same area as the others.
        let top = t.x[LAYERS - 1] * (1.0 - t.f[LAYERS - 1]);
        assert!((top - V).abs() < 1e-12 * V, "{top} vs {V}");
        assert!(t.x.windows(2).all(|w| w[0] > w[1]));
        assert!(((R + 1.0) * (-R).exp() - V).abs() < 1e-15);
    }

    #[test]
    fn draws_have_the_moments_of_an_exponential() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 1_000_000;
        let (mut m1, mut m2, mut m3) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let x = exp1(&mut rng);
            assert!(x >= 0.0);
            m1 += x;
            m2 += x * x;
            m3 += x * x * x;
        }
        let (m1, m2, m3) = (m1 / n as f64, m2 / n as f64, m3 / n as f64);
        // E[X] = 1, E[X^2] = 2, E[X^3] = 6; standard errors 0.001, 0.0045, 0.03.
        assert!((m1 - 1.0).abs() < 0.005, "mean {m1}");
        assert!((m2 - 2.0).abs() < 0.025, "second moment {m2}");
        assert!((m3 - 6.0).abs() < 0.2, "third moment {m3}");
    }

    #[test]
    fn draws_pass_a_kolmogorov_smirnov_test_and_reach_the_tail() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let n = 200_000;
        let mut xs: Vec<f64> = (0..n).map(|_| exp1(&mut rng)).collect();
        xs.sort_by(f64::total_cmp);
        let d = xs
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                let cdf = 1.0 - (-x).exp();
                (cdf - k as f64 / n as f64).max((k + 1) as f64 / n as f64 - cdf)
            })
            .fold(0.0, f64::max);
        // The 1% critical value of D for large n is 1.63 / sqrt(n).
        assert!(d < 1.63 / (n as f64).sqrt(), "D = {d}");
        // Past the base's edge R (e^-R = 4.5e-4 of draws: 91 expected, sd 9.5) and far into the tail.
        let past = xs.iter().filter(|&&x| x > R).count();
        assert!((55..=130).contains(&past), "{past} draws past R");
        assert!(xs[n - 1] > 10.0, "largest {}", xs[n - 1]);
    }
}
