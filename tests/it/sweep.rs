//! `blastsim sweep`, `merge` and `compare --runs`: determinism across threads and shards, the Kinesis
//! restart-rate U-shape, and clear errors for bad `--param` input.

use crate::support::{blastsim, shipped, write};
use std::path::Path;

/// A small topology where the swept db capacity decides how badly web suffers.
fn crash() -> String {
    crate::support::web_db_crash("1h")
}

const FILES: [&str; 4] = ["sweep.json", "sweep.csv", "sweep.png", "sweep.svg"];

fn sweep(dir: &Path, out: &str, extra: &[&str], threads: &str) {
    let topology = write(dir, "crash.toml", &crash());
    blastsim()
        .env("RAYON_NUM_THREADS", threads)
        .arg("sweep")
        .arg(&topology)
        .args(["--param", "services.db.capacity=10/s..100/s:3", "--param", "services.db.instances=2,4"])
        .args(["--runs", "3", "--seed", "5", "--no-progress", "--out"])
        .arg(dir.join(out))
        .args(extra)
        .assert()
        .success();
}

fn same_files(a: &Path, b: &Path) {
    for name in FILES {
        let (x, y) = (std::fs::read(a.join(name)).unwrap(), std::fs::read(b.join(name)).unwrap());
        assert!(x == y, "{name} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn one_and_two_threads_write_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    sweep(tmp.path(), "one", &[], "1");
    sweep(tmp.path(), "two", &[], "2");
    same_files(&tmp.path().join("one"), &tmp.path().join("two"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("one/sweep.json")).unwrap()).unwrap();
    assert_eq!(json["runs"].as_array().unwrap().len(), 18);
    assert_eq!(json["points"].as_array().unwrap().len(), 6);
    assert_eq!(json["complete"], true);
    assert_eq!(json["points"][0]["values"], serde_json::json!(["10/s", 2]));
}

#[test]
fn merged_shards_equal_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    sweep(tmp.path(), "single", &[], "2");
    sweep(tmp.path(), "s1", &["--shard", "1/2"], "1");
    sweep(tmp.path(), "s2", &["--shard", "2/2"], "1");
    let shard: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("s1/sweep.json")).unwrap()).unwrap();
    assert_eq!(shard["shard"], serde_json::json!({"k": 1, "n": 2}));
    assert_eq!(shard["runs"].as_array().unwrap().len(), 9);
    blastsim().current_dir(tmp.path()).args(["merge", "--out", "merged", "s2/sweep.json", "s1"]).assert().success();
    same_files(&tmp.path().join("single"), &tmp.path().join("merged"));
    let missing = blastsim().current_dir(tmp.path()).args(["merge", "--out", "m2", "s1"]).assert().code(2);
    let err = String::from_utf8_lossy(&missing.get_output().stderr).to_string();
    assert!(err.contains("missing shard 2/2"), "{err}");
}

/// The published 300/h sits at the bottom of a U: slower restarts take
/// longer, faster ones thrash the warm-up (a run that never recovers is slowest).
#[test]
fn kinesis_recovery_against_restart_rate_is_u_shaped() {
    let tmp = tempfile::tempdir().unwrap();
    blastsim()
        .arg("sweep")
        .arg(shipped("aws-kinesis-2020-11-25"))
        .args(["--param", "scenario.2.rate=150/h,300/h,600/h", "--set", "duration=\"40h\"", "--runs", "1"])
        .args(["--no-progress", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["spec"]["service"], "kinesis");
    let at = |i: usize| json["points"][i]["recovery_or_end_s"]["mean"].as_f64().unwrap();
    let (slow, published, fast) = (at(0), at(1), at(2));
    assert!(published < slow && published < fast, "150/h {slow}, 300/h {published}, 600/h {fast}");
    assert!(std::fs::read(tmp.path().join("sweep.svg")).unwrap().len() > 1000);
}

#[test]
fn bad_params_exit_2_with_the_text_and_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let topology = write(tmp.path(), "crash.toml", &crash());
    let cases: [(&[&str], &str); 9] = [
        (&["--param", "services.db.capacity"], "no `=` between the key and its values"),
        (&["--param", "services.db.capcity=1/s,2/s"], "capcity"),
        (&["--param", "services.db.capacity=a..b"], "the start `a` is not a number"),
        (&["--param", "services.db.capacity=1/s..9/s:0"], "zero points"),
        (&["--param", "services.db.capacity=0/s..9/s:3:log"], "log-spaced range needs both ends above zero"),
        (&["--param", "services.db.capacity=1/s,2/s", "--service", "nope"], "choose one of: web, db"),
        (&["--param", "services.db.capacity=1/s", "--shard", "3/2"], "expected K/N"),
        (
            &["--param", "services.db.instances=1..10000:10000", "--param", "services.web.instances=1..100:100"],
            "over the limit of 100000",
        ),
        (&["--param", "services.db.instances=1..10000:10000", "--runs", "2000"], "over the limit of 10000000 runs"),
    ];
    for (args, want) in cases {
        let out = blastsim()
            .arg("sweep")
            .arg(&topology)
            .args(args)
            .args(["--no-progress", "--out"])
            .arg(tmp.path().join("o"))
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert!(!tmp.path().join("o").exists());
}

#[test]
fn compare_with_runs_shows_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    let topology = write(
        tmp.path(),
        "crash.toml",
        &format!("{}\n[variants.big]\ndescription = \"more db\"\nset = {{ \"services.db.instances\" = 8 }}\n", crash()),
    );
    let out = blastsim().arg("compare").arg(&topology).args(["--runs", "3"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("(2 runs x 3 seeds)") && text.contains("mean [95% interval]"), "{text}");
    assert!(text.contains("baseline") && text.contains("big"), "{text}");
}

/// The retry storm's trigger at a random time within an hour: the outage lasts
/// from the trigger to the end, so error-minutes vary from run to run.
#[test]
fn intervals_shrink_as_runs_grow() {
    let tmp = tempfile::tempdir().unwrap();
    let width = |runs: &str| {
        let out = tmp.path().join(runs);
        blastsim()
            .arg("sweep")
            .arg(shipped("retry-storm"))
            .args(["--set", "scenario.0.jitter={ dist = \"uniform\", min = \"0s\", max = \"1h\" }"])
            .args(["--param", "duration=\"2h\"", "--metric", "error-minutes", "--runs", runs, "--no-progress", "--out"])
            .arg(&out)
            .assert()
            .success();
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
        let s = &json["points"][0]["error_minutes"];
        s["ci_high"].as_f64().unwrap() - s["ci_low"].as_f64().unwrap()
    };
    let (few, many) = (width("4"), width("32"));
    assert!(few > 0.0 && many < few, "4 runs: {few}, 32 runs: {many}");
}

#[test]
fn an_unknown_key_gets_the_topology_layers_suggestion() {
    let out = blastsim()
        .arg("sweep")
        .arg(shipped("three-tier-slow-db"))
        .args(["--param", "services.web.capcity=100/s..400/s:4", "--no-progress", "--out", "target/never"])
        .assert()
        .code(2);
    insta::assert_snapshot!(String::from_utf8_lossy(&out.get_output().stderr));
}

#[test]
fn a_malformed_range_names_the_flag_the_text_and_the_fix() {
    let out = blastsim()
        .arg("sweep")
        .arg(shipped("three-tier-slow-db"))
        .args(["--param", "services.web.capacity=100/s..400/min:4", "--no-progress", "--out", "target/never"])
        .assert()
        .code(2);
    insta::assert_snapshot!(String::from_utf8_lossy(&out.get_output().stderr));
}
