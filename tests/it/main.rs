//! The integration tests of blastsim: one binary, one module per behaviour.

mod bad_input;
mod cli;
mod kinesis;
mod properties;
mod requests;
mod requests_theory;
mod snapshots;
mod support;
mod sweep;
mod theory;
