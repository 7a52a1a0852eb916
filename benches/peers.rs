//! blastsim's requests mode beside SimPy and Ciw on the same models, printed as a markdown table.
//!
//! `cargo bench --bench peers [-- REQUESTS] [--runs N] [--share K] [--models a,b]`:
//! blastsim simulates REQUESTS outside requests (default 10^6), the Python
//! peers REQUESTS / K (default K = 50), each N times (default 3); the table
//! shows medians and compares rates per second. `--models` runs only the
//! models named (default `mmc,jackson,sync`), e.g. to profile one. Times are both wall and CPU (the
//! process's own, from `/proc/thread-self/schedstat` and Python's
//! `time.process_time`): on a shared machine the wall time counts the waits
//! for a core, the CPU time does not, and rates and ratios use the CPU time.
//! Needs `python3` with `simpy` and `ciw` for the peer rows; without them only
//! blastsim's rows are printed. Models (the same in benches/peers/*.py):
//! - mmc: M/M/4 at 80%, exponential service of mean 100 ms;
//! - jackson: a (1 server, 100 ms) -> b (2, 250 ms) -> c (1, 100 ms) for half,
//!   every station an exponential server with an unbounded FIFO queue;
//! - sync: front (8 threads, 10 ms) holds its thread while calling back
//!   (4 threads, 50 ms) with a 1 s timeout.
//!
//! `benches/peers/mmc.toml` and `jackson.toml` are the first two models as
//! topologies, for runs of the CLI under `/usr/bin/time` (peak memory):
//! `blastsim run benches/peers/mmc.toml --set duration=3125000s` is 10^8
//! requests.
//!
//! Events are what each engine processes: blastsim 2 per request on M/M/c
//! (arrival, end of service), SimPy 6 (its processes, requests and timeouts
//! are each events), so the ratio per request is the fair one.

use blastsim::model::dist::Dist;
use blastsim::model::{Mode, Model, Service};
use blastsim::time::Span;
use std::process::Command;
use std::time::Instant;

/// Long enough never to fire: a station's queue, a client's patience, a Jackson call.
const NEVER: Span = Span(100 * 3_600_000);

fn station(name: &str, servers: u32, s: f64, threads: u32) -> Service {
    let mut svc = Service::new(name, 1, servers as f64 / s);
    svc.threads = threads;
    svc.latency = Span::from_secs_f64(s);
    svc.latency_dist = Some(Dist::Exponential { mean_s: s });
    svc.queue = u32::MAX;
    svc.timeout = NEVER;
    svc.load.timeout = NEVER;
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
            let ab = m.add_call(a, b);
            let bc = m.add_call(b, c);
            m.deps[bc.0].per_request = 0.5;
            for d in [ab, bc] {
                m.deps[d.0].timeout = NEVER;
            }
        }
        _ => {
            let f = m.add_service(station("front", 8, 0.01, 8).with_load(rate));
            let b = m.add_service(station("back", 4, 0.05, 4));
            m.add_call(f, b);
        }
    }
    m
}

#[derive(Clone, Copy)]
struct Figures {
    requests: f64,
    events: Option<f64>,
    wall_s: f64,
    cpu_s: f64,
}

/// This thread's CPU time [s], where Linux tells it.
fn cpu_now() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

fn blastsim_run(name: &str, n: f64) -> Figures {
    let m = model(name, n);
    let (start, cpu) = (Instant::now(), cpu_now());
    let r = blastsim::engine::run(&m).expect("the bench model runs");
    let wall_s = start.elapsed().as_secs_f64();
    let cpu_s = cpu.zip(cpu_now()).map_or(wall_s, |(a, b)| b - a);
    Figures { requests: r.services[0].totals.served, events: Some(r.events as f64), wall_s, cpu_s }
}

fn peer(script: &str, name: &str, n: f64) -> Option<Figures> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/peers/");
    let out =
        Command::new("python3").arg(format!("{path}{script}")).args([name, &format!("{n}"), "1"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    Some(Figures {
        requests: v["requests"].as_f64()?,
        events: v["events"].as_f64(),
        wall_s: v["wall_s"].as_f64()?,
        cpu_s: v["cpu_s"].as_f64()?,
    })
}

/// The median run of `runs` by CPU time.
fn median(mut runs: Vec<Figures>) -> Figures {
    runs.sort_by(|a, b| a.cpu_s.total_cmp(&b.cpu_s));
    runs[runs.len() / 2]
}

fn sci(x: f64) -> String {
    format!("{x:.2e}")
}

fn row(name: &str, engine: &str, f: &Figures, versus: Option<&Figures>) {
    let per_s = |x: f64| x / f.cpu_s;
    let ev = f.events.map_or("-".to_string(), |e| format!("{e:.0}"));
    let ev_req = f.events.map_or("-".to_string(), |e| format!("{:.1}", e / f.requests));
    let ev_s = f.events.map_or("-".to_string(), |e| sci(per_s(e)));
    let (x_req, x_ev) = match versus {
        Some(b) => (
            format!("{:.0}×", (b.requests / b.cpu_s) / per_s(f.requests)),
            match (b.events, f.events) {
                (Some(be), Some(pe)) => format!("{:.0}×", (be / b.cpu_s) / per_s(pe)),
                _ => "-".to_string(),
            },
        ),
        None => ("-".to_string(), "-".to_string()),
    };
    println!(
        "| {name} | {engine} | {:.0} | {ev} | {ev_req} | {:.3} | {:.3} | {} | {ev_s} | {x_req} | {x_ev} |",
        f.requests,
        f.wall_s,
        f.cpu_s,
        sci(per_s(f.requests)),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)?.parse::<f64>().ok());
    let runs = flag("--runs").unwrap_or(3.0).max(1.0) as usize;
    let share = flag("--share").unwrap_or(50.0).max(1.0);
    let models =
        args.iter().position(|a| a == "--models").and_then(|i| args.get(i + 1)).map_or("mmc,jackson,sync", |m| m);
    let n: f64 = args
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || !matches!(args[i - 1].as_str(), "--runs" | "--share" | "--models"))
        .find_map(|(_, a)| a.parse().ok())
        .unwrap_or(1e6);
    println!("blastsim {n:.0} requests, peers {:.0}; median of {runs} by CPU time; rates per CPU second\n", n / share);
    println!(
        "| model | engine | requests | events | events/request | wall s | CPU s | requests/s | events/s | blastsim × (requests/s) | blastsim × (events/s) |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for name in ["mmc", "jackson", "sync"].into_iter().filter(|m| models.split(',').any(|x| x == *m)) {
        let b = median((0..runs).map(|_| blastsim_run(name, n)).collect());
        row(name, "blastsim", &b, None);
        let peers: &[&str] = if name == "sync" { &["simpy_models.py"] } else { &["simpy_models.py", "ciw_models.py"] };
        for script in peers {
            let label = if script.starts_with("simpy") { "SimPy" } else { "Ciw" };
            let got: Option<Vec<Figures>> = (0..runs).map(|_| peer(script, name, n / share)).collect();
            match got {
                Some(p) => row(name, label, &median(p), Some(&b)),
                None => println!("| {name} | {label} | python3 with {label} not available | | | | | | | | |"),
            }
        }
    }
}
