//! A sweep's outputs: the text table, `sweep.csv`, and the plot of a metric against the swept values.

mod plot;

pub use plot::SweepChart;

use crate::report::plot::PlotError;
use crate::sweep::stats::{Proportion, Summary};
use crate::sweep::{PointSummary, SweepFile, describe};
use std::fmt::Write;

pub use crate::sweep::Metric;

impl Metric {
    /// The axis or column description.
    pub fn describe(self) -> &'static str {
        match self {
            Metric::Recovery => "time to full recovery",
            Metric::ErrorMinutes => "error-minutes",
            Metric::FailedRequests => "failed requests",
            Metric::PeakImpact => "peak impact (%)",
            Metric::Recovered => "runs recovered (%)",
        }
    }

    /// (mean, 95% interval) of the metric at a point, in plot units; `None` without runs.
    pub fn band(self, p: &PointSummary) -> Option<(f64, Option<(f64, f64)>)> {
        let (s, scale) = match self {
            Metric::Recovery => (&p.recovery_or_end_s, 1.0),
            Metric::ErrorMinutes => (&p.error_minutes, 1.0),
            Metric::FailedRequests => (&p.failed_requests, 1.0),
            Metric::PeakImpact => (&p.peak_impact, 100.0),
            Metric::Recovered => {
                let r = &p.recovered;
                let ci = r.ci_low.zip(r.ci_high).map(|(l, h)| (l * 100.0, h * 100.0));
                return r.fraction.map(|f| (f * 100.0, ci));
            }
        };
        let ci = s.ci_low.zip(s.ci_high).map(|(l, h)| (l * scale, h * scale));
        s.mean.map(|m| (m * scale, ci))
    }
}

/// The files `sweep` and `merge` write: `sweep.json`, `sweep.csv`,
/// `sweep.png` and `sweep.svg` (a shard writes only `sweep.json`).
pub fn files(file: &SweepFile) -> Result<Vec<(&'static str, Vec<u8>)>, PlotError> {
    let json = ("sweep.json", file.to_json().into_bytes());
    if file.shard.is_some() {
        return Ok(vec![json]);
    }
    let chart = SweepChart::new(file, file.spec.metric);
    Ok(vec![
        json,
        ("sweep.csv", csv(file).into_bytes()),
        ("sweep.png", chart.png()?),
        ("sweep.svg", chart.svg()?.into_bytes()),
    ])
}

const METRICS: [&str; 5] = ["recovery_s", "recovery_or_end_s", "error_minutes", "failed_requests", "peak_impact"];

/// One row per point: the swept values, the recovered fraction with its
/// Wilson interval, then mean, median and 95% interval of each metric.
pub fn csv(file: &SweepFile) -> String {
    let mut header: Vec<String> = file.spec.params.iter().map(|p| p.key.clone()).collect();
    header.extend(["runs", "recovered", "recovered_ci_low", "recovered_ci_high"].map(String::from));
    for m in METRICS {
        header.extend(["mean", "median", "ci_low", "ci_high"].map(|s| format!("{m}_{s}")));
    }
    let mut rows = vec![header];
    for p in &file.points {
        let mut row: Vec<String> = p.values.iter().map(|v| v.to_string()).collect();
        let r = &p.recovered;
        row.extend([r.n.to_string(), num(r.fraction), num(r.ci_low), num(r.ci_high)]);
        for s in [&p.recovery_s, &p.recovery_or_end_s, &p.error_minutes, &p.failed_requests, &p.peak_impact] {
            row.extend([num(s.mean), num(s.median), num(s.ci_low), num(s.ci_high)]);
        }
        rows.push(row);
    }
    let mut w = ::csv::Writer::from_writer(Vec::new());
    for row in rows {
        let _ = w.write_record(row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn num(x: Option<f64>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}

/// The table `sweep` prints: one row per point.
pub fn text(file: &SweepFile) -> String {
    crate::text::printable(&text_unchecked(file)).into_owned()
}

fn text_unchecked(file: &SweepFile) -> String {
    let spec = &file.spec;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "blastsim sweep: {} ({} points x {} runs, seed {}, service {})",
        spec.topology,
        spec.points().len(),
        spec.runs,
        spec.seed,
        spec.service
    );
    if !file.complete {
        let _ = writeln!(out, "incomplete: {} of {} runs finished", file.runs_done, file.runs_planned);
    }
    let _ = writeln!(out, "mean [95% interval]; recovery counts a run that never recovered at the run's end\n");
    let mut rows = vec![
        ["point", "recovered", "recovery", "median", "error-min", "failed req", "peak impact"]
            .map(String::from)
            .to_vec(),
    ];
    for p in &file.points {
        rows.push(vec![
            describe(&spec.params, &p.values),
            fraction(&p.recovered),
            interval(&p.recovery_or_end_s, show_duration),
            p.recovery_or_end_s.median.map_or("-".into(), show_duration),
            interval(&p.error_minutes, |x| format!("{x:.1}")),
            interval(&p.failed_requests, |x| format!("{x:.0}")),
            interval(&p.peak_impact, |x| format!("{:.1}%", x * 100.0)),
        ]);
    }
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row.iter().zip(&widths).map(|(s, w)| format!("{s:<w$}")).collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
        if i == 0 {
            let _ = writeln!(out, "  {}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        }
    }
    out
}

/// `12.3 [10.1, 14.5]`, or the mean alone with one run, `-` with none.
pub fn interval(s: &Summary, show: impl Fn(f64) -> String) -> String {
    match (s.mean, s.ci_low, s.ci_high) {
        (Some(m), Some(l), Some(h)) if l != h => format!("{} [{}, {}]", show(m), show(l), show(h)),
        (Some(m), _, _) => show(m),
        _ => "-".into(),
    }
}

fn fraction(p: &Proportion) -> String {
    match (p.fraction, p.ci_low, p.ci_high) {
        (Some(_), Some(l), Some(h)) if p.n > 1 => format!("{}/{} [{:.0}-{:.0}%]", p.k, p.n, l * 100.0, h * 100.0),
        (Some(_), _, _) => format!("{}/{}", p.k, p.n),
        _ => "-".into(),
    }
    .replace("[0-100%]", "")
    .trim_end()
    .to_string()
}

/// Seconds as `3h25m`, `12m30s` or `45s`.
pub fn show_duration(s: f64) -> String {
    let total = s.round() as i64;
    let (h, m, sec) = (total / 3600, total % 3600 / 60, total % 60);
    match (h, m, sec) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}
