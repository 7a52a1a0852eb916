//! `blastsim blast`: the ranking, the static blast radius beside it, determinism, the JSON shape and bad flags.

use crate::support::{blastsim, shipped};
use blastsim::blast::{self, Blast, DEFAULT_SETTLE, Fault, Request};
use blastsim::model::Model;
use serde_json::Value;

const DIAMOND: &str = "tests/fixtures/blast-diamond.toml";

fn model(path: &str) -> Model {
    blastsim::topology::load_file(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path), &[], None).unwrap()
}

fn request(fault: Fault) -> Request {
    Request {
        fault,
        at: None,
        duration: None,
        services: Vec::new(),
        runs: 1,
        keep_scenario: false,
        settle: DEFAULT_SETTLE,
    }
}

fn row<'b>(b: &'b Blast, name: &str) -> &'b blast::Row {
    b.ranking.iter().find(|r| r.service == name).unwrap_or_else(|| panic!("{name} ranked"))
}

#[test]
fn the_root_callee_of_a_chain_hurts_most_and_fallbacks_and_buffers_contain() {
    let b = blast::run(&model(DIAMOND), &request(Fault::Crash)).unwrap();
    let db = row(&b, "db");
    assert_eq!(db.impacted, ["front", "api", "db"]);
    assert_eq!(db.static_reach, ["front", "api"]);
    assert!(db.contained.is_empty() && db.beyond_reach.is_empty());
    let rank = |name: &str| b.ranking.iter().position(|r| r.service == name).unwrap();
    assert!(rank("db") < rank("api") && rank("api") < rank("front"), "the deeper in the chain, the worse");
    assert!(db.error_minutes > row(&b, "api").error_minutes);
    for shielded in ["cache", "audit"] {
        let r = row(&b, shielded);
        assert_eq!(r.static_reach, ["front"], "{shielded}");
        assert_eq!(r.contained, ["front"], "{shielded}: the fallback / buffer holds, front is not impacted");
    }
    assert_eq!(row(&b, "front").static_reach, Vec::<String>::new());
    let errs: Vec<f64> = b.ranking.iter().map(|r| r.error_minutes).collect();
    assert!(errs.windows(2).all(|w| w[0] >= w[1]), "worst first: {errs:?}");
}

/// The diamond in requests mode, ten times lighter and 20 minutes long so
/// that every request is simulated quickly.
fn diamond_requests() -> Model {
    let sets: Vec<String> = [
        "mode=requests",
        "duration=20m",
        "services.front.load.rate=100/s",
        "services.report.load.rate=20/s",
        "services.checkout.load.rate=20/s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DIAMOND);
    blastsim::topology::load_file(&path, &sets, None).unwrap()
}

#[test]
fn blast_works_in_requests_mode_and_agrees_with_the_fluid_chain() {
    let m = diamond_requests();
    let services = ["db", "api", "cache"].map(|n| m.services.iter().position(|s| s.name == n).unwrap());
    let services = services.into_iter().map(blastsim::model::ServiceId).collect();
    let req = Request { services, ..request(Fault::Crash) };
    let b = blast::run(&m, &req).unwrap();
    let db = row(&b, "db");
    assert_eq!(db.impacted, ["front", "api", "db"], "{db:?}");
    assert!(db.failed_requests > 0.0 && db.error_minutes > row(&b, "api").error_minutes, "{b:?}");
    assert_eq!(row(&b, "cache").contained, ["front"], "the fallback holds request by request too");
    // Every request is drawn from the seed: the same answer twice.
    let again = blast::run(&m, &req).unwrap();
    assert_eq!(format!("{b:?}"), format!("{again:?}"));
}

#[test]
fn a_recovery_burst_through_a_shared_callee_reaches_beyond_the_callers() {
    let b = blast::run(&model(DIAMOND), &request(Fault::parse("latency=20s").unwrap())).unwrap();
    let ledger = row(&b, "ledger");
    assert_eq!(ledger.static_reach, ["report"]);
    assert_eq!(ledger.beyond_reach, ["checkout", "shared"], "{ledger:?}");
    assert!(ledger.impacted.contains(&"report".to_string()));
}

#[test]
fn the_answer_does_not_depend_on_the_thread_count() {
    let m = model(DIAMOND);
    let mut req = request(Fault::parse("capacity=0.8").unwrap());
    req.runs = 3;
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let b = pool.install(|| blast::run(&m, &req)).unwrap();
        blastsim::report::blast::json(&b)
    };
    let one = on(1);
    assert_eq!(one, on(4));
    assert_eq!(one, on(2));
}

