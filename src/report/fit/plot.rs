//! fit.png / fit.svg: the score of every evaluated point against each parameter, one panel per parameter.

use crate::fit::FitFile;
use crate::fit::search::Phase;
use crate::report::plot::PlotError;
use crate::report::plot::draw::{FAMILY, color, draw_error, render_png, render_svg};
use crate::sweep::Value;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One panel: a parameter's values against the score.
struct Panel {
    key: String,
    unit: String,
    log: bool,
    /// (x, score, phase) of each point that ran.
    points: Vec<(f64, f64, Phase)>,
    best: Option<(f64, f64)>,
    range: Option<(f64, f64)>,
}

/// The fit's scatter plots, ready to draw.
pub struct FitChart {
    title: String,
    panels: Vec<Panel>,
    /// Scores above this are drawn at it.
    y_max: f64,
    /// The best score plus the tolerance.
    limit: Option<f64>,
}

fn x_of(v: &Value, log: bool) -> f64 {
    let x = v.number().unwrap_or(0.0);
    if log && x > 0.0 { x.log10() } else { x }
}

impl FitChart {
    pub fn new(file: &FitFile) -> FitChart {
        let best_score = file.score.as_ref().map(|s| s.mean_abs_error_min);
        let mut scores: Vec<f64> =
            file.points.iter().filter_map(|p| p.score.as_ref()).map(|s| s.mean_abs_error_min).collect();
        scores.sort_by(f64::total_cmp);
        let y_max = scores.get(scores.len().saturating_sub(1) * 9 / 10).copied().unwrap_or(1.0).max(1.0);
        let panels = file
            .params
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let log = matches!(d.kind, crate::fit::space::DimKind::Continuous { log: true, .. });
                let unit = file.points.first().map_or("", |p| p.values[i].unit()).to_string();
                let points = file
                    .points
                    .iter()
                    .filter_map(|p| Some((x_of(&p.values[i], log), p.score.as_ref()?.mean_abs_error_min, p.phase)))
                    .collect();
                let best = file.best.get(&d.key).zip(best_score).map(|(v, s)| (x_of(v, log), s));
                let range = file.ranges.get(&d.key).map(|[lo, hi]| (x_of(lo, log), x_of(hi, log)));
                Panel { key: d.key.clone(), unit, log, points, best, range }
            })
            .collect();
        FitChart {
            title: format!(
                "{}: mean |error| at every evaluated point (grey: hypercube, blue: compass search, orange: profile, red: best; green: within {} min)",
                super::short_name(&file.topology),
                file.tolerance_min
            ),
            panels,
            y_max,
            limit: best_score.map(|b| b + file.tolerance_min),
        }
    }

    pub fn svg(&self) -> Result<String, PlotError> {
        render_svg(self.size(), |root| self.draw(root))
    }

    pub fn png(&self) -> Result<Vec<u8>, PlotError> {
        render_png(self.size(), |root| self.draw(root))
    }

    fn grid(&self) -> (usize, usize) {
        let n = self.panels.len().max(1);
        let cols = n.min(3);
        (cols, n.div_ceil(cols))
    }

    fn size(&self) -> (u32, u32) {
        let (cols, rows) = self.grid();
        (500 * cols as u32 + 40, 360 * rows as u32 + 60)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE).map_err(draw_error)?;
        let area = root.margin(8, 0, 0, 0).titled(&self.title, (FAMILY, 20)).map_err(draw_error)?;
        let (cols, rows) = self.grid();
        let cells = area.split_evenly((rows, cols));
        for (panel, cell) in self.panels.iter().zip(cells.iter()) {
            self.panel(panel, cell)?;
        }
        Ok(())
    }

    fn panel<DB: DrawingBackend>(&self, p: &Panel, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (lo, hi) = p.points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), q| (a.min(q.0), b.max(q.0)));
        let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (lo.min(0.0) - 0.5, hi.max(0.0) + 0.5) };
        let pad = (hi - lo) * 0.05;
        let y_top = self.y_max * 1.08;
        let mut cc = ChartBuilder::on(area)
            .margin(10)
            .caption(&p.key, (FAMILY, 15))
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d((lo - pad)..(hi + pad), 0.0..y_top)
            .map_err(draw_error)?;
        let unit = p.unit.clone();
        let log = p.log;
        let x_label = move |x: &f64| {
            let v = if log { 10f64.powf(*x) } else { *x };
            format!("{}{unit}", crate::fit::keys::tidy(v))
        };
        cc.configure_mesh()
            .x_labels(5)
            .y_labels(6)
            .x_label_formatter(&x_label)
            .y_desc("mean |error| (min)")
            .label_style((FAMILY, 12))
            .axis_desc_style((FAMILY, 13))
            .bold_line_style(BLACK.mix(0.1))
            .light_line_style(BLACK.mix(0.03))
            .draw()
            .map_err(draw_error)?;
        if let Some((a, b)) = p.range {
            let band = [(a, 0.0), (b.max(a + (hi - lo) * 0.004), y_top)];
            cc.draw_series([Rectangle::new(band, color(2).mix(0.18).filled())]).map_err(draw_error)?;
        }
        if let Some(limit) = self.limit.filter(|l| *l < y_top) {
            let dashed =
                DashedLineSeries::new([(lo - pad, limit), (hi + pad, limit)], 6, 4, BLACK.mix(0.6).stroke_width(1));
            cc.draw_series(dashed).map_err(draw_error)?;
        }
        let capped = |y: f64| y.min(self.y_max * 1.04);
        for (phase, c) in [(Phase::Hypercube, BLACK.mix(0.35)), (Phase::Pattern, color(0)), (Phase::Profile, color(1))]
        {
            let pts = p.points.iter().filter(|q| q.2 == phase || (phase == Phase::Hypercube && q.2 == Phase::Start));
            cc.draw_series(pts.map(|q| Circle::new((q.0, capped(q.1)), 3, c.filled()))).map_err(draw_error)?;
        }
        if let Some((x, y)) = p.best {
            cc.draw_series([Circle::new((x, capped(y)), 6, color(3).filled())]).map_err(draw_error)?;
        }
        Ok(())
    }
}
