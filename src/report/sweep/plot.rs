//! The sweep plot: a metric against one swept parameter with its 95% band, or a heat map over two.

use super::Metric;
use crate::report::plot::draw::{FAMILY, SIDE_W, Swatch, color, draw_error, render_png, render_svg};
use crate::report::plot::{PlotError, SIZE};
use crate::sweep::{SweepFile, Value, describe};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A point's (mean, 95% interval) in plot units.
pub type Cell = (f64, Option<(f64, f64)>);

/// A swept metric ready to draw.
pub struct SweepChart {
    pub title: String,
    pub metric: Metric,
    /// Parameter keys, in the spec's order.
    pub keys: Vec<String>,
    /// Each parameter's values as labels.
    pub labels: Vec<Vec<String>>,
    /// The first parameter's values as x positions (log10 when log-spaced),
    /// or their indices when they are not numbers of one unit.
    pub xs: Vec<f64>,
    pub x_log: bool,
    /// Per point: (mean, 95% interval) in plot units.
    pub cells: Vec<Option<Cell>>,
    /// Per point: some run never recovered.
    pub unrecovered: Vec<bool>,
    /// Recovery is shown in hours (else minutes).
    pub hours: bool,
    /// Seeded runs per point.
    pub runs: u32,
}

impl SweepChart {
    /// The plot of `metric` for a summarised sweep.
    pub fn new(file: &SweepFile, metric: Metric) -> SweepChart {
        let spec = &file.spec;
        let labels: Vec<Vec<String>> =
            spec.params.iter().map(|p| p.values.iter().map(Value::to_string).collect()).collect();
        let first = spec.params.first();
        let numbers: Option<Vec<f64>> = first.and_then(|p| {
            let unit = p.values.first().map_or("", Value::unit);
            p.values.iter().map(|v| v.number().filter(|_| v.unit() == unit)).collect()
        });
        let x_log = first.is_some_and(|p| p.log) && numbers.is_some();
        let xs = match numbers {
            Some(ns) if x_log => ns.iter().map(|n| n.log10()).collect(),
            Some(ns) => ns,
            None => (0..labels.first().map_or(0, Vec::len)).map(|i| i as f64).collect(),
        };
        let cells: Vec<_> = file.points.iter().map(|p| metric.band(p)).collect();
        let max = cells.iter().flatten().map(|c| c.1.map_or(c.0, |b| b.1)).fold(0.0, f64::max);
        let hours = metric == Metric::Recovery && max >= 5.0 * 3600.0;
        let scale = match (metric, hours) {
            (Metric::Recovery, true) => 1.0 / 3600.0,
            (Metric::Recovery, false) => 1.0 / 60.0,
            _ => 1.0,
        };
        let cells =
            cells.into_iter().map(|c| c.map(|(m, b)| (m * scale, b.map(|(l, h)| (l * scale, h * scale))))).collect();
        let keys: Vec<String> = spec.params.iter().map(|p| p.key.clone()).collect();
        let what = if keys.len() == 2 {
            format!("{} by {} and {}", metric.describe(), keys[0], keys[1])
        } else {
            format!("{} against {}", metric.describe(), keys.first().map_or("", String::as_str))
        };
        let runs = if spec.runs == 1 { "1 run per point".to_string() } else { format!("{} runs per point", spec.runs) };
        SweepChart {
            title: format!("{}: {what} ({}, {runs})", topology_name(&spec.topology), spec.service),
            metric,
            keys,
            labels,
            xs,
            x_log,
            cells,
            unrecovered: file.points.iter().map(|p| p.recovered.k < p.recovered.n).collect(),
            hours,
            runs: spec.runs,
        }
    }

    fn y_desc(&self) -> String {
        match (self.metric, self.hours) {
            (Metric::Recovery, true) => "time to full recovery (h); never = run length".into(),
            (Metric::Recovery, false) => "time to full recovery (min); never = run length".into(),
            (m, _) => m.describe().into(),
        }
    }

    /// The chart as an SVG document.
    pub fn svg(&self) -> Result<String, PlotError> {
        render_svg(SIZE, |root| self.draw(root))
    }

