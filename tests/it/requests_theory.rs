//! Requests mode against queueing theory: M/M/c (Erlang C mean wait, P(wait > t), response-time
//! quantile), a Jackson network and Little's law, with 95% confidence intervals over seeds.

use blastsim::engine::RunResult;
use blastsim::mechanisms::queueing::{self, Variability};
use blastsim::model::dist::Dist;
use blastsim::model::{Mode, Model, Service};
use blastsim::time::Span;

const SEEDS: u64 = 10;
/// Student's t at 97.5% for 9 degrees of freedom.
const T_9: f64 = 2.262;

fn run(model: &Model) -> RunResult {
    blastsim::engine::run(model).expect("the run completes")
}

/// Mean and 95% half-width over seeds.
fn interval(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, T_9 * (var / n).sqrt())
}

/// An M/M/c-like service: `c` worker threads, exponential service of mean `s` seconds, no other limit.
fn station(name: &str, c: u32, s: f64, threads: u32) -> Service {
    let mut svc = Service::new(name, 1, c as f64 / s);
    svc.threads = threads;
    svc.latency = Span::from_secs_f64(s);
    svc.latency_dist = Some(Dist::Exponential { mean_s: s });
    svc.queue = u32::MAX;
    svc.timeout = Span(10 * 3_600_000);
    svc.load.timeout = Span(10 * 3_600_000);
    svc
}

fn mmc(c: u32, rho: f64, requests: f64, seed: u64) -> Model {
    let s = 0.1;
    let rate = rho * c as f64 / s;
    let mut m = Model::new("mmc", Span::from_secs_f64(requests / rate));
    m.mode = Mode::Requests;
    m.step = Span(60_000);
    m.seed = seed;
    m.add_service(station("server", c, s, c).with_load(rate));
    m
}

/// The response time exceeded with chance `p` in M/M/c, by bisection [s].
fn mmc_response_quantile(c: f64, s: f64, rate: f64, p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1000.0 * s);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if queueing::mmc_response_exceeds(c, s, rate, mid) > p { lo = mid } else { hi = mid }
    }
    (lo + hi) / 2.0
}

#[test]
fn mmc_mean_wait_and_tail_match_erlang_c() {
    for c in [1u32, 4, 16] {
        for rho in [0.5, 0.8, 0.95] {
            // Heavier load relaxes slowly: simulate more requests, and leave out a
            // warm-up. A run with the same seed and a shorter duration is a prefix
            // of the longer one, so the difference of their sums is the rest.
            let (warm, requests) = if rho > 0.9 { (10_000.0, 40_000.0) } else { (2_000.0, 10_000.0) };
            let (s, rate) = (0.1, rho * c as f64 / 0.1);
            let runs: Vec<RunResult> = (0..SEEDS).map(|k| run(&mmc(c, rho, warm + requests, k))).collect();
            let prefixes: Vec<RunResult> = (0..SEEDS).map(|k| run(&mmc(c, rho, warm, k))).collect();
            let waits: Vec<f64> = runs
                .iter()
                .zip(&prefixes)
                .map(|(r, prefix)| {
                    let sum = |r: &RunResult| r.services[0].latency.unwrap().mean_ms * r.services[0].totals.served;
                    let n = r.services[0].totals.served - prefix.services[0].totals.served;
                    (sum(r) - sum(prefix)) / n / 1000.0 - s
                })
                .collect();
            // P(W > t) at t, the median of a positive wait: Erlang C's C(c, a) / 2.
            let gamma = c as f64 / s - rate;
            let t = std::f64::consts::LN_2 / gamma;
            let over: Vec<f64> = runs
                .iter()
                .zip(&prefixes)
                .map(|(r, prefix)| {
                    let waits = |r: &RunResult| r.services[0].waits.clone().expect("waits are recorded");
                    let (all, warm) = (waits(r), waits(prefix));
                    let n_over = |w: &blastsim::engine::Waits| w.share_over(t) * w.count() as f64;
                    (n_over(&all) - n_over(&warm)) / (all.count() - warm.count()) as f64
                })
                .collect();
            let theory_over = queueing::erlang_c(c as f64, rate * s) * (-gamma * t).exp();
            let (p_over, half_over) = interval(&over);
            // The histogram resolves waits to 1%: P(W > t) moves by under 0.01 γ t P there.
            assert!(
                (p_over - theory_over).abs() <= half_over + 0.01 * theory_over,
                "c={c} rho={rho}: P(wait > {t:.3} s) {p_over:.4} ± {half_over:.4}, Erlang C {theory_over:.4}"
            );
            let p90s: Vec<f64> = runs.iter().map(|r| r.services[0].latency.unwrap().p90_ms / 1000.0).collect();
            let theory = queueing::wait(c as f64, s, rate, Variability::default());
            let (mean, half) = interval(&waits);
            assert!(
                (mean - theory.mean_s()).abs() <= half + 0.02 * s,
                "c={c} rho={rho}: mean wait {mean:.4} ± {half:.4} s, Erlang C {:.4} s",
                theory.mean_s()
            );
            // P(response > t90) = 0.1 in theory; the simulated 90th percentiles bracket t90.
            let t90 = mmc_response_quantile(c as f64, s, rate, 0.1);
            let (p90, half90) = interval(&p90s);
            // HdrHistogram resolves to 0.1%; allow that on top of the interval.
            assert!(
                (p90 - t90).abs() <= half90 + 0.002 * t90 + 0.02 * s,
                "c={c} rho={rho}: p90 {p90:.4} ± {half90:.4} s, theory {t90:.4} s"
            );
        }
    }
}

