//! `sweep.json`: the spec, every run's metrics and the per-point summaries; merging shards.

use super::range::{Param, Value};
use super::stats::{Proportion, Summary, proportion, summarize};
use serde::{Deserialize, Serialize};

/// What was swept: enough to rerun it, and to check that shards belong together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// The topology path as given on the command line.
    pub topology: String,
    /// Fingerprint of the topology file's bytes ([`super::identity::fingerprint`]).
    #[serde(default)]
    pub topology_hash: String,
    /// Fingerprint of the overrides below ([`super::identity::overrides_hash`]).
    #[serde(default)]
    pub overrides_hash: String,
    /// `--set` overrides applied to every point, before the swept values.
    pub sets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub params: Vec<Param>,
    /// Seeded runs per point.
    pub runs: u32,
    /// Base seed; run seeds derive from (seed, point, run).
    pub seed: u64,
    /// The service whose recovery, errors and impact are measured.
    pub service: String,
    /// The metric the plot shows.
    pub metric: Metric,
}

/// The metric a sweep plot shows (every metric is in `sweep.json` and `sweep.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// Time to full recovery; a run that never recovered counts at its end.
    Recovery,
    ErrorMinutes,
    FailedRequests,
    PeakImpact,
    /// Fraction of runs that recovered.
    Recovered,
}

impl Metric {
    pub const NAMES: [&str; 5] = ["recovery", "error-minutes", "failed-requests", "peak-impact", "recovered"];

    /// Parses one of [`Metric::NAMES`].
    pub fn parse(text: &str) -> Result<Metric, String> {
        serde_json::from_value(serde_json::Value::String(text.to_string()))
            .map_err(|_| format!("--metric `{text}`: choose one of {}", Metric::NAMES.join(", ")))
    }
}

impl Spec {
    /// Every point of the grid, first parameter varying slowest.
    pub fn points(&self) -> Vec<Vec<Value>> {
        let mut points: Vec<Vec<Value>> = vec![Vec::new()];
        for p in &self.params {
            points = points
                .into_iter()
                .flat_map(|prefix| {
                    p.values.iter().map(move |v| {
                        let mut point = prefix.clone();
                        point.push(v.clone());
                        point
                    })
                })
                .collect();
        }
        points
    }

    /// Number of (point, run) jobs in the whole sweep.
    pub fn jobs(&self) -> usize {
        self.params.iter().map(|p| p.values.len()).product::<usize>() * self.runs as usize
    }
}

/// A slice of the jobs: `K/N` runs the jobs whose index `i` has `i % N == K - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based.
    pub k: usize,
    pub n: usize,
}

impl Shard {
    /// Parses `K/N` with 1 <= K <= N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let parsed = text.split_once('/').and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((k, n)) if k >= 1 && k <= n => Ok(Shard { k, n }),
            _ => Err(format!(
                "--shard `{text}`: expected K/N with 1 <= K <= N, e.g. `--shard 2/8` for the second of eight slices"
            )),
        }
    }

    pub fn owns(&self, job: usize) -> bool {
        job % self.n == self.k - 1
    }
}

/// One run's outcome for the measured service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub point: usize,
    pub run: u32,
    pub seed: u64,
    /// Back to healthy for good within the run (or never impacted).
    pub recovered: bool,
    /// Seconds from the start to the `recovered` milestone; 0 when never
    /// impacted, `None` when impacted and never recovered.
    pub recovery_s: Option<f64>,
    /// The run's length [s].
    pub end_s: f64,
    pub error_minutes: f64,
    pub failed_requests: f64,
    /// 1 - the lowest availability.
    pub peak_impact: f64,
}

impl RunRecord {
    /// Recovery time with a run that never recovered counted at its end: a
    /// lower bound, and the value used to order and plot recovery.
    pub fn recovery_or_end_s(&self) -> f64 {
        self.recovery_s.unwrap_or(self.end_s)
    }
}

/// The summaries of one point's runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointSummary {
    pub point: usize,
    /// One value per parameter, in the spec's order.
    pub values: Vec<Value>,
    /// Over the runs that recovered only.
    pub recovery_s: Summary,
    /// Over all runs, a run that never recovered counted at the run's end.
    pub recovery_or_end_s: Summary,
    pub error_minutes: Summary,
    pub failed_requests: Summary,
    pub peak_impact: Summary,
    pub recovered: Proportion,
}

