//! The blast heat map: failed service (rows, worst first) x impacted service, coloured by error-minutes.

use crate::blast::Blast;
use crate::report::PlotError;
use crate::report::plot::draw::{FAMILY, draw_error, render_png, render_svg};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Room for the title, the axis names and the colour bar [px].
const TOP: i32 = 70;
const BAR_W: i32 = 150;
const MARGIN: i32 = 20;

/// A matrix of error-minutes ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMap {
    pub title: String,
    /// Failed services, worst first.
    pub rows: Vec<String>,
    /// Impacted services: the rows' order first, then the others in model order.
    pub cols: Vec<String>,
    /// `cells[row][col]`: error-minutes, `None` where the service was not impacted.
    pub cells: Vec<Vec<Option<f64>>>,
}

impl HeatMap {
    /// Builds the matrix from a blast's ranking. Columns hold only services some failure impacted.
    pub fn new(blast: &Blast) -> HeatMap {
        let rows: Vec<String> = blast.ranking.iter().map(|r| r.service.clone()).collect();
        let hit = |name: &str| blast.ranking.iter().any(|r| r.by_service.iter().any(|h| h.service == name));
        let mut cols: Vec<String> = rows.iter().filter(|n| hit(n)).cloned().collect();
        for r in &blast.ranking {
            for h in &r.by_service {
                if !cols.contains(&h.service) {
                    cols.push(h.service.clone());
                }
            }
        }
        let cells = blast
            .ranking
            .iter()
            .map(|r| {
                cols.iter().map(|c| r.by_service.iter().find(|h| &h.service == c).map(|h| h.error_minutes)).collect()
            })
            .collect();
        let f = &blast.fault;
        HeatMap {
            title: format!("{}: error-minutes when each service fails ({} at {})", blast.topology, f.spec, f.at),
            rows,
            cols,
            cells,
        }
    }

    /// Side of a cell [px]: smaller for big graphs, never below what a number needs.
    fn cell(&self) -> i32 {
        let n = self.rows.len().max(self.cols.len()).max(1) as i32;
        (900 / n).clamp(34, 80)
    }

    fn label_w(&self) -> i32 {
        let longest = self.rows.iter().chain(&self.cols).map(|s| s.chars().count()).max().unwrap_or(4) as i32;
        (longest * 8 + 24).clamp(80, 260)
    }

    /// Image size [px].
    pub fn size(&self) -> (u32, u32) {
        let (cell, label) = (self.cell(), self.label_w());
        let w = MARGIN + label + cell * self.cols.len().max(1) as i32 + BAR_W + MARGIN;
        let h = TOP + cell * self.rows.len().max(1) as i32 + label + 30;
        (w.max(640) as u32, h.max(360) as u32)
    }

    /// Draws the heat map as an SVG document.
    pub fn svg(&self) -> Result<String, PlotError> {
        render_svg(self.size(), |root| self.draw(root))
    }

