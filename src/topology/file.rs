//! Reading input files: only regular files, of bounded size, so a FIFO or `/dev/zero` cannot hang or fill memory.

use super::TopologyError;
use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// The largest topology file read [bytes]: 64 MiB, far above any hand-written or generated topology.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the topology at `path` as UTF-8 text: a regular file of at most [`MAX_BYTES`].
pub fn read(path: &Path) -> Result<String, TopologyError> {
    read_regular(path, MAX_BYTES).map_err(|source| {
        let fix = match source.kind() {
            ErrorKind::NotFound => {
                "check the path; topologies are TOML files like `topologies/three-tier-slow-db.toml`"
            }
            ErrorKind::PermissionDenied => "make the file readable, or copy it somewhere you can read",
            ErrorKind::InvalidData => "a topology is UTF-8 text; save the file as UTF-8",
            ErrorKind::InvalidInput => "give the path of a TOML file; topologies are read only from regular files",
            ErrorKind::FileTooLarge => "check the path: a topology is a TOML text file of at most 64 MiB",
            _ => "check that the path names a readable TOML file",
        };
        TopologyError::Unreadable { path: path.to_path_buf(), source, fix: fix.to_string() }
    })
}

/// Reads the regular file at `path` as UTF-8 text, refusing one over `max` bytes.
///
/// Looks at the file's type before opening it (opening a FIFO blocks until a writer comes) and
/// refuses anything but a regular file (`InvalidInput`); reads at most `max` + 1 bytes whatever
/// the file claims, and refuses more (`FileTooLarge`); text that is not UTF-8 is `InvalidData`.
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let what = kind_of(&meta.file_type());
        return Err(Error::new(ErrorKind::InvalidInput, format!("not a regular file ({what})")));
    }
    if meta.len() > max {
        return Err(too_large(meta.len(), max));
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64, max));
    }
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
}

fn too_large(len: u64, max: u64) -> Error {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    // A file read through the bounded reader (its size unknown beforehand) stops one byte past the limit.
    let size = if len > max + 1 { format!(" ({:.1} MiB)", mib(len)) } else { String::new() };
    Error::new(ErrorKind::FileTooLarge, format!("the file is larger than the {:.0} MiB limit{size}", mib(max)))
}

fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() { "a directory" } else { "not a file" }
}
