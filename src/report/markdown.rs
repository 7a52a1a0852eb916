//! `report.md`: a post-mortem draft in GitHub/GitLab-flavoured Markdown, with a Mermaid graph.

use super::doc::{Block, Doc, Table, Text};
use std::fmt::Write;

/// Renders a document as Markdown that GitHub and GitLab both display:
/// pipe tables, a fenced `mermaid` block, images by relative path.
///
/// Every piece of text from the topology is escaped ([`escape`]), so a name
/// or description cannot open a table cell, a code span, a link or an HTML tag.
pub fn render(doc: &Doc) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape(&doc.title));
    out.push_str("_Drafted by blastsim from a simulation of the topology's mechanisms: check every figure against what was observed._\n");
    for block in &doc.blocks {
        out.push('\n');
        match block {
            Block::Heading(text) => {
                let _ = writeln!(out, "## {}", escape(text));
            }
            Block::Para(parts) => {
                let line: String = parts
                    .iter()
                    .map(|p| match p {
                        Text::Plain(t) => escape(t),
                        Text::Strong(t) => strong(t),
                    })
                    .collect();
                let _ = writeln!(out, "{line}");
            }
            Block::List(lines) => {
                for line in lines {
                    let _ = writeln!(out, "- {}", escape(line));
                }
            }
            Block::Table(table) => self::table(&mut out, table),
            Block::Graph { mermaid } => {
                let _ = write!(out, "```mermaid\n{}```\n", fence_safe(mermaid));
            }
            Block::Figure { image, alt, svg } => {
                let _ = writeln!(out, "![{}]({})", escape(alt), link_target(image));
                let mut links = Vec::new();
                if let Some(svg) = svg {
                    links.push(format!("[SVG]({})", link_target(svg)));
                }
                links.push("[interactive chart](report.html)".to_string());
                let _ = writeln!(out, "\n{}", links.join(" · "));
            }
        }
    }
    out
}

fn strong(text: &str) -> String {
    let inner = escape(text.trim());
    let lead = if text.starts_with(' ') { " " } else { "" };
    let trail = if text.ends_with(' ') { " " } else { "" };
    if inner.is_empty() { format!("{lead}{trail}") } else { format!("{lead}**{inner}**{trail}") }
}

fn table(out: &mut String, table: &Table) {
    let row = |cells: &mut dyn Iterator<Item = String>| {
        let cells: Vec<String> = cells.collect();
        format!("| {} |\n", cells.join(" | "))
    };
    out.push_str(&row(&mut table.headers.iter().map(|h| escape(h))));
    let rule = (0..table.headers.len()).map(|i| if table.right.get(i) == Some(&true) { "---:" } else { "---" }.into());
    out.push_str(&row(&mut rule.into_iter()));
    for cells in &table.rows {
        let padded = (0..table.headers.len()).map(|i| cells.get(i).map_or_else(String::new, |c| escape(c)));
        out.push_str(&row(&mut padded.into_iter()));
    }
}

/// Escapes plain text for Markdown, inline or in a table cell: Markdown's
/// punctuation gets a backslash, `<`, `>` and `&` become entities (no raw
/// HTML), line breaks and other control characters become spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A relative link target: only plain file names are written, but spaces and
/// parentheses are encoded all the same.
fn link_target(path: &str) -> String {
    path.replace('%', "%25").replace(' ', "%20").replace('(', "%28").replace(')', "%29")
}

/// A code block's body cannot close its fence: backticks were already
/// replaced by Mermaid entities, this is the guard.
fn fence_safe(text: &str) -> String {
    text.replace("```", "#96;#96;#96;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{doc, fixtures};

    #[test]
    fn escapes_what_would_break_a_table_or_open_html() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("`code`"), "\\`code\\`");
        assert_eq!(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(escape("line\nbreak\ttab\u{7}"), "line break tab ");
        assert_eq!(escape("**bold** _it_ [link](x) # h"), "\\*\\*bold\\*\\* \\_it\\_ \\[link\\](x) \\# h");
        assert_eq!(escape("AT&T"), "AT&amp;T");
        assert_eq!(escape("kinesis front-end 05:15"), "kinesis front-end 05:15");
    }

    #[test]
    fn a_hostile_description_stays_inside_its_cell() {
        let model = fixtures::model();
        let mut report = fixtures::report();
        report.events[0].what = "crash | `db` <b>now</b>\n| x | y |".to_string();
        let text = render(&doc::run(&model, &report));
        let row = text.lines().find(|l| l.contains("crash \\|")).expect("the action's row");
        assert_eq!(row.matches(" | ").count(), 4, "five cells: {row}");
        assert!(row.contains("\\`db\\` &lt;b&gt;now&lt;/b&gt; \\| x \\| y \\|"), "{row}");
        assert!(!text.contains("<b>"));
    }

    #[test]
    fn a_run_draft_has_every_section() {
        let text = render(&doc::run(&fixtures::model(), &fixtures::report()));
        assert!(text.starts_with("# Post-mortem draft: three-tier (variant more-threads)\n"), "{text}");
        for heading in ["## Summary", "## Dependency graph", "## Timeline", "## Services", "## Recovery"] {
            assert!(text.contains(&format!("\n{heading}\n")), "missing {heading}: {text}");
        }
        assert!(text.contains("```mermaid\nflowchart LR\n"), "{text}");
        assert!(text.contains("  class s0,s2 impacted\n```\n"), "{text}");
        assert!(text.contains("![availability of each service over time, three-tier](recovery.png)"), "{text}");
        assert!(text.contains("[SVG](recovery.svg)"), "{text}");
        assert!(text.contains("| service | impacted | min availability |"), "{text}");
        assert!(text.contains("| --- | --- | ---: | ---: | ---: |"), "{text}");
    }
}
