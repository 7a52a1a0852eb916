//! Queueing below saturation: the Erlang C waiting time of an M/M/c queue, and the Allen–Cunneen variability correction.
//!
//! The fluid engine has no random queue of its own: a service below its
//! capacity would answer at once. These closed forms give the wait a random
//! stream of requests meets, so callers' timeouts are missed before 100%
//! utilisation. The request engine needs none of this (its queues are real);
//! the validation tests compare it with these same formulas.

/// Coefficients of variation of inter-arrival and of service times.
///
/// `(1, 1)` is M/M/c (Poisson arrivals, exponential service), where the
/// formulas are exact; other values use the Allen–Cunneen approximation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variability {
    pub arrival_cv: f64,
    pub service_cv: f64,
}

impl Default for Variability {
    fn default() -> Self {
        Variability { arrival_cv: 1.0, service_cv: 1.0 }
    }
}

impl Variability {
    /// The Allen–Cunneen factor `(ca² + cs²) / 2` that scales the M/M/c wait.
    pub fn factor(&self) -> f64 {
        (self.arrival_cv * self.arrival_cv + self.service_cv * self.service_cv) / 2.0
    }
}

/// The waiting time in queue of a stationary multi-server queue.
///
/// `P(W > t) = p_wait * exp(-t / cond_mean_s)`: a request waits at all with
/// chance `p_wait`, and then an exponential time of mean `cond_mean_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wait {
    /// Chance an arriving request finds every server busy.
    pub p_wait: f64,
    /// Mean wait of those that wait [s].
    pub cond_mean_s: f64,
}

impl Wait {
    /// No queueing at all.
    pub const NONE: Wait = Wait { p_wait: 0.0, cond_mean_s: 0.0 };

    /// The same queue seen by a class whose mean wait is `factor` times the whole's.
    pub fn scaled(&self, factor: f64) -> Wait {
        Wait { cond_mean_s: self.cond_mean_s * factor, ..*self }
    }

    /// Mean wait over all requests [s].
    pub fn mean_s(&self) -> f64 {
        self.p_wait * self.cond_mean_s
    }

    /// Chance a request waits at most `t_s` seconds: `1 - exceeds(t_s)`,
    /// bit for bit. Where the tail's exponent is below [`INVISIBLE_TAIL`]
    /// the tail is under half an ulp of 1, so the difference rounds to 1
    /// and neither the exponential nor `p_wait` is read (it may be left
    /// unevaluated, NaN: [`wait_if`]).
    pub fn within(&self, t_s: f64) -> f64 {
        if tail_invisible(self.cond_mean_s, t_s) {
            return 1.0;
        }
        1.0 - self.exceeds(t_s)
    }

    /// Chance a request waits longer than `t_s` seconds.
    pub fn exceeds(&self, t_s: f64) -> f64 {
        if self.p_wait <= 0.0 {
            0.0
        } else if t_s <= 0.0 {
            self.p_wait
        } else if self.cond_mean_s <= 0.0 {
            0.0
        } else {
            self.p_wait * (-t_s / self.cond_mean_s).exp()
        }
    }
}

/// The tail past `t_s` of an exponential wait of mean `cond_mean_s` is
/// under half an ulp of 1: [`Wait::within`] is then 1 whatever the chance of
/// waiting (in 0..=1), which need not be known.
pub fn tail_invisible(cond_mean_s: f64, t_s: f64) -> bool {
    t_s > 0.0 && cond_mean_s > 0.0 && -t_s / cond_mean_s < INVISIBLE_TAIL
}

/// An exponent under which `p exp(x)` (with `p <= 1`) is below 2^-54, half
/// an ulp of 1: `exp(-37.5)` is 5.2e-17, 2^-54 is 5.55e-17. Subtracted
/// from 1 such a tail rounds to 1 exactly.
pub const INVISIBLE_TAIL: f64 = -37.5;

