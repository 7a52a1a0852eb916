//! Bad input: every class exits with code 2 and an exact, located message (snapshots of stderr).
//! Also the edges of good input: a dependency cycle runs, and a run over `max-events` or `max-solves` stops.

use crate::support::{SMALL, blastsim, redact, write};

/// Runs `blastsim ARGS` in a temp dir holding `files`; asserts exit code 2 and
/// an empty stdout, and returns stderr with the temp dir replaced by `[TMP]`.
fn rejected(files: &[(&str, &str)], args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(tmp.path(), name, text);
    }
    let out = blastsim().current_dir(tmp.path()).args(args).assert().code(2).get_output().clone();
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert!(!stderr.contains("panicked"), "{stderr}");
    redact(&stderr, tmp.path())
}

/// Runs `blastsim run bad.toml` where `bad.toml` is [`SMALL`] with `from` replaced by `to`.
fn rejected_small(from: &str, to: &str) -> String {
    assert!(SMALL.contains(from), "`{from}` is in the base topology");
    let text = SMALL.replacen(from, to, 1);
    rejected(&[("bad.toml", &text)], &["run", "bad.toml"])
}

#[test]
fn malformed_toml() {
    insta::assert_snapshot!("malformed_toml", rejected_small("duration = \"1h\"", "duration = \"1h"));
}

#[test]
fn wrong_type() {
    insta::assert_snapshot!("wrong_type", rejected_small("instances = 2", "instances = \"two\""));
}

#[test]
fn wrong_type_of_a_duration() {
    insta::assert_snapshot!("wrong_type_duration", rejected_small("duration = \"1h\"", "duration = 3600"));
}

#[test]
fn negative_capacity() {
    insta::assert_snapshot!("negative_capacity", rejected_small("capacity = \"200/s\"", "capacity = \"-5/s\""));
}

#[test]
fn zero_capacity() {
    insta::assert_snapshot!("zero_capacity", rejected_small("capacity = \"200/s\"", "capacity = \"0/s\""));
}

#[test]
fn zero_instances() {
    insta::assert_snapshot!("zero_instances", rejected_small("instances = 1", "instances = 0"));
}

#[test]
fn duration_without_a_unit() {
    insta::assert_snapshot!("duration_without_unit", rejected_small("duration = \"1h\"", "duration = \"90\""));
}

#[test]
fn dependency_on_a_missing_service_suggests_the_nearest() {
    let stderr = rejected_small("[services.web.calls.db]", "[services.web.calls.dbb]");
    assert!(stderr.contains("did you mean `db`?"), "{stderr}");
    insta::assert_snapshot!("missing_dependency", stderr);
}

#[test]
fn self_dependency() {
    insta::assert_snapshot!("self_dependency", rejected_small("[services.web.calls.db]", "[services.web.calls.web]"));
}

#[test]
fn unknown_key_suggests_the_nearest() {
    let stderr = rejected_small("instances = 1", "instancs = 1");
    assert!(stderr.contains("did you mean `instances`?"), "{stderr}");
    insta::assert_snapshot!("unknown_key", stderr);
}

#[test]
fn several_problems_are_reported_at_once() {
    let text =
        SMALL.replacen("instances = 2", "instances = 0", 1).replacen("capacity = \"200/s\"", "capacity = \"0/s\"", 1);
    let stderr = rejected(&[("bad.toml", &text)], &["check", "bad.toml"]);
    assert!(stderr.contains("2 problems"), "{stderr}");
    insta::assert_snapshot!("several_problems", stderr);
}

#[test]
fn set_of_a_missing_table() {
    let stderr = rejected(&[("small.toml", SMALL)], &["run", "small.toml", "--set", "services.dbx.instances=3"]);
    insta::assert_snapshot!("set_missing_table", stderr);
}

#[test]
fn set_of_a_missing_nested_table() {
    let stderr = rejected(&[("small.toml", SMALL)], &["run", "small.toml", "--set", "services.db.thread.workers=3"]);
    insta::assert_snapshot!("set_missing_nested_table", stderr);
}

#[test]
fn set_without_an_equals_sign() {
    let stderr = rejected(&[("small.toml", SMALL)], &["run", "small.toml", "--set", "services.db.instances"]);
    insta::assert_snapshot!("set_without_equals", stderr);
}

#[test]
fn set_of_an_invalid_value_is_located() {
    let stderr = rejected(&[("small.toml", SMALL)], &["run", "small.toml", "--set", "services.db.instances=0"]);
    assert!(stderr.contains("with --set"), "{stderr}");
    insta::assert_snapshot!("set_invalid_value", stderr);
}

#[test]
fn missing_file() {
    insta::assert_snapshot!("missing_file", rejected(&[], &["run", "nope.toml"]));
}

