//! Drawing a [`Chart`] with plotters into an SVG string or PNG bytes.

use super::time_axis::TimeAxis;
use super::{Chart, PlotError};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::sync::OnceLock;

/// The font every plot uses, embedded so no system font library is needed.
const FONT: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/DejaVuSans.ttf"));
/// The family the embedded font is registered as.
pub(crate) const FAMILY: &str = "sans-serif";
const LABEL_ROWS: u32 = 3;
const ROW_H: u32 = 17;

/// Colours of the curves that matter (tab10 without its grey).
pub(crate) const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 128),
];

impl Chart<'_> {
    /// Draws the chart as an SVG document.
    pub fn svg(&self) -> Result<String, PlotError> {
        render_svg(self.canvas(), |root| draw(self, root))
    }

    /// Draws the chart as an 8-bit RGB PNG image.
    pub fn png(&self) -> Result<Vec<u8>, PlotError> {
        render_png(self.canvas(), |root| draw(self, root))
    }
}

/// Renders what `paint` draws as an SVG document of `size` [px], in the embedded font.
pub(crate) fn render_svg(
    size: (u32, u32),
    paint: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), PlotError>,
) -> Result<String, PlotError> {
    register_font()?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        paint(&root)?;
        root.present().map_err(draw_error)?;
    }
    // plotters escapes `&`, `<`, `>` and quotes in text, but not control characters, which XML forbids.
    Ok(crate::text::printable(&text).into_owned())
}

/// Renders what `paint` draws as an 8-bit RGB PNG image of `size` [px], in the embedded font.
pub(crate) fn render_png(
    size: (u32, u32),
    paint: impl FnOnce(&DrawingArea<BitMapBackend, Shift>) -> Result<(), PlotError>,
) -> Result<Vec<u8>, PlotError> {
    register_font()?;
    let (w, h) = size;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        paint(&root)?;
        root.present().map_err(draw_error)?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(out)
}

fn register_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// Splits a curve where it turns back on itself (up then down, or down then
/// up), each run sharing its first point with the last one. Thick polylines
/// are joined with unlimited miters, so a curve that zig-zags between two
/// samples would otherwise shoot spikes far off the chart.
pub(crate) fn monotone_runs(points: &[(f64, f64)]) -> Vec<&[(f64, f64)]> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut direction = 0.0_f64;
    for i in 1..points.len() {
        let dy = points[i].1 - points[i - 1].1;
        if dy == 0.0 {
            continue;
        }
        if direction != 0.0 && dy.signum() != direction {
            runs.push(&points[start..i]);
            start = i - 1;
        }
        direction = dy.signum();
    }
    if start < points.len() {
        runs.push(&points[start..]);
    }
    runs
}

pub(crate) fn draw_error<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// The `i`th curve colour.
pub(crate) fn color(i: usize) -> RGBAColor {
    match COLORS.get(i) {
        Some(c) => c.to_rgba(),
        None => Palette99::pick(i).to_rgba(),
    }
}

/// Width of the panel right of the plot that holds the legend and the events [px].
pub(crate) const SIDE_W: u32 = 360;

/// A legend line's sample: a curve's stroke, a milestone ring, or the grey of unimpacted curves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Swatch {
    Line(RGBAColor),
    Ring(RGBAColor),
    Dashes,
}

fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_error)?;
    let area = root.margin(8, 0, 0, 0).titled(&chart.title, (FAMILY, 22)).map_err(draw_error)?;
    if chart.panels() {
        return super::panels::draw(chart, &area);
    }
    let width = area.dim_in_pixel().0;
    let (plot, side) = area.split_horizontally(width.saturating_sub(SIDE_W));
    let rows = if chart.markers.is_empty() { 0 } else { LABEL_ROWS };
    let (x0, x1) = chart.x_range;
    let mut cc = ChartBuilder::on(&plot)
        .margin(12)
        .margin_right(8)
        .margin_top(6 + rows * ROW_H)
        .x_label_area_size(50)
        .y_label_area_size(64)
        .build_cartesian_2d(TimeAxis::new(x0, x1, chart.tick_origin_s), 0.0..101.0)
        .map_err(draw_error)?;
    let x_label = |t: &f64| (chart.time_label)(*t);
    cc.configure_mesh()
        .x_labels(10)
        .y_labels(11)
        .x_label_formatter(&x_label)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc(chart.x_desc.as_str())
        .y_desc("availability (%)")
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.05))
        .max_light_lines(1)
        .draw()
        .map_err(draw_error)?;
    levels(chart, &mut cc, root, x0, x1)?;
    let mut entries = curves(chart, &mut cc, root)?;
    let numbered = markers(chart, &mut cc, root, rows)?;
    if chart.curves.iter().any(|c| !c.expected.is_empty()) {
        entries.push((Swatch::Ring(BLACK.mix(0.7)), "published milestone (ring, in its service's colour)".into()));
    }
    if let Some(label) = chart.faint_label.as_ref().filter(|_| chart.curves.iter().any(|c| c.faint)) {
        entries.push((Swatch::Line(BLACK.mix(0.3)), label.clone()));
    }
    super::side::draw(&side, &entries, &numbered)
}

/// The impact and severe levels, dotted, labelled at the right end.
fn levels<DB: DrawingBackend>(
    chart: &Chart,
    cc: &mut ChartContext<DB, Cartesian2d<TimeAxis, RangedCoordf64>>,
    root: &DrawingArea<DB, Shift>,
    x0: f64,
    x1: f64,
) -> Result<(), PlotError> {
    let level_style = BLACK.mix(0.35).stroke_width(1);
    let level_font = (FAMILY, 12).into_font().color(&BLACK.mix(0.6));
    for (y, label) in &chart.levels {
        cc.draw_series(DashedLineSeries::new([(x0, *y), (x1, *y)], 2, 4, level_style)).map_err(draw_error)?;
        let (px, py) = cc.backend_coord(&(x1, *y));
        let (w, _) = root.estimate_text_size(label, &level_font).map_err(draw_error)?;
        root.draw(&Text::new(label.clone(), (px - w as i32 - 4, py + 2), &level_font)).map_err(draw_error)?;
    }
    Ok(())
}

/// Draws every curve, grey ones first, coinciding coloured ones in turns of
/// dashes; returns the legend entries of the coloured ones.
fn curves<DB: DrawingBackend>(
    chart: &Chart,
    cc: &mut ChartContext<DB, Cartesian2d<TimeAxis, RangedCoordf64>>,
    root: &DrawingArea<DB, Shift>,
) -> Result<Vec<(Swatch, String)>, PlotError> {
    let faint_style = ShapeStyle { color: BLACK.mix(0.22), filled: false, stroke_width: 1 };
    for curve in chart.curves.iter().filter(|c| c.faint) {
        for run in monotone_runs(&curve.points) {
            cc.draw_series(LineSeries::new(run.iter().copied(), faint_style)).map_err(draw_error)?;
        }
    }
    let strong: Vec<&super::Curve> = chart.curves.iter().filter(|c| !c.faint).collect();
    let points: Vec<&[(f64, f64)]> = strong.iter().map(|c| c.points.as_slice()).collect();
    // Curves closer than 2 px run together.
    let (top, bottom) = (cc.backend_coord(&(chart.x_range.0, 101.0)).1, cc.backend_coord(&(chart.x_range.0, 0.0)).1);
    let tol = 2.0 * 101.0 / f64::from((bottom - top).max(1));
    let masks = super::overlap::coincidence(&points, tol);
    let mut entries = Vec::new();
    let mut any_shared = false;
    for (i, curve) in strong.iter().enumerate() {
        let style = color(i).stroke_width(2);
        let pixels: Vec<(f64, f64)> = curve
            .points
            .iter()
            .map(|p| {
                let (x, y) = cc.backend_coord(p);
                (f64::from(x), f64::from(y))
            })
            .collect();
        for line in super::overlap::strokes(i, &pixels, &masks[i]) {
            root.draw(&PathElement::new(line, style)).map_err(draw_error)?;
        }
        any_shared |= masks[i].iter().any(|m| m.count_ones() > 1);
        let twins: Vec<&str> = (0..strong.len())
            .filter(|&j| j != i && super::overlap::shared(&masks, i, j) >= 0.98)
            .map(|j| service_of(&strong[j].label))
            .collect();
        let label = match twins.is_empty() {
            true => curve.label.clone(),
            false => format!("{} (same as {})", curve.label, twins.join(", ")),
        };
        entries.push((Swatch::Line(color(i)), label));
    }
    let ring = |c: RGBAColor| ShapeStyle { color: c, filled: false, stroke_width: 2 };
    for (i, curve) in strong.iter().enumerate() {
        let style = ring(color(i));
        cc.draw_series(curve.expected.iter().map(|&p| Circle::new(p, 7, style))).map_err(draw_error)?;
    }
    for curve in chart.curves.iter().filter(|c| c.faint) {
        cc.draw_series(curve.expected.iter().map(|&p| Circle::new(p, 7, ring(BLACK.mix(0.4))))).map_err(draw_error)?;
    }
    if any_shared {
        entries.push((Swatch::Dashes, "where curves run together they take turns in dashes".into()));
    }
    Ok(entries)
}

