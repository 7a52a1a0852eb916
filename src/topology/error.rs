//! Errors of the topology layer: every one means bad input, located in the source when possible.

use super::keypath::ToPath;
use super::locate::{Locator, Target, line_col};
use super::source::IndexedText;
use super::suggest::{did_you_mean, list};
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use std::ops::Range;
use std::path::PathBuf;
use thiserror::Error;

/// Why a topology could not be loaded. Every variant is bad input (exit code 2).
#[derive(Debug, Error, Diagnostic)]
pub enum TopologyError {
    /// The file could not be read.
    #[error("cannot read topology `{}`", path.display())]
    #[diagnostic(code(topology::unreadable), help("{fix}"))]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
        fix: String,
    },

    /// The text is not TOML, or a key or value type is wrong (the parser stops at the first).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(Box<SyntaxError>),

    /// The topology parsed but some values are wrong; all problems are listed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidTopology>),

    /// A `--set` override (or a variant's `set`) could not be applied.
    #[error("{flag} `{key}`: {message}")]
    #[diagnostic(code(topology::bad_set))]
    BadSet {
        /// Where the override came from: `--set` or `variant `x``.
        flag: String,
        key: String,
        message: String,
        #[help]
        help: Option<String>,
    },

    /// `check` found problems in more than one run of the topology (the baseline, its variants).
    #[error("`{name}`: {}", several(errors.len()))]
    #[diagnostic(
        code(topology::check),
        help("a variant is the baseline with its `set` applied: each problem is listed under the run it was found in")
    )]
    Several {
        name: String,
        #[related]
        errors: Vec<TopologyError>,
    },

    /// `--variant` names a variant the topology does not define.
    #[error("unknown variant `{name}`; the topology defines {}", list(variants))]
    #[diagnostic(code(topology::unknown_variant), help("{}", variant_help(name, variants)))]
    UnknownVariant { name: String, variants: Vec<String> },
}

/// A TOML syntax, unknown-key or type error, located in the source.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(topology::syntax))]
pub struct SyntaxError {
    pub message: String,
    /// The dotted key path, when known.
    pub key: Option<String>,
    #[help]
    pub help: Option<String>,
    #[source_code]
    pub src: NamedSource<IndexedText>,
    #[label(collection)]
    pub labels: Vec<LabeledSpan>,
    /// 1-based line and column of the problem.
    pub location: Option<(usize, usize)>,
}

/// All the problems of a topology that parsed.
#[derive(Debug, Error, Diagnostic)]
#[error("invalid topology `{name}`: {}", count(problems.len()))]
#[diagnostic(code(topology::invalid))]
pub struct InvalidTopology {
    /// The source name (with a note when overrides were applied).
    pub name: String,
    #[source_code]
    pub src: NamedSource<IndexedText>,
    #[related]
    pub problems: Vec<Problem>,
}

fn several(n: usize) -> String {
    format!("{n} of its runs (the baseline and each variant) have problems")
}

fn count(n: usize) -> String {
    if n == 1 { "1 problem".to_string() } else { format!("{n} problems") }
}

fn variant_help(name: &str, variants: &[String]) -> String {
    if variants.is_empty() {
        return "add a `[variants.NAME]` table to the topology, or run without `--variant`".to_string();
    }
    let guess = did_you_mean(name, variants);
    let guess = guess.trim_start_matches("; ");
    let guess = if guess.is_empty() { String::new() } else { format!("{guess} ") };
    format!("{guess}use `--variant` with one of {}", list(variants))
}

/// One located problem of an invalid topology.
#[derive(Debug, Clone, Error, Diagnostic)]
#[error("{}{message}", key.as_ref().map(|k| format!("`{k}`: ")).unwrap_or_default())]
pub struct Problem {
    /// The dotted key path the problem is about.
    pub key: Option<String>,
    pub message: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
    #[label(collection)]
    pub labels: Vec<LabeledSpan>,
    /// 1-based line and column of the problem.
    pub location: Option<(usize, usize)>,
}

/// A problem found by validation, located by key path; spans are resolved at the end.
#[derive(Debug, Clone)]
pub struct Issue {
    /// Key path segments; numbers index arrays.
    pub path: Vec<String>,
    pub target: Target,
    pub message: String,
    pub help: Option<String>,
}

impl Issue {
    pub fn at(path: &(impl ToPath + ?Sized), message: impl Into<String>) -> Issue {
        Issue { path: path.to_path(), target: Target::Value, message: message.into(), help: None }
    }

    pub fn at_key(path: &(impl ToPath + ?Sized), message: impl Into<String>) -> Issue {
        Issue { target: Target::Key, ..Issue::at(path, message) }
    }

    pub fn help(mut self, help: impl Into<String>) -> Issue {
        self.help = Some(help.into());
        self
    }

    fn resolve(self, text: &IndexedText, locator: &Locator) -> Problem {
        let span = locator.span(&self.path, self.target);
        let key = (!self.path.is_empty()).then(|| dotted(&self.path));
        Problem {
            key,
            message: self.message,
            help: self.help,
            location: span.as_ref().map(|s| text.line_col(s.start)),
            labels: span
                .map(|s| vec![LabeledSpan::new_with_span(Some("here".into()), to_source_span(s))])
                .unwrap_or_default(),
        }
    }
}

