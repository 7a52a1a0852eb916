//! The terminal summary of a report: header, services, scheduled events and the timeline score.

use crate::analysis::report::{ExpectationReport, Report, ServiceReport};
use crate::model::MilestoneKind;
use crate::time::Span;
use std::fmt::Write;

/// Renders a report as plain, aligned ASCII text for the terminal.
///
/// Sections: a header (topology, variant, seed, start, duration); the services,
/// impacted ones first in order of impact start, then the rest in report order;
/// the scheduled events; and, when the report carries expectations, the expected
/// timeline beside the simulated one with the score line.
pub fn render(report: &Report) -> String {
    crate::text::printable(&render_unchecked(report)).into_owned()
}

fn render_unchecked(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    out.push('\n');
    services(&mut out, report);
    out.push('\n');
    events(&mut out, report);
    if !report.expectations.is_empty() {
        out.push('\n');
        expectations(&mut out, report);
    }
    out
}

fn header(out: &mut String, report: &Report) {
    let variant = report.variant.as_deref().map(|v| format!(" (variant {v})")).unwrap_or_default();
    let _ = writeln!(out, "blastsim report: {}{variant}", report.topology);
    let start = report.start.as_deref().unwrap_or("-");
    let _ = writeln!(
        out,
        "seed {}, start {start}, duration {}, step {}",
        report.seed,
        Span::from_secs_f64(report.duration_s),
        Span::from_secs_f64(report.step_s)
    );
}

const MILESTONE_HEADERS: [(MilestoneKind, &str); 5] = [
    (MilestoneKind::ImpactStart, "impact"),
    (MilestoneKind::Severe, "severe"),
    (MilestoneKind::RecoveryStart, "rec. start"),
    (MilestoneKind::MostlyRecovered, "mostly rec."),
    (MilestoneKind::Recovered, "recovered"),
];

fn impact_start(service: &ServiceReport) -> Option<f64> {
    milestone_t(service, MilestoneKind::ImpactStart)
}

fn milestone_t(service: &ServiceReport, kind: MilestoneKind) -> Option<f64> {
    service.milestones.iter().find(|m| m.kind == kind).map(|m| m.t_s)
}

/// Impacted services by impact start (those without one after them), then the rest.
fn ordered(report: &Report) -> Vec<&ServiceReport> {
    let mut impacted: Vec<&ServiceReport> = report.services.iter().filter(|s| s.impacted).collect();
    impacted.sort_by(|a, b| {
        let key = |s: &ServiceReport| impact_start(s).unwrap_or(f64::INFINITY);
        key(a).total_cmp(&key(b))
    });
    impacted.extend(report.services.iter().filter(|s| !s.impacted));
    impacted
}

fn services(out: &mut String, report: &Report) {
    let impacted = report.services.iter().filter(|s| s.impacted).count();
    let _ = writeln!(out, "Services ({impacted} of {} impacted)", report.services.len());
    let mut headers = vec!["service", "impacted", "min avail", "failed req", "error-min"];
    headers.extend(MILESTONE_HEADERS.iter().map(|(_, h)| *h));
    let rows: Vec<Vec<String>> = ordered(report)
        .into_iter()
        .map(|s| {
            let mut row = vec![
                s.name.clone(),
                if s.impacted { "yes" } else { "no" }.to_string(),
                format!("{:.2}%", s.min_availability * 100.0),
                count(s.failed_requests),
                format!("{:.1}", s.error_minutes),
            ];
            row.extend(MILESTONE_HEADERS.iter().map(|(kind, _)| {
                let found = s.milestones.iter().find(|m| m.kind == *kind);
                found.map_or_else(|| unreached(s, *kind, &report.thresholds).to_string(), |m| m.at.clone())
            }));
            row
        })
        .collect();
    let numeric = [false, false, true, true, true, false, false, false, false, false];
    table(out, &headers, &rows, &numeric);
}