/// `kinesis` of `kinesis (min 0.0%)`.
fn service_of(label: &str) -> &str {
    label.split(" (").next().unwrap_or(label)
}

/// Each scheduled event as a dashed vertical line numbered above the plot;
/// returns the numbered events for the side panel: (number, time, what).
fn markers<DB: DrawingBackend>(
    chart: &Chart,
    cc: &mut ChartContext<DB, Cartesian2d<TimeAxis, RangedCoordf64>>,
    root: &DrawingArea<DB, Shift>,
    rows: u32,
) -> Result<Vec<(String, String)>, PlotError> {
    let (x0, _) = chart.x_range;
    let marker_style = BLACK.mix(0.55).stroke_width(1);
    let marker_font = (FAMILY, 13).into_font().color(&BLACK);
    let top = cc.backend_coord(&(x0, 101.0)).1;
    let mut row_ends = vec![i32::MIN; rows.max(1) as usize];
    let mut listed = Vec::new();
    for (k, marker) in chart.markers.iter().enumerate() {
        let line = [(marker.t_s, 0.0), (marker.t_s, 101.0)];
        cc.draw_series(DashedLineSeries::new(line, 6, 4, marker_style)).map_err(draw_error)?;
        let number = (k + 1).to_string();
        listed.push((number.clone(), format!("{} {}", (chart.time_label)(marker.t_s), marker.label)));
        let (w, _) = root.estimate_text_size(&number, &marker_font).map_err(draw_error)?;
        let px = cc.backend_coord(&(marker.t_s, 0.0)).0;
        let left = px - w as i32 / 2;
        // Numbers stack in rows; where all rows are taken the number goes in the top one.
        let row = (0..row_ends.len()).find(|&r| row_ends[r] + 4 <= left).unwrap_or(row_ends.len() - 1);
        row_ends[row] = left + w as i32;
        let y = top - (row as i32 + 1) * ROW_H as i32;
        root.draw(&PathElement::new([(px, y + ROW_H as i32 - 2), (px, top)], marker_style)).map_err(draw_error)?;
        root.draw(&Text::new(number, (left, y), &marker_font)).map_err(draw_error)?;
    }
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_split_where_they_turn_back() {
        let p = [(0.0, 0.0), (1.0, 5.0), (2.0, 5.0), (3.0, 1.0), (4.0, 0.0), (5.0, 3.0)];
        let runs: Vec<usize> = monotone_runs(&p).iter().map(|r| r.len()).collect();
        assert_eq!(runs, [3, 3, 2], "up, then down, then up again, sharing endpoints");
        assert_eq!(monotone_runs(&[]).len(), 0);
        assert_eq!(monotone_runs(&[(0.0, 1.0)]).len(), 1);
    }
}