/// Joins path segments as a dotted key, quoting segments that hold dots.
pub fn dotted(path: &(impl ToPath + ?Sized)) -> String {
    let segs: Vec<String> =
        path.to_path().iter().map(|s| if s.contains('.') { format!("\"{s}\"") } else { s.clone() }).collect();
    segs.join(".")
}

fn to_source_span(range: Range<usize>) -> SourceSpan {
    SourceSpan::new(range.start.into(), range.end - range.start)
}

/// Builds the `Invalid` error from the issues found in `text`.
pub fn invalid(name: &str, text: &str, issues: Vec<Issue>) -> TopologyError {
    let locator = Locator::new(text);
    let indexed = IndexedText::new(text);
    let problems = issues.into_iter().map(|i| i.resolve(&indexed, &locator)).collect();
    TopologyError::Invalid(Box::new(InvalidTopology {
        name: name.to_string(),
        src: NamedSource::new(name, indexed),
        problems,
    }))
}

/// Turns a parse or type error of the `toml` crate into a located, readable error.
pub fn from_toml(name: &str, text: &str, err: &toml::de::Error) -> TopologyError {
    let span = err.span();
    let (mut message, mut help) = rewrite_message(err.message().trim());
    if message == "duplicate key"
        && let Some(name) = span.as_ref().and_then(|s| text.get(s.clone())).map(str::trim).filter(|n| !n.is_empty())
    {
        message = format!("duplicate key `{name}`");
        help = Some(format!("a key is written once per table; keep one `{name}` and remove the other"));
    }
    let locator = Locator::new(text);
    let key = span.as_ref().and_then(|s| locator.key_at(s.clone())).map(|p| dotted(&p));
    let label = if message.starts_with("unknown key") { "unknown key" } else { "here" };
    TopologyError::Syntax(Box::new(SyntaxError {
        message,
        key,
        help,
        src: NamedSource::new(name, IndexedText::new(text)),
        location: span.as_ref().map(|s| line_col(text, s.start)),
        labels: span
            .map(|s| vec![LabeledSpan::new_with_span(Some(label.into()), to_source_span(s))])
            .unwrap_or_default(),
    }))
}

/// Rewrites serde's wording into the tool's: the nearest valid key for an unknown
/// one, and "expected X, found Y" for a wrong type.
pub fn rewrite_message(message: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let valid: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let guess = did_you_mean(field, &valid);
        let help = if valid.is_empty() {
            "this table takes no keys; remove it".to_string()
        } else {
            format!("valid keys here: {}", list(&valid))
        };
        return (format!("unknown key `{field}`{guess}"), Some(help));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let found = found.replace('`', "");
        let expected = match expected {
            "i64" | "u32" | "u64" | "i32" => "an integer",
            "f64" => "a number",
            "a boolean" | "bool" => "true or false",
            "a sequence" => "an array",
            "map" => "a table",
            other => table_kind(other).unwrap_or(other),
        };
        return (format!("expected {expected}, found {found}"), None);
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (word, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let valid: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let guess = did_you_mean(word, &valid);
        return (format!("unknown value `{word}`{guess}"), Some(format!("use one of {}", list(&valid))));
    }
    (scrub(message), None)
}

/// What the table read into an internal `struct RawX` is, in the format's words.
fn table_kind(expected: &str) -> Option<&'static str> {
    let name = expected.strip_prefix("struct ")?;
    Some(match name {
        "RawService" => "a service table like `[services.api]` with `instances` and `capacity`",
        "RawCall" => "a call table like `[services.web.calls.api]`",
        "RawDist" => "a distribution like { dist = \"exponential\", mean = \"10s\" }",
        "RawRetries" => "a table like { max = 3, backoff = \"100ms\" }",
        "RawAction" => "a scenario entry like { at = \"+1h\", action = \"crash\", service = \"db\" }",
        "RawExpect" => "an expected milestone like { service = \"db\", kind = \"impact_start\", at = \"05:15\" }",
        "RawVariant" => "a variant table like `[variants.NAME]` with `description` and `set`",
        "RawStep" => "a step like { at = \"+1h\", rate = \"500/s\" }",
        _ => "a table",
    })
}

/// Replaces any internal type name left in a parser message (`struct RawLoad`) by what it is.
fn scrub(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("Raw") {
        let after = &rest[i + 3..];
        let len = after.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(after.len());
        let is_type = len > 0 && after.starts_with(|c: char| c.is_ascii_uppercase());
        if !is_type {
            out.push_str(&rest[..i + 3]);
            rest = after;
            continue;
        }
        let head = &rest[..i];
        let head = head.strip_suffix("struct ").unwrap_or(head);
        out.push_str(head);
        out.push_str(table_kind(&format!("struct Raw{}", &after[..len])).unwrap_or("a table"));
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Renders an error as text without colour: `file:line:col`, the source line with a label, and the help.
pub fn render_error(err: &TopologyError) -> String {
    let mut out = String::new();
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor()).with_width(100);
    if handler.render_report(&mut out, err).is_err() {
        out = err.to_string();
    }
    // Messages and snippets echo the input: control characters in it are shown, never sent.
    crate::text::printable(&out).into_owned()
}
