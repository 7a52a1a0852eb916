//! `blastsim blast`: fail each service in turn and rank them by what their failure does.

use super::Format;
use super::commands::CliError;
use super::stdout;
use blastsim::blast::{self, BlastError, Fault, Request};
use blastsim::report;
use blastsim::time::{Span, parse_span};
use std::path::PathBuf;

/// The options of `blastsim blast`.
#[derive(Debug, clap::Args)]
pub struct BlastArgs {
    /// The topology, its overrides and variant, and the seed.
    #[command(flatten)]
    pub topology: super::TopologyArgs,
    /// The fault: crash (every instance, repaired when it ends), latency=DURATION, errors=FRACTION
    /// or capacity=FRACTION (the fraction of capacity lost).
    #[arg(long, value_name = "FAULT", default_value = "crash")]
    pub fault: String,
    /// When the fault starts: a clock time (05:00) with a start clock, or an offset (+2h).
    /// Default: a quarter into the run.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// How long the fault lasts. Default: 15m, at most a quarter of the run.
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<String>,
    /// Fail only these services (repeatable; default: every service).
    #[arg(long = "service", value_name = "NAME")]
    pub services: Vec<String>,
    /// Seeded runs per service, averaged.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub runs: u32,
    /// Keep the topology's own scenario and add the fault to it (default: the fault alone).
    #[arg(long)]
    pub keep_scenario: bool,
    /// A failure outlives its fault when a service is still impacted this long after the fault ends.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub settle: String,
    /// Also write blast.json, blast.png, blast.svg (the heat map), blast.dot and blast.mmd here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: &BlastArgs) -> Result<(), CliError> {
    let fault = Fault::parse(&args.fault).map_err(CliError::Usage)?;
    let span = |flag: &str, text: &str| -> Result<Span, CliError> {
        parse_span(text).map_err(|e| CliError::Usage(format!("{flag} {text}: {e}")))
    };
    let duration = args.duration.as_deref().map(|d| span("--for", d)).transpose()?;
    let settle = span("--settle", &args.settle)?;
    let model = super::commands::load(&args.topology)?;
    let at = args.at.as_deref().map(|t| blast::parse_at(&model, t)).transpose().map_err(CliError::Usage)?;
    let mut services = Vec::new();
    for name in &args.services {
        let id = model.service_id(name).ok_or_else(|| CliError::Usage(unknown_service(&model, name)))?;
        if !services.contains(&id) {
            services.push(id);
        }
    }
    services.sort();
    let req = Request { fault, at, duration, services, runs: args.runs, keep_scenario: args.keep_scenario, settle };
    let result = blast::run(&model, &req).map_err(|e| match e {
        BlastError::Usage(m) => CliError::Usage(m),
        e @ BlastError::Engine { .. } => CliError::Output(e.to_string()),
    })?;
    if let Some(dir) = &args.out {
        let files = report::blast::files(&model, &result).map_err(|e| CliError::Output(e.to_string()))?;
        report::write::write_outputs(dir, &files).map_err(|e| CliError::Output(e.to_string()))?;
    }
    match args.format {
        Format::Text => stdout::print(format_args!("{}", report::blast::render(&result)))?,
        Format::Json => stdout::print(format_args!("{}", report::blast::json(&result)))?,
    }
    if let (Some(dir), Format::Text) = (&args.out, args.format) {
        stdout::print(format_args!(
            "\nwrote blast.json, blast.png, blast.svg, blast.dot and blast.mmd to {}\n",
            dir.display()
        ))?;
    }
    Ok(())
}

/// "no service `x`", with the closest name when there is one and the list otherwise.
pub fn unknown_service(model: &blastsim::model::Model, name: &str) -> String {
    let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
    match blastsim::topology::nearest(name, model.services.iter().map(|s| &s.name)) {
        Some(near) => format!("no service `{name}` in {}; did you mean `{near}`?", model.name),
        None => format!("no service `{name}` in {}; its services are: {}", model.name, names.join(", ")),
    }
}