/// The utilisation at which the fluid engine's random wait stops growing:
/// nearer saturation a queue's backlog is what callers wait on. The M/M/c
/// mean wait there is fifty service times over the server count.
pub const SATURATION: f64 = 0.98;

/// Servers above which [`erlang_c`] uses the Halfin–Whitt approximation
/// instead of the exact recurrence (which costs one step per server).
pub const EXACT_UP_TO: f64 = 256.0;

/// Erlang C: the chance an arrival waits in an M/M/c queue with `servers`
/// servers and `load` Erlangs offered (`load = arrival rate x mean service time`).
///
/// Exact by the Erlang B recurrence up to [`EXACT_UP_TO`] servers (fractional
/// server counts interpolate between the neighbours); above, the Halfin–Whitt
/// limit `1 / (1 + β Φ(β) / φ(β))` with `β = (c - a) / √c`; under one
/// server, one slower server (M/M/1). 1 at or over saturation.
///
/// The recurrence costs one step per server, so the last results are
/// remembered (per thread): identical fleets, and a service solved again at
/// the same load, get theirs without it.
pub fn erlang_c(servers: f64, load: f64) -> f64 {
    if load <= 0.0 || servers <= 0.0 {
        return if load > 0.0 { 1.0 } else { 0.0 };
    }
    if load >= servers {
        return 1.0;
    }
    if servers > EXACT_UP_TO {
        let beta = (servers - load) / servers.sqrt();
        return 1.0 / (1.0 + beta * normal_cdf(beta) / normal_pdf(beta));
    }
    if servers < 1.0 {
        // Less than one server: one server that slow, an M/M/1 at utilisation `load / servers`.
        return load / servers;
    }
    memo::recall(servers, load, exact)
}

/// The Erlang B recurrence's answer for `1 <= servers <= EXACT_UP_TO`, `load < servers`.
fn exact(servers: f64, load: f64) -> f64 {
    let lo = servers.floor();
    let frac = servers - lo;
    if frac <= 0.0 {
        return erlang_c_int(lo as u32, load);
    }
    // One more step of the recurrence gives the next server count.
    let (c_lo, b) = erlang_c_and_b(lo as u32, load);
    let k = lo as u32 + 1;
    let b_hi = load * b / (k as f64 + load * b);
    let rho_hi = load / k as f64;
    let c_hi = if rho_hi >= 1.0 { 1.0 } else { b_hi / (1.0 - rho_hi * (1.0 - b_hi)) };
    c_lo + frac * (c_hi - c_lo)
}

/// Erlang C with `c` servers and the Erlang B value the recurrence reached.
///
/// The recurrence runs on `1 / B`: `1/B(k) = 1 + (k / a) / B(k-1)`, a multiply
/// and an add per server where `B(k) = a B / (k + a B)` needs a division.
/// Once `1 / B` is infinite it stays so, and `B` is 0.
fn erlang_c_and_b(c: u32, load: f64) -> (f64, f64) {
    let per_load = 1.0 / load;
    let inv_b = if c < SPLIT_FROM { inv_b_serial(c, per_load) } else { inv_b_split(c, per_load) };
    let rho = load / c as f64;
    let b = 1.0 / inv_b;
    if rho >= 1.0 {
        return (1.0, b);
    }
    // B / (1 - ρ (1 - B)) with B = 1 / inv_b.
    (1.0 / (inv_b * (1.0 - rho) + rho), b)
}

/// Server counts from which [`inv_b_split`] runs the recurrence in four pieces at once.
const SPLIT_FROM: u32 = 32;

/// `1 / B(c)` step by step: each step waits on the one before, so its cost
/// is the chain's latency.
fn inv_b_serial(c: u32, per_load: f64) -> f64 {
    let mut inv_b = 1.0;
    // `k` as a float counted up: exact for any server count.
    let mut k = 0.0;
    for _ in 0..c {
        k += 1.0;
        inv_b = 1.0 + inv_b * (k * per_load);
        if inv_b == f64::INFINITY {
            break;
        }
    }
    inv_b
}

