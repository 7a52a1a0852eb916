//! Unit tests of the fleet-wide operator actions in requests mode: rolling actions, rollback, draining, partial faults, segments, access, `set`.

use crate::engine::RunResult;
use crate::engine::requests::run;
use crate::model::resilience::Draining;
use crate::model::{ActionKind, Amount, FaultKind, Mode, Model, Pace, Service, ServiceId, Version};
use crate::time::{SimTime, Span};

const API: ServiceId = ServiceId(0);

/// One service of `n` instances at 100 req/s each, loaded at `rate`, run for `secs`.
fn fleet(n: u32, rate: f64, secs: u64) -> Model {
    let mut m = Model::new("fleet", Span(secs * 1000));
    m.mode = Mode::Requests;
    let mut s = Service::new("api", n, 100.0).with_load(rate);
    s.startup = Span(5_000);
    m.add_service(s);
    m
}

fn deploy(version: Option<Version>, per_s: f64) -> ActionKind {
    ActionKind::Rolling { service: API, amount: Amount::All, pace: Pace::Rate(per_s), version }
}

fn failed(r: &RunResult) -> f64 {
    r.services[0].totals.failed
}

/// Availability of the api over the samples from `from` to `to` [s].
fn availability(r: &RunResult, from: u64, to: u64) -> f64 {
    availability_of(r, 0, from, to)
}

/// Availability of service `k` over the samples from `from` to `to` [s].
fn availability_of(r: &RunResult, k: usize, from: u64, to: u64) -> f64 {
    let picked: Vec<f64> = r
        .times
        .iter()
        .zip(&r.services[k].samples)
        .filter(|(t, _)| t.0 > from * 1000 && t.0 <= to * 1000)
        .map(|(_, s)| s.availability)
        .collect();
    picked.iter().sum::<f64>() / picked.len() as f64
}

#[test]
fn a_rolling_deploy_reaches_every_instance_once_and_its_version_shows() {
    let mut m = fleet(4, 200.0, 200);
    let bad = Version { error_rate: 0.5, ..Version::default() };
    m.schedule(SimTime(10_000), deploy(Some(bad), 0.5), "deploy");
    let r = run(&m).unwrap();
    // One instance every 2 s, serving 5 s later: all on the new version by 21 s.
    let after = availability(&r, 40, 200);
    assert!((after - 0.5).abs() < 0.03, "{after}");
    assert!(availability(&r, 0, 10) > 0.999);
    // Never more than one instance out at a time except while the last boots.
    assert!(r.services[0].samples.iter().all(|s| s.healthy >= 1));
    assert_eq!(r.services[0].samples.last().unwrap().healthy, 4);
}

#[test]
fn a_rolling_restart_cuts_the_requests_on_each_instance_it_restarts() {
    let mut m = fleet(4, 200.0, 60);
    m.services[0].latency = Span(500);
    m.services[0].capacity = 400.0;
    m.schedule(SimTime(10_000), deploy(None, 0.1), "restart");
    let r = run(&m).unwrap();
    // One instance every 10 s; each holds about 50 req/s x 0.5 s = 25 requests when it restarts.
    let f = failed(&r);
    assert!((50.0..=160.0).contains(&f), "{f}");
    assert!(availability(&r, 50, 60) > 0.999);
}

#[test]
fn a_rollback_stops_the_deploy_and_reverts_what_it_reached() {
    let bad = Version { error_rate: 1.0, ..Version::default() };
    let base = {
        let mut m = fleet(12, 600.0, 300);
        m.services[0].startup = Span(1_000);
        m.schedule(SimTime(10_000), deploy(Some(bad), 0.1), "deploy");
        m
    };
    let mut back = base.clone();
    back.schedule(SimTime(45_000), ActionKind::Rollback { service: API, back: true }, "rollback");
    let mut cancel = base.clone();
    cancel.schedule(SimTime(45_000), ActionKind::Rollback { service: API, back: false }, "cancel");
    let (b, c, d) = (run(&back).unwrap(), run(&cancel).unwrap(), run(&base).unwrap());
    // The deploy reached 4 instances (10, 20, 30, 40 s): a third of the traffic failed.
    let (kept, reverted, all) = (availability(&c, 60, 300), availability(&b, 120, 300), availability(&d, 200, 300));
    assert!((kept - 8.0 / 12.0).abs() < 0.03, "cancel keeps what it reached: {kept}");
    assert!(reverted > 0.999, "the rollback reverts all four: {reverted}");
    assert!(all < 0.001, "the deploy alone reaches all: {all}");
}

