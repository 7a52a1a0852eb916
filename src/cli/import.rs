//! `blastsim import`: a topology skeleton from a tracing system's service graph.

use super::commands::CliError;
use super::stdout;
use blastsim::import::{self, Format, Options};
use std::path::PathBuf;

/// The trace formats, as the command line spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum From {
    /// Jaeger's /api/dependencies JSON.
    Jaeger,
    /// The OpenTelemetry Collector's service-graph connector metrics (Prometheus text).
    Otel,
    /// AWS X-Ray GetServiceGraph JSON.
    Xray,
}

/// The options of `blastsim import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The format of FILE.
    #[arg(long, value_enum)]
    pub from: From,
    /// The exported service graph.
    pub file: PathBuf,
    /// Write the topology here instead of to stdout.
    #[arg(long, value_name = "TOPOLOGY")]
    pub out: Option<PathBuf>,
    /// Capacity is the observed rate times this.
    #[arg(long, value_name = "X", default_value_t = 2.0)]
    pub headroom: f64,
    /// The time the file's counts cover (default: the file's own where it says, else 1h).
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// Instances per service (traces do not count them).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub instances: u32,
}

pub fn run(args: &ImportArgs) -> Result<(), CliError> {
    let file = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| CliError::Usage(format!("cannot read {file}: {e}; pass the exported service graph's path")))?;
    let window_s = match &args.window {
        Some(w) => match blastsim::time::parse_span(w) {
            Ok(s) if !s.is_zero() => Some(s.secs()),
            Ok(_) => return Err(CliError::Usage("--window must be more than 0; write one like 1h".into())),
            Err(e) => return Err(CliError::Usage(format!("--window {w}: {e}"))),
        },
        None => None,
    };
    let format = match args.from {
        From::Jaeger => Format::Jaeger,
        From::Otel => Format::Otel,
        From::Xray => Format::Xray,
    };
    let stem = args.out.as_ref().unwrap_or(&args.file);
    let name = stem.file_stem().and_then(|s| s.to_str()).unwrap_or("imported").to_string();
    let options = Options { headroom: args.headroom, window_s, instances: args.instances, name };
    let toml = import::import(format, &file, &text, &options).map_err(|e| CliError::Usage(e.to_string()))?;
    // What was written must load: a skeleton `check` refuses is a bug, reported as such.
    blastsim::topology::load_str(&file, &toml, &[], None).map_err(|e| {
        CliError::Output(format!("the imported topology does not validate:\n{}", blastsim::topology::render_error(&e)))
    })?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &toml)
                .map_err(|e| CliError::Output(format!("cannot write {}: {e}", path.display())))?;
            eprintln!("wrote {}", path.display());
        }
        None => stdout::print(format_args!("{toml}"))?,
    }
    Ok(())
}
