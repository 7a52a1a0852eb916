//! The fluid solver converges: no step-to-step flip in a steady storm, the
//! same outcome at any step, and recoveries that hold before they count.

use crate::support::shipped_all;
use blastsim::analysis::Report;
use blastsim::model::Model;
use std::collections::BTreeMap;

/// A closed loop: a thread-bound front end retries a back end that loses
/// half its capacity for 5 minutes and then runs at 94% of the load it gets
/// before retries: the retries that the outage started keep it saturated.
const STORM: &str = r#"duration = "1h"

[services.front]
instances = 10
capacity = "1000/s"
latency = "5ms"
threads = { workers = 50 }
load = { kind = "constant", rate = "800/s", timeout = "3s" }

[services.front.calls.back]
timeout = "1s"
retries = { max = 3, backoff = "50ms" }

[services.back]
instances = 10
capacity = "85/s"
latency = "10ms"
queue = 100

[[scenario]]
at = "+10m"
action = "lose-capacity"
service = "back"
fraction = 0.5
for = "5m"
"#;

fn storm(sets: &[&str]) -> Model {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    blastsim::topology::load_str("storm.toml", STORM, &sets, None).expect("the storm is valid")
}

fn shipped(name: &str, sets: &[String]) -> Model {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies").join(name);
    blastsim::topology::load_file(&path, sets, None).expect("shipped topologies are valid")
}

#[test]
fn a_steady_retry_storm_does_not_flip_between_steps() {
    let (result, _) = blastsim::simulate(&storm(&[]), None).unwrap();
    // From +30m on nothing changes any more: the storm holds steady.
    let from = result.times.iter().position(|t| t.secs() >= 1800.0).unwrap();
    for (i, series) in result.services.iter().enumerate() {
        let s = &series.samples.to_vec()[from..];
        let jump = s.windows(2).map(|w| (w[1].availability - w[0].availability).abs()).fold(0.0, f64::max);
        assert!(jump < 0.05, "service {i}: availability jumps by {jump:.3} between steps");
        assert!(s.iter().any(|x| x.availability < 0.9), "service {i}: the storm is on");
        let queue = s.windows(2).map(|w| (w[1].queue - w[0].queue).abs()).fold(0.0, f64::max);
        let most = s.iter().map(|x| x.queue).fold(0.0, f64::max);
        assert!(queue <= 0.2 * most.max(1.0), "service {i}: queue jumps by {queue:.0} of {most:.0}");
    }
}

/// Impacted services and their milestones [s], by service name.
fn outcome(report: &Report) -> BTreeMap<String, (bool, BTreeMap<String, f64>)> {
    let milestones = |s: &blastsim::analysis::report::ServiceReport| {
        s.milestones.iter().map(|m| (m.kind.as_str().to_string(), m.t_s)).collect()
    };
    report.services.iter().map(|s| (s.name.clone(), (s.impacted, milestones(s)))).collect()
}

/// Runs `model` at each step and checks every outcome is the 10 s one's,
/// milestones within `slack_s` (two 10 s steps unless said otherwise).
fn same_at_every_step(what: &str, model: impl Fn(&str) -> Model, steps: &[&str], slack_s: f64) {
    let at = |step: &str| outcome(&blastsim::simulate(&model(step), None).expect("the run ends").1);
    let reference = at("10s");
    for step in steps {
        let found = at(step);
        for (name, (impacted, milestones)) in &reference {
            let (f_impacted, f_milestones) = &found[name];
            assert_eq!(impacted, f_impacted, "{what} at step {step}: {name} impacted");
            let kinds: Vec<_> = milestones.keys().collect();
            let f_kinds: Vec<_> = f_milestones.keys().collect();
            assert_eq!(kinds, f_kinds, "{what} at step {step}: {name}'s milestones");
            for (kind, t) in milestones {
                let f = f_milestones[kind];
                assert!((f - t).abs() <= slack_s, "{what} at step {step}: {name} {kind} at {f} s, at 10 s steps {t} s");
            }
        }
    }
}