    /// The chart as an 8-bit RGB PNG image.
    pub fn png(&self) -> Result<Vec<u8>, PlotError> {
        render_png(SIZE, |root| self.draw(root))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE).map_err(draw_error)?;
        let area = root.margin(8, 0, 0, 0).titled(&self.title, (FAMILY, 20)).map_err(draw_error)?;
        if self.keys.len() == 2 { self.heat_map(&area) } else { self.bands(&area) }
    }

    /// One line per combination of the other parameters, with its band.
    fn bands<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let nx = self.xs.len().max(1);
        let groups = self.cells.len() / nx;
        let (x0, x1) = span(self.xs.iter().copied());
        let ys =
            self.cells.iter().flatten().flat_map(|(m, b)| [*m].into_iter().chain(b.map(|b| b.0)).chain(b.map(|b| b.1)));
        let (y0, y1) = span(ys.chain([0.0]));
        let (pad_x, pad_y) = ((x1 - x0) * 0.04, (y1 - y0) * 0.08);
        // The legend sits in a panel of its own, right of the plot.
        let (area, side) = area.split_horizontally(area.dim_in_pixel().0.saturating_sub(SIDE_W));
        let mut entries = Vec::new();
        let mut cc = ChartBuilder::on(&area)
            .margin(16)
            .margin_right(12)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((x0 - pad_x)..(x1 + pad_x), (y0.min(0.0))..(y1 + pad_y))
            .map_err(draw_error)?;
        let categorical = self.xs.iter().enumerate().all(|(i, x)| *x == i as f64) && !self.x_log;
        let x_label = |x: &f64| self.x_label(*x, categorical);
        let x_desc = match self.x_log {
            true => format!("{} (log scale)", self.keys.first().map_or("", String::as_str)),
            false => self.keys.first().cloned().unwrap_or_default(),
        };
        cc.configure_mesh()
            .x_labels(if categorical { nx } else { 12 })
            .y_labels(10)
            .x_label_formatter(&x_label)
            .y_label_formatter(&|v| short(*v))
            .x_desc(x_desc)
            .y_desc(self.y_desc())
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 16))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(BLACK.mix(0.05))
            .max_light_lines(1)
            .draw()
            .map_err(draw_error)?;
        for g in 0..groups {
            let color = color(g);
            #[allow(clippy::type_complexity)]
            let cells: Vec<(f64, f64, Option<(f64, f64)>, bool)> = (0..nx)
                .filter_map(|i| {
                    let k = g * nx + i;
                    self.cells[k].map(|(m, b)| (self.xs[i], m, b, self.unrecovered[k]))
                })
                .collect();
            let band: Vec<(f64, f64, f64)> = cells.iter().filter_map(|c| c.2.map(|b| (c.0, b.0, b.1))).collect();
            if band.len() >= 2 {
                let outline: Vec<(f64, f64)> =
                    band.iter().map(|b| (b.0, b.2)).chain(band.iter().rev().map(|b| (b.0, b.1))).collect();
                cc.draw_series([Polygon::new(outline, color.mix(0.18).filled())]).map_err(draw_error)?;
            }
            let style = color.stroke_width(2);
            let what = match (self.runs, band.len() >= 2) {
                (1, _) => "one run per point, no interval",
                (_, true) => "mean, 95% interval shaded",
                (_, false) => "mean",
            };
            let label = match groups {
                1 => what.to_string(),
                _ => format!("{} ({what})", describe_rest(&self.keys, &self.labels, g)),
            };
            cc.draw_series(LineSeries::new(cells.iter().map(|c| (c.0, c.1)), style)).map_err(draw_error)?;
            entries.push((Swatch::Line(color), label));
            cc.draw_series(cells.iter().map(|c| Circle::new((c.0, c.1), 4, color.filled()))).map_err(draw_error)?;
            let open = ShapeStyle { color: BLACK.to_rgba(), filled: false, stroke_width: 2 };
            let ringed = cells.iter().filter(|c| c.3 && self.metric == Metric::Recovery);
            cc.draw_series(ringed.map(|c| Circle::new((c.0, c.1), 8, open))).map_err(draw_error)?;
        }
        if self.metric == Metric::Recovery && self.unrecovered.iter().any(|u| *u) {
            let open = ShapeStyle { color: BLACK.to_rgba(), filled: false, stroke_width: 2 };
            entries.push((Swatch::Ring(open.color), "ringed: some runs never recovered".to_string()));
        }
        crate::report::plot::side::draw(&side, &entries, &[])
    }

    /// Cells coloured by the mean, labelled with it (and its interval when there is one).
    fn heat_map<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (nx, ny) = (self.labels[0].len() as i32, self.labels[1].len() as i32);
        let (lo, hi) = span(self.cells.iter().flatten().map(|c| c.0));
        let (plot, legend) = area.split_horizontally(SIZE.0 - 140);
        let mut cc = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(100)
            .build_cartesian_2d((0..nx - 1).into_segmented(), (0..ny - 1).into_segmented())
            .map_err(draw_error)?;
        let label = |labels: &Vec<String>, v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        let x_label = |v: &SegmentValue<i32>| label(&self.labels[0], v);
        let y_label = |v: &SegmentValue<i32>| label(&self.labels[1], v);
        cc.configure_mesh()
            .disable_mesh()
            .x_labels(nx as usize + 1)
            .y_labels(ny as usize + 1)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc(self.keys[0].as_str())
            .y_desc(self.keys[1].as_str())
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 16))
            .draw()
            .map_err(draw_error)?;
        let font = (FAMILY, 14).into_font().color(&BLACK);
        for i in 0..nx {
            for j in 0..ny {
                let k = (i * ny + j) as usize;
                let corners = [
                    (SegmentValue::Exact(i), SegmentValue::Exact(j)),
                    (SegmentValue::Exact(i + 1), SegmentValue::Exact(j + 1)),
                ];
                let Some((mean, _)) = self.cells[k] else {
                    cc.draw_series([Rectangle::new(corners, BLACK.mix(0.08).filled())]).map_err(draw_error)?;
                    continue;
                };
                let t = if hi > lo { (mean - lo) / (hi - lo) } else { 0.5 };
                let fill = ramp(t);
                cc.draw_series([Rectangle::new(corners, fill.filled())]).map_err(draw_error)?;
                let mark = if self.unrecovered[k] && self.metric == Metric::Recovery { ">=" } else { "" };
                let text = format!("{mark}{}", short(mean));
                let ink = if t < 0.55 { WHITE } else { BLACK };
                // Backend pixels, made relative to the area the text is drawn on.
                let (cx, cy) = cc.backend_coord(&(SegmentValue::CenterOf(i), SegmentValue::CenterOf(j)));
                let (bx, by) = plot.get_base_pixel();
                let centre = (cx - bx, cy - by);
                let centred = font.clone().color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                plot.draw(&Text::new(text, centre, &centred)).map_err(draw_error)?;
            }
        }
        let steps = 100;
        let (top, bottom) = (60, SIZE.1 as i32 - 120);
        for s in 0..steps {
            let y = bottom - (bottom - top) * (s + 1) / steps;
            let h = (bottom - top) / steps + 1;
            legend
                .draw(&Rectangle::new([(20, y), (50, y + h)], ramp(s as f64 / (steps - 1) as f64).filled()))
                .map_err(draw_error)?;
        }
        let small = (FAMILY, 13).into_font();
        let at_left = TextStyle::from(small.clone()).pos(Pos::new(HPos::Left, VPos::Center));
        for v in bar_ticks(lo, hi) {
            let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            let y = bottom - ((bottom - top) as f64 * t).round() as i32;
            legend.draw(&PathElement::new([(50, y), (56, y)], BLACK.stroke_width(1))).map_err(draw_error)?;
            legend.draw(&Text::new(short(v), (59, y), &at_left)).map_err(draw_error)?;
        }
        let unit = match (self.metric, self.hours) {
            (Metric::Recovery, true) => "recovery (h)",
            (Metric::Recovery, false) => "recovery (min)",
            (m, _) => m.describe(),
        };
        legend.draw(&Text::new(unit, (4, top - 36), small)).map_err(draw_error)?;
        Ok(())
    }

    fn x_label(&self, x: f64, categorical: bool) -> String {
        if categorical {
            let i = x.round();
            return match (i - x).abs() < 1e-9 && i >= 0.0 {
                true => self.labels[0].get(i as usize).cloned().unwrap_or_default(),
                false => String::new(),
            };
        }
        let unit = self
            .labels
            .first()
            .and_then(|l| l.first())
            .map_or("", |l| crate::sweep::range::split_unit(l).map_or("", |(_, u)| u));
        let v = if self.x_log { 10f64.powf(x) } else { x };
        format!("{}{unit}", short(v))
    }
}

