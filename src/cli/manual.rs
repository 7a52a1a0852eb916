//! `blastsim completions SHELL` and `blastsim man`: shell completions and the man page, from the command definitions.

use super::Cli;
use super::commands::CliError;
use clap::CommandFactory;

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "blastsim", &mut out);
    emit(&out)
}

/// Prints the man page (roff) on stdout: of `blastsim`, or of one of its commands (`blastsim-run`).
pub fn man(command: Option<&str>) -> Result<(), CliError> {
    let cmd = Cli::command();
    let page = match command {
        None => cmd,
        Some(name) => {
            let Some(sub) = cmd.find_subcommand(name) else {
                let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                return Err(CliError::Usage(format!("`{name}` is not a command; choose one of: {}", names.join(", "))));
            };
            let full = format!("blastsim-{name}");
            sub.clone().name(full.clone()).display_name(full).bin_name(format!("blastsim {name}"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out).map_err(|e| CliError::Output(e.to_string()))?;
    emit(&out)
}

fn emit(bytes: &[u8]) -> Result<(), CliError> {
    super::stdout::print(format_args!("{}", String::from_utf8_lossy(bytes)))
}
