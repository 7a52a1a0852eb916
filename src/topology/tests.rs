//! Tests of good topologies: defaults, a three-tier graph, overrides, scenario `set` actions and variants.

use super::*;
use crate::model::{ActionKind, Amount, Jitter, LoadShape, MilestoneKind, Pace, ServiceId};
use crate::time::{SimTime, Span};

pub const THREE_TIER: &str = r#"
description = "web -> app -> db"
start = "2020-11-25T02:00:00-08:00"
duration = "6h"

[services.web]
instances = 4
capacity = "500/s"
load = { kind = "constant", rate = "1000/s" }

[services.web.calls.app]
timeout = "2s"
retries = { max = 2, backoff = "200ms" }

[services.app]
instances = 6
capacity = "300/s"
threads = { workers = 100 }
health-check = { interval = "5s" }

[services.app.calls.db]
per-request = 2

[services.db]
instances = 2
capacity = "2000/s"

[[scenario]]
at = "+2h"
action = "rolling-restart"
service = "app"
rate = "300/h"

[[scenario]]
at = "03:00"
action = "crash"
service = "db"
count = 1

[[scenario]]
at = "+3h"
action = "set"
values = { "services.app.threads.workers" = 400 }

[[scenario]]
at = "+4h"
action = "set"
values = { "services.db.capacity" = "4000/s" }

[[expect]]
service = "web"
kind = "impact_start"
at = "03:05"

[variants.big-db]
description = "twice the database"
set = { "services.db.instances" = 4 }
"#;

fn load(text: &str, sets: &[&str], variant: Option<&str>) -> Model {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    match load_str("three-tier.toml", text, &sets, variant) {
        Ok(m) => m,
        Err(e) => panic!("{}", render_error(&e)),
    }
}

#[test]
fn three_tier_parses_with_defaults() {
    let m = load(THREE_TIER, &[], None);
    assert_eq!(m.name, "three-tier");
    assert_eq!(m.description, "web -> app -> db");
    assert_eq!(m.duration, Span(6 * 3_600_000));
    assert_eq!((m.step, m.tick), (Span(10_000), Span(10_000)));
    assert_eq!((m.seed, m.max_events), (0, 10_000_000));
    let names: Vec<&str> = m.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["web", "app", "db"]);
    let web = &m.services[0];
    assert_eq!(web.load.shape, LoadShape::Constant { rate: 1000.0 });
    assert_eq!(web.load.timeout, Span(30_000));
    assert_eq!((web.threads, web.os_thread_limit, web.queue), (200, 32768, 1000));
    assert_eq!((web.latency, web.startup, web.health.is_none()), (Span(10), Span(60_000), true));
    let app = &m.services[1];
    assert_eq!(app.threads, 100);
    let health = app.health.as_ref().unwrap();
    assert_eq!(
        (health.interval, health.timeout, health.unhealthy_threshold, health.healthy_threshold),
        (Span(5000), Span(2000), 3, 2)
    );
    assert_eq!(m.services[2].load.shape, LoadShape::None);

    assert_eq!(m.deps.len(), 2);
    let d = &m.deps[0];
    assert_eq!((d.caller, d.callee, d.timeout), (ServiceId(0), ServiceId(1), Span(2000)));
    assert_eq!(
        (d.retries.max, d.retries.backoff, d.retries.multiplier, d.retries.jitter),
        (2, Span(200), 2.0, Jitter::Full)
    );
    let d = &m.deps[1];
    assert_eq!((d.per_request, d.timeout, d.retries.max, d.retries.backoff), (2.0, Span(1000), 0, Span(100)));
}

