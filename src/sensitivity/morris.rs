//! Morris elementary effects: one-step-at-a-time trajectories through the box of factors.
//!
//! Each of `r` trajectories starts at a random corner-ish point of a 4-level
//! grid over every parameter's factor range (geometric, from the smallest
//! factor to the largest) and moves each parameter once, in random order, by
//! two thirds of the range. The elementary effect of a parameter is the change
//! of the measure over that move, per unit of the range; `mu*` (mean of
//! |effects|) ranks influence, `sigma` flags interactions or non-linearity.
//! Cost: `r * (k + 1)` runs for `k` parameters.

use super::{Baseline, ParamResult, scaled};
use crate::fit::eval::{Evaluator, Outcome};
use crate::fit::keys::Number;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

const DELTA: f64 = 2.0 / 3.0;

/// The trajectories' points: for each, the unit coordinates of every parameter.
pub fn trajectories(k: usize, r: usize, seed: u64) -> Vec<Vec<Vec<f64>>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4d6f_7272_6973);
    (0..r)
        .map(|_| {
            let mut x: Vec<f64> = (0..k).map(|_| if rng.random::<bool>() { 1.0 / 3.0 } else { 0.0 }).collect();
            let mut order: Vec<usize> = (0..k).collect();
            for i in (1..k).rev() {
                order.swap(i, rng.random_range(0..=i));
            }
            let mut points = vec![x.clone()];
            for &i in &order {
                x[i] += DELTA;
                points.push(x.clone());
            }
            points
        })
        .collect()
}

/// Fills `results`' Morris fields with `r` trajectories over the factor box `[lo, hi]`.
#[allow(clippy::too_many_arguments)]
pub fn effects(
    eval: &Evaluator,
    params: &[(String, Number)],
    baseline: &Baseline,
    (lo, hi): (f64, f64),
    r: usize,
    seed: u64,
    results: &mut [ParamResult],
    stop: &AtomicBool,
    done: &(dyn Fn() + Sync),
) -> bool {
    let k = params.len();
    let paths = trajectories(k, r, seed);
    let points: Vec<&Vec<f64>> = paths.iter().flatten().collect();
    let measures: Vec<Option<Option<f64>>> = points
        .par_iter()
        .map(|x| {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let sets: Vec<String> =
                params.iter().zip(x.iter()).map(|((key, n), &u)| scaled(key, n, lo * (hi / lo).powf(u)).0).collect();
            let m = match eval.run(&sets) {
                Outcome::Ran(report) => Some(baseline.measure(eval, &report)),
                Outcome::Failed(_) => None,
            };
            done();
            Some(m)
        })
        .collect();
    let complete = measures.iter().all(Option::is_some);
    let mut ee: Vec<Vec<f64>> = vec![Vec::new(); k];
    for (t, path) in paths.iter().enumerate() {
        let base = t * (k + 1);
        for step in 0..k {
            let moved = (0..k).find(|&i| path[step + 1][i] != path[step][i]);
            if let (Some(i), Some(Some(a)), Some(Some(b))) = (moved, measures[base + step], measures[base + step + 1]) {
                ee[i].push((b - a) / DELTA);
            }
        }
    }
    for res in results.iter_mut() {
        let Some(i) = params.iter().position(|q| q.0 == res.key) else { continue };
        let e = &ee[i];
        if e.is_empty() {
            continue;
        }
        let n = e.len() as f64;
        let mu_star = e.iter().map(|x| x.abs()).sum::<f64>() / n;
        let mean = e.iter().sum::<f64>() / n;
        let var = e.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        res.morris_mu_star = Some(crate::analysis::round(mu_star, 3));
        res.morris_sigma = Some(crate::analysis::round(var.sqrt(), 3));
    }
    complete
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_trajectory_moves_every_parameter_once_inside_the_box() {
        let paths = trajectories(5, 3, 9);
        assert_eq!(paths.len(), 3);
        for path in &paths {
            assert_eq!(path.len(), 6);
            for w in path.windows(2) {
                let moved: Vec<usize> = (0..5).filter(|&i| w[0][i] != w[1][i]).collect();
                assert_eq!(moved.len(), 1);
            }
            assert!(path.iter().flatten().all(|&u| (0.0..=1.0 + 1e-12).contains(&u)));
        }
        assert_eq!(trajectories(5, 3, 9), paths, "seeded");
    }
}
