//! Values are what they say: NaN, infinities, out-of-range numbers and durations, and the wording
//! of key, `--set` and type errors, each with its exact message.

use super::tests_bad::{BASE, check};
use super::*;

#[test]
fn bad_values_give_exact_messages() {
    let with_retries =
        |retries: &str| BASE.replace("[services.web.calls.db]\n", &format!("[services.web.calls.db]\n{retries}\n"));
    let cases: &[(&str, String, &[&str], &[&str])] = &[
        (
            "nan in the file",
            BASE.replace("[services.web.calls.db]\n", "[services.web.calls.db]\nper-request = nan\n"),
            &[],
            &["6:15 `services.web.calls.db.per-request`: must be a finite number, found nan"],
        ),
        (
            "nan and infinities by --set, in any numeric key",
            BASE.to_string(),
            &[
                "services.web.calls.db.per-request=nan",
                "thresholds.impact=-inf",
                "services.web.calls.db.retries.budget=inf",
            ],
            &[
                "6:15 `services.web.calls.db.per-request`: must be a finite number, found nan",
                "9:10 `services.web.calls.db.retries.budget`: must be a finite number, found inf",
                "15:10 `thresholds.impact`: must be a finite number, found -inf",
            ],
        ),
        (
            "rates that are not finite",
            BASE.replace("capacity = \"100/s\"\n[services.web.calls", "capacity = \"nan/s\"\n[services.web.calls"),
            &["services.db.capacity=\"1e400/s\""],
            &[
                "4:12 `services.web.capacity`: `nan` in `nan/s` is not a finite number; write a rate like \"300/h\"",
                "8:12 `services.db.capacity`: `1e400` in `1e400/s` is out of range; write a rate like \"300/h\"",
            ],
        ),
        (
            "durations past u64",
            BASE.replace("duration = \"2h\"", "duration = \"18446744073709551616ms\""),
            &[],
            &[
                "1:12 `duration`: `18446744073709551616ms` is out of range; durations go up to 1000000d (about 2,700 years)",
            ],
        ),
        (
            "a sum of durations past u64",
            BASE.replace("[services.web.calls.db]\n", "[services.web.calls.db]\ntimeout = \"99999999999999h1ms\"\n"),
            &[],
            &[
                "6:11 `services.web.calls.db.timeout`: `99999999999999h1ms` is out of range; durations go up to 1000000d (about 2,700 years)",
            ],
        ),
        (
            "integers over the bound name the bound",
            BASE.replace("instances = 2", "instances = 1000000000000"),
            &[],
            &["3:13 `services.web.instances`: must be at most 4294967295, found 1000000000000"],
        ),
        (
            "retries are bounded",
            with_retries("retries = { max = 4294967295 }"),
            &[],
            &["6:19 `services.web.calls.db.retries.max`: must be at most 100, found 4294967295"],
        ),
        (
            "an unknown retry mode",
            with_retries("retries = { mode = \"adaptiv\" }"),
            &[],
            &["6:20 `services.web.calls.db.retries.mode`: unknown retry mode `adaptiv`; did you mean `adaptive`?"],
        ),
        (
            "a retry quota smaller than a retry",
            with_retries("retries = { mode = \"standard\", quota = 2 }"),
            &[],
            &["6:40 `services.web.calls.db.retries.quota`: must be at least 5, found 2"],
        ),
        (
            "a time before the start",
            format!("{BASE}[[scenario]]\nat = \"-5m\"\naction = \"crash\"\nservice = \"db\"\n"),
            &[],
            &["10:6 `scenario.0.at`: `-5m` is before the start of the run; times are offsets after it"],
        ),
        (
            "a duplicate key is named",
            BASE.replace("instances = 2\n", "instances = 2\ninstances = 3\n"),
            &[],
            &["4:1 duplicate key `instances`"],
        ),
        (
            "a quoted --set key holding `=` is one key",
            BASE.to_string(),
            &["services.\"a=b\"=1"],
            &["4:9 expected a service table like `[services.api]` with `instances` and `capacity`, found integer 1"],
        ),
        (
            "a jitter that is neither a duration nor a distribution",
            format!("{BASE}[[scenario]]\nat = \"+5m\"\naction = \"crash\"\nservice = \"db\"\njitter = 5\n"),
            &[],
            &[
                "13:10 expected a duration string like \"10s\" or a distribution like { dist = \"exponential\", mean = \"10s\" }, found integer 5",
            ],
        ),
    ];
    let failures: Vec<String> =
        cases.iter().filter_map(|(name, text, sets, expected)| check(name, text, sets, expected)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_time_before_the_start_suggests_a_valid_offset() {
    let text = format!("{BASE}[[scenario]]\nat = \"-5m\"\naction = \"crash\"\nservice = \"db\"\n");
    let out = render_error(&load_str("bad.toml", &text, &[], None).unwrap_err());
    assert!(!out.contains("+-5m"), "{out}");
    assert!(out.contains("\"+5m\""), "{out}");
}

#[test]
fn no_message_names_an_internal_type() {
    // Every table of the format given a string instead: the message says what the table is.
    let tables = [
        "services.web",
        "services.web.threads",
        "services.web.health-check",
        "services.web.load",
        "services.web.peers",
        "services.web.warmup",
        "services.web.memory",
        "services.web.calls",
        "services.web.calls.db",
        "services.web.calls.db.retries",
        "services.web.calls.db.buffer",
        "services.web.startup",
        "thresholds",
        "scenario",
        "expect",
        "variants",
        "services",
    ];
    for key in tables {
        let mut doc: toml_edit::DocumentMut = BASE.parse().unwrap();
        // Written into the document directly: `--set` refuses to replace a table by a value.
        let segs: Vec<&str> = key.split('.').collect();
        let (leaf, parents) = segs.split_last().unwrap();
        let mut table = doc.as_table_mut();
        for p in parents {
            table = table.entry(p).or_insert(toml_edit::table()).as_table_mut().unwrap();
        }
        table.insert(leaf, toml_edit::value("x"));
        let err = load_str("bad.toml", &doc.to_string(), &[], None).expect_err(key);
        let out = render_error(&err);
        assert!(!out.contains("Raw") && !out.contains("struct"), "{key}: {out}");
    }
    // Sequences of tables, given a table of the wrong kind.
    for (text, what) in [
        (format!("{BASE}[[scenario]]\njitter = [1]\n"), "jitter"),
        (format!("{BASE}scenario = [\"x\"]\n"), "scenario"),
        (format!("{BASE}expect = [1]\n"), "expect"),
    ] {
        let out = render_error(&load_str("bad.toml", &text, &[], None).expect_err(what));
        assert!(!out.contains("Raw") && !out.contains("struct"), "{what}: {out}");
    }
}

#[test]
fn a_plain_jitter_is_a_fixed_delay() {
    let text = format!("{BASE}[[scenario]]\nat = \"+5m\"\naction = \"crash\"\nservice = \"db\"\njitter = \"5m\"\n");
    let model = load_str("ok.toml", &text, &[], None).expect("a duration is a valid jitter");
    assert_eq!(model.scenario[0].jitter, Some(crate::model::dist::Dist::Fixed { value_s: 300.0 }));
}

#[test]
fn set_creates_a_table_left_to_its_defaults() {
    let sets = ["services.web.threads.workers=10".to_string(), "services.web.calls.db.retries.max=3".to_string()];
    let model = load_str("ok.toml", BASE, &sets, None).expect("tables with defaults may be set into");
    assert_eq!(model.services[0].threads, 10);
    assert_eq!(model.deps[0].retries.max, 3);
}
