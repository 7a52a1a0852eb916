//! Golden output: the report of every shipped topology, so any change in outcome is reviewed.

use crate::support::{blastsim, shipped_all};

fn stem(path: &std::path::Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn there_are_shipped_topologies_and_each_opens_with_a_comment() {
    let files = shipped_all();
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# "), "{} opens with a comment header", path.display());
    }
}

#[test]
fn report_json_of_every_shipped_topology() {
    for path in shipped_all() {
        let name = stem(&path);
        let out = blastsim()
            .arg("run")
            .arg(format!("topologies/{name}.toml"))
            .args(["--format", "json"])
            .assert()
            .success()
            .get_output()
            .clone();
        let json = String::from_utf8(out.stdout).unwrap();
        serde_json::from_str::<serde_json::Value>(&json).unwrap();
        insta::assert_snapshot!(format!("report_json__{name}"), json);
    }
}

#[test]
fn text_report_of_every_shipped_topology() {
    for path in shipped_all() {
        let name = stem(&path);
        let out = blastsim().arg("run").arg(format!("topologies/{name}.toml")).assert().success().get_output().clone();
        insta::assert_snapshot!(format!("report_text__{name}"), String::from_utf8(out.stdout).unwrap());
    }
}
