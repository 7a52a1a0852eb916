//! Resilience mechanisms in requests mode (serverless fleets, circuit breakers, shedding, pools): their effect per request, and agreement in kind with fluid mode.

use crate::support::{impacted, run_json, service, write};
use serde_json::Value;

const INCIDENTS: &str = "topologies/incidents";

fn incident(name: &str) -> String {
    format!("{INCIDENTS}/{name}.toml")
}

/// Runs `file` in `mode` with `extra` arguments and returns its report.
fn run(file: &str, mode: &str, extra: &[&str]) -> Value {
    let mut args = vec![file, "--mode", mode];
    args.extend_from_slice(extra);
    run_json(&args)
}

fn latency(r: &Value, name: &str, key: &str) -> f64 {
    service(r, name)["latency"][key].as_f64().unwrap_or_else(|| panic!("{name} has no latency {key}"))
}

fn failed(r: &Value, name: &str) -> f64 {
    service(r, name)["failed_requests"].as_f64().unwrap()
}

fn error_min(r: &Value, name: &str) -> f64 {
    service(r, name)["error_minutes"].as_f64().unwrap()
}

fn offered(r: &Value, name: &str) -> f64 {
    service(r, name)["offered_requests"].as_f64().unwrap()
}

fn milestone(r: &Value, name: &str, kind: &str) -> Option<f64> {
    let list = service(r, name)["milestones"].as_array().unwrap();
    list.iter().find(|m| m["kind"] == kind).map(|m| m["t_s"].as_f64().unwrap())
}

/// The times [s] at which the log says `what`.
fn logged(r: &Value, what: &str) -> Vec<f64> {
    let events = r["events"].as_array().unwrap();
    events.iter().filter(|e| e["what"].as_str().unwrap().contains(what)).map(|e| e["t_s"].as_f64().unwrap()).collect()
}

#[test]
fn cold_starts_at_low_traffic_are_a_latency_tail_that_the_fixes_remove() {
    // Quiet hours all run, and a client patient enough to wait out a cold start.
    let quiet = [
        "--set",
        "duration=\"48h\"",
        "--set",
        "services.client.load.rate=\"0.1/m\"",
        "--set",
        "services.client.calls.api-handler.timeout=\"10s\"",
    ];
    let file = incident("07-p99-low-traffic");
    let r = run(&file, "requests", &quiet);
    // A request every 10 minutes against a 10-minute expiry: about e^-1 = 37% meet a cold start.
    assert!(latency(&r, "client", "p50_ms") < 300.0, "p50 flat: {}", service(&r, "client")["latency"]);
    assert!(latency(&r, "client", "p99_ms") > 7800.0, "p99 a cold start: {}", service(&r, "client")["latency"]);
    let mean = latency(&r, "client", "mean_ms");
    let cold = (mean - 205.0) / 7800.0;
    assert!((0.25..0.5).contains(&cold), "cold share {cold}");
    for fix in ["provisioned-concurrency", "scheduled-warmup"] {
        let mut args = quiet.to_vec();
        args.extend(["--variant", fix]);
        let r = run(&file, "requests", &args);
        assert!(latency(&r, "client", "p99_ms") < 300.0, "{fix}: {}", service(&r, "client")["latency"]);
    }
}

#[test]
fn idle_expiry_fails_cold_requests_at_night_in_both_modes() {
    let file = incident("07-p99-low-traffic");
    for mode in ["requests", "fluid"] {
        let r = run(&file, mode, &[]);
        assert_eq!(impacted(&r), ["client", "api-handler"], "{mode}");
        // By day (200/s) nothing is cold; the first failures come after 22:00.
        assert!(milestone(&r, "client", "impact_start").unwrap() >= 7200.0, "{mode}");
        for fix in ["provisioned-concurrency", "scheduled-warmup"] {
            let fixed = run(&file, mode, &["--variant", fix]);
            assert!(error_min(&fixed, "client") < error_min(&r, "client") / 3.0, "{mode} {fix}");
        }
        let provisioned = run(&file, mode, &["--variant", "provisioned-concurrency"]);
        assert!(impacted(&provisioned).is_empty(), "{mode}");
    }
}

