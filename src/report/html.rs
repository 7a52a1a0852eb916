//! `report.html`: the post-mortem draft as one self-contained page with an interactive chart.

mod graph_svg;

use super::doc::{Block, Doc, Table, Text};
use super::plot::Chart;
use serde::Serialize;
use std::fmt::Write;

pub use graph_svg::GraphData;

/// The page's only script and style, inlined; the page loads nothing else.
const SCRIPT: &str = include_str!("html/chart.js");
const STYLE: &str = include_str!("html/style.css");

/// Forbids every request the page could make: no fetch, no image, font,
/// frame or style from anywhere; only its own inline script and style run.
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; \
                   connect-src 'none'; font-src 'none'; form-action 'none'; base-uri 'none'";

/// The chart's data as the script reads it.
#[derive(Debug, Serialize)]
struct ChartData<'a> {
    title: &'a str,
    x_desc: &'a str,
    /// Seconds of the day at the start with a clock (ticks read `05:15`), else null (`+3h15m`).
    clock: Option<f64>,
    x0: f64,
    x1: f64,
    series: Vec<SeriesData>,
    markers: Vec<(f64, &'a str)>,
    levels: Vec<(f64, &'a str)>,
}

#[derive(Debug, Serialize)]
struct SeriesData {
    name: String,
    /// Drawn in colour (impacted, or one of the compared runs); else grey.
    strong: bool,
    color: String,
    /// (seconds since start, availability [%]); samples inside a flat stretch are left out.
    points: Vec<(f64, f64)>,
}

/// Renders `doc` as one HTML page. Its figure becomes an interactive chart of
/// `chart` (hover for values, toggle series, zoom the time axis); `clock` is
/// the start's second of the day when the topology has a clock.
///
/// The page is self-contained: inline style, script and data, a
/// Content-Security-Policy that forbids any request, no external link.
pub fn render(doc: &Doc, chart: &Chart, clock: Option<f64>, graph: Option<&GraphData>) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(out, "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(&doc.title));
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>\n<main>");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&doc.title));
    out.push_str("<p class=\"note\">Drafted by blastsim from a simulation of the topology's mechanisms: check every figure against what was observed.</p>\n");
    for block in &doc.blocks {
        match block {
            Block::Heading(text) => {
                let _ = writeln!(out, "<h2>{}</h2>", escape(text));
            }
            Block::Para(parts) => {
                out.push_str("<p>");
                for part in parts {
                    match part {
                        Text::Plain(t) => out.push_str(&escape(t)),
                        Text::Strong(t) => {
                            let _ = write!(out, "<strong>{}</strong>", escape(t));
                        }
                    }
                }
                out.push_str("</p>\n");
            }
            Block::List(lines) => {
                out.push_str("<ul>\n");
                for line in lines {
                    let _ = writeln!(out, "<li>{}</li>", escape(line));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(t) => table(&mut out, t),
            Block::Graph { mermaid } => {
                if let Some(g) = graph {
                    out.push_str("<figure class=\"graph\">\n");
                    out.push_str(&g.svg());
                    out.push_str("</figure>\n");
                }
                let _ = writeln!(
                    out,
                    "<details><summary>Mermaid source</summary>\n<pre>{}</pre>\n</details>",
                    escape(mermaid)
                );
            }
            Block::Figure { alt, .. } => {
                let _ = writeln!(
                    out,
                    "<section class=\"chart\" id=\"chart\" aria-label=\"{}\">\n<div class=\"toolbar\">\
                     <button type=\"button\" id=\"show-all\">show all</button>\
                     <button type=\"button\" id=\"show-strong\">impacted only</button>\
                     <button type=\"button\" id=\"hide-all\">hide all</button>\
                     <button type=\"button\" id=\"reset-zoom\">reset zoom</button>\
                     <span class=\"hint\">hover a curve for its value; scroll or drag across the plot to zoom the time axis, double-click to reset; click a service to hide or show it</span></div>\n\
                     <div class=\"plot-wrap\"><svg id=\"plot\" role=\"img\"></svg><div id=\"tip\" hidden></div></div>\n\
                     <div id=\"legend\"></div>\n<ol id=\"events\"></ol>\n</section>",
                    escape(alt)
                );
            }
        }
    }
    out.push_str("<pre id=\"selftest-result\" hidden></pre>\n</main>\n");
    let _ =
        writeln!(out, "<script type=\"application/json\" id=\"blastsim-data\">{}</script>", data_json(chart, clock));
    let _ = writeln!(out, "<script>\n{SCRIPT}</script>\n</body>\n</html>");
    out
}

fn table(out: &mut String, t: &Table) {
    out.push_str("<div class=\"table\"><table>\n<thead><tr>");
    for (i, h) in t.headers.iter().enumerate() {
        let _ = write!(out, "<th{}>{}</th>", align(t, i), escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let _ = write!(out, "<td{}>{}</td>", align(t, i), escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn align(t: &Table, column: usize) -> &'static str {
    if t.right.get(column) == Some(&true) { " class=\"num\"" } else { "" }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The chart's data as JSON safe inside a `<script>` element: every `<` is
/// written `\u003c`, so no string can close the element.
fn data_json(chart: &Chart, clock: Option<f64>) -> String {
    let mut strong_index = 0;
    let series = chart
        .curves
        .iter()
        .map(|c| {
            let color = if c.faint {
                "#9a9a9a".to_string()
            } else {
                strong_index += 1;
                let RGBAColor(r, g, b, _) = super::plot::draw::color(strong_index - 1);
                format!("#{r:02x}{g:02x}{b:02x}")
            };
            SeriesData { name: c.label.clone(), strong: !c.faint, color, points: thin(&c.points) }
        })
        .collect();
    let data = ChartData {
        title: &chart.title,
        x_desc: &chart.x_desc,
        clock,
        x0: chart.x_range.0,
        x1: chart.x_range.1,
        series,
        markers: chart.markers.iter().map(|m| (m.t_s, m.label.as_str())).collect(),
        levels: chart.levels.iter().map(|(v, l)| (*v, l.as_str())).collect(),
    };
    // Only plain structs, strings and finite-or-null numbers: cannot fail.
    serde_json::to_string(&data).expect("chart data serialises").replace('<', "\\u003c")
}

use plotters::style::RGBAColor;

/// Leaves out the samples inside a flat stretch (same value before and after),
/// keeping every point where the curve bends; values rounded to 0.001%.
fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    let values: Vec<f64> = points.iter().map(|p| round(p.1)).collect();
    (0..points.len())
        .filter(|&i| i == 0 || i + 1 == points.len() || values[i] != values[i - 1] || values[i] != values[i + 1])
        .map(|i| (points[i].0, values[i]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{doc, fixtures, plot};

    fn page() -> String {
        let (model, result, report) = (fixtures::model(), fixtures::result(), fixtures::report());
        let chart = plot::recovery(&model, &result, &report);
        render(&doc::run(&model, &report), &chart, Some(7200.0), Some(&GraphData::new(&model, Some(&report))))
    }

    #[test]
    fn the_page_is_self_contained() {
        let html = page();
        let lower = html.to_lowercase();
        for banned in [
            "src=\"http",
            "href=\"http",
            "src='http",
            "href='http",
            "url(http",
            "@import",
            "<link",
            "fetch(",
            "xmlhttprequest",
            "websocket",
            "eventsource",
            "sendbeacon",
            "<iframe",
            "<img",
        ] {
            assert!(!lower.contains(banned), "the page contains {banned}");
        }
        assert!(!lower.contains("http://") && !lower.contains("https://"), "no absolute URL at all");
        assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
        assert_eq!(html.matches("<script").count(), 2, "the data and the one inline script");
        assert!(!html.contains("<script src"));
    }

    #[test]
    fn the_page_carries_every_service_and_the_tables() {
        let html = page();
        let start = html.find("id=\"blastsim-data\">").unwrap() + "id=\"blastsim-data\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        let names: Vec<&str> = data["series"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["web-front (min 55.0%)", "user-db (min 20.0%)", "auth-api"]);
        assert_eq!(data["clock"], 7200.0);
        assert!(html.contains("<h2>Timeline</h2>") && !html.contains("<td>crash user-db 50%</td>"));
        assert!(html.contains("action: crash user-db 50%"));
        assert!(html.contains("<th class=\"num\">min availability</th>"));
    }

    #[test]
    fn text_cannot_escape_its_element() {
        let (model, result, mut report) = (fixtures::model(), fixtures::result(), fixtures::report());
        report.events[0].what = "</script><script>alert(1)</script>".into();
        let mut chart = plot::recovery(&model, &result, &report);
        chart.markers[0].label = "</script><img src=x>".into();
        let html = render(&doc::run(&model, &report), &chart, None, None);
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<img"));
        assert_eq!(html.matches("</script>").count(), 2);
    }

    #[test]
    fn flat_stretches_are_thinned() {
        let points: Vec<(f64, f64)> =
            (0..10).map(|i| (i as f64, if (3..6).contains(&i) { 50.0 } else { 100.0 })).collect();
        let kept: Vec<f64> = thin(&points).iter().map(|p| p.0).collect();
        assert_eq!(kept, [0.0, 2.0, 3.0, 5.0, 6.0, 9.0]);
    }
}