/// Colour-bar labels: both ends and the round values between them, none
/// closer than a twelfth of the bar to another.
fn bar_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let gap = (hi - lo) / 12.0;
    let mut ticks = vec![lo];
    let mut k = (lo / step).ceil();
    while k * step < hi {
        let v = k * step;
        if v - lo >= gap && hi - v >= gap {
            ticks.push(v);
        }
        k += 1.0;
    }
    ticks.push(hi);
    ticks
}

fn describe_rest(keys: &[String], labels: &[Vec<String>], group: usize) -> String {
    let mut rest = Vec::new();
    let mut g = group;
    for values in labels[1..].iter().rev() {
        rest.push(values[g % values.len()].clone());
        g /= values.len();
    }
    rest.reverse();
    let params: Vec<crate::sweep::Param> = keys[1..]
        .iter()
        .map(|k| crate::sweep::Param { key: k.clone(), range: String::new(), log: false, values: Vec::new() })
        .collect();
    describe(&params, &rest.into_iter().map(Value::Text).collect::<Vec<_>>())
}

fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    match (lo.is_finite(), hi > lo) {
        (false, _) => (0.0, 1.0),
        (true, true) => (lo, hi),
        (true, false) => (lo - 0.5, hi + 0.5),
    }
}

/// A number in at most 4 significant digits, without trailing zeros.
fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{v:.digits$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// Viridis-like colour ramp, `t` in 0..=1 from dark blue to yellow.
fn ramp(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] =
        [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];
    let x = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn topology_name(path: &str) -> &str {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file.strip_suffix(".toml").unwrap_or(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_colour_bar_is_labelled_between_its_ends() {
        assert_eq!(bar_ticks(10.2, 47.9), [10.2, 20.0, 30.0, 40.0, 47.9]);
        let unit: Vec<String> = bar_ticks(0.0, 1.0).iter().map(|v| short(*v)).collect();
        assert_eq!(unit, ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        assert_eq!(bar_ticks(3.0, 3.0), [3.0]);
        let t = bar_ticks(11.6, 48.0);
        assert!(t.len() >= 5 && t.windows(2).all(|w| w[1] - w[0] >= 3.0), "{t:?}");
    }
}
