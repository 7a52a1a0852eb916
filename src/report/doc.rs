//! The post-mortem document of a run or a comparison, as blocks that `report.md` and `report.html` both render.

use crate::analysis::compare::Entry;
use crate::analysis::report::{ExpectationReport, Report, ServiceReport};
use crate::model::{MilestoneKind, Model};
use crate::time::Span;

/// A post-mortem draft: a title and its blocks, in reading order. Text is
/// plain (unescaped): each renderer escapes it for its own syntax.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// One block of a [`Doc`].
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section heading (level 2).
    Heading(String),
    /// A paragraph of plain text; `strong` parts are emphasised.
    Para(Vec<Text>),
    /// A bulleted list of plain lines.
    List(Vec<String>),
    Table(Table),
    /// The dependency graph, impacted services marked.
    Graph {
        mermaid: String,
    },
    /// A plot: an image file beside the report (Markdown) or the interactive chart (HTML).
    Figure {
        image: String,
        alt: String,
        svg: Option<String>,
    },
}

/// A piece of a paragraph.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    Plain(String),
    Strong(String),
}

/// A table of plain-text cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns aligned right (numbers).
    pub right: Vec<bool>,
}

impl Table {
    fn new(headers: &[&str], right: &[bool]) -> Table {
        Table { headers: headers.iter().map(|h| h.to_string()).collect(), rows: Vec::new(), right: right.to_vec() }
    }
}

fn plain(text: impl Into<String>) -> Text {
    Text::Plain(text.into())
}

fn strong(text: impl Into<String>) -> Text {
    Text::Strong(text.into())
}

/// What a milestone means, in words.
fn milestone_words(kind: MilestoneKind, report: &Report) -> String {
    let t = report.thresholds;
    let pct = |x: f64| format!("{}%", crate::analysis::round(x * 100.0, 2));
    match kind {
        MilestoneKind::ImpactStart => format!("impact starts (availability below {})", pct(t.impact)),
        MilestoneKind::Severe => format!("severe (availability below {})", pct(t.severe)),
        MilestoneKind::RecoveryStart => "recovery starts (leaves the trough)".to_string(),
        MilestoneKind::MostlyRecovered => {
            format!("mostly recovered (at or above {} for good)", pct(t.mostly_recovered))
        }
        MilestoneKind::Recovered => format!("recovered (at or above {} for good)", pct(t.recovered)),
    }
}

const KINDS: [MilestoneKind; 5] = [
    MilestoneKind::ImpactStart,
    MilestoneKind::Severe,
    MilestoneKind::RecoveryStart,
    MilestoneKind::MostlyRecovered,
    MilestoneKind::Recovered,
];

fn milestone_at(s: &ServiceReport, kind: MilestoneKind) -> Option<&crate::analysis::report::Milestone> {
    s.milestones.iter().find(|m| m.kind == kind)
}

/// A request count, compact: `950`, `12.3k`, `4.56M`.
fn count(n: f64) -> String {
    let a = n.abs();
    match a {
        a if a < 1e3 => format!("{n:.0}"),
        a if a < 1e6 => format!("{:.1}k", n / 1e3),
        a if a < 1e9 => format!("{:.2}M", n / 1e6),
        _ => format!("{:.2}G", n / 1e9),
    }
}

/// The post-mortem draft of one run: summary, graph, timeline, services, recovery plot.
pub fn run(model: &Model, report: &Report) -> Doc {
    let variant = report.variant.as_deref().map(|v| format!(" (variant {v})")).unwrap_or_default();
    let mut blocks = vec![Block::Heading("Summary".into())];
    blocks.extend(summary(model, report));
    blocks.push(Block::Heading("Dependency graph".into()));
    blocks.push(Block::Para(vec![plain(
        "Callers point to their callees; impacted services are shaded, with their minimum availability.",
    )]));
    blocks.push(Block::Graph { mermaid: crate::report::graph::mermaid(model, Some(report)) });
    blocks.push(Block::Heading("Timeline".into()));
    blocks.extend(timeline(report));
    blocks.push(Block::Heading("Services".into()));
    blocks.push(Block::Table(services(report)));
    blocks.push(Block::Heading("Recovery".into()));
    blocks.push(Block::Figure {
        image: "recovery.png".into(),
        alt: format!("availability of each service over time, {}", report.topology),
        svg: Some("recovery.svg".into()),
    });
    Doc { title: format!("Post-mortem draft: {}{variant}", report.topology), blocks }
}