#[test]
fn draining_cuts_only_the_requests_that_outlive_the_delay() {
    let run_with = |delay_s: u64| {
        let mut m = fleet(4, 40.0, 400);
        m.services[0].threads = 1000;
        m.services[0].load.timeout = Span(90_000);
        m.services[0].extras.draining =
            Some(Box::new(Draining { delay: Span(delay_s * 1000), long_fraction: 0.2, long_latency: Span(60_000) }));
        m.schedule(SimTime(100_000), deploy(None, 1.0 / 60.0), "restart");
        run(&m).unwrap()
    };
    let (short, long) = (run_with(30), run_with(120));
    // Per instance: 10 req/s x 20% long, those started within the last 30 s of
    // their 60 s outlive the delay: 10 x 0.2 x 30 = 60; four instances: 240.
    let cut = failed(&short);
    assert!((170.0..=310.0).contains(&cut), "{cut}");
    assert_eq!(failed(&long), 0.0, "a delay longer than every request cuts nothing");
    // Long requests show in the tail.
    assert!(long.services[0].latency.unwrap().p99_ms > 59_000.0);
}

#[test]
fn a_fault_on_part_of_a_fleet_hits_only_those_instances() {
    let mut m = fleet(4, 200.0, 100);
    let errors = FaultKind::Errors { rate: 1.0, client: false };
    m.schedule(
        SimTime(10_000),
        ActionKind::Fault { service: API, amount: Amount::Count(1), effect: errors, duration: Some(Span(50_000)) },
        "errors on one",
    );
    let r = run(&m).unwrap();
    let during = availability(&r, 10, 60);
    assert!((during - 0.75).abs() < 0.03, "{during}");
    assert!(availability(&r, 60, 100) > 0.999, "the fault ends");
}

#[test]
fn slow_instances_fail_deep_probes_and_leave_rotation() {
    let mut m = fleet(4, 100.0, 120);
    let mut hc = crate::model::HealthCheck::default_check();
    hc.interval = Span(5_000);
    hc.timeout = Span(2_000);
    hc.unhealthy_threshold = 2;
    hc.deep = true;
    m.services[0].health = Some(hc);
    m.schedule(
        SimTime(10_000),
        ActionKind::Fault {
            service: API,
            amount: Amount::Fraction(0.5),
            effect: FaultKind::Latency(Span(2_500)),
            duration: Some(Span(60_000)),
        },
        "slow half",
    );
    let r = run(&m).unwrap();
    let healthy: Vec<u32> = r.services[0].samples.iter().map(|s| s.healthy).collect();
    assert_eq!(healthy[5], 2, "{healthy:?}");
    assert_eq!(*healthy.last().unwrap(), 4, "{healthy:?}");
}

#[test]
fn a_version_rejecting_a_segment_fails_its_share_without_retries() {
    let mut m = fleet(4, 0.0, 120);
    m.services[0].capacity = 1000.0;
    m.segments = vec!["old".into(), "new".into()];
    m.services[0].load.shape = crate::model::LoadShape::None;
    let mut gw = Service::new("gateway", 2, 1000.0).with_load(300.0);
    gw.extras.segments[0] = 0.3;
    gw.extras.segments[1] = 0.7;
    let gw = m.add_service(gw);
    let d = m.add_call(gw, API);
    m.deps[d.0].retries.max = 2;
    let rejects = Version { rejects: 0b01, ..Version::default() };
    m.schedule(SimTime(10_000), deploy(Some(rejects), 0.5), "deploy");
    let r = run(&m).unwrap();
    let t = |k: usize| r.services[k].totals;
    let share = t(1).failed / t(1).offered;
    // One instance in four more rejects 30% every 2 s from 15 s on: all from 21 s.
    let expected = 0.3 * (99.0 + 4.5) / 120.0;
    assert!((share - expected).abs() < 0.02, "{share} against {expected}");
    // Client errors are not retried: the api sees one attempt per request.
    assert!((t(0).offered - t(1).offered).abs() < 40.0, "{:?} {:?}", t(0), t(1));
}

