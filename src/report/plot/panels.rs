//! Small multiples: one panel per coloured curve on a shared time axis, for charts with many services.

use super::draw::{FAMILY, color, draw_error, monotone_runs};
use super::time_axis::TimeAxis;
use super::{Chart, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;

const PANEL_H: u32 = 210;
const TITLE_H: u32 = 40;
const FOOTER_LINE_H: u32 = 17;

fn columns(n: usize) -> usize {
    match n {
        0..=4 => 2,
        5..=9 => 3,
        _ => 4,
    }
}

fn strong<'c>(chart: &'c Chart) -> Vec<&'c super::Curve> {
    chart.curves.iter().filter(|c| !c.faint).collect()
}

/// The events under the panels, one string each.
fn footer(chart: &Chart) -> Vec<String> {
    chart.markers.iter().map(|m| format!("{} {}", (chart.time_label)(m.t_s), m.label)).collect()
}

/// Lines the footer takes, at about 7 px a character across the canvas.
fn footer_lines(chart: &Chart) -> u32 {
    let per_line = (chart.size.0 as usize / 7).max(20);
    let chars: usize = footer(chart).iter().map(|e| e.chars().count() + 5).sum();
    if chars == 0 { 0 } else { 1 + chars.div_ceil(per_line) as u32 }
}

/// The canvas of the small multiples: the chart's width, as tall as its rows of panels.
pub(super) fn canvas(chart: &Chart) -> (u32, u32) {
    let n = strong(chart).len().max(1);
    let rows = n.div_ceil(columns(n)) as u32;
    let extra = u32::from(chart.faint_label.is_some());
    (chart.size.0, TITLE_H + rows * PANEL_H + (footer_lines(chart) + extra + 1) * FOOTER_LINE_H)
}

/// Draws one panel per coloured curve under the title, then the list of events.
pub(super) fn draw<DB: DrawingBackend>(chart: &Chart, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    let curves = strong(chart);
    let n = curves.len().max(1);
    let cols = columns(n);
    let rows = n.div_ceil(cols);
    let grid_h = rows as u32 * PANEL_H;
    let (grid, below) = area.split_vertically(grid_h);
    let cells = grid.split_evenly((rows, cols));
    let (x0, x1) = chart.x_range;
    for (i, (curve, cell)) in curves.iter().zip(&cells).enumerate() {
        let mut cc = ChartBuilder::on(cell)
            .margin(6)
            .margin_right(24)
            .caption(&curve.label, (FAMILY, 14))
            .x_label_area_size(24)
            .y_label_area_size(34)
            .build_cartesian_2d(TimeAxis::new(x0, x1, chart.tick_origin_s), 0.0..101.0)
            .map_err(draw_error)?;
        let x_label = |t: &f64| (chart.time_label)(*t);
        cc.configure_mesh()
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&x_label)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FAMILY, 11))
            .bold_line_style(BLACK.mix(0.1))
            .light_line_style(BLACK.mix(0.0))
            .draw()
            .map_err(draw_error)?;
        let thin = BLACK.mix(0.3).stroke_width(1);
        for (y, _) in &chart.levels {
            cc.draw_series(DashedLineSeries::new([(x0, *y), (x1, *y)], 2, 4, thin)).map_err(draw_error)?;
        }
        for m in &chart.markers {
            cc.draw_series(DashedLineSeries::new([(m.t_s, 0.0), (m.t_s, 101.0)], 5, 4, thin)).map_err(draw_error)?;
        }
        let style = color(i).stroke_width(2);
        for run in monotone_runs(&curve.points) {
            cc.draw_series(LineSeries::new(run.iter().copied(), style)).map_err(draw_error)?;
        }
        let ring = ShapeStyle { color: color(i), filled: false, stroke_width: 2 };
        cc.draw_series(curve.expected.iter().map(|&p| Circle::new(p, 5, ring))).map_err(draw_error)?;
    }
    let font = (FAMILY, 13).into_font().color(&BLACK);
    let (w, _) = below.dim_in_pixel();
    let mut y = 6;
    if let Some(label) = chart.faint_label.as_ref() {
        below.draw(&Text::new(format!("Not drawn: {label}."), (12, y), &font)).map_err(draw_error)?;
        y += FOOTER_LINE_H as i32;
    }
    let events = footer(chart);
    if !events.is_empty() {
        let text = format!(
            "Scheduled events (dashed lines): {}",
            events.iter().enumerate().map(|(k, e)| format!("{}. {e}", k + 1)).collect::<Vec<_>>().join("   ")
        );
        for line in super::side::wrap(&below, &text, &font, w.saturating_sub(24))? {
            below.draw(&Text::new(line, (12, y), &font)).map_err(draw_error)?;
            y += FOOTER_LINE_H as i32;
        }
    }
    Ok(())
}
