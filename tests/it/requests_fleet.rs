//! Fleet mechanisms in requests mode (per-peer threads, warm-up, memory, blocking buffers): what they do per request, and agreement with fluid mode on the same topology.

use blastsim::engine::RunResult;
use blastsim::model::{MilestoneKind, Mode, Model};

fn load(text: &str, mode: Mode) -> Model {
    let mut m = blastsim::topology::load_str("t.toml", text, &[], None).expect("the topology is valid");
    m.mode = mode;
    m
}

fn run(text: &str, mode: Mode) -> RunResult {
    blastsim::simulate(&load(text, mode), None).expect("the run ends").0
}

/// Seconds at which the log first says `what`.
fn first_logged(r: &RunResult, what: &str) -> Option<f64> {
    r.log.iter().find(|e| e.what.contains(what)).map(|e| e.at.secs())
}

/// The sample of service `s` at `t_s` seconds.
fn at(r: &RunResult, s: usize, t_s: f64) -> &blastsim::engine::Sample {
    let i = r.times.iter().position(|t| t.secs() >= t_s).expect("within the run");
    &r.services[s].samples[i]
}

const PEERS: &str = r#"
duration = "3h"
[services.front]
instances = 20
capacity = "100/s"
latency = "10ms"
load = { kind = "constant", rate = "100/s" }
startup = "1m"
threads = { workers = 4, os-limit = 125 }   # 4 + 100 + 19 peers fit; 22 peers do not
[services.front.peers]
base-threads = 100
learn = "10m"
cache-ttl = "30m"
expiry-spread = "5m"
[[scenario]]
at = "+10m"
action = "scale-out"
service = "front"
count = 3
"#;

#[test]
fn a_fleet_grown_past_the_thread_limit_breaks_and_fails_alike_in_both_modes() {
    let (fluid, requests) = (run(PEERS, Mode::Fluid), run(PEERS, Mode::Requests));
    let what = "need more threads than the OS limit";
    let (f, r) = (first_logged(&fluid, what).unwrap(), first_logged(&requests, what).unwrap());
    // Known peers move from 20 to 23 with a 10-minute time constant: past 22 about 11 min after the launch.
    assert!(f > 1_200.0 && f < 1_800.0, "fluid breaks at {f}");
    assert!((f - r).abs() <= 20.0, "fluid {f}, requests {r}");
    for res in [&fluid, &requests] {
        assert_eq!(at(res, 0, f + 1_500.0).availability, 1.0, "the cache holds until its TTL");
        assert!(at(res, 0, f + 2_300.0).availability < 0.05, "expired 30 + 5 min after the last rebuild");
    }
    let roomy = PEERS.replace("os-limit = 125", "os-limit = 126");
    let r = run(&roomy, Mode::Requests);
    assert!(first_logged(&r, what).is_none() && r.services[0].samples.iter().all(|s| s.availability == 1.0));
}

const WARMUP: &str = r#"
duration = "1h"
[services.cache]
instances = 10
capacity = "100/s"
load = { kind = "constant", rate = "50/s" }
startup = "1m"
[services.cache.warmup]
duration = "5m"
source = "store"
store-capacity = 2
deadline = "1h"
[[scenario]]
at = "+5m"
action = "restart"
service = "cache"
count = 4
"#;

#[test]
fn restarted_instances_build_their_caches_out_of_rotation_sharing_the_store_in_both_modes() {
    for mode in [Mode::Fluid, Mode::Requests] {
        let r = run(WARMUP, mode);
        // 4 builds share a store feeding 2: half speed, 10 min after the 1-minute start-up.
        assert_eq!(at(&r, 0, 300.0 + 60.0 + 500.0).healthy, 6, "{mode:?}: still building");
        assert_eq!(at(&r, 0, 300.0 + 60.0 + 630.0).healthy, 10, "{mode:?}: built");
    }
}

const MEMORY: &str = r#"
duration = "30m"
[services.host]
instances = 4
capacity = "200/s"
latency = "10ms"
load = { kind = "constant", rate = "100/s" }
startup = "30s"
memory = { limit = "110MB", base = "100MB", fail-at = 0.5, hard-limit = "120MB" }
[services.host.calls.sink]
kind = "buffered"
buffer = { size = 1000000, when-full = "grow", item-size = "10KB", drain = "100/s" }
[services.sink]
instances = 1
capacity = "1000/s"
[[scenario]]
at = "+2m"
action = "crash"
service = "sink"
"#;

