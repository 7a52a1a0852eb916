//! Recovery curves as SVG and PNG: availability over time, scheduled events marked.

pub(crate) mod draw;
mod overlap;
mod panels;
pub(crate) mod side;
mod time_axis;

use crate::analysis::report::{Report, ServiceReport};
use crate::engine::RunResult;
use crate::model::{MilestoneKind, Model, ServiceId};
use crate::time::SimTime;

/// Default plot size [px].
pub const SIZE: (u32, u32) = (1400, 700);

/// With [`Layout::Auto`], charts with more coloured curves than this get one panel each.
pub const PANELS_PAST: usize = 10;

/// How a chart arranges its curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// All on one plot up to [`PANELS_PAST`] coloured curves, small multiples beyond.
    #[default]
    Auto,
    /// All curves on one plot.
    Overlay,
    /// Small multiples: one panel per coloured curve, sharing the time axis.
    Panels,
}

/// Why a plot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("the embedded plot font could not be loaded")]
    Font,
    #[error("drawing the plot failed: {0}")]
    Draw(String),
    #[error("encoding the PNG failed: {0}")]
    Png(#[from] png::EncodingError),
}

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub label: String,
    /// (seconds since the start, availability [%]).
    pub points: Vec<(f64, f64)>,
    /// Drawn thin and grey under the others, with one legend entry for all.
    pub faint: bool,
    /// Published milestones, drawn as rings on the curve's colour: (seconds
    /// since the start, the level [%] the milestone is defined by).
    pub expected: Vec<(f64, f64)>,
}

/// A vertical dashed line with a short label above the plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Seconds since the start.
    pub t_s: f64,
    pub label: String,
}

/// Availability (0..100 %) over time: what [`Chart::svg`] and [`Chart::png`] draw.
pub struct Chart<'a> {
    pub title: String,
    /// The x axis description.
    pub x_desc: String,
    /// Shown span, in seconds since the start.
    pub x_range: (f64, f64),
    /// Ticks fall on multiples of round steps counted from this many seconds
    /// before the start: the clock's time of day, so ticks land on round clock times.
    pub tick_origin_s: f64,
    /// Labels a tick, given seconds since the start.
    pub time_label: Box<dyn Fn(f64) -> String + 'a>,
    pub curves: Vec<Curve>,
    /// Legend entry for all faint curves.
    pub faint_label: Option<String>,
    pub markers: Vec<Marker>,
    /// Horizontal dotted reference lines: (availability [%], label).
    pub levels: Vec<(f64, String)>,
    /// [px]; small multiples grow taller to fit their panels.
    pub size: (u32, u32),
    pub layout: Layout,
}

impl Chart<'_> {
    /// Whether the chart draws as small multiples.
    pub fn panels(&self) -> bool {
        match self.layout {
            Layout::Auto => self.curves.iter().filter(|c| !c.faint).count() > PANELS_PAST,
            Layout::Overlay => false,
            Layout::Panels => true,
        }
    }

    /// The canvas size [px]: `size`, or as tall as the panels need.
    pub fn canvas(&self) -> (u32, u32) {
        if self.panels() { panels::canvas(self) } else { self.size }
    }
}