#[test]
fn a_storm_comes_out_the_same_at_any_step() {
    same_at_every_step("storm", |step| storm(&[&format!("step={step}")]), &["1s", "100ms"], 20.0);
}

#[test]
fn shipped_topologies_come_out_the_same_at_any_step() {
    for path in shipped_all().into_iter().filter(|p| !p.ends_with(KINESIS)) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let model = |step: &str| shipped(&name, &[format!("step={step}"), "max-events=100000000".to_string()]);
        same_at_every_step(&name, model, &["1s", "100ms"], 20.0);
    }
}

const KINESIS: &str = "aws-kinesis-2020-11-25.toml";

/// The Kinesis reproduction's periodic mechanisms (health checks, peer
/// learning, warm-up, load noise) act every `tick`, whatever the `step`, so
/// a finer step moves no milestone by more than a step or two.
#[test]
fn the_kinesis_reproduction_comes_out_the_same_at_a_finer_step() {
    let model = |step: &str| shipped(KINESIS, &[format!("step={step}")]);
    same_at_every_step(KINESIS, model, &["1s", "100ms"], 20.0);
}

#[test]
fn a_recovery_shorter_than_the_hold_before_the_end_is_not_one() {
    // The slow database is fast again at 09:35; the API is back at 09:35:10.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/three-tier-slow-db.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let run = |sets: &[&str]| {
        let (hold, sets) = sets.split_first().unwrap();
        let text = format!("{text}\n[thresholds]\nrecovery-hold = \"{hold}\"\n");
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let model = blastsim::topology::load_str("three-tier.toml", &text, &sets, None).unwrap();
        let report = blastsim::simulate(&model, None).unwrap().1;
        let api = report.services.into_iter().find(|s| s.name == "api").unwrap();
        api.milestones.iter().any(|m| m.kind.as_str() == "recovered")
    };
    assert!(run(&["5m"]), "recovered with the run going on to 10:30");
    assert!(!run(&["5m", "duration=38m"]), "back 2m50s before the end is not 5 minutes");
    assert!(run(&["2m", "duration=38m"]), "but is with a 2-minute hold");
}

/// A generated layered graph of 200 services with 410 req/s at each entry:
/// the crash of half of its middle service overloads the surviving instance,
/// and retries (three attempts at every layer) and callers' threads held on
/// the slow callee spread a storm to 27 services. Its steep caller-callee
/// loops cycled under the solver's fixed halving: 10,990 of its instants did
/// not settle within 200 sweeps and the run took some 130 million service
/// solves. Relaxed call by call from the third sweep they settle, and the
/// run stays under 650,000 solves (about 530,000; 700,000 to 800,000 when
/// relaxation waited for 20 sweeps).
#[test]
fn a_generated_retry_storm_settles_its_instants() {
    let spec = blastsim::generate::Spec {
        services: 200,
        load: 410.0,
        duration: "30m".into(),
        fault_at: "+10m".into(),
        ..Default::default()
    };
    let text = blastsim::generate::toml(&spec);
    let sets = vec!["max-solves=650000".to_string()];
    let model = blastsim::topology::load_str("g200.toml", &text, &sets, None).expect("a valid topology");
    let (result, report) = blastsim::simulate(&model, None).expect("the storm settles within the limit");
    let impacted = report.services.iter().filter(|s| s.impacted).count();
    assert!(impacted > 20, "the storm spreads: {impacted} impacted");
    // "the fluid solver did not settle at N instants of the run", when N > 1.
    let unsettled: usize = result
        .log
        .iter()
        .find_map(|e| e.what.split("did not settle at ").nth(1)?.split(' ').next()?.parse().ok())
        .unwrap_or(0);
    assert!(unsettled <= 10, "{unsettled} instants did not settle");
}
