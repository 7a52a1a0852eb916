//! Every number in a topology is finite: NaN and infinities are refused wherever they are written.

use crate::topology::error::Issue;
use toml::Value;

/// One problem for each NaN or infinite float in `table` (variants' `set` values included).
pub fn non_finite(table: &toml::Table) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut path = Vec::new();
    for (key, value) in table {
        path.push(key.clone());
        walk(value, &mut path, &mut issues);
        path.pop();
    }
    issues
}

fn walk(value: &Value, path: &mut Vec<String>, issues: &mut Vec<Issue>) {
    match value {
        Value::Float(f) if !f.is_finite() => issues.push(
            Issue::at(path, format!("must be a finite number, found {}", shown(*f)))
                .help("NaN and infinities are never valid values; write a number like 0.5"),
        ),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                walk(item, path, issues);
                path.pop();
            }
        }
        Value::Table(t) => {
            for (key, item) in t {
                path.push(key.clone());
                walk(item, path, issues);
                path.pop();
            }
        }
        _ => {}
    }
}

/// As TOML writes it.
fn shown(f: f64) -> &'static str {
    match f {
        f if f.is_nan() => "nan",
        f if f > 0.0 => "inf",
        _ => "-inf",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nan_and_infinities_at_any_depth() {
        let table: toml::Table =
            toml::from_str("a = nan\n[b]\nc = [1.0, inf]\nd = { e = -inf, f = 2.5 }\n").expect("TOML");
        let found: Vec<(String, String)> =
            non_finite(&table).into_iter().map(|i| (i.path.join("."), i.message)).collect();
        assert_eq!(
            found,
            [
                ("a".to_string(), "must be a finite number, found nan".to_string()),
                ("b.c.1".to_string(), "must be a finite number, found inf".to_string()),
                ("b.d.e".to_string(), "must be a finite number, found -inf".to_string()),
            ]
        );
    }
}
