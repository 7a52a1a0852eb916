//! Service graphs from tracing systems (Jaeger, OpenTelemetry, X-Ray) turned into topology skeletons.
//!
//! Each format's reader turns its file into an [`Observed`] graph: services,
//! calls with their counts and, where the file records them, failures and
//! latencies. [`builder`] turns that into a topology that `blastsim check`
//! accepts, filling what traces cannot know (capacity, instances, threads)
//! from stated rules and marking every such value as an assumption.

pub mod builder;
pub mod jaeger;
pub mod otel;
pub mod xray;

pub use builder::{Options, build};

/// The trace formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Jaeger's `/api/dependencies` JSON.
    Jaeger,
    /// The OpenTelemetry Collector's service-graph connector metrics, Prometheus text.
    Otel,
    /// AWS X-Ray `GetServiceGraph` JSON.
    Xray,
}

impl Format {
    /// What the format is, for messages and the topology's header.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Jaeger => "Jaeger dependencies (/api/dependencies JSON)",
            Format::Otel => "OpenTelemetry Collector service-graph metrics (Prometheus text)",
            Format::Xray => "AWS X-Ray GetServiceGraph JSON",
        }
    }
}

/// Why a file could not be imported: always bad input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {message}\n  help: {help}")]
pub struct ImportError {
    pub file: String,
    pub message: String,
    pub help: String,
}

/// Counts seen over the file's window.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stats {
    /// Requests or calls [count].
    pub count: f64,
    /// Of them failed, when the file says [count].
    pub failed: Option<f64>,
    /// Mean response time, when the file says [s].
    pub mean_s: Option<f64>,
    /// The 99th percentile response time, when the file has a histogram [s].
    pub p99_s: Option<f64>,
}

/// Calls from one service to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub caller: String,
    pub callee: String,
    pub stats: Stats,
    /// Through a queue or stream (X-Ray `link` edges, OpenTelemetry `messaging_system`), not waited on.
    pub asynchronous: bool,
}

/// A service graph as a trace system recorded it, names as written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observed {
    /// Services in the order first seen.
    pub services: Vec<String>,
    pub edges: Vec<Edge>,
    /// Requests each service received from outside the graph (clients, users), when the file tells them apart.
    pub outside: Vec<(String, Stats)>,
    /// What each service served in all, when the file records it per service.
    pub served: Vec<(String, Stats)>,
    /// The span of time the counts cover [s], when the file says.
    pub window_s: Option<f64>,
}

impl Observed {
    /// Adds `name` to the services unless it is there.
    pub fn add_service(&mut self, name: &str) {
        if !self.services.iter().any(|s| s == name) {
            self.services.push(name.to_string());
        }
    }
}

/// Reads `text` (the contents of `file`) in `format` and writes a topology
/// skeleton as TOML text.
pub fn import(format: Format, file: &str, text: &str, options: &Options) -> Result<String, ImportError> {
    let observed = match format {
        Format::Jaeger => jaeger::read(file, text)?,
        Format::Otel => otel::read(file, text)?,
        Format::Xray => xray::read(file, text)?,
    };
    build(format, file, &observed, options)
}

/// An error about `file`.
pub(crate) fn bad(file: &str, message: impl Into<String>, help: impl Into<String>) -> ImportError {
    ImportError { file: file.to_string(), message: message.into(), help: help.into() }
}

/// Checks a name as the file wrote it: not empty, no control characters, a sane length.
pub(crate) fn check_name(file: &str, name: &str, what: &str) -> Result<(), ImportError> {
    if name.trim().is_empty() {
        return Err(bad(file, format!("{what} has an empty service name"), "every service needs a name"));
    }
    if let Some(c) = name.chars().find(|&c| c.is_control() || crate::text::is_unsafe(c)) {
        return Err(bad(
            file,
            format!(
                "{what}: the service name \"{}\" holds the control character {}",
                crate::text::printable(name),
                crate::text::code_point(c)
            ),
            "names may not hold control characters or bidirectional overrides (newlines, tabs, escapes); fix the name where the traces are recorded",
        ));
    }
    if name.chars().count() > 200 {
        return Err(bad(
            file,
            format!("{what}: a service name is {} characters long", name.chars().count()),
            "names may be at most 200 characters",
        ));
    }
    Ok(())
}