#[test]
fn a_spike_starts_environments_cold_past_the_gateway_timeout_in_both_modes() {
    let file = incident("02-lambda-cold-start-spike");
    for mode in ["requests", "fluid"] {
        let r = run(&file, mode, &[]);
        assert!(impacted(&r).contains(&"gateway".to_string()), "{mode}");
        let severe = milestone(&r, "gateway", "severe").unwrap();
        assert!((300.0..320.0).contains(&severe), "{mode}: severe at {severe} s, the spike is at 300 s");
        assert!(milestone(&r, "gateway", "recovered").unwrap() < 330.0, "{mode}: warm within seconds");
        let fixed = run(&file, mode, &["--variant", "provisioned-concurrency"]);
        assert!(impacted(&fixed).is_empty(), "{mode}");
        assert_eq!(failed(&fixed, "gateway"), 0.0, "{mode}");
    }
}

#[test]
fn a_leaking_pool_empties_while_the_database_idles_in_both_modes() {
    let file = incident("04-rds-pool-leak");
    let mut starts = Vec::new();
    for mode in ["requests", "fluid"] {
        let r = run(&file, mode, &[]);
        assert_eq!(impacted(&r), ["app"], "{mode}");
        assert!(failed(&r, "app") > 0.7 * offered(&r, "app"), "{mode}: the app fails");
        assert!(failed(&r, "rds") < 0.01 * offered(&r, "rds"), "{mode}: the database is fine");
        starts.push(milestone(&r, "app", "impact_start").unwrap());
        let fixed = run(&file, mode, &["--variant", "release-in-every-path"]);
        // What is left is the 0.2% of queries that raise.
        assert!(failed(&fixed, "app") < 0.005 * offered(&fixed, "app"), "{mode}");
    }
    assert!((starts[0] - starts[1]).abs() <= 60.0, "impact starts {starts:?}");
}

const BREAKER: &str = r#"
duration = "20m"

[services.web]
instances = 2
capacity = "1000/s"
latency = "10ms"
threads = { workers = 200 }
load = { kind = "constant", rate = "100/s" }

[services.web.calls.search]
timeout = "1s"
fallback = true
breaker = { error-threshold = 0.5, window = "10s", min-requests = 20, open-for = "30s", probes = 5 }

[services.search]
instances = 2
capacity = "1000/s"
latency = "20ms"

[[scenario]]
at = "+5m"
action = "inject-latency"
service = "search"
latency = "5s"
for = "5m"
"#;

#[test]
fn a_breaker_stops_calling_a_slow_callee_and_closes_once_it_is_well_in_both_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "breaker.toml", BREAKER);
    let file = file.to_str().unwrap();
    for mode in ["requests", "fluid"] {
        let r = run(file, mode, &[]);
        let opens = logged(&r, "circuit breaker to `search` opens");
        let closes = logged(&r, "circuit breaker to `search` closes");
        assert!(opens.first().is_some_and(|&t| (300.0..=320.0).contains(&t)), "{mode}: opens at {opens:?}");
        assert!(closes.last().is_some_and(|&t| (600.0..=660.0).contains(&t)), "{mode}: closes at {closes:?}");
        assert!(!logged(&r, "half-opens").is_empty(), "{mode}");
        // Without it search would see every one of web's requests; with the fallback web never fails.
        assert!(offered(&r, "search") < 0.8 * offered(&r, "web"), "{mode}");
        assert_eq!(failed(&r, "web"), 0.0, "{mode}");
    }
    let open = run(file, "requests", &["--set", "services.web.calls.search.breaker.min-requests=1e9"]);
    assert!(logged(&open, "opens").is_empty());
    assert!(offered(&open, "search") > 0.99 * offered(&open, "web"));
}

const OVERLOADED: &str = r#"
duration = "10m"

[services.api]
instances = 1
capacity = "100/s"
latency = "100ms"
threads = { workers = 10 }
queue = 10000
timeout = "60s"
load = { kind = "constant", rate = "130/s", timeout = "2s" }
"#;

#[test]
fn shedding_keeps_an_overloaded_service_serving_its_capacity_in_both_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "overloaded.toml", OVERLOADED);
    let file = file.to_str().unwrap();
    for mode in ["requests", "fluid"] {
        // A long FIFO queue: every request waits past its client's patience.
        let fifo = run(file, mode, &[]);
        assert!(failed(&fifo, "api") > 0.8 * offered(&fifo, "api"), "{mode}");
        for shed in ["order=\"lifo\"", "deadline=\"1s\"", "adaptive-limit=true"] {
            let set = format!("services.api.shedding.{shed}");
            let r = run(file, mode, &["--set", &set]);
            // 130/s offered, 100/s served: about 23% shed.
            let share = failed(&r, "api") / offered(&r, "api");
            assert!((0.15..0.4).contains(&share), "{mode} {shed}: {share}");
        }
    }
    let lifo = run(file, "requests", &["--set", "services.api.shedding.order=\"lifo\""]);
    assert!(latency(&lifo, "api", "p50_ms") < 200.0, "the newest are served at once");
    let adaptive = run(file, "requests", &["--set", "services.api.shedding.adaptive-limit=true"]);
    assert!(latency(&adaptive, "api", "max_ms") < 250.0, "about one service time of queue");
}

