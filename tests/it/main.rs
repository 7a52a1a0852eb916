//! The integration tests of blastsim: one binary, one module per behaviour.

mod bad_input;
mod cli;
mod incidents;
mod kinesis;
mod properties;
mod snapshots;
mod support;
mod sweep;
mod theory;
