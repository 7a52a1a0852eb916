//! Requests mode end to end: the CLI contract, retries, bistable tipping, refusals and agreement with fluid mode.

use crate::support::{blastsim, shipped};
use blastsim::model::{ActionKind, Mode, Model, Service};
use blastsim::time::{SimTime, Span};
use std::fs;

#[test]
fn mode_requests_writes_latency_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let out = blastsim()
        .args(["run", &shipped("bistable-retries"), "--set", "duration=\"10m\"", "--out"])
        .arg(&dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("requests mode") && text.contains("Latency of successful requests"), "{text}");
    assert!(text.contains("latency.png, latency.svg"), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["mode"], "requests");
    let latency = &report["services"][1]["latency"];
    for key in ["p50_ms", "p90_ms", "p99_ms", "p999_ms", "mean_ms", "max_ms"] {
        assert!(latency[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {latency}");
    }
    let csv = fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let row = csv.lines().nth(2).unwrap();
    assert!(row.starts_with("30.000,+30s,server,") && !row.ends_with(",,"), "{row}");
    assert!(fs::read(dir.join("latency.png")).unwrap().starts_with(b"\x89PNG"));
    assert!(fs::read_to_string(dir.join("latency.svg")).unwrap().contains("p50 (solid), p99 (dashed)"));
}

#[test]
fn the_same_seed_gives_byte_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["a", "b"] {
        blastsim()
            .args(["run", &shipped("bistable-retries"), "--set", "duration=\"5m\"", "--seed", "3", "--out"])
            .arg(tmp.path().join(d))
            .assert()
            .success();
    }
    for f in ["report.json", "timeseries.csv", "latency.svg"] {
        assert_eq!(fs::read(tmp.path().join("a").join(f)).unwrap(), fs::read(tmp.path().join("b").join(f)).unwrap());
    }
}

