//! Usability of the resilience keys: switching calls during a run, quoted keys, new sub-tables, `check` on disabled entries.

use crate::support::{blastsim, run_json, write};

const ERRORS: &str = r#"duration = "1h"

[services.web]
instances = 2
capacity = "500/s"
load = { kind = "constant", rate = "100/s" }

[services.web.calls.db]

[services.db]
instances = 1
capacity = "500/s"

[[scenario]]
at = "+10m"
action = "inject-errors"
service = "db"
rate = 1.0

[[scenario]]
at = "+30m"
action = "set"
values = { "services.web.calls.db.enabled" = false }
"#;

fn recovered(r: &serde_json::Value, name: &str) -> Option<f64> {
    let s = r["services"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap();
    s["milestones"].as_array().unwrap().iter().find(|m| m["kind"] == "recovered").map(|m| m["t_s"].as_f64().unwrap())
}

#[test]
fn a_scenario_set_switches_a_call_off_during_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.toml", ERRORS);
    let r = run_json(&[p.to_str().unwrap()]);
    let rec = recovered(&r, "web").expect("web stops calling the failing db at +30m");
    assert!((1800.0..=1820.0).contains(&rec), "{rec}");
}

#[test]
fn a_quoted_key_reaches_a_value_inside_a_scenario_set() {
    let base = run_json(&["topologies/incidents/08-dynamodb-hot-partition.toml"]);
    assert!(recovered(&base, "app").is_some());
    let key = "scenario.0.values.\"services.report.load\".clients=2";
    let r = run_json(&["topologies/incidents/08-dynamodb-hot-partition.toml", "--set", key]);
    let app = r["services"].as_array().unwrap().iter().find(|s| s["name"] == "app").unwrap();
    assert_eq!(app["impacted"], false, "two readers leave the hot partition room");
}

#[test]
fn a_set_can_add_retries_to_a_call_without_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.toml", ERRORS);
    blastsim().args(["check", p.to_str().unwrap(), "--set", "services.web.calls.db.retries.max=2"]).assert().success();
    blastsim().args(["check", p.to_str().unwrap(), "--set", "services.web.calls.db.retires.max=2"]).assert().code(2);
}

#[test]
fn check_lists_disabled_entries() {
    let out = blastsim().args(["check", "topologies/incidents/01-jwt-validation-403.toml"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("disabled (enabled = false, not counted): scenario.1 `roll the deploy back` at 03:40"),
        "{text}"
    );
}

const SCALING: &str = r#"duration = "40m"

[services.api]
instances = 2
capacity = "100/s"
startup = "1m"
load = { kind = "steps", rate = "100/s", steps = [{ at = "+10m", rate = "400/s" }] }
autoscaling = { metric = "utilisation", target = 0.6, min = 2, max = 10, metrics = "metrics" }

[services.api.calls.metrics]
kind = "control"
per-request = 0.01

[services.metrics]
instances = 1
capacity = "100/s"

[[scenario]]
at = "+5m"
action = "crash"
service = "metrics"
enabled = false
"#;

#[test]
fn autoscaling_follows_the_load_and_stalls_without_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.toml", SCALING);
    let p = p.to_str().unwrap();
    let r = run_json(&[p]);
    let api = r["services"].as_array().unwrap().iter().find(|s| s["name"] == "api").unwrap();
    let rec = recovered(&r, "api").expect("the policy launches instances");
    assert!((600.0..=800.0).contains(&rec), "back after a start-up: {rec}");
    assert!(api["min_availability"].as_f64().unwrap() < 0.9, "short of capacity while they boot");
    let stalled = run_json(&[p, "--set", "scenario.0.enabled=true"]);
    assert!(recovered(&stalled, "api").is_none(), "without metrics the policy never scales out");
    let log = stalled["events"].as_array().unwrap();
    assert!(log.iter().any(|e| e["what"].as_str().unwrap().contains("autoscaling stalls")));
}

const BREAKER: &str = r#"duration = "40m"

[services.web]
instances = 4
capacity = "500/s"
threads = { workers = 100 }
load = { kind = "constant", rate = "1000/s", timeout = "5s" }

[services.web.calls.recs]
timeout = "2s"
fallback = true
breaker = { error-threshold = 0.5, window = "10s", min-requests = 20, open-for = "30s", probes = 5 }

[services.recs]
instances = 2
capacity = "1000/s"

[[scenario]]
at = "+10m"
action = "inject-latency"
service = "recs"
latency = "5s"
for = "10m"
"#;

#[test]
fn a_circuit_breaker_with_a_fallback_keeps_threads_free() {
    let dir = tempfile::tempdir().unwrap();
    let with = write(dir.path(), "with.toml", BREAKER);
    let without = write(dir.path(), "without.toml", &BREAKER.replace("breaker = {", "# breaker = {"));
    let web =
        |r: &serde_json::Value| r["services"].as_array().unwrap().iter().find(|s| s["name"] == "web").unwrap().clone();
    let r = run_json(&[with.to_str().unwrap()]);
    assert_eq!(web(&r)["impacted"], false, "calls fail fast to the fallback instead of holding threads");
    let log = r["events"].as_array().unwrap();
    let opens = log.iter().filter(|e| e["what"].as_str().unwrap().contains("breaker to `recs` opens")).count();
    assert!(opens >= 2, "opens, probes half-open, opens again while recs is slow");
    assert!(log.iter().any(|e| e["what"].as_str().unwrap().contains("closes")), "closes once recs is fast");
    let slow = run_json(&[without.to_str().unwrap()]);
    assert!(web(&slow)["min_availability"].as_f64().unwrap() < 0.1, "without it, 2 s timeouts exhaust the threads");
}

const OVERLOAD: &str = r#"duration = "30m"

[services.web]
instances = 4
capacity = "1000/s"
threads = { workers = 2000 }
load = { kind = "constant", rate = "1500/s", timeout = "10s" }

[services.web.calls.api]
timeout = "1s"

[services.api]
instances = 4
capacity = "500/s"
latency = "50ms"
queue = 5000

[[scenario]]
at = "+10m"
action = "lose-capacity"
service = "api"
fraction = 0.4
for = "10m"
"#;

#[test]
fn shedding_keeps_goodput_at_capacity_under_overload() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.toml", OVERLOAD);
    let p = p.to_str().unwrap();
    let floor = |sets: &[&str]| {
        let mut args = vec![p];
        for s in sets {
            args.extend(["--set", s]);
        }
        let r = run_json(&args);
        r["services"][0]["min_availability"].as_f64().unwrap()
    };
    let fifo = floor(&[]);
    assert!(fifo < 0.1, "a long FIFO queue makes every answer late: {fifo}");
    for shed in [
        "services.api.shedding.order=lifo",
        "services.api.shedding.deadline=0.5s",
        "services.api.shedding.adaptive-limit=true",
    ] {
        let f = floor(&[shed]);
        assert!((0.7..=0.85).contains(&f), "{shed}: goodput near the 1200/s left of 1500/s: {f}");
    }
}
