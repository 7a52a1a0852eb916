//! Command definitions and their execution; errors carry their exit code.

mod blast;
mod commands;
mod compare;
mod examples;
mod fit;
mod generate;
mod import;
mod manual;
mod merge;
mod progress;
mod sensitivity;
mod stdout;
mod sweep;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub use commands::execute;

/// Simulates how failures spread through a graph of services, and how fast it gets back.
#[derive(Debug, Parser)]
#[command(name = "blastsim", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The options that pick and change the topology to simulate.
#[derive(Debug, clap::Args)]
pub struct TopologyArgs {
    /// The topology file (TOML).
    pub topology: PathBuf,
    /// Change a value by its dotted key path, e.g. `services.db.threads.workers=400` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Run a variant the topology defines.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Seed of the random stream (overrides the topology's `seed`).
    #[arg(long, value_name = "N", value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// The traffic engine (overrides the topology's `mode`).
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,
}

impl TopologyArgs {
    /// The `--set` overrides, with `--mode` as one more.
    pub fn all_sets(&self) -> Vec<String> {
        with_mode(&self.sets, self.mode)
    }
}

/// `sets`, then `mode = "..."` when a mode is given, so the flag wins.
pub fn with_mode(sets: &[String], mode: Option<ModeArg>) -> Vec<String> {
    let mut all = sets.to_vec();
    if let Some(m) = mode {
        all.push(format!("mode=\"{}\"", m.name()));
    }
    all
}

/// A traffic engine on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Rates solved at every event (the default).
    Fluid,
    /// Every request simulated.
    Requests,
}

impl ModeArg {
    pub fn name(self) -> &'static str {
        match self {
            ModeArg::Fluid => "fluid",
            ModeArg::Requests => "requests",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a topology and report what broke, when, and how it recovered.
    #[command(after_help = examples::RUN)]
    Run {
        #[command(flatten)]
        topology: TopologyArgs,
        /// Also write report.json, timeseries.csv, recovery.png, recovery.svg, report.md and report.html here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// What to print on stdout.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// How the recovery plot arranges its curves: `auto` gives one panel per impacted service past 10 of them.
        #[arg(long, value_enum, default_value_t = PlotLayout::Auto)]
        plot: PlotLayout,
    },
    /// Run the baseline and every variant the topology defines, side by side.
    #[command(after_help = examples::COMPARE)]
    Compare {
        /// The topology file (TOML).
        topology: PathBuf,
        /// Change a value of every run by its dotted key path (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Seed of the random stream (overrides the topology's `seed`).
        #[arg(long, value_name = "N", value_parser = parse_seed, allow_hyphen_values = true)]
        seed: Option<u64>,
        /// The traffic engine (overrides the topology's `mode`).
        #[arg(long, value_enum, value_name = "MODE")]
        mode: Option<ModeArg>,
        /// Seeded runs of each; with more than one, show mean and 95% interval instead of single numbers.
        #[arg(long, value_name = "N", default_value_t = 1)]
        runs: u32,
        /// Also write compare.json, compare.png, compare.svg, report.md and report.html here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// What to print on stdout.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Hide the progress bar of `--runs N` (it is hidden anyway when stderr is not a terminal).
        #[arg(long)]
        no_progress: bool,
    },
    /// Sweep parameters over a grid with seeded runs per point; report mean, median and 95% intervals.
    #[command(after_help = examples::SWEEP)]
    Sweep(sweep::SweepArgs),
    /// Join the shards of `sweep --shard K/N` (or `fit --shard K/N`) into what one machine would have written.
    #[command(after_help = examples::MERGE)]
    Merge {
        /// Where to write sweep.json, sweep.csv, sweep.png and sweep.svg (or fit.json, fit.png and fit.svg).
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// Every shard's sweep.json or fit.json (or the directory holding it); a fit's merge runs the rest of its search.
        #[arg(value_name = "SHARD", required = true)]
        shards: Vec<PathBuf>,
    },
    /// Fail each service in turn and rank them by what their failure does, beside the static blast radius.
    Blast(blast::BlastArgs),
    /// Write a topology skeleton from a trace system's service graph (Jaeger, OpenTelemetry, X-Ray).
    Import(import::ImportArgs),
    /// Fit parameters to the expected timeline: the best values, what the timeline pins down, held-out errors.
    Fit(fit::FitArgs),
    /// How much the score and every milestone move when each numeric parameter is scaled.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Validate a topology and report every problem at once.
    #[command(after_help = examples::CHECK)]
    Check {
        /// The topology file (TOML).
        topology: PathBuf,
        /// Check with these overrides applied (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Check for this traffic engine (overrides the topology's `mode`).
        #[arg(long, value_enum, value_name = "MODE")]
        mode: Option<ModeArg>,
    },
    /// Write a topology of a given size and shape, for scale tests and benchmarks.
    Generate(generate::GenerateArgs),
    /// Draw the dependency graph.
    #[command(after_help = examples::GRAPH)]
    Graph {
        /// The topology file (TOML).
        topology: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        /// Mark the services a run impacted, from its report.json.
        #[arg(long, value_name = "REPORT")]
        report: Option<PathBuf>,
        /// Draw only this service's neighbourhood: its callers and callees within --depth calls.
        #[arg(long, value_name = "SERVICE")]
        focus: Option<String>,
        /// How many calls away from the focused service to draw.
        #[arg(long, value_name = "N", default_value_t = 1, requires = "focus")]
        depth: u32,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    #[command(after_help = examples::COMPLETIONS)]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of blastsim, or of one command.
    #[command(after_help = examples::MAN)]
    Man {
        /// A command (`run`, `sweep`, ...); without one, the page of blastsim itself.
        command: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// `--plot`: all curves on one plot, or small multiples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotLayout {
    Auto,
    Overlay,
    Panels,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

/// Reads `--seed`: a whole number from 0 to 2^64-1 (a negative one is named as such, not taken for a flag).
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| format!("seeds are whole numbers from 0 to 2^64-1 ({}), found `{text}`", u64::MAX))
}
