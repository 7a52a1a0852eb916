//! The blast ranking as a table, as `blast.json`, as a heat map and as a graph shaded by blast size.

pub mod heat;

use super::compare::table;
use super::sweep::show_duration;
use crate::blast::Blast;
use crate::model::Model;
use std::fmt::Write;

/// Renders the ranking: one row per failed service, worst first, then each
/// row's difference from its static blast radius.
pub fn render(blast: &Blast) -> String {
    let f = &blast.fault;
    let mut out = String::new();
    let runs = if f.runs > 1 { format!(", mean of {} seeded runs", f.runs) } else { format!(", seed {}", f.seed) };
    let _ = writeln!(
        out,
        "blastsim blast: {} — {} of each service at {} for {} (scenario {}{runs})\n",
        blast.topology,
        f.spec,
        f.at,
        show_duration(f.for_s),
        f.scenario
    );
    let mut rows = vec![
        [
            "rank",
            "failed",
            "impacted",
            "error-min",
            "failed req",
            "recovered",
            "outlived",
            "static",
            "contained",
            "beyond",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (i, r) in blast.ranking.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            r.service.clone(),
            r.impacted.len().to_string(),
            format!("{:.1}", r.error_minutes),
            count(r.failed_requests),
            match r.recovered_s {
                Some(s) => format!("+{}", show_duration(s)),
                None => "never".into(),
            },
            if r.outlived_fault { "yes" } else { "no" }.to_string(),
            r.static_reach.len().to_string(),
            r.contained.len().to_string(),
            r.beyond_reach.len().to_string(),
        ]);
    }
    table(&mut out, &rows);
    let _ = writeln!(
        out,
        "\nimpacted: services whose availability fell more than the impact threshold below the run without the fault \
         (the failed one included); recovered: from the fault's start until every one was back; outlived: still \
         impacted {} after the fault ended; static: every transitive caller",
        show_duration(f.settle_s)
    );
    let notes: Vec<&crate::blast::Row> =
        blast.ranking.iter().filter(|r| !r.contained.is_empty() || !r.beyond_reach.is_empty()).collect();
    if !notes.is_empty() {
        out.push_str("\nAgainst the static blast radius\n");
        for r in notes {
            if !r.contained.is_empty() {
                let _ = writeln!(out, "  {}: contained (callers not impacted): {}", r.service, r.contained.join(", "));
            }
            if !r.beyond_reach.is_empty() {
                let _ = writeln!(
                    out,
                    "  {}: beyond reach (impacted, not callers): {}",
                    r.service,
                    r.beyond_reach.join(", ")
                );
            }
        }
    }
    out
}

/// `blast.json`: pretty JSON ending in a newline.
pub fn json(blast: &Blast) -> String {
    let mut text = serde_json::to_string_pretty(blast).unwrap_or_default();
    text.push('\n');
    text
}

fn count(n: f64) -> String {
    match n {
        n if n >= 1e9 => format!("{:.2}G", n / 1e9),
        n if n >= 1e6 => format!("{:.2}M", n / 1e6),
        n if n >= 1e4 => format!("{:.1}k", n / 1e3),
        n => format!("{n:.0}"),
    }
}

/// The files `blast --out DIR` writes: `blast.json`, `blast.png`, `blast.svg`
/// (the heat map), `blast.dot` and `blast.mmd` (the graph shaded by blast size).
pub fn files(model: &Model, blast: &Blast) -> Result<Vec<(&'static str, Vec<u8>)>, super::PlotError> {
    let chart = heat::HeatMap::new(blast);
    let shades = super::graph::blast_shades(model, blast);
    Ok(vec![
        ("blast.json", json(blast).into_bytes()),
        ("blast.png", chart.png()?),
        ("blast.svg", chart.svg()?.into_bytes()),
        ("blast.dot", super::graph::dot_shaded(model, &shades).into_bytes()),
        ("blast.mmd", super::graph::mermaid_shaded(model, &shades).into_bytes()),
    ])
}