const WRITERS: &str = r#"
duration = "10m"

[services.batch]
instances = 1
capacity = "100000/s"
latency = "5ms"
threads = { workers = 1000 }
load = { kind = "closed", clients = 200, think = "50ms", timeout = "60s" }

[services.batch.calls.dynamodb]
timeout = "1s"
retries = { max = 5, backoff = "0ms", jitter = "none" }

[services.dynamodb]
instances = 1
capacity = "1000/s"
latency = "10ms"
queue = 0
"#;

#[test]
fn closed_loop_writers_storm_a_throttling_table_until_backoff_lowers_their_rate_in_both_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "writers.toml", WRITERS);
    let file = file.to_str().unwrap();
    let backoff = [
        "--set",
        "services.batch.calls.dynamodb.retries.backoff=\"1s\"",
        "--set",
        "services.batch.calls.dynamodb.retries.jitter=\"full\"",
    ];
    for mode in ["requests", "fluid"] {
        // 200 writers at 55 ms a cycle want about 3600 writes/s of a table that takes 1000/s
        // and throttles the rest at once (`queue = 0`); immediate retries keep it throttled.
        let storm = run(file, mode, &[]);
        assert!(failed(&storm, "batch") > 0.5 * offered(&storm, "batch"), "{mode}");
        assert!(offered(&storm, "dynamodb") > 4.0 * offered(&storm, "batch") / 1.5, "{mode}: retries multiply");
        // With backoff the writers wait, so they ask less often: the table sees about what it takes.
        let calm = run(file, mode, &backoff);
        let attempts = offered(&calm, "dynamodb") / 600.0;
        assert!((900.0..1200.0).contains(&attempts), "{mode}: {attempts}/s");
        assert!(failed(&calm, "batch") < 0.01 * offered(&calm, "batch"), "{mode}");
    }
}

const HOT_PARTITION: &str = r#"
duration = "10m"

[services.app]
instances = 4
capacity = "2000/s"
latency = "5ms"
load = { kind = "constant", rate = "2000/s" }

[services.app.calls.table]
timeout = "1s"

[services.report]
instances = 1
capacity = "100000/s"
latency = "5ms"
threads = { workers = 1000 }
load = { kind = "closed", clients = 50, think = "0s" }

[services.report.calls.table]
timeout = "1s"
skew = { weights = [1, 0, 0, 0, 0, 0, 0, 0] }

[services.table]
instances = 1
capacity = "8000/s"
latency = "10ms"
queue = 0
partitions = 8
"#;

#[test]
fn a_hot_partition_throttles_while_the_table_has_room_in_both_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "hot.toml", HOT_PARTITION);
    let file = file.to_str().unwrap();
    for mode in ["requests", "fluid"] {
        let hot = run(file, mode, &[]);
        assert_eq!(impacted(&hot), ["app", "report", "table"], "{mode}");
        // The report's partition takes 1000/s of the table's 8000/s: most of its reads are throttled.
        assert!(failed(&hot, "report") > 0.8 * offered(&hot, "report"), "{mode}");
        // The app's keys on that partition fail too; the others are fine.
        let app = failed(&hot, "app") / offered(&hot, "app");
        assert!((0.01..0.125).contains(&app), "{mode}: {app}");
        let spread = run(file, mode, &["--set", "services.report.calls.table.skew.weights=[1,1,1,1,1,1,1,1]"]);
        assert!(impacted(&spread).is_empty(), "{mode}");
    }
}

const PRIORITIES: &str = r#"
duration = "10m"

[services.checkout]
instances = 2
capacity = "1000/s"
latency = "5ms"
load = { kind = "constant", rate = "300/s" }

[services.checkout.calls.db]
timeout = "1s"
priority = 1

[services.report]
instances = 2
capacity = "1000/s"
latency = "5ms"
load = { kind = "constant", rate = "300/s" }

