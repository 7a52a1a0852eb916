//! The 2020-11-25 Kinesis reproduction: its score against the published
//! timeline, and what-ifs that must answer the way the physics does.

use blastsim::analysis::Report;
use blastsim::model::{ActionKind, MilestoneKind, Model};
use blastsim::time::Span;
use std::path::Path;

const TOPOLOGY: &str = "topologies/aws-kinesis-2020-11-25.toml";

fn load(sets: &[&str], variant: Option<&str>) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(TOPOLOGY);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    blastsim::topology::load_file(&path, &sets, variant).expect("the Kinesis topology is valid")
}

fn report(model: &Model) -> Report {
    blastsim::simulate(model, None).expect("the run ends").1
}

fn impacted(r: &Report) -> Vec<&str> {
    r.services.iter().filter(|s| s.impacted).map(|s| s.name.as_str()).collect()
}

/// When Kinesis is back to its healthy level for good [s]; `None` if never within the run.
fn kinesis_recovered(r: &Report) -> Option<f64> {
    let k = r.services.iter().find(|s| s.name == "kinesis").unwrap();
    k.milestones.iter().find(|m| m.kind == MilestoneKind::Recovered).map(|m| m.t_s)
}

#[test]
fn all_seventeen_published_milestones_come_out_within_ten_minutes() {
    let r = report(&load(&[], None));
    let score = r.score.as_ref().expect("the topology carries the published timeline");
    let misses: Vec<String> = r
        .expectations
        .iter()
        .filter(|e| e.error_min.is_none_or(|m| m.abs() > 10.0))
        .map(|e| format!("{} {:?}: expected {}, simulated {:?}", e.service, e.kind, e.expected, e.simulated))
        .collect();
    assert_eq!(score.expected, 17);
    assert!(misses.is_empty(), "milestones off by more than 10 min: {misses:#?}");
    assert_eq!(score.within_10_min, 17);
}

#[test]
fn the_expected_timeline_is_the_published_one() {
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/kinesis-2020-11-25.toml");
    let text = std::fs::read_to_string(&reference).expect("the project ships the published timeline");
    let published: toml::Value = toml::from_str(&text).unwrap();
    let mut want: Vec<(String, String, String)> = published["milestone"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap().to_string();
            (s("service"), s("kind"), s("at"))
        })
        .collect();
    let model = load(&[], None);
    let mut have: Vec<(String, String, String)> = model
        .expected
        .iter()
        .map(|e| (model.service(e.service).name.clone(), e.kind.as_str().to_string(), e.at_text.clone()))
        .collect();
    want.sort();
    have.sort();
    assert_eq!(have, want);
}

#[test]
fn the_scenario_schedules_only_triggers_and_operators_actions() {
    let model = load(&[], None);
    for a in &model.scenario {
        let allowed = matches!(
            a.kind,
            ActionKind::ScaleOut { .. }
                | ActionKind::ScaleIn { .. }
                | ActionKind::Rolling { .. }
                | ActionKind::Set { .. }
        );
        assert!(allowed, "{} is not an operator action", a.label);
    }
}

#[test]
fn without_the_scale_out_nothing_fails() {
    let mut model = load(&[], None);
    model.scenario.retain(|a| !matches!(a.kind, ActionKind::ScaleOut { .. } | ActionKind::ScaleIn { .. }));
    assert_eq!(impacted(&report(&model)), Vec::<&str>::new());
}

#[test]
fn a_higher_os_thread_limit_prevents_the_event() {
    let model = load(&["services.kinesis.threads.os-limit=8192"], None);
    assert_eq!(impacted(&report(&model)), Vec::<&str>::new());
}

#[test]
fn half_as_many_twice_as_large_servers_prevent_the_event() {
    let model = load(&[], Some("larger-servers"));
    assert_eq!(model.services[0].instances, 1930);
    assert_eq!(impacted(&report(&model)), Vec::<&str>::new());
}

#[test]
fn cells_prevent_the_event() {
    assert_eq!(impacted(&report(&load(&[], Some("cells")))), Vec::<&str>::new());
}

#[test]
fn restarting_faster_than_the_fleet_can_absorb_makes_recovery_slower() {
    let long = "duration=\"48h\"";
    let published = kinesis_recovered(&report(&load(&[long], None))).expect("recovers at the published rate");
    let fast = kinesis_recovered(&report(&load(&[long, "scenario.2.rate=\"600/h\""], None)));
    assert!(fast.is_none_or(|t| t > published), "600/h thrashes: {fast:?} vs {published}");
}

#[test]
fn restarting_slower_than_the_published_rate_makes_recovery_slower() {
    let long = "duration=\"48h\"";
    let published = kinesis_recovered(&report(&load(&[long], None))).unwrap();
    let slow = kinesis_recovered(&report(&load(&[long, "scenario.2.rate=\"150/h\""], None)));
    assert!(slow.is_some_and(|t| t > published + 3600.0), "150/h: {slow:?} vs {published}");
}

#[test]
fn a_cache_from_a_large_store_lets_a_fast_restart_recover_sooner() {
    let baseline = kinesis_recovered(&report(&load(&[], None))).unwrap();
    let store = kinesis_recovered(&report(&load(&[], Some("cache-from-store")))).unwrap();
    assert!(store + 3600.0 < baseline, "store {store} vs peers {baseline}");
}

#[test]
fn cognito_that_drops_instead_of_blocking_is_not_impacted() {
    let r = report(&load(&[], Some("cognito-tolerant")));
    let names = impacted(&r);
    assert!(!names.contains(&"cognito") && !names.contains(&"shd-publisher"), "{names:?}");
    assert!(names.contains(&"kinesis"));
}

#[test]
fn a_separate_cloudwatch_partition_shields_cloudwatch_autoscaling_and_lambda() {
    let r = report(&load(&[], Some("cloudwatch-partition")));
    let names = impacted(&r);
    for shielded in ["cloudwatch", "autoscaling", "lambda", "kinesis-cloudwatch"] {
        assert!(!names.contains(&shielded), "{shielded} impacted: {names:?}");
    }
}

#[test]
fn three_hours_of_local_metrics_delay_the_autoscaling_stall_by_three_hours() {
    let start = |r: &Report| {
        let s = r.services.iter().find(|s| s.name == "autoscaling").unwrap();
        s.milestones.iter().find(|m| m.kind == MilestoneKind::ImpactStart).unwrap().t_s
    };
    let base = start(&report(&load(&[], None)));
    let local = start(&report(&load(&[], Some("cloudwatch-local-metrics"))));
    let delay = Span::from_secs_f64(local - base);
    assert!((delay.secs() - 3.0 * 3600.0).abs() <= 600.0, "delay {delay}");
}

#[test]
fn without_the_1036_action_lambdas_hosts_are_killed_and_recover_only_after_cloudwatch() {
    let r = report(&load(&["scenario.4.enabled=false"], None));
    let kills = r.events.iter().filter(|e| e.service.as_deref() == Some("lambda") && e.what.contains("hard memory"));
    assert!(kills.count() >= 2, "the hosts run out of memory more than once");
    let at = |service: &str, kind: MilestoneKind| {
        let s = r.services.iter().find(|s| s.name == service).unwrap();
        s.milestones.iter().find(|m| m.kind == kind).map(|m| m.t_s)
    };
    let lambda = at("lambda", MilestoneKind::Recovered).expect("a kill after CloudWatch is back lets Lambda recover");
    assert!(lambda > at("cloudwatch", MilestoneKind::RecoveryStart).unwrap());
}
