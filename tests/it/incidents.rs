//! The incident library (`topologies/incidents/`): each incident's outcome comes out of its mechanism, and each fix removes or shrinks it.

use crate::support::{blastsim, run_json};
use serde_json::Value;

fn path(name: &str) -> String {
    format!("topologies/incidents/{name}.toml")
}

/// Runs an incident (optionally a variant) and returns its report.
fn run(name: &str, variant: Option<&str>) -> Value {
    let p = path(name);
    match variant {
        Some(v) => run_json(&[&p, "--variant", v]),
        None => run_json(&[&p]),
    }
}

fn service<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["services"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("no {name}"))
}

fn impacted(r: &Value) -> Vec<String> {
    let mut v: Vec<String> = r["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["impacted"] == true)
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn min_avail(r: &Value, name: &str) -> f64 {
    service(r, name)["min_availability"].as_f64().unwrap()
}

fn error_min(r: &Value, name: &str) -> f64 {
    service(r, name)["error_minutes"].as_f64().unwrap()
}

/// Seconds since the start of a service's milestone, if reached.
fn milestone(r: &Value, name: &str, kind: &str) -> Option<f64> {
    service(r, name)["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == kind)
        .map(|m| m["t_s"].as_f64().unwrap())
}

#[test]
fn every_incident_opens_with_its_source_and_what_is_assumed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/incidents");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        assert!(text.starts_with("# Incident"), "opens with the incident");
        assert!(text.contains("Source:") && text.contains("Published:") && text.contains("Assumed:"));
        assert!(text.contains("[variants."), "a variant per fix");
        n += 1;
    }
    assert!(n >= 9, "{n} incidents");
}

#[test]
fn jwt_change_rejects_the_old_app_until_rolled_back() {
    let base = run("01-jwt-validation-403", None);
    assert_eq!(impacted(&base), ["api", "gateway"]);
    let floor = min_avail(&base, "gateway");
    assert!((floor - 0.70).abs() < 0.01, "30% of clients get 403 once every instance runs it: {floor}");
    assert!(milestone(&base, "gateway", "recovered").is_none(), "never recovers without a fix");
    let impact = milestone(&base, "gateway", "impact_start").unwrap();
    assert!((600.0..=720.0).contains(&impact), "from the deploy's first instance (03:10): {impact}");
    // 403s are not retried: the gateway sends the api no more attempts than requests.
    assert!(
        service(&base, "api")["failed_requests"].as_f64().unwrap()
            <= 1.01 * service(&base, "gateway")["failed_requests"].as_f64().unwrap()
    );

    let back = run("01-jwt-validation-403", Some("roll-back"));
    assert!(min_avail(&back, "gateway") > floor + 0.1, "the rollback stops the deploy half-way");
    let rec = milestone(&back, "gateway", "recovered").expect("rolled back to the old version everywhere");
    assert!((2400.0..=4200.0).contains(&rec), "recovered within 35 minutes of the rollback at 03:40: {rec}");
    assert!(impacted(&run("01-jwt-validation-403", Some("backward-compatible"))).is_empty());
}

#[test]
fn a_spike_starts_lambda_instances_cold_past_the_gateway_timeout() {
    let base = run("02-lambda-cold-start-spike", None);
    assert_eq!(impacted(&base), ["fn", "gateway"]);
    let floor = min_avail(&base, "gateway");
    assert!((0.7..0.95).contains(&floor), "a share of the spike's first requests time out: {floor}");
    let impact = milestone(&base, "gateway", "impact_start").unwrap();
    assert!((300.0..=303.0).contains(&impact), "with the spike (14:00): {impact}");
    assert!(impacted(&run("02-lambda-cold-start-spike", Some("provisioned-concurrency"))).is_empty());
    let backoff = run("02-lambda-cold-start-spike", Some("integration-backoff"));
    assert!(!impacted(&backoff).contains(&"gateway".to_string()), "the retries meet warm instances");
}

#[test]
fn idle_lambda_instances_expire_at_night() {
    let base = run("07-p99-low-traffic", None);
    assert_eq!(impacted(&base), ["api-handler", "client"]);
    let impact = milestone(&base, "client", "impact_start").unwrap();
    assert!((7200.0..=7300.0).contains(&impact), "once traffic is quiet (22:00): {impact}");
    let floor = min_avail(&base, "client");
    assert!(
        (floor - (1.0 - (-1.0f64).exp())).abs() < 0.02,
        "exp(-1) of requests cold at one every 10 minutes: {floor}"
    );
    assert!(impacted(&run("07-p99-low-traffic", Some("provisioned-concurrency"))).is_empty());
    let warm = run("07-p99-low-traffic", Some("scheduled-warmup"));
    assert!(error_min(&warm, "client") < error_min(&base, "client") / 4.0, "the ping shrinks the cold share");
}

#[test]
fn route53_fails_over_to_an_undersized_secondary() {
    let base = run("03-route53-failover", None);
    assert_eq!(impacted(&base), ["api-dns", "secondary"], "the primary itself is never impacted");
    let impact = milestone(&base, "api-dns", "impact_start").unwrap();
    assert!((1260.0..=1400.0).contains(&impact), "after three failed probes and part of the TTL: {impact}");
    assert!(min_avail(&base, "api-dns") < 0.5, "the secondary serves only its 30% share");
    assert!(error_min(&base, "api-dns") > 5.0);
    for fix in ["allow-health-checker", "standby-sized"] {
        assert!(impacted(&run("03-route53-failover", Some(fix))).is_empty(), "{fix}");
    }
}

#[test]
fn a_leaking_pool_empties_while_the_database_idles() {
    let base = run("04-rds-pool-leak", None);
    assert_eq!(impacted(&base), ["app"], "the database is never impacted");
    let severe = milestone(&base, "app", "severe").unwrap();
    assert!((600.0..=600.0 + 600.0).contains(&severe), "within minutes of the first exceptions: {severe}");
    assert!(min_avail(&base, "app") < 0.01);
    let db = service(&base, "rds");
    let app = service(&base, "app");
    let offered = |s: &Value| s["offered_requests"].as_f64().unwrap();
    assert!(offered(db) < 0.5 * offered(app), "the database sees little of the load once the pool is empty");
    assert!(impacted(&run("04-rds-pool-leak", Some("release-in-every-path"))).is_empty());
}

#[test]
fn writes_without_backoff_keep_the_table_throttled() {
    let base = run("05-dynamodb-no-backoff", None);
    assert_eq!(impacted(&base), ["batch", "dynamodb"]);
    assert!(min_avail(&base, "batch") < 0.5, "most writes fail after their immediate retries");
    let impact = milestone(&base, "batch", "impact_start").unwrap();
    assert!((600.0..=620.0).contains(&impact), "as the batch starts: {impact}");
    for fix in ["backoff-jitter", "sdk-standard", "more-capacity"] {
        let r = run("05-dynamodb-no-backoff", Some(fix));
        assert!(!impacted(&r).contains(&"batch".to_string()), "{fix}: every write gets through");
        assert!(error_min(&r, "dynamodb") < error_min(&base, "dynamodb") / 3.0, "{fix}");
    }
}

#[test]
fn the_sdk_retry_modes_end_the_storm_and_the_adaptive_one_the_throttling() {
    let base = run("05-dynamodb-no-backoff", None);
    let offered = |r: &Value, s: &str| service(r, s)["offered_requests"].as_f64().unwrap();
    let per_write = |r: &Value| offered(r, "dynamodb") / offered(r, "batch");
    assert!(per_write(&base) > 4.0, "throttled writes retried at once: {}", per_write(&base));
    // Standard: the 500-token quota drains within seconds, then only refunds pay for retries.
    let standard = run("05-dynamodb-no-backoff", Some("sdk-standard-mode"));
    assert!(per_write(&standard) < 1.3, "the storm no longer sustains itself: {}", per_write(&standard));
    assert!(offered(&standard, "dynamodb") < 0.3 * offered(&base, "dynamodb"));
    assert!(error_min(&standard, "dynamodb") < 0.8 * error_min(&base, "dynamodb"));
    // But 200 writers without backoff still ask more than the table takes: it stays throttled.
    assert!(impacted(&standard).contains(&"batch".to_string()));
    // Adaptive: the client-side limiter holds the writers to what the table takes.
    let adaptive = run("05-dynamodb-no-backoff", Some("sdk-adaptive-mode"));
    assert!(error_min(&adaptive, "dynamodb") < error_min(&base, "dynamodb") / 10.0);
    assert!(error_min(&adaptive, "batch") < 1.0, "writes wait instead of failing");
    let recovery = milestone(&adaptive, "dynamodb", "recovery_start").unwrap();
    assert!(recovery < 660.0, "the throttling is cut within a minute of the batch start: {recovery}");
    let served = |r: &Value| offered(r, "batch") - service(r, "batch")["failed_requests"].as_f64().unwrap();
    assert!(served(&adaptive) > served(&base), "more writes land than with the storm");
}

#[test]
fn aggressive_deep_probes_remove_instances_with_cpu_spikes() {
    let base = run("06-alb-health-false-positives", None);
    assert_eq!(impacted(&base), ["app"]);
    let impact = milestone(&base, "app", "impact_start").unwrap();
    assert!((600.0..=700.0).contains(&impact), "during the first spike: {impact}");
    for fix in ["relaxed-thresholds", "shallow-endpoint"] {
        assert!(impacted(&run("06-alb-health-false-positives", Some(fix))).is_empty(), "{fix}");
    }
}

#[test]
fn a_hot_partition_throttles_while_the_table_has_room() {
    let base = run("08-dynamodb-hot-partition", None);
    assert_eq!(impacted(&base), ["app", "report", "table"]);
    let app = min_avail(&base, "app");
    assert!((0.85..0.95).contains(&app), "the app's reads on the hot partition (1/8) mostly fail: {app}");
    let rec = milestone(&base, "app", "recovered").unwrap();
    assert!((2390.0..=2420.0).contains(&rec), "when the report ends (02:30): {rec}");
    for fix in ["better-key", "paginated"] {
        assert!(impacted(&run("08-dynamodb-hot-partition", Some(fix))).is_empty(), "{fix}");
    }
}

#[test]
fn deep_checks_on_a_slow_dependency_empty_the_fleet() {
    let base = run("09-deep-health-slow-dependency", None);
    assert_eq!(impacted(&base), ["api"], "the slow database itself answers every call");
    assert!(min_avail(&base, "api") < 0.01, "every instance removed");
    let rec = milestone(&base, "api", "recovered").unwrap();
    assert!((1800.0..=1900.0).contains(&rec), "back once the database is fast again (15:30): {rec}");
    assert!(impacted(&run("09-deep-health-slow-dependency", Some("shallow-check"))).is_empty());
}

#[test]
fn a_short_deregistration_delay_cuts_long_requests_at_each_deploy() {
    let base = run("10-bluegreen-draining", None);
    assert_eq!(impacted(&base), ["api"]);
    let floor = min_avail(&base, "api");
    assert!((0.85..0.99).contains(&floor), "a few percent of requests cut: {floor}");
    let impact = milestone(&base, "api", "impact_start").unwrap();
    assert!((600.0..=620.0).contains(&impact), "with the deploy: {impact}");
    assert!(impacted(&run("10-bluegreen-draining", Some("longer-delay"))).is_empty());
}

#[test]
fn a_lockout_lasts_until_someone_reaches_the_instances() {
    let base = run("11-security-group-lockout", None);
    assert_eq!(impacted(&base), ["clients"]);
    let rec = |r: &Value| milestone(r, "clients", "recovered").unwrap();
    assert_eq!(rec(&base), 7200.0, "the repair waits for access until the rebuild at 11:00");
    assert_eq!(rec(&run("11-security-group-lockout", Some("session-manager"))), 900.0);
    assert_eq!(rec(&run("11-security-group-lockout", Some("cloudformation"))), 780.0);
    assert!(impacted(&run("11-security-group-lockout", Some("add-before-remove"))).is_empty());
    let out = blastsim().args(["run", &path("11-security-group-lockout"), "--format", "json"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("waits, `ops` cannot reach `app`"), "the wait is logged");
}

#[test]
fn compare_of_every_incident() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/incidents");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in files {
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let out = blastsim().args(["compare", &path(&name)]).assert().success().get_output().clone();
        insta::assert_snapshot!(format!("compare_{name}"), String::from_utf8_lossy(&out.stdout));
    }
}
