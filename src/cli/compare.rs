//! `blastsim compare`: the baseline and every variant, run in parallel and shown side by side.

use super::Format;
use super::commands::CliError;
use blastsim::analysis::compare::{self, Entry};
use blastsim::engine::RunResult;
use blastsim::model::Model;
use blastsim::report;
use blastsim::time::SimTime;
use rayon::prelude::*;
use std::path::Path;

pub fn run(
    path: &Path,
    sets: &[String],
    seed: Option<u64>,
    out: Option<&Path>,
    format: Format,
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
    let results: Vec<Result<(RunResult, Entry), CliError>> = runs
        .par_iter()
        .map(|(name, description, model)| {
            let variant = (name != "baseline").then_some(name.as_str());
            let (result, report) = blastsim::simulate(model, variant)?;
            Ok((result, compare::entry(name, description, &report)))
        })
        .collect();
    let mut entries = Vec::with_capacity(results.len());
    let mut curves = Vec::with_capacity(results.len());
    for r in results {
        let (result, entry) = r?;
        curves.push((entry.name.clone(), worst_availability(&result)));
        entries.push(entry);
    }
    if let Some(dir) = out {
        let files = files(&baseline, &entries, &curves).map_err(CliError::Output)?;
        report::write::write_outputs(dir, &files).map_err(|e| CliError::Output(e.to_string()))?;
    }
    match format {
        Format::Text => print!("{}", report::compare::render(&baseline.name, &entries)),
        Format::Json => print!("{}", json(&entries)),
    }
    if let (Some(dir), Format::Text) = (out, format) {
        println!("\nwrote compare.json, compare.png and compare.svg to {}", dir.display());
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

fn json(entries: &[Entry]) -> String {
    let mut text = serde_json::to_string_pretty(entries).unwrap_or_default();
    text.push('\n');
    text
}

fn files(
    model: &Model,
    entries: &[Entry],
    curves: &[(String, Vec<(f64, f64)>)],
) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let title = format!("{}: worst service availability, baseline and variants", model.name);
    let chart = report::plot::overlay(&title, curves, |t| model.show_time(SimTime::from_secs_f64(t)));
    let svg = chart.svg().map_err(|e| e.to_string())?;
    let png = chart.png().map_err(|e| e.to_string())?;
    Ok(vec![("compare.json", json(entries).into_bytes()), ("compare.png", png), ("compare.svg", svg.into_bytes())])
}
