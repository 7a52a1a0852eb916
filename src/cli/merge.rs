//! `blastsim merge`: joins the shards of a sweep (or of a fit) into what one machine would have written.

use super::commands::CliError;
use super::stdout;
use super::sweep::{finish, write};
use blastsim::fit::{self, FitFile};
use blastsim::report;
use blastsim::sweep::{self, SweepFile};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

pub fn run(out: &Path, inputs: &[PathBuf]) -> Result<(), CliError> {
    if inputs.first().is_some_and(|p| is_fit(p)) {
        return fit(out, inputs);
    }
    let files = inputs.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>()?;
    let merged = sweep::merge(files).map_err(|e| CliError::Usage(format!("cannot merge: {e}")))?;
    write(out, &merged)?;
    stdout::print(format_args!("{}", report::sweep::text(&merged)))?;
    finish(out, &merged)
}

/// A shard's sweep.json, given as the file or the directory holding it.
fn read(path: &Path) -> Result<SweepFile, CliError> {
    let file = if path.is_dir() { path.join("sweep.json") } else { path.to_path_buf() };
    let text = blastsim::topology::read_regular(&file, super::commands::MAX_JSON_BYTES).map_err(|e| {
        CliError::Usage(format!(
            "cannot read {}: {e}; pass the sweep.json (or its directory) that `blastsim sweep --shard K/N` wrote",
            file.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{} is not a blastsim sweep.json ({}); pass one written by `blastsim sweep --shard K/N`",
            file.display(),
            blastsim::text::without_type_names(&e.to_string())
        ))
    })
}

/// Whether `path` is (or holds) a fit shard's fit.json rather than a sweep.json.
fn is_fit(path: &Path) -> bool {
    match path.is_dir() {
        true => path.join("fit.json").is_file() && !path.join("sweep.json").exists(),
        false => path.file_name().is_some_and(|n| n == "fit.json"),
    }
}

/// Merges the shards of a fit: checks them, then runs the rest of the search from their points.
fn fit(out: &Path, inputs: &[PathBuf]) -> Result<(), CliError> {
    let files = inputs.iter().map(|p| read_fit(p)).collect::<Result<Vec<_>, _>>()?;
    let (eval, req, cache) = fit::shard::merge(&files).map_err(|e| CliError::Usage(format!("cannot merge: {e}")))?;
    let _ = ctrlc::set_handler(|| super::fit::STOP.store(true, Ordering::SeqCst));
    let bar = super::progress::bar(req.budget.saturating_sub(cache.len()) as u64, false);
    let file = fit::fit_from(&eval, &req, cache, &super::fit::STOP, &|| bar.inc(1));
    bar.finish_and_clear();
    super::fit::output(&file, Some(out), super::Format::Text)
}

/// A fit shard's fit.json, given as the file or the directory holding it.
fn read_fit(path: &Path) -> Result<FitFile, CliError> {
    let file = if path.is_dir() { path.join("fit.json") } else { path.to_path_buf() };
    let text = blastsim::topology::read_regular(&file, super::commands::MAX_JSON_BYTES).map_err(|e| {
        CliError::Usage(format!(
            "cannot read {}: {e}; pass the fit.json (or its directory) that `blastsim fit --shard K/N` wrote",
            file.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{} is not a blastsim fit.json ({}); pass one written by `blastsim fit --shard K/N`",
            file.display(),
            blastsim::text::without_type_names(&e.to_string())
        ))
    })
}
