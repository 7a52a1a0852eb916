//! Operator actions in requests mode, end to end on the shipped incidents: rolling deploys and rollback, draining, faults on part of a fleet, segments, access; and agreement in kind with fluid mode.

use crate::support::{blastsim, impacted, run_json, service, shipped, write};

/// `blastsim run` of incident `name` in `mode`, with the variant (if any) and `--set`s.
fn incident(name: &str, mode: &str, variant: Option<&str>, sets: &[&str]) -> serde_json::Value {
    let file = shipped(&format!("incidents/{name}"));
    let mut args = vec![file.as_str(), "--mode", mode];
    if let Some(v) = variant {
        args.extend(["--variant", v]);
    }
    for s in sets {
        args.extend(["--set", s]);
    }
    run_json(&args)
}

fn failed(report: &serde_json::Value, name: &str) -> f64 {
    service(report, name)["failed_requests"].as_f64().unwrap()
}

#[test]
fn draining_cuts_about_as_many_requests_in_both_modes_and_a_longer_delay_none() {
    let short = ["duration=\"15m\""];
    let (fluid, requests) = (
        incident("10-bluegreen-draining", "fluid", None, &short),
        incident("10-bluegreen-draining", "requests", None, &short),
    );
    let (f, r) = (failed(&fluid, "api"), failed(&requests, "api"));
    // Fluid: 10 instances x 50/s x 20% long x (60 s - 30 s) = 3000 (plus the boots' gaps).
    assert!(f > 2500.0 && (r - f).abs() / f < 0.15, "fluid {f}, requests {r}");
    assert_eq!(impacted(&fluid), impacted(&requests));
    let fixed = incident("10-bluegreen-draining", "requests", Some("longer-delay"), &short);
    assert_eq!(failed(&fixed, "api"), 0.0);
    // The long requests are real ones in requests mode: they show in the tail.
    assert!(service(&requests, "api")["latency"]["p99_ms"].as_f64().unwrap() > 59_000.0);
}

#[test]
fn a_deploy_rejecting_a_segment_fails_it_until_rolled_back_in_both_modes() {
    // A lighter load and a faster deploy keep the run short; the mechanism is the same.
    let sets = [
        "duration=\"40m\"",
        "services.gateway.load.rate=\"200/s\"",
        "scenario.0.rate=\"60/h\"",
        "scenario.1.at=\"03:20\"",
    ];
    for mode in ["fluid", "requests"] {
        let base = incident("01-jwt-validation-403", mode, None, &sets);
        assert_eq!(impacted(&base), ["gateway", "api"], "{mode}");
        let share = failed(&base, "gateway") / service(&base, "gateway")["offered_requests"].as_f64().unwrap();
        // 30% rejected once all 12 instances run the new version (03:10 to 03:22, of a 40-minute run).
        assert!((0.12..0.22).contains(&share), "{mode}: {share}");
        let back = incident("01-jwt-validation-403", mode, Some("roll-back"), &sets);
        // The rollback at 03:20 reverts the 10 instances reached by 03:30.
        assert!(failed(&back, "gateway") < failed(&base, "gateway") / 2.0, "{mode}");
        let last = service(&back, "gateway")["milestones"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["kind"], "recovered", "{mode}: the rollback ends the impact");
        let compatible = incident("01-jwt-validation-403", mode, Some("backward-compatible"), &sets);
        assert!(impacted(&compatible).is_empty(), "{mode}");
    }
}

#[test]
fn client_errors_are_not_retried_in_requests_mode() {
    let sets = ["duration=\"40m\"", "services.gateway.load.rate=\"200/s\"", "scenario.0.rate=\"60/h\""];
    let r = incident("01-jwt-validation-403", "requests", None, &sets);
    let (gw, api) = (service(&r, "gateway"), service(&r, "api"));
    // The gateway retries twice, but a 403 is final: the api sees one attempt per request.
    let ratio = api["offered_requests"].as_f64().unwrap() / gw["offered_requests"].as_f64().unwrap();
    assert!((ratio - 1.0).abs() < 0.01, "{ratio}");
}

#[test]
fn slow_instances_fail_deep_probes_in_both_modes_and_a_shallow_endpoint_keeps_them() {
    // Three spikes in 20 minutes instead of one an hour.
    let sets = ["duration=\"20m\"", "scenario.1.at=\"12:14\"", "scenario.2.at=\"12:18\""];
    for mode in ["fluid", "requests"] {
        let base = incident("06-alb-health-false-positives", mode, None, &sets);
        assert!(impacted(&base).contains(&"app".to_string()), "{mode}");
        let shallow = incident("06-alb-health-false-positives", mode, Some("shallow-endpoint"), &sets);
        let (b, s) = (failed(&base, "app"), failed(&shallow, "app"));
        // Fluid mode averages the slow instances' latency over the fleet: no
        // failure once they stay; requests mode sees each one short of threads
        // under round robin while it is slow, so the fix shrinks the failures.
        assert!(if mode == "fluid" { s == 0.0 && b > 0.0 } else { s < b * 0.8 }, "{mode}: {b} {s}");
    }
}

#[test]
fn a_repair_waits_for_operator_access_in_both_modes() {
    let sets = ["services.clients.load.rate=\"100/s\""];
    for mode in ["fluid", "requests"] {
        let base = incident("11-security-group-lockout", mode, None, &sets);
        let ssm = incident("11-security-group-lockout", mode, Some("session-manager"), &sets);
        let recovered = |r: &serde_json::Value| {
            let m = service(r, "clients")["milestones"].as_array().unwrap().clone();
            m.iter().find(|m| m["kind"] == "recovered").map(|m| m["t_s"].as_f64().unwrap())
        };
        // Locked out until the 11:00 rebuild; with Session Manager, repaired at 09:15.
        let (b, s) = (recovered(&base).unwrap(), recovered(&ssm).unwrap());
        assert!((7200.0..7400.0).contains(&b) && (900.0..1100.0).contains(&s), "{mode}: {b} {s}");
    }
}

#[test]
fn a_scenario_set_of_warmup_and_a_deploy_with_its_own_when_full_run_in_requests_mode() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "t.toml",
        r#"mode = "requests"
duration = "10m"

[services.api]
instances = 2
capacity = "100/s"
load = { kind = "constant", rate = "10/s" }

[services.api.calls.db]
kind = "buffered"
buffer = { size = 100, drain = "10/s" }

[services.db]
instances = 1
capacity = "100/s"

[[scenario]]
at = "+1m"
action = "set"
values = { "services.api.warmup" = { duration = "1m" } }

[[scenario]]
at = "+2m"
action = "rolling-deploy"
service = "api"
rate = "1/m"
when-full = "drop"
"#,
    );
    blastsim().args(["check"]).arg(&file).assert().success();
    let out = blastsim().args(["run", "--format", "json"]).arg(&file).assert().success().get_output().stdout.clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["mode"], "requests");
}
