//! Generated topologies of any size and shape, written as TOML: the `generate` command and the scale benches.
//!
//! Every service is sized from the load it will carry: the outside load
//! enters at the entry services, flows down the calls (each call carries
//! `1 / fan-out` of its caller's requests), and each service gets enough
//! instances to run at `utilisation` of its capacity. Deep graphs hold a
//! request through a long chain of synchronous calls, so a call's timeout
//! covers twice the longest chain below it and each instance has threads for
//! twice its requests held through its expected chain (where these exceed the
//! defaults, 1 s and 200). A generated topology is therefore healthy until its
//! fault, whatever its size or shape, and the same specification always gives
//! the same text.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::fmt::Write;

/// How services call each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Layers of about sqrt(N) services (or as many layers as [`Spec::layers`]
    /// asks); each service calls `fan_out` services of the next layer.
    Layered,
    /// A random DAG: each service calls `fan_out` services drawn among the next `window` ones.
    Random,
}

/// What breaks, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Nothing: a healthy run, for measuring the engine alone.
    None,
    /// Half of a mid-graph service's instances crash for good.
    Crash,
    /// A mid-graph service becomes slow (1.5 s per request) for 30 minutes.
    Latency,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Number of services (at least 1).
    pub services: usize,
    pub shape: Shape,
    /// Seed of the random shape (and of the topology's `seed`).
    pub seed: u64,
    /// Calls per service to the next layer or window (at least 1).
    pub fan_out: usize,
    /// Layers of a layered shape, each `ceil(N / layers)` wide (so at most
    /// `layers`); `None` for about sqrt(N), as wide as deep.
    /// A fixed number keeps the depth, and with it every service's sizing,
    /// the same whatever N: the graph only grows wider.
    pub layers: Option<usize>,
    /// Outside load per entry service [req/s].
    pub load: f64,
    pub fault: Fault,
    /// Simulated length, as a duration string (`"24h"`).
    pub duration: String,
    /// Integration step, as a duration string (`"10s"`).
    pub step: String,
    /// When the fault starts, as an offset string (`"+5h"`).
    pub fault_at: String,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            services: 100,
            shape: Shape::Layered,
            seed: 0,
            fan_out: 2,
            layers: None,
            load: 400.0,
            fault: Fault::Crash,
            duration: "24h".into(),
            step: "10s".into(),
            fault_at: "+5h".into(),
        }
    }
}

/// The most services `generate` writes; 1,000,000 services is about 300 MB of TOML.
pub const MAX_SERVICES: usize = 1_000_000;

/// Capacity of one instance [req/s].
const CAPACITY: f64 = 400.0;
/// Fraction of capacity a service runs at before the fault.
const UTILISATION: f64 = 0.6;
/// A service's own latency (the format's default) [s].
const LATENCY_S: f64 = 0.01;
/// The format's default call timeout [s] and worker threads per instance.
const DEFAULT_TIMEOUT_S: f64 = 1.0;
const DEFAULT_WORKERS: f64 = 200.0;
/// In a random DAG, how far ahead a service's callees may be.
const WINDOW: usize = 50;

/// The calls of every service: `calls[i]` lists the callees of service `i`.
fn wire(spec: &Spec) -> (Vec<Vec<usize>>, usize) {
    let n = spec.services;
    let fan = spec.fan_out.max(1);
    let mut calls = vec![Vec::new(); n];
    match spec.shape {
        Shape::Layered => {
            let width = match spec.layers {
                Some(layers) => n.div_ceil(layers.clamp(1, n)),
                None => (n as f64).sqrt().ceil().max(1.0) as usize,
            };
            for (i, out) in calls.iter_mut().enumerate() {
                let next = (i / width + 1) * width;
                for k in 0..fan.min(width) {
                    let callee = next + (i * 7 + k * 3) % width;
                    if callee < n && !out.contains(&callee) {
                        out.push(callee);
                    }
                }
            }
            (calls, width.min(n))
        }
        Shape::Random => {
            let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
            let entries = (n / 10).max(1);
            for (i, out) in calls.iter_mut().enumerate() {
                let first = (i + 1).max(entries);
                let span = n.saturating_sub(first).min(WINDOW);
                for _ in 0..fan.min(span) {
                    let callee = first + rng.random_range(0..span);
                    if !out.contains(&callee) {
                        out.push(callee);
                    }
                }
            }
            (calls, entries)
        }
    }
}

