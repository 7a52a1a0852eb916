//! The command line: `run` (text, JSON, `--out`, `--set`, `--seed`), `check` and `graph`.

use crate::support::{SMALL, blastsim, impacted, run_json, service, shipped, write};
use std::fs;

const THREE_TIER: &str = "three-tier-slow-db";
const MILESTONE_KINDS: [&str; 5] = ["impact_start", "severe", "recovery_start", "mostly_recovered", "recovered"];

fn stdout_of(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).expect("stdout is UTF-8")
}

#[test]
fn run_prints_the_impacted_services_as_text() {
    let text = stdout_of(blastsim().args(["run", &shipped(THREE_TIER)]));
    assert!(text.starts_with("blastsim report: three-tier-slow-db\n"), "{text}");
    assert!(text.contains("Services (2 of 3 impacted)"), "{text}");
    let row = |name: &str| {
        text.lines().find(|l| l.trim_start().starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{text}"))
    };
    assert!(row("web").contains(" yes "), "{text}");
    assert!(row("api").contains(" yes "), "{text}");
    assert!(row("db").contains(" no "), "{text}");
    assert!(text.contains("db queries 800 ms slower"), "{text}");
}

#[test]
fn run_json_follows_the_report_contract() {
    let report = run_json(&[&shipped(THREE_TIER)]);
    let services = report["services"].as_array().unwrap();
    assert_eq!(services.len(), 3);
    for s in services {
        for m in s["milestones"].as_array().unwrap() {
            assert!(MILESTONE_KINDS.contains(&m["kind"].as_str().unwrap()), "{m}");
            let at = m["at"].as_str().unwrap();
            assert!(at.len() == 8 && at.as_bytes()[2] == b':' && at.as_bytes()[5] == b':', "clock time: {m}");
            assert!(m["t_s"].as_f64().unwrap() >= 0.0, "{m}");
        }
    }
    let web = service(&report, "web");
    assert_eq!(web["milestones"][0]["kind"], "impact_start");
    assert_eq!(web["milestones"][0]["at"], "09:20:00");
    assert_eq!(web["milestones"][0]["t_s"], 1200.0);
    assert_eq!(report["expectations"], serde_json::json!([]));
    assert_eq!(impacted(&report), ["web", "api"]);
}

#[test]
fn run_json_without_a_clock_gives_offsets() {
    let report = run_json(&[&shipped("retry-storm")]);
    let m = &service(&report, "back")["milestones"][0];
    assert_eq!(m["kind"], "impact_start");
    assert_eq!(m["at"], "+10m");
    assert_eq!(m["t_s"], 600.0);
    assert_eq!(report["start"], serde_json::Value::Null);
}

#[test]
fn out_writes_exactly_the_contract_files_and_the_draft() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let json = stdout_of(blastsim().args(["run", &shipped(THREE_TIER), "--format", "json", "--out"]).arg(&dir));
    let mut names: Vec<String> =
        fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["recovery.png", "recovery.svg", "report.html", "report.json", "report.md", "timeseries.csv"]);

    assert_eq!(fs::read_to_string(dir.join("report.json")).unwrap(), json);
    let png = fs::read(dir.join("recovery.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "PNG magic bytes");
    let svg = fs::read_to_string(dir.join("recovery.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"), "SVG document");

    let csv = fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "t_s,time,service,offered,served,failed,availability,healthy,instances,queue,backlog,threads_in_use,p50_ms,p99_ms"
    );
    // 1h30m in 10 s steps = 540 samples, for each of the 3 services.
    assert_eq!(lines.len(), 1 + 540 * 3);
    assert!(lines[1].starts_with("10.000,09:00:10,web,"), "{}", lines[1]);
    assert!(lines[3].starts_with("10.000,09:00:10,db,"), "{}", lines[3]);
    assert!(lines[lines.len() - 1].starts_with("5400.000,10:30:00,db,"), "{}", lines[lines.len() - 1]);
    assert!(lines.iter().skip(1).all(|l| l.split(',').count() == 14));
}

#[test]
fn out_with_text_says_where_it_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let text = stdout_of(blastsim().args(["run", &shipped(THREE_TIER), "--out"]).arg(tmp.path()));
    assert!(
        text.contains("wrote report.json, timeseries.csv, recovery.png, recovery.svg, report.md and report.html to"),
        "{text}"
    );
}

#[test]
fn out_to_a_file_fails_with_exit_1_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = write(tmp.path(), "taken", "keep me");
    let assert = blastsim().args(["run", &shipped(THREE_TIER), "--out"]).arg(&taken).assert().code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("cannot create the output directory") && stderr.contains("taken"), "{stderr}");
    let names: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["taken"]);
    assert_eq!(fs::read_to_string(&taken).unwrap(), "keep me");
}