/// The recovery chart of a run: every impacted service's availability in
/// colour (in order of impact start, minimum in the legend), the others thin
/// grey under them with one legend entry, the impact and severe thresholds
/// dotted, and each scheduled log entry as a dashed vertical line.
///
/// Ticks are clock times with a start clock (`05:15`), else offsets (`+3h15m`).
pub fn recovery<'a>(model: &'a Model, result: &RunResult, report: &Report) -> Chart<'a> {
    let impact_t = |s: &ServiceReport| {
        let m = s.milestones.iter().find(|m| m.kind == MilestoneKind::ImpactStart);
        m.map_or(f64::INFINITY, |m| m.t_s)
    };
    let mut impacted: Vec<(usize, &ServiceReport)> =
        report.services.iter().filter(|s| s.impacted).filter_map(|s| Some((model.service_id(&s.name)?.0, s))).collect();
    impacted.sort_by(|a, b| impact_t(a.1).total_cmp(&impact_t(b.1)));
    let mut curves: Vec<Curve> = impacted
        .iter()
        .map(|(i, s)| Curve {
            label: format!("{} (min {:.1}%)", s.name, s.min_availability * 100.0),
            points: percent(&availability_series(result, ServiceId(*i))),
            faint: false,
            expected: expected_points(model, report, ServiceId(*i), s),
        })
        .collect();
    let others: Vec<usize> = (0..model.services.len()).filter(|i| !impacted.iter().any(|(j, _)| j == i)).collect();
    curves.extend(others.iter().map(|&i| Curve {
        label: model.services[i].name.clone(),
        points: percent(&availability_series(result, ServiceId(i))),
        faint: true,
        expected: expected_points(model, report, ServiceId(i), &report.services[i]),
    }));
    let faint_label = match others.len() {
        0 => None,
        1 => Some("1 service not impacted (grey)".to_string()),
        n => Some(format!("{n} services not impacted (grey)")),
    };
    let markers =
        result.log.iter().filter(|e| e.scheduled).map(|e| Marker { t_s: e.at.secs(), label: e.what.clone() }).collect();
    let t = report.thresholds;
    let levels = vec![
        (t.impact * 100.0, format!("impact {}%", t.impact * 100.0)),
        (t.severe * 100.0, format!("severe {}%", t.severe * 100.0)),
    ];
    let variant = report.variant.as_deref().map(|v| format!(", variant {v}")).unwrap_or_default();
    let end = result.times.last().map_or(0.0, |t| t.secs()).max(model.duration.secs());
    let (x_desc, origin) = time_axis_of(model);
    Chart {
        title: format!("{}: recovery (seed {}{variant})", report.topology, report.seed),
        x_desc,
        x_range: (0.0, end),
        tick_origin_s: origin,
        time_label: Box::new(move |t| tick_time(model, t)),
        curves,
        faint_label,
        markers,
        levels,
        size: SIZE,
        layout: Layout::Auto,
    }
}

/// Several runs' availability curves on one chart, one colour each: for
/// comparing variants of one service (or of each run's worst service).
///
/// `series` holds (legend label, [(seconds since start, availability 0..=1)]);
/// `time_label` labels ticks, e.g. `|t| tick_time(model, t)`.
/// Add markers or levels to the returned chart as needed.
pub fn overlay<'a>(
    title: &str,
    series: &[(String, Vec<(f64, f64)>)],
    time_label: impl Fn(f64) -> String + 'a,
) -> Chart<'a> {
    let ts = series.iter().flat_map(|(_, points)| points.iter().map(|p| p.0));
    let (lo, hi) = ts.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let x_range = if lo <= hi { (lo.min(0.0), hi) } else { (0.0, 1.0) };
    Chart {
        title: title.to_string(),
        x_desc: "time".to_string(),
        x_range,
        tick_origin_s: 0.0,
        time_label: Box::new(time_label),
        curves: series
            .iter()
            .map(|(label, points)| Curve {
                label: label.clone(),
                points: percent(points),
                faint: false,
                expected: Vec::new(),
            })
            .collect(),
        faint_label: None,
        markers: Vec::new(),
        levels: Vec::new(),
        size: SIZE,
        layout: Layout::Auto,
    }
}

/// A service's (seconds since start, availability 0..=1) samples; empty when
/// the run has no series for it.
pub fn availability_series(result: &RunResult, service: ServiceId) -> Vec<(f64, f64)> {
    let Some(series) = result.services.get(service.0) else {
        return Vec::new();
    };
    result.times.iter().zip(&series.samples).map(|(t, s)| (t.secs(), s.availability)).collect()
}

/// The recovery chart as SVG text.
pub fn recovery_svg(model: &Model, result: &RunResult, report: &Report) -> Result<String, PlotError> {
    recovery(model, result, report).svg()
}

/// The recovery chart as PNG bytes.
pub fn recovery_png(model: &Model, result: &RunResult, report: &Report) -> Result<Vec<u8>, PlotError> {
    recovery(model, result, report).png()
}

