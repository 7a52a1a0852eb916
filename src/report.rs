//! Outputs made from a run's results: text, JSON, CSV, plots and graph drawings.

pub mod blast;
pub mod compare;
pub mod csv;
pub mod doc;
pub mod fit;
pub mod graph;
pub mod html;
pub mod json;
pub mod markdown;
pub mod plot;
pub mod sensitivity;
pub mod sweep;
pub mod text;
pub mod write;

pub use csv::CsvError;
pub use plot::{Chart, PlotError};
pub use write::{WriteError, write_outputs};

use crate::analysis::report::Report;
use crate::engine::RunResult;
use crate::model::Model;

/// Why the output files of a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot make timeseries.csv: {0}")]
    Csv(#[from] CsvError),
    #[error("cannot make the recovery plot: {0}")]
    Plot(#[from] PlotError),
}

/// The files `run --out DIR` writes, in memory: `report.json`,
/// `timeseries.csv`, `recovery.png`, `recovery.svg`, and the post-mortem
/// draft as `report.md` and `report.html`; pass them to [`write_outputs`].
pub fn files(model: &Model, result: &RunResult, report: &Report) -> Result<Vec<(&'static str, Vec<u8>)>, RenderError> {
    files_with(model, result, report, plot::Layout::Auto)
}

/// [`files`], with the recovery plot's curves arranged by `layout`.
pub fn files_with(
    model: &Model,
    result: &RunResult,
    report: &Report,
    layout: plot::Layout,
) -> Result<Vec<(&'static str, Vec<u8>)>, RenderError> {
    let mut chart = plot::recovery(model, result, report);
    chart.layout = layout;
    let draft = doc::run(model, report);
    let graph = html::GraphData::new(model, Some(report));
    Ok(vec![
        ("report.json", json::render(report).into_bytes()),
        ("timeseries.csv", csv::render(model, result)?.into_bytes()),
        ("recovery.png", chart.png()?),
        ("recovery.svg", chart.svg()?.into_bytes()),
        ("report.md", markdown::render(&draft).into_bytes()),
        ("report.html", html::render(&draft, &chart, clock_origin(model), Some(&graph)).into_bytes()),
    ])
}

/// The start's second of the day when the model has a clock.
pub fn clock_origin(model: &Model) -> Option<f64> {
    model.clock.as_ref().map(|c| c.start_of_day_s as f64)
}

#[cfg(test)]
mod fixtures;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_writes_the_contract_files_and_the_draft() {
        let (model, result, report) = (fixtures::model(), fixtures::result(), fixtures::report());
        let made = files(&model, &result, &report).unwrap();
        let names: Vec<&str> = made.iter().map(|f| f.0).collect();
        assert_eq!(
            names,
            ["report.json", "timeseries.csv", "recovery.png", "recovery.svg", "report.md", "report.html"]
        );
        let tmp = tempfile::tempdir().unwrap();
        write_outputs(tmp.path(), &made).unwrap();
        let json = std::fs::read_to_string(tmp.path().join("report.json")).unwrap();
        assert_eq!(json, json::render(&report));
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 6);
    }

    #[test]
    fn hostile_names_reach_no_output_raw() {
        let (mut model, result, mut report) = (fixtures::model(), fixtures::result(), fixtures::report());
        let evil = "<x> & \u{1b}]0;title\u{7}\u{1b}[2J\u{0}";
        model.name = evil.to_string();
        report.topology = evil.to_string();
        model.services[0].name = format!("web{evil}");
        report.services[0].name = format!("web{evil}");
        let made = files(&model, &result, &report).unwrap();
        let svg = String::from_utf8(made[3].1.clone()).unwrap();
        assert!(!svg.chars().any(crate::text::is_unsafe), "no control character in the SVG");
        assert!(svg.contains("&lt;x&gt; &amp; \u{241b}]0;title"), "markup is escaped, controls shown");
        assert!(!svg.contains("<x>"));
        let text = text::render(&report);
        assert!(!text.chars().any(crate::text::is_unsafe), "{text}");
        assert!(text.contains("\u{241b}[2J\u{2400}"), "{text}");
        // JSON escapes control characters itself.
        let json = json::render(&report);
        assert!(json.contains("\\u001b") && !json.contains('\u{1b}'), "{json}");
    }
}