/// The JSON report of `run THREE_TIER ARGS`, and each service's highest threads in use and queue while the
/// database is slow (09:20:10 to 09:35), from `timeseries.csv`.
fn slow_db_run(args: &[&str]) -> (serde_json::Value, std::collections::BTreeMap<String, (f64, f64)>) {
    let tmp = tempfile::tempdir().unwrap();
    let report = run_json(&[&[shipped(THREE_TIER).as_str()], args, &["--out", tmp.path().to_str().unwrap()]].concat());
    let csv = fs::read_to_string(tmp.path().join("timeseries.csv")).unwrap();
    let mut peaks = std::collections::BTreeMap::new();
    for line in csv.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let t: f64 = cols[0].parse().unwrap();
        if !(1210.0..2100.0).contains(&t) {
            continue;
        }
        let (queue, threads): (f64, f64) = (cols[9].parse().unwrap(), cols[11].parse().unwrap());
        let peak: &mut (f64, f64) = peaks.entry(cols[2].to_string()).or_default();
        *peak = (peak.0.max(threads), peak.1.max(queue));
    }
    (report, peaks)
}

fn failed(report: &serde_json::Value, name: &str) -> f64 {
    service(report, name)["failed_requests"].as_f64().unwrap()
}

#[test]
fn more_api_workers_alone_move_the_bottleneck_to_the_web_tier() {
    // The shipped run: the API's 600 threads are all held by slow requests and
    // its queue fills; the database has connections to spare.
    let (base, peak) = slow_db_run(&[]);
    assert_eq!(impacted(&base), ["web", "api"]);
    assert_eq!(peak["api"].0, 600.0, "{peak:?}");
    assert!(peak["api"].1 > 0.0 && peak["db"].0 < 1000.0, "{peak:?}");
    // 400 workers per API instance (2400 threads) could hold ~1470 slow
    // requests/s. But the web tier's 1600 threads, each held ~1.6 s while its
    // call waits on the API, pass on only ~980/s: the web tier is now the
    // bottleneck, and the API and the database serve all they are sent.
    let (more, peak) = slow_db_run(&["--set", "services.api.threads.workers=400"]);
    assert_eq!(impacted(&more), ["web"]);
    assert_eq!(peak["web"].0, 1600.0, "{peak:?}");
    assert!(peak["api"].0 < 1700.0 && peak["api"].1 == 0.0, "{peak:?}");
    assert_eq!((failed(&more, "api"), failed(&more, "db")), (0.0, 0.0));
    assert!(failed(&base, "api") > 1e6);
}

#[test]
fn more_api_and_web_workers_move_the_bottleneck_to_the_database() {
    // With threads for the whole slow wait in the web tier (8 x 500 for
    // 2000/s x ~1.6 s) and the API (6 x 600), all 4000 queries/s reach the
    // database, which would need 4000 x 0.804 s = ~3200 connections and has
    // 2000: its connections are all in use and calls queue there, while the
    // API's threads are no longer exhausted. The database's failures now
    // fail the API and the web tier through their calls.
    let (base, _) = slow_db_run(&[]);
    let sets = ["--set", "services.api.threads.workers=600", "--set", "services.web.threads.workers=500"];
    let (more, peak) = slow_db_run(&sets);
    assert_eq!(impacted(&more), ["web", "api", "db"]);
    assert_eq!(peak["db"].0, 2000.0, "{peak:?}");
    assert!(peak["db"].1 > 0.0, "{peak:?}");
    assert!(peak["api"].0 < 3600.0 && peak["api"].1 == 0.0, "{peak:?}");
    assert!(peak["web"].0 < 4000.0, "{peak:?}");
    assert_eq!(failed(&base, "db"), 0.0);
    assert!(failed(&more, "db") > 1e6);
}

#[test]
fn a_short_db_timeout_fails_every_api_request() {
    // 200 ms is shorter than the slowed database's 804 ms: every call times
    // out, so the API fails everything while the database is slow.
    let report = run_json(&[&shipped(THREE_TIER), "--set", "services.api.calls.db.timeout=200ms"]);
    assert_eq!(impacted(&report), ["web", "api", "db"]);
    for name in ["web", "api", "db"] {
        let s = service(&report, name);
        assert_eq!(s["min_availability"], 0.0, "{s}");
        let kinds: Vec<&str> =
            s["milestones"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, MILESTONE_KINDS, "{name} recovers once the database is fast again");
    }
}

#[test]
fn set_accepts_a_quoted_toml_value() {
    let bare = run_json(&[&shipped(THREE_TIER), "--set", "services.api.calls.db.timeout=200ms"]);
    let quoted = run_json(&[&shipped(THREE_TIER), "--set", "services.api.calls.db.timeout=\"200ms\""]);
    assert_eq!(bare, quoted);
}

#[test]
fn set_can_defuse_the_trigger() {
    let report = run_json(&[&shipped(THREE_TIER), "--set", "scenario.0.latency=1ms"]);
    assert_eq!(impacted(&report), Vec::<String>::new());
}

