//! Benchmarks: sweep throughput (runs per second) of the Kinesis topology on one thread and on all.
//!
//! Run with `cargo bench --bench sweep`; each iteration is one sweep of
//! `RUNS` runs (3 restart rates), so runs/s = RUNS / time per iteration.

use blastsim::sweep::{self, Metric, Plan, Request, range};
use divan::{Bencher, black_box};
use std::path::Path;
use std::sync::atomic::AtomicBool;

fn main() {
    divan::main();
}

const RUNS: u32 = 4;

fn plan() -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/aws-kinesis-2020-11-25.toml");
    let params = vec![range::parse("scenario.2.rate=150/h,300/h,600/h").expect("a valid range")];
    let req = Request {
        topology: &path,
        sets: &[],
        variant: None,
        params,
        runs: RUNS,
        seed: Some(1),
        service: None,
        metric: Metric::Recovery,
    };
    sweep::prepare(&req).expect("the Kinesis topology loads")
}

fn sweep_on(b: Bencher, threads: usize) {
    let plan = plan();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
    let stop = AtomicBool::new(false);
    b.counter(divan::counter::ItemsCount::new(plan.spec.jobs()))
        .bench(|| pool.install(|| black_box(sweep::run(&plan, None, &stop, &|| {}).expect("the runs end"))));
}

/// 12 runs on one thread.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn kinesis_one_thread(b: Bencher) {
    sweep_on(b, 1);
}

/// 12 runs on every available core.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn kinesis_all_threads(b: Bencher) {
    sweep_on(b, std::thread::available_parallelism().map_or(1, |n| n.get()));
}