#[test]
fn kinesis_ranks_first_on_the_kinesis_topology() {
    let b = blast::run(&model(&shipped("aws-kinesis-2020-11-25")), &request(Fault::Crash)).unwrap();
    assert_eq!(b.ranking[0].service, "kinesis");
    assert_eq!(b.ranking[0].impacted.len(), 9, "{:?}", b.ranking[0].impacted);
}

fn json_of(args: &[&str]) -> Value {
    let out = blastsim().arg("blast").args(args).args(["--format", "json"]).assert().success().get_output().clone();
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn blast_json_follows_the_contract() {
    let v = json_of(&[DIAMOND, "--service", "db", "--service", "cache", "--at", "+10m", "--for", "5m"]);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["fault"]["kind"], "crash");
    assert_eq!(v["fault"]["at_s"], 600.0);
    assert_eq!(v["fault"]["for_s"], 300.0);
    assert_eq!(v["fault"]["scenario"], "replaced");
    let ranking = v["ranking"].as_array().unwrap();
    assert_eq!(ranking.len(), 2);
    assert_eq!(ranking[0]["service"], "db");
    for r in ranking {
        for key in ["impacted", "static_reach", "contained", "beyond_reach", "by_service"] {
            assert!(r[key].is_array(), "{key}: {r}");
        }
        assert!(r["error_minutes"].is_f64() && r["failed_requests"].is_f64(), "{r}");
        assert!(r["recovered_s"].is_f64() || r["recovered_s"].is_null(), "{r}");
        assert!(r["outlived_fault"].is_boolean(), "{r}");
    }
}

#[test]
fn out_writes_the_heat_map_and_the_shaded_graphs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    blastsim().args(["blast", DIAMOND, "--fault", "errors=0.5", "--out", out]).assert().success();
    let names = ["blast.json", "blast.png", "blast.svg", "blast.dot", "blast.mmd"];
    for name in names {
        assert!(dir.path().join(name).is_file(), "{name}");
    }
    let png = std::fs::read(dir.path().join("blast.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let svg = std::fs::read_to_string(dir.path().join("blast.svg")).unwrap();
    assert!(svg.contains("error-minutes") && svg.contains("impacted service"), "colour bar and axes are labelled");
    let mmd = std::fs::read_to_string(dir.path().join("blast.mmd")).unwrap();
    assert!(mmd.starts_with("flowchart LR\n") && mmd.contains("classDef blast4"), "{mmd}");
    let dot = std::fs::read_to_string(dir.path().join("blast.dot")).unwrap();
    assert!(dot.contains("blast 3, "), "db's node says how many its failure impacted: {dot}");
}

#[test]
fn a_kept_scenario_is_not_counted_as_the_faults_doing() {
    let v = json_of(&[&shipped("three-tier-slow-db"), "--keep-scenario", "--service", "web", "--at", "09:50"]);
    assert_eq!(v["fault"]["scenario"], "kept");
    assert_eq!(
        v["ranking"][0]["impacted"],
        serde_json::json!(["web"]),
        "the db's slow spell at 09:20 is in the baseline too"
    );
}

#[test]
fn bad_flags_exit_2_and_say_what_to_write() {
    let cases: [(&[&str], &str); 7] = [
        (&["--fault", "melt"], "unknown fault `melt`"),
        (&["--fault", "errors=3"], "not a fraction"),
        (&["--at", "+3h"], "does not end within the run"),
        (&["--at", "soon"], "--at soon"),
        (&["--for", "0s"], "--for must be more than 0"),
        (&["--service", "dbb"], "did you mean `db`?"),
        (&["--runs", "0"], "--runs 1 or more"),
    ];
    for (args, says) in cases {
        let out = blastsim().arg("blast").arg(DIAMOND).args(args).assert().code(2).get_output().clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(says), "{args:?}: {err}");
    }
    blastsim().args(["blast", "no-such.toml"]).assert().code(2);
}

#[test]
fn blast_text_and_imported_topology_are_golden() {
    let out = blastsim().args(["blast", DIAMOND, "--fault", "latency=20s"]).assert().success().get_output().clone();
    insta::assert_snapshot!("blast_text__diamond_latency", String::from_utf8(out.stdout).unwrap());
    let out = blastsim()
        .args(["import", "--from", "jaeger", "tests/fixtures/import/jaeger-dependencies.json"])
        .assert()
        .success()
        .get_output()
        .clone();
    insta::assert_snapshot!("import__jaeger_shop", String::from_utf8(out.stdout).unwrap());
}
