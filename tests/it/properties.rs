//! Properties of every run, on generated models: determinism for a seed,
//! conservation of requests, and impact confined to what the failure can reach.

use blastsim::analysis::blast::reachable_from;
use blastsim::model::{ActionKind, Amount, LoadShape, Model, Service, ServiceId};
use blastsim::report;
use blastsim::time::{SimTime, Span};
use proptest::prelude::*;

const MINUTE: u64 = 60_000;

/// A generated call: indices are taken modulo the number of services.
#[derive(Debug, Clone)]
struct Call {
    from: usize,
    to: usize,
    per_request: f64,
    retries: u32,
    timeout_ms: u64,
}

/// A generated fault on one service.
#[derive(Debug, Clone)]
enum Fault {
    Crash(f64),
    LoseCapacity(f64),
    InjectErrors(f64),
    InjectLatency(u64),
}

#[derive(Debug, Clone)]
struct Spec {
    /// Per service: instances, latency [ms], external load [req/s] (0 for none).
    services: Vec<(u32, u64, f64)>,
    calls: Vec<Call>,
    /// Back edges (to an earlier service) are allowed, making cycles.
    cyclic: bool,
    hours: u64,
    seed: u64,
    victim: usize,
    fault: Fault,
    fault_at_min: u64,
    fault_for_min: Option<u64>,
}

fn call() -> impl Strategy<Value = Call> {
    (0..64usize, 0..64usize, 1u32..=3, 0u32..=3, 100u64..=2000).prop_map(|(from, to, per, retries, timeout_ms)| Call {
        from,
        to,
        per_request: per as f64 * 0.5,
        retries,
        timeout_ms,
    })
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        (0.1f64..=1.0).prop_map(Fault::Crash),
        (0.1f64..=0.9).prop_map(Fault::LoseCapacity),
        (0.05f64..=1.0).prop_map(Fault::InjectErrors),
        (50u64..=5000).prop_map(Fault::InjectLatency),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    let service = (1u32..=5, 1u64..=100, prop_oneof![Just(0.0), 10.0f64..200.0]);
    (
        prop::collection::vec(service, 2..=12),
        prop::collection::vec(call(), 0..=20),
        any::<bool>(),
        1u64..=3,
        any::<u64>(),
        (0..64usize, fault(), 5u64..=55, prop::option::of(5u64..=30)),
    )
        .prop_map(|(services, calls, cyclic, hours, seed, (victim, fault, fault_at_min, fault_for_min))| Spec {
            services,
            calls,
            cyclic,
            hours,
            seed,
            victim,
            fault,
            fault_at_min,
            fault_for_min,
        })
}

