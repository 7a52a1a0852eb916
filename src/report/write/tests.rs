//! Tests of the all-or-nothing output writer.

use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn outputs() -> Vec<(&'static str, Vec<u8>)> {
    vec![("report.json", b"{}\n".to_vec()), ("timeseries.csv", b"t_s\n".to_vec())]
}

fn four(tag: &str) -> Vec<(&'static str, Vec<u8>)> {
    ["report.json", "timeseries.csv", "recovery.png", "recovery.svg"]
        .into_iter()
        .map(|n| (n, format!("{tag} {n}").into_bytes()))
        .collect()
}

fn contents(dir: &Path) -> Vec<(String, String)> {
    names(dir)
        .into_iter()
        .filter(|n| dir.join(n).is_file())
        .map(|n| {
            let text = fs::read_to_string(dir.join(&n)).unwrap();
            (n, text)
        })
        .collect()
}

#[test]
fn writes_every_file_and_creates_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out/run1");
    write_outputs(&dir, &outputs()).unwrap();
    assert_eq!(names(&dir), ["report.json", "timeseries.csv"]);
    assert_eq!(fs::read(dir.join("report.json")).unwrap(), b"{}\n");
    write_outputs(&dir, &[("report.json", b"[]\n".to_vec())]).unwrap();
    assert_eq!(fs::read(dir.join("report.json")).unwrap(), b"[]\n");
}

#[test]
fn replaces_an_old_set_and_leaves_other_files_alone() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    write_outputs(tmp.path(), &four("old")).unwrap();
    write_outputs(tmp.path(), &four("new")).unwrap();
    let got = contents(tmp.path());
    assert_eq!(got.len(), 5, "{got:?}");
    for (name, text) in got {
        let want = if name == "notes.txt" { "mine".to_string() } else { format!("new {name}") };
        assert_eq!(text, want);
    }
}

#[test]
fn a_failed_rename_in_the_swap_changes_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    write_outputs(tmp.path(), &four("old")).unwrap();
    let before = contents(tmp.path());
    let staged = stage(tmp.path(), &four("new")).unwrap();
    // The last output becomes a non-empty directory after the checks: the
    // earlier ones are swapped in, then its rename fails.
    fs::remove_file(tmp.path().join("recovery.svg")).unwrap();
    fs::create_dir(tmp.path().join("recovery.svg")).unwrap();
    fs::write(tmp.path().join("recovery.svg/keep"), "x").unwrap();
    let err = staged.swap().unwrap_err();
    assert!(matches!(err, WriteError::Replace { .. }), "{err}");
    assert!(err.to_string().contains("recovery.svg") && err.to_string().contains("no output file was changed"));
    let after = contents(tmp.path());
    let before_but_svg: Vec<_> = before.into_iter().filter(|(n, _)| n != "recovery.svg").collect();
    assert_eq!(after, before_but_svg);
    assert_eq!(fs::read_to_string(tmp.path().join("recovery.svg/keep")).unwrap(), "x");
    assert_eq!(names(tmp.path()), ["recovery.png", "recovery.svg", "report.json", "timeseries.csv"]);
}

#[test]
fn leaves_nothing_when_the_directory_is_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("taken");
    fs::write(&file, "x").unwrap();
    let err = write_outputs(&file, &outputs()).unwrap_err();
    assert!(matches!(err, WriteError::CreateDir { .. }), "{err}");
    assert!(err.to_string().contains("taken"), "{err}");
    assert_eq!(names(tmp.path()), ["taken"]);
    assert_eq!(fs::read(&file).unwrap(), b"x");
}

#[test]
fn leaves_nothing_when_one_target_is_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("timeseries.csv")).unwrap();
    let err = write_outputs(tmp.path(), &outputs()).unwrap_err();
    assert!(matches!(err, WriteError::TargetIsDir { .. }), "{err}");
    assert_eq!(names(tmp.path()), ["timeseries.csv"]);
}

#[test]
fn leftovers_of_a_killed_run_do_not_block_the_next() {
    let tmp = tempfile::tempdir().unwrap();
    // What the old naming scheme (and a killed run of this one) leaves behind.
    for leftover in [format!(".report.json.{}-0.tmp", std::process::id()), ".blastsim-out-abc123".to_string()] {
        fs::create_dir(tmp.path().join(&leftover)).unwrap();
    }
    write_outputs(tmp.path(), &outputs()).unwrap();
    write_outputs(tmp.path(), &outputs()).unwrap();
    let mut got = names(tmp.path());
    got.retain(|n| !n.starts_with('.'));
    assert_eq!(got, ["report.json", "timeseries.csv"]);
    assert_eq!(names(tmp.path()).len(), 4, "only the two leftovers stay beside the outputs");
}

#[test]
fn refuses_paths_and_duplicates_before_touching_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("never");
    for bad in ["", "..", "a/b", "../x", "old"] {
        let err = write_outputs(&dir, &[(bad, Vec::new())]).unwrap_err();
        assert!(matches!(err, WriteError::BadName { .. }), "{bad}: {err}");
    }
    let twice = [("a.csv", Vec::new()), ("a.csv", Vec::new())];
    assert!(matches!(write_outputs(&dir, &twice), Err(WriteError::Duplicate { .. })));
    assert!(!dir.exists());
}
