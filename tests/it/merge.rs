//! `blastsim merge` refuses shards that do not belong together, naming the field, and interrupted shards.

use crate::support::{blastsim, web_db_crash, write};
use std::path::Path;

fn crash() -> String {
    web_db_crash("30m")
}

fn shard(dir: &Path, topology: &Path, k: usize, extra: &[&str]) {
    blastsim()
        .arg("sweep")
        .arg(topology)
        .args(["--param", "services.db.capacity=10/s,100/s", "--runs", "2", "--seed", "3", "--no-progress"])
        .args(["--shard", &format!("{k}/2"), "--out"])
        .arg(dir.join(format!("s{k}")))
        .args(extra)
        .assert()
        .success();
}

fn merge_fails(dir: &Path) -> String {
    let out = blastsim().current_dir(dir).args(["merge", "--out", "merged", "s1", "s2"]).assert().code(2);
    assert!(!dir.join("merged").exists(), "nothing is written");
    String::from_utf8_lossy(&out.get_output().stderr).to_string()
}

#[test]
fn shards_of_different_topology_contents_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let topology = write(tmp.path(), "t.toml", &crash());
    shard(tmp.path(), &topology, 1, &[]);
    write(tmp.path(), "t.toml", &crash().replace("fraction = 0.5", "fraction = 0.75"));
    shard(tmp.path(), &topology, 2, &[]);
    let err = merge_fails(tmp.path());
    assert!(err.contains("file 2") && err.contains("`topology_hash` differs"), "{err}");
}

#[test]
fn shards_with_different_overrides_name_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let topology = write(tmp.path(), "t.toml", &crash());
    shard(tmp.path(), &topology, 1, &[]);
    shard(tmp.path(), &topology, 2, &["--set", "duration=\"40m\""]);
    let err = merge_fails(tmp.path());
    assert!(err.contains("`sets` differs"), "{err}");
}

#[test]
fn an_interrupted_shard_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let topology = write(tmp.path(), "t.toml", &crash());
    shard(tmp.path(), &topology, 1, &[]);
    shard(tmp.path(), &topology, 2, &[]);
    // What Ctrl-C leaves: fewer runs than planned, marked incomplete.
    let path = tmp.path().join("s2/sweep.json");
    let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json["complete"] = false.into();
    json["runs_done"] = 1.into();
    json["runs"].as_array_mut().unwrap().truncate(1);
    std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let err = merge_fails(tmp.path());
    assert!(err.contains("shard 2/2") && err.contains("was interrupted") && err.contains("rerun"), "{err}");
}
