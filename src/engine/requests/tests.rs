//! Unit tests of the request engine on small hand-built models.

use super::run;
use crate::model::dist::Dist;
use crate::model::{ActionKind, Amount, Mode, Model, Service};
use crate::time::{SimTime, Span};

fn mm1(rate: f64, seconds: u64) -> Model {
    let mut m = Model::new("mm1", Span(seconds * 1000));
    m.mode = Mode::Requests;
    let mut s = Service::new("server", 1, 10.0).with_load(rate);
    s.threads = 1;
    s.latency = Span(100);
    s.latency_dist = Some(Dist::Exponential { mean_s: 0.1 });
    s.queue = 1_000_000;
    s.timeout = Span(3_600_000);
    s.load.timeout = Span(3_600_000);
    m.add_service(s);
    m
}

#[test]
fn a_stable_queue_serves_what_arrives() {
    let r = run(&mm1(5.0, 2000)).unwrap();
    let t = r.services[0].totals;
    assert!((t.offered - 10_000.0).abs() < 400.0, "{t:?}");
    assert_eq!(t.offered, t.served + t.failed + t.queued);
    assert_eq!(t.failed, 0.0);
    // M/M/1 at 50%: mean response 0.2 s.
    let l = r.services[0].latency.unwrap();
    assert!((l.mean_ms - 200.0).abs() < 30.0, "{l:?}");
    assert!(r.services[0].samples.iter().all(|s| s.p50_ms.is_some()));
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let a = run(&mm1(8.0, 500)).unwrap();
    let b = run(&mm1(8.0, 500)).unwrap();
    assert_eq!(a, b);
    let mut other = mm1(8.0, 500);
    other.seed = 1;
    assert_ne!(run(&other).unwrap(), a);
}

#[test]
fn a_crash_fails_the_requests_in_flight_and_those_sent_after() {
    let mut m = mm1(8.0, 200);
    m.schedule(
        SimTime(100_000),
        ActionKind::Crash { service: crate::model::ServiceId(0), amount: Amount::All },
        "crash",
    );
    let r = run(&m).unwrap();
    let s = &r.services[0];
    assert!(s.totals.failed > 700.0, "{:?}", s.totals);
    assert_eq!(s.samples.last().unwrap().availability, 0.0);
    assert_eq!(s.samples[5].availability, 1.0);
}

#[test]
fn a_run_too_large_is_refused_with_its_estimate() {
    let m = mm1(1e6, 3600);
    let e = run(&m).unwrap_err().to_string();
    assert!(e.contains("3.600e9") && e.contains("fluid"), "{e}");
}

#[test]
fn a_saturated_service_serves_its_capacity_even_with_fractional_slots() {
    // 100 req/s of 10 ms work is one processing slot; lose a share of it and the
    // one slot works slower, so the instance still serves exactly what is left.
    for (capacity, lost) in [(100.0, 0.0), (100.0, 0.5), (100.0, 0.75), (250.0, 0.0), (250.0, 0.3)] {
        let mut m = Model::new("saturated", Span(200_000));
        m.mode = Mode::Requests;
        let mut s = Service::new("server", 1, capacity).with_load(2.0 * capacity);
        s.threads = 50;
        s.latency = Span(10);
        s.queue = 100;
        let server = m.add_service(s);
        m.schedule(SimTime(0), ActionKind::LoseCapacity { service: server, fraction: lost, duration: None }, "lose");
        let r = run(&m).unwrap();
        let served = r.services[0].totals.served / 200.0;
        let left = capacity * (1.0 - lost);
        assert!((served - left).abs() <= 0.01 * left, "{capacity}/s losing {lost}: served {served}/s");
    }
}

#[test]
fn rounding_to_microseconds_matches_the_library_round() {
    let edges = [
        0.0,
        -0.0,
        0.5,
        0.49999999999999994,
        1.5,
        2.5,
        -0.4,
        -0.6,
        4503599627370495.5,
        4503599627370497.0,
        9007199254740993.0,
        1.8446744073709552e19,
        1e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
    ];
    for x in edges {
        assert_eq!(super::round_u64(x), x.round() as u64, "{x:e}");
        assert_eq!(super::us_of_secs(x), (x * 1e6).round() as u64, "{x:e}");
        assert_eq!(super::us_of_secs(x / 1e6), (x / 1e6 * 1e6).round() as u64, "{x:e}");
    }
    let mut rng = <rand::rngs::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
    for _ in 0..200_000 {
        let x = f64::from_bits(rand::Rng::next_u64(&mut rng));
        assert_eq!(super::round_u64(x), x.round() as u64, "{x:e}");
        let scaled = rand::RngExt::random::<f64>(&mut rng) * 1e7;
        assert_eq!(super::round_u64(scaled), scaled.round() as u64, "{scaled:e}");
        let secs = rand::RngExt::random::<f64>(&mut rng) * 10.0;
        assert_eq!(super::us_of_secs(secs), (secs * 1e6).round() as u64, "{secs:e}");
        assert_eq!(super::us_of_secs(x), (x * 1e6).round() as u64, "{x:e}");
    }
}

mod actions;
mod retry_modes;