fn summary(model: &Model, report: &Report) -> Vec<Block> {
    let mut blocks = Vec::new();
    if !model.description.trim().is_empty() {
        blocks.push(Block::Para(vec![plain(model.description.trim())]));
    }
    let start = report.start.as_deref().map(|s| format!(", starting {s}")).unwrap_or_default();
    let impacted: Vec<&ServiceReport> = report.services.iter().filter(|s| s.impacted).collect();
    let mut para = vec![plain(format!(
        "Simulated with blastsim (seed {}{start}, {} of simulated time in steps of {}). ",
        report.seed,
        Span::from_secs_f64(report.duration_s),
        Span::from_secs_f64(report.step_s)
    ))];
    if impacted.is_empty() {
        para.push(strong(format!("No service of {} was impacted.", report.services.len())));
        blocks.push(Block::Para(para));
        return blocks;
    }
    para.push(strong(format!("{} of {} services were impacted", impacted.len(), report.services.len())));
    let total: f64 = report.services.iter().map(|s| s.error_minutes).sum();
    let failed: f64 = report.services.iter().map(|s| s.failed_requests).sum();
    para.push(plain(format!(", for {:.1} error-minutes and {} failed requests in all.", total, count(failed))));
    let first = impacted
        .iter()
        .filter_map(|s| milestone_at(s, MilestoneKind::ImpactStart).map(|m| (m, &s.name)))
        .min_by(|a, b| a.0.t_s.total_cmp(&b.0.t_s));
    if let Some((m, name)) = first {
        para.push(plain(format!(" The first impact was {name} at {}.", m.at)));
    }
    let unrecovered: Vec<&str> = impacted
        .iter()
        .filter(|s| milestone_at(s, MilestoneKind::Recovered).is_none())
        .map(|s| s.name.as_str())
        .collect();
    let last = impacted
        .iter()
        .filter_map(|s| milestone_at(s, MilestoneKind::Recovered).map(|m| (m, &s.name)))
        .max_by(|a, b| a.0.t_s.total_cmp(&b.0.t_s));
    match (unrecovered.is_empty(), last) {
        (true, Some((m, name))) => para.push(plain(format!(" Every service had recovered by {} ({name} last).", m.at))),
        _ => para.push(strong(format!(" Not recovered at the end of the run: {}.", unrecovered.join(", ")))),
    }
    blocks.push(Block::Para(para));
    let mut worst: Vec<&&ServiceReport> = impacted.iter().collect();
    worst.sort_by(|a, b| b.error_minutes.total_cmp(&a.error_minutes));
    let lines = worst
        .iter()
        .take(5)
        .map(|s| {
            format!(
                "{}: {:.1} error-minutes, down to {:.1}% availability{}",
                s.name,
                s.error_minutes,
                s.min_availability * 100.0,
                s.min_at.as_deref().map(|a| format!(" at {a}")).unwrap_or_default()
            )
        })
        .collect();
    blocks.push(Block::Para(vec![plain("Most affected:")]));
    blocks.push(Block::List(lines));
    if let Some(line) = score_line(report) {
        blocks.push(Block::Para(vec![strong(line)]));
    }
    blocks
}

/// `N/M published milestones within 10 minutes; mean |error| X min, worst Y min`.
fn score_line(report: &Report) -> Option<String> {
    let s = report.score.as_ref()?;
    let show = |m: Option<f64>| m.map_or_else(|| "-".to_string(), |m| format!("{m:.1}"));
    let mut line = format!(
        "Against the expected timeline: {}/{} milestones within 10 minutes; mean |error| {} min, worst {} min",
        s.within_10_min,
        s.expected,
        show(s.mean_abs_error_min),
        show(s.worst_abs_error_min)
    );
    if s.reached < s.expected {
        line.push_str(&format!("; {} never reached", s.expected - s.reached));
    }
    line.push('.');
    Some(line)
}

