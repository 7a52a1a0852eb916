//! Every `blastsim` command the README and docs/ show is run, so the docs cannot drift from the tool.
//!
//! Taken, from README.md and every docs/*.md: lines of ```sh, ```shell,
//! ```console and ```bash fences that start with `blastsim `, `$ blastsim `
//! or `cargo run --release -- ` (run as `blastsim`), with `\` continuations
//! joined; shell variables a fence assigns (`P='...'`) are set before each
//! later command of that fence; and inline code spans that start with
//! `blastsim `, have an argument after the command and no placeholder (an
//! upper-case word such as `TOPOLOGY`, or `<`, `[`). Unlabelled fences hold
//! usage lines and outputs and are not run.
//!
//! Each command runs with `sh -c` in one scratch directory holding a copy of
//! `topologies/` and the fixtures the docs name. A command shown twice runs
//! once. Commands linked through a file (one writes `--out X` or `> X`, the
//! other names X or a path under it) run in the order of the docs; the
//! others run in parallel on every core. Every command runs, and every
//! failure is reported at the end.
//!
//! So the pass takes a couple of minutes in a debug build, the test cuts the
//! work, never what is parsed, checked or written, by [`cut`] (each run is the
//! same work, there are fewer of them; the test prints every command as it ran it):
//! `--runs N` becomes 1 (a `sweep` without `--runs` gets `--runs 1`),
//! `--budget N` 1, `--morris N` 1; a sweep range's point count `:N` becomes 2
//! and a list of values keeps its first two; a `sensitivity` without
//! `--param` varies only `duration` at the factor 1.1.
//!
//! The examples each command's `--help` ends with run the same way
//! (`help_examples.rs`).
//! A Slurm array task's command runs as every task of the array in turn, and
//! a sweep shown as its first shard (`--shard 1/N --out DIR/1`) as every
//! shard ([`script`]), so the merges shown after them have all their shards. Commands that need systems a test does not have are skipped
//! by [`SKIPPED`].

use crate::support::blastsim;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Commands needing systems a test does not have, by a word they contain, with the reason. Each entry must
/// match a command, so a stale one is noticed.
const SKIPPED: [(&str, &str); 1] = [("/results/", "reads the shared volume of a Kubernetes Indexed Job")];

/// The variable a Slurm array sets to the task's number.
const SLURM_TASK: &str = "$SLURM_ARRAY_TASK_ID";

/// Fixtures, beside `topologies/`, that the docs' commands read.
const FIXTURES: [&str; 2] = ["tests/fixtures/import", "tests/fixtures/blast-diamond.toml"];

/// A command as a document shows it: the shell variables its fence set before it, and the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub vars: String,
    pub line: String,
}

/// The commands of a Markdown text, in order.
pub fn commands(markdown: &str) -> Vec<Shown> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let mut pending = String::new();
    let mut vars = String::new();
    let mut assigning = false;
    // Prose is read a paragraph at a time: an inline span may run across lines.
    let mut paragraph = String::new();
    let inline = |text: &str| inline_commands(text).into_iter().map(|line| Shown { vars: String::new(), line });
    for line in markdown.lines() {
        let trimmed = line.trim();
        if fence.is_none() && (trimmed.is_empty() || trimmed.starts_with("```")) {
            out.extend(inline(&std::mem::take(&mut paragraph)));
        }
        if let Some(lang) = trimmed.strip_prefix("```") {
            fence = if fence.is_some() { None } else { Some(lang.trim().to_string()) };
            pending.clear();
            vars.clear();
            continue;
        }
        match fence.as_deref() {
            Some("sh" | "shell" | "console" | "bash") => {
                if assigning || (pending.is_empty() && is_assignment(trimmed)) {
                    vars.push_str(line);
                    vars.push('\n');
                    assigning = open_quote(&vars);
                    continue;
                }
                let text = if pending.is_empty() { command_start(trimmed) } else { Some(trimmed.to_string()) };
                let Some(text) = text else { continue };
                let text = strip_comment(&text);
                match text.strip_suffix('\\') {
                    Some(head) => pending.push_str(head),
                    None => {
                        pending.push_str(&text);
                        let line = std::mem::take(&mut pending).split_whitespace().collect::<Vec<_>>().join(" ");
                        out.push(Shown { vars: vars.clone(), line });
                    }
                }
            }
            Some(_) => {}
            None => {
                paragraph.push_str(trimmed);
                paragraph.push(' ');
            }
        }
    }
    out.extend(inline(&paragraph));
    out
}

/// Whether a shell text ends inside a single- or double-quoted string.
fn open_quote(text: &str) -> bool {
    let (mut single, mut double) = (false, false);
    for c in text.chars() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
    }
    single || double
}