/// Writes the topology `spec` describes. Linear in the number of services and calls.
pub fn toml(spec: &Spec) -> String {
    let n = spec.services.max(1);
    let spec = &Spec { services: n, ..spec.clone() };
    let (calls, entries) = wire(spec);
    // Callees always come after their callers, so one forward pass carries the load.
    let mut load = vec![0.0; n];
    for l in load.iter_mut().take(entries) {
        *l = spec.load;
    }
    for i in 0..n {
        for &c in &calls[i] {
            load[c] += load[i] / calls[i].len() as f64;
        }
    }
    // Callees come after their callers, so one backward pass gives the time a
    // request holds its thread: its own latency and its calls, expected and longest.
    let (mut hold, mut longest) = (vec![LATENCY_S; n], vec![LATENCY_S; n]);
    for i in (0..n).rev() {
        let share = 1.0 / calls[i].len().max(1) as f64;
        hold[i] += calls[i].iter().map(|&c| share * hold[c]).sum::<f64>();
        longest[i] += calls[i].iter().map(|&c| longest[c]).fold(0.0, f64::max);
    }
    let shape = match spec.shape {
        Shape::Layered => "layered",
        Shape::Random => "random",
    };
    let mut t = String::with_capacity(n * 300);
    let layers = match (spec.shape, spec.layers) {
        (Shape::Layered, Some(_)) => format!(" in {} layers", n.div_ceil(entries)),
        _ => String::new(),
    };
    let _ = writeln!(
        t,
        "# Generated by `blastsim generate`: {n} services, {shape} shape{layers}, fan-out {}, seed {}.",
        spec.fan_out, spec.seed
    );
    let _ =
        writeln!(t, "# Every service is sized to run at {:.0}% of its capacity before the fault.", UTILISATION * 100.0);
    let _ = writeln!(t, "\nname = \"generated-{shape}-{n}\"");
    let _ = writeln!(t, "duration = \"{}\"\nstep = \"{}\"\nseed = {}", spec.duration, spec.step, spec.seed);
    for i in 0..n {
        let instances = ((load[i] / (CAPACITY * UTILISATION)).ceil() as u64).max(2);
        let _ = writeln!(
            t,
            "\n[services.svc-{i}]\ninstances = {instances}\ncapacity = \"{CAPACITY}/s\"\nreplace-failed = true"
        );
        let workers = (2.0 * load[i] / instances as f64 * hold[i]).ceil();
        if workers > DEFAULT_WORKERS {
            let _ = writeln!(t, "threads = {{ workers = {workers} }}");
        }
        let _ = writeln!(t, "health-check = {{ interval = \"10s\" }}");
        if i < entries {
            let _ = writeln!(t, "load = {{ kind = \"constant\", rate = \"{}/s\" }}", spec.load);
        }
        let share = 1.0 / calls[i].len().max(1) as f64;
        for &c in &calls[i] {
            // Whole tenths of a second, so the text stays short.
            let timeout_ms = ((2.0 * longest[c]).max(DEFAULT_TIMEOUT_S) * 10.0).ceil() as u64 * 100;
            let timeout = if timeout_ms as f64 > DEFAULT_TIMEOUT_S * 1000.0 {
                format!(", timeout = \"{timeout_ms}ms\"")
            } else {
                String::new()
            };
            let _ = writeln!(t, "calls.svc-{c} = {{ per-request = {share}, retries = {{ max = 2 }}{timeout} }}");
        }
    }
    let victim = n / 2;
    let at = &spec.fault_at;
    match spec.fault {
        Fault::None => {}
        Fault::Crash => {
            let _ = writeln!(
                t,
                "\n[[scenario]]\nat = \"{at}\"\naction = \"crash\"\nservice = \"svc-{victim}\"\nfraction = 0.5\nnote = \"half of a mid-graph service crashes\""
            );
        }
        Fault::Latency => {
            let _ = writeln!(
                t,
                "\n[[scenario]]\nat = \"{at}\"\naction = \"inject-latency\"\nservice = \"svc-{victim}\"\nlatency = \"1500ms\"\nfor = \"30m\"\nnote = \"a mid-graph service slows down\""
            );
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> crate::model::Model {
        crate::topology::load_str("generated.toml", text, &[], None).unwrap()
    }

    #[test]
    fn both_shapes_load_and_keep_callees_after_callers() {
        for shape in [Shape::Layered, Shape::Random] {
            let spec = Spec { services: 60, shape, seed: 3, fan_out: 3, ..Spec::default() };
            let m = load(&toml(&spec));
            assert_eq!(m.services.len(), 60);
            assert!(m.deps.iter().all(|d| d.caller.0 < d.callee.0), "{shape:?} has a back edge");
            assert!(!m.deps.is_empty());
        }
    }

    #[test]
    fn the_same_spec_gives_the_same_text_and_seeds_change_random_shapes() {
        let a = Spec { services: 40, shape: Shape::Random, seed: 1, ..Spec::default() };
        assert_eq!(toml(&a), toml(&a));
        assert_ne!(toml(&a), toml(&Spec { seed: 2, ..a.clone() }));
    }

    #[test]
    fn a_healthy_generated_topology_is_never_impacted() {
        let spec = Spec { services: 30, fault: Fault::None, duration: "1h".into(), ..Spec::default() };
        let m = load(&toml(&spec));
        let (_, report) = crate::simulate(&m, None).unwrap();
        assert!(report.services.iter().all(|s| s.milestones.is_empty()), "a healthy topology was impacted");
    }

    #[test]
    fn a_deep_graph_gives_its_calls_time_and_threads_for_the_chain_below() {
        // 9,000 layered services are 95 layers deep: a request at the top holds its
        // thread through about 95 calls of 10 ms. With the default 1 s call timeout
        // and 200 threads the top layers timed out and retried from the start.
        let spec = Spec { services: 9_000, fault: Fault::None, duration: "2m".into(), ..Spec::default() };
        let text = toml(&spec);
        assert!(text.contains("timeout = \"1900ms\"") && text.contains("workers = "), "no sizing for the depth");
        let (_, report) = crate::simulate(&load(&text), None).unwrap();
        assert!(report.services.iter().all(|s| s.milestones.is_empty()), "a healthy deep topology was impacted");
        // A shallow graph keeps the defaults: its text is as before.
        assert!(!toml(&Spec { services: 1_000, ..Spec::default() }).contains("timeout"));
    }

    #[test]
    fn a_fixed_number_of_layers_keeps_the_depth_and_the_sizing_as_the_graph_widens() {
        let deep = |services, layers| toml(&Spec { services, layers, fault: Fault::None, ..Spec::default() });
        // 1,000 services are 32 layers of 32 either way: the same graph.
        let (square, fixed) = (deep(1_000, None), deep(1_000, Some(32)));
        let body = |t: &str| t.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(body(&square), body(&fixed));
        assert!(fixed.starts_with("# Generated by `blastsim generate`: 1000 services, layered shape in 32 layers,"));
        // Layers 2 wide hold 10 services in 5: the header says so, not the 6 asked for.
        assert!(deep(10, Some(6)).contains("10 services, layered shape in 5 layers,"));
        // Ten times wider at the same depth: no deeper timeouts or threads, the
        // same settings per service, where the square 10,000 needs both.
        let wide = deep(10_000, Some(32));
        assert!(!wide.contains("timeout") && !wide.contains("workers"));
        assert!(deep(10_000, None).contains("timeout"));
        let model = load(&wide);
        assert_eq!(model.services.len(), 10_000);
        assert_eq!(model.deps.len(), 19_374);
        assert!(model.deps.iter().all(|d| d.callee.0 / 313 == d.caller.0 / 313 + 1), "a call skips a layer");
    }

    #[test]
    fn a_crash_impacts_the_victim_and_its_callers() {
        let spec = Spec { services: 30, fault_at: "+10m".into(), duration: "1h".into(), ..Spec::default() };
        let m = load(&toml(&spec));
        let (_, report) = crate::simulate(&m, None).unwrap();
        let hit = report.services.iter().filter(|s| !s.milestones.is_empty()).count();
        assert!(hit >= 2, "only {hit} services impacted");
    }

    #[test]
    fn one_service_is_a_valid_topology() {
        let m = load(&toml(&Spec { services: 1, ..Spec::default() }));
        assert_eq!(m.services.len(), 1);
    }
}
