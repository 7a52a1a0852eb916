//! `blastsim import`: Jaeger, OpenTelemetry and X-Ray service graphs of one shop become topologies that check and run.

use crate::support::{blastsim, write};
use std::collections::BTreeMap;

const FIXTURES: [(&str, &str); 3] = [
    ("jaeger", "tests/fixtures/import/jaeger-dependencies.json"),
    ("otel", "tests/fixtures/import/otel-servicegraph.prom"),
    ("xray", "tests/fixtures/import/xray-service-graph.json"),
];

fn import(from: &str, file: &str) -> String {
    let out = blastsim().args(["import", "--from", from, file]).assert().success().get_output().clone();
    String::from_utf8(out.stdout).unwrap()
}

/// (caller, callee) -> per-request, read back through the library.
fn calls(toml: &str) -> BTreeMap<(String, String), f64> {
    let m = blastsim::topology::load_str("imported.toml", toml, &[], None).unwrap();
    m.deps
        .iter()
        .map(|d| ((m.service(d.caller).name.clone(), m.service(d.callee).name.clone()), d.per_request))
        .collect()
}

#[test]
fn every_fixture_imports_checks_and_runs_healthy() {
    let dir = tempfile::tempdir().unwrap();
    for (from, file) in FIXTURES {
        let toml = import(from, file);
        assert!(toml.contains("# assumption"), "{from}: assumptions are marked");
        let path = write(dir.path(), &format!("{from}.toml"), &toml);
        let path = path.to_str().unwrap();
        let checked = blastsim().args(["check", path]).assert().success().get_output().stdout.clone();
        let checked = String::from_utf8(checked).unwrap();
        assert!(checked.contains("ok (33 services, 51 dependencies"), "{from}: {checked}");
        let report = crate::support::run_json(&[path]);
        let hit: Vec<&str> = report["services"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["impacted"] == true)
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert!(hit.is_empty(), "{from}: with 2x headroom and no scenario nothing fails: {hit:?}");
    }
}

#[test]
fn the_three_formats_describe_the_same_shop() {
    let [jaeger, otel, xray] = FIXTURES.map(|(from, file)| calls(&import(from, file)));
    assert_eq!(jaeger.keys().collect::<Vec<_>>(), otel.keys().collect::<Vec<_>>());
    assert_eq!(otel.keys().collect::<Vec<_>>(), xray.keys().collect::<Vec<_>>());
    let key = |a: &str, b: &str| (a.to_string(), b.to_string());
    for (k, x) in &xray {
        assert!((otel[k] - x).abs() < 0.01 * x, "{k:?}: otel {} xray {x}", otel[k]);
    }
    assert_eq!(xray[&key("checkout", "payments")], 1.0);
    assert_eq!(xray[&key("api-gateway", "checkout")], 0.03);
    assert_eq!(xray[&key("payments", "psp-example-com")], 1.05, "dots in names become dashes");
    // Jaeger does not see outside traffic: a root's requests are its busiest call's count.
    assert_eq!(jaeger[&key("web-frontend", "api-gateway")], 1.0);
    assert_eq!(jaeger[&key("checkout", "payments")], 1.0);
}

#[test]
fn observed_latencies_load_and_asynchronous_calls_come_through() {
    let xray = import("xray", FIXTURES[2].1);
    let m = blastsim::topology::load_str("x.toml", &xray, &[], None).unwrap();
    let web = m.service(m.service_id("web-frontend").unwrap());
    assert!(matches!(web.load.shape, blastsim::model::LoadShape::Constant { rate } if (rate - 1200.0).abs() < 0.5));
    assert_eq!(web.latency.0, 4, "own time: 71 ms mean minus 67 ms in calls");
    let psp = m.service(m.service_id("psp-example-com").unwrap());
    assert_eq!(psp.latency.0, 180);
    assert!(xray.contains("# observed as \"psp.example.com\""));
    let buffered = m.deps.iter().filter(|d| matches!(d.kind, blastsim::model::DepKind::Buffered(_))).count();
    assert_eq!(buffered, 5, "X-Ray `link` edges are buffered calls");
    let otel = blastsim::topology::load_str("o.toml", &import("otel", FIXTURES[1].1), &[], None).unwrap();
    assert_eq!(otel.deps.iter().filter(|d| matches!(d.kind, blastsim::model::DepKind::Buffered(_))).count(), 5);
}