#[test]
fn scenario_is_sorted_by_time_with_labels() {
    let m = load(THREE_TIER, &[], None);
    let times: Vec<u64> = m.scenario.iter().map(|a| a.at.0 / 60_000).collect();
    assert_eq!(times, [60, 120, 180, 240]);
    let labels: Vec<&str> = m.scenario.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "crash db (1)",
            "rolling-restart app at 300/h",
            "set services.app.threads.workers=400",
            "set services.db.capacity=\"4000/s\""
        ]
    );
    assert_eq!(m.scenario[0].kind, ActionKind::Crash { service: ServiceId(2), amount: Amount::Count(1) });
    match &m.scenario[1].kind {
        ActionKind::Rolling { pace: Pace::Rate(r), version: None, amount: Amount::All, .. } => {
            assert_eq!(*r, 300.0 / 3600.0)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.expected[0].kind, MilestoneKind::ImpactStart);
    assert_eq!(m.expected[0].at, SimTime(65 * 60_000));
    assert_eq!(m.expected[0].at_text, "03:05");
}

#[test]
fn set_actions_carry_cumulative_parameters() {
    let m = load(THREE_TIER, &[], None);
    let ActionKind::Set { services, deps, overrides } = &m.scenario[2].kind else { panic!() };
    assert_eq!(overrides, &[("services.app.threads.workers".to_string(), "400".to_string())]);
    assert_eq!(services[1].threads, 400);
    assert_eq!(services[2].capacity, 2000.0);
    assert_eq!(deps, &m.deps);
    let ActionKind::Set { services, .. } = &m.scenario[3].kind else { panic!() };
    assert_eq!(services[1].threads, 400, "the earlier set still holds");
    assert_eq!(services[2].capacity, 4000.0);
    assert_eq!(m.services[1].threads, 100, "the baseline is unchanged");
}

#[test]
fn cli_sets_override_values_by_dotted_path() {
    let m = load(
        THREE_TIER,
        &["services.db.threads={ workers = 50 }", "services.web.instances=8", "scenario.0.at=+20m"],
        None,
    );
    assert_eq!(m.services[0].instances, 8);
    assert_eq!(m.services[2].threads, 50);
    assert_eq!(m.scenario[0].at, SimTime(20 * 60_000));
    assert_eq!(m.scenario[0].label, "rolling-restart app at 300/h");
    let m = load(THREE_TIER, &["services.app.health-check.timeout=1s"], None);
    assert_eq!(m.services[1].health.as_ref().unwrap().timeout, Span(1000));
}

#[test]
fn variants_apply_before_cli_sets() {
    let m = load(THREE_TIER, &[], Some("big-db"));
    assert_eq!(m.services[2].instances, 4);
    let m = load(THREE_TIER, &["services.db.instances=5"], Some("big-db"));
    assert_eq!(m.services[2].instances, 5);
    assert_eq!(m.variants.len(), 1);
    assert_eq!(m.variants[0].name, "big-db");
    assert_eq!(m.variants[0].description, "twice the database");
    assert_eq!(m.variants[0].overrides, [("services.db.instances".to_string(), "4".to_string())]);
}

#[test]
fn unknown_variants_list_the_known_ones() {
    let err = load_str("t.toml", THREE_TIER, &[], Some("big-dbb")).unwrap_err();
    assert_eq!(err.to_string(), "unknown variant `big-dbb`; the topology defines `big-db`");
    let text = render_error(&err);
    assert!(text.contains("did you mean `big-db`?"), "{text}");
}

