//! `blastsim sensitivity`: one-at-a-time and Morris sensitivity, with a progress bar and Ctrl-C that keeps what finished.

use super::commands::CliError;
use super::progress::bar as progress;
use super::stdout;
use super::{Format, TopologyArgs};
use blastsim::fit::{Evaluator, eval};
use blastsim::report;
use blastsim::sensitivity::{self, SensitivityFile, morris};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// The options of `blastsim sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// The topology, its overrides and variant, and the seed of every run.
    #[command(flatten)]
    pub topology: TopologyArgs,
    /// Factors each parameter is scaled by, one at a time.
    #[arg(long, value_name = "F,F,...", default_value = "0.8,0.9,1.1,1.25")]
    pub factors: String,
    /// Vary only this key (repeatable); default: every numeric value of the services and enabled scenario actions.
    #[arg(long = "param", value_name = "KEY")]
    pub params: Vec<String>,
    /// Morris trajectories over the box of factors (costs N x (parameters + 1) runs; 0: none).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub morris: usize,
    /// Leave this expected milestone out of the score (repeatable).
    #[arg(long = "hold-out", value_name = "SERVICE:KIND")]
    pub hold_out: Vec<String>,
    /// The error a milestone never reached counts [min].
    #[arg(long = "miss-penalty", value_name = "MIN", default_value_t = eval::MISS_PENALTY_MIN)]
    pub miss_penalty: f64,
    /// Also write sensitivity.json, sensitivity.png and sensitivity.svg here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Hide the progress bar (it is hidden anyway when stderr is not a terminal).
    #[arg(long)]
    pub no_progress: bool,
}

static STOP: AtomicBool = AtomicBool::new(false);

/// The most runs one sensitivity analysis plans.
const MAX_RUNS: usize = 1_000_000;

pub fn run(args: &SensitivityArgs) -> Result<(), CliError> {
    let usage = CliError::Usage;
    let factors = sensitivity::parse_factors(&args.factors).map_err(usage)?;
    if !(args.miss_penalty.is_finite() && args.miss_penalty >= 0.0) {
        return Err(usage(format!("--miss-penalty {}: give a number of minutes, 0 or more", args.miss_penalty)));
    }
    let mut ev = Evaluator::from_file(&args.topology.topology)?;
    ev.sets = args.topology.sets.clone();
    ev.variant = args.topology.variant.clone();
    ev.seed = args.topology.seed;
    ev.miss_penalty_min = args.miss_penalty;
    let model = ev.model(&[])?;
    let expected: Vec<_> = model.expected.iter().map(|e| (model.service(e.service).name.clone(), e.kind)).collect();
    for h in &args.hold_out {
        ev.held_out.push(eval::parse_hold_out(h, &expected).map_err(usage)?);
    }
    let params = sensitivity::parameters(&ev, &args.params).map_err(usage)?;
    for (key, n) in &params {
        let set = sensitivity::scaled(key, n, 1.0).0;
        ev.model(std::slice::from_ref(&set)).map_err(|e| {
            usage(format!(
                "--param `{key}`: the topology does not take its own value back:\n{}",
                blastsim::topology::render_error(&e)
            ))
        })?;
    }
    let runs = params.len().saturating_mul(factors.len()) + args.morris.saturating_mul(params.len() + 1) + 1;
    if runs > MAX_RUNS {
        return Err(usage(format!(
            "{runs} runs is over the limit of {MAX_RUNS}; name fewer keys with --param or lower --morris"
        )));
    }
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
    let bar = progress(runs as u64, args.no_progress);
    let tick = || bar.inc(1);
    let (baseline, mut results, mut complete) = sensitivity::one_at_a_time(&ev, &params, &factors, &STOP, &tick)
        .map_err(|m| CliError::Output(format!("the baseline run failed: {m}")))?;
    if args.morris > 0 && !params.is_empty() && complete {
        let (lo, hi) = (factors[0], factors[factors.len() - 1]);
        let (lo, hi) = if lo == hi { (lo.min(1.0), hi.max(1.0)) } else { (lo, hi) };
        // Parameters with a value the topology refuses inside the box stay at their own values.
        let sound: Vec<_> = params
            .iter()
            .filter(|(k, _)| results.iter().any(|r| r.key == *k && r.probes.iter().all(|p| p.failed.is_none())))
            .cloned()
            .collect();
        complete &=
            morris::effects(&ev, &sound, &baseline, (lo, hi), args.morris, model.seed, &mut results, &STOP, &tick);
    }
    bar.finish_and_clear();
    let file = SensitivityFile {
        topology: ev.source.clone(),
        seed: model.seed,
        factors,
        measure: if baseline.score.is_some() { "score".into() } else { "milestone_shift".into() },
        baseline,
        morris_trajectories: if complete { args.morris } else { 0 },
        params: results,
        complete,
    };
    if let Some(dir) = &args.out {
        let files = report::sensitivity::files(&file).map_err(|e| CliError::Output(e.to_string()))?;
        report::write::write_outputs(dir, &files).map_err(|e| CliError::Output(e.to_string()))?;
    }
    match args.format {
        Format::Text => stdout::print(format_args!("{}", report::sensitivity::text(&file)))?,
        Format::Json => stdout::print(format_args!("{}", report::sensitivity::json(&file)))?,
    }
    let names = "sensitivity.json, sensitivity.png and sensitivity.svg";
    if !file.complete {
        return Err(CliError::Interrupted("interrupted: the table holds the runs that finished".into()));
    }
    if let (Some(dir), Format::Text) = (&args.out, args.format) {
        stdout::print(format_args!("\nwrote {names} to {}\n", dir.display()))?;
    }
    Ok(())
}
