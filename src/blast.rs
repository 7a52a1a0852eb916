//! `blast`: inject one fault into each service in turn, in parallel, and rank the services by what their failure does.
//!
//! Each faulted run is the topology with the fault added to its scenario
//! (which is emptied first unless it is kept), measured against the same
//! topology and seed without the fault. The static blast radius (every
//! transitive caller) is set beside what the mechanisms did.

pub mod fault;
pub mod measure;

pub use fault::Fault;

use crate::analysis::blast::callers_of;
use crate::analysis::round;
use crate::engine::{EngineError, RunResult};
use crate::model::{Model, ServiceId};
use crate::time::{SimTime, Span};
use measure::Loss;
use rayon::prelude::*;
use serde::Serialize;

/// The version of `blast.json`'s layout.
pub const SCHEMA: &str = "blastsim-blast/1";

/// The default length of the fault.
pub const DEFAULT_FOR: Span = Span(15 * 60_000);
/// The default grace after the fault ends within which every service must be
/// back for the failure not to count as having outlived the fault.
pub const DEFAULT_SETTLE: Span = Span(10 * 60_000);

/// What to run.
#[derive(Debug, Clone)]
pub struct Request {
    pub fault: Fault,
    /// When the fault starts; default a quarter into the run, on a step.
    pub at: Option<SimTime>,
    /// How long it lasts; default 15 minutes, at most a quarter of the run.
    pub duration: Option<Span>,
    /// The services to fail (default: every one), in model order.
    pub services: Vec<ServiceId>,
    /// Seeded runs per service, averaged; 1 uses the topology's seed.
    pub runs: u32,
    /// Keep the topology's own scenario (default: replace it by the fault alone).
    pub keep_scenario: bool,
    /// Grace after the fault's end, see [`DEFAULT_SETTLE`].
    pub settle: Span,
}

/// Why a blast could not run.
#[derive(Debug, thiserror::Error)]
pub enum BlastError {
    #[error("{0}")]
    Usage(String),
    #[error("the run failing `{service}` (seed {seed}): {source}")]
    Engine { service: String, seed: u64, source: EngineError },
}

/// The whole answer: `blast.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Blast {
    pub schema: &'static str,
    pub topology: String,
    pub fault: FaultReport,
    /// Worst first.
    pub ranking: Vec<Row>,
}

/// The fault as it was injected.
#[derive(Debug, Clone, Serialize)]
pub struct FaultReport {
    #[serde(flatten)]
    pub fault: Fault,
    /// As written on the command line (`latency=2s`).
    pub spec: String,
    pub at: String,
    pub at_s: f64,
    pub for_s: f64,
    pub settle_s: f64,
    /// `replaced` (the fault alone) or `kept` (the fault on top of the topology's scenario).
    pub scenario: &'static str,
    pub runs: u32,
    pub seed: u64,
}

/// What failing one service did.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub service: String,
    /// Every service impacted, the failed one included, in model order.
    pub impacted: Vec<String>,
    /// Summed over the impacted services [min].
    pub error_minutes: f64,
    /// Summed over the impacted services [requests].
    pub failed_requests: f64,
    /// Seconds from the fault's start until every impacted service was back; `None` if one never was.
    pub recovered_s: Option<f64>,
    /// Some service was still impacted `settle` after the fault ended (or at the end of the run).
    pub outlived_fault: bool,
    /// Every transitive caller, in model order.
    pub static_reach: Vec<String>,
    /// In the static reach but not impacted: fallbacks, buffers and timeouts held.
    pub contained: Vec<String>,
    /// Impacted without a call path to the failed service: bursts, shared callees, control loops.
    pub beyond_reach: Vec<String>,
    /// Each impacted service's share, in model order.
    pub by_service: Vec<Hit>,
}

/// One impacted service's loss when `Row::service` fails.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub service: String,
    pub error_minutes: f64,
    pub failed_requests: f64,
    /// Seconds from the fault's start; `None` if never back.
    pub recovered_s: Option<f64>,
}

/// The fault's start and length for `model`, defaults filled in and checked against the run.
pub fn window(model: &Model, at: Option<SimTime>, duration: Option<Span>) -> Result<(SimTime, Span), String> {
    let quarter = model.duration.0 / 4;
    let at = at.unwrap_or(SimTime(quarter - quarter % model.step.0.max(1)));
    let duration = duration.unwrap_or(Span(DEFAULT_FOR.0.min(quarter.max(model.step.0))));
    if duration.is_zero() {
        return Err("--for must be more than 0; write a duration like 15m".into());
    }
    if at.0 + duration.0 > model.duration.0 {
        return Err(format!(
            "the fault ({} from {}) does not end within the run ({}); pass an earlier --at or a shorter --for",
            duration,
            model.show_time(at),
            model.duration
        ));
    }
    Ok((at, duration))
}

/// Reads `--at`: a clock time (`05:00`, `05:00:30`) when the topology has a
/// start clock, or an offset from the start (`+2h`, `2h`).
pub fn parse_at(model: &Model, text: &str) -> Result<SimTime, String> {
    let text = text.trim();
    if let Some(clock) = &model.clock {
        if text.contains(':') {
            return clock
                .at(text)
                .ok_or_else(|| format!("--at {text}: not a clock time; write one like 05:00 or 05:00:30"));
        }
    }
    let offset = text.strip_prefix('+').unwrap_or(text);
    let span = crate::time::parse_span(offset).map_err(|e| {
        let clock = if model.clock.is_some() { "a clock time like 05:00 or " } else { "" };
        format!("--at {text}: {e}; write {clock}an offset from the start like +2h")
    })?;
    Ok(SimTime(span.0))
}

