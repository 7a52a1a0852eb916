//! `blastsim compare`: the baseline and every variant, run in parallel and shown side by side.

use super::Format;
use super::commands::CliError;
use super::stdout;
use blastsim::analysis::compare::{self, Entry};
use blastsim::engine::RunResult;
use blastsim::model::Model;
use blastsim::report;
use blastsim::sweep::compare::{CompareFile, Spread, spread};
use rayon::prelude::*;
use std::path::Path;

pub fn run(
    path: &Path,
    sets: &[String],
    seed: Option<u64>,
    repeats: u32,
    out: Option<&Path>,
    format: Format,
    no_progress: bool,
) -> Result<(), CliError> {
    let baseline = blastsim::topology::load_file(path, sets, None)?;
    let mut runs = vec![("baseline".to_string(), "as written".to_string(), baseline.clone())];
    for v in &baseline.variants {
        let model = blastsim::topology::load_file(path, sets, Some(&v.name))?;
        runs.push((v.name.clone(), v.description.clone(), model));
    }
    for (_, _, m) in runs.iter_mut() {
        if let Some(seed) = seed {
            m.seed = seed;
        }
    }
    check_runs(repeats, runs.len())?;
    if repeats > 1 {
        return run_many(&baseline, &runs, repeats, out, format, no_progress);
    }
    let results: Vec<Result<(RunResult, Entry, blastsim::analysis::Report), CliError>> = runs
        .par_iter()
        .map(|(name, description, model)| {
            let variant = (name != "baseline").then_some(name.as_str());
            let (result, report) = blastsim::simulate(model, variant)?;
            let entry = compare::entry(name, description, &report);
            Ok((result, entry, report))
        })
        .collect();
    let mut entries = Vec::with_capacity(results.len());
    let mut curves = Vec::with_capacity(results.len());
    let mut baseline_report = None;
    for r in results {
        let (result, entry, report) = r?;
        curves.push((entry.name.clone(), worst_availability(&result)));
        entries.push(entry);
        baseline_report.get_or_insert(report);
    }
    if let Some(dir) = out {
        let files = files(&baseline, &entries, &curves, baseline_report.as_ref()).map_err(CliError::Output)?;
        report::write::write_outputs(dir, &files).map_err(|e| CliError::Output(e.to_string()))?;
    }
    match format {
        Format::Text => stdout::print(format_args!("{}", report::compare::render(&baseline.name, &entries)))?,
        Format::Json => stdout::print(format_args!("{}", json(&baseline, &entries)))?,
    }
    if let (Some(dir), Format::Text) = (out, format) {
        stdout::print(format_args!(
            "\nwrote compare.json, compare.png, compare.svg, report.md and report.html to {}\n",
            dir.display()
        ))?;
    }
    Ok(())
}

/// (seconds since start, availability 0..=1).
type Curve = Vec<(f64, f64)>;

/// Every run repeated `repeats` times with seeds derived from (seed, 0, run),
/// the same seeds for the baseline and each variant.
fn run_many(
    baseline: &Model,
    runs: &[(String, String, Model)],
    repeats: u32,
    out: Option<&Path>,
    format: Format,
    no_progress: bool,
) -> Result<(), CliError> {
    let jobs: Vec<(usize, u32)> = (0..runs.len()).flat_map(|i| (0..repeats).map(move |r| (i, r))).collect();
    let bar = super::progress::bar(jobs.len() as u64, no_progress);
    let results: Vec<Result<(Option<Curve>, Entry), CliError>> = jobs
        .par_iter()
        .map(|&(i, r)| {
            let (name, description, model) = &runs[i];
            let mut model = model.clone();
            model.seed = blastsim::sweep::run_seed(model.seed, 0, r);
            let variant = (name != "baseline").then_some(name.as_str());
            let (result, report) = blastsim::simulate(&model, variant)?;
            bar.inc(1);
            Ok(((r == 0).then(|| worst_availability(&result)), compare::entry(name, description, &report)))
        })
        .collect();
    bar.finish_and_clear();
    let mut entries: Vec<Vec<Entry>> = vec![Vec::new(); runs.len()];
    let mut curves = Vec::new();
    for (r, &(i, _)) in results.into_iter().zip(&jobs) {
        let (curve, entry) = r?;
        if let Some(curve) = curve {
            curves.push((format!("{} (first seed)", entry.name), curve));
        }
        entries[i].push(entry);
    }
    let spreads: Vec<Spread> = entries.iter().map(|e| spread(e)).collect();
    let text = CompareFile::new(&baseline.name, repeats, &entries).to_json();
    if let Some(dir) = out {
        let title = format!("{}: worst service availability, first seed of {repeats}", baseline.name);
        let mut chart = report::plot::overlay(&title, &curves, |t| report::plot::tick_time(baseline, t));
        (chart.x_desc, chart.tick_origin_s) = report::plot::time_axis_of(baseline);
        let svg = chart.svg().map_err(|e| CliError::Output(e.to_string()))?;
        let png = chart.png().map_err(|e| CliError::Output(e.to_string()))?;
        let draft = report::doc::compare_runs(baseline, &spreads, repeats);
        let html = report::html::render(&draft, &chart, report::clock_origin(baseline), None);
        let files = [
            ("compare.json", text.clone().into_bytes()),
            ("compare.png", png),
            ("compare.svg", svg.into_bytes()),
            ("report.md", report::markdown::render(&draft).into_bytes()),
            ("report.html", html.into_bytes()),
        ];
        report::write::write_outputs(dir, &files).map_err(|e| CliError::Output(e.to_string()))?;
    }
    match format {
        Format::Text => stdout::print(format_args!("{}", report::compare::render_runs(&baseline.name, &spreads)))?,
        Format::Json => stdout::print(format_args!("{text}"))?,
    }
    if let (Some(dir), Format::Text) = (out, format) {
        stdout::print(format_args!(
            "\nwrote compare.json, compare.png, compare.svg, report.md and report.html to {}\n",
            dir.display()
        ))?;
    }
    Ok(())
}