/// Builds the model of `spec` with ample capacity and threads, so it runs
/// healthy until the fault; with `fault` false, without the fault.
fn build(spec: &Spec, fault: bool) -> Option<Model> {
    let n = spec.services.len();
    let mut m = Model::new("generated", Span(spec.hours * 60 * MINUTE));
    m.seed = spec.seed;
    for (i, &(instances, latency_ms, load)) in spec.services.iter().enumerate() {
        let mut s = Service::new(&format!("s{i}"), instances, 1.0);
        s.latency = Span(latency_ms);
        if i == 0 || load > 0.0 {
            s = s.with_load(if load > 0.0 { load } else { 100.0 });
        }
        m.add_service(s);
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in &spec.calls {
        let (a, b) = (c.from % n, c.to % n);
        if a == b {
            continue;
        }
        let back = a > b;
        if back && !spec.cyclic {
            // DAG: orient every edge forwards.
            if !seen.insert((b, a)) {
                continue;
            }
            add_call(&mut m, b, a, c.per_request, c);
            continue;
        }
        if !seen.insert((a, b)) {
            continue;
        }
        // A back edge makes a cycle; a fraction of a call per request keeps its load finite.
        let per = if back { c.per_request * 0.2 } else { c.per_request };
        add_call(&mut m, a, b, per, c);
    }
    if !size(&mut m) {
        return None;
    }
    if fault {
        let service = ServiceId(spec.victim % n);
        let duration = spec.fault_for_min.map(|f| Span(f * MINUTE));
        let kind = match spec.fault {
            Fault::Crash(f) => ActionKind::Crash { service, amount: Amount::Fraction(f) },
            Fault::LoseCapacity(fraction) => ActionKind::LoseCapacity { service, fraction, duration },
            Fault::InjectErrors(rate) => ActionKind::InjectErrors { service, rate, duration },
            Fault::InjectLatency(ms) => ActionKind::InjectLatency { service, latency: Span(ms), dist: None, duration },
        };
        m.schedule(SimTime(spec.fault_at_min * MINUTE), kind, "generated fault");
    }
    Some(m)
}

fn add_call(m: &mut Model, caller: usize, callee: usize, per_request: f64, c: &Call) {
    let d = m.add_call(ServiceId(caller), ServiceId(callee));
    let dep = &mut m.deps[d.0];
    dep.per_request = per_request;
    dep.retries.max = c.retries;
    dep.retries.backoff = Span(50);
    dep.timeout = Span(c.timeout_ms);
}

/// Sizes every service for its steady load: 3x the capacity and threads it
/// needs, and timeouts 4x the time its callees take to answer, so the model
/// runs healthy until its fault. Loads and hold times come from iterating the
/// call graph's equations; returns false when they do not converge (a cycle
/// that amplifies its own load).
fn size(m: &mut Model) -> bool {
    let n = m.services.len();
    let external: Vec<f64> = m
        .services
        .iter()
        .map(|s| match s.load.shape {
            LoadShape::Constant { rate } => rate,
            _ => 0.0,
        })
        .collect();
    let own: Vec<f64> = m.services.iter().map(|s| s.latency.secs()).collect();
    let (mut offered, mut hold) = (external.clone(), own.clone());
    for _ in 0..1000 {
        let (mut next_offered, mut next_hold) = (external.clone(), own.clone());
        for d in &m.deps {
            next_offered[d.callee.0] += offered[d.caller.0] * d.per_request;
            next_hold[d.caller.0] += hold[d.callee.0] * d.per_request;
        }
        offered = next_offered;
        hold = next_hold;
    }
    // One more round must change nothing: a cycle whose gain is 1 or more
    // grows without end, however slowly.
    let (mut again_offered, mut again_hold) = (external.clone(), own.clone());
    for d in &m.deps {
        again_offered[d.callee.0] += offered[d.caller.0] * d.per_request;
        again_hold[d.caller.0] += hold[d.callee.0] * d.per_request;
    }
    let settled =
        |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x.is_finite() && (x - y).abs() <= 1e-9 * x.abs().max(1e-3));
    let steady = |v: &[f64]| v.iter().all(|x| x.is_finite() && *x < 1e6);
    if !steady(&offered) || !steady(&hold) || !settled(&offered, &again_offered) || !settled(&hold, &again_hold) {
        return false;
    }
    for i in 0..n {
        let s = &mut m.services[i];
        s.capacity = (3.0 * offered[i] / s.instances as f64).max(10.0);
        s.threads = ((3.0 * offered[i] * hold[i] / s.instances as f64).ceil() as u32).max(200);
        s.os_thread_limit = s.threads.max(32_768);
        s.load.timeout = Span::from_secs_f64((4.0 * hold[i]).max(30.0));
    }
    for d in &mut m.deps {
        d.timeout = d.timeout.max(Span::from_secs_f64(4.0 * hold[d.callee.0] + 0.1));
    }
    true
}

/// A compact description of a model, for failure messages.
fn describe(m: &Model) -> String {
    let mut out = String::new();
    for s in &m.services {
        out += &format!(
            "  {} x{} cap {:.1}/s lat {}ms load {:?}\n",
            s.name, s.instances, s.capacity, s.latency.0, s.load.shape
        );
    }
    for d in &m.deps {
        out += &format!(
            "  {} -> {} per {} retries {} timeout {}ms\n",
            m.services[d.caller.0].name, m.services[d.callee.0].name, d.per_request, d.retries.max, d.timeout.0
        );
    }
    for a in &m.scenario {
        out += &format!("  at {}ms {:?}\n", a.at.0, a.kind);
    }
    out
}

