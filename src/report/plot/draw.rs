//! Drawing a [`Chart`] with plotters into an SVG string or PNG bytes.

use super::time_axis::TimeAxis;
use super::{Chart, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::OnceLock;

/// The font every plot uses, embedded so no system font library is needed.
const FONT: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/DejaVuSans.ttf"));
/// The family the embedded font is registered as.
pub(crate) const FAMILY: &str = "sans-serif";
const LABEL_ROWS: u32 = 3;
const ROW_H: u32 = 17;
const LABEL_CHARS: usize = 32;

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
        render_svg(self.size, |root| draw(self, root))
    }

    /// Draws the chart as an 8-bit RGB PNG image.
    pub fn png(&self) -> Result<Vec<u8>, PlotError> {
        render_png(self.size, |root| draw(self, root))
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

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_string()
    } else {
        let head: String = label.chars().take(LABEL_CHARS - 3).collect();
        format!("{head}...")
    }
}

fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_error)?;
    let area = root.margin(8, 0, 0, 0).titled(&chart.title, (FAMILY, 22)).map_err(draw_error)?;
    let rows = if chart.markers.is_empty() { 0 } else { LABEL_ROWS };
    let (x0, x1) = chart.x_range;
    let mut cc = ChartBuilder::on(&area)
        .margin(12)
        .margin_right(30)
        .margin_top(6 + rows * ROW_H)
        .x_label_area_size(50)
        .y_label_area_size(64)
        .build_cartesian_2d(TimeAxis::new(x0, x1, chart.tick_origin_s), 0.0..101.0)
        .map_err(draw_error)?;
    let x_label = |t: &f64| (chart.time_label)(*t);
    cc.configure_mesh()
        .x_labels(12)
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

    let level_style = BLACK.mix(0.35).stroke_width(1);
    let level_font = (FAMILY, 12).into_font().color(&BLACK.mix(0.6));
    for (y, label) in &chart.levels {
        cc.draw_series(DashedLineSeries::new([(x0, *y), (x1, *y)], 2, 4, level_style)).map_err(draw_error)?;
        let (px, py) = cc.backend_coord(&(x1, *y));
        let (w, _) = root.estimate_text_size(label, &level_font).map_err(draw_error)?;
        root.draw(&Text::new(label.clone(), (px - w as i32 - 4, py + 2), &level_font)).map_err(draw_error)?;
    }

    let faint_style = ShapeStyle { color: BLACK.mix(0.22), filled: false, stroke_width: 1 };
    for curve in chart.curves.iter().filter(|c| c.faint) {
        for run in monotone_runs(&curve.points) {
            cc.draw_series(LineSeries::new(run.iter().copied(), faint_style)).map_err(draw_error)?;
        }
    }
    for (i, curve) in chart.curves.iter().filter(|c| !c.faint).enumerate() {
        let style = color(i).stroke_width(2);
        for run in monotone_runs(&curve.points) {
            cc.draw_series(LineSeries::new(run.iter().copied(), style)).map_err(draw_error)?;
        }
        cc.draw_series(LineSeries::new(Vec::<(f64, f64)>::new(), style))
            .map_err(draw_error)?
            .label(&curve.label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], style));
    }
    let ring = |c: RGBAColor| ShapeStyle { color: c, filled: false, stroke_width: 2 };
    for (i, curve) in chart.curves.iter().filter(|c| !c.faint).enumerate() {
        let style = ring(color(i).to_rgba());
        cc.draw_series(curve.expected.iter().map(|&p| Circle::new(p, 7, style))).map_err(draw_error)?;
    }
    for curve in chart.curves.iter().filter(|c| c.faint) {
        cc.draw_series(curve.expected.iter().map(|&p| Circle::new(p, 7, ring(BLACK.mix(0.4))))).map_err(draw_error)?;
    }
    if chart.curves.iter().any(|c| !c.expected.is_empty()) {
        let style = ring(BLACK.mix(0.7));
        cc.draw_series(LineSeries::new(Vec::<(f64, f64)>::new(), style))
            .map_err(draw_error)?
            .label("published milestone (ring, in its service's colour)")
            .legend(move |(x, y)| Circle::new((x + 12, y), 6, style));
    }
    if let Some(label) = chart.faint_label.as_ref().filter(|_| chart.curves.iter().any(|c| c.faint)) {
        // An empty series puts the faint curves' one entry last in the legend.
        cc.draw_series(LineSeries::new(Vec::<(f64, f64)>::new(), faint_style))
            .map_err(draw_error)?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], faint_style));
    }

    let marker_style = BLACK.mix(0.55).stroke_width(1);
    let marker_font = (FAMILY, 13).into_font().color(&BLACK);
    let top = cc.backend_coord(&(x0, 101.0)).1;
    let mut row_ends = vec![i32::MIN; rows as usize];
    for marker in &chart.markers {
        let line = [(marker.t_s, 0.0), (marker.t_s, 101.0)];
        cc.draw_series(DashedLineSeries::new(line, 6, 4, marker_style)).map_err(draw_error)?;
        let text = shorten(&marker.label);
        let (w, _) = root.estimate_text_size(&text, &marker_font).map_err(draw_error)?;
        let px = cc.backend_coord(&(marker.t_s, 0.0)).0;
        // A label that fits in no row is left out; its line still shows.
        let Some(row) = (0..row_ends.len()).find(|&r| row_ends[r] + 8 <= px) else {
            continue;
        };
        row_ends[row] = px + 3 + w as i32;
        let y = top - (row as i32 + 1) * ROW_H as i32;
        root.draw(&PathElement::new([(px, y + 2), (px, top)], marker_style)).map_err(draw_error)?;
        root.draw(&Text::new(text, (px + 3, y), &marker_font)).map_err(draw_error)?;
    }

    if !chart.curves.is_empty() {
        legend(&mut cc, SeriesLabelPosition::LowerRight)?;
    }
    Ok(())
}

/// Draws the legend of the series labelled so far, boxed, at `position`.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    cc: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), PlotError> {
    cc.configure_series_labels()
        .position(position)
        .margin(14)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font((FAMILY, 14))
        .draw()
        .map_err(draw_error)
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