#[test]
fn an_action_that_requires_access_waits_for_it() {
    let mut m = fleet(2, 0.0, 300);
    let client = m.add_service(Service::new("client", 2, 1000.0).with_load(50.0));
    let https = m.add_call(client, API);
    let ops = m.add_service(Service::new("ops", 1, 10.0));
    let ssh = m.add_call(ops, API);
    m.schedule(SimTime(10_000), ActionKind::Partition { dep: https, duration: None }, "https rule gone");
    m.schedule(SimTime(10_000), ActionKind::Partition { dep: ssh, duration: Some(Span(100_000)) }, "ssh rule gone");
    m.schedule(SimTime(20_000), ActionKind::Repair { service: Some(API) }, "repair");
    m.scenario.last_mut().unwrap().requires = Some(ssh);
    let r = run(&m).unwrap();
    let waits = r.log.iter().find(|l| l.what.contains("waits, `ops` cannot reach `api`"));
    assert!(waits.is_some_and(|l| l.at == SimTime(20_000)), "{:?}", r.log);
    let repaired = r.log.iter().find(|l| l.what == "repair").unwrap();
    assert!(repaired.at >= SimTime(110_000) && repaired.at <= SimTime(111_000), "{repaired:?}");
    assert!(availability_of(&r, 1, 20, 100) < 0.01);
    assert!(availability_of(&r, 1, 120, 300) > 0.999);
}

#[test]
fn a_set_changes_the_model_the_run_goes_on_with() {
    let mut m = fleet(2, 150.0, 100);
    let mut services = m.services.clone();
    services[0].instances = 4;
    services[0].error_rate = 0.2;
    m.schedule(SimTime(30_000), ActionKind::Set { overrides: vec![], services, deps: m.deps.clone() }, "set");
    let r = run(&m).unwrap();
    assert!(availability(&r, 0, 30) > 0.999);
    assert!((availability(&r, 40, 100) - 0.8).abs() < 0.03);
    assert_eq!(r.services[0].samples.last().unwrap().instances, 4);
}

#[test]
fn instances_launched_after_a_deploy_run_the_new_version() {
    let mut m = fleet(2, 100.0, 120);
    let bad = Version { error_rate: 1.0, ..Version::default() };
    m.schedule(SimTime(10_000), deploy(Some(bad), 1.0), "deploy");
    m.schedule(SimTime(30_000), ActionKind::ScaleOut { service: API, count: 2, over: Span::ZERO }, "scale out");
    let r = run(&m).unwrap();
    assert_eq!(r.services[0].samples.last().unwrap().healthy, 4);
    assert!(availability(&r, 60, 120) < 0.001);
}

#[test]
fn deploys_drains_and_partial_faults_are_deterministic_and_count_every_request_once() {
    let model = || {
        let mut m = fleet(4, 60.0, 200);
        m.services[0].threads = 1000;
        m.services[0].extras.draining =
            Some(Box::new(Draining { delay: Span(5_000), long_fraction: 0.1, long_latency: Span(20_000) }));
        let v = Version { error_rate: 0.1, extra_latency: Span(50), ..Version::default() };
        m.schedule(SimTime(20_000), deploy(Some(v), 0.2), "deploy");
        m.schedule(SimTime(40_000), ActionKind::Rollback { service: API, back: true }, "rollback");
        let slow = FaultKind::Latency(Span(300));
        let fault = ActionKind::Fault { service: API, amount: Amount::Fraction(0.5), effect: slow, duration: None };
        m.schedule(SimTime(30_000), fault, "slow half");
        m
    };
    let (a, b) = (run(&model()).unwrap(), run(&model()).unwrap());
    assert_eq!(a, b);
    assert!(failed(&a) > 0.0, "the deploy and the drains fail some requests");
    let t = a.services[0].totals;
    assert_eq!(t.offered, t.served + t.failed + t.queued, "every request is counted once");
}

#[test]
fn a_set_that_switches_a_call_off_stops_its_calls() {
    let mut m = fleet(2, 100.0, 60);
    let db = m.add_service(Service::new("db", 1, 1000.0));
    m.add_call(API, db);
    let mut deps = m.deps.clone();
    deps[0].extras.off = true;
    m.schedule(SimTime(30_000), ActionKind::Set { overrides: vec![], services: m.services.clone(), deps }, "off");
    let r = run(&m).unwrap();
    let calls = |from: usize, to: usize| {
        r.services[1].samples.iter().skip(from).take(to - from).map(|s| s.offered).sum::<f64>()
    };
    assert!(calls(0, 3) > 250.0, "calls before the change (rates per step)");
    assert_eq!(calls(3, 6), 0.0, "none after");
}
