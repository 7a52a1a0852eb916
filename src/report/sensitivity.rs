//! The outputs of `blastsim sensitivity`: the table by fragility, sensitivity.json and the tornado plot.

use crate::report::fit::table;
use crate::report::plot::PlotError;
use crate::report::plot::draw::{FAMILY, color, draw_error, render_png, render_svg};
use crate::sensitivity::SensitivityFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::fmt::Write;

/// Bars the tornado plot shows at most.
pub const TORNADO_ROWS: usize = 20;

/// sensitivity.json as pretty JSON ending in a newline.
pub fn json(file: &SensitivityFile) -> String {
    let mut text = serde_json::to_string_pretty(file).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// The files `sensitivity --out DIR` writes.
pub fn files(file: &SensitivityFile) -> Result<Vec<(&'static str, Vec<u8>)>, PlotError> {
    let size = (1400, 120 + 34 * file.params.len().clamp(1, TORNADO_ROWS) as u32);
    Ok(vec![
        ("sensitivity.json", json(file).into_bytes()),
        ("sensitivity.png", render_png(size, |r| tornado(file, r))?),
        ("sensitivity.svg", render_svg(size, |r| tornado(file, r))?.into_bytes()),
    ])
}

fn measure_name(file: &SensitivityFile) -> &'static str {
    if file.baseline.score.is_some() { "score" } else { "mean milestone shift" }
}

/// The table: one row per parameter, most fragile first, with the change of
/// the measure at each factor, the milestone that moved most, and Morris' mu* and sigma.
pub fn text(file: &SensitivityFile) -> String {
    let mut out = String::new();
    let factors: Vec<String> = file.factors.iter().map(|f| format!("x{f}")).collect();
    let baseline = match file.baseline.score {
        Some(s) => format!("score = mean |error| against the expected timeline, {s:.1} min at the baseline"),
        None => "mean |shift| of the baseline's milestones".to_string(),
    };
    let _ = writeln!(
        out,
        "sensitivity of {}: {} parameters x factors {} (seed {}); measure: {baseline}",
        file.topology,
        file.params.len(),
        factors.join(", "),
        file.seed
    );
    let _ = writeln!(
        out,
        "cells: change of the {} [min]; `bad`: the value is invalid or the run failed\n",
        measure_name(file)
    );
    let mut header = vec!["parameter".to_string(), "value".to_string()];
    header.extend(factors.iter().cloned());
    header.extend(["fragility", "most moved milestone", "max shift"].map(String::from));
    if file.morris_trajectories > 0 {
        header.extend(["mu*", "sigma"].map(String::from));
    }
    let mut rows = vec![header];
    for p in &file.params {
        let mut row = vec![p.key.clone(), p.base.clone()];
        for f in &file.factors {
            let cell = match p.probes.iter().find(|q| q.factor == *f) {
                Some(q) => q.delta.map_or("bad".into(), |d| format!("{d:+.1}")),
                None => "-".into(),
            };
            row.push(cell);
        }
        row.push(format!("{:.1}", p.fragility));
        row.push(p.most_moved.clone().unwrap_or_else(|| "-".into()));
        row.push(format!("{:.1}", p.max_shift));
        if file.morris_trajectories > 0 {
            row.push(p.morris_mu_star.map_or("-".into(), |m| format!("{m:.1}")));
            row.push(p.morris_sigma.map_or("-".into(), |m| format!("{m:.1}")));
        }
        rows.push(row);
    }
    table(&mut out, &rows);
    out
}

fn tornado<DB: DrawingBackend>(file: &SensitivityFile, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_error)?;
    let title = format!(
        "{}: change of the {} when one parameter is scaled (most fragile {} of {})",
        crate::report::fit::short_name(&file.topology),
        measure_name(file),
        file.params.len().min(TORNADO_ROWS),
        file.params.len()
    );
    let area = root.margin(8, 0, 0, 0).titled(&title, (FAMILY, 20)).map_err(draw_error)?;
    let shown: Vec<_> = file.params.iter().take(TORNADO_ROWS).collect();
    let n = shown.len().max(1);
    let (lo_f, hi_f) = (file.factors.first().copied().unwrap_or(1.0), file.factors.last().copied().unwrap_or(1.0));
    let deltas = shown.iter().flat_map(|p| p.probes.iter().filter_map(|q| q.delta));
    let (x0, x1) = deltas.fold((0.0f64, 0.0f64), |(a, b), d| (a.min(d), b.max(d)));
    let pad = ((x1 - x0) * 0.05).max(0.5);
    let mut cc = ChartBuilder::on(&area)
        .margin(14)
        .margin_right(30)
        .x_label_area_size(44)
        .y_label_area_size(380)
        .build_cartesian_2d((x0 - pad)..(x1 + pad), 0.0..n as f64)
        .map_err(draw_error)?;
    let label = |y: &f64| {
        let i = (n as f64 - y - 0.5).round();
        if (n as f64 - y - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
            shown.get(i as usize).map_or(String::new(), |p| p.key.clone())
        } else {
            String::new()
        }
    };
    cc.configure_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&label)
        .x_labels(10)
        .x_desc(format!("change of the {} (min)", measure_name(file)))
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 15))
        .disable_y_mesh()
        .bold_line_style(BLACK.mix(0.1))
        .light_line_style(BLACK.mix(0.03))
        .draw()
        .map_err(draw_error)?;
    let sides = [(lo_f, color(0), 0.5..0.85), (hi_f, color(1), 0.15..0.5)];
    for (factor, c, band) in sides {
        let bars = shown.iter().enumerate().filter_map(|(i, p)| {
            let d = p.probes.iter().find(|q| q.factor == factor)?.delta?;
            let y = (n - 1 - i) as f64;
            Some(Rectangle::new([(0.0, y + band.start), (d, y + band.end)], c.filled()))
        });
        cc.draw_series(bars)
            .map_err(draw_error)?
            .label(format!("x{factor}"))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], c.filled()));
    }
    cc.draw_series(LineSeries::new([(0.0, 0.0), (0.0, n as f64)], BLACK.stroke_width(1))).map_err(draw_error)?;
    // The bars grow from the middle: the lower right corner stays clear for the legend.
    cc.configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .margin(14)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font((FAMILY, 14))
        .draw()
        .map_err(draw_error)
}
