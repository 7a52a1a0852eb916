//! blastsim's requests mode beside SimPy and Ciw on the same models and request counts.
//!
//! `cargo bench --bench peers [-- REQUESTS]` (default 10^6 for blastsim; the
//! Python peers run `REQUESTS / 50` and their rates are compared per second).
//! Needs `python3` with `simpy` and `ciw` for the peer columns; without them
//! only blastsim's figures are printed. Models (same in benches/peers/*.py):
//! - mmc: M/M/4 at 80%, exponential service of mean 100 ms;
//! - jackson: a (1 server, 100 ms) -> b (2, 250 ms) -> c (1, 100 ms) for half;
//! - sync: front (8 threads, 10 ms) holds its thread while calling back
//!   (4 threads, 50 ms) with a 1 s timeout.

use blastsim::model::dist::Dist;
use blastsim::model::{Mode, Model, Service};
use blastsim::time::Span;
use std::process::Command;
use std::time::Instant;

fn station(name: &str, servers: u32, s: f64, threads: u32) -> Service {
    let mut svc = Service::new(name, 1, servers as f64 / s);
    svc.threads = threads;
    svc.latency = Span::from_secs_f64(s);
    svc.latency_dist = Some(Dist::Exponential { mean_s: s });
    svc.queue = u32::MAX;
    svc.timeout = Span(100 * 3_600_000);
    svc.load.timeout = Span(100 * 3_600_000);
    svc
}

/// The model and its outside arrival rate [req/s], sized for `n` requests.
fn model(name: &str, n: f64) -> Model {
    let rate = match name {
        "mmc" => 32.0,
        "jackson" => 6.0,
        _ => 60.0,
    };
    let mut m = Model::new(name, Span::from_secs_f64(n / rate));
    m.mode = Mode::Requests;
    m.step = Span(600_000);
    m.max_events = u64::MAX;
    match name {
        "mmc" => {
            m.add_service(station("server", 4, 0.1, 4).with_load(rate));
        }
        "jackson" => {
            let a = m.add_service(station("a", 1, 0.1, 1_000_000).with_load(rate));
            let b = m.add_service(station("b", 2, 0.25, 1_000_000));
            let c = m.add_service(station("c", 1, 0.1, 1_000_000));
            m.add_call(a, b);
            let bc = m.add_call(b, c);
            m.deps[bc.0].per_request = 0.5;
        }
        _ => {
            let f = m.add_service(station("front", 8, 0.01, 8).with_load(rate));
            let b = m.add_service(station("back", 4, 0.05, 4));
            m.add_call(f, b);
        }
    }
    m
}

struct Figures {
    requests: f64,
    events: Option<f64>,
    wall_s: f64,
}

fn blastsim_run(name: &str, n: f64) -> Figures {
    let m = model(name, n);
    let start = Instant::now();
    let r = blastsim::engine::run(&m).expect("the bench model runs");
    let wall_s = start.elapsed().as_secs_f64();
    Figures { requests: r.services[0].totals.served, events: Some(r.events as f64), wall_s }
}

fn peer(script: &str, name: &str, n: f64) -> Option<Figures> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/peers/");
    let out =
        Command::new("python3").arg(format!("{path}{script}")).args([name, &format!("{n}"), "1"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    Some(Figures { requests: v["requests"].as_f64()?, events: v["events"].as_f64(), wall_s: v["wall_s"].as_f64()? })
}

fn rate(x: f64, wall: f64) -> String {
    format!("{:.3e}", x / wall)
}

fn main() {
    let n: f64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1e6);
    println!("model    engine    requests  events     wall s   requests/s  events/s   blastsim x (requests/s)");
    for name in ["mmc", "jackson", "sync"] {
        let b = blastsim_run(name, n);
        let ev = b.events.unwrap_or(0.0);
        println!(
            "{name:<8} blastsim  {:<9.0} {:<10.0} {:<8.3} {:<11} {:<10} -",
            b.requests,
            ev,
            b.wall_s,
            rate(b.requests, b.wall_s),
            rate(ev, b.wall_s)
        );
        let peers: &[&str] = if name == "sync" { &["simpy_models.py"] } else { &["simpy_models.py", "ciw_models.py"] };
        for script in peers {
            let label = if script.starts_with("simpy") { "simpy" } else { "ciw" };
            match peer(script, name, n / 50.0) {
                Some(p) => println!(
                    "{name:<8} {label:<9} {:<9.0} {:<10} {:<8.3} {:<11} {:<10} {:.0}x",
                    p.requests,
                    p.events.map_or("-".to_string(), |e| format!("{e:.0}")),
                    p.wall_s,
                    rate(p.requests, p.wall_s),
                    p.events.map_or("-".to_string(), |e| rate(e, p.wall_s)),
                    (b.requests / b.wall_s) / (p.requests / p.wall_s)
                ),
                None => println!("{name:<8} {label:<9} (python3 with {label} not available)"),
            }
        }
    }
}
