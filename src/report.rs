//! Outputs made from a run's results: text, JSON, CSV, plots and graph drawings.

pub mod csv;
pub mod graph;
pub mod json;
pub mod plot;
pub mod text;
pub mod write;

pub use plot::{Chart, PlotError};
pub use write::{WriteError, write_outputs};

#[cfg(test)]
mod fixtures;
