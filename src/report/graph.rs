//! Graph drawings of a model: Graphviz DOT and Mermaid, optionally marking impacted services.

use crate::analysis::report::{Report, ServiceReport};
use crate::model::{DepKind, Dependency, Model, WhenFull};
use std::fmt::Write;

/// Fill of impacted services in both syntaxes.
const IMPACTED_FILL: &str = "#f4a6a6";
const IMPACTED_STROKE: &str = "#b22222";

/// Node ids are `s<index>`: safe in DOT and Mermaid whatever the service names.
fn node_id(index: usize) -> String {
    format!("s{index}")
}

pub(crate) fn edge_label(dep: &Dependency) -> String {
    let mut parts = vec![match &dep.kind {
        DepKind::Sync => "sync".to_string(),
        DepKind::Buffered(b) => format!("buffered {}, {}", b.size, when_full(b.when_full)),
        DepKind::Control(c) if c.need < 1.0 => format!("control, need {}%", c.need * 100.0),
        DepKind::Control(_) => "control".to_string(),
    }];
    if dep.priority != 0 {
        parts.push(format!("priority {}", dep.priority));
    }
    if dep.per_request != 1.0 {
        parts.push(format!("x{}", dep.per_request));
    }
    if dep.retries.max > 0 {
        parts.push(format!("retries {}", dep.retries.max));
    }
    if dep.fallback {
        parts.push("fallback".to_string());
    }
    parts.join(", ")
}

fn when_full(w: WhenFull) -> &'static str {
    match w {
        WhenFull::Drop => "drop when full",
        WhenFull::Block => "block when full",
        WhenFull::Grow => "grow when full",
    }
}

/// The report of each service when it was impacted, in model order.
fn impacted<'r>(model: &Model, report: Option<&'r Report>) -> Vec<Option<&'r ServiceReport>> {
    model.services.iter().map(|s| report?.services.iter().find(|r| r.name == s.name && r.impacted)).collect()
}

fn min_text(service: &ServiceReport) -> String {
    format!("min {:.1}%", service.min_availability * 100.0)
}

/// A DOT string: quotes and backslashes escaped, control characters as visible stand-ins.
fn dot_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in crate::text::printable(text).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Renders the model as a Graphviz DOT digraph, left to right.
///
/// Nodes are services in model order (ids `s0`, `s1`, ...; the name is the
/// label); edges go caller -> callee in model order, labelled with the kind
/// (with a buffer's size and when-full policy, a control loop's need when
/// below 100%), priority when not 0, calls per request when not 1, retries and
/// fallback. With a report, impacted
/// services are filled red and their label gives the minimum availability.
pub fn dot(model: &Model, report: Option<&Report>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", dot_quote(&model.name));
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  node [shape=box, style=rounded, fontname=\"sans-serif\"];");
    let _ = writeln!(out, "  edge [fontname=\"sans-serif\", fontsize=10];");
    for (i, (service, hit)) in model.services.iter().zip(impacted(model, report)).enumerate() {
        match hit {
            Some(r) => {
                let label = format!("{}\n{}", service.name, min_text(r));
                let _ = writeln!(
                    out,
                    "  {} [label={}, style=\"rounded,filled\", fillcolor=\"{IMPACTED_FILL}\", color=\"{IMPACTED_STROKE}\"];",
                    node_id(i),
                    dot_quote(&label)
                );
            }
            None => {
                let _ = writeln!(out, "  {} [label={}];", node_id(i), dot_quote(&service.name));
            }
        }
    }
    for dep in &model.deps {
        let style = if dep.fallback { ", style=dashed" } else { "" };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{style}];",
            node_id(dep.caller.0),
            node_id(dep.callee.0),
            dot_quote(&edge_label(dep))
        );
    }
    out.push_str("}\n");
    out
}

