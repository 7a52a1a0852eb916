//! What each subcommand does, in terms of the library.

use super::{Cli, Command, Format, GraphFormat, TopologyArgs};
use super::{compare, merge, sweep};
use blastsim::model::Model;
use blastsim::{report, topology};
use std::path::Path;

/// A failed command, with its exit code: 2 for bad input, 1 for a failure while running or writing.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{}", topology::render_error(.0))]
    Topology(#[from] topology::TopologyError),
    #[error("error: {0}")]
    Usage(String),
    #[error("error: {0}")]
    Engine(#[from] blastsim::engine::EngineError),
    #[error("error: {0}")]
    Output(String),
    /// Ctrl-C: what finished was written.
    #[error("{0}")]
    Interrupted(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Topology(_) | CliError::Usage(_) => 2,
            CliError::Engine(e) if e.is_bad_input() => 2,
            CliError::Engine(_) | CliError::Output(_) => 1,
            CliError::Interrupted(_) => 130,
        }
    }

    pub fn render(&self) -> String {
        self.to_string()
    }
}

/// Runs the command line's command.
pub fn execute(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run { topology, out, format } => run(&topology, out.as_deref(), format),
        Command::Check { topology, sets, mode } => check(&topology, &super::with_mode(&sets, mode)),
        Command::Compare { topology, sets, mode, seed, runs, out, format } => {
            compare::run(&topology, &super::with_mode(&sets, mode), seed, runs, out.as_deref(), format)
        }
        Command::Sweep(args) => sweep::run(&args),
        Command::Merge { out, shards } => merge::run(&out, &shards),
        Command::Graph { topology, format, report } => graph(&topology, format, report.as_deref()),
    }
}

fn load(args: &TopologyArgs) -> Result<Model, CliError> {
    let mut model = topology::load_file(&args.topology, &args.all_sets(), args.variant.as_deref())?;
    if let Some(seed) = args.seed {
        model.seed = seed;
    }
    Ok(model)
}

fn run(args: &TopologyArgs, out: Option<&Path>, format: Format) -> Result<(), CliError> {
    let model = load(args)?;
    let (result, report) = blastsim::simulate(&model, args.variant.as_deref())?;
    if let Some(dir) = out {
        let files = report::files(&model, &result, &report).map_err(|e| CliError::Output(e.to_string()))?;
        report::write::write_outputs(dir, &files).map_err(|e| CliError::Output(e.to_string()))?;
    }
    match format {
        Format::Text => print!("{}", report::text::render(&report)),
        Format::Json => print!("{}", report::json::render(&report)),
    }
    if let Some(dir) = out {
        if format == Format::Text {
            let latency = if model.mode == blastsim::model::Mode::Requests { ", latency.png, latency.svg" } else { "" };
            println!(
                "\nwrote report.json, timeseries.csv, recovery.png and recovery.svg{latency} to {}",
                dir.display()
            );
        }
    }
    Ok(())
}

fn check(path: &Path, sets: &[String]) -> Result<(), CliError> {
    let model = topology::load_file(path, sets, None)?;
    let requests = if model.mode == blastsim::model::Mode::Requests {
        let visits = blastsim::engine::requests::estimate_visits(&model);
        let limit = blastsim::engine::requests::MAX_VISITS as f64;
        if !(visits <= limit) {
            return Err(CliError::Engine(blastsim::engine::EngineError::TooManyRequests {
                estimate: if visits.is_finite() { format!("{visits:.3e}") } else { "unbounded".to_string() },
                limit: format!("{limit:.0e}"),
            }));
        }
        format!(", requests mode: about {visits:.3e} request visits")
    } else {
        String::new()
    };
    println!(
        "{}: ok ({} services, {} dependencies, {} scenario actions, {} expected milestones, {} variants{requests})",
        path.display(),
        model.services.len(),
        model.deps.len(),
        model.scenario.len(),
        model.expected.len(),
        model.variants.len()
    );
    Ok(())
}

fn graph(path: &Path, format: GraphFormat, report_path: Option<&Path>) -> Result<(), CliError> {
    let model = topology::load_file(path, &[], None)?;
    let report = match report_path {
        Some(p) => Some(read_report(p)?),
        None => None,
    };
    let text = match format {
        GraphFormat::Dot => report::graph::dot(&model, report.as_ref()),
        GraphFormat::Mermaid => report::graph::mermaid(&model, report.as_ref()),
    };
    print!("{text}");
    Ok(())
}

fn read_report(path: &Path) -> Result<blastsim::analysis::Report, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Usage(format!(
            "cannot read the report {}: {e}; pass a report.json written by `blastsim run --out DIR`",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{} is not a blastsim report.json ({e}); pass one written by `blastsim run --out DIR`",
            path.display()
        ))
    })
}
