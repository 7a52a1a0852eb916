//! The integration tests of blastsim: one binary, one module per behaviour.

mod bad_input;
mod cli;
mod closed_pipe;
mod generate;
mod kinesis;
mod large;
mod properties;
mod report_draft;
mod self_contained;
mod snapshots;
mod support;
mod sweep;
mod theory;