#[test]
fn seed_is_recorded_and_runs_repeat() {
    let a = run_json(&[&shipped("retry-storm"), "--seed", "42"]);
    let b = run_json(&[&shipped("retry-storm"), "--seed", "42"]);
    assert_eq!(a["seed"], 42);
    assert_eq!(a, b);
    assert_eq!(run_json(&[&shipped("retry-storm")])["seed"], 0);
}

#[test]
fn check_reports_ok_and_counts() {
    let text = stdout_of(blastsim().args(["check", &shipped(THREE_TIER)]));
    assert_eq!(
        text,
        "topologies/three-tier-slow-db.toml: ok (3 services, 2 dependencies, 1 scenario actions, 0 expected milestones, 0 variants)\n"
    );
}

#[test]
fn check_applies_sets() {
    blastsim().args(["check", &shipped(THREE_TIER), "--set", "services.api.threads.workers=0"]).assert().code(2);
}

#[test]
fn graph_dot_has_every_edge() {
    let text = stdout_of(blastsim().args(["graph", &shipped(THREE_TIER)]));
    assert!(text.starts_with("digraph \"three-tier-slow-db\" {"), "{text}");
    for line in ["s0 [label=\"web\"];", "s1 [label=\"api\"];", "s2 [label=\"db\"];", "s0 -> s1 [", "s1 -> s2 ["] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert_eq!(text, stdout_of(blastsim().args(["graph", &shipped(THREE_TIER), "--format", "dot"])));
}

#[test]
fn graph_mermaid_has_every_edge() {
    let text = stdout_of(blastsim().args(["graph", &shipped(THREE_TIER), "--format", "mermaid"]));
    assert!(text.starts_with("flowchart LR\n"), "{text}");
    assert!(text.contains("s0 -->|\"sync\"| s1"), "{text}");
    assert!(text.contains("s1 -->|\"sync, x2\"| s2"), "{text}");
    assert!(!text.contains("impacted"), "{text}");
}

#[test]
fn graph_marks_the_services_a_report_found_impacted() {
    let tmp = tempfile::tempdir().unwrap();
    blastsim().args(["run", &shipped(THREE_TIER), "--out"]).arg(tmp.path()).assert().success();
    let report = tmp.path().join("report.json");
    let dot = stdout_of(blastsim().args(["graph", &shipped(THREE_TIER), "--report"]).arg(&report));
    let node = |id: &str| dot.lines().find(|l| l.trim_start().starts_with(&format!("{id} ["))).unwrap().to_string();
    assert!(node("s0").contains("fillcolor") && node("s0").contains("min 0.1%"), "{dot}");
    assert!(node("s1").contains("fillcolor"), "{dot}");
    assert_eq!(node("s2").trim(), "s2 [label=\"db\"];");
    let mermaid =
        stdout_of(blastsim().args(["graph", &shipped(THREE_TIER), "--format", "mermaid", "--report"]).arg(&report));
    assert!(mermaid.ends_with("  class s0,s1 impacted\n"), "{mermaid}");
}

#[test]
fn graph_refuses_a_file_that_is_not_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let bogus = write(tmp.path(), "report.json", "{\"not\": \"a report\"}");
    let assert = blastsim().args(["graph", &shipped(THREE_TIER), "--report"]).arg(&bogus).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("is not a blastsim report.json"), "{stderr}");
}

#[test]
fn a_small_topology_runs_from_a_temp_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "small.toml", SMALL);
    let report = run_json(&[path.to_str().unwrap()]);
    assert_eq!(report["topology"], "small");
    assert_eq!(impacted(&report), Vec::<String>::new());
    assert_eq!(service(&report, "web")["offered_requests"], 50.0 * 3600.0);
}

#[test]
fn graph_focus_draws_one_neighbourhood() {
    let path = "tests/fixtures/blast-diamond.toml";
    let text = stdout_of(blastsim().args(["graph", path, "--focus", "api", "--format", "mermaid"]));
    for name in ["\"front\"", "\"api\"", "\"db\""] {
        assert!(text.contains(name), "{name}: {text}");
    }
    assert!(!text.contains("\"cache\"") && !text.contains("\"report\""), "{text}");
    assert!(text.contains("classDef focus"), "{text}");
    let wide = stdout_of(blastsim().args(["graph", path, "--focus", "db", "--depth", "2"]));
    assert!(wide.contains("label=\"front\"") && !wide.contains("label=\"cache\""), "{wide}");
    let near = stdout_of(blastsim().args(["graph", path, "--focus", "db"]));
    assert!(!near.contains("label=\"front\""), "depth 1 stops at api: {near}");
    let err = blastsim().args(["graph", path, "--focus", "dbb"]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8(err).unwrap().contains("did you mean `db`?"));
    blastsim().args(["graph", path, "--depth", "2"]).assert().code(2);
}
