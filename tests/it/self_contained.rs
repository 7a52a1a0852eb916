//! A clone with nothing beside it passes: no test, bench, example or script reads outside the repository.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "snapshots") {
                sources(&path, out);
            }
        } else if path.extension().is_none_or(|e| e == "rs" || e == "sh" || e == "toml") {
            out.push(path);
        }
    }
}

#[test]
fn no_source_reaches_beside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "examples", "scripts", ".ci"] {
        sources(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "the walk found the sources: {}", files.len());
    // Spelled in two halves so this file does not match itself.
    let beside = format!("../{}", "shared");
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains(&beside)))
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "these read outside the repository: {offenders:?}");
}

#[test]
fn the_published_kinesis_timeline_ships_with_its_source() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/kinesis-2020-11-25.toml");
    let text = std::fs::read_to_string(path).expect("reference/ is part of the repository");
    assert!(text.contains("https://aws.amazon.com/message/11201/"));
    let parsed: toml::Value = toml::from_str(&text).expect("the reference is TOML");
    assert_eq!(parsed["milestone"].as_array().map(Vec::len), Some(17));
}
