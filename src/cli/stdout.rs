//! Standard output: a reader that goes away early (`blastsim run ... | head -1`) ends the program quietly.

use super::commands::CliError;
use std::io::Write;

/// Writes `args` to stdout with control characters shown as stand-ins (see [`blastsim::text`]); a closed pipe becomes [`CliError::StdoutClosed`], which exits 0 without a word.
pub fn print(args: std::fmt::Arguments) -> Result<(), CliError> {
    let text = args.to_string();
    let mut out = std::io::stdout().lock();
    match out.write_all(blastsim::text::printable(&text).as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::StdoutClosed),
        Err(e) => Err(CliError::Output(format!("cannot write to stdout: {e}"))),
    }
}