#[test]
fn the_kinesis_topology_is_refused_in_requests_mode_only_for_its_size() {
    let out = blastsim()
        .args(["check", &shipped("aws-kinesis-2020-11-25"), "--mode", "requests"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(!err.contains("not simulated in requests mode"), "peers, warm-up, memory and blocking all run: {err}");
    assert!(err.contains("request visits") && err.contains("--mode fluid"), "{err}");
}

#[test]
fn a_run_too_large_is_refused_before_it_starts() {
    let out = blastsim()
        .args(["run", &shipped("three-tier-slow-db"), "--mode", "requests", "--set", "duration=\"24h\""])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("request visits, over the limit of 2e8") && err.contains("fluid mode"), "{err}");
}

/// A client calling a server that fails every request, with `retries` retries.
fn failing(retries: u32) -> Model {
    let mut m = Model::new("retries", Span(600_000));
    m.mode = Mode::Requests;
    let client = m.add_service(Service::new("client", 1, 10_000.0).with_load(50.0));
    let server = m.add_service(Service::new("server", 1, 10_000.0));
    let d = m.add_call(client, server);
    m.deps[d.0].retries.max = retries;
    m.deps[d.0].retries.backoff = Span(20);
    m.schedule(SimTime(0), ActionKind::InjectErrors { service: server, rate: 1.0, duration: None }, "errors");
    m
}

#[test]
fn a_steady_error_rate_fails_that_share_in_both_modes() {
    for mode in [Mode::Requests, Mode::Fluid] {
        let mut m = Model::new("steady", Span(600_000));
        m.mode = mode;
        let mut server = Service::new("server", 2, 10_000.0).with_load(200.0);
        server.error_rate = 0.1;
        m.add_service(server);
        let t = blastsim::engine::run(&m).unwrap().services[0].totals;
        let share = t.failed / (t.served + t.failed);
        // 120,000 requests: the binomial share is within 0.3% of 10% at over 3 sigma.
        assert!((share - 0.1).abs() < 0.003, "{mode:?}: {share}");
    }
}

#[test]
fn retries_at_full_failure_multiply_the_load_by_one_plus_n() {
    for n in [0, 1, 3] {
        let r = blastsim::engine::run(&failing(n)).unwrap();
        let (client, server) = (r.services[0].totals, r.services[1].totals);
        let ratio = server.offered / client.offered;
        assert!((ratio - (1 + n) as f64).abs() < 0.01, "{n} retries: {ratio}");
        assert_eq!(client.served, 0.0);
    }
}

/// Answered and failed requests at the client over `steps` samples from `from`.
fn answered_and_failed(r: &blastsim::engine::RunResult, from: usize, steps: usize) -> (f64, f64) {
    r.services[0].samples.iter().skip(from).take(steps).fold((0.0, 0.0), |(ok, bad), s| (ok + s.served, bad + s.failed))
}

#[test]
fn the_bistable_case_tips_in_some_seeds_and_not_others() {
    // As shipped (2 h, 30 s steps), seeds 1..=10: the README's measurement over 20 seeds
    // starts with these. Every seed starts healthy; some tip and stay down, the others never do.
    let base = blastsim::topology::load_file(std::path::Path::new(&shipped("bistable-retries")), &[], None).unwrap();
    let mut collapsed = Vec::new();
    for seed in 1..=10 {
        let r = blastsim::engine::run(&Model { seed, ..base.clone() }).unwrap();
        let steps = r.services[0].samples.len();
        let (ok, bad) = answered_and_failed(&r, 0, 20);
        assert!(bad < 0.01 * ok, "seed {seed} starts badly: {ok} answered, {bad} failed in the first 10 minutes");
        let (ok, bad) = answered_and_failed(&r, steps - 20, 20);
        if ok < bad {
            collapsed.push(seed);
        } else {
            let (ok, bad) = answered_and_failed(&r, 0, steps);
            assert!(bad < 0.01 * ok, "seed {seed} ends up but lost {bad} of {} on the way", ok + bad);
        }
    }
    assert!(!collapsed.is_empty() && collapsed.len() < 10, "collapsed: {collapsed:?}");
    // The fluid engine sees a stable server at 90%, a few late answers at most.
    let fluid = blastsim::engine::run(&Model { mode: Mode::Fluid, ..base }).unwrap();
    assert!(fluid.services[0].samples.iter().all(|s| s.availability > 0.99));
}

/// web -> api -> db at modest rates; the db gets 2 s slower at +10m for 10 minutes.
fn slow_db(mode: Mode) -> Model {
    let mut m = Model::new("slow-db", Span(1_800_000));
    m.mode = mode;
    let mut web = Service::new("web", 2, 200.0).with_load(100.0);
    web.threads = 100;
    let mut api = Service::new("api", 2, 200.0);
    api.threads = 40;
    api.latency = Span(20);
    let web = m.add_service(web);
    let api = m.add_service(api);
    let db = m.add_service(Service::new("db", 2, 500.0));
    m.add_call(web, api);
    let d = m.add_call(api, db);
    m.deps[d.0].timeout = Span(3000);
    m.schedule(
        SimTime(600_000),
        ActionKind::InjectLatency { service: db, latency: Span(2000), dist: None, duration: Some(Span(600_000)) },
        "slow db",
    );
    m
}

/// Each service's impact and milestones [s] in `report`.
fn outcome(report: &blastsim::analysis::report::Report) -> Vec<(bool, Vec<(blastsim::model::MilestoneKind, f64)>)> {
    report.services.iter().map(|s| (s.impacted, s.milestones.iter().map(|m| (m.kind, m.t_s)).collect())).collect()
}

#[test]
fn shipped_topologies_give_the_same_outcome_in_both_modes() {
    // Cut short so a debug build runs them quickly (the trigger is at +10m for 5 minutes;
    // the storm is still down 5 minutes after it; the capped storm recovers by +17m and holds
    // for the 5 minutes that confirm it). docs/requests.md has the full runs and the
    // topologies where the modes differ.
    // The capped storm's recovery starts up to 60 s later request by request (6 steps of 10 s):
    // its back end's queue empties at the same time in both modes, but while it drains fluid
    // mode's queueing closure answers a small, rising share in time (the trough ends then),
    // where a FIFO queue of 10,000 answers nothing in time until it is empty.
    // The deep health checks of incident 09 empty the api fleet from 15:10:30 to 15:30:20.
    let shipped_runs = [
        ("retry-storm", "20m", 10.0),
        ("retry-storm-capped", "23m", 60.0),
        ("incidents/09-deep-health-slow-dependency", "36m", 10.0),
    ];
    for (name, duration, within_s) in shipped_runs {
        let sets = [format!("duration=\"{duration}\"")];
        let base = blastsim::topology::load_file(std::path::Path::new(&shipped(name)), &sets, None).unwrap();
        let fluid = blastsim::simulate(&Model { mode: Mode::Fluid, ..base.clone() }, None).unwrap().1;
        let requests = blastsim::simulate(&Model { mode: Mode::Requests, ..base }, None).unwrap().1;
        let (f, r) = (outcome(&fluid), outcome(&requests));
        assert!(f[0].0, "{name}: {f:?}");
        for (k, ((fi, fm), (ri, rm))) in f.iter().zip(&r).enumerate() {
            assert_eq!(fi, ri, "{name} service {k}");
            assert_eq!(
                fm.iter().map(|m| m.0).collect::<Vec<_>>(),
                rm.iter().map(|m| m.0).collect::<Vec<_>>(),
                "{name}"
            );
            for (a, b) in fm.iter().zip(rm) {
                assert!(
                    (a.1 - b.1).abs() <= within_s,
                    "{name} service {k} {:?}: fluid {} s, requests {} s",
                    a.0,
                    a.1,
                    b.1
                );
            }
        }
    }
}

#[test]
fn both_modes_find_the_same_impact_and_milestones_within_a_few_steps() {
    let fluid = blastsim::simulate(&slow_db(Mode::Fluid), None).unwrap().1;
    let requests = blastsim::simulate(&slow_db(Mode::Requests), None).unwrap().1;
    for (f, r) in fluid.services.iter().zip(&requests.services) {
        assert_eq!(f.impacted, r.impacted, "{}", f.name);
        let kinds =
            |s: &blastsim::analysis::report::ServiceReport| s.milestones.iter().map(|m| m.kind).collect::<Vec<_>>();
        assert_eq!(kinds(f), kinds(r), "{}", f.name);
        for (a, b) in f.milestones.iter().zip(&r.milestones) {
            assert!((a.t_s - b.t_s).abs() <= 30.0, "{} {:?}: fluid {} s, requests {} s", f.name, a.kind, a.t_s, b.t_s);
        }
    }
    assert!(requests.services[0].impacted && !requests.services[2].impacted);
}
