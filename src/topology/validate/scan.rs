//! Checks of every key and value wherever it is written: numbers are finite, text holds no control characters.

use crate::text::{code_point, unsafe_char};
use crate::topology::error::Issue;
use crate::topology::keypath::Seg;
use toml::de::{DeTable, DeValue};

/// One problem for each NaN or infinite float, and each key or string holding a control
/// character, in `table` (variants' `set` values included), in file order.
///
/// Reads the parsed document in place: a key path is made strings only for a problem. O(values).
pub fn scan(table: &DeTable) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut path = Vec::new();
    walk_table(table, &mut path, &mut issues);
    issues
}

/// Whether [`scan`] would find nothing in the entry `key = value` of a table. O(values).
pub fn clean(key: &str, value: &DeValue) -> bool {
    let mut issues = Vec::new();
    let mut path = vec![Seg::Key(key)];
    check_key(key, &path, &mut issues);
    walk(value, &mut path, &mut issues);
    issues.is_empty()
}

fn walk_table<'a>(table: &'a DeTable, path: &mut Vec<Seg<'a>>, issues: &mut Vec<Issue>) {
    for (key, value) in table {
        path.push(Seg::Key(key.get_ref()));
        check_key(key.get_ref(), path, issues);
        walk(value.get_ref(), path, issues);
        path.pop();
    }
}

fn check_key(key: &str, path: &[Seg], issues: &mut Vec<Issue>) {
    // Keys name services and calls: not even a newline or a tab belongs in one.
    if plain(key) {
        return;
    }
    if let Some(c) = key.chars().find(|&c| c.is_control() || crate::text::is_unsafe(c)) {
        issues.push(
            Issue::at_key(path, format!("a key may not hold control characters; found {}", code_point(c)))
                .help("names and keys are printable text: remove the character"),
        );
    }
}

fn walk<'a>(value: &'a DeValue, path: &mut Vec<Seg<'a>>, issues: &mut Vec<Issue>) {
    match value {
        DeValue::String(text) => {
            if !plain(text)
                && let Some(c) = unsafe_char(text)
            {
                issues.push(
                    Issue::at(&path[..], format!("text may not hold control characters; found {}", code_point(c)))
                        .help("write printable text (newlines and tabs are fine in descriptions and notes)"),
                );
            }
        }
        DeValue::Float(f) => {
            // As the parser reads it; a float it cannot read is its own error, reported later.
            if let Ok(f) = f.as_str().parse::<f64>()
                && !f.is_finite()
            {
                issues.push(
                    Issue::at(&path[..], format!("must be a finite number, found {}", shown(f)))
                        .help("NaN and infinities are never valid values; write a number like 0.5"),
                );
            }
        }
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(item.get_ref(), path, issues);
                path.pop();
            }
        }
        DeValue::Table(t) => walk_table(t, path, issues),
        _ => {}
    }
}

/// Writes each date-time of `table` as its text, as reading the file into a
/// plain table did before the raw topology was read from it: a date-time
/// where text or any value is expected is its text. O(values).
pub fn datetimes_as_text(table: &mut DeTable) {
    for (_, value) in table.iter_mut() {
        as_text(value.get_mut());
    }
}

/// As [`datetimes_as_text`], for one value.
pub fn as_text(value: &mut DeValue) {
    match value {
        DeValue::Datetime(d) => *value = DeValue::String(d.to_string().into()),
        DeValue::Array(items) => items.iter_mut().for_each(|item| as_text(item.get_mut())),
        DeValue::Table(t) => datetimes_as_text(t),
        _ => {}
    }
}

/// Printable ASCII only: nothing to look for, byte by byte.
fn plain(text: &str) -> bool {
    text.bytes().all(|b| (b' '..=b'~').contains(&b))
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
        let table = DeTable::parse("a = nan\n[b]\nc = [1.0, inf]\nd = { e = -inf, f = 2.5 }\n").expect("TOML");
        let found: Vec<(String, String)> =
            scan(table.get_ref()).into_iter().map(|i| (i.path.join("."), i.message)).collect();
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
        let table =
            DeTable::parse("name = \"a\\u001b[2J\"\nnote = \"two\\nlines\"\n[\"s\\u0000\"]\nx = [\"\\u0007\"]\n")
                .expect("TOML");
        let found: Vec<(String, String)> =
            scan(table.get_ref()).into_iter().map(|i| (i.path.join("."), i.message)).collect();
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