[services.report.calls.db]
timeout = "1s"

[services.db]
instances = 1
capacity = "500/s"
latency = "20ms"
threads = { workers = 10 }
queue = 200
"#;

#[test]
fn a_short_callee_serves_the_higher_priority_first_in_both_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "priorities.toml", PRIORITIES);
    let file = file.to_str().unwrap();
    for mode in ["requests", "fluid"] {
        // 600/s for a database that takes 500/s: the low priority takes the shortfall.
        let r = run(file, mode, &[]);
        assert_eq!(impacted(&r), ["report", "db"], "{mode}");
        assert_eq!(failed(&r, "checkout"), 0.0, "{mode}");
        let equal = run(file, mode, &["--set", "services.checkout.calls.db.priority=0"]);
        assert_eq!(impacted(&equal), ["checkout", "report", "db"], "{mode}: equal priorities share the shortfall");
    }
    let r = run(file, "requests", &[]);
    assert!(latency(&r, "checkout", "p99_ms") < 100.0, "the high priority hardly waits");
}

#[test]
fn blocked_health_checks_fail_over_to_an_undersized_secondary_in_both_modes() {
    let file = incident("03-route53-failover");
    // The first half hour holds the block (14:00) and the failover.
    let short = ["--set", "duration=\"30m\""];
    for mode in ["requests", "fluid"] {
        let r = run(&file, mode, &short);
        assert_eq!(impacted(&r), ["api-dns", "secondary"], "{mode}");
        // Three failed probes 30 s apart after the 14:00 block (at 1200 s).
        let primary_down = logged(&r, "target `primary` judged unhealthy");
        assert!(primary_down.first().is_some_and(|&t| (1230.0..=1290.0).contains(&t)), "{mode}: {primary_down:?}");
        // The TTL spreads the move over 60 s; the secondary overloads as it takes the load.
        let start = milestone(&r, "api-dns", "impact_start").unwrap();
        assert!((1230.0..=1400.0).contains(&start), "{mode}: impact at {start} s");
        assert!(!logged(&r, "target `secondary` healthy again").is_empty(), "{mode}: fail-open flapping");
        for fix in ["allow-health-checker", "standby-sized"] {
            let r = run(&file, mode, &["--set", "duration=\"30m\"", "--variant", fix]);
            assert!(impacted(&r).is_empty(), "{mode} {fix}");
        }
    }
}

const SPIKE: &str = r#"
duration = "30m"

[services.api]
instances = 2
capacity = "100/s"
latency = "50ms"
startup = "1m"
queue = 100
load = { kind = "steps", rate = "120/s", steps = [{ at = "+5m", rate = "500/s" }] }
autoscaling = { metric = "utilisation", target = 0.6, min = 2, max = 12, scale-out-cooldown = "1m" }
"#;

#[test]
fn target_tracking_launches_instances_that_serve_after_their_startup_in_both_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "spike.toml", SPIKE);
    let file = file.to_str().unwrap();
    for mode in ["requests", "fluid"] {
        let r = run(file, mode, &[]);
        let launches = logged(&r, "autoscaling launches");
        assert!(launches.iter().any(|&t| (300.0..=320.0).contains(&t)), "{mode}: {launches:?}");
        // The new instances serve after their 1-minute start-up.
        let recovered = milestone(&r, "api", "recovered").unwrap();
        assert!((350.0..=450.0).contains(&recovered), "{mode}: recovered at {recovered} s");
        let fixed = run(file, mode, &["--set", "services.api.autoscaling.max=2"]);
        assert_eq!(milestone(&fixed, "api", "recovered"), None, "{mode}: two instances never catch up");
    }
}

#[test]
fn deep_checks_on_a_slow_dependency_empty_the_fleet_in_both_modes() {
    let file = incident("09-deep-health-slow-dependency");
    for mode in ["requests", "fluid"] {
        let r = run(&file, mode, &[]);
        assert_eq!(impacted(&r), ["api"], "{mode}");
        // The database slows at 15:10 (600 s) for 20 minutes; probes fail within three intervals.
        let start = milestone(&r, "api", "impact_start").unwrap();
        assert!((600.0..=650.0).contains(&start), "{mode}: {start}");
        let back = milestone(&r, "api", "recovered").unwrap();
        assert!((1800.0..=1900.0).contains(&back), "{mode}: {back}");
        assert!(impacted(&run(&file, mode, &["--variant", "shallow-check"])).is_empty(), "{mode}");
    }
}
