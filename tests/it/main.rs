//! The integration tests of blastsim: one binary, one module per behaviour.

mod bad_input;
mod cli;
mod kinesis;
mod properties;
mod report_draft;
mod snapshots;
mod support;
mod sweep;
mod theory;