/// Runs the blast on the current rayon pool: one baseline per seed and one
/// faulted run per service and seed, all independent, so the answer does not
/// depend on the thread count.
pub fn run(model: &Model, req: &Request) -> Result<Blast, BlastError> {
    let (at, duration) = window(model, req.at, req.duration).map_err(BlastError::Usage)?;
    if req.runs == 0 {
        return Err(BlastError::Usage("--runs 0: pass --runs 1 or more".into()));
    }
    let services: Vec<ServiceId> =
        if req.services.is_empty() { (0..model.services.len()).map(ServiceId).collect() } else { req.services.clone() };
    let seeds: Vec<u64> = match req.runs {
        1 => vec![model.seed],
        n => (0..n).map(|r| crate::sweep::run_seed(model.seed, 0, r)).collect(),
    };
    let jobs: Vec<(Option<ServiceId>, u64)> = std::iter::once(None)
        .chain(services.iter().copied().map(Some))
        .flat_map(|s| seeds.iter().map(move |&seed| (s, seed)))
        .collect();
    let results: Vec<Result<RunResult, BlastError>> = jobs
        .par_iter()
        .map(|&(service, seed)| {
            let mut m = match service {
                Some(s) => fault::inject(model, req.fault, s, at, duration, req.keep_scenario),
                None => fault::base(model, req.keep_scenario),
            };
            m.seed = seed;
            crate::engine::run(&m).map_err(|source| BlastError::Engine {
                service: service.map_or("nothing (baseline)".into(), |s| model.service(s).name.clone()),
                seed,
                source,
            })
        })
        .collect();
    let results = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let (baselines, faulted) = results.split_at(seeds.len());
    let step_s = model.step.secs();
    let end_of_fault = at.plus(duration).secs();
    let mut ranking: Vec<Row> = services
        .iter()
        .zip(faulted.chunks(seeds.len()))
        .map(|(&s, runs)| {
            let losses: Vec<Vec<Loss>> =
                runs.iter().zip(baselines).map(|(f, b)| measure::losses(b, f, &model.thresholds, step_s)).collect();
            row(model, s, &losses, at.secs(), end_of_fault + req.settle.secs())
        })
        .collect();
    ranking.sort_by(|a, b| {
        b.error_minutes
            .total_cmp(&a.error_minutes)
            .then(b.impacted.len().cmp(&a.impacted.len()))
            .then(b.failed_requests.total_cmp(&a.failed_requests))
    });
    Ok(Blast {
        schema: SCHEMA,
        topology: model.name.clone(),
        fault: FaultReport {
            fault: req.fault,
            spec: req.fault.to_string(),
            at: model.show_time(at),
            at_s: at.secs(),
            for_s: duration.secs(),
            settle_s: req.settle.secs(),
            scenario: if req.keep_scenario { "kept" } else { "replaced" },
            runs: req.runs,
            seed: model.seed,
        },
        ranking,
    })
}

/// Averages one failed service's runs into its row. A service counts as
/// impacted when it was in at least half the runs; it recovered when it did in every run.
fn row(model: &Model, failed: ServiceId, runs: &[Vec<Loss>], at_s: f64, settle_until_s: f64) -> Row {
    let n = runs.len() as f64;
    let name = |i: usize| model.services[i].name.clone();
    let mut hits = Vec::new();
    for i in 0..model.services.len() {
        let hit_in = runs.iter().filter(|r| r[i].impacted).count();
        if (hit_in as f64) * 2.0 < n || hit_in == 0 {
            continue;
        }
        let back: Option<Vec<f64>> = runs.iter().map(|r| r[i].recovered_at_s).collect();
        hits.push(Hit {
            service: name(i),
            error_minutes: round(runs.iter().map(|r| r[i].error_minutes).sum::<f64>() / n, 2),
            failed_requests: round(runs.iter().map(|r| r[i].failed_requests).sum::<f64>() / n, 0),
            recovered_s: back.map(|b| round((b.iter().sum::<f64>() / n - at_s).max(0.0), 0)),
        });
    }
    let reach = callers_of(model, failed);
    let static_reach: Vec<usize> = (0..model.services.len()).filter(|&i| reach[i] && i != failed.0).collect();
    let is_hit = |i: usize| hits.iter().any(|h| h.service == model.services[i].name);
    let recovered_s = hits.iter().try_fold(0.0_f64, |acc, h| h.recovered_s.map(|r| acc.max(r)));
    let outlived = runs
        .iter()
        .filter(|r| r.iter().any(|l| l.impacted && l.recovered_at_s.is_none_or(|t| t > settle_until_s)))
        .count();
    Row {
        service: name(failed.0),
        impacted: hits.iter().map(|h| h.service.clone()).collect(),
        error_minutes: round(hits.iter().map(|h| h.error_minutes).sum(), 2),
        failed_requests: round(hits.iter().map(|h| h.failed_requests).sum(), 0),
        recovered_s,
        outlived_fault: outlived as f64 * 2.0 >= n && outlived > 0,
        static_reach: static_reach.iter().map(|&i| name(i)).collect(),
        contained: static_reach.iter().filter(|&&i| !is_hit(i)).map(|&i| name(i)).collect(),
        beyond_reach: (0..model.services.len())
            .filter(|&i| i != failed.0 && !reach[i] && is_hit(i))
            .map(name)
            .collect(),
        by_service: hits,
    }
}
