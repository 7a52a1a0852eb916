//! Unit tests of the AWS SDK retry modes in requests mode: the quota ends a storm, the adaptive limiter slows sends to what the callee takes.

use crate::engine::RunResult;
use crate::engine::requests::run;
use crate::model::{Mode, Model, Retries, RetryMode, Service};
use crate::time::Span;

/// A writer at 150 req/s whose calls go to a table that takes 100/s and
/// throttles the rest at once (no thread beyond its slots, no queue);
/// throttled calls are retried at once, 5 times.
fn throttled_writes(mode: RetryMode) -> Model {
    let mut m = Model::new("writes", Span(60_000));
    m.mode = Mode::Requests;
    let mut w = Service::new("writer", 1, 1e6).with_load(150.0);
    w.threads = 20_000;
    w.latency = Span(1);
    let writer = m.add_service(w);
    let mut t = Service::new("table", 2, 50.0);
    t.latency = Span(100);
    t.queue = 0;
    t.threads = 5;
    let table = m.add_service(t);
    let d = m.add_call(writer, table);
    m.deps[d.0].retries = Retries { max: 5, mode, ..Retries::none() };
    m
}

/// Share of the table's attempts it throttled.
fn throttled(r: &RunResult) -> f64 {
    let t = r.services[1].totals;
    t.failed / t.offered
}

fn attempts_per_write(r: &RunResult) -> f64 {
    r.services[1].totals.offered / r.services[0].totals.offered
}

#[test]
fn without_a_quota_throttled_writes_are_retried_every_time() {
    let r = run(&throttled_writes(RetryMode::Legacy)).unwrap();
    assert!(attempts_per_write(&r) > 2.5, "{}", attempts_per_write(&r));
    assert!(throttled(&r) > 0.7, "{}", throttled(&r));
}

#[test]
fn the_standard_quota_drains_and_the_storm_stops() {
    let legacy = run(&throttled_writes(RetryMode::Legacy)).unwrap();
    let r = run(&throttled_writes(RetryMode::Standard)).unwrap();
    // 500 tokens pay for 100 retries; then only refunds (1 per first-attempt success) pay.
    let per_write = attempts_per_write(&r);
    assert!(per_write < 1.3, "{per_write}");
    assert!(throttled(&r) < 0.7 * throttled(&legacy), "{} vs {}", throttled(&r), throttled(&legacy));
    let last = r.services[1].samples.last().unwrap();
    assert!(last.offered < 200.0, "the table sees about the first attempts: {last:?}");
    let last = legacy.services[1].samples.last().unwrap();
    assert!(last.offered > 350.0, "without the quota the storm goes on: {last:?}");
}

#[test]
fn the_adaptive_limiter_slows_sends_to_what_the_table_takes() {
    let standard = run(&throttled_writes(RetryMode::Standard)).unwrap();
    let r = run(&throttled_writes(RetryMode::Adaptive)).unwrap();
    assert!(throttled(&r) < 0.05, "{} vs {} in standard mode", throttled(&r), throttled(&standard));
    let s = &r.services[1].samples;
    let late = s[s.len() - 1].offered;
    assert!((80.0..=105.0).contains(&late), "sends grow back to near the table's 100/s: {late}");
    let w = r.services[0].totals;
    assert!(w.failed < 0.001 * w.offered, "writes wait for a send token instead of failing: {w:?}");
}

#[test]
fn retry_modes_are_deterministic_for_a_seed() {
    let m = throttled_writes(RetryMode::Adaptive);
    assert_eq!(run(&m).unwrap(), run(&m).unwrap());
}

#[test]
fn the_fluid_engine_agrees_on_the_quota_and_on_the_order_of_the_modes() {
    let both = |mode| {
        let m = throttled_writes(mode);
        let requests = run(&m).unwrap();
        let fluid = crate::engine::run(&Model { mode: Mode::Fluid, ..m }).unwrap();
        (requests, fluid)
    };
    let (legacy, standard, adaptive) = (both(RetryMode::Legacy), both(RetryMode::Standard), both(RetryMode::Adaptive));
    for (name, r) in [("requests", 0), ("fluid", 1)] {
        let pick = |p: &(RunResult, RunResult)| if r == 0 { p.0.clone() } else { p.1.clone() };
        let (l, s, a) = (pick(&legacy), pick(&standard), pick(&adaptive));
        assert!(attempts_per_write(&l) > 2.5, "{name}: {}", attempts_per_write(&l));
        assert!((1.0..1.3).contains(&attempts_per_write(&s)), "{name}: {}", attempts_per_write(&s));
        assert!(throttled(&s) < throttled(&l) && throttled(&a) < throttled(&s), "{name}");
    }
}