/// What a missing milestone's cell says: a recovery the curve needed but did
/// not hold to the end of the run is "unrecovered"; anything else "-".
fn unreached(s: &ServiceReport, kind: MilestoneKind, th: &crate::model::Thresholds) -> &'static str {
    let level = match kind {
        MilestoneKind::MostlyRecovered => th.mostly_recovered,
        MilestoneKind::Recovered => th.recovered,
        _ => return "-",
    };
    let recovered = s.milestones.iter().any(|m| m.kind == MilestoneKind::Recovered);
    if s.min_availability < level && !recovered { "unrecovered" } else { "-" }
}

fn events(out: &mut String, report: &Report) {
    let scheduled: Vec<_> = report.events.iter().filter(|e| e.scheduled).collect();
    let others = report.events.len() - scheduled.len();
    let _ = writeln!(out, "Scheduled events ({})", scheduled.len());
    if scheduled.is_empty() {
        let _ = writeln!(out, "  none");
    } else {
        let rows: Vec<Vec<String>> = scheduled
            .iter()
            .map(|e| {
                let service = e.service.clone().unwrap_or_else(|| "-".to_string());
                vec![e.at.clone(), service, e.what.clone()]
            })
            .collect();
        table(out, &["at", "service", "what"], &rows, &[false, false, false]);
    }
    if others > 0 {
        let changes = if others == 1 { "change is" } else { "changes are" };
        let _ = writeln!(out, "  ({others} other logged {changes} listed in report.json)");
    }
}

fn expectations(out: &mut String, report: &Report) {
    let _ = writeln!(out, "Expected timeline");
    let rows: Vec<Vec<String>> = report
        .expectations
        .iter()
        .map(|e| {
            vec![
                e.service.clone(),
                e.kind.as_str().to_string(),
                e.expected.clone(),
                e.simulated.clone().unwrap_or_else(|| "never".to_string()),
                e.error_min.map_or_else(|| "-".to_string(), |m| format!("{m:+.1}")),
            ]
        })
        .collect();
    let headers = ["service", "milestone", "expected", "simulated", "error (min)"];
    table(out, &headers, &rows, &[false, false, false, false, true]);
    let _ = writeln!(out, "{}", score_line(report));
}

/// `N/M milestones within 10 min; mean |error| X min, worst Y min`, from the
/// report's score, or from its expectations when it has none.
fn score_line(report: &Report) -> String {
    let (expected, reached, within, mean, worst) = match &report.score {
        Some(s) => (s.expected, s.reached, s.within_10_min, s.mean_abs_error_min, s.worst_abs_error_min),
        None => score_of(&report.expectations),
    };
    let show = |m: Option<f64>| m.map_or_else(|| "-".to_string(), |m| format!("{m:.1}"));
    let mut line = format!(
        "Score: {within}/{expected} milestones within 10 min; mean |error| {} min, worst {} min",
        show(mean),
        show(worst)
    );
    if reached < expected {
        let _ = write!(line, "; {} never reached", expected - reached);
    }
    line
}

fn score_of(expectations: &[ExpectationReport]) -> (usize, usize, usize, Option<f64>, Option<f64>) {
    let errors: Vec<f64> = expectations.iter().filter_map(|e| e.error_min).map(f64::abs).collect();
    let within = errors.iter().filter(|e| **e <= 10.0).count();
    let mean = (!errors.is_empty()).then(|| errors.iter().sum::<f64>() / errors.len() as f64);
    let worst = errors.iter().copied().reduce(f64::max);
    (expectations.len(), errors.len(), within, mean, worst)
}

/// A request count, compact: `950`, `12.3k`, `4.56M`, `7.89G`.
fn count(n: f64) -> String {
    let a = n.abs();
    if a < 1e3 {
        format!("{n:.0}")
    } else if a < 1e6 {
        format!("{:.1}k", n / 1e3)
    } else if a < 1e9 {
        format!("{:.2}M", n / 1e6)
    } else if a < 1e15 {
        format!("{:.2}G", n / 1e9)
    } else {
        format!("{n:.2e}")
    }
}

