//! `blastsim fit`: fits parameters to the expected timeline, with a progress bar and Ctrl-C that keeps what finished.

use super::commands::CliError;
use super::progress::bar as progress;
use super::stdout;
use super::{Format, TopologyArgs};
use blastsim::fit::{self, Evaluator, FitFile, eval};
use blastsim::report;
use blastsim::sweep::Shard;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The options of `blastsim fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// The topology, its overrides and variant, and the seed of every run and of the search.
    #[command(flatten)]
    pub topology: TopologyArgs,
    /// A fitted key and its range: `KEY=A..B` or `A..B:log` (any value between), or
    /// `A..B:N`, `A..B:step=S`, `V1,V2,V3` (only those values); numbers may carry a unit.
    #[arg(long = "param", value_name = "KEY=RANGE", required = true)]
    pub params: Vec<String>,
    /// Leave this expected milestone out of the score and report its error at the best fit (repeatable).
    #[arg(long = "hold-out", value_name = "SERVICE:KIND")]
    pub hold_out: Vec<String>,
    /// Add an expected milestone, e.g. `web:impact_start=+20m` (repeatable).
    #[arg(long = "expect", value_name = "SERVICE:KIND=TIME")]
    pub expect: Vec<String>,
    /// Runs to spend.
    #[arg(long, value_name = "N", default_value_t = fit::BUDGET)]
    pub budget: usize,
    /// A parameter's range keeps the points whose mean |error| is within this many minutes of the best.
    #[arg(long, value_name = "MIN", default_value_t = fit::TOLERANCE_MIN)]
    pub tolerance: f64,
    /// The error a milestone never reached counts [min].
    #[arg(long = "miss-penalty", value_name = "MIN", default_value_t = eval::MISS_PENALTY_MIN)]
    pub miss_penalty: f64,
    /// Also write fit.json, fit.png and fit.svg here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run only slice K of N (1-based) of the start point and the hypercube and write just fit.json
    /// to --out; `blastsim merge` then joins the shards and runs the rest of the search.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Hide the progress bar (it is hidden anyway when stderr is not a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

pub static STOP: AtomicBool = AtomicBool::new(false);

pub fn run(args: &FitArgs) -> Result<(), CliError> {
    let usage = CliError::Usage;
    if args.budget == 0 || args.budget > fit::MAX_BUDGET {
        return Err(usage(format!("--budget {}: give 1 to {} runs", args.budget, fit::MAX_BUDGET)));
    }
    for (flag, v) in [("--tolerance", args.tolerance), ("--miss-penalty", args.miss_penalty)] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(usage(format!("{flag} {v}: give a number of minutes, 0 or more")));
        }
    }
    let shard = args.shard.as_deref().map(Shard::parse).transpose().map_err(usage)?;
    if shard.is_some() && args.out.is_none() {
        return Err(usage("--shard needs --out DIR: a shard writes its fit.json there for `blastsim merge`".into()));
    }
    let mut ev = Evaluator::from_file(&args.topology.topology)?;
    ev.text = eval::add_expectations(&ev.text, &args.expect).map_err(usage)?;
    ev.sets = args.topology.sets.clone();
    ev.variant = args.topology.variant.clone();
    ev.seed = args.topology.seed;
    ev.miss_penalty_min = args.miss_penalty;
    let model = ev.model(&[])?;
    if model.expected.is_empty() {
        return Err(usage(format!(
            "{} has no expected milestones to fit: add [[expect]] tables, or pass --expect SERVICE:KIND=TIME",
            ev.source
        )));
    }
    let expected: Vec<_> = model.expected.iter().map(|e| (model.service(e.service).name.clone(), e.kind)).collect();
    for h in &args.hold_out {
        let pair = eval::parse_hold_out(h, &expected).map_err(usage)?;
        if !ev.held_out.contains(&pair) {
            ev.held_out.push(pair);
        }
    }
    if ev.held_out.len() == expected.len() {
        return Err(usage("every expected milestone is held out: leave at least one to fit".into()));
    }
    let dims = fit::space::parse_all(&args.params, &ev.text).map_err(usage)?;
    check_ends(&ev, &dims)?;
    let req = fit::Request { dims, budget: args.budget, seed: model.seed, tolerance_min: args.tolerance };
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
    if let (Some(shard), Some(dir)) = (shard, &args.out) {
        let bar = progress(args.budget.div_ceil(2 * shard.n) as u64, args.no_progress);
        let file = fit::shard::run(&ev, &req, shard, &STOP, &|| bar.inc(1));
        bar.finish_and_clear();
        return finish_shard(dir, &file);
    }
    let bar = progress(args.budget as u64, args.no_progress);
    let file = fit::fit(&ev, &req, &STOP, &|| bar.inc(1));
    bar.finish_and_clear();
    output(&file, args.out.as_deref(), args.format)
}

/// Writes a shard's fit.json and says what it holds.
fn finish_shard(dir: &Path, file: &FitFile) -> Result<(), CliError> {
    let json = report::fit::json(file).into_bytes();
    report::write::write_outputs(dir, &[("fit.json", json)]).map_err(|e| CliError::Output(e.to_string()))?;
    let (k, n) = file.shard.as_ref().map_or((1, 1), |s| (s.k, s.n));
    if !file.complete {
        return Err(CliError::Interrupted(format!(
            "interrupted: shard {k}/{n} ran {} points; wrote fit.json (marked \"complete\": false) to {}",
            file.points.len(),
            dir.display()
        )));
    }
    stdout::print(format_args!("shard {k}/{n}: {} runs; wrote fit.json to {}\n", file.points.len(), dir.display()))
}

/// Writes the files of a whole (or merged) fit and prints it; an interrupted fit exits as such.
pub fn output(file: &FitFile, out: Option<&Path>, format: Format) -> Result<(), CliError> {
    if let Some(dir) = out {
        let files = report::fit::files(file).map_err(|e| CliError::Output(e.to_string()))?;
        report::write::write_outputs(dir, &files).map_err(|e| CliError::Output(e.to_string()))?;
    }
    match format {
        Format::Text => stdout::print(format_args!("{}", report::fit::text(file)))?,
        Format::Json => stdout::print(format_args!("{}", report::fit::json(file)))?,
    }
    let names = "fit.json, fit.png and fit.svg";
    if !file.complete {
        let wrote =
            out.map_or(String::new(), |d| format!("; wrote {names} (marked \"complete\": false) to {}", d.display()));
        return Err(CliError::Interrupted(format!(
            "interrupted: {} of {} runs finished{wrote}",
            file.points.len(),
            file.budget
        )));
    }
    if let (Some(dir), Format::Text) = (out, format) {
        stdout::print(format_args!("\nwrote {names} to {}\n", dir.display()))?;
    }
    Ok(())
}

/// Every parameter's range ends must make a valid topology (others at their own values): bad keys and values are bad input.
fn check_ends(ev: &Evaluator, dims: &[fit::Dim]) -> Result<(), CliError> {
    for d in dims {
        for u in [0.0, 1.0] {
            let set = format!("{}={}", d.key, d.value(u).to_toml());
            if let Err(e) = ev.model(std::slice::from_ref(&set)) {
                return Err(CliError::Usage(format!(
                    "--param `{}={}`: at {}:\n{}",
                    d.key,
                    d.range,
                    d.value(u),
                    blastsim::topology::render_error(&e)
                )));
            }
        }
    }
    Ok(())
}