/// Where the expected timeline puts a service's milestones: at the published
/// time, on the level that defines the milestone (the trough's bottom for
/// `recovery_start`), so the gap to the curve is the reproduction's error.
fn expected_points(model: &Model, report: &Report, id: ServiceId, s: &ServiceReport) -> Vec<(f64, f64)> {
    let t = report.thresholds;
    model
        .expected
        .iter()
        .filter(|e| e.service == id)
        .map(|e| {
            let level = match e.kind {
                MilestoneKind::ImpactStart => t.impact,
                MilestoneKind::Severe => t.severe,
                MilestoneKind::RecoveryStart => s.min_availability,
                MilestoneKind::MostlyRecovered => t.mostly_recovered,
                MilestoneKind::Recovered => t.recovered,
            };
            (e.at.secs(), level * 100.0)
        })
        .collect()
}

fn percent(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points.iter().map(|&(t, a)| (t, a * 100.0)).collect()
}

/// The time axis of `model`'s charts: its description and the origin of
/// round ticks (the start's time of day with a clock, so ticks land on round
/// clock times).
pub fn time_axis_of(model: &Model) -> (String, f64) {
    match &model.clock {
        Some(c) => (format!("time (clock; start {})", c.start), c.start_of_day_s as f64),
        None => ("time since start".to_string(), 0.0),
    }
}

