//! The integration tests of blastsim: one binary, one module per behaviour.

mod bad_input;
mod blast;
mod cli;
mod closed_pipe;
mod fit;
mod generate;
mod import;
mod kinesis;
mod large;
mod merge;
mod properties;
mod readme;
mod report_draft;
mod schemas;
mod self_contained;
mod snapshots;
mod solver;
mod support;
mod sweep;
mod sweep_input;
mod text_safety;
mod theory;
