//! Generated topologies of any size, for benchmarks and property tests.

use super::*;

/// A layered service graph of `n` services: each layer calls two services of
/// the next (half a call each, so every layer carries the first layer's
/// load), the first layer takes external load, and a crash of a mid-graph
/// service at the fifth hour starts a cascade. Deterministic in `n`.
pub fn layered(n: usize, duration: Span) -> Model {
    let mut m = Model::new(&format!("generated-{n}"), duration);
    let width = (n as f64).sqrt().ceil().max(1.0) as usize;
    for i in 0..n {
        let layer = i / width;
        let mut s = Service::new(&format!("svc-{i}"), 4 + (i % 5) as u32, 400.0);
        s.health = Some(HealthCheck::default_check());
        s.replace_failed = true;
        if layer == 0 {
            s = s.with_load(200.0 + (i % 7) as f64 * 50.0);
        }
        m.add_service(s);
    }
    for i in 0..n {
        let next = (i / width + 1) * width;
        for k in 0..2 {
            let callee = next + (i * 7 + k * 3) % width;
            if callee < n {
                let d = m.add_call(ServiceId(i), ServiceId(callee));
                m.deps[d.0].retries.max = 2;
                // Two callees at half a call each: every layer carries the load of the first.
                m.deps[d.0].per_request = 0.5;
            }
        }
    }
    let victim = ServiceId((n / 2).min(n.saturating_sub(1)));
    m.schedule(
        SimTime(5 * 3_600_000),
        ActionKind::Crash { service: victim, amount: Amount::Fraction(0.5) },
        "crash half of a mid-graph service",
    );
    m.schedule(
        SimTime(6 * 3_600_000),
        ActionKind::InjectLatency { service: victim, latency: Span(1500), dist: None, duration: Some(Span(1_800_000)) },
        "mid-graph service slows down",
    );
    m
}