    /// Draws the heat map as an 8-bit RGB PNG image.
    pub fn png(&self) -> Result<Vec<u8>, PlotError> {
        render_png(self.size(), |root| self.draw(root))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE).map_err(draw_error)?;
        let centred = |size: u32| text(size, HPos::Center, VPos::Center);
        let (w, _) = self.size();
        root.draw(&Text::new(self.title.clone(), (w as i32 / 2, 24), centred(20))).map_err(draw_error)?;
        let (cell, label) = (self.cell(), self.label_w());
        let (x0, y0) = (MARGIN + label, TOP);
        let max = self.cells.iter().flatten().flatten().copied().fold(0.0, f64::max);
        let scale = Scale::new(max);
        let number = centred(((cell / 3) as u32).clamp(11, 15));
        for (i, row) in self.cells.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                let (x, y) = (x0 + j as i32 * cell, y0 + i as i32 * cell);
                let fill = v.map_or(RGBColor(246, 246, 246), |v| heat(scale.t(v)));
                root.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], fill.filled())).map_err(draw_error)?;
                root.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], WHITE.stroke_width(1)))
                    .map_err(draw_error)?;
                if let Some(v) = v {
                    let ink = if scale.t(*v) > 0.6 { WHITE } else { BLACK };
                    let text = Text::new(short(*v), (x + cell / 2, y + cell / 2), number.clone().color(&ink));
                    root.draw(&text).map_err(draw_error)?;
                }
            }
        }
        for (i, name) in self.rows.iter().enumerate() {
            let at = (x0 - 8, y0 + i as i32 * cell + cell / 2);
            let style = text(13, HPos::Right, VPos::Center);
            root.draw(&Text::new(clip(name), at, style)).map_err(draw_error)?;
        }
        let bottom = y0 + self.rows.len() as i32 * cell;
        for (j, name) in self.cols.iter().enumerate() {
            let at = (x0 + j as i32 * cell + cell / 2, bottom + 8);
            let style = text(13, HPos::Right, VPos::Center).transform(FontTransform::Rotate270);
            root.draw(&Text::new(clip(name), at, style)).map_err(draw_error)?;
        }
        let axis = text(15, HPos::Left, VPos::Top);
        root.draw(&Text::new("failed service (worst first)", (MARGIN, TOP - 24), axis)).map_err(draw_error)?;
        let right = x0 + self.cols.len() as i32 * cell;
        let style = text(15, HPos::Right, VPos::Top);
        root.draw(&Text::new("impacted service", (right, TOP - 24), style)).map_err(draw_error)?;
        self.colour_bar(root, &scale, right + 30, bottom.max(y0 + 200))
    }

    /// A vertical bar from no loss to the worst, labelled at round values.
    fn colour_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        scale: &Scale,
        x: i32,
        bottom: i32,
    ) -> Result<(), PlotError> {
        let top = TOP;
        let h = bottom - top;
        for k in 0..h {
            let t = 1.0 - k as f64 / (h - 1).max(1) as f64;
            root.draw(&Rectangle::new([(x, top + k), (x + 22, top + k + 1)], heat(t).filled())).map_err(draw_error)?;
        }
        root.draw(&Rectangle::new([(x, top), (x + 22, bottom)], BLACK.mix(0.5).stroke_width(1))).map_err(draw_error)?;
        let small = text(12, HPos::Left, VPos::Center);
        for v in scale.ticks() {
            let y = bottom - (scale.t(v) * h as f64).round() as i32;
            root.draw(&PathElement::new([(x + 22, y), (x + 27, y)], BLACK.stroke_width(1))).map_err(draw_error)?;
            root.draw(&Text::new(short(v), (x + 30, y), small.clone())).map_err(draw_error)?;
        }
        let title = text(13, HPos::Left, VPos::Bottom);
        root.draw(&Text::new("error-minutes", (x - 4, top - 14), title)).map_err(draw_error)?;
        Ok(())
    }
}

/// Text in the plot font, anchored at its position as given.
fn text(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).pos(Pos::new(h, v))
}

/// Linear from 0 to the largest value, or logarithmic (`log10(1 + v)`) when
/// values span more than two decades, so small blasts stay visible beside a huge one.
struct Scale {
    max: f64,
    log: bool,
}

impl Scale {
    fn new(max: f64) -> Scale {
        Scale { max: max.max(1e-9), log: max > 100.0 }
    }

    fn t(&self, v: f64) -> f64 {
        let f = |x: f64| if self.log { (1.0 + x).log10() } else { x };
        (f(v.max(0.0)) / f(self.max)).clamp(0.0, 1.0)
    }

    /// Round values from 0 to the maximum, the maximum itself last.
    fn ticks(&self) -> Vec<f64> {
        let mut ticks = vec![0.0];
        if self.log {
            let mut v = 1.0;
            while v < self.max * 0.7 {
                ticks.push(v);
                v *= 10.0;
            }
        } else {
            let raw = self.max / 5.0;
            let mag = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(raw);
            let mut v = step;
            while v < self.max * 0.9 {
                ticks.push(v);
                v += step;
            }
        }
        ticks.push(self.max);
        ticks
    }
}

/// A sequential ramp from pale yellow (little loss) through orange to dark red.
fn heat(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] =
        [(255.0, 237.0, 160.0), (254.0, 178.0, 76.0), (253.0, 141.0, 60.0), (227.0, 26.0, 28.0), (128.0, 0.0, 38.0)];
    let x = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A number in at most 3 significant digits (4 above 1000), without trailing zeros.
fn short(v: f64) -> String {
    match v.abs() {
        a if a >= 1000.0 => format!("{v:.0}"),
        a if a >= 100.0 => format!("{v:.0}"),
        a if a >= 10.0 => format!("{v:.1}").trim_end_matches(".0").to_string(),
        0.0 => "0".into(),
        _ => {
            let t = format!("{v:.2}");
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

fn clip(name: &str) -> String {
    if name.chars().count() <= 30 {
        name.to_string()
    } else {
        format!("{}...", name.chars().take(27).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_end_at_the_maximum() {
        let s = Scale::new(37.0);
        assert_eq!(s.ticks(), [0.0, 10.0, 20.0, 30.0, 37.0]);
        assert!(!s.log);
        let s = Scale::new(5000.0);
        assert!(s.log);
        assert_eq!(s.ticks(), [0.0, 1.0, 10.0, 100.0, 1000.0, 5000.0]);
        assert!((s.t(5000.0) - 1.0).abs() < 1e-12 && s.t(0.0) == 0.0);
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(short(1234.6), "1235");
        assert_eq!(short(15.0), "15");
        assert_eq!(short(15.04), "15");
        assert_eq!(short(2.5), "2.5");
        assert_eq!(short(0.0), "0");
    }
}