#[test]
fn unreadable_file() {
    // A directory cannot be read as a file, also when running as root.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("dir.toml")).unwrap();
    let out = blastsim().current_dir(tmp.path()).args(["run", "dir.toml"]).assert().code(2).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("cannot read topology `dir.toml`"), "{stderr}");
}

#[test]
fn not_utf8() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("latin1.toml"), b"name = \"caf\xe9\"\n").unwrap();
    let out = blastsim().current_dir(tmp.path()).args(["check", "latin1.toml"]).assert().code(2).get_output().clone();
    insta::assert_snapshot!("not_utf8", String::from_utf8(out.stderr).unwrap());
}

#[test]
fn unknown_variant_without_variants() {
    insta::assert_snapshot!(
        "unknown_variant_none",
        rejected(&[("small.toml", SMALL)], &["run", "small.toml", "--variant", "fast"])
    );
}

#[test]
fn unknown_variant_suggests_the_nearest() {
    let text = format!("{SMALL}\n[variants.more-threads]\nset = {{ \"services.db.threads.workers\" = 400 }}\n");
    let stderr = rejected(&[("v.toml", &text)], &["run", "v.toml", "--variant", "more-thread"]);
    assert!(stderr.contains("`more-threads`"), "{stderr}");
    insta::assert_snapshot!("unknown_variant_nearest", stderr);
}

#[test]
fn clock_time_without_start() {
    let text = format!("{SMALL}\n[[scenario]]\nat = \"09:20\"\naction = \"crash\"\nservice = \"db\"\n");
    insta::assert_snapshot!("clock_time_without_start", rejected(&[("bad.toml", &text)], &["run", "bad.toml"]));
}

#[test]
fn unknown_action() {
    let text = format!("{SMALL}\n[[scenario]]\nat = \"+5m\"\naction = \"explode\"\nservice = \"db\"\n");
    insta::assert_snapshot!("unknown_action", rejected(&[("bad.toml", &text)], &["run", "bad.toml"]));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let stderr = rejected(&[("small.toml", SMALL)], &["run", "small.toml", "--sed", "1"]);
    insta::assert_snapshot!("unknown_flag", stderr);
}

#[test]
fn unknown_format_is_a_usage_error() {
    let stderr = rejected(&[("small.toml", SMALL)], &["graph", "small.toml", "--format", "png"]);
    insta::assert_snapshot!("unknown_graph_format", stderr);
}

#[test]
fn a_dependency_cycle_runs_and_terminates() {
    let text = r#"duration = "1h"
[services.a]
instances = 2
capacity = "100/s"
load = { kind = "constant", rate = "50/s" }
[services.a.calls.b]
[services.b]
instances = 2
capacity = "100/s"
[services.b.calls.a]
"#;
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "cycle.toml", text);
    blastsim().arg("check").arg(&path).assert().success();
    let out = blastsim().arg("run").arg(&path).args(["--format", "json"]).assert().success().get_output().clone();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["services"].as_array().unwrap().len(), 2);
}

#[test]
fn a_tiny_max_events_stops_with_exit_1() {
    let text = SMALL.replacen("duration = \"1h\"", "duration = \"1h\"\nmax-events = 10", 1);
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "busy.toml", &text);
    let out = blastsim().arg("run").arg(&path).assert().code(1).get_output().clone();
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("`max-events`"), "{stderr}");
    insta::assert_snapshot!("max_events", stderr);
}

#[test]
fn a_tiny_max_solves_stops_with_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "busy.toml", SMALL);
    let out = blastsim().arg("run").arg(&path).args(["--set", "max-solves=3"]).assert().code(1).get_output().clone();
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("passed `max-solves` (3 service solves)"), "{stderr}");
}

#[test]
fn an_unreadable_file_names_the_reason_once() {
    let stderr = rejected(&[], &["run", "nope.toml"]);
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
}

#[test]
fn a_fifo_is_refused_without_opening_it() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    // Opening a FIFO with no writer blocks forever: the timeout turns a hang into a failure.
    let out = blastsim()
        .current_dir(tmp.path())
        .args(["check", "pipe.toml"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .get_output()
        .clone();
    insta::assert_snapshot!("fifo", String::from_utf8(out.stderr).unwrap());
}

#[test]
fn a_device_is_refused() {
    let stderr = rejected(&[], &["check", "/dev/zero"]);
    assert!(stderr.contains("not a regular file (a device)"), "{stderr}");
}

#[test]
fn a_file_over_the_size_limit_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let big = std::fs::File::create(tmp.path().join("big.toml")).unwrap();
    // Sparse: 65 MiB of holes, no disk used.
    big.set_len(blastsim::topology::MAX_FILE_BYTES + 1024 * 1024).unwrap();
    let out = blastsim().current_dir(tmp.path()).args(["check", "big.toml"]).assert().code(2).get_output().clone();
    insta::assert_snapshot!("too_large", String::from_utf8(out.stderr).unwrap());
}

