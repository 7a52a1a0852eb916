//! `blastsim sweep` input that used to go wrong: relative times, integer keys over default ranges, no services.

use crate::support::{blastsim, shipped, write};

#[test]
fn a_range_of_relative_times_keeps_its_plus() {
    let tmp = tempfile::tempdir().unwrap();
    blastsim()
        .arg("sweep")
        .arg(shipped("three-tier-slow-db"))
        .args(["--param", "scenario.0.at=+1m..+20m:3", "--runs", "1", "--no-progress", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["spec"]["params"][0]["values"], serde_json::json!(["+1m", "+10.5m", "+20m"]));
}

#[test]
fn an_integer_key_over_a_default_range_says_to_use_a_step_or_a_list() {
    let out = blastsim()
        .arg("sweep")
        .arg(shipped("three-tier-slow-db"))
        .args(["--param", "services.api.instances=1..4", "--runs", "1", "--no-progress", "--out", "target/never"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("gives 11 evenly spaced points"), "{err}");
    assert!(err.contains("services.api.instances=1..4:step=1") && err.contains("a list"), "{err}");
}

#[test]
fn a_topology_without_services_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let topology = write(tmp.path(), "empty.toml", "duration = \"1h\"\n");
    let out = blastsim()
        .arg("sweep")
        .arg(&topology)
        .args(["--param", "duration=\"1h\",\"2h\"", "--runs", "1", "--no-progress", "--out"])
        .arg(tmp.path().join("o"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("has no services") && err.contains("[services.NAME]"), "{err}");
    assert!(!tmp.path().join("o").exists());
}

#[test]
fn completions_and_man_pages_are_generated() {
    for shell in ["bash", "zsh", "fish"] {
        let out = blastsim().args(["completions", shell]).assert().success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(text.contains("blastsim") && text.contains("sweep") && text.contains("no-progress"), "{shell}");
    }
    let man = blastsim().arg("man").assert().success();
    let text = String::from_utf8_lossy(&man.get_output().stdout).to_string();
    assert!(text.starts_with(".ie") || text.contains(".TH blastsim"), "{}", &text[..200.min(text.len())]);
    assert!(text.contains("merge"));
    let run = blastsim().args(["man", "run"]).assert().success();
    let text = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(text.contains("blastsim\\-run") && text.contains("\\-\\-out"), "{}", &text[..300.min(text.len())]);
    blastsim().args(["man", "nope"]).assert().code(2);
}

#[test]
fn every_command_help_ends_with_examples() {
    for command in ["run", "compare", "sweep", "merge", "check", "generate", "graph", "completions", "man"] {
        let out = blastsim().args([command, "--help"]).assert().success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(text.contains("Examples:\n  blastsim "), "{command} --help:\n{text}");
    }
}
