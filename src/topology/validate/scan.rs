//! Checks of every key and value wherever it is written: numbers are finite, text holds no control characters.

use crate::text::{code_point, unsafe_char};
use crate::topology::error::Issue;
use toml::Value;

/// One problem for each NaN or infinite float, and each key or string holding a control
/// character, in `table` (variants' `set` values included).
pub fn scan(table: &toml::Table) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut path = Vec::new();
    for (key, value) in table {
        path.push(key.clone());
        check_key(key, &path, &mut issues);
        walk(value, &mut path, &mut issues);
        path.pop();
    }
    issues
}

fn check_key(key: &str, path: &[String], issues: &mut Vec<Issue>) {
    // Keys name services and calls: not even a newline or a tab belongs in one.
    if let Some(c) = key.chars().find(|&c| c.is_control() || crate::text::is_unsafe(c)) {
        issues.push(
            Issue::at_key(path, format!("a key may not hold control characters; found {}", code_point(c)))
                .help("names and keys are printable text: remove the character"),
        );
    }
}

fn walk(value: &Value, path: &mut Vec<String>, issues: &mut Vec<Issue>) {
    match value {
        Value::String(text) => {
            if let Some(c) = unsafe_char(text) {
                issues.push(
                    Issue::at(path, format!("text may not hold control characters; found {}", code_point(c)))
                        .help("write printable text (newlines and tabs are fine in descriptions and notes)"),
                );
            }
        }
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
                check_key(key, path, issues);
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
        let found: Vec<(String, String)> = scan(&table).into_iter().map(|i| (i.path.join("."), i.message)).collect();
        assert_eq!(
            found,
            [
                ("a".to_string(), "must be a finite number, found nan".to_string()),
                ("b.c.1".to_string(), "must be a finite number, found inf".to_string()),
                ("b.d.e".to_string(), "must be a finite number, found -inf".to_string()),
            ]
        );
    }

    #[test]
    fn finds_control_characters_in_keys_and_text() {
        let table: toml::Table =
            toml::from_str("name = \"a\\u001b[2J\"\nnote = \"two\\nlines\"\n[\"s\\u0000\"]\nx = [\"\\u0007\"]\n")
                .expect("TOML");
        let found: Vec<(String, String)> = scan(&table).into_iter().map(|i| (i.path.join("."), i.message)).collect();
        assert_eq!(
            found,
            [
                ("name".to_string(), "text may not hold control characters; found U+001B".to_string()),
                ("s\0".to_string(), "a key may not hold control characters; found U+0000".to_string()),
                ("s\0.x.0".to_string(), "text may not hold control characters; found U+0007".to_string()),
            ]
        );
    }
}
