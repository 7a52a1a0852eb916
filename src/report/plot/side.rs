//! The panel beside a plot: the legend and the numbered events, wrapped to fit, never over the data.

use super::PlotError;
use super::draw::{FAMILY, Swatch, draw_error};
use plotters::coord::Shift;
use plotters::prelude::*;

const PAD: i32 = 10;
const SWATCH_W: i32 = 28;

/// Splits `text` into lines no wider than `width` [px] in `font`, at spaces
/// when it can; a word longer than a line is cut.
pub(crate) fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle,
    width: u32,
) -> Result<Vec<String>, PlotError> {
    let fits = |s: &str| area.estimate_text_size(s, font).map(|(w, _)| w <= width).map_err(draw_error);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if fits(&candidate)? {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest: String = word.to_string();
        while !fits(&rest)? && rest.chars().count() > 1 {
            let mut cut = rest.chars().count() - 1;
            while cut > 1 && !fits(&rest.chars().take(cut).collect::<String>())? {
                cut -= 1;
            }
            lines.push(rest.chars().take(cut).collect());
            rest = rest.chars().skip(cut).collect();
        }
        line = rest;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// What the panel holds, laid out at one font size.
struct Layout {
    size: u32,
    entries: Vec<(Swatch, Vec<String>)>,
    events: Vec<(String, Vec<String>)>,
    /// Events left out for lack of room.
    dropped: usize,
}

impl Layout {
    fn line_h(&self) -> i32 {
        self.size as i32 + 5
    }

    fn height(&self) -> i32 {
        let lines: usize = self.entries.iter().map(|e| e.1.len()).sum::<usize>()
            + self.events.iter().map(|e| e.1.len()).sum::<usize>();
        let gaps = self.entries.len() + self.events.len();
        let heading = if self.events.is_empty() && self.dropped == 0 { 0 } else { 2 };
        self.line_h() * (lines + heading + usize::from(self.dropped > 0)) as i32 + 3 * gaps as i32 + 2 * PAD
    }
}

/// Draws the legend `entries` and the numbered `events` (number, text) down
/// the panel `area`, in the largest font from 14 px down to 10 px that fits;
/// when even 10 px does not, the last events give way to a line counting them.
pub(crate) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Swatch, String)],
    events: &[(String, String)],
) -> Result<(), PlotError> {
    let (w, h) = area.dim_in_pixel();
    let text_w = w.saturating_sub((3 * PAD + SWATCH_W) as u32).max(40);
    let mut layout = None;
    for size in [14, 13, 12, 11, 10] {
        let font: TextStyle = (FAMILY, size).into_font().into();
        let wrapped: Result<Vec<_>, PlotError> =
            entries.iter().map(|(s, t)| Ok((*s, wrap(area, t, &font, text_w)?))).collect();
        let listed: Result<Vec<_>, PlotError> =
            events.iter().map(|(n, t)| Ok((n.clone(), wrap(area, t, &font, text_w)?))).collect();
        let candidate = Layout { size, entries: wrapped?, events: listed?, dropped: 0 };
        let fits = candidate.height() <= h as i32;
        if fits || size == 10 {
            layout = Some(candidate);
        }
        if fits {
            break;
        }
    }
    let Some(mut layout) = layout else { return Ok(()) };
    while layout.height() > h as i32 && !layout.events.is_empty() {
        layout.events.pop();
        layout.dropped += 1;
    }
    let font = (FAMILY, layout.size).into_font().color(&BLACK);
    let lh = layout.line_h();
    let mut y = PAD;
    let text_x = 2 * PAD + SWATCH_W;
    for (swatch, lines) in &layout.entries {
        let mid = y + lh / 2 - 1;
        match swatch {
            Swatch::Line(c) => area.draw(&PathElement::new([(PAD, mid), (PAD + SWATCH_W, mid)], c.stroke_width(3))),
            Swatch::Ring(c) => area.draw(&Circle::new((PAD + SWATCH_W / 2, mid), 6, c.stroke_width(2))),
            Swatch::Dashes => {
                for k in 0..3 {
                    let c = super::draw::color(k);
                    let x = PAD + k as i32 * 10;
                    area.draw(&PathElement::new([(x, mid), (x + 8, mid)], c.stroke_width(3))).map_err(draw_error)?;
                }
                Ok(())
            }
        }
        .map_err(draw_error)?;
        for line in lines {
            area.draw(&Text::new(line.clone(), (text_x, y), &font)).map_err(draw_error)?;
            y += lh;
        }
        y += 3;
    }
    if layout.events.is_empty() && layout.dropped == 0 {
        return Ok(());
    }
    y += lh / 2;
    area.draw(&Text::new("Scheduled events", (PAD, y), &font)).map_err(draw_error)?;
    y += lh + lh / 2;
    for (number, lines) in &layout.events {
        area.draw(&Text::new(number.clone(), (PAD + 4, y), &font)).map_err(draw_error)?;
        for line in lines {
            area.draw(&Text::new(line.clone(), (text_x, y), &font)).map_err(draw_error)?;
            y += lh;
        }
        y += 3;
    }
    if layout.dropped > 0 {
        let more = format!("and {} more events (see report.md)", layout.dropped);
        area.draw(&Text::new(more, (text_x, y), &font)).map_err(draw_error)?;
    }
    Ok(())
}