/// Scheduled actions and every milestone, by time; expected times beside the
/// simulated ones when the topology has an expected timeline.
fn timeline(report: &Report) -> Vec<Block> {
    let with_expected = !report.expectations.is_empty();
    let mut table = if with_expected {
        Table::new(&["time", "service", "what", "expected", "error (min)"], &[false, false, false, false, true])
    } else {
        Table::new(&["time", "service", "what"], &[false, false, false])
    };
    let mut rows: Vec<(f64, u8, Vec<String>)> = Vec::new();
    let expectation = |service: &str, kind: MilestoneKind| -> Option<&ExpectationReport> {
        report.expectations.iter().find(|e| e.service == service && e.kind == kind)
    };
    for e in report.events.iter().filter(|e| e.scheduled) {
        let service = e.service.clone().unwrap_or_else(|| "-".into());
        let mut row = vec![e.at.clone(), service, format!("action: {}", e.what)];
        row.resize(table.headers.len(), String::new());
        rows.push((e.t_s, 0, row));
    }
    for s in &report.services {
        for m in &s.milestones {
            let mut row = vec![m.at.clone(), s.name.clone(), milestone_words(m.kind, report)];
            if with_expected {
                let e = expectation(&s.name, m.kind);
                row.push(e.map_or_else(String::new, |e| e.expected.clone()));
                row.push(e.and_then(|e| e.error_min).map_or_else(String::new, |m| format!("{m:+.1}")));
            }
            rows.push((m.t_s, 1, row));
        }
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    table.rows = rows.into_iter().map(|r| r.2).collect();
    for e in report.expectations.iter().filter(|e| e.simulated.is_none()) {
        let words = milestone_words(e.kind, report);
        table.rows.push(vec!["never".into(), e.service.clone(), words, e.expected.clone(), "never reached".into()]);
    }
    let mut blocks = vec![Block::Table(table)];
    let others = report.events.iter().filter(|e| !e.scheduled).count();
    if others > 0 {
        let changes = if others == 1 { "change is" } else { "changes are" };
        blocks.push(Block::Para(vec![plain(format!(
            "{others} other logged {changes} listed in report.json (health-check removals, restarts, stalls)."
        ))]));
    }
    if let Some(line) = score_line(report) {
        blocks.push(Block::Para(vec![strong(line)]));
    }
    blocks
}

fn services(report: &Report) -> Table {
    let mut table = Table::new(
        &[
            "service",
            "impacted",
            "min availability",
            "failed requests",
            "error-minutes",
            "impact",
            "severe",
            "recovery start",
            "mostly recovered",
            "recovered",
        ],
        &[false, false, true, true, true, false, false, false, false, false],
    );
    let mut ordered: Vec<&ServiceReport> = report.services.iter().collect();
    let key = |s: &ServiceReport| match milestone_at(s, MilestoneKind::ImpactStart) {
        Some(m) if s.impacted => m.t_s,
        _ => f64::INFINITY,
    };
    ordered.sort_by(|a, b| key(a).total_cmp(&key(b)));
    for s in ordered {
        let mut row = vec![
            s.name.clone(),
            if s.impacted { "yes" } else { "no" }.to_string(),
            format!("{:.2}%", s.min_availability * 100.0),
            count(s.failed_requests),
            format!("{:.1}", s.error_minutes),
        ];
        row.extend(KINDS.iter().map(|k| milestone_at(s, *k).map_or_else(|| "-".to_string(), |m| m.at.clone())));
        table.rows.push(row);
    }
    table
}

/// The draft of a comparison: the variants table, error-minutes per service
/// and the overlay plot; `graph` is the baseline's Mermaid graph.
pub fn compare(model: &Model, entries: &[Entry], graph: Option<String>) -> Doc {
    let mut blocks = vec![Block::Heading("Variants".into())];
    if !model.description.trim().is_empty() {
        blocks.push(Block::Para(vec![plain(model.description.trim())]));
    }
    blocks.push(Block::Para(vec![plain(format!(
        "The baseline and {} variants, each run with seed {}.",
        entries.len().saturating_sub(1),
        model.seed
    ))]));
    let mut table = Table::new(
        &["run", "impacted", "error-minutes", "full recovery", "description"],
        &[false, true, true, false, false],
    );
    for e in entries {
        let recovery = match (&e.full_recovery, e.impacted.is_empty()) {
            (_, true) => "-".to_string(),
            (Some(at), false) => at.clone(),
            (None, false) => format!("never ({} down at the end)", e.unrecovered.join(", ")),
        };
        table.rows.push(vec![
            e.name.clone(),
            e.impacted.len().to_string(),
            format!("{:.1}", e.total_error_minutes),
            recovery,
            e.description.clone(),
        ]);
    }
    blocks.push(Block::Table(table));
    blocks.push(Block::Heading("Error-minutes per service".into()));
    let mut headers = vec!["service"];
    headers.extend(entries.iter().map(|e| e.name.as_str()));
    let mut per = Table::new(&headers, &vec![true; headers.len()]);
    per.right[0] = false;
    if let Some(first) = entries.first() {
        for (name, _) in &first.error_minutes {
            let mut row = vec![name.clone()];
            row.extend(entries.iter().map(|e| {
                e.error_minutes.iter().find(|(n, _)| n == name).map_or("-".into(), |(_, m)| format!("{m:.1}"))
            }));
            per.rows.push(row);
        }
    }
    blocks.push(Block::Table(per));
    if let Some(mermaid) = graph {
        blocks.push(Block::Heading("Dependency graph (baseline)".into()));
        blocks.push(Block::Graph { mermaid });
    }
    blocks.push(Block::Heading("Worst service availability by run".into()));
    blocks.push(Block::Figure {
        image: "compare.png".into(),
        alt: "the lowest availability of any service over time, one curve per run".into(),
        svg: Some("compare.svg".into()),
    });
    Doc { title: format!("Comparison: {}", model.name), blocks }
}

/// The draft of a comparison over `repeats` seeded runs each: mean and 95%
/// interval of each run's error-minutes and full recovery.
pub fn compare_runs(model: &Model, spreads: &[crate::sweep::compare::Spread], repeats: u32) -> Doc {
    use crate::report::sweep::{interval, show_duration};
    let mut blocks = vec![Block::Heading("Variants".into())];
    if !model.description.trim().is_empty() {
        blocks.push(Block::Para(vec![plain(model.description.trim())]));
    }
    blocks.push(Block::Para(vec![plain(format!(
        "The baseline and {} variants, each run over the same {repeats} seeds: mean [95% interval]; \
         full recovery over the runs that recovered.",
        spreads.len().saturating_sub(1)
    ))]));
    let mut table = Table::new(
        &["run", "impacted (any run)", "error-minutes", "full recovery", "recovered", "description"],
        &[false, true, true, false, true, false],
    );
    for s in spreads {
        table.rows.push(vec![
            s.name.clone(),
            s.impacted.len().to_string(),
            interval(&s.total_error_minutes, |x| format!("{x:.1}")),
            interval(&s.full_recovery_s, show_duration),
            format!("{}/{}", s.recovered.k, s.recovered.n),
            s.description.clone(),
        ]);
    }
    blocks.push(Block::Table(table));
    blocks.push(Block::Heading("Worst service availability by run (first seed)".into()));
    blocks.push(Block::Figure {
        image: "compare.png".into(),
        alt: "the lowest availability of any service over time, one curve per run".into(),
        svg: Some("compare.svg".into()),
    });
    Doc { title: format!("Comparison: {} over {repeats} seeds", model.name), blocks }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn the_timeline_merges_actions_and_milestones_by_time() {
        let doc = run(&fixtures::model(), &fixtures::report());
        let tables: Vec<&Table> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .collect();
        let timeline = tables[0];
        assert_eq!(timeline.headers[3], "expected");
        let times: Vec<&str> = timeline.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(times.first(), Some(&"02:10:00"), "{times:?}");
        assert!(timeline.rows[0][2].starts_with("action: crash user-db"));
        assert_eq!(timeline.rows.last().unwrap()[0], "never", "an expected milestone never reached is listed");
        let mut sorted = times.clone();
        sorted.retain(|t| *t != "never");
        assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    }

    #[test]
    fn the_summary_counts_impacted_services_and_gives_the_score() {
        let doc = run(&fixtures::model(), &fixtures::report());
        let text = format!("{:?}", doc.blocks);
        assert!(text.contains("2 of 3 services were impacted"), "{text}");
        assert!(text.contains("1/2 milestones within 10 minutes"), "{text}");
        assert!(matches!(doc.blocks.last(), Some(Block::Figure { image, .. }) if image == "recovery.png"));
    }
}
