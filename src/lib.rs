//! blastsim: simulates how failures spread through a graph of services, and how fast it gets back.

pub mod analysis;
pub mod blast;
pub mod engine;
pub mod fit;
pub mod generate;
pub mod import;
pub mod mechanisms;
pub mod model;
pub mod report;
pub mod sensitivity;
pub mod sweep;
pub mod text;
pub mod time;
pub mod topology;

use analysis::Report;
use engine::{EngineError, RunResult};
use model::Model;

/// Runs `model` and summarises it: the library's main entry point.
pub fn simulate(model: &Model, variant: Option<&str>) -> Result<(RunResult, Report), EngineError> {
    let result = engine::run(model)?;
    let report = analysis::analyze(model, &result, variant);
    Ok((result, report))
}
