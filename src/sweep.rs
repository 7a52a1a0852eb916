//! Parameter sweeps and Monte Carlo runs: a grid of topology values, seeded runs per point, in parallel.
//!
//! Each run's seed derives from `(base seed, point, run)` and results are
//! collected in job order, so the outcome does not depend on the thread count
//! or on how the jobs are sharded across machines.

pub mod compare;
pub mod file;
pub mod identity;
pub mod range;
pub mod stats;

pub use file::{Metric, PointSummary, RunRecord, Shard, Spec, SweepFile, merge};
pub use range::{Param, ParamError, Value};

use crate::analysis::Report;
use crate::engine::EngineError;
use crate::model::{MilestoneKind, Model};
use crate::topology::{self, TopologyError};
use rayon::prelude::*;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why a sweep could not be prepared or run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A point's values make the topology invalid (bad key, bad value): bad input.
    #[error("{}", topology::render_error(.source))]
    Topology { point: String, source: Box<TopologyError>, hint: Option<String> },
    /// Bad input that is not the topology's: the service, the run count.
    #[error("{0}")]
    Usage(String),
    #[error("point {point}, run {run} (seed {seed}): {source}")]
    Engine { point: usize, run: u32, seed: u64, source: EngineError },
}

/// What to sweep, before the topology is loaded.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub topology: &'a Path,
    pub sets: &'a [String],
    pub variant: Option<&'a str>,
    pub params: Vec<Param>,
    pub runs: u32,
    /// Overrides the topology's seed.
    pub seed: Option<u64>,
    /// The measured service; `None` picks the first one the expected timeline
    /// names, else the first service of the topology.
    pub service: Option<&'a str>,
    pub metric: Metric,
}

/// A sweep ready to run: its spec and the model of every point.
#[derive(Debug, Clone)]
pub struct Plan {
    pub spec: Spec,
    pub models: Vec<Model>,
}

/// Loads the topology once per point (every point is validated before any run).
/// The most points one sweep's grid has (each point's topology is loaded up front).
pub const MAX_GRID: u64 = 100_000;

/// The most runs one sweep plans (all shards together).
pub const MAX_RUNS: u64 = 10_000_000;

pub fn prepare(req: &Request) -> Result<Plan, SweepError> {
    if req.runs == 0 {
        return Err(SweepError::Usage(
            "--runs 0: a sweep needs at least one run per point; pass --runs 1 or more".into(),
        ));
    }
    let mut spec = Spec {
        topology: req.topology.display().to_string(),
        topology_hash: String::new(),
        overrides_hash: String::new(),
        sets: req.sets.to_vec(),
        variant: req.variant.map(str::to_string),
        params: req.params.clone(),
        runs: req.runs,
        seed: 0,
        service: String::new(),
        metric: req.metric,
    };
    for (i, p) in spec.params.iter().enumerate() {
        if spec.params[..i].iter().any(|q| q.key == p.key) {
            return Err(SweepError::Usage(format!("--param `{}` is given twice; sweep each key once", p.key)));
        }
    }
    let points: u64 = spec.params.iter().map(|p| p.values.len() as u64).product();
    if points > MAX_GRID {
        return Err(SweepError::Usage(format!(
            "the grid has {points} points, over the limit of {MAX_GRID}; use fewer values, or split the grid into several sweeps"
        )));
    }
    if points.saturating_mul(req.runs as u64) > MAX_RUNS {
        return Err(SweepError::Usage(format!(
            "{points} points x {} runs is over the limit of {MAX_RUNS} runs; use fewer values or runs, or split the grid into several sweeps",
            req.runs
        )));
    }
    let models = spec
        .points()
        .iter()
        .map(|values| {
            let mut sets = req.sets.to_vec();
            sets.extend(spec.params.iter().zip(values).map(|(p, v)| format!("{}={}", p.key, v.to_toml())));
            topology::load_file(req.topology, &sets, req.variant).map_err(|source| SweepError::Topology {
                point: describe(&spec.params, values),
                hint: fraction_hint(&spec.params, &source),
                source: Box::new(source),
            })
        })
        .collect::<Result<Vec<Model>, SweepError>>()?;
    let first = &models[0];
    if first.services.is_empty() {
        return Err(SweepError::Usage(format!(
            "{} has no services, so a sweep has nothing to measure; add a service (`[services.NAME]`) first",
            req.topology.display()
        )));
    }
    spec.seed = req.seed.unwrap_or(first.seed);
    spec.service = match req.service {
        Some(name) if first.service_id(name).is_some() => name.to_string(),
        Some(name) => {
            let names: Vec<&str> = first.services.iter().map(|s| s.name.as_str()).collect();
            return Err(SweepError::Usage(format!(
                "--service `{name}`: the topology has no such service; choose one of: {}",
                names.join(", ")
            )));
        }
        None => match first.expected.first() {
            Some(e) => first.service(e.service).name.clone(),
            None => first.services.first().map(|s| s.name.clone()).unwrap_or_default(),
        },
    };
    let bytes = std::fs::read(req.topology).map_err(|e| {
        SweepError::Usage(format!("cannot read {} again to fingerprint it: {e}", req.topology.display()))
    })?;
    spec.topology_hash = identity::fingerprint(&bytes);
    spec.overrides_hash = identity::overrides_hash(&spec);
    Ok(Plan { spec, models })
}