/// `1 / B(c)` in four independent chains, about four times as fast as
/// [`inv_b_serial`] on a processor that overlaps them.
///
/// The recurrence is affine in its starting value: over servers `lo+1..=hi`
/// it maps `x` to `α + β x`, where `α` is the recurrence started from 0 and
/// `β` the product of the steps' factors `k / a`. The servers are cut into
/// four runs: the first runs the recurrence itself, the other three their
/// `α` and `β`, and the four are joined at the end. Every term is positive
/// (no cancellation), so the result's relative error stays of the order of
/// `c` roundings, as the serial one's; the last digits differ.
fn inv_b_split(c: u32, per_load: f64) -> f64 {
    let q = c / 4;
    let mut first = 1.0;
    let (mut a1, mut a2, mut a3) = (0.0, 0.0, 0.0);
    let (mut b1, mut b2, mut b3) = (1.0f64, 1.0f64, 1.0f64);
    let (mut k0, mut k1, mut k2, mut k3) = (0.0, q as f64, (2 * q) as f64, (3 * q) as f64);
    for _ in 0..q {
        k0 += 1.0;
        k1 += 1.0;
        k2 += 1.0;
        k3 += 1.0;
        let (m0, m1, m2, m3) = (k0 * per_load, k1 * per_load, k2 * per_load, k3 * per_load);
        first = 1.0 + first * m0;
        a1 = 1.0 + a1 * m1;
        b1 *= m1;
        a2 = 1.0 + a2 * m2;
        b2 *= m2;
        a3 = 1.0 + a3 * m3;
        b3 *= m3;
    }
    // The last run takes the servers left over.
    for _ in 4 * q..c {
        k3 += 1.0;
        let m3 = k3 * per_load;
        a3 = 1.0 + a3 * m3;
        b3 *= m3;
    }
    // Infinite once it passes f64's range, as the serial one; never NaN: a
    // factor `β` vanishes only where every earlier step is below 1 and the
    // value it multiplies is finite.
    a3 + b3 * (a2 + b2 * (a1 + b1 * first))
}

fn erlang_c_int(c: u32, load: f64) -> f64 {
    erlang_c_and_b(c, load).0
}

mod memo {
    //! The last Erlang C results, per thread, by their exact arguments.

    use std::cell::Cell;

    /// Remembered results; a power of two.
    const SLOTS: usize = 64;

    thread_local! {
        static LAST: [Cell<(u64, u64, f64)>; SLOTS] = const { [const { Cell::new((0, 0, 0.0)) }; SLOTS] };
    }