#[test]
fn the_fluid_closure_gives_the_same_erlang_c_wait() {
    // The fluid engine's late fraction for a caller whose timeout is t above
    // the service time is Erlang C's P(W > t), for the same M/M/c.
    use blastsim::mechanisms::sync_call::{Profile, attempt};
    for (c, rho) in [(1.0, 0.9), (4.0, 0.8), (16.0, 0.95)] {
        let (s, rate) = (0.1, rho * c / 0.1);
        let q = queueing::wait(c, s, rate, Variability::default());
        let p = Profile { hold_s: s, queueing: q, ..Profile::PERFECT };
        for t in [0.2, 0.5, 1.0] {
            let late = 1.0 - attempt(&p, t + s, false).success;
            let erlang = queueing::erlang_c(c, rate * s) * (-(c / s - rate) * t).exp();
            assert!((late - erlang).abs() < 1e-9, "c={c} rho={rho} t={t}: {late} vs {erlang}");
        }
    }
}

/// A tandem Jackson network: `a` (1 slot, 100 ms) calls `b` (2 slots, 250 ms),
/// which calls `c` (1 slot, 100 ms) for half its requests. Threads are
/// plentiful, so each node's processing slots form an M/M/c station.
fn jackson(seed: u64) -> Model {
    let mut m = Model::new("jackson", Span(4_000_000));
    m.mode = Mode::Requests;
    m.seed = seed;
    let mut a = station("a", 1, 0.1, 10_000).with_load(6.0);
    a.load.timeout = Span(10 * 3_600_000);
    let a = m.add_service(a);
    let b = m.add_service(station("b", 2, 0.25, 10_000));
    let c = m.add_service(station("c", 1, 0.1, 10_000));
    let ab = m.add_call(a, b);
    let bc = m.add_call(b, c);
    m.deps[ab.0].timeout = Span(10 * 3_600_000);
    m.deps[bc.0].timeout = Span(10 * 3_600_000);
    m.deps[bc.0].per_request = 0.5;
    m
}

fn sojourn(c: f64, s: f64, rate: f64) -> f64 {
    queueing::wait(c, s, rate, Variability::default()).mean_s() + s
}

#[test]
fn a_jackson_network_meets_the_product_form_and_littles_law() {
    let theory = sojourn(1.0, 0.1, 6.0) + sojourn(2.0, 0.25, 6.0) + 0.5 * sojourn(1.0, 0.1, 3.0);
    let runs: Vec<RunResult> = (0..SEEDS).map(|k| run(&jackson(k))).collect();
    let ends: Vec<f64> = runs.iter().map(|r| r.services[0].latency.unwrap().mean_ms / 1000.0).collect();
    let (mean, half) = interval(&ends);
    assert!((mean - theory).abs() <= half, "end to end {mean:.4} ± {half:.4} s, Jackson {theory:.4} s");
    // Little's law, L = λW, run by run: the requests in the network (threads held at `a`, which
    // takes one on arrival) against the arrival rate realised and the mean time in the network.
    // Sample path by sample path it holds up to the requests still in flight at the end.
    let mut rates = Vec::new();
    for (r, w) in runs.iter().zip(&ends) {
        let s = &r.services[0].samples;
        let in_system = s.iter().map(|x| x.threads_in_use).sum::<f64>() / s.len() as f64;
        let rate = r.services[0].totals.offered / 4000.0;
        assert!((in_system - rate * w).abs() <= 0.005 * in_system, "L = {in_system:.4}, λW = {:.4}", rate * w);
        rates.push(rate);
    }
    // And the arrivals are at the rate asked for.
    let (rate, half_rate) = interval(&rates);
    assert!((rate - 6.0).abs() <= half_rate, "arrivals {rate:.4} ± {half_rate:.4}/s");
}
