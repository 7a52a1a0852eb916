//! Reading a topology file: only regular files, at most [`MAX_BYTES`], so a FIFO or `/dev/zero` cannot hang or fill memory.

use super::TopologyError;
use std::io::Read;
use std::path::Path;

/// The largest topology file read [bytes]: 64 MiB, far above any hand-written or generated topology.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the topology at `path` as UTF-8 text.
///
/// Looks at the file's type before opening it (opening a FIFO blocks until a writer comes), refuses
/// anything but a regular file, and reads at most [`MAX_BYTES`] + 1 bytes whatever the file claims.
pub fn read(path: &Path) -> Result<String, TopologyError> {
    let meta = std::fs::metadata(path).map_err(|e| unreadable(path, e))?;
    if !meta.is_file() {
        let what = kind_of(&meta.file_type());
        let err = std::io::Error::other(format!("not a regular file ({what})"));
        return Err(TopologyError::Unreadable {
            path: path.to_path_buf(),
            source: err,
            fix: "give the path of a TOML file; topologies are read only from regular files".to_string(),
        });
    }
    if meta.len() > MAX_BYTES {
        return Err(too_large(path, meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(|e| unreadable(path, e))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large(path, bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|_| {
        unreadable(path, std::io::Error::new(std::io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
    })
}

fn too_large(path: &Path, len: u64) -> TopologyError {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    // A file read through the bounded reader (its size unknown beforehand) stops one byte past the limit.
    let size = if len > MAX_BYTES + 1 { format!(" ({:.1} MiB)", mib(len)) } else { String::new() };
    TopologyError::Unreadable {
        path: path.to_path_buf(),
        source: std::io::Error::other(format!(
            "the file is larger than the {:.0} MiB limit for topologies{size}",
            mib(MAX_BYTES)
        )),
        fix: "check the path: a topology is a TOML text file of at most 64 MiB".to_string(),
    }
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

fn unreadable(path: &Path, source: std::io::Error) -> TopologyError {
    let fix = match source.kind() {
        std::io::ErrorKind::NotFound => {
            "check the path; topologies are TOML files like `topologies/three-tier-slow-db.toml`"
        }
        std::io::ErrorKind::PermissionDenied => "make the file readable, or copy it somewhere you can read",
        std::io::ErrorKind::InvalidData => "a topology is UTF-8 text; save the file as UTF-8",
        _ => "check that the path names a readable TOML file",
    };
    TopologyError::Unreadable { path: path.to_path_buf(), source, fix: fix.to_string() }
}