/// The lowest availability of any service at each sample: how the whole graph fared.
fn worst_availability(result: &RunResult) -> Vec<(f64, f64)> {
    (0..result.times.len())
        .map(|i| {
            let worst = result.services.iter().map(|s| s.samples[i].availability).fold(1.0, f64::min);
            (result.times[i].secs(), worst)
        })
        .collect()
}

/// `compare.json` of single runs: the same shape as with `--runs N`.
fn json(model: &Model, entries: &[Entry]) -> String {
    let each: Vec<Vec<Entry>> = entries.iter().map(|e| vec![e.clone()]).collect();
    CompareFile::new(&model.name, 1, &each).to_json()
}

fn files(
    model: &Model,
    entries: &[Entry],
    curves: &[(String, Vec<(f64, f64)>)],
    baseline: Option<&blastsim::analysis::Report>,
) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let title = format!("{}: worst service availability, baseline and variants", model.name);
    let mut chart = report::plot::overlay(&title, curves, |t| report::plot::tick_time(model, t));
    (chart.x_desc, chart.tick_origin_s) = report::plot::time_axis_of(model);
    let svg = chart.svg().map_err(|e| e.to_string())?;
    let png = chart.png().map_err(|e| e.to_string())?;
    let draft = report::doc::compare(model, entries, baseline.map(|r| report::graph::mermaid(model, Some(r))));
    let graph = report::html::GraphData::new(model, baseline);
    let html = report::html::render(&draft, &chart, report::clock_origin(model), Some(&graph));
    Ok(vec![
        ("compare.json", json(model, entries).into_bytes()),
        ("compare.png", png),
        ("compare.svg", svg.into_bytes()),
        ("report.md", report::markdown::render(&draft).into_bytes()),
        ("report.html", html.into_bytes()),
    ])
}

/// The most seeded runs of each of the baseline and variants: each run's summary is kept to compute the intervals.
pub const MAX_RUNS_EACH: u32 = 100_000;

/// `--runs` must be 1 to [`MAX_RUNS_EACH`], and all runs together at most the sweep's limit.
fn check_runs(repeats: u32, runs: usize) -> Result<(), CliError> {
    if repeats == 0 {
        return Err(CliError::Usage("--runs 0: pass --runs 1 or more".into()));
    }
    if repeats > MAX_RUNS_EACH {
        return Err(CliError::Usage(format!(
            "--runs {repeats} is over the limit of {MAX_RUNS_EACH} runs each; pass at most {MAX_RUNS_EACH} \
             (a 95% interval barely narrows past a few thousand)"
        )));
    }
    let total = runs as u64 * u64::from(repeats);
    if total > blastsim::sweep::MAX_RUNS {
        return Err(CliError::Usage(format!(
            "--runs {repeats} for the baseline and {} variants is {total} runs, over the limit of {}; pass fewer runs",
            runs - 1,
            blastsim::sweep::MAX_RUNS
        )));
    }
    Ok(())
}
