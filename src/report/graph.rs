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

/// How one node stands out: its fill, border, a note under its name and its Mermaid class.
#[derive(Debug, Clone, PartialEq)]
pub struct Shade {
    pub fill: String,
    pub stroke: String,
    /// Shown after the name (on a second line in DOT, in parentheses in Mermaid); may be empty.
    pub note: String,
    /// The Mermaid class the node joins; nodes of one class share its fill and border.
    pub class: String,
}

/// Impacted services, filled red with their minimum availability, from a run's report.
pub fn report_shades(model: &Model, report: Option<&Report>) -> Vec<Option<Shade>> {
    let impacted = |name: &str| report?.services.iter().find(|r| r.name == name && r.impacted);
    model
        .services
        .iter()
        .map(|s| {
            impacted(&s.name).map(|r| Shade {
                fill: IMPACTED_FILL.into(),
                stroke: IMPACTED_STROKE.into(),
                note: min_text(r),
                class: "impacted".into(),
            })
        })
        .collect()
}

/// Each failed service shaded by its blast size: five steps from pale to dark
/// red by the number of services its failure impacted, the count and
/// error-minutes in its label. Services not in the ranking stay plain.
pub fn blast_shades(model: &Model, blast: &crate::blast::Blast) -> Vec<Option<Shade>> {
    const FILLS: [&str; 5] = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
    let most = blast.ranking.iter().map(|r| r.impacted.len()).max().unwrap_or(0).max(1);
    model
        .services
        .iter()
        .map(|s| {
            let row = blast.ranking.iter().find(|r| r.service == s.name)?;
            let level = (row.impacted.len() * (FILLS.len() - 1)).div_ceil(most).min(FILLS.len() - 1);
            Some(Shade {
                fill: FILLS[level].into(),
                stroke: IMPACTED_STROKE.into(),
                note: format!("blast {}, {:.1} err-min", row.impacted.len(), row.error_minutes),
                class: format!("blast{level}"),
            })
        })
        .collect()
}

/// The services within `depth` calls of `center`: its callers, their callers
/// and so on up to `depth` hops, and likewise its callees. O(depth x deps).
pub fn neighbourhood(model: &Model, center: usize, depth: u32) -> Vec<bool> {
    let mut keep = vec![false; model.services.len()];
    keep[center] = true;
    for up in [true, false] {
        let mut frontier = vec![center];
        for _ in 0..depth {
            let mut next = Vec::new();
            for d in &model.deps {
                let (from, to) = if up { (d.callee.0, d.caller.0) } else { (d.caller.0, d.callee.0) };
                if frontier.contains(&from) && !next.contains(&to) {
                    next.push(to);
                }
            }
            next.iter().for_each(|&s| keep[s] = true);
            frontier = next;
        }
    }
    keep
}

/// The shade that marks the focused service of a neighbourhood drawing.
pub fn focus_shade() -> Shade {
    Shade { fill: "#fff2b3".into(), stroke: "#806600".into(), note: String::new(), class: "focus".into() }
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
    dot_with(model, None, &report_shades(model, report))
}

/// As [`dot`], with any shading (one entry per service).
pub fn dot_shaded(model: &Model, shades: &[Option<Shade>]) -> String {
    dot_with(model, None, shades)
}

/// As [`dot`], drawing only the services `include` keeps and the calls between them.
pub fn dot_with(model: &Model, include: Option<&[bool]>, shades: &[Option<Shade>]) -> String {
    let kept = |i: usize| include.is_none_or(|k| k[i]);
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", dot_quote(&model.name));
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  node [shape=box, style=rounded, fontname=\"sans-serif\"];");
    let _ = writeln!(out, "  edge [fontname=\"sans-serif\", fontsize=10];");
    for (i, service) in model.services.iter().enumerate().filter(|(i, _)| kept(*i)) {
        match shades.get(i).and_then(Option::as_ref) {
            Some(shade) => {
                let label = if shade.note.is_empty() {
                    service.name.clone()
                } else {
                    format!("{}\n{}", service.name, shade.note)
                };
                let _ = writeln!(
                    out,
                    "  {} [label={}, style=\"rounded,filled\", fillcolor=\"{}\", color=\"{}\"];",
                    node_id(i),
                    dot_quote(&label),
                    shade.fill,
                    shade.stroke
                );
            }
            None => {
                let _ = writeln!(out, "  {} [label={}];", node_id(i), dot_quote(&service.name));
            }
        }
    }
    for dep in model.deps.iter().filter(|d| kept(d.caller.0) && kept(d.callee.0)) {
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
    mermaid_with(model, None, &report_shades(model, report))
}

/// As [`mermaid`], with any shading (one entry per service).
pub fn mermaid_shaded(model: &Model, shades: &[Option<Shade>]) -> String {
    mermaid_with(model, None, shades)
}

/// As [`mermaid`], drawing only the services `include` keeps and the calls between them.
pub fn mermaid_with(model: &Model, include: Option<&[bool]>, shades: &[Option<Shade>]) -> String {
    let kept = |i: usize| include.is_none_or(|k| k[i]);
    let shade = |i: usize| shades.get(i).and_then(Option::as_ref);
    let mut out = String::from("flowchart LR\n");
    for (i, service) in model.services.iter().enumerate().filter(|(i, _)| kept(*i)) {
        let label = match shade(i).filter(|s| !s.note.is_empty()) {
            Some(s) => format!("{} ({})", service.name, s.note),
            None => service.name.clone(),
        };
        let _ = writeln!(out, "  {}[{}]", node_id(i), mermaid_quote(&label));
    }
    for dep in model.deps.iter().filter(|d| kept(d.caller.0) && kept(d.callee.0)) {
        let arrow = if dep.fallback { "-.->" } else { "-->" };
        let _ = writeln!(
            out,
            "  {} {arrow}|{}| {}",
            node_id(dep.caller.0),
            mermaid_quote(&edge_label(dep)),
            node_id(dep.callee.0)
        );
    }
    let mut classes: Vec<&Shade> = Vec::new();
    for i in (0..model.services.len()).filter(|&i| kept(i)) {
        if let Some(s) = shade(i).filter(|s| !classes.iter().any(|c| c.class == s.class)) {
            classes.push(s);
        }
    }
    for class in classes {
        let members: Vec<String> = (0..model.services.len())
            .filter(|&i| kept(i) && shade(i).is_some_and(|s| s.class == class.class))
            .map(node_id)
            .collect();
        let _ =
            writeln!(out, "  classDef {} fill:{},stroke:{},stroke-width:2px", class.class, class.fill, class.stroke);
        let _ = writeln!(out, "  class {} {}", members.join(","), class.class);
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
    fn a_neighbourhood_follows_calls_each_way_up_to_its_depth() {
        // web-front -> auth-api -> user-db, and web-front -> user-db.
        let model = fixtures::model();
        assert_eq!(neighbourhood(&model, 1, 1), [true, true, true]);
        assert_eq!(neighbourhood(&model, 1, 0), [false, true, false]);
        let mut chain = fixtures::model();
        chain.deps.retain(|d| !d.fallback);
        assert_eq!(neighbourhood(&chain, 2, 1), [false, true, true], "callers of callers need depth 2");
        assert_eq!(neighbourhood(&chain, 2, 2), [true, true, true]);
        let focused = dot_with(&chain, Some(&[false, true, true]), &[]);
        assert!(!focused.contains("web-front") && focused.contains("  s1 -> s2 "), "{focused}");
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
