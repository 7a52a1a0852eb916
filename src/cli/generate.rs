//! `blastsim generate`: writes a topology of a given size and shape.

use super::commands::CliError;
use blastsim::generate::{self, Fault, Shape, Spec};
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    /// Layers of about sqrt(N) services, each calling the next layer.
    Layered,
    /// A random DAG drawn from the seed.
    Random,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FaultArg {
    /// No fault: a healthy run.
    None,
    /// Half of a mid-graph service crashes.
    Crash,
    /// A mid-graph service is 1.5 s slower for 30 minutes.
    Latency,
}

/// Options of `blastsim generate`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  blastsim generate --services 1000 --out big.toml\n  blastsim generate --services 500 --shape random --seed 7 --fan-out 3 --fault latency"
)]
pub struct GenerateArgs {
    /// Number of services.
    #[arg(long, value_name = "N")]
    pub services: usize,
    #[arg(long, value_enum, default_value_t = ShapeArg::Layered)]
    pub shape: ShapeArg,
    /// Seed of a random shape, and the topology's `seed`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Calls from each service to the next layer (or window).
    #[arg(long, value_name = "K", default_value_t = 2)]
    pub fan_out: usize,
    /// Layers of the layered shape, each N/L services wide rounded up (so at
    /// most L, fewer where the rounding fills them sooner; the header says how
    /// many) [default: about the square root of N, as wide as deep]. A fixed
    /// count keeps the depth, and each service's timeouts and threads, the same
    /// as N grows: for measuring how runs scale with the number of services alone.
    #[arg(long, value_name = "L")]
    pub layers: Option<usize>,
    /// Outside load on each entry service, in requests per second.
    #[arg(long, value_name = "REQ_PER_S", default_value_t = 400.0)]
    pub load: f64,
    #[arg(long, value_enum, default_value_t = FaultArg::Crash)]
    pub fault: FaultArg,
    /// When the fault starts (an offset such as `+5h`).
    #[arg(long, value_name = "TIME", default_value = "+5h", allow_hyphen_values = true)]
    pub at: String,
    /// Simulated length of the run.
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub duration: String,
    /// Integration and sampling step.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub step: String,
    /// Write the topology here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(args: &GenerateArgs) -> Result<(), CliError> {
    if args.services == 0 || args.services > generate::MAX_SERVICES {
        return Err(CliError::Usage(format!(
            "`--services` must be 1 to {}, found {}",
            generate::MAX_SERVICES,
            args.services
        )));
    }
    if args.fan_out == 0 || args.fan_out > 100 {
        return Err(CliError::Usage(format!("`--fan-out` must be 1 to 100, found {}", args.fan_out)));
    }
    if let Some(layers) = args.layers {
        if args.shape != ShapeArg::Layered {
            return Err(CliError::Usage(
                "`--layers` shapes a layered topology; drop it, or use `--shape layered`".into(),
            ));
        }
        if layers == 0 || layers > args.services {
            return Err(CliError::Usage(format!(
                "`--layers` must be 1 to the number of services ({}), found {layers}",
                args.services
            )));
        }
    }
    if !args.load.is_finite() || args.load <= 0.0 {
        return Err(CliError::Usage(format!(
            "`--load` must be a positive number of requests per second, found {}",
            args.load
        )));
    }
    let spec = Spec {
        services: args.services,
        shape: match args.shape {
            ShapeArg::Layered => Shape::Layered,
            ShapeArg::Random => Shape::Random,
        },
        seed: args.seed,
        fan_out: args.fan_out,
        layers: args.layers,
        load: args.load,
        fault: match args.fault {
            FaultArg::None => Fault::None,
            FaultArg::Crash => Fault::Crash,
            FaultArg::Latency => Fault::Latency,
        },
        duration: args.duration.clone(),
        step: args.step.clone(),
        fault_at: args.at.clone(),
    };
    let text = generate::toml(&spec);
    // The durations are the user's text: load it once, so a bad one is caught here and not at `run`.
    blastsim::topology::load_str("generated topology", &text, &[], None)?;
    match &args.out {
        Some(path) => {
            write_whole(path, &text).map_err(|e| CliError::Output(format!("cannot write {}: {e}", path.display())))
        }
        None => super::stdout::print(format_args!("{text}")),
    }
}

/// Writes `text` to a fresh file beside `path`, then renames it over `path`: the file is whole or untouched.
fn write_whole(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let tmp = dir.join(format!(".blastsim-generate.{}.{nanos}.tmp", std::process::id()));
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