/// Everything `sweep.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepFile {
    /// The layout's version ([`crate::report::json::SCHEMA_VERSION`]; 0 in files made before it existed).
    #[serde(default)]
    pub schema_version: u32,
    pub spec: Spec,
    /// Present in a shard's file; `blastsim merge` joins the shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// Every run this file was meant to hold finished (false after Ctrl-C).
    pub complete: bool,
    /// Runs this file was meant to hold, and runs it holds.
    pub runs_planned: usize,
    pub runs_done: usize,
    /// Per-point summaries; left out of shard files (merge computes them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<PointSummary>,
    /// Every finished run, ordered by (point, run).
    pub runs: Vec<RunRecord>,
}

impl SweepFile {
    /// Assembles the file from finished runs, summarising unless it is a shard.
    pub fn new(spec: Spec, shard: Option<Shard>, runs_planned: usize, mut runs: Vec<RunRecord>) -> SweepFile {
        runs.sort_by_key(|r| (r.point, r.run));
        let points = if shard.is_none() { summaries(&spec, &runs) } else { Vec::new() };
        SweepFile {
            schema_version: crate::report::json::SCHEMA_VERSION,
            spec,
            shard,
            complete: runs.len() == runs_planned,
            runs_planned,
            runs_done: runs.len(),
            points,
            runs,
        }
    }

    /// The file as pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn summaries(spec: &Spec, runs: &[RunRecord]) -> Vec<PointSummary> {
    spec.points()
        .into_iter()
        .enumerate()
        .map(|(point, values)| {
            let mine: Vec<&RunRecord> = runs.iter().filter(|r| r.point == point).collect();
            let of = |f: &dyn Fn(&RunRecord) -> f64| summarize(&mine.iter().map(|r| f(r)).collect::<Vec<f64>>());
            let recovered: Vec<f64> = mine.iter().filter_map(|r| r.recovery_s).collect();
            PointSummary {
                point,
                values,
                recovery_s: summarize(&recovered),
                recovery_or_end_s: of(&|r| r.recovery_or_end_s()),
                error_minutes: of(&|r| r.error_minutes),
                failed_requests: of(&|r| r.failed_requests),
                peak_impact: of(&|r| r.peak_impact),
                recovered: proportion(mine.iter().filter(|r| r.recovered).count(), mine.len()),
            }
        })
        .collect()
}

/// Joins shard files into the file one machine would have written: the specs
/// must match, the shards must be `1/N`..`N/N` of one `N`, each once.
pub fn merge(files: Vec<SweepFile>) -> Result<SweepFile, String> {
    let Some(first) = files.first() else {
        return Err("no shard files given; pass every shard's sweep.json".into());
    };
    let spec = first.spec.clone();
    let Some(n) = first.shard.map(|s| s.n) else {
        return Err("the first file is not a shard (no `shard` field); pass files written with --shard K/N".into());
    };
    let mut seen = vec![false; n];
    for (i, f) in files.iter().enumerate() {
        if let Some(diff) = super::identity::difference(&spec, &f.spec) {
            return Err(format!(
                "file {} was made by a different sweep than file 1: {diff}; run every shard with the same topology and options",
                i + 1
            ));
        }
        if !f.complete {
            let shard = f.shard.map(|s| format!("shard {}/{}", s.k, s.n)).unwrap_or_default();
            return Err(format!(
                "file {} ({shard}) was interrupted: {} of {} runs finished (\"complete\": false); rerun that shard to the end, then merge",
                i + 1,
                f.runs_done,
                f.runs_planned
            ));
        }
        match f.shard {
            Some(s) if s.n == n && s.k >= 1 && s.k <= n => {
                if std::mem::replace(&mut seen[s.k - 1], true) {
                    return Err(format!("shard {}/{n} is given twice", s.k));
                }
            }
            Some(s) => return Err(format!("file {} is shard {}/{}, but file 1 is one of {n}", i + 1, s.k, s.n)),
            None => return Err(format!("file {} is not a shard (no `shard` field)", i + 1)),
        }
    }
    let missing: Vec<String> =
        seen.iter().enumerate().filter(|(_, s)| !**s).map(|(k, _)| format!("{}/{n}", k + 1)).collect();
    if !missing.is_empty() {
        return Err(format!("missing shard {}; pass every shard's sweep.json", missing.join(", ")));
    }
    let planned = files.iter().map(|f| f.runs_planned).sum();
    let runs: Vec<RunRecord> = files.into_iter().flat_map(|f| f.runs).collect();
    Ok(SweepFile::new(spec, None, planned, runs))
}