#[test]
fn out_writes_a_file_with_headroom_applied() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shop.toml");
    blastsim()
        .args(["import", "--from", "xray", FIXTURES[2].1, "--headroom", "3", "--instances", "3", "--out"])
        .arg(&out)
        .assert()
        .success();
    let m = blastsim::topology::load_file(&out, &[], None).unwrap();
    assert_eq!(m.name, "shop");
    let web = m.service(m.service_id("web-frontend").unwrap());
    assert_eq!(web.instances, 3);
    assert!((web.capacity - 1200.0).abs() < 0.5, "1200/s x 3 / 3 instances: {}", web.capacity);
}

#[test]
fn malformed_input_exits_2_naming_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("jaeger", "deps.json", "{\"data\": [", "not JSON"),
        ("jaeger", "deps.json", "{\"data\": [{\"parent\": \"a\", \"child\": \"b\"}]}", "data[0].callCount"),
        (
            "jaeger",
            "deps.json",
            "{\"data\": [{\"parent\": \"a\\u001b[31m\", \"child\": \"b\", \"callCount\": 3}]}",
            "control character",
        ),
        ("otel", "m.prom", "traces_service_graph_request_total{client=\"a\",server=\"b\"} many\n", "line 1"),
        ("otel", "m.prom", "up 1\n", "no traces_service_graph_request_total"),
        ("xray", "g.json", "{\"Services\": [{\"ReferenceId\": 1}]}", "Services[0].Name"),
    ];
    for (from, name, text, says) in cases {
        let path = write(dir.path(), name, text);
        let out = blastsim().args(["import", "--from", from]).arg(&path).assert().code(2).get_output().clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(name) && err.contains(says), "{from} {text}: {err}");
    }
    blastsim().args(["import", "--from", "xray", "missing.json"]).assert().code(2);
    blastsim().args(["import", "--from", "zipkin", FIXTURES[0].1]).assert().code(2);
    blastsim().args(["import", "--from", "xray", FIXTURES[2].1, "--headroom", "0.5"]).assert().code(2);
    blastsim().args(["import", "--from", "jaeger", FIXTURES[0].1, "--window", "0s"]).assert().code(2);
}

#[test]
fn observed_failures_become_own_error_rates_that_the_run_gives_back() {
    let toml = import("otel", "tests/fixtures/import/otel-servicegraph.prom");
    let m = blastsim::topology::load_str("imported.toml", &toml, &[], None).unwrap();
    let rate = |name: &str| m.services.iter().find(|s| s.name == name).unwrap().error_rate;
    // A leaf fails on its own as often as observed; a caller whose failures
    // its calls explain has none of its own.
    assert_eq!(rate("psp-example-com"), 0.004);
    assert_eq!(rate("checkout"), 0.0);
    assert!(m.thresholds.impact < 0.99, "the observed steady failures are the normal state");
    let (result, report) = blastsim::simulate(&m, None).unwrap();
    let avail = |name: &str| {
        let i = m.services.iter().position(|s| s.name == name).unwrap();
        result.services[i].samples.to_vec().last().unwrap().availability
    };
    // The run gives a leaf's observed success back. Checkout's calls fail
    // more often together (1.45%) than checkout was seen to (0.4%): the model
    // passes every failed call up, so checkout fails more than observed.
    assert!((avail("psp-example-com") - 0.996).abs() < 1e-6, "{}", avail("psp-example-com"));
    assert!(avail("checkout") < 0.996, "{}", avail("checkout"));
    assert!(report.services.iter().all(|s| !s.impacted));
}
