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
    #[error(
        "cannot replace {}: {source}; no output file was changed (check that you own every file there, or choose another output directory)",
        path.display()
    )]
    Replace { path: PathBuf, source: io::Error },
    #[error(
        "cannot replace {}: {source}; and putting the old files back failed too ({restore}): the old files are in {}",
        path.display(),
        kept.display()
    )]
    RollbackFailed { path: PathBuf, source: io::Error, restore: String, kept: PathBuf },
}

/// Writes `files` (name, contents) into `dir`, creating it when missing.
///
/// All or nothing: every file is written in full into a fresh, uniquely named
/// staging directory inside `dir` (`.blastsim-out-XXXXXX`, so on the same
/// file system), then swapped in: each existing output is renamed aside into
/// the staging directory and the new one renamed into its place. When any
/// step fails (bad name, unwritable directory, disk full, an old file that
/// cannot be moved), every step already taken is undone, so `dir` holds
/// exactly the old files again, and the error says so. Files of `dir` that
/// are not among the outputs are never touched. During the swap (a few
/// renames) a reader may see an output missing; a process killed during it
/// may leave a mix, with the old files kept in the staging directory.
pub fn write_outputs(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), WriteError> {
    check_names(files)?;
    fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir { path: dir.to_path_buf(), source })?;
    for (name, _) in files {
        let path = dir.join(name);
        if path.is_dir() {
            return Err(WriteError::TargetIsDir { path });
        }
    }
    stage(dir, files)?.swap()
}

/// New files written in full into a staging directory, not yet in place.
struct Staged {
    stage: tempfile::TempDir,
    /// (staged new file, target, where the old target goes).
    moves: Vec<(PathBuf, PathBuf, PathBuf)>,
}

fn stage(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<Staged, WriteError> {
    let stage = tempfile::Builder::new()
        .prefix(".blastsim-out-")
        .tempdir_in(dir)
        .map_err(|source| WriteError::Write { path: dir.join(".blastsim-out-*"), source })?;
    let old = stage.path().join("old");
    fs::create_dir(&old).map_err(|source| WriteError::Write { path: old.clone(), source })?;
    let mut moves = Vec::with_capacity(files.len());
    for (name, contents) in files {
        let temp = stage.path().join(name);
        write_file(&temp, contents).map_err(|source| WriteError::Write { path: temp.clone(), source })?;
        moves.push((temp, dir.join(name), old.join(name)));
    }
    Ok(Staged { stage, moves })
}

/// One step of the swap, undone in reverse order on failure.
enum Step {
    MovedAside(usize),
    Placed(usize),
}

impl Staged {
    /// Moves every old output aside and every new one into place; on the
    /// first failure, undoes what was done.
    fn swap(self) -> Result<(), WriteError> {
        let mut done: Vec<Step> = Vec::with_capacity(2 * self.moves.len());
        for (i, (temp, target, aside)) in self.moves.iter().enumerate() {
            let result = match fs::symlink_metadata(target) {
                // A directory is never moved aside: renaming a file over it fails.
                Ok(meta) if !meta.is_dir() => fs::rename(target, aside).map(|()| done.push(Step::MovedAside(i))),
                Ok(_) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e),
            }
            .and_then(|()| fs::rename(temp, target).map(|()| done.push(Step::Placed(i))));
            if let Err(source) = result {
                let target = target.clone();
                return Err(self.undo(done, target, source));
            }
        }
        if let Some(dir) = self.moves.first().and_then(|(_, t, _)| t.parent()) {
            let _ = fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }

    fn undo(self, done: Vec<Step>, path: PathBuf, source: io::Error) -> WriteError {
        let mut failures = Vec::new();
        for step in done.into_iter().rev() {
            let (temp, target, aside) = &self.moves[match step {
                Step::MovedAside(i) | Step::Placed(i) => i,
            }];
            let (from, to) = match step {
                Step::Placed(_) => (target, temp),
                Step::MovedAside(_) => (aside, target),
            };
            if let Err(e) = fs::rename(from, to) {
                failures.push(format!("{} -> {}: {e}", from.display(), to.display()));
            }
        }
        if failures.is_empty() {
            return WriteError::Replace { path, source };
        }
        // Keep the staging directory: it holds the old files that could not go back.
        let kept = self.stage.keep();
        WriteError::RollbackFailed { path, source, restore: failures.join("; "), kept }
    }
}

fn check_names(files: &[(&str, Vec<u8>)]) -> Result<(), WriteError> {
    for (i, (name, _)) in files.iter().enumerate() {
        let plain = !name.is_empty()
            && *name != "."
            && *name != ".."
            && *name != "old"
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

fn write_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests;