fn run(model: &Model) -> (blastsim::engine::RunResult, blastsim::analysis::Report) {
    blastsim::simulate(model, None).expect("a generated model runs")
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn same_model_and_seed_give_identical_outputs(spec in spec()) {
        let Some(model) = build(&spec, true) else { return Err(TestCaseError::reject("load diverges")) };
        let (r1, a1) = run(&model);
        let (r2, a2) = run(&model.clone());
        prop_assert_eq!(report::json::render(&a1), report::json::render(&a2));
        prop_assert_eq!(report::csv::render(&model, &r1).unwrap(), report::csv::render(&model, &r2).unwrap());
    }

    #[test]
    fn requests_are_conserved(spec in spec()) {
        let Some(model) = build(&spec, true) else { return Err(TestCaseError::reject("load diverges")) };
        let (result, _) = run(&model);
        for (s, series) in model.services.iter().zip(&result.services) {
            let t = series.totals;
            let accounted = t.served + t.failed + t.queued;
            let tolerance = 1e-9 * t.offered.abs().max(1.0);
            prop_assert!(
                (t.offered - accounted).abs() <= tolerance,
                "{}: offered {} != served {} + failed {} + queued {}\n{}",
                s.name, t.offered, t.served, t.failed, t.queued, describe(&model)
            );
            // Counts are never negative, up to rounding.
            prop_assert!(t.served.min(t.failed).min(t.queued) >= -tolerance, "{}: {:?}", s.name, t);
        }
    }

    #[test]
    fn impact_stays_inside_the_blast_radius(spec in spec()) {
        let Some(healthy) = build(&spec, false) else { return Err(TestCaseError::reject("load diverges")) };
        let (_, baseline) = run(&healthy);
        let sick: Vec<&str> = baseline.services.iter().filter(|s| s.impacted).map(|s| s.name.as_str()).collect();
        // With queueing below saturation a service run close to its capacity loses some calls to
        // timeouts even without a fault: such a model says nothing about the fault's reach.
        if !sick.is_empty() {
            return Err(TestCaseError::reject("impacted without its fault"));
        }

        let Some(model) = build(&spec, true) else { return Err(TestCaseError::reject("load diverges")) };
        let failed = ServiceId(spec.victim % model.services.len());
        let reach = reachable_from(&model, failed);
        let (_, report) = run(&model);
        for (i, s) in report.services.iter().enumerate() {
            prop_assert!(
                !s.impacted || reach[i],
                "{} is impacted but is not connected to the failed {}\n{}", s.name, model.services[failed.0].name, describe(&model)
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    /// `blast` on a healthy generated graph: whatever a failure impacts is
    /// connected to it, and contained and beyond-reach split the static radius exactly.
    #[test]
    fn blast_rows_partition_the_static_radius(spec in spec()) {
        let Some(healthy) = build(&spec, false) else { return Err(TestCaseError::reject("load diverges")) };
        let req = blastsim::blast::Request {
            fault: blastsim::blast::Fault::Crash,
            at: None,
            duration: None,
            services: Vec::new(),
            runs: 1,
            keep_scenario: false,
            settle: blastsim::blast::DEFAULT_SETTLE,
        };
        let b = blastsim::blast::run(&healthy, &req).expect("a generated model runs");
        prop_assert_eq!(b.ranking.len(), healthy.services.len());
        for row in &b.ranking {
            let failed = healthy.service_id(&row.service).unwrap();
            let reach = reachable_from(&healthy, failed);
            for name in &row.impacted {
                prop_assert!(reach[healthy.service_id(name).unwrap().0], "{} impacted by {}\n{}", name, row.service, describe(&healthy));
            }
            for name in &row.static_reach {
                let hit = row.impacted.contains(name);
                prop_assert_eq!(!hit, row.contained.contains(name), "{}", name);
            }
            for name in &row.beyond_reach {
                prop_assert!(!row.static_reach.contains(name) && row.impacted.contains(name), "{}", name);
            }
        }
    }
}
