//! Inputs the fuzz targets (fuzz/) found to crash, replayed through the CLI: each must now be refused with exit 2.

use crate::support::{SMALL, blastsim, write};

/// Runs `blastsim check bad.toml ARGS` on `text`; asserts a clean refusal (exit 2, no panic) and returns stderr.
fn refused(text: &str, args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "bad.toml", text);
    let out = blastsim().current_dir(tmp.path()).args(["check", "bad.toml"]).args(args).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_start_clock_with_a_multi_byte_character_is_refused() {
    // Byte 8 of the time of day fell inside `겲` and slicing there panicked (exit 101).
    let bad = "2020-11-25T02:00:0\u{ac32}Z";
    let in_file =
        refused(&SMALL.replacen("duration = \"1h\"", &format!("duration = \"1h\"\nstart = \"{bad}\""), 1), &[]);
    assert!(in_file.contains("is not a start clock"), "{in_file}");
    let by_set = refused(SMALL, &["--set", &format!("start=\"{bad}\"")]);
    assert!(by_set.contains("is not a start clock"), "{by_set}");
}
