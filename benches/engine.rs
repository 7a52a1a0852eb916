//! Benchmarks: the event queue against a bare binary heap, and whole runs.
//!
//! Run with `cargo bench --bench engine`.

use blastsim::engine::queue::EventQueue;
use blastsim::time::SimTime;
use divan::{Bencher, black_box};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

fn main() {
    divan::main();
}

const EVENTS: u64 = 100_000;

/// Pseudo-random times, the same for both queues.
fn times() -> Vec<u64> {
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    (0..EVENTS)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % 1_000_000
        })
        .collect()
}

/// Hold model: pop the earliest event and push one a little later, `EVENTS` times.
#[divan::bench]
fn queue_event_queue(b: Bencher) {
    let ts = times();
    b.bench(|| {
        let mut q = EventQueue::new();
        for (i, &t) in ts.iter().take(1000).enumerate() {
            q.push(SimTime(t), i as u32);
        }
        for &t in &ts {
            let (at, e) = q.pop().unwrap();
            q.push(SimTime(at.0 + t % 1000), black_box(e));
        }
        black_box(q.len())
    });
}

/// The same hold model on a bare `BinaryHeap<Reverse<(u64, u64, u32)>>`.
#[divan::bench]
fn queue_bare_binary_heap(b: Bencher) {
    let ts = times();
    b.bench(|| {
        let mut q = BinaryHeap::new();
        let mut seq = 0u64;
        for (i, &t) in ts.iter().take(1000).enumerate() {
            q.push(Reverse((t, seq, i as u32)));
            seq += 1;
        }
        for &t in &ts {
            let Reverse((at, _, e)) = q.pop().unwrap();
            q.push(Reverse((at + t % 1000, seq, black_box(e))));
            seq += 1;
        }
        black_box(q.len())
    });
}

/// `blastsim generate --services 1000`: 24 simulated hours, a crash of half of `svc-500` at +5h; parse excluded.
#[divan::bench(sample_count = 10)]
fn run_1000_services_24h(b: Bencher) {
    let spec = blastsim::generate::Spec { services: 1000, ..Default::default() };
    let text = blastsim::generate::toml(&spec);
    let model = blastsim::topology::load_str("generated.toml", &text, &[], None).unwrap();
    b.bench(|| blastsim::simulate(black_box(&model), None).unwrap());
}

/// The Kinesis reproduction (`topologies/aws-kinesis-2020-11-25.toml`), parse excluded.
#[divan::bench(sample_count = 20)]
fn run_kinesis_reproduction(b: Bencher) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies/aws-kinesis-2020-11-25.toml");
    let model = blastsim::topology::load_file(&path, &[], None).unwrap();
    b.bench(|| blastsim::simulate(black_box(&model), None).unwrap());
}