/// Writes an aligned table indented by two spaces; `numeric` columns align right.
fn table(out: &mut String, headers: &[&str], rows: &[Vec<String>], numeric: &[bool]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::from(" ");
        for (i, cell) in cells.enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            text.push(' ');
            if numeric.get(i).copied().unwrap_or(false) {
                text.extend(std::iter::repeat_n(' ', pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', pad));
            }
            text.push(' ');
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(out, &mut headers.iter().copied());
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &mut rule.iter().map(String::as_str));
    for row in rows {
        line(out, &mut row.iter().map(String::as_str));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn header_names_the_run() {
        let text = render(&fixtures::report());
        assert!(text.starts_with("blastsim report: three-tier (variant more-threads)\n"), "{text}");
        assert!(text.contains("seed 7, start 2020-11-25T02:00:00-08:00, duration 1h, step 1m"), "{text}");
    }

    #[test]
    fn impacted_services_come_first_in_order_of_impact() {
        let text = render(&fixtures::report());
        let pos = |name: &str| text.find(&format!("  {name} ")).unwrap_or_else(|| panic!("{name}: {text}"));
        assert!(pos("web-front") < pos("user-db"));
        assert!(pos("user-db") < pos("auth-api"));
        let front = text.lines().find(|l| l.trim_start().starts_with("web-front")).unwrap();
        let cells: Vec<&str> = front.split_whitespace().collect();
        assert_eq!(cells[..5], ["web-front", "yes", "55.00%", "405.0k", "13.5"]);
        assert_eq!(cells[5..], ["02:11:00", "02:11:00", "-", "-", "02:40:00"]);
        let auth = text.lines().find(|l| l.trim_start().starts_with("auth-api")).unwrap();
        assert!(auth.contains(" no ") && auth.trim_end().ends_with('-'), "{auth}");
    }

    #[test]
    fn columns_are_aligned() {
        let text = render(&fixtures::report());
        let table: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("Services")).skip(1).take(5).collect();
        let severe = table[0].find("severe").unwrap();
        assert_eq!(&table[2][severe..severe + 8], "02:11:00", "{text}");
        assert_eq!(&table[3][severe..severe + 8], "02:13:00", "{text}");
        assert_eq!(&table[4][severe..severe + 2], "- ", "{text}");
        let failed_end = table[0].find("failed req").unwrap() + "failed req".len();
        assert_eq!(&table[2][failed_end - 6..failed_end], "405.0k", "{text}");
    }

    #[test]
    fn scheduled_events_and_score_are_listed() {
        let text = render(&fixtures::report());
        assert!(text.contains("Scheduled events (1)"), "{text}");
        assert!(text.contains("02:10:00  user-db  crash user-db 50%"), "{text}");
        assert!(text.contains("(1 other logged change is listed"), "{text}");
        let row = text.lines().find(|l| l.contains("impact_start")).unwrap();
        assert!(row.contains("02:15") && row.contains("02:13:00") && row.ends_with("-2.0"), "{row}");
        let never = text.lines().find(|l| l.contains("mostly_recovered")).unwrap();
        assert!(never.contains("never"), "{never}");
        assert!(
            text.contains("Score: 1/2 milestones within 10 min; mean |error| 2.0 min, worst 2.0 min; 1 never reached"),
            "{text}"
        );
    }

    #[test]
    fn score_is_computed_when_the_report_has_none() {
        let mut report = fixtures::report();
        report.score = None;
        assert!(render(&report).contains("Score: 1/2 milestones within 10 min; mean |error| 2.0 min"));
        report.expectations.clear();
        assert!(!render(&report).contains("Score"));
    }

    #[test]
    fn output_is_plain_ascii() {
        if std::env::var_os("BLASTSIM_SHOW_TEXT").is_some() {
            println!("{}", render(&fixtures::report()));
        }
        assert!(render(&fixtures::report()).is_ascii());
    }
}
