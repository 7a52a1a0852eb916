//! Scaling bench: time and peak memory of a generated topology against its size and step.
//!
//! `cargo bench --bench scale` runs each (services, step) point in a fresh
//! process, so each peak resident size is that run's own, and prints a table
//! and the growth exponents of time and memory in the number of services.
//! Choose the points with `SCALE_SERVICES=100,1000,10000,100000`,
//! `SCALE_STEPS=10s,60s`, `SCALE_DURATION=2h`, `SCALE_FAULT=none|crash|latency`
//! and `SCALE_REPEAT=3` (median); `SCALE_PLOT=docs/img/scale.png` also draws
//! the figure (log-log, one line per step).

#[path = "scale/plot.rs"]
mod scale_plot;

use std::process::Command;
use std::time::Instant;

/// One measured point: services, step, load seconds, run seconds, peak MiB.
pub struct Point {
    pub services: f64,
    pub step: String,
    pub load_s: f64,
    pub run_s: f64,
    pub peak_mib: f64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--one") {
        one(&args[i + 1], &args[i + 2], &args[i + 3], &args[i + 4]);
        return;
    }
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let sizes: Vec<usize> = env("SCALE_SERVICES", "100,1000,10000")
        .split(',')
        .map(|s| s.trim().parse().expect("SCALE_SERVICES: numbers"))
        .collect();
    let steps: Vec<String> = env("SCALE_STEPS", "10s,60s").split(',').map(|s| s.trim().to_string()).collect();
    let duration = env("SCALE_DURATION", "2h");
    let fault = env("SCALE_FAULT", "none");
    let repeat: usize = env("SCALE_REPEAT", "1").parse().expect("SCALE_REPEAT: a number");
    let exe = std::env::current_exe().expect("the bench's own path");
    println!(
        "generated layered topologies (fan-out 2, fault `{fault}` at a quarter of the run or +5h), {duration} simulated, median of {repeat}"
    );
    println!(
        "{:>8} {:>6} {:>10} {:>10} {:>15} {:>10}",
        "services", "step", "load s", "run s", "run s/svc-step", "peak MiB"
    );
    let mut all = Vec::new();
    for step in &steps {
        let mut points = Vec::new();
        for &n in &sizes {
            let mut runs: Vec<(f64, f64, f64)> = (0..repeat)
                .map(|_| {
                    let out = Command::new(&exe)
                        .args(["--one", &n.to_string(), step, &duration, &fault])
                        .output()
                        .expect("run the bench's child");
                    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
                    let line = String::from_utf8_lossy(&out.stdout);
                    let v: Vec<f64> = line.split_whitespace().map(|x| x.parse().unwrap()).collect();
                    (v[0], v[1], v[2])
                })
                .collect();
            runs.sort_by(|a, b| a.1.total_cmp(&b.1));
            let (load, run, mib) = runs[runs.len() / 2];
            let steps_n = blastsim::time::parse_span(&duration).unwrap().0 as f64
                / blastsim::time::parse_span(step).unwrap().0 as f64;
            println!("{n:>8} {step:>6} {load:>10.3} {run:>10.3} {:>15.2e} {mib:>10.1}", run / (n as f64 * steps_n));
            points.push(Point { services: n as f64, step: step.clone(), load_s: load, run_s: run, peak_mib: mib });
        }
        if points.len() >= 2 {
            println!(
                "  step {step}: run time grows as N^{:.2}, load time as N^{:.2}, peak memory as N^{:.2}",
                exponent(&points, |p| p.run_s),
                exponent(&points, |p| p.load_s),
                exponent(&points, |p| p.peak_mib)
            );
        }
        all.extend(points);
    }
    if let Ok(path) = std::env::var("SCALE_PLOT") {
        let title = format!("generated layered topologies, {duration} simulated, fault `{fault}`");
        std::fs::write(&path, scale_plot::png(&all, &title)).expect("write the figure");
        println!("figure written to {path}");
    }
}

/// Least-squares slope of log(y) against log(N).
pub fn exponent(points: &[Point], y: impl Fn(&Point) -> f64) -> f64 {
    let xs: Vec<f64> = points.iter().map(|p| p.services.ln()).collect();
    let ys: Vec<f64> = points.iter().map(|p| y(p).max(1e-9).ln()).collect();
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let var: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    cov / var
}

/// One point in this process: prints load seconds, run seconds and peak resident MiB.
fn one(n: &str, step: &str, duration: &str, fault: &str) {
    // The fault comes at +5h, or at a quarter of a shorter run.
    let quarter = blastsim::time::parse_span(duration).unwrap().0 / 4000;
    let fault_at = format!("+{}s", quarter.min(5 * 3600));
    let fault = match fault {
        "none" => blastsim::generate::Fault::None,
        "crash" => blastsim::generate::Fault::Crash,
        "latency" => blastsim::generate::Fault::Latency,
        other => panic!("SCALE_FAULT: none, crash or latency, not `{other}`"),
    };
    let spec = blastsim::generate::Spec {
        services: n.parse().unwrap(),
        step: step.into(),
        duration: duration.into(),
        fault,
        fault_at,
        ..Default::default()
    };
    let text = blastsim::generate::toml(&spec);
    let t0 = Instant::now();
    let model = blastsim::topology::load_str("generated.toml", &text, &[], None).expect("a generated topology loads");
    drop(text);
    let load = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let (_, report) = blastsim::simulate(&model, None).expect("a generated topology runs");
    let run = t1.elapsed().as_secs_f64();
    std::hint::black_box(report);
    println!("{load} {run} {}", peak_mib());
}

/// Peak resident set size of this process [MiB], from /proc (Linux); 0 elsewhere.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