/// Mermaid labels are quoted; quotes, `#`, `&`, `<`, `>`, backticks and pipes inside become
/// entities (`#quot;`), so no name is read as markup or ends an edge label, and control
/// characters become visible stand-ins.
fn mermaid_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in crate::text::printable(text).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Renders the model as a Mermaid flowchart, left to right.
///
/// Same nodes, ids and edges as [`dot`]. With a report, impacted services get
/// their minimum availability in the label and the `impacted` class
/// (`classDef impacted ...` and `class s0,s2 impacted`).
pub fn mermaid(model: &Model, report: Option<&Report>) -> String {
    let mut out = String::from("flowchart LR\n");
    let hits = impacted(model, report);
    for (i, (service, hit)) in model.services.iter().zip(&hits).enumerate() {
        let label = match hit {
            Some(r) => format!("{} ({})", service.name, min_text(r)),
            None => service.name.clone(),
        };
        let _ = writeln!(out, "  {}[{}]", node_id(i), mermaid_quote(&label));
    }
    for dep in &model.deps {
        let arrow = if dep.fallback { "-.->" } else { "-->" };
        let _ = writeln!(
            out,
            "  {} {arrow}|{}| {}",
            node_id(dep.caller.0),
            mermaid_quote(&edge_label(dep)),
            node_id(dep.callee.0)
        );
    }
    let marked: Vec<String> = hits.iter().enumerate().filter(|(_, h)| h.is_some()).map(|(i, _)| node_id(i)).collect();
    if !marked.is_empty() {
        let _ = writeln!(out, "  classDef impacted fill:{IMPACTED_FILL},stroke:{IMPACTED_STROKE},stroke-width:2px");
        let _ = writeln!(out, "  class {} impacted", marked.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn dot_has_nodes_and_labelled_edges() {
        let text = dot(&fixtures::model(), None);
        assert!(text.starts_with("digraph \"three-tier\" {\n"), "{text}");
        assert!(text.contains("  s0 [label=\"web-front\"];\n"), "{text}");
        assert!(text.contains("  s1 [label=\"auth-api\"];\n"), "{text}");
        assert!(text.contains("  s0 -> s1 [label=\"sync\"];\n"), "{text}");
        assert!(text.contains("  s1 -> s2 [label=\"sync, retries 3\"];\n"), "{text}");
        assert!(text.contains("  s0 -> s2 [label=\"sync, fallback\", style=dashed];\n"), "{text}");
        assert!(!text.contains("filled"));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn dot_marks_impacted_services() {
        let text = dot(&fixtures::model(), Some(&fixtures::report()));
        let line = |id: &str| text.lines().find(|l| l.starts_with(&format!("  {id} ["))).unwrap();
        assert!(line("s0").contains("label=\"web-front\\nmin 55.0%\""), "{text}");
        assert!(line("s0").contains("filled"), "{text}");
        assert!(line("s2").contains("label=\"user-db\\nmin 20.0%\""), "{text}");
        assert_eq!(line("s1"), "  s1 [label=\"auth-api\"];");
    }

    #[test]
    fn mermaid_has_edges_and_an_impacted_class() {
        let plain = mermaid(&fixtures::model(), None);
        assert!(plain.starts_with("flowchart LR\n  s0[\"web-front\"]\n"), "{plain}");
        assert!(plain.contains("  s0 -->|\"sync\"| s1\n"), "{plain}");
        assert!(plain.contains("  s1 -->|\"sync, retries 3\"| s2\n"), "{plain}");
        assert!(plain.contains("  s0 -.->|\"sync, fallback\"| s2\n"), "{plain}");
        assert!(!plain.contains("classDef"));

        let marked = mermaid(&fixtures::model(), Some(&fixtures::report()));
        assert!(marked.contains("  s2[\"user-db (min 20.0%)\"]\n"), "{marked}");
        assert!(marked.contains("  classDef impacted fill:"), "{marked}");
        assert!(marked.ends_with("  class s0,s2 impacted\n"), "{marked}");
    }

    #[test]
    fn edges_show_buffers_control_loops_and_priorities() {
        let mut model = fixtures::model();
        model.deps[0].kind = DepKind::Buffered(crate::model::Buffer {
            size: 5000.0,
            when_full: WhenFull::Grow,
            item_mb: 0.002,
            drain: 1000.0,
        });
        model.deps[1].kind = DepKind::Control(crate::model::Control { need: 0.5, tolerance: crate::time::Span::ZERO });
        model.deps[1].priority = -1;
        let text = dot(&model, None);
        assert!(text.contains("  s0 -> s1 [label=\"buffered 5000, grow when full\"];\n"), "{text}");
        assert!(text.contains("  s1 -> s2 [label=\"control, need 50%, priority -1, retries 3\"];\n"), "{text}");
        model.deps[1].kind = DepKind::Control(crate::model::Control { need: 1.0, tolerance: crate::time::Span::ZERO });
        assert!(mermaid(&model, None).contains("  s1 -->|\"control, priority -1, retries 3\"| s2\n"));
    }

    #[test]
    fn names_are_escaped() {
        let mut model = fixtures::model();
        model.services[1].name = "say \"hi\"".to_string();
        assert!(dot(&model, None).contains("s1 [label=\"say \\\"hi\\\"\"];"));
        assert!(mermaid(&model, None).contains("s1[\"say #quot;hi#quot;\"]"));
        model.services[1].name = "a|b `c` <i>&#\n".to_string();
        assert!(mermaid(&model, None).contains("s1[\"a#124;b #96;c#96; #lt;i#gt;#amp;#35; \"]"));
    }

    #[test]
    fn hostile_names_stay_inside_their_quotes() {
        let mut model = fixtures::model();
        model.name = "a\"b\\c\u{1b}]0;title\u{7}".to_string();
        model.services[0].name = "<b>x</b> & \"y\" #quot; \u{0}".to_string();
        let text = dot(&model, None);
        assert!(text.starts_with("digraph \"a\\\"b\\\\c\u{241b}]0;title\u{2407}\" {"), "{text}");
        assert!(text.contains("  s0 [label=\"<b>x</b> & \\\"y\\\" #quot; \u{2400}\"];"), "{text}");
        assert!(!text.chars().any(crate::text::is_unsafe), "{text}");
        let text = mermaid(&model, None);
        assert!(text.contains("  s0[\"#lt;b#gt;x#lt;/b#gt; #amp; #quot;y#quot; #35;quot; \u{2400}\"]"), "{text}");
    }
}
