//! Every example that a command's `--help` ends with is run, as the docs' commands are (`readme.rs`).
//!
//! The examples are read from the help the binary prints (so one that the
//! help wraps mid-command fails), run with the same cuts in a scratch
//! directory of their own; a sharded sweep shown as its first shard runs as
//! every shard, so the merge examples have all their shards; what an example
//! installs outside the repository goes to `/dev/null` ([`contained`]).

use crate::readme::{Shown, every_shard, run_all, scratch};
use crate::support::blastsim;
use std::collections::BTreeSet;
use std::path::Path;

/// Help examples skipped, by a word they contain, with the reason (each must match an example).
const HELP_SKIPPED: [(&str, &str); 2] = [
    ("| dot", "needs Graphviz, which is not a dependency"),
    ("fit-shards/", "merges the shards of a sharded `fit`, which no help example writes"),
];

/// An example as the test runs it: what it installs outside the repository
/// (`> /etc/...`, `> ~/...`, `> "${fpath[1]}/..."`) goes to `/dev/null`, and
/// what follows `&&` (`man ./blastsim.1`, a reader's next step) is left out.
pub fn contained(example: &str) -> String {
    let line = example.split(" && ").next().unwrap_or(example);
    match line.split_once(" > ") {
        Some((head, target)) if target.starts_with(['/', '~', '"', '$']) => format!("{head} > /dev/null"),
        _ => line.to_string(),
    }
}

/// The examples that `blastsim COMMAND --help` ends with, with `\` continuations joined.
pub fn help_examples(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in help.lines().skip_while(|l| l.trim() != "Examples:").skip(1) {
        let text = line.trim();
        if pending.is_empty() && !text.starts_with("blastsim ") {
            continue;
        }
        match text.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(&crate::readme::strip_comment(text));
                out.push(std::mem::take(&mut pending).split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
    }
    out
}

#[test]
fn help_examples_are_read_whole() {
    let help = "Usage: x\n\nExamples:\n  blastsim run a.toml\n  blastsim sweep a.toml \\\n      --param 'k=1..2' --shard 1/4 --out shards/1\n";
    let examples = help_examples(help);
    assert_eq!(examples, ["blastsim run a.toml", "blastsim sweep a.toml --param 'k=1..2' --shard 1/4 --out shards/1"]);
    assert_eq!(
        every_shard(&examples[1]),
        "for k in $(seq 1 4); do blastsim sweep a.toml --param 'k=1..2' --shard $k/4 --out shards/$k || exit 1; done"
    );
}

#[test]
fn examples_install_nothing_outside_the_scratch_directory() {
    assert_eq!(
        contained("blastsim completions bash > /etc/bash_completion.d/blastsim"),
        "blastsim completions bash > /dev/null"
    );
    assert_eq!(
        contained("blastsim completions zsh > \"${fpath[1]}/_blastsim\""),
        "blastsim completions zsh > /dev/null"
    );
    assert_eq!(contained("blastsim completions fish > ~/.config/fish/x.fish"), "blastsim completions fish > /dev/null");
    assert_eq!(contained("blastsim man > blastsim.1 && man ./blastsim.1"), "blastsim man > blastsim.1");
    assert_eq!(contained("blastsim graph t.toml > g.dot"), "blastsim graph t.toml > g.dot");
}

#[test]
fn every_example_in_the_help_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = scratch(root);
    let stdout = |args: &[&str]| {
        let out = blastsim().args(args).output().unwrap();
        assert!(out.status.success(), "blastsim {args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let top = stdout(&["--help"]);
    let names: Vec<String> = top
        .lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    let mut shown = Vec::new();
    let mut unused: BTreeSet<&str> = HELP_SKIPPED.iter().map(|(word, _)| *word).collect();
    for name in &names {
        for example in help_examples(&stdout(&[name, "--help"])) {
            if let Some((word, why)) = HELP_SKIPPED.iter().find(|(word, _)| example.contains(word)) {
                println!("skipped  `{example}` ({why})");
                unused.remove(word);
                continue;
            }
            let line = contained(&example);
            shown.push((format!("blastsim {name} --help"), Shown { vars: String::new(), line }));
        }
    }
    assert!(unused.is_empty(), "skip entries that match no example (drop them): {unused:?}");
    assert!(shown.len() >= 12, "only {} examples found: the extraction lost some", shown.len());
    run_all(tmp.path(), &shown);
}