/// `NAME=...` at the start of a line: a shell variable assignment.
fn is_assignment(line: &str) -> bool {
    line.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

fn command_start(line: &str) -> Option<String> {
    let line = line.strip_prefix("$ ").unwrap_or(line);
    if let Some(rest) = line.strip_prefix("cargo run --release -- ") {
        return Some(format!("blastsim {rest}"));
    }
    line.starts_with("blastsim ").then(|| line.to_string())
}

/// Drops a ` # comment` outside quotes.
pub fn strip_comment(line: &str) -> String {
    let (mut single, mut double) = (false, false);
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && line[..i].ends_with(' ') => return line[..i].trim_end().to_string(),
            _ => {}
        }
    }
    line.trim_end().to_string()
}

/// The runnable `blastsim ...` spans of a prose line.
fn inline_commands(line: &str) -> Vec<String> {
    let placeholder = |word: &str| {
        word.contains(['<', '['])
            || word.chars().any(|c| c.is_ascii_uppercase())
                && !word.chars().any(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    line.split('`')
        .skip(1)
        .step_by(2)
        .map(|span| span.split_whitespace().collect::<Vec<_>>())
        .filter(|words| words.len() >= 3 && words[0] == "blastsim" && !words.iter().any(|w| placeholder(w)))
        .map(|words| words.join(" "))
        .collect()
}

/// The shell text the test runs for a command: its fence's variables, then the command with its cuts; a
/// Slurm array task's command (it reads `$SLURM_ARRAY_TASK_ID`) runs as every task of its array, one after
/// the other, the array's size read from `--shard "$SLURM_ARRAY_TASK_ID/N"`; a sweep shown as its first
/// shard runs as every shard ([`every_shard`]).
pub fn script(shown: &Shown) -> String {
    let line = cut(&shown.line);
    let Some(at) = line.find(&format!("{SLURM_TASK}/")) else { return format!("{}{}", shown.vars, every_shard(&line)) };
    let tasks: String = line[at + SLURM_TASK.len() + 1..].chars().take_while(char::is_ascii_digit).collect();
    let var = &SLURM_TASK[1..];
    format!("{}for {var} in $(seq 1 {tasks}); do {line} || exit 1; done", shown.vars)
}

/// The command line as the test runs it: the cuts of the module's documentation.
pub fn cut(line: &str) -> String {
    let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
    for i in 1..words.len() {
        let value = match words[i - 1].as_str() {
            "--runs" | "--morris" => "1".to_string(),
            "--budget" => "1".to_string(),
            "--factors" => "1.1".to_string(),
            "--param" if words[1] == "sweep" => fewer_points(&words[i]),
            _ => continue,
        };
        words[i] = value;
    }
    if words.get(1).is_some_and(|w| w == "sweep") && !words.iter().any(|w| w == "--runs") {
        words.extend(["--runs", "1"].map(String::from));
    }
    if words.get(1).is_some_and(|w| w == "sensitivity") && !words.iter().any(|w| w == "--param") {
        words.extend(["--param", "duration"].map(String::from));
        if !words.iter().any(|w| w == "--factors") {
            words.extend(["--factors", "1.1"].map(String::from));
        }
    }
    words.join(" ")
}

/// A sweep's `KEY=RANGE` with at most two points: `A..B:N` becomes `A..B:2`, `V1,V2,V3` becomes `V1,V2`.
fn fewer_points(param: &str) -> String {
    let Some((key, range)) = param.split_once('=') else { return param.to_string() };
    let quote = if range.ends_with(['\'', '"']) { &range[range.len() - 1..] } else { "" };
    let body = &range[..range.len() - quote.len()];
    let body = if body.contains("..") {
        let mut parts: Vec<&str> = body.split(':').collect();
        match parts.get(1) {
            Some(n) if n.chars().all(|c| c.is_ascii_digit()) => {
                parts[1] = "2";
                parts.join(":")
            }
            _ => body.to_string(),
        }
    } else {
        body.split(',').take(2).collect::<Vec<_>>().join(",")
    };
    format!("{key}={body}{quote}")
}

/// The paths a command writes: the word after `--out` or `>`.
fn outputs(line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split(' ').collect();
    words.windows(2).filter(|w| w[0] == "--out" || w[0] == ">").map(|w| path_word(w[1])).collect()
}

fn path_word(word: &str) -> String {
    word.trim_matches(['\'', '"']).trim_end_matches(['/', '*']).to_string()
}

/// Whether `path` is `dir` or lies under it.
fn under(path: &str, dir: &str) -> bool {
    path == dir || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether `later` must run after `earlier`: it names what `earlier` writes, or writes there too.
fn linked(earlier: &Shown, later: &Shown) -> bool {
    let written = outputs(&earlier.line);
    let full = format!("{} {}", later.vars, later.line);
    full.split_whitespace().map(path_word).any(|word| written.iter().any(|out| under(&word, out) || under(out, &word)))
}

/// The commands split into chains that share no file: each chain in the order of the docs.
fn chains(shown: &[Shown]) -> Vec<Vec<usize>> {
    let mut group: Vec<usize> = (0..shown.len()).collect();
    fn root(group: &mut [usize], mut i: usize) -> usize {
        while group[i] != i {
            i = group[i];
        }
        i
    }
    for later in 0..shown.len() {
        for earlier in 0..later {
            if linked(&shown[earlier], &shown[later]) {
                let (a, b) = (root(&mut group, earlier), root(&mut group, later));
                group[a.max(b)] = a.min(b);
            }
        }
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut index = std::collections::BTreeMap::new();
    for i in 0..shown.len() {
        let r = root(&mut group, i);
        let slot = *index.entry(r).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[slot].push(i);
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, dest).unwrap();
        }
    }
}

fn bin_dir() -> PathBuf {
    let program = blastsim().get_program().to_owned();
    Path::new(&program).parent().expect("the binary has a directory").to_path_buf()
}

/// A scratch directory holding a copy of `topologies/` and of the fixtures the docs name.
pub fn scratch(root: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root.join("topologies"), &tmp.path().join("topologies"));
    for fixture in FIXTURES {
        let (from, to) = (root.join(fixture), tmp.path().join(fixture));
        if from.is_dir() {
            copy_dir(&from, &to);
        } else {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(from, to).unwrap();
        }
    }
    tmp
}

/// README.md and every docs/*.md, README first.
fn documents(root: &Path) -> Vec<String> {
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| format!("docs/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    docs.sort();
    docs.insert(0, "README.md".into());
    docs
}

#[test]
fn extraction_finds_fenced_continued_and_inline_commands() {
    let md = "text `blastsim run topologies/a.toml`, `blastsim run` and `blastsim run TOPOLOGY --runs N`\n\
              or `blastsim graph --format\nmermaid --report r.json`\n\n\
              ```sh\n$ blastsim check topologies/a.toml   # checks\ncargo test\n\
              cargo run --release -- sweep topologies/a.toml \\\n  --param 'k=1..2' --runs 10\n\
              P='--param a=1..2\n   --param b=3..4'\nblastsim fit t.toml $P\n```\n\
              ```bash\nblastsim merge shards/*\n```\n```\nblastsim run x.toml\n```\n";
    let shown = commands(md);
    let lines: Vec<&str> = shown.iter().map(|s| s.line.as_str()).collect();
    assert_eq!(
        lines,
        [
            "blastsim run topologies/a.toml",
            "blastsim graph --format mermaid --report r.json",
            "blastsim check topologies/a.toml",
            "blastsim sweep topologies/a.toml --param 'k=1..2' --runs 10",
            "blastsim fit t.toml $P",
            "blastsim merge shards/*",
        ]
    );
    assert_eq!(shown[4].vars, "P='--param a=1..2\n   --param b=3..4'\n");
    let double = commands("```sh\nK=t.toml\nP=\"--param a=1..2\n  --param b=3..4\"\nblastsim fit $K $P\n```\n");
    assert_eq!(double[0].vars, "K=t.toml\nP=\"--param a=1..2\n  --param b=3..4\"\n");
    assert!(shown.iter().filter(|s| s.line != "blastsim fit t.toml $P").all(|s| s.vars.is_empty()));
}

#[test]
fn cuts_are_the_documented_ones() {
    assert_eq!(cut("blastsim compare t --runs 10 --out o"), "blastsim compare t --runs 1 --out o");
    assert_eq!(cut("blastsim fit t $P --budget 200 --out o"), "blastsim fit t $P --budget 1 --out o");
    assert_eq!(
        cut("blastsim sweep t --param 'a=100/h..600/h:11' --param 'b=50,100,200,400' --param c=1..3:5:log"),
        "blastsim sweep t --param 'a=100/h..600/h:2' --param 'b=50,100' --param c=1..3:2:log --runs 1"
    );
    assert_eq!(
        cut("blastsim sensitivity t --morris 2 --out o"),
        "blastsim sensitivity t --morris 1 --out o --param duration --factors 1.1"
    );
    assert_eq!(cut("blastsim sensitivity t --param k"), "blastsim sensitivity t --param k");
    assert_eq!(cut("blastsim run t --set 'duration=\"40h\"'"), "blastsim run t --set 'duration=\"40h\"'");
}

#[test]
fn a_slurm_task_runs_as_every_task_of_its_array() {
    let task = Shown {
        vars: String::new(),
        line: "blastsim sweep t --runs 200 --shard \"$SLURM_ARRAY_TASK_ID/16\" --out \"shards/$SLURM_ARRAY_TASK_ID\""
            .into(),
    };
    assert_eq!(
        script(&task),
        "for SLURM_ARRAY_TASK_ID in $(seq 1 16); do blastsim sweep t --runs 1 --shard \"$SLURM_ARRAY_TASK_ID/16\" \
         --out \"shards/$SLURM_ARRAY_TASK_ID\" || exit 1; done"
    );
    let merge = Shown { vars: String::new(), line: "blastsim merge --out results shards/*".into() };
    assert!(linked(&task, &merge));
}

#[test]
fn commands_sharing_a_file_run_in_order_and_the_rest_apart() {
    let shown: Vec<Shown> = [
        "blastsim run k.toml --out out/kinesis",
        "blastsim run t.toml --out out/three-tier",
        "blastsim graph k.toml --report out/kinesis/report.json",
        "blastsim generate --out big.toml",
        "blastsim run big.toml",
        "blastsim sweep k.toml --out out/rate",
        "blastsim sweep k.toml --out out/rate",
    ]
    .map(|line| Shown { vars: String::new(), line: line.into() })
    .into();
    assert_eq!(chains(&shown), [vec![0, 2], vec![1], vec![3, 4], vec![5, 6]]);
}

#[test]
fn every_command_in_the_docs_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = scratch(root);
    let mut shown: Vec<(String, Shown)> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut unused: BTreeSet<&str> = SKIPPED.iter().map(|(word, _)| *word).collect();
    for doc in documents(root) {
        let text = std::fs::read_to_string(root.join(&doc)).unwrap();
        for command in commands(&text) {
            let full = format!("{}{}", command.vars, command.line);
            if let Some((word, why)) = SKIPPED.iter().find(|(word, _)| full.contains(word)) {
                println!("skipped  {doc}: `{}` ({why})", command.line);
                unused.remove(word);
            } else if seen.insert(full) {
                shown.push((doc.clone(), command));
            }
        }
    }
    assert!(unused.is_empty(), "skip entries that match no command (drop them): {unused:?}");
    assert!(shown.len() >= 30, "only {} commands found: the extraction lost some", shown.len());

    run_all(tmp.path(), &shown);
}

/// Runs every command in `dir`, the chains that share no file in parallel; fails listing every failure.
pub fn run_all(dir: &Path, shown: &[(String, Shown)]) {
    let commands: Vec<Shown> = shown.iter().map(|(_, c)| c.clone()).collect();
    let queue = Mutex::new(chains(&commands).into_iter());
    let failures = Mutex::new(Vec::new());
    let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(chain) = queue.lock().unwrap().next() {
                    for i in chain {
                        let (doc, command) = &shown[i];
                        let run = script(command);
                        let clock = Instant::now();
                        let out = std::process::Command::new("sh")
                            .args(["-c", &run])
                            .current_dir(dir)
                            .env("PATH", &path)
                            .output()
                            .unwrap();
                        let took = clock.elapsed();
                        println!("{:>6.1} s  {doc}: `{}`", took.as_secs_f64(), run.replace('\n', " "));
                        if !out.status.success() {
                            failures.lock().unwrap().push(failure(doc, &command.line, &run, &out, took));
                        }
                    }
                }
            });
        }
    });
    println!("{} commands in {:.1} s on {threads} threads", shown.len(), started.elapsed().as_secs_f64());
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} of {} commands failed:\n\n{}", failures.len(), shown.len(), failures.join("\n\n"));
}

fn failure(doc: &str, line: &str, run: &str, out: &std::process::Output, took: Duration) -> String {
    format!(
        "{doc}: `{line}` (run as `{run}`) exited {:?} after {:.1} s\n{}",
        out.status.code(),
        took.as_secs_f64(),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A sharded sweep example (`--shard 1/N --out DIR/1`) as every shard of it, as the merge examples expect.
pub fn every_shard(example: &str) -> String {
    let Some(at) = example.find("--shard 1/") else { return example.to_string() };
    let shards: String = example[at + 10..].chars().take_while(char::is_ascii_digit).collect();
    let line = example.replace("--shard 1/", "--shard $k/").replace("/1 ", "/$k ");
    let line = line.strip_suffix("/1").map_or(line.clone(), |head| format!("{head}/$k"));
    format!("for k in $(seq 1 {shards}); do {line} || exit 1; done")
}
