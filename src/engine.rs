//! The discrete-event engine: one queue, integer time, fluid traffic between events.

pub mod result;

pub use result::{LogEntry, RunResult, Sample, ServiceSeries, Totals};
