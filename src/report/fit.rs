//! The outputs of `blastsim fit`: the text summary, fit.json, and the error against each parameter.

mod plot;

use crate::fit::FitFile;
use crate::fit::space::DimKind;
use std::fmt::Write;

pub use plot::FitChart;

/// fit.json: the fit as pretty JSON ending in a newline.
pub fn json(file: &FitFile) -> String {
    let mut text = serde_json::to_string_pretty(file).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// The files `fit --out DIR` writes: fit.json, fit.png and fit.svg.
pub fn files(file: &FitFile) -> Result<Vec<(&'static str, Vec<u8>)>, super::PlotError> {
    let chart = FitChart::new(file);
    Ok(vec![("fit.json", json(file).into_bytes()), ("fit.png", chart.png()?), ("fit.svg", chart.svg()?.into_bytes())])
}

/// The terminal summary: the best score, each parameter's best value and
/// range within the tolerance, and the held-out milestones at the best point.
pub fn text(file: &FitFile) -> String {
    let mut out = String::new();
    let held = file.held_out.len();
    let scored = file.score.as_ref().map_or(0, |s| s.scored);
    let _ = writeln!(
        out,
        "fit of {}: {} parameters, {scored} milestones scored, {held} held out; {} runs (seed {}, runs at seed {})",
        file.topology,
        file.params.len(),
        file.points.len(),
        file.seed,
        file.run_seed
    );
    let Some(score) = &file.score else {
        let _ = writeln!(out, "no evaluated point ran: see `failed` in fit.json");
        return out;
    };
    let _ = writeln!(
        out,
        "best: mean |error| {:.1} min over {} milestones ({} reached, {} within 10 min{}); a missed one counts {} min",
        score.mean_abs_error_min,
        score.scored,
        score.reached,
        score.within_10_min,
        score.worst_abs_error_min.map_or(String::new(), |w| format!(", worst {w:.1} min")),
        score.miss_penalty_min
    );
    let _ = writeln!(out);
    let header = ["parameter", "best", &format!("within {} min of the best", file.tolerance_min), "searched", ""];
    let mut rows = vec![header.map(str::to_string).to_vec()];
    for d in &file.params {
        let best = file.best.get(&d.key).map_or("-".into(), ToString::to_string);
        let (range, note) = match file.ranges.get(&d.key) {
            Some([lo, hi]) => {
                let ends = match &d.kind {
                    DimKind::Continuous { lo: a, hi: b, .. } => (Some(a.value), Some(b.value)),
                    DimKind::Grid { values } => {
                        (values.first().and_then(|v| v.number()), values.last().and_then(|v| v.number()))
                    }
                };
                let at_lo = lo.number().is_some() && lo.number() == ends.0;
                let at_hi = hi.number().is_some() && hi.number() == ends.1;
                let note = match (at_lo, at_hi) {
                    (true, true) => "not pinned down",
                    (true, false) => "open below",
                    (false, true) => "open above",
                    _ => "",
                };
                (format!("{lo} .. {hi}"), note)
            }
            None => ("-".into(), ""),
        };
        rows.push(vec![d.key.clone(), best, range, d.range.clone(), note.to_string()]);
    }
    table(&mut out, &rows);
    if !file.held_out.is_empty() {
        let _ = writeln!(out, "\nheld-out milestones at the best fit");
        let mut rows =
            vec![["service", "milestone", "expected", "simulated", "error (min)"].map(String::from).to_vec()];
        for r in &file.held_out {
            rows.push(vec![
                r.service.clone(),
                r.kind.as_str().to_string(),
                r.expected.clone(),
                r.simulated.clone().unwrap_or_else(|| "never".into()),
                r.error_min.map_or("-".into(), |e| format!("{e:+.1}")),
            ]);
        }
        table(&mut out, &rows);
    }
    out
}

/// Writes `rows` as left-aligned columns, the first row underlined.
pub fn table(out: &mut String, rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0)).collect();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> = r.iter().zip(&widths).map(|(s, w)| format!("{s:<w$}")).collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(out, "  {}", rule.join("  ").trim_end());
        }
    }
}

/// A topology path's file stem, for titles.
pub fn short_name(path: &str) -> &str {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file.strip_suffix(".toml").unwrap_or(file)
}
