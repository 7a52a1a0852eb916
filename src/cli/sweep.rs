//! `blastsim sweep`: a parameter grid and seeded runs per point, with a progress bar and Ctrl-C that keeps what finished.

use super::commands::CliError;
use super::stdout;
use blastsim::report;
use blastsim::sweep::{self, Metric, Request, Shard, SweepError, SweepFile, range};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The options of `blastsim sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The topology, its overrides and variant, and the base seed (each
    /// run's seed derives from it and the run's point and index).
    #[command(flatten)]
    pub topology: super::TopologyArgs,
    /// A swept key and its values: `KEY=A..B`, `A..B:N`, `A..B:N:log`, `A..B:step=S` or `V1,V2,V3`;
    /// numbers may carry a unit (`100/h..600/h:6`). Repeat for a grid.
    #[arg(long = "param", value_name = "KEY=RANGE", required = true)]
    pub params: Vec<String>,
    /// Seeded runs per point.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub runs: u32,
    /// The measured service (default: the first the expected timeline names, else the first service).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// The metric the plot shows: recovery, error-minutes, failed-requests, peak-impact or recovered.
    #[arg(long, value_name = "METRIC", default_value = "recovery")]
    pub metric: String,
    /// Run only slice K of N (1-based) and write its runs to sweep.json; join slices with `blastsim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Where to write sweep.json, sweep.csv, sweep.png and sweep.svg.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Hide the progress bar (it is hidden anyway when stderr is not a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

static STOP: AtomicBool = AtomicBool::new(false);

pub fn run(args: &SweepArgs) -> Result<(), CliError> {
    let params = args
        .params
        .iter()
        .map(|p| range::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let metric = Metric::parse(&args.metric).map_err(CliError::Usage)?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose().map_err(CliError::Usage)?;
    let req = Request {
        topology: &args.topology.topology,
        sets: &args.topology.sets,
        variant: args.topology.variant.as_deref(),
        params,
        runs: args.runs,
        seed: args.topology.seed,
        service: args.service.as_deref(),
        metric,
    };
    let plan = sweep::prepare(&req).map_err(sweep_error)?;
    let jobs = (0..plan.spec.jobs()).filter(|&j| shard.is_none_or(|s| s.owns(j))).count();
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
    let bar = super::progress::bar(jobs as u64, args.no_progress);
    let file = sweep::run(&plan, shard, &STOP, &|| bar.inc(1));
    bar.finish_and_clear();
    let file = file.map_err(sweep_error)?;
    write(&args.out, &file)?;
    if file.shard.is_none() {
        stdout::print(format_args!("{}", report::sweep::text(&file)))?;
    }
    finish(&args.out, &file)
}

/// Writes the files and reports an interrupted sweep as such.
pub fn write(out: &Path, file: &SweepFile) -> Result<(), CliError> {
    let files = report::sweep::files(file).map_err(|e| CliError::Output(e.to_string()))?;
    report::write::write_outputs(out, &files).map_err(|e| CliError::Output(e.to_string()))
}

pub fn finish(out: &Path, file: &SweepFile) -> Result<(), CliError> {
    let names = if file.shard.is_some() { "sweep.json" } else { "sweep.json, sweep.csv, sweep.png and sweep.svg" };
    if !file.complete {
        return Err(CliError::Interrupted(format!(
            "interrupted: {} of {} runs finished; wrote {names} (marked \"complete\": false) to {}",
            file.runs_done,
            file.runs_planned,
            out.display()
        )));
    }
    match file.shard {
        Some(s) => stdout::print(format_args!(
            "shard {}/{}: {} runs; wrote {names} to {}\n",
            s.k,
            s.n,
            file.runs_done,
            out.display()
        )),
        None => stdout::print(format_args!("\nwrote {names} to {}\n", out.display())),
    }
}

fn sweep_error(e: SweepError) -> CliError {
    match e {
        SweepError::Topology { point, source, hint } => {
            let hint = hint.map(|h| format!("\nhelp: {h}")).unwrap_or_default();
            CliError::Usage(format!("at the point {point}:\n{}{hint}", blastsim::topology::render_error(&source)))
        }
        SweepError::Usage(m) => CliError::Usage(m),
        e @ SweepError::Engine { .. } => CliError::Output(e.to_string()),
    }
}
