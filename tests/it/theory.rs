//! Checks against theory: saturation, multiplied availabilities of independent
//! dependencies, and Little's law, on models built with the Rust API.

use blastsim::engine::{RunResult, Sample};
use blastsim::model::{ActionKind, Model, Service, ServiceId};
use blastsim::time::{SimTime, Span};

const HOUR: Span = Span(3_600_000);

fn run(model: &Model) -> RunResult {
    blastsim::simulate(model, None).expect("the run completes").0
}

/// The samples of `service` in the second half of the run (steady state).
fn steady(result: &RunResult, service: ServiceId) -> Vec<Sample> {
    let samples = &result.services[service.0].samples;
    samples.iter().skip(samples.len() / 2).copied().collect()
}

fn assert_close(found: f64, expected: f64, what: &str) {
    let tolerance = 1e-9 * expected.abs().max(1.0);
    assert!((found - expected).abs() <= tolerance, "{what}: found {found}, expected {expected}");
}

#[test]
fn a_saturated_service_serves_exactly_its_capacity() {
    // 4 instances of 250/s = 1000/s offered 1500/s; no queue, so the excess fails at once.
    let mut m = Model::new("saturated", HOUR);
    let mut s = Service::new("svc", 4, 250.0).with_load(1500.0);
    s.queue = 0;
    let svc = m.add_service(s);
    let result = run(&m);
    for s in steady(&result, svc) {
        assert_close(s.offered, 1500.0, "offered");
        assert_close(s.served, 1000.0, "served");
        assert_close(s.failed, 500.0, "failed");
        assert_close(s.availability, 1000.0 / 1500.0, "availability");
    }
}

#[test]
fn a_saturated_service_with_a_queue_still_serves_its_capacity() {
    // With the default queue (1000 per instance) the queue fills, then the excess is dropped.
    let mut m = Model::new("saturated-queue", HOUR);
    let svc = m.add_service(Service::new("svc", 4, 250.0).with_load(1500.0));
    let result = run(&m);
    for s in steady(&result, svc) {
        assert_close(s.served, 1000.0, "served");
        assert_close(s.queue, 4000.0, "queue at its limit");
    }
}

#[test]
fn below_capacity_everything_is_served() {
    let mut m = Model::new("headroom", HOUR);
    let svc = m.add_service(Service::new("svc", 4, 250.0).with_load(900.0));
    let result = run(&m);
    for s in &result.services[svc.0].samples {
        assert_close(s.served, 900.0, "served");
        assert_eq!(s.failed, 0.0);
        assert_eq!(s.availability, 1.0);
    }
}

#[test]
fn independent_sync_dependencies_multiply_availability() {
    // The caller needs both callees: 0.9 * 0.8 = 0.72.
    let mut m = Model::new("multiply", HOUR);
    let caller = m.add_service(Service::new("caller", 4, 1000.0).with_load(500.0));
    let b = m.add_service(Service::new("b", 4, 1000.0));
    let c = m.add_service(Service::new("c", 4, 1000.0));
    m.add_call(caller, b);
    m.add_call(caller, c);
    for (service, rate) in [(b, 0.1), (c, 0.2)] {
        m.schedule(SimTime(60_000), ActionKind::InjectErrors { service, rate, duration: None }, "errors");
    }
    let result = run(&m);
    for s in steady(&result, b) {
        assert_close(s.availability, 0.9, "b");
    }
    for s in steady(&result, c) {
        assert_close(s.availability, 0.8, "c");
    }
    for s in steady(&result, caller) {
        assert_close(s.availability, 0.72, "caller");
        assert_close(s.served, 500.0 * 0.72, "caller served");
    }
}

#[test]
fn several_calls_per_request_raise_availability_to_that_power() {
    // Two calls per request to a callee failing 10%: 0.9^2 = 0.81.
    let mut m = Model::new("power", HOUR);
    let caller = m.add_service(Service::new("caller", 4, 1000.0).with_load(200.0));
    let callee = m.add_service(Service::new("callee", 4, 1000.0));
    let d = m.add_call(caller, callee);
    m.deps[d.0].per_request = 2.0;
    m.schedule(SimTime(60_000), ActionKind::InjectErrors { service: callee, rate: 0.1, duration: None }, "errors");
    let result = run(&m);
    for s in steady(&result, caller) {
        assert_close(s.availability, 0.81, "caller");
    }
    for s in steady(&result, callee) {
        assert_close(s.offered, 400.0, "callee offered");
    }
}

#[test]
fn a_fallback_hides_the_callee_failures() {
    let mut m = Model::new("fallback", HOUR);
    let caller = m.add_service(Service::new("caller", 4, 1000.0).with_load(200.0));
    let callee = m.add_service(Service::new("callee", 4, 1000.0));
    let d = m.add_call(caller, callee);
    m.deps[d.0].fallback = true;
    m.schedule(SimTime(60_000), ActionKind::InjectErrors { service: callee, rate: 0.5, duration: None }, "errors");
    let result = run(&m);
    for s in steady(&result, caller) {
        assert_close(s.availability, 1.0, "caller");
    }
}

#[test]
fn littles_law_threads_in_use_is_rate_times_hold_time() {
    // front holds a thread for its own 20 ms plus two calls to back of 30 ms
    // each: 80 ms at 100/s = 8 threads; back holds 30 ms at 200/s = 6 threads.
    let mut m = Model::new("little", HOUR);
    let mut f = Service::new("front", 2, 1000.0).with_load(100.0);
    f.latency = Span(20);
    let front = m.add_service(f);
    let mut b = Service::new("back", 2, 1000.0);
    b.latency = Span(30);
    let back = m.add_service(b);
    let d = m.add_call(front, back);
    m.deps[d.0].per_request = 2.0;
    let result = run(&m);
    for s in &result.services[front.0].samples {
        assert_eq!(s.queue, 0.0);
        assert_close(s.served, 100.0, "front served");
        assert_close(s.threads_in_use, 100.0 * 0.080, "front threads");
    }
    for s in &result.services[back.0].samples {
        assert_close(s.served, 200.0, "back served");
        assert_close(s.threads_in_use, 200.0 * 0.030, "back threads");
    }
}

#[test]
fn injected_latency_holds_threads_longer() {
    // Little's law again after +500 ms: 100/s * 0.51 s = 51 threads.
    let mut m = Model::new("little-latency", HOUR);
    let svc = m.add_service(Service::new("svc", 2, 1000.0).with_load(100.0));
    m.schedule(SimTime(60_000), ActionKind::InjectLatency { service: svc, latency: Span(500), duration: None }, "slow");
    let result = run(&m);
    for s in steady(&result, svc) {
        assert_close(s.threads_in_use, 100.0 * 0.510, "threads");
    }
}

#[test]
fn too_few_threads_cap_the_rate_at_threads_over_hold_time() {
    // 2 instances x 10 threads holding 100 ms each serve at most 200/s, below the 2000/s CPU capacity.
    let mut m = Model::new("threads", HOUR);
    let mut s = Service::new("svc", 2, 1000.0).with_load(300.0);
    s.threads = 10;
    s.latency = Span(100);
    s.queue = 0;
    let svc = m.add_service(s);
    let result = run(&m);
    for s in steady(&result, svc) {
        assert_close(s.served, 200.0, "served");
        assert_close(s.threads_in_use, 20.0, "threads");
    }
}
