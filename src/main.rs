//! The `blastsim` command line: parses arguments, calls the library, maps errors to exit codes.

mod cli;

use clap::Parser;
use cli::Cli;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli::execute(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let text = e.render();
            if !text.is_empty() {
                // A closed stderr leaves nothing to tell: the exit code still says it.
                let _ = writeln!(std::io::stderr(), "{text}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}
