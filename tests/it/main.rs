//! The integration tests of blastsim: one binary, one module per behaviour.

mod bad_input;
mod cli;
mod closed_pipe;
mod generate;
mod incidents;
mod kinesis;
mod large;
mod properties;
mod resilience;
mod self_contained;
mod snapshots;
mod support;
mod sweep;
mod theory;