#[test]
fn load_kinds_and_rolling_batches() {
    let text = r#"
duration = "1d"
[services.a]
instances = 1
capacity = "10/s"
load = { kind = "daily", mean = "5/s", amplitude = 0.5, peak = "14:00", timeout = "5s" }
[services.b]
instances = 1
capacity = "10/s"
load = { kind = "steps", rate = "1/s", steps = [{ at = "+1h", rate = "2/s" }] }
[services.c]
instances = 1
capacity = "10/s"
load = { kind = "ramp", from = "1/s", to = "3/s", start = "+1h", end = "+2h" }
[[scenario]]
at = "+1h"
action = "rolling-deploy"
service = "a"
batch = 2
pause = "5m"
fraction = 0.5
error-rate = 0.1
note = "bad deploy"
"#;
    let m = load(text, &[], None);
    assert_eq!(
        m.services[0].load.shape,
        LoadShape::Daily { mean: 5.0, amplitude: 0.5, peak_s_of_day: 14 * 3600, start_s_of_day: 0 }
    );
    assert_eq!(m.services[0].load.timeout, Span(5000));
    assert_eq!(m.services[1].load.shape, LoadShape::Steps { rate: 1.0, steps: vec![(SimTime(3_600_000), 2.0)] });
    assert_eq!(
        m.services[2].load.shape,
        LoadShape::Ramp { from: 1.0, to: 3.0, start: SimTime(3_600_000), end: SimTime(7_200_000) }
    );
    let a = &m.scenario[0];
    assert_eq!(a.label, "bad deploy");
    match &a.kind {
        ActionKind::Rolling { pace, amount, version: Some(v), .. } => {
            assert_eq!(*pace, Pace::Batches { size: 2, pause: Span(300_000) });
            assert_eq!(*amount, Amount::Fraction(0.5));
            assert_eq!((v.error_rate, v.capacity_factor), (0.1, 1.0));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn files_are_read_and_missing_files_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.toml");
    std::fs::write(&path, THREE_TIER).unwrap();
    let m = load_file(&path, &[], None).unwrap();
    assert_eq!(m.name, "shop");
    assert_eq!(variant_names(&path).unwrap(), ["big-db"]);
    let err = load_file(&dir.path().join("nope.toml"), &[], None).unwrap_err();
    assert!(matches!(err, TopologyError::Unreadable { .. }));
    assert!(render_error(&err).contains("check the path"), "{}", render_error(&err));
}

const CLOUDWATCH: &str = r#"
duration = "2h"
[services.web]
instances = 2
capacity = "100/s"
[services.web.calls.cloudwatch]
[services.cloudwatch]
instances = 4
capacity = "1000/s"

[variants.split]
description = "a frontend in front of cloudwatch"
set = { "services.cw-frontend" = { instances = 10, capacity = "100/s" }, "services.cloudwatch.calls.cw-frontend" = { timeout = "1s" } }

[variants.no-metrics]
set = { "services.web.calls.cloudwatch.enabled" = false }
"#;

#[test]
fn variants_add_services_and_calls() {
    let m = load(CLOUDWATCH, &[], Some("split"));
    assert_eq!(m.services.len(), 3);
    let id = m.service_id("cw-frontend").unwrap();
    assert_eq!((m.services[id.0].instances, m.services[id.0].capacity), (10, 100.0));
    assert_eq!(m.deps.len(), 2);
    assert_eq!((m.deps[1].caller, m.deps[1].callee), (m.service_id("cloudwatch").unwrap(), id));
    assert_eq!(m.deps[1].timeout, Span(1000));
    assert_eq!(m.variants[0].overrides[0], ("services.cw-frontend.instances".to_string(), "10".to_string()));
}

#[test]
fn variants_turn_calls_off() {
    let m = load(CLOUDWATCH, &[], None);
    assert_eq!(m.deps.len(), 1);
    let m = load(CLOUDWATCH, &[], Some("no-metrics"));
    assert!(m.deps.is_empty());
    let m = load(CLOUDWATCH, &["services.web.calls.cloudwatch.enabled=true"], Some("no-metrics"));
    assert_eq!(m.deps.len(), 1);
}

const NEW_TABLES: &str = r#"
duration = "2h"
[services.router]
instances = 100
capacity = "100/s"
threads = { workers = 100, os-limit = 4000 }
peers = { per-peer = 2, base-threads = 50, learn = "30m", cells = 4, cache-ttl = "2h", expiry-spread = "15m" }
warmup = { duration = "20m", source = "store", store-capacity = 5, peer-share = 0.2, peer-cost = 2, deadline = "90m" }
memory = { limit = "4GB", base = "512MB", fail-at = 0.25, hard-limit = "6GB" }

[services.router.calls.metrics]
kind = "buffered"
priority = 2
buffer = { size = 5000, when-full = "grow", item-size = "2KB", drain = "500/s" }

[services.router.calls.scaler]
kind = "control"
need = 0.8
tolerance = "5m"
priority = -1

[services.metrics]
instances = 4
capacity = "1000/s"
peers = {}
warmup = { duration = "5m" }
memory = { limit = "1GB" }

[services.metrics.calls.scaler]
kind = "buffered"
buffer = { size = 10 }

[services.scaler]
instances = 1
capacity = "10/s"

[[scenario]]
at = "+1h"
action = "scale-out"
service = "router"
count = 10
over = "10m"

[[scenario]]
at = "+1h"
action = "scale-in"
service = "router"
count = 10

[[scenario]]
at = "+1h"
action = "rolling-deploy"
service = "router"
rate = "300/h"
when-full = "drop"
"#;

#[test]
fn peers_warmup_and_memory_parse_with_defaults() {
    use crate::model::{Memory, PeerThreads, Warmup, WarmupSource};
    let m = load(NEW_TABLES, &[], None);
    let (router, metrics) = (&m.services[0], &m.services[1]);
    assert_eq!(
        router.peers,
        Some(Box::new(PeerThreads {
            per_peer: 2.0,
            base_threads: 50,
            learn: Span(30 * 60_000),
            cells: 4,
            cache_ttl: Span(2 * 3_600_000),
            expiry_spread: Span(15 * 60_000),
        }))
    );
    assert_eq!(
        metrics.peers,
        Some(Box::new(PeerThreads {
            per_peer: 1.0,
            base_threads: 0,
            learn: Span(20 * 60_000),
            cells: 1,
            cache_ttl: Span(3_600_000),
            expiry_spread: Span(10 * 60_000),
        }))
    );
    assert_eq!(
        router.warmup,
        Some(Box::new(Warmup {
            duration: Span(20 * 60_000),
            duration_dist: None,
            source: WarmupSource::Store,
            store_capacity: 5.0,
            peer_share: 0.2,
            peer_cost: 2.0,
            deadline: Span(90 * 60_000),
        }))
    );
    assert_eq!(
        metrics.warmup,
        Some(Box::new(Warmup {
            duration: Span(5 * 60_000),
            duration_dist: None,
            source: WarmupSource::Peers,
            store_capacity: 1.0,
            peer_share: 0.1,
            peer_cost: 1.0,
            deadline: Span(3_600_000),
        }))
    );
    assert_eq!(
        router.memory,
        Some(Box::new(Memory { limit_mb: 4096.0, base_mb: 512.0, fail_at: 0.25, hard_limit_mb: Some(6144.0) }))
    );
    assert_eq!(
        metrics.memory,
        Some(Box::new(Memory { limit_mb: 1024.0, base_mb: 0.0, fail_at: 0.5, hard_limit_mb: None }))
    );
    assert_eq!(
        (m.services[2].peers.clone(), m.services[2].warmup.clone(), m.services[2].memory.clone()),
        (None, None, None)
    );
}

#[test]
fn buffered_and_control_calls_parse_with_defaults() {
    use crate::model::{Buffer, Control, DepKind, WhenFull};
    let m = load(NEW_TABLES, &[], None);
    assert_eq!(
        m.deps[0].kind,
        DepKind::Buffered(Buffer { size: 5000.0, when_full: WhenFull::Grow, item_mb: 2.0 / 1024.0, drain: 500.0 })
    );
    assert_eq!(m.deps[0].priority, 2);
    assert_eq!(m.deps[1].kind, DepKind::Control(Control { need: 0.8, tolerance: Span(5 * 60_000) }));
    assert_eq!(m.deps[1].priority, -1);
    assert_eq!(
        m.deps[2].kind,
        DepKind::Buffered(Buffer { size: 10.0, when_full: WhenFull::Drop, item_mb: 0.0, drain: 1000.0 })
    );
    assert_eq!(m.deps[2].priority, 0);
    let m =
        load(NEW_TABLES, &["services.router.calls.scaler.need=1", "services.router.calls.scaler.tolerance=0s"], None);
    assert_eq!(m.deps[1].kind, DepKind::Control(Control { need: 1.0, tolerance: Span::ZERO }));
    let text = NEW_TABLES.replace("need = 0.8\ntolerance = \"5m\"\n", "");
    assert_eq!(load(&text, &[], None).deps[1].kind, DepKind::Control(Control { need: 1.0, tolerance: Span::ZERO }));
}

#[test]
fn deploys_set_when_full_and_scaling_spreads_in_labels() {
    use crate::model::WhenFull;
    let m = load(NEW_TABLES, &[], None);
    assert_eq!(m.scenario[0].label, "scale-out router +10 over 10m");
    assert_eq!(m.scenario[1].label, "scale-in router -10");
    let ActionKind::Rolling { version: Some(v), .. } = &m.scenario[2].kind else { panic!("{:?}", m.scenario[2]) };
    assert_eq!(v.when_full, Some(WhenFull::Drop));
    assert_eq!((v.error_rate, v.capacity_factor), (0.0, 1.0));
    let m = load(&NEW_TABLES.replace("when-full = \"drop\"\n", ""), &[], None);
    let ActionKind::Rolling { version: Some(v), .. } = &m.scenario[2].kind else { panic!("{:?}", m.scenario[2]) };
    assert_eq!(v.when_full, None);
}

#[test]
fn durations_may_be_distributions() {
    use crate::model::dist::Dist;
    let text = r#"
duration = "1h"
[services.a]
instances = 2
capacity = "10/s"
startup = { dist = "lognormal", median = "8m", sigma = 0.25 }
load = { kind = "constant", rate = "5/s", noise = 0.05 }
health-check = { interval = { dist = "uniform", min = "5s", max = "15s" } }
[[scenario]]
at = "+10m"
action = "crash"
service = "a"
count = 1
jitter = { dist = "exponential", mean = "5m" }
"#;
    let m = load(text, &[], None);
    let a = &m.services[0];
    assert_eq!(a.startup, Span(8 * 60_000), "the nominal value is the median");
    assert_eq!(a.startup_dist, Some(Dist::LogNormal { median_s: 480.0, sigma: 0.25 }));
    assert_eq!(a.load.noise, 0.05);
    let hc = a.health.as_ref().unwrap();
    assert_eq!(
        (hc.interval, hc.interval_dist.clone()),
        (Span(10_000), Some(Dist::Uniform { min_s: 5.0, max_s: 15.0 }))
    );
    assert_eq!(m.scenario[0].jitter, Some(Dist::Exponential { mean_s: 300.0 }));
}

#[test]
fn bad_distributions_name_the_key_and_the_fix() {
    let base = "duration = \"1h\"\n[services.a]\ninstances = 1\ncapacity = \"1/s\"\n";
    let cases = [
        (
            "startup = { dist = \"lognormel\", median = \"8m\" }",
            "unknown distribution `lognormel`; did you mean `lognormal`?",
        ),
        ("startup = { dist = \"exponential\", median = \"8m\" }", "a `exponential` distribution takes no `median`"),
        ("startup = { dist = \"uniform\", min = \"9m\", max = \"8m\" }", "`min` is above `max`"),
        ("startup = { dist = \"normal\", mean = \"8m\" }", "services.a.startup.sd"),
    ];
    for (line, want) in cases {
        let text = format!("{base}{line}\n");
        let err = load_str("t.toml", &text, &[], None).unwrap_err();
        let shown = render_error(&err);
        assert!(shown.contains(want), "{line}\n{shown}");
    }
}
