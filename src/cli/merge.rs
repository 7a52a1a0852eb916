//! `blastsim merge`: joins the shards of a sweep into what one machine would have written.

use super::commands::CliError;
use super::stdout;
use super::sweep::{finish, write};
use blastsim::report;
use blastsim::sweep::{self, SweepFile};
use std::path::{Path, PathBuf};

pub fn run(out: &Path, inputs: &[PathBuf]) -> Result<(), CliError> {
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