#[test]
fn buffered_calls_fill_memory_until_errors_rise_and_hosts_are_killed_in_both_modes() {
    let (fluid, requests) = (run(MEMORY, Mode::Fluid), run(MEMORY, Mode::Requests));
    let what = "passed the hard memory limit";
    let (f, r) = (first_logged(&fluid, what).unwrap(), first_logged(&requests, what).unwrap());
    // 25 writes/s per host of 10 KB: 20 MB of headroom in about 82 s after the sink goes.
    assert!(f > 180.0 && f < 260.0, "fluid kills at {f}");
    assert!((f - r).abs() <= 20.0, "fluid {f}, requests {r}");
    for res in [&fluid, &requests] {
        let before = at(res, 0, f - 20.0).availability;
        assert!(before < 0.95 && before > 0.2, "errors rise past the soft limit: {before}");
        assert!(res.log.iter().filter(|e| e.what.contains(what)).count() >= 2, "killed again once refilled");
    }
}

const BLOCKING: &str = r#"
duration = "20m"
[services.front]
instances = 2
capacity = "1000/s"
load = { kind = "constant", rate = "50/s", timeout = "5s" }
[services.front.calls.web]
timeout = "1s"
[services.web]
instances = 2
capacity = "1000/s"
threads = { workers = 10 }
queue = 10
[services.web.calls.sink]
kind = "buffered"
timeout = "2s"
buffer = { size = 100, when-full = "block", drain = "100/s" }
[services.sink]
instances = 1
capacity = "1000/s"
[[scenario]]
at = "+5m"
action = "crash"
service = "sink"
"#;

#[test]
fn a_full_buffer_that_blocks_holds_the_callers_threads_so_its_own_callers_fail_in_both_modes() {
    for mode in [Mode::Fluid, Mode::Requests] {
        let r = run(BLOCKING, mode);
        assert_eq!(at(&r, 0, 240.0).availability, 1.0, "{mode:?}: before the crash");
        let (front, web) = (at(&r, 0, 900.0), at(&r, 1, 900.0));
        assert!(front.availability < 0.3, "{mode:?}: front {}", front.availability);
        assert!(web.threads_in_use > 19.0, "{mode:?}: web's 20 threads wait for room: {}", web.threads_in_use);
        let dropping = run(&BLOCKING.replace("\"block\"", "\"drop\""), mode);
        assert_eq!(at(&dropping, 0, 900.0).availability, 1.0, "{mode:?}: dropping keeps the front serving");
    }
}

#[test]
fn a_deploy_that_drops_instead_of_blocking_unblocks_the_instances_it_reaches() {
    let deploy = format!(
        "{BLOCKING}\n[[scenario]]\nat = \"+10m\"\naction = \"rolling-deploy\"\nservice = \"web\"\nrate = \"1/m\"\nwhen-full = \"drop\"\n"
    );
    for mode in [Mode::Fluid, Mode::Requests] {
        let r = run(&deploy, mode);
        assert!(at(&r, 0, 590.0).availability < 0.3, "{mode:?}: blocked before the deploy");
        assert!(at(&r, 0, 1_150.0).availability > 0.99, "{mode:?}: both web instances drop once redeployed");
    }
}

/// The Kinesis topology with every outside load and buffer 20,000 times
/// smaller (fleets, thread limits, timings as published), so requests mode
/// stays within its visit limit and a test's time.
const KINESIS_SCALED: [&str; 14] = [
    "services.kinesis.load.rate=\"50/s\"",
    "services.cloudwatch.load.rate=\"5/s\"",
    "services.cognito.load.rate=\"1/s\"",
    "services.eventbridge.load.rate=\"1/s\"",
    "services.autoscaling.load.rate=\"0.1/s\"",
    "services.lambda.load.rate=\"5/s\"",
    "services.ecs.load.rate=\"0.1/s\"",
    "services.eks.load.rate=\"0.1/s\"",
    "services.shd-publisher.load.rate=\"0.1/s\"",
    "services.cognito.calls.kinesis.buffer.size=29.5",
    "services.cognito.calls.kinesis.buffer.drain=\"0.0055/s\"",
    "services.lambda.calls.cloudwatch.buffer.item-size=\"20MB\"",
    "services.lambda.calls.cloudwatch.buffer.drain=\"0.005/s\"",
    "services.lambda.calls.cloudwatch.buffer.size=0.5",
];

