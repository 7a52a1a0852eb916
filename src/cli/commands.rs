//! What each subcommand does, in terms of the library.

use super::{Cli, Command, Format, GraphFormat, PlotLayout, TopologyArgs};
use super::{blast, compare, fit, generate, import, merge, sensitivity, stdout, sweep};
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
    /// Whoever read stdout went away (`| head -1`): stop quietly, as `cat` does.
    #[error("")]
    StdoutClosed,
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Topology(_) | CliError::Usage(_) => 2,
            CliError::Engine(e) if e.is_bad_input() => 2,
            CliError::Engine(_) | CliError::Output(_) => 1,
            CliError::Interrupted(_) => 130,
            CliError::StdoutClosed => 0,
        }
    }

    pub fn render(&self) -> String {
        self.to_string()
    }
}

/// Runs the command line's command.
pub fn execute(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run { topology, out, format, plot } => run(&topology, out.as_deref(), format, plot),
        Command::Check { topology, sets, mode } => check(&topology, &super::with_mode(&sets, mode)),
        Command::Compare { topology, sets, mode, seed, runs, out, format, no_progress } => {
            compare::run(&topology, &super::with_mode(&sets, mode), seed, runs, out.as_deref(), format, no_progress)
        }
        Command::Sweep(args) => sweep::run(&args),
        Command::Merge { out, shards } => merge::run(&out, &shards),
        Command::Fit(args) => fit::run(&args),
        Command::Sensitivity(args) => sensitivity::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Graph { topology, format, report, focus, depth } => {
            graph(&topology, format, report.as_deref(), focus.as_deref(), depth)
        }
        Command::Blast(args) => blast::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Completions { shell } => super::manual::completions(shell),
        Command::Man { command } => super::manual::man(command.as_deref()),
    }
}

pub(super) fn load(args: &TopologyArgs) -> Result<Model, CliError> {
    let mut model = topology::load_file(&args.topology, &args.all_sets(), args.variant.as_deref())?;
    if let Some(seed) = args.seed {
        model.seed = seed;
    }
    Ok(model)
}

fn run(args: &TopologyArgs, out: Option<&Path>, format: Format, plot: PlotLayout) -> Result<(), CliError> {
    let model = load(args)?;
    let (result, report) = blastsim::simulate(&model, args.variant.as_deref())?;
    if let Some(dir) = out {
        let layout = match plot {
            PlotLayout::Auto => report::plot::Layout::Auto,
            PlotLayout::Overlay => report::plot::Layout::Overlay,
            PlotLayout::Panels => report::plot::Layout::Panels,
        };
        let files =
            report::files_with(&model, &result, &report, layout).map_err(|e| CliError::Output(e.to_string()))?;
        report::write::write_outputs(dir, &files).map_err(|e| CliError::Output(e.to_string()))?;
    }
    match format {
        Format::Text => stdout::print(format_args!("{}", report::text::render(&report)))?,
        Format::Json => stdout::print(format_args!("{}", report::json::render(&report)))?,
    }
    if let Some(dir) = out
        && format == Format::Text
    {
        let latency = if model.mode == blastsim::model::Mode::Requests { ", latency.png, latency.svg" } else { "" };
        stdout::print(format_args!(
            "\nwrote report.json, timeseries.csv, recovery.png, recovery.svg{latency}, report.md and report.html to {}\n",
            dir.display()
        ))?;
    }
    Ok(())
}

fn check(path: &Path, sets: &[String]) -> Result<(), CliError> {
    let model = topology::check_file(path, sets)?;
    let requests = if model.mode == blastsim::model::Mode::Requests {
        let visits = blastsim::engine::requests::estimate_visits(&model);
        let limit = blastsim::engine::requests::MAX_VISITS as f64;
        if visits.is_nan() || visits > limit {
            return Err(CliError::Engine(blastsim::engine::EngineError::TooManyRequests {
                estimate: if visits.is_finite() { format!("{visits:.3e}") } else { "unbounded".to_string() },
                limit: format!("{limit:.0e}"),
            }));
        }
        format!(", requests mode: about {visits:.3e} request visits")
    } else {
        String::new()
    };
    stdout::print(format_args!(
        "{}: ok ({} services, {} dependencies, {} scenario actions, {} expected milestones, {} variants{requests})\n",
        path.display(),
        model.services.len(),
        model.deps.len(),
        model.scenario.len(),
        model.expected.len(),
        model.variants.len()
    ))?;
    for d in &model.disabled {
        stdout::print(format_args!("  disabled (enabled = false, not counted): {d}\n"))?;
    }
    Ok(())
}

fn graph(
    path: &Path,
    format: GraphFormat,
    report_path: Option<&Path>,
    focus: Option<&str>,
    depth: u32,
) -> Result<(), CliError> {
    let model = topology::load_file(path, &[], None)?;
    let report = match report_path {
        Some(p) => Some(read_report(p)?),
        None => None,
    };
    let mut shades = report::graph::report_shades(&model, report.as_ref());
    let include = match focus {
        Some(name) => {
            let id = model.service_id(name).ok_or_else(|| CliError::Usage(blast::unknown_service(&model, name)))?;
            if shades[id.0].is_none() {
                shades[id.0] = Some(report::graph::focus_shade());
            }
            Some(report::graph::neighbourhood(&model, id.0, depth))
        }
        None => None,
    };
    let text = match format {
        GraphFormat::Dot => report::graph::dot_with(&model, include.as_deref(), &shades),
        GraphFormat::Mermaid => report::graph::mermaid_with(&model, include.as_deref(), &shades),
    };
    stdout::print(format_args!("{text}"))
}

/// The largest report.json or sweep.json read [bytes]: 1 GiB, the JSON of ten million runs.
pub const MAX_JSON_BYTES: u64 = 1024 * 1024 * 1024;

fn read_report(path: &Path) -> Result<blastsim::analysis::Report, CliError> {
    let text = topology::read_regular(path, MAX_JSON_BYTES).map_err(|e| {
        CliError::Usage(format!(
            "cannot read the report {}: {e}; pass a report.json written by `blastsim run --out DIR`",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{} is not a blastsim report.json ({}); pass one written by `blastsim run --out DIR`",
            path.display(),
            blastsim::text::without_type_names(&e.to_string())
        ))
    })
}