/// A clock time without zero seconds (`05:15`), or an offset (`+3h15m`).
pub fn tick_time(model: &Model, t: f64) -> String {
    let text = model.show_time(SimTime::from_secs_f64(t));
    if model.clock.is_some() && text.get(5..8) == Some(":00") { format!("{}{}", &text[..5], &text[8..]) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use plotters::style::RGBAColor;

    /// Set `BLASTSIM_PLOT_DIR` to keep the rendered plots for a look.
    fn keep(name: &str, bytes: &[u8]) {
        if let Some(dir) = std::env::var_os("BLASTSIM_PLOT_DIR") {
            std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
        }
    }

    #[test]
    fn recovery_chart_shows_impacted_services_in_order() {
        let (model, result, report) = (fixtures::model(), fixtures::result(), fixtures::report());
        let chart = recovery(&model, &result, &report);
        let strong: Vec<&str> = chart.curves.iter().filter(|c| !c.faint).map(|c| c.label.as_str()).collect();
        assert_eq!(strong, ["web-front (min 55.0%)", "user-db (min 20.0%)"]);
        assert_eq!(chart.faint_label.as_deref(), Some("1 service not impacted (grey)"));
        assert_eq!(chart.curves[1].points[12], (780.0, 20.0));
        let markers: Vec<&str> = chart.markers.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(markers, ["crash user-db 50%", "restart user-db"]);
        assert_eq!(chart.x_range, (0.0, 3600.0));
        assert_eq!((chart.time_label)(900.0), "02:15");
        assert_eq!((chart.time_label)(930.0), "02:15:30");
    }

    #[test]
    fn svg_has_the_legend_axis_and_markers() {
        let svg = recovery_svg(&fixtures::model(), &fixtures::result(), &fixtures::report()).unwrap();
        keep("recovery.svg", svg.as_bytes());
        assert!(svg.starts_with("<svg"), "{}", &svg[..100]);
        for text in [
            "web-front (min 55.0%)",
            "user-db (min 20.0%)",
            "1 service not impacted (grey)",
            "availability (%)",
            "crash user-db 50%",
            "02:20",
            "three-tier: recovery (seed 7, variant more-threads)",
        ] {
            assert!(svg.contains(text), "missing {text}");
        }
    }

    #[test]
    fn png_is_a_valid_image_of_the_plot_size() {
        let png = recovery_png(&fixtures::model(), &fixtures::result(), &fixtures::report()).unwrap();
        keep("recovery.png", &png);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1400);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 700);
        assert!(png.len() > 10_000, "an almost empty image: {} bytes", png.len());
    }

    #[test]
    fn overlay_draws_one_curve_per_run() {
        let result = fixtures::result();
        let series = vec![
            ("baseline".to_string(), availability_series(&result, ServiceId(2))),
            ("more-threads".to_string(), availability_series(&result, ServiceId(0))),
        ];
        let chart = overlay("user-db by variant", &series, |t| crate::time::show_offset(SimTime::from_secs_f64(t)));
        assert_eq!(chart.x_range, (0.0, 3600.0));
        let svg = chart.svg().unwrap();
        keep("overlay.svg", svg.as_bytes());
        assert!(svg.contains("baseline") && svg.contains("more-threads") && svg.contains("+30m"));
        keep("overlay.png", &chart.png().unwrap());
    }

    #[test]
    fn busy_charts_still_draw() {
        let mut model = fixtures::model();
        model.duration = crate::time::Span(20 * 3_600_000);
        let mut chart = recovery(&model, &fixtures::result(), &fixtures::report());
        chart.curves = (0..14)
            .map(|k| Curve {
                label: format!("service-{k} (min {k}.0%)"),
                points: (0..=120)
                    .map(|m| (m as f64 * 600.0, if m > 20 + k && m < 60 + 3 * k { k as f64 * 5.0 } else { 100.0 }))
                    .collect(),
                faint: k >= 12,
                expected: vec![(k as f64 * 3600.0, 99.0)],
            })
            .collect();
        chart.faint_label = Some("2 services not impacted (grey)".to_string());
        chart.layout = Layout::Overlay;
        chart.markers = (0..9)
            .map(|k| Marker {
                t_s: 10_000.0 + k as f64 * 900.0,
                label: format!("rolling restart of the front-end fleet, batch {k}"),
            })
            .collect();
        keep("busy.png", &chart.png().unwrap());
        let svg = chart.svg().unwrap();
        assert!(svg.contains("rolling restart of the front-end fleet, batch 8"), "event texts are listed whole");
        for k in 0..12 {
            assert!(svg.contains(&format!("service-{k} (min {k}.0%)")), "every legend entry is drawn");
        }
    }

    #[test]
    fn many_services_get_one_panel_each() {
        let (model, result, report) = (fixtures::model(), fixtures::result(), fixtures::report());
        let mut chart = recovery(&model, &result, &report);
        assert!(!chart.panels(), "two impacted services share one plot");
        let template = chart.curves[0].clone();
        chart.curves =
            (0..=PANELS_PAST).map(|k| Curve { label: format!("svc-{k} (min 55.0%)"), ..template.clone() }).collect();
        assert!(chart.panels(), "past {PANELS_PAST} coloured curves");
        let (w, h) = chart.canvas();
        assert_eq!(w, SIZE.0);
        assert!(h > SIZE.1, "three rows of four panels: {h} px");
        let svg = chart.svg().unwrap();
        keep("panels.svg", svg.as_bytes());
        keep("panels.png", &chart.png().unwrap());
        for k in 0..=PANELS_PAST {
            assert!(svg.contains(&format!("svc-{k} (min 55.0%)")));
        }
        chart.layout = Layout::Overlay;
        assert!(!chart.panels());
        chart.layout = Layout::Panels;
        chart.curves.truncate(1);
        assert!(chart.panels());
    }

    #[test]
    fn identical_curves_stay_visible() {
        let (model, result, report) = (fixtures::model(), fixtures::result(), fixtures::report());
        let mut chart = recovery(&model, &result, &report);
        let twin = Curve { label: "twin (min 55.0%)".into(), ..chart.curves[0].clone() };
        chart.curves.insert(1, twin);
        let svg = chart.svg().unwrap();
        keep("twins.png", &chart.png().unwrap());
        assert!(svg.contains("twin (min 55.0%) (same as web-front)"), "the legend says which curves coincide");
        assert!(svg.contains("where curves run together"), "and how they are drawn");
        // The twin's colour (the second) is drawn in many short dashes.
        let second = {
            let RGBAColor(r, g, b, _) = draw::color(1);
            format!("#{r:02X}{g:02X}{b:02X}")
        };
        assert!(svg.matches(&second).count() > 20, "{} pieces", svg.matches(&second).count());
    }

    #[test]
    fn plots_are_deterministic() {
        let (model, result, report) = (fixtures::model(), fixtures::result(), fixtures::report());
        assert_eq!(recovery_svg(&model, &result, &report).unwrap(), recovery_svg(&model, &result, &report).unwrap());
    }
}
