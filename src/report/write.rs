//! Writes a set of output files into a directory, all of them or none.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why the output files could not be written; each names the path.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create the output directory {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("`{name}` is not a plain file name; outputs are written directly into the output directory")]
    BadName { name: String },
    #[error("`{name}` is listed twice among the output files")]
    Duplicate { name: String },
    #[error("{} is a directory; remove it or choose another output directory", path.display())]
    TargetIsDir { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot move {} into place as {}: {source}", from.display(), path.display())]
    Rename { from: PathBuf, path: PathBuf, source: io::Error },
}

/// Writes `files` (name, contents) into `dir`, creating it when missing.
///
/// Every file is first written in full to a temporary name in `dir`, then all
/// are renamed into place, so no output is ever seen half-written. When
/// anything fails before the renames (bad name, unwritable directory, disk
/// full), the temporaries are removed and no output file is touched. A rename
/// failing after earlier ones succeeded (rare: the checks run first) leaves
/// the earlier files new and the rest as they were, never a partial file.
pub fn write_outputs(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), WriteError> {
    check_names(files)?;
    fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir { path: dir.to_path_buf(), source })?;
    for (name, _) in files {
        let path = dir.join(name);
        if path.is_dir() {
            return Err(WriteError::TargetIsDir { path });
        }
    }
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len());
    for (i, (name, contents)) in files.iter().enumerate() {
        let temp = dir.join(format!(".{name}.{}-{i}.tmp", std::process::id()));
        if let Err((created, source)) = write_file(&temp, contents) {
            if created {
                let _ = fs::remove_file(&temp);
            }
            remove_all(&staged);
            return Err(WriteError::Write { path: temp, source });
        }
        staged.push((temp, dir.join(name)));
    }
    for (done, (temp, path)) in staged.iter().enumerate() {
        if let Err(source) = fs::rename(temp, path) {
            remove_all(&staged[done..]);
            return Err(WriteError::Rename { from: temp.clone(), path: path.clone(), source });
        }
    }
    Ok(())
}

fn check_names(files: &[(&str, Vec<u8>)]) -> Result<(), WriteError> {
    for (i, (name, _)) in files.iter().enumerate() {
        let plain = !name.is_empty()
            && *name != "."
            && *name != ".."
            && !name.contains(['/', '\\'])
            && Path::new(name).file_name() == Some(std::ffi::OsStr::new(name));
        if !plain {
            return Err(WriteError::BadName { name: name.to_string() });
        }
        if files[..i].iter().any(|(other, _)| other == name) {
            return Err(WriteError::Duplicate { name: name.to_string() });
        }
    }
    Ok(())
}

/// Writes a new file; on failure, says whether the file was created.
fn write_file(path: &Path, contents: &[u8]) -> Result<(), (bool, io::Error)> {
    let mut file = fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| (false, e))?;
    file.write_all(contents).and_then(|()| file.sync_all()).map_err(|e| (true, e))
}

fn remove_all(staged: &[(PathBuf, PathBuf)]) {
    for (temp, _) in staged {
        let _ = fs::remove_file(temp);
    }
}

#[cfg(test)]
mod tests {
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
    fn removes_temporaries_when_a_write_fails() {
        let tmp = tempfile::tempdir().unwrap();
        // Occupy the second file's temporary name so creating it fails.
        let blocker = format!(".timeseries.csv.{}-1.tmp", std::process::id());
        fs::create_dir(tmp.path().join(&blocker)).unwrap();
        let err = write_outputs(tmp.path(), &outputs()).unwrap_err();
        assert!(matches!(err, WriteError::Write { .. }), "{err}");
        assert!(err.to_string().contains(&blocker), "{err}");
        assert_eq!(names(tmp.path()), [blocker]);
    }

    #[test]
    fn refuses_paths_and_duplicates_before_touching_anything() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("never");
        for bad in ["", "..", "a/b", "../x"] {
            let err = write_outputs(&dir, &[(bad, Vec::new())]).unwrap_err();
            assert!(matches!(err, WriteError::BadName { .. }), "{bad}: {err}");
        }
        let twice = [("a.csv", Vec::new()), ("a.csv", Vec::new())];
        assert!(matches!(write_outputs(&dir, &twice), Err(WriteError::Duplicate { .. })));
        assert!(!dir.exists());
    }
}
