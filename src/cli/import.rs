//! `blastsim import`: a topology skeleton from a tracing system's service graph.

use super::commands::CliError;

/// The options of `blastsim import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {}

pub fn run(_args: &ImportArgs) -> Result<(), CliError> {
    Ok(())
}