    /// `compute(servers, load)`, or the result it gave for these exact arguments
    /// if it is still remembered. `servers` is never 0, so no slot matches before it is filled.
    pub(super) fn recall(servers: f64, load: f64, compute: fn(f64, f64) -> f64) -> f64 {
        let (s, l) = (servers.to_bits(), load.to_bits());
        let mixed = (s ^ l.rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let slot = (mixed >> 58) as usize & (SLOTS - 1);
        LAST.with(|last| {
            let (ks, kl, c) = last[slot].get();
            if (ks, kl) == (s, l) {
                return c;
            }
            let c = compute(servers, load);
            last[slot].set((s, l, c));
            c
        })
    }
}

/// The wait in a queue of `servers` servers, each holding a request for a
/// mean `service_s` seconds, offered `arrivals` [req/s], with the variability `v`.
///
/// M/M/c: `P(wait) = C(c, a)`, mean wait `C / (c/S - λ)`, exponential tail.
/// Otherwise the Allen–Cunneen approximation scales the mean wait by
/// `(ca² + cs²) / 2` and keeps the tail exponential. At or over saturation
/// every request waits without bound (the backlog then rules, not this).
pub fn wait(servers: f64, service_s: f64, arrivals: f64, v: Variability) -> Wait {
    wait_if(servers, service_s, arrivals, v, |_| true)
}

/// As [`wait`], but below saturation the chance of waiting (an Erlang C, a
/// step per server) is evaluated only if `needed(cond_mean_s)` says it will
/// be read; otherwise it is NaN.
pub fn wait_if(servers: f64, service_s: f64, arrivals: f64, v: Variability, needed: impl FnOnce(f64) -> bool) -> Wait {
    wait_deferred(servers, service_s, arrivals, v, needed).0
}

/// As [`wait_if`], with the arguments `(servers, load)` of the Erlang C left
/// unevaluated, if it was: `erlang_c(servers, load)` is the chance of waiting
/// the NaN stands for.
pub fn wait_deferred(
    servers: f64,
    service_s: f64,
    arrivals: f64,
    v: Variability,
    needed: impl FnOnce(f64) -> bool,
) -> (Wait, Option<(f64, f64)>) {
    if arrivals <= 0.0 || service_s <= 0.0 || servers <= 0.0 {
        return (Wait::NONE, None);
    }
    let load = arrivals * service_s;
    if load >= servers {
        return (Wait { p_wait: 1.0, cond_mean_s: f64::INFINITY }, None);
    }
    let cond_mean_s = service_s / (servers - load) * v.factor();
    if needed(cond_mean_s) {
        (Wait { p_wait: erlang_c(servers, load), cond_mean_s }, None)
    } else {
        (Wait { p_wait: f64::NAN, cond_mean_s }, Some((servers, load)))
    }
}

/// M/M/c: the chance a request's response time (wait plus exponential service
/// of mean `service_s`) exceeds `t_s`, with `servers` servers offered `arrivals` [req/s].
///
/// The wait is 0 with chance `1 - C` and else exponential at rate
/// `θ = c/S - λ`; the sum with an exponential service at rate `μ = 1/S` has
/// the hypoexponential tail `(θ e^{-μt} - μ e^{-θt}) / (θ - μ)`.
pub fn mmc_response_exceeds(servers: f64, service_s: f64, arrivals: f64, t_s: f64) -> f64 {
    let mu = 1.0 / service_s;
    let w = wait(servers, service_s, arrivals, Variability::default());
    if w.p_wait >= 1.0 && w.cond_mean_s.is_infinite() {
        return 1.0;
    }
    let no_wait = (-mu * t_s).exp();
    if w.p_wait <= 0.0 {
        return no_wait;
    }
    let theta = 1.0 / w.cond_mean_s;
    let both = if (theta - mu).abs() < 1e-9 * mu {
        (1.0 + mu * t_s) * (-mu * t_s).exp()
    } else {
        (theta * (-mu * t_s).exp() - mu * (-theta * t_s).exp()) / (theta - mu)
    };
    (1.0 - w.p_wait) * no_wait + w.p_wait * both
}

fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal distribution function (Abramowitz–Stegun 7.1.26 on erf, error < 1.5e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn one_server_waits_with_chance_rho() {
        // M/M/1: P(wait) = ρ, Wq = ρ S / (1 - ρ).
        for rho in [0.5, 0.8, 0.95] {
            assert!(close(erlang_c(1.0, rho), rho, 1e-12));
            let w = wait(1.0, 0.1, rho / 0.1, Variability::default());
            assert!(close(w.mean_s(), rho * 0.1 / (1.0 - rho), 1e-12));
        }
    }

    #[test]
    fn erlang_c_matches_published_values() {
        // Tabulated Erlang C: c = 2, a = 1 gives 1/3; c = 10, a = 8 gives 0.4092.
        assert!(close(erlang_c(2.0, 1.0), 1.0 / 3.0, 1e-12));
        assert!(close(erlang_c(10.0, 8.0), 0.4092, 5e-4));
        // c = 4, ρ = 0.8: a = 3.2, C = 0.5964.
        assert!(close(erlang_c(4.0, 3.2), 0.5964, 5e-4));
    }

    #[test]
    fn under_one_server_is_one_slower_server() {
        // A tenth of a server offered 0.098 Erlangs is 98% busy: M/M/1 at 0.98.
        assert!(close(erlang_c(0.1, 0.098), 0.98, 1e-12));
        // It joins the one-server value without a jump.
        assert!(close(erlang_c(1.0 - 1e-12, 0.5), erlang_c(1.0, 0.5), 1e-9));
    }

    #[test]
    fn the_issue_example_waits_five_service_times_more_than_half_the_time() {
        // M/M/1 at 90%: P(W > 5 S) = 0.9 exp(-0.5) = 0.546.
        let w = wait(1.0, 0.1, 9.0, Variability::default());
        assert!(close(w.exceeds(0.5), 0.9 * (-0.5f64).exp(), 1e-12));
    }

    #[test]
    fn halfin_whitt_joins_the_exact_recurrence() {
        // Around the switch the two agree within a few percent.
        let (c, a) = (EXACT_UP_TO, EXACT_UP_TO * 0.95);
        let exact = erlang_c_int(c as u32, a);
        let approx = {
            let beta = (c - a) / c.sqrt();
            1.0 / (1.0 + beta * normal_cdf(beta) / normal_pdf(beta))
        };
        assert!((exact - approx).abs() / exact < 0.1, "{exact} vs {approx}");
        assert!(erlang_c(10_000.0, 9_000.0) < 1e-6);
    }

    #[test]
    fn remembered_results_are_the_recurrences() {
        // Enough arguments to reuse every slot, each asked twice, in two orders.
        let args: Vec<(f64, f64)> =
            (0..300).map(|i| (2.0 + (i % 97) as f64 * 1.37, 0.5 + (i % 89) as f64 * 1.1)).collect();
        for pass in 0..2 {
            for &(c, a) in if pass == 0 { args.iter().collect::<Vec<_>>() } else { args.iter().rev().collect() } {
                let fresh = if a >= c { 1.0 } else { exact(c, a) };
                assert_eq!(erlang_c(c, a).to_bits(), fresh.to_bits(), "c = {c}, a = {a}");
            }
        }
    }

    #[test]
    fn the_recurrence_in_four_pieces_agrees_with_the_serial_one() {
        for c in [32, 33, 57, 130, 199, 256] {
            for rho in [0.01, 0.2, 0.5, 0.8, 0.95, 0.999] {
                let pl = 1.0 / (rho * c as f64);
                let (serial, split) = (inv_b_serial(c, pl), inv_b_split(c, pl));
                if serial.is_infinite() {
                    assert_eq!(split, f64::INFINITY, "c = {c}, ρ = {rho}");
                } else {
                    assert!((serial - split).abs() <= 1e-13 * serial, "c = {c}, ρ = {rho}: {serial} vs {split}");
                }
            }
        }
        // Past f64's range both are infinite.
        assert_eq!(inv_b_split(250, 1e3), f64::INFINITY);
    }

    #[test]
    fn a_recurrence_that_overflows_gives_no_wait() {
        // 1/B passes f64's range long before 250 servers at a tiny load: C is 0, as the full recurrence gives.
        assert_eq!(erlang_c_int(250, 1e-3), 0.0);
        assert_eq!(erlang_c(250.5, 1e-3), 0.0);
    }

    #[test]
    fn within_is_one_minus_exceeds_bit_for_bit() {
        for p_wait in [1e-300, 1e-20, 0.3, 1.0] {
            for cond_mean_s in [1e-4, 0.01, 0.0266, 0.05, 1.0, f64::INFINITY] {
                let w = Wait { p_wait, cond_mean_s };
                for t_s in [-1.0, 0.0, 1e-3, 0.37, 0.99, 1.0, 1.33, 2.0, 10.0, 1e6] {
                    assert_eq!(w.within(t_s).to_bits(), (1.0 - w.exceeds(t_s)).to_bits(), "{w:?} at {t_s}");
                }
            }
        }
        // At the edge: the largest tail skipped still rounds away.
        let w = Wait { p_wait: 1.0, cond_mean_s: 1.0 };
        assert_eq!(1.0 - w.exceeds(37.5 + 1e-9), 1.0);
        assert!(1.0 - w.exceeds(36.0) < 1.0);
    }

    #[test]
    fn an_invisible_tail_reads_no_chance_of_waiting() {
        for cond_mean_s in [1e-4, 0.0137, 0.5, 3.0] {
            for t_s in [-1.0, 0.0, 0.01, 0.5, 0.99, 5.0, 30.0, 1e6] {
                let skip = tail_invisible(cond_mean_s, t_s);
                for p_wait in [0.0, 1e-300, 0.3, 1.0] {
                    let within = Wait { p_wait, cond_mean_s }.within(t_s);
                    assert!(!skip || within.to_bits() == 1f64.to_bits(), "{p_wait} {cond_mean_s} at {t_s}");
                }
            }
        }
        // Left unevaluated, the chance is NaN; the mean is the same.
        let (full, lazy) = (
            wait(57.6, 0.05, 900.0, Variability::default()),
            wait_if(57.6, 0.05, 900.0, Variability::default(), |_| false),
        );
        assert!(full.p_wait > 0.0 && lazy.p_wait.is_nan());
        assert_eq!(full.cond_mean_s.to_bits(), lazy.cond_mean_s.to_bits());
        // What it stands for is the Erlang C of the arguments left over.
        let (deferred, args) = wait_deferred(57.6, 0.05, 900.0, Variability::default(), |_| false);
        let (servers, load) = args.expect("left unevaluated");
        assert_eq!(erlang_c(servers, load).to_bits(), full.p_wait.to_bits());
        assert_eq!(deferred.cond_mean_s.to_bits(), full.cond_mean_s.to_bits());
        assert_eq!(wait_deferred(57.6, 0.05, 900.0, Variability::default(), |_| true), (full, None));
    }

    #[test]
    fn saturation_and_idleness() {
        assert_eq!(erlang_c(4.0, 4.0), 1.0);
        assert_eq!(wait(4.0, 0.1, 0.0, Variability::default()), Wait::NONE);
        assert!(wait(1.0, 0.1, 20.0, Variability::default()).mean_s().is_infinite());
        assert_eq!(Wait::NONE.exceeds(1.0), 0.0);
    }

    #[test]
    fn less_variability_waits_less() {
        let mm1 = wait(1.0, 0.1, 8.0, Variability::default());
        let md1 = wait(1.0, 0.1, 8.0, Variability { arrival_cv: 1.0, service_cv: 0.0 });
        // M/D/1 waits half as long as M/M/1 (Pollaczek–Khinchine), exactly.
        assert!(close(md1.mean_s(), mm1.mean_s() / 2.0, 1e-12));
        assert!(md1.exceeds(0.5) < mm1.exceeds(0.5));
    }

    #[test]
    fn one_server_response_is_exponential_at_mu_minus_lambda() {
        // M/M/1: the response time is exponential with rate μ - λ.
        for t in [0.05, 0.3, 1.0] {
            let p = mmc_response_exceeds(1.0, 0.1, 8.0, t);
            assert!(close(p, (-(10.0 - 8.0) * t).exp(), 1e-9), "{t}: {p}");
        }
        assert!(close(mmc_response_exceeds(4.0, 0.1, 0.0, 0.1), (-1.0f64).exp(), 1e-12));
    }

    #[test]
    fn normal_cdf_is_accurate() {
        assert!(close(normal_cdf(0.0), 0.5, 1e-7));
        assert!(close(normal_cdf(1.96), 0.975, 1e-4));
        assert!(close(normal_cdf(-1.0), 0.158_655, 1e-6));
    }
}
