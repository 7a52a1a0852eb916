//! Helpers shared by the integration tests: the binary, topology files and stable output.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The `blastsim` binary, run from the crate root so relative paths are stable.
pub fn blastsim() -> Command {
    let mut cmd = Command::cargo_bin("blastsim").expect("the blastsim binary is built for integration tests");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// The shipped topology `topologies/NAME.toml`, relative to the crate root.
pub fn shipped(name: &str) -> String {
    format!("topologies/{name}.toml")
}

/// Every shipped topology file, sorted by name.
pub fn shipped_all() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("topologies/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// A small valid topology: `web` (external load) calls `db`.
pub const SMALL: &str = r#"duration = "1h"

[services.web]
instances = 2
capacity = "100/s"
load = { kind = "constant", rate = "50/s" }

[services.web.calls.db]

[services.db]
instances = 1
capacity = "200/s"
"#;

/// Writes `text` as `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temp dir is writable");
    path
}

/// `text` with every occurrence of `dir` replaced by `[TMP]`, so snapshots do not depend on it.
pub fn redact(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "[TMP]")
}

/// Runs `blastsim run ARGS --format json` and parses its stdout; panics unless it exits 0.
pub fn run_json(args: &[&str]) -> serde_json::Value {
    let out = blastsim().arg("run").args(args).args(["--format", "json"]).assert().success().get_output().clone();
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// The names of the services a JSON report marks impacted, in report order.
pub fn impacted(report: &serde_json::Value) -> Vec<String> {
    report["services"]
        .as_array()
        .expect("services is an array")
        .iter()
        .filter(|s| s["impacted"] == true)
        .map(|s| s["name"].as_str().expect("name is a string").to_string())
        .collect()
}

/// The JSON report's entry for service `name`.
pub fn service<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["services"]
        .as_array()
        .expect("services is an array")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no service `{name}` in the report"))
}

/// A small topology for sweeps, shards and schemas: web calls db, half of
/// whose fleet crashes at +10m; the run lasts `duration`.
pub fn web_db_crash(duration: &str) -> String {
    format!(
        r#"duration = "{duration}"

[services.web]
instances = 2
capacity = "100/s"
load = {{ kind = "constant", rate = "50/s" }}

[services.web.calls.db]

[services.db]
instances = 4
capacity = "100/s"

[[scenario]]
at = "+10m"
action = "crash"
service = "db"
fraction = 0.5
"#
    )
}