#[test]
fn compare_runs_over_the_limit() {
    let stderr = rejected(&[("small.toml", SMALL)], &["compare", "small.toml", "--runs", "4000000000"]);
    insta::assert_snapshot!("compare_runs_over_limit", stderr);
}

#[test]
fn nan_by_set_is_refused() {
    let stderr =
        rejected(&[("small.toml", SMALL)], &["run", "small.toml", "--set", "services.web.calls.db.per-request=nan"]);
    insta::assert_snapshot!("set_nan", stderr);
}

#[test]
fn a_rate_that_is_not_a_number() {
    insta::assert_snapshot!("rate_nan", rejected_small("capacity = \"200/s\"", "capacity = \"nan/s\""));
}

#[test]
fn a_duration_past_u64_is_bad_input() {
    insta::assert_snapshot!(
        "duration_out_of_range",
        rejected_small("duration = \"1h\"", "duration = \"18446744073709551616ms\"")
    );
}

#[test]
fn a_duplicate_key_is_named() {
    insta::assert_snapshot!("duplicate_key", rejected_small("instances = 2", "instances = 2\ninstances = 3"));
}

#[test]
fn retries_past_the_maximum() {
    let stderr = rejected_small("[services.web.calls.db]", "[services.web.calls.db]\nretries = { max = 4294967295 }");
    insta::assert_snapshot!("retries_max", stderr);
}

#[test]
fn a_negative_seed_names_the_range() {
    for cmd in ["run", "compare", "sweep"] {
        let mut args = vec![cmd, "small.toml", "--seed", "-1"];
        if cmd == "sweep" {
            args.extend(["--param", "services.db.instances=1,2"]);
        }
        let stderr = rejected(&[("small.toml", SMALL)], &args);
        assert!(
            stderr.contains("seeds are whole numbers from 0 to 2^64-1 (18446744073709551615), found `-1`"),
            "{stderr}"
        );
    }
}

/// [`SMALL`] with a good variant, one that sets a missing path and one that sets a bad value.
const WITH_VARIANTS: &str = r#"
[variants.good]
set = { "services.db.instances" = 2 }

[variants.missing-path]
set = { "services.dbx.instances" = 2 }

[variants.bad-value]
set = { "services.db.capacity" = "0/s" }
"#;

#[test]
fn check_validates_every_variant() {
    let text = format!("{SMALL}{WITH_VARIANTS}");
    let stderr = rejected(&[("v.toml", &text)], &["check", "v.toml"]);
    assert!(stderr.contains("variant `missing-path` `services.dbx.instances`: no table `services.dbx`"), "{stderr}");
    assert!(stderr.contains("v.toml (with variant `bad-value`)"), "{stderr}");
    assert!(!stderr.contains("variant `good`"), "{stderr}");
    insta::assert_snapshot!("check_variants", stderr);
}

#[test]
fn check_reports_the_baseline_and_the_variants_problems_once() {
    let text = format!("{SMALL}{WITH_VARIANTS}").replacen("instances = 2", "instances = 0", 1);
    let stderr = rejected(&[("v.toml", &text)], &["check", "v.toml"]);
    assert!(stderr.contains("3 of its runs"), "{stderr}");
    // The baseline's problem is not repeated under each variant.
    assert_eq!(stderr.matches("`services.web.instances`: must be at least 1, found 0").count(), 1, "{stderr}");
}

#[test]
fn json_inputs_name_no_internal_type_and_refuse_a_fifo() {
    let stderr = rejected(&[("small.toml", SMALL), ("r.json", "[]")], &["graph", "small.toml", "--report", "r.json"]);
    assert!(stderr.contains("expected an object") && !stderr.contains("struct"), "{stderr}");
    let stderr = rejected(&[("sweep.json", "[1]")], &["merge", "--out", "merged", "sweep.json"]);
    assert!(stderr.contains("expected an object") && !stderr.contains("struct"), "{stderr}");

    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "small.toml", SMALL);
    assert!(std::process::Command::new("mkfifo").arg(tmp.path().join("r.json")).status().unwrap().success());
    let out = blastsim()
        .current_dir(tmp.path())
        .args(["graph", "small.toml", "--report", "r.json"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("not a regular file (a FIFO)"), "{stderr}");
}

#[test]
fn import_refuses_a_fifo() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(std::process::Command::new("mkfifo").arg(tmp.path().join("t.json")).status().unwrap().success());
    let out = blastsim()
        .current_dir(tmp.path())
        .args(["import", "--from", "jaeger", "t.json"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("not a regular file (a FIFO)"), "{stderr}");
}
