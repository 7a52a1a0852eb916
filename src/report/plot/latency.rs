//! The latency chart of a requests-mode run: p50 (solid) and p99 (dashed) response times per service over time, on a log scale.

use super::draw::{FAMILY, color, draw_error, legend, render_png, render_svg};
use super::time_axis::TimeAxis;
use super::{PlotError, SIZE, tick_time, time_axis_of};
use crate::engine::RunResult;
use crate::model::Model;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One service's p50 and p99 per step [(seconds since start, ms)], split where a step had no successful request.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyCurves {
    pub service: String,
    pub p50: Vec<Vec<(f64, f64)>>,
    pub p99: Vec<Vec<(f64, f64)>>,
}

/// The curves of every service that has latency samples, in model order.
pub fn latency_curves(model: &Model, result: &RunResult) -> Vec<LatencyCurves> {
    let runs = |pick: &dyn Fn(&crate::engine::Sample) -> Option<f64>, i: usize| {
        let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut open = false;
        for (t, s) in result.times.iter().zip(&result.services[i].samples) {
            match pick(s) {
                Some(v) => {
                    if !open {
                        out.push(Vec::new());
                        open = true;
                    }
                    out.last_mut().expect("a run was opened").push((t.secs(), v.max(0.001)));
                }
                None => open = false,
            }
        }
        out
    };
    (0..model.services.len().min(result.services.len()))
        .map(|i| LatencyCurves {
            service: model.services[i].name.clone(),
            p50: runs(&|s| s.p50_ms, i),
            p99: runs(&|s| s.p99_ms, i),
        })
        .filter(|c| !c.p50.is_empty())
        .collect()
}

/// The latency chart as SVG text.
pub fn latency_svg(model: &Model, result: &RunResult) -> Result<String, PlotError> {
    let curves = latency_curves(model, result);
    render_svg(SIZE, |root| draw(model, result, &curves, root))
}

/// The latency chart as PNG bytes.
pub fn latency_png(model: &Model, result: &RunResult) -> Result<Vec<u8>, PlotError> {
    let curves = latency_curves(model, result);
    render_png(SIZE, |root| draw(model, result, &curves, root))
}

fn draw<DB: DrawingBackend>(
    model: &Model,
    result: &RunResult,
    curves: &[LatencyCurves],
    root: &DrawingArea<DB, Shift>,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_error)?;
    let title = format!("{}: latency of successful requests (seed {})", model.name, model.seed);
    let area = root.margin(8, 0, 0, 0).titled(&title, (FAMILY, 22)).map_err(draw_error)?;
    let values = curves.iter().flat_map(|c| c.p50.iter().chain(&c.p99)).flatten().map(|p| p.1);
    let (lo, hi) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo.is_finite() { (lo / 1.5, hi * 1.5) } else { (1.0, 1000.0) };
    let end = result.times.last().map_or(0.0, |t| t.secs()).max(model.duration.secs());
    let (x_desc, origin) = time_axis_of(model);
    let mut cc = ChartBuilder::on(&area)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(TimeAxis::new(0.0, end, origin), (lo..hi).log_scale())
        .map_err(draw_error)?;
    let x_label = |t: &f64| tick_time(model, *t);
    cc.configure_mesh()
        .x_labels(12)
        .y_labels(10)
        .x_label_formatter(&x_label)
        .y_label_formatter(&|v| if *v >= 10.0 { format!("{v:.0}") } else { format!("{v:.2}") })
        .x_desc(x_desc.as_str())
        .y_desc("response time (ms, log scale)")
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.05))
        .max_light_lines(1)
        .draw()
        .map_err(draw_error)?;
    for (i, c) in curves.iter().enumerate() {
        let solid = color(i).stroke_width(2);
        let thin = color(i).stroke_width(1);
        for run in &c.p50 {
            cc.draw_series(LineSeries::new(run.iter().copied(), solid)).map_err(draw_error)?;
        }
        for run in &c.p99 {
            cc.draw_series(DashedLineSeries::new(run.iter().copied(), 6, 4, thin)).map_err(draw_error)?;
        }
        cc.draw_series(LineSeries::new(Vec::<(f64, f64)>::new(), solid))
            .map_err(draw_error)?
            .label(format!("{} p50 (solid), p99 (dashed)", c.service))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], solid));
    }
    if !curves.is_empty() {
        legend(&mut cc, SeriesLabelPosition::UpperLeft)?;
    }
    Ok(())
}
