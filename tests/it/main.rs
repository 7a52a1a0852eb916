//! The integration tests of blastsim: one binary, one module per behaviour.

mod bad_input;
mod cli;
mod kinesis;
mod merge;
mod properties;
mod readme;
mod schemas;
mod snapshots;
mod support;
mod sweep;
mod sweep_input;
mod theory;
