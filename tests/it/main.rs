//! The integration tests of blastsim: one binary, one module per behaviour.

mod bad_input;
mod cli;
mod kinesis;
mod properties;
mod snapshots;
mod solver;
mod support;
mod sweep;
mod theory;
