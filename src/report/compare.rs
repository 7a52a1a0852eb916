//! The side-by-side table of a baseline and its variants.

use crate::analysis::compare::Entry;
use std::fmt::Write;

/// Renders the comparison: one row per run, then error-minutes per service.
pub fn render(topology: &str, entries: &[Entry]) -> String {
    crate::text::printable(&render_unchecked(topology, entries)).into_owned()
}

fn render_unchecked(topology: &str, entries: &[Entry]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "blastsim comparison: {topology} ({} runs)\n", entries.len());
    let mut rows = vec![vec![
        "run".to_string(),
        "impacted".to_string(),
        "error-min".to_string(),
        "full recovery".to_string(),
        "description".to_string(),
    ]];
    for e in entries {
        let recovery = match (&e.full_recovery, e.impacted.is_empty()) {
            (_, true) => "-".to_string(),
            (Some(at), false) => at.clone(),
            (None, false) => format!("never ({} down at the end)", e.unrecovered.join(", ")),
        };
        rows.push(vec![
            e.name.clone(),
            e.impacted.len().to_string(),
            format!("{:.1}", e.total_error_minutes),
            recovery,
            e.description.clone(),
        ]);
    }
    table(&mut out, &rows);
    out.push_str("\nError-minutes per service\n");
    let mut rows = vec![std::iter::once("service".to_string()).chain(entries.iter().map(|e| e.name.clone())).collect()];
    let mut services: Vec<&str> = Vec::new();
    for e in entries {
        for (name, _) in &e.error_minutes {
            if !services.contains(&name.as_str()) {
                services.push(name);
            }
        }
    }
    for service in services {
        let mut row = vec![service.to_string()];
        row.extend(entries.iter().map(|e| {
            e.error_minutes.iter().find(|(n, _)| n == service).map_or("-".into(), |(_, m)| format!("{m:.1}"))
        }));
        rows.push(row);
    }
    table(&mut out, &rows);
    out
}

/// Renders a comparison over N seeded runs each: mean and 95% interval of
/// error-minutes and full recovery, and how many runs recovered.
pub fn render_runs(topology: &str, spreads: &[crate::sweep::compare::Spread]) -> String {
    crate::text::printable(&render_runs_unchecked(topology, spreads)).into_owned()
}

fn render_runs_unchecked(topology: &str, spreads: &[crate::sweep::compare::Spread]) -> String {
    use crate::report::sweep::{interval, show_duration};
    let mut out = String::new();
    let runs = spreads.first().map_or(0, |s| s.runs);
    let _ = writeln!(out, "blastsim comparison: {topology} ({} runs x {runs} seeds)", spreads.len());
    let _ = writeln!(out, "mean [95% interval]; full recovery over the runs that recovered\n");
    let mut rows =
        vec![["run", "impacted", "error-min", "full recovery", "recovered", "description"].map(String::from).to_vec()];
    for s in spreads {
        rows.push(vec![
            s.name.clone(),
            s.impacted.len().to_string(),
            interval(&s.total_error_minutes, |x| format!("{x:.1}")),
            interval(&s.full_recovery_s, show_duration),
            format!("{}/{}", s.recovered.k, s.recovered.n),
            s.description.clone(),
        ]);
    }
    table(&mut out, &rows);
    out
}

pub(crate) fn table(out: &mut String, rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0)).collect();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row.iter().zip(&widths).map(|(s, w)| format!("{s:<w$}")).collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(out, "  {}", rule.join("  "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, impacted: &[&str], recovery: Option<&str>) -> Entry {
        Entry {
            name: name.into(),
            description: format!("{name} run"),
            impacted: impacted.iter().map(|s| s.to_string()).collect(),
            error_minutes: vec![("a".into(), 12.0), ("b".into(), 0.0)],
            total_error_minutes: 12.0,
            full_recovery: recovery.map(str::to_string),
            full_recovery_s: None,
            unrecovered: if recovery.is_none() { impacted.iter().map(|s| s.to_string()).collect() } else { vec![] },
        }
    }

    #[test]
    fn rows_show_blast_radius_and_recovery() {
        let text = render("t", &[entry("baseline", &["a"], Some("05:00:00")), entry("cells", &[], None)]);
        assert!(text.contains("baseline  1         12.0       05:00:00"), "{text}");
        assert!(text.contains("cells     0"), "{text}");
        assert!(text.contains("service  baseline  cells"), "{text}");
    }

    #[test]
    fn a_run_that_never_recovers_says_so() {
        let text = render("t", &[entry("stuck", &["a"], None)]);
        assert!(text.contains("never (a down at the end)"), "{text}");
    }
}