#[test]
fn the_scaled_kinesis_event_breaks_and_spreads_at_the_same_times_in_both_modes() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/aws-kinesis-2020-11-25.toml");
    let sets: Vec<String> = KINESIS_SCALED.iter().map(|s| s.to_string()).collect();
    let mut runs = Vec::new();
    for mode in [Mode::Fluid, Mode::Requests] {
        let mut m = blastsim::topology::load_file(&path, &sets, None).expect("the scaled topology is valid");
        m.mode = mode;
        runs.push(blastsim::simulate(&m, None).expect("the run ends"));
    }
    let logged = |r: &RunResult, what: &str| first_logged(r, what).unwrap_or_else(|| panic!("never logged: {what}"));
    // The thread-limit break comes at the same step in every seed; the OOM kill
    // waits on the random calls that fill Lambda's buffer: over seeds 0 to 12
    // requests mode passes the limit from 150 s before fluid mode to 70 s after.
    for (what, within) in [("need more threads than the OS limit", 30.0), ("passed the hard memory limit", 180.0)] {
        let (f, r) = (logged(&runs[0].0, what), logged(&runs[1].0, what));
        assert!((f - r).abs() <= within, "{what}: fluid {f}, requests {r}");
    }
    let simulated = |i: usize, service: &str, kind: MilestoneKind| {
        let e = runs[i].1.expectations.iter().find(|e| e.service == service && e.kind == kind);
        e.and_then(|e| e.error_min).unwrap_or_else(|| panic!("{service} {kind:?} not reached"))
    };
    for (service, kind, within) in [
        ("kinesis", MilestoneKind::ImpactStart, 2.0),
        ("cloudwatch", MilestoneKind::ImpactStart, 2.0),
        ("lambda", MilestoneKind::ImpactStart, 5.0),
        ("cognito", MilestoneKind::Severe, 12.0),
        ("kinesis", MilestoneKind::RecoveryStart, 10.0),
        ("lambda", MilestoneKind::Recovered, 2.0),
    ] {
        for i in 0..2 {
            let err = simulated(i, service, kind);
            assert!(err.abs() <= within, "{service} {kind:?} in run {i}: {err:+.1} min from the published time");
        }
    }
}

const FEEDING: &str = r#"
mode = "requests"
duration = "40m"
[services.cache]
instances = 10
capacity = "100/s"
latency = { dist = "exponential", mean = "50ms" }
load = { kind = "constant", rate = "520/s" }
startup = "30s"
[services.cache.warmup]
duration = "20m"
source = "peers"
store-capacity = 0
peer-share = 0.2
peer-cost = 1
[[scenario]]
at = "+5m"
action = "restart"
service = "cache"
count = 3
"#;

#[test]
fn peers_feeding_warming_instances_serve_slower_so_the_tail_grows() {
    // 3 builds fed by 7 peers at 0.2 each: 1.4 instances of capacity go to the builds.
    let peers = run(FEEDING, Mode::Requests);
    // The same builds fed as fast by the store, which costs the peers nothing.
    let store = run(
        &FEEDING
            .replace("source = \"peers\"", "source = \"store\"")
            .replace("store-capacity = 0", "store-capacity = 1.4"),
        Mode::Requests,
    );
    let p99 = |r: &RunResult, from: f64, to: f64| {
        let steps: Vec<f64> = r
            .times
            .iter()
            .zip(r.services[0].samples.iter())
            .filter(|(t, _)| (from..to).contains(&t.secs()))
            .filter_map(|(_, s)| s.p99_ms)
            .collect();
        steps.iter().sum::<f64>() / steps.len() as f64
    };
    for r in [&peers, &store] {
        assert_eq!(at(r, 0, 600.0).healthy, 7, "the 3 restarted instances build for about 43 min");
    }
    let (fed, free) = (p99(&peers, 600.0, 2_400.0), p99(&store, 600.0, 2_400.0));
    // 7 peers serve 520/s with 4 processing slots each instead of 5: 93% busy instead of 74%.
    assert!(fed > 1.3 * free, "p99 {fed:.0} ms while feeding, {free:.0} ms from the store");
    let before = (p99(&peers, 0.0, 290.0), p99(&store, 0.0, 290.0));
    assert!((before.0 - before.1).abs() < 0.2 * before.1, "the same before the restart: {before:?}");
}
