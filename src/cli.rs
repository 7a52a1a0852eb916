//! Command definitions and their execution; errors carry their exit code.

mod commands;
mod compare;
mod generate;
mod merge;
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
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a topology and report what broke, when, and how it recovered.
    Run {
        #[command(flatten)]
        topology: TopologyArgs,
        /// Also write report.json, timeseries.csv, recovery.png and recovery.svg here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// What to print on stdout.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run the baseline and every variant the topology defines, side by side.
    Compare {
        /// The topology file (TOML).
        topology: PathBuf,
        /// Change a value of every run by its dotted key path (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Seed of the random stream (overrides the topology's `seed`).
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Seeded runs of each; with more than one, show mean and 95% interval instead of single numbers.
        #[arg(long, value_name = "N", default_value_t = 1)]
        runs: u32,
        /// Also write compare.json, compare.png and compare.svg here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// What to print on stdout.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Sweep parameters over a grid with seeded runs per point; report mean, median and 95% intervals.
    Sweep(sweep::SweepArgs),
    /// Join the sweep.json files of `sweep --shard K/N` runs into what one machine would have written.
    Merge {
        /// Where to write sweep.json, sweep.csv, sweep.png and sweep.svg.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// Every shard's sweep.json (or the directory holding it).
        #[arg(value_name = "SHARD", required = true)]
        shards: Vec<PathBuf>,
    },
    /// Validate a topology and report every problem at once.
    Check {
        /// The topology file (TOML).
        topology: PathBuf,
        /// Check with these overrides applied (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// Write a topology of a given size and shape, for scale tests and benchmarks.
    Generate(generate::GenerateArgs),
    /// Draw the dependency graph.
    Graph {
        /// The topology file (TOML).
        topology: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        /// Mark the services a run impacted, from its report.json.
        #[arg(long, value_name = "REPORT")]
        report: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}
