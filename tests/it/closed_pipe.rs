//! A reader that goes away (`blastsim run ... | head -1`) ends blastsim quietly, as it ends `cat`.

use std::process::{Command, Stdio};

/// Runs blastsim with ARGS and a stdout whose reading end is already closed; returns (exit code, stderr).
fn run_into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    // A connected socket pair whose reading end is closed: a write fails with EPIPE, as on a pipe
    // whose reader has gone (std::io::pipe needs a newer Rust than the crate's minimum).
    let (reader, writer) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
    drop(reader);
    let writer = std::os::fd::OwnedFd::from(writer);
    let out = Command::new(assert_cmd::cargo::cargo_bin("blastsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("blastsim starts");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn every_printing_command_exits_quietly_when_stdout_is_closed() {
    let topology = "topologies/three-tier-slow-db.toml";
    for args in [
        vec!["run", topology],
        vec!["run", topology, "--format", "json"],
        vec!["check", topology],
        vec!["graph", topology],
        vec!["graph", topology, "--format", "mermaid"],
        vec!["compare", "topologies/retry-storm.toml"],
        vec!["generate", "--services", "2000"],
        vec!["man"],
        vec!["completions", "bash"],
    ] {
        let (code, stderr) = run_into_closed_pipe(&args);
        assert_eq!(code, Some(0), "{args:?} exits 0; stderr: {stderr}");
        assert!(stderr.is_empty(), "{args:?} says nothing: {stderr}");
    }
}
