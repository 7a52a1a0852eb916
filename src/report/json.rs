//! The `report.json` export: the report as pretty-printed JSON.

use crate::analysis::report::Report;

/// Renders a report as pretty JSON ending in a newline.
///
/// The output is a pure function of the report: the same report gives the
/// same bytes. Non-finite numbers become `null`.
pub fn render(report: &Report) -> String {
    // A Report holds only structs, strings, numbers and options: serialising
    // it into memory cannot fail.
    let mut text = serde_json::to_string_pretty(report).expect("a Report always serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use serde_json::Value;

    #[test]
    fn follows_the_report_contract() {
        let text = render(&fixtures::report());
        assert!(text.ends_with("}\n"));
        let value: Value = serde_json::from_str(&text).unwrap();
        let front = &value["services"][0];
        assert_eq!(front["name"], "web-front");
        assert_eq!(front["milestones"][0]["kind"], "impact_start");
        assert_eq!(front["milestones"][0]["at"], "02:11:00");
        assert_eq!(front["milestones"][0]["t_s"], 660.0);
        let missed = &value["expectations"][1];
        assert_eq!(missed["kind"], "mostly_recovered");
        assert_eq!(missed["simulated"], Value::Null);
        assert_eq!(value["expectations"][0]["error_min"], -2.0);
    }

    #[test]
    fn is_deterministic() {
        assert_eq!(render(&fixtures::report()), render(&fixtures::report()));
    }
}
