//! A table of bad topologies and the exact problems reported for each, with line and column.

use super::*;

pub(super) const BASE: &str = r#"duration = "2h"
[services.web]
instances = 2
capacity = "100/s"
[services.web.calls.db]
[services.db]
instances = 1
capacity = "100/s"
"#;

/// Each problem as `line:col message`, in report order.
fn problems(err: &TopologyError) -> Vec<String> {
    let at = |loc: &Option<(usize, usize)>| loc.map_or("-".to_string(), |(l, c)| format!("{l}:{c}"));
    match err {
        TopologyError::Syntax(e) => vec![format!("{} {}", at(&e.location), e.message)],
        TopologyError::Invalid(e) => e.problems.iter().map(|p| format!("{} {p}", at(&p.location))).collect(),
        other => vec![other.to_string()],
    }
}

pub(super) fn check(name: &str, text: &str, sets: &[&str], expected: &[&str]) -> Option<String> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let err = match load_str("bad.toml", text, &sets, None) {
        Ok(_) => return Some(format!("{name}: loaded, expected {expected:?}")),
        Err(e) => e,
    };
    let found = problems(&err);
    (found != expected).then(|| format!("{name}:\n{}\nfound {found:#?}", render_error(&err)))
}

#[test]
fn bad_inputs_give_exact_messages() {
    let cases: &[(&str, String, &[&str], &[&str])] = &[
        (
            "unknown key",
            BASE.replace("capacity = \"100/s\"\n[services.web.calls", "capasity = \"100/s\"\n[services.web.calls"),
            &[],
            &["4:1 unknown key `capasity`; did you mean `capacity`?"],
        ),
        (
            "wrong type",
            BASE.replace("duration = \"2h\"", "duration = 30"),
            &[],
            &["1:12 expected a duration string like \"10s\", found integer 30"],
        ),
        (
            "no unit",
            BASE.replace("duration = \"2h\"", "duration = \"30\""),
            &[],
            &[
                "1:12 `duration`: `30` has no unit; write \"30s\" for seconds or \"30ms\" for milliseconds (units: ms, s, m, h, d)",
            ],
        ),
        ("not toml", "duration = \"2h\n".to_string(), &[], &["1:15 invalid basic string, expected `\"`"]),
        (
            "tick past the run",
            BASE.replace("duration = \"2h\"", "duration = \"2h\"\ntick = \"3h\""),
            &[],
            &["2:8 `tick`: `tick` (3h) is longer than `duration` (2h): periodic mechanisms would never act"],
        ),
        (
            "missing duration and capacity, zero instances",
            BASE.replace("duration = \"2h\"\n", "").replace("instances = 1\ncapacity = \"100/s\"", "instances = 0"),
            &[],
            &[
                "- missing key `duration`",
                "6:13 `services.db.instances`: must be at least 1, found 0",
                "5:1 `services.db.capacity`: missing key `capacity`",
            ],
        ),
        (
            "bad capacity and workers",
            BASE.replace(
                "capacity = \"100/s\"\n[services.web.calls",
                "capacity = \"0/s\"\nthreads = { workers = 500, os-limit = 400 }\n[services.web.calls",
            ),
            &[],
            &[
                "4:12 `services.web.capacity`: must be more than 0, found \"0/s\"",
                "5:23 `services.web.threads.workers`: 500 workers do not fit under the OS limit of 400 threads",
            ],
        ),
        (
            "thresholds",
            format!("{BASE}[thresholds]\nimpact = 1.5\nsevere = 0.97\n"),
            &[],
            &[
                "10:10 `thresholds.impact`: must be between 0 and 1, found 1.5",
                "11:10 `thresholds.severe`: `severe` (0.97) is above `mostly-recovered` (0.95)",
            ],
        ),
        (
            "missing callee",
            BASE.replace("calls.db]", "calls.dbx]"),
            &[],
            &["5:21 `services.web.calls.dbx`: `web` calls `dbx`, which is not a service; did you mean `db`?"],
        ),
        (
            "self call",
            BASE.replace("calls.db]", "calls.web]"),
            &[],
            &[
                "5:21 `services.web.calls.web`: a service cannot call itself synchronously: its requests would wait on its own threads",
            ],
        ),
        (
            "scenario problems",
            format!(
                "{BASE}{}",
                r#"
[[scenario]]
at = "05:15"
action = "crash"
service = "dbb"
[[scenario]]
at = "+3h"
action = "partition"
from = "db"
to = "web"
[[scenario]]
at = "+1h"
action = "restart"
service = "db"
count = 1
fraction = 1.5
[[scenario]]
at = "+1h"
action = "rolling-restart"
service = "db"
[[scenario]]
at = "+1h"
action = "crash"
service = "db"
latency = "1s"
[[scenario]]
at = "+1h"
action = "explode"
"#
            ),
            &[],
            &[
                "11:6 `scenario.0.at`: the clock time `05:15` needs a start clock",
                "13:11 `scenario.0.service`: no service `dbb`; did you mean `db`?",
                "15:6 `scenario.1.at`: `+3h` is after the end of the run (duration 2h)",
                "18:6 `scenario.1.to`: `db` does not call `web`, so there is no dependency to partition",
                "24:1 `scenario.2.fraction`: give `count` or `fraction`, not both",
                "25:1 `scenario.3`: give a pace: `rate` or `batch`",
                "33:1 `scenario.4.latency`: a `crash` action takes no `latency`",
                "36:10 `scenario.5.action`: unknown action `explode`",
            ],
        ),
        (
            "expect problems",
            format!("{BASE}[[expect]]\nservice = \"wbe\"\nkind = \"impact\"\nat = \"+1h\"\n"),
            &[],
            &[
                "10:11 `expect.0.service`: no service `wbe`; did you mean `web`?",
                "11:8 `expect.0.kind`: unknown milestone `impact`; did you mean `impact_start`?",
            ],
        ),
        (
            "bad set parent",
            BASE.to_string(),
            &["services.dbb.instances=3"],
            &["--set `services.dbb.instances`: no table `services.dbb`; did you mean `db`?"],
        ),
        (
            "set without a value",
            BASE.to_string(),
            &["services.db.instances"],
            &["--set `services.db.instances`: `services.db.instances` is not KEY=VALUE"],
        ),
        (
            "rolling with rate and batch, bad fraction",
            format!(
                "{BASE}{}",
                r#"[[scenario]]
at = "+1h"
action = "rolling-restart"
service = "db"
rate = "300/h"
batch = 2
fraction = 0
"#
            ),
            &[],
            &[
                "15:12 `scenario.0.fraction`: must be more than 0 and at most 1, found 0",
                "14:9 `scenario.0.batch`: give `rate` or `batch`, not both",
            ],
        ),
        (
            "bad set key",
            BASE.to_string(),
            &["services.db.instancs=3"],
            &["9:1 unknown key `instancs`; did you mean `instances`?"],
        ),
        (
            "set action breaks a service",
            format!(
                "{BASE}{}",
                r#"
[[scenario]]
at = "+1h"
action = "set"
values = { "services.db.instances" = 0, "services.dbx.queue" = 1 }
[[scenario]]
at = "+1h"
action = "set"
values = { "services.db.instances" = 0 }
"#
            ),
            &[],
            &[
                "13:41 `scenario.0.values.\"services.dbx.queue\"`: cannot set `services.dbx.queue`: no table `services.dbx`; did you mean `db`?",
                "17:38 `scenario.1.values.\"services.db.instances\"`: after this change, `services.db.instances`: must be at least 1, found 0",
            ],
        ),
        (
            "peers",
            format!(
                "{BASE}{}",
                r#"[services.db.peers]
per-peer = -1
base-threads = 32700
learn = "0s"
cells = 0
cache-ttl = "1"
"#
            ),
            &[],
            &[
                "10:12 `services.db.peers.per-peer`: must be at least 0, found -1",
                "11:16 `services.db.peers.base-threads`: 200 workers and 32700 base threads reach the OS limit of 32768 threads, leaving none for peers: the service could never run",
                "12:9 `services.db.peers.learn`: must be longer than 0",
                "13:9 `services.db.peers.cells`: must be at least 1, found 0",
                "14:13 `services.db.peers.cache-ttl`: `1` has no unit; write \"1s\" for seconds or \"1ms\" for milliseconds (units: ms, s, m, h, d)",
            ],
        ),
        (
            "peers leave no threads",
            format!("{BASE}threads = {{ workers = 100, os-limit = 100 }}\npeers = {{ base-threads = 0 }}\n"),
            &[],
            &[
                "10:26 `services.db.peers.base-threads`: 100 workers and 0 base threads reach the OS limit of 100 threads, leaving none for peers: the service could never run",
            ],
        ),
        (
            "peers key typo",
            format!("{BASE}peers = {{ per_peer = 2 }}\n"),
            &[],
            &[
                "9:11 unknown key `per_peer`; did you mean `per-peer`?",
            ],
        ),
        (
            "warmup",
            format!(
                "{BASE}{}",
                r#"[services.db.warmup]
source = "stor"
store-capacity = -1
peer-share = 1.5
peer-cost = 0
deadline = "0s"
"#
            ),
            &[],
            &[
                "9:1 `services.db.warmup.duration`: missing key `duration`",
                "10:10 `services.db.warmup.source`: unknown warm-up source `stor`; did you mean `store`?",
                "11:18 `services.db.warmup.store-capacity`: must be at least 0, found -1",
                "12:14 `services.db.warmup.peer-share`: must be between 0 and 1, found 1.5",
                "13:13 `services.db.warmup.peer-cost`: must be more than 0, found 0",
                "14:12 `services.db.warmup.deadline`: must be longer than 0",
            ],
        ),
        (
            "warmup zero duration",
            format!("{BASE}warmup = {{ duration = \"0s\" }}\n"),
            &[],
            &[
                "9:23 `services.db.warmup.duration`: must be longer than 0",
            ],
        ),
        (
            "memory",
            format!("{BASE}memory = {{ limit = \"4\", base = \"1XB\", fail-at = 0 }}\n"),
            &[],
            &[
                "9:20 `services.db.memory.limit`: `4` has no unit; write \"4MB\" for megabytes or \"4GB\" for gigabytes (units: B, KB, MB, GB, TB)",
                "9:32 `services.db.memory.base`: `XB` is not a size unit in `1XB`; use B, KB, MB, GB or TB",
                "9:49 `services.db.memory.fail-at`: must be more than 0, found 0",
            ],
        ),
        (
            "memory without limit",
            format!("{BASE}memory = {{ base = \"1GB\" }}\n"),
            &[],
            &[
                "9:1 `services.db.memory.limit`: missing key `limit`",
            ],
        ),
        (
            "memory limit zero",
            format!("{BASE}memory = {{ limit = \"0GB\" }}\n"),
            &[],
            &[
                "9:20 `services.db.memory.limit`: must be more than 0, found \"0GB\"",
            ],
        ),
        (
            "hard limit under the limit",
            format!("{BASE}memory = {{ limit = \"4GB\", hard-limit = \"2GB\" }}\n"),
            &[],
            &[
                "9:40 `services.db.memory.hard-limit`: must be above `limit` (4096 MB), found \"2GB\"",
            ],
        ),
        (
            "size is a number",
            format!("{BASE}memory = {{ limit = 4096 }}\n"),
            &[],
            &[
                "9:20 expected a size string like \"512MB\", found integer 4096",
            ],
        ),
        (
            "call kinds and their keys",
            BASE.replace(
                "[services.web.calls.db]\n",
                r#"[services.web.calls.db]
kind = "bufferd"
[services.web.calls.cache]
buffer = { size = 10 }
need = 0.5
[services.web.calls.queue]
kind = "buffered"
tolerance = "1m"
[services.web.calls.metrics]
kind = "control"
need = 1.5
priority = 3000000000
buffer = { size = 10 }
[services.cache]
instances = 1
capacity = "100/s"
[services.queue]
instances = 1
capacity = "100/s"
[services.metrics]
instances = 1
capacity = "100/s"
"#,
            ),
            &[],
            &[
                "6:8 `services.web.calls.db.kind`: unknown call kind `bufferd`; did you mean `buffered`?",
                "8:1 `services.web.calls.cache.buffer`: a `sync` call takes no `buffer`",
                "9:1 `services.web.calls.cache.need`: a `sync` call takes no `need`",
                "12:1 `services.web.calls.queue.tolerance`: a `buffered` call takes no `tolerance`",
                "11:8 `services.web.calls.queue.kind`: a `buffered` call needs a `buffer` table",
                "17:1 `services.web.calls.metrics.buffer`: a `control` call takes no `buffer`",
                "15:8 `services.web.calls.metrics.need`: must be between 0 and 1, found 1.5",
                "16:12 `services.web.calls.metrics.priority`: must be at most 2147483647, found 3000000000",
            ],
        ),
        (
            "bad buffer",
            BASE.replace(
                "[services.web.calls.db]\n",
                "[services.web.calls.db]\nkind = \"buffered\"\nbuffer = { size = 0, when-full = \"spill\", item-size = \"2\", drain = \"0/s\" }\n",
            ),
            &[],
            &[
                "7:19 `services.web.calls.db.buffer.size`: must be more than 0, found 0",
                "7:34 `services.web.calls.db.buffer.when-full`: unknown when-full policy `spill`",
                "7:55 `services.web.calls.db.buffer.item-size`: `2` has no unit; write \"2MB\" for megabytes or \"2GB\" for gigabytes (units: B, KB, MB, GB, TB)",
                "7:68 `services.web.calls.db.buffer.drain`: must be more than 0, found \"0/s\"",
            ],
        ),
        (
            "buffer without size",
            BASE.replace("[services.web.calls.db]\n", "[services.web.calls.db]\nkind = \"buffered\"\nbuffer = {}\n"),
            &[],
            &[
                "7:1 `services.web.calls.db.buffer.size`: missing key `size`",
            ],
        ),
        (
            "growing buffer without memory",
            BASE.replace(
                "[services.web.calls.db]\n",
                "[services.web.calls.db]\nkind = \"buffered\"\nbuffer = { size = 10, when-full = \"grow\" }\n",
            ),
            &[],
            &[
                "7:35 `services.web.calls.db.buffer.when-full`: a buffer that grows fills memory, but `web` has no memory limit",
            ],
        ),
        (
            "scenario: when-full and over",
            format!(
                "{BASE}{}",
                r#"[[scenario]]
at = "+1h"
action = "rolling-deploy"
service = "db"
rate = "300/h"
when-full = "grow"
[[scenario]]
at = "+1h"
action = "scale-out"
service = "db"
count = 2
over = "5"
[[scenario]]
at = "+1h"
action = "crash"
service = "db"
over = "5m"
[[scenario]]
at = "+1h"
action = "rolling-deploy"
service = "web"
rate = "300/h"
when-full = "spill"
"#
            ),
            &[],
            &[
                "14:13 `scenario.0.when-full`: `db` has no buffered calls, so `when-full` changes nothing",
                "20:8 `scenario.1.over`: `5` has no unit; write \"5s\" for seconds or \"5ms\" for milliseconds (units: ms, s, m, h, d)",
                "25:1 `scenario.2.over`: a `crash` action takes no `over`",
                "31:13 `scenario.3.when-full`: unknown when-full policy `spill`",
            ],
        ),
        (
            "deploy grows a buffer without memory",
            format!(
                "{}{}",
                BASE.replace("[services.web.calls.db]\n", "[services.web.calls.db]\nkind = \"buffered\"\nbuffer = { size = 10 }\n"),
                r#"[[scenario]]
at = "+1h"
action = "rolling-deploy"
service = "web"
batch = 1
pause = "1m"
when-full = "grow"
"#
            ),
            &[],
            &[
                "17:13 `scenario.0.when-full`: a buffer that grows fills memory, but `web` has no memory limit",
            ],
        ),
        (
            "set action turns on a call that is off from the start",
            format!(
                "{BASE}{}",
                r#"[[scenario]]
at = "+1h"
action = "set"
values = { "services.web.calls.db.enabled" = true }
"#
            ),
            &["services.web.calls.db.enabled=false"],
            &[
                "13:12 `scenario.0.values.\"services.web.calls.db.enabled\"`: a scenario `set` cannot switch on a call that is off from the start",
            ],
        ),
        (
            "set action adds a call",
            format!(
                "{BASE}{}",
                r#"[[scenario]]
at = "+1h"
action = "set"
values = { "services.db.calls" = { web = { timeout = "1s" } } }
"#
            ),
            &[],
            &[
                "12:1 `scenario.0.values.\"services.db.calls.web.timeout\"`: cannot set `services.db.calls.web.timeout`: no table `services.db.calls`",
            ],
        ),
        (
            "disabled call is still validated",
            BASE.replace("[services.web.calls.db]\n", "[services.web.calls.db]\nenabled = false\nper-request = 0\n"),
            &[],
            &[
                "7:15 `services.web.calls.db.per-request`: must be more than 0, found 0",
            ],
        ),
    ];
    let failures: Vec<String> =
        cases.iter().filter_map(|(name, text, sets, expected)| check(name, text, sets, expected)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn rendered_errors_show_file_line_snippet_and_help() {
    let text = BASE.replace("capacity = \"100/s\"\n[services.web.calls", "capacity = \"0/s\"\n[services.web.calls");
    let err = load_str("shop.toml", &text, &[], None).unwrap_err();
    let out = render_error(&err);
    assert!(out.contains("invalid topology `shop.toml`: 1 problem"), "{out}");
    assert!(out.contains("[shop.toml:4:12]"), "{out}");
    assert!(out.contains("capacity = \"0/s\""), "{out}");
    assert!(out.contains("help: write a positive rate"), "{out}");

    let err = load_str("shop.toml", &text, &["services.web.queue=5".to_string()], None).unwrap_err();
    assert!(render_error(&err).contains("shop.toml (with --set):4:12"), "{}", render_error(&err));
}
