//! The `report.json` export: the report as pretty-printed JSON.

use crate::analysis::report::Report;
use serde::Serialize;

/// The version of the `report.json`, `compare.json` and `sweep.json` layouts
/// (`schema_version` in each; the schemas are in `docs/schemas/`). It goes up
/// when a field is removed or changes meaning, not when one is added.
pub const SCHEMA_VERSION: u32 = 1;

/// A value with `schema_version` as its first field.
#[derive(Serialize)]
struct Versioned<'a, T: Serialize> {
    schema_version: u32,
    #[serde(flatten)]
    body: &'a T,
}

/// Renders a report as pretty JSON ending in a newline, `schema_version` first.
///
/// The output is a pure function of the report: the same report gives the
/// same bytes. Non-finite numbers become `null`.
pub fn render(report: &Report) -> String {
    // A Report holds only structs, strings, numbers and options: serialising
    // it into memory cannot fail.
    let versioned = Versioned { schema_version: SCHEMA_VERSION, body: report };
    let mut text = serde_json::to_string_pretty(&versioned).expect("a Report always serialises");
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
        assert_eq!(value["schema_version"], SCHEMA_VERSION);
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