/// When a key wants an integer and a range was spaced into fractions (the
/// default 11 points of `1..4`), how to sweep whole numbers instead.
fn fraction_hint(params: &[Param], error: &TopologyError) -> Option<String> {
    let wants_integer = topology::render_error(error).contains("integer");
    let p = params.iter().find(|p| p.values.iter().any(|v| matches!(v, Value::Float(_))))?;
    let (a, b) = (p.values.first()?, p.values.last()?);
    wants_integer.then(|| {
        format!(
            "`{}={}` gives {} evenly spaced points, not all whole numbers; for an integer key give a step (`{}={a}..{b}:step=1`) or a list (`{}={a},{b}`)",
            p.key,
            p.range,
            p.values.len(),
            p.key,
            p.key
        )
    })
}

/// `key=value, key=value`: a point as people read it.
pub fn describe(params: &[Param], values: &[Value]) -> String {
    params.iter().zip(values).map(|(p, v)| format!("{}={v}", p.key)).collect::<Vec<_>>().join(", ")
}

/// The seed of run `run` at point `point`: a splitmix64 hash of the three, so
/// every run has its own stream whatever thread or machine runs it.
pub fn run_seed(base: u64, point: usize, run: u32) -> u64 {
    let mut h = splitmix64(base);
    h = splitmix64(h ^ point as u64);
    splitmix64(h ^ (run as u64).rotate_left(32))
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Runs the plan's jobs (all, or one shard's) on the current rayon pool.
///
/// `stop` is checked before each job starts: once set, the remaining jobs are
/// skipped and the file says it is incomplete. `done` is called after each run.
pub fn run(
    plan: &Plan,
    shard: Option<Shard>,
    stop: &AtomicBool,
    done: &(dyn Fn() + Sync),
) -> Result<SweepFile, SweepError> {
    let runs = plan.spec.runs as usize;
    let jobs: Vec<usize> = (0..plan.spec.jobs()).filter(|&j| shard.is_none_or(|s| s.owns(j))).collect();
    let service = plan.spec.service.as_str();
    let results: Vec<Option<Result<RunRecord, SweepError>>> = jobs
        .par_iter()
        .map(|&job| {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let (point, run) = (job / runs, (job % runs) as u32);
            let seed = run_seed(plan.spec.seed, point, run);
            let mut model = plan.models[point].clone();
            model.seed = seed;
            let outcome = crate::simulate(&model, plan.spec.variant.as_deref())
                .map(|(_, report)| record(&report, service, point, run, seed, model.duration.secs()))
                .map_err(|source| SweepError::Engine { point, run, seed, source });
            done();
            Some(outcome)
        })
        .collect();
    let finished = results.into_iter().flatten().collect::<Result<Vec<RunRecord>, SweepError>>()?;
    Ok(SweepFile::new(plan.spec.clone(), shard, jobs.len(), finished))
}

/// One run's metrics for `service`.
pub fn record(report: &Report, service: &str, point: usize, run: u32, seed: u64, end_s: f64) -> RunRecord {
    let s = report.services.iter().find(|s| s.name == service);
    let recovered_at = s.and_then(|s| s.milestones.iter().find(|m| m.kind == MilestoneKind::Recovered));
    let impacted = s.is_some_and(|s| s.impacted);
    let recovery_s = match (impacted, recovered_at) {
        (false, _) => Some(0.0),
        (true, Some(m)) => Some(m.t_s),
        (true, None) => None,
    };
    RunRecord {
        point,
        run,
        seed,
        recovered: recovery_s.is_some(),
        recovery_s,
        end_s,
        error_minutes: s.map_or(0.0, |s| s.error_minutes),
        failed_requests: s.map_or(0.0, |s| s.failed_requests),
        peak_impact: s.map_or(0.0, |s| 1.0 - s.min_availability),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_differ_by_point_and_run_and_are_stable() {
        let seeds: Vec<u64> = (0..4).flat_map(|p| (0..4).map(move |r| run_seed(7, p, r))).collect();
        let mut unique = seeds.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 16);
        assert_eq!(run_seed(7, 1, 2), run_seed(7, 1, 2));
        assert_ne!(run_seed(7, 1, 2), run_seed(8, 1, 2));
        assert_ne!(run_seed(0, 1, 0), run_seed(0, 0, 1));
    }

    #[test]
    fn shards_partition_the_jobs() {
        let shards: Vec<Shard> = (1..=3).map(|k| Shard::parse(&format!("{k}/3")).unwrap()).collect();
        for job in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.owns(job)).count(), 1);
        }
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(Shard::parse(bad).unwrap_err().contains("K/N"), "{bad}");
        }
    }
}
