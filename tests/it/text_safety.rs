//! Text is safe to show: control characters in a topology are refused, and no message, table or
//! graph sends one raw to the terminal, whether it came from the file or the command line.

use crate::support::{SMALL, blastsim, write};

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.chars().any(blastsim::text::is_unsafe), "{what} holds a raw control character: {text:?}");
}

/// Runs blastsim in a temp dir holding `bad.toml` = `text`; returns (exit code, stdout, stderr).
fn run(text: &[u8], args: &[&str]) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bad.toml"), text).unwrap();
    write(tmp.path(), "small.toml", SMALL);
    let out = blastsim().current_dir(tmp.path()).args(args).output().unwrap();
    (out.status.code(), out.stdout, out.stderr)
}

#[test]
fn control_characters_in_every_text_field_are_refused_and_shown_escaped() {
    let evil = "name = \"evil\\u001b]0;owned\\u0007\"\ndescription = \"wipe\\u001b[2J\"\nduration = \"1h\"\n\
                [services.\"a\\u0000b\"]\ninstances = 1\ncapacity = \"1/s\"\n\
                [[scenario]]\nat = \"+1m\"\naction = \"crash\"\nservice = \"a\\u0000b\"\nnote = \"\\u009b31m\"\n\
                [variants.\"v\\u001b\"]\ndescription = \"x\"\n";
    let (code, stdout, stderr) = run(evil.as_bytes(), &["check", "bad.toml"]);
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert_clean("stderr", &stderr);
    let stderr = String::from_utf8(stderr).unwrap();
    for key in [
        "`name`",
        "`description`",
        "`services.a\u{2400}b`",
        "`scenario.0.service`",
        "`scenario.0.note`",
        "`variants.v\u{241b}`",
    ] {
        assert!(stderr.contains(&format!("{key}: ")), "{key} is named: {stderr}");
    }
    assert!(
        stderr.contains("found U+001B") && stderr.contains("found U+0000") && stderr.contains("found U+009B"),
        "{stderr}"
    );
}

#[test]
fn raw_control_bytes_in_the_file_are_not_echoed() {
    // TOML itself refuses a raw ESC: the syntax error shows the line, with the ESC as a stand-in.
    let (code, _, stderr) = run(b"duration = \"1h\"\nname = \"x\x1b[2J\"\n", &["check", "bad.toml"]);
    assert_eq!(code, Some(2));
    assert_clean("stderr", &stderr);
    assert!(String::from_utf8_lossy(&stderr).contains("\u{241b}[2J"), "{}", String::from_utf8_lossy(&stderr));
}

#[test]
fn control_characters_from_the_command_line_are_not_echoed() {
    for args in [
        vec!["run", "small.toml", "--variant", "\u{1b}[2J"],
        vec!["run", "small.toml", "--set", "services.\u{1b}]0;t\u{7}.queue=1"],
        vec!["run", "small.toml", "--set", "services.db.queue=\"\u{1b}[2J\""],
        vec!["run", "small.toml", "--format", "\u{1b}[2J"],
        vec!["run", "\u{1b}[2J.toml"],
        vec!["run", "small.toml", "--seed", "\u{1b}[2J"],
    ] {
        let (code, stdout, stderr) = run(b"", &args);
        assert_eq!(code, Some(2), "{args:?}");
        assert!(stdout.is_empty(), "{args:?}");
        assert_clean(&format!("stderr of {args:?}"), &stderr);
        assert!(!stderr.is_empty(), "{args:?}");
    }
}
