//! The `blastsim` command line: parses arguments, calls the library, maps errors to exit codes.

mod cli;

/// mimalloc (its v2 line, built from its C source by `cc`) hands out memory
/// in large segments that the kernel backs with transparent huge pages:
/// a 10,000-service day takes about 1,000 page faults instead of 13,000, and
/// small allocations are cheaper than glibc's (see the README's Speed section).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use cli::Cli;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match Cli::try_parse() {
        Ok(args) => args,
        Err(e) if e.use_stderr() => {
            // clap echoes the offending argument: show its control characters, never send them.
            let text = e.render().to_string();
            let _ = write!(std::io::stderr(), "{}", blastsim::text::printable(&text));
            return ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    match cli::execute(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let text = e.render();
            let text = blastsim::text::printable(&text);
            if !text.is_empty() {
                // A closed stderr leaves nothing to tell: the exit code still says it.
                let _ = writeln!(std::io::stderr(), "{text}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}
