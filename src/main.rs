//! The `blastsim` command line: parses arguments, calls the library, maps errors to exit codes.

mod cli;

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
