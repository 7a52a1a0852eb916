//! The numeric values of a topology by dotted key, and how to scale one: what `sensitivity` varies and `fit` types.

use crate::sweep::range::split_unit;
use crate::time::parse_span;
use serde::{Deserialize, Serialize};
use toml_edit::{DocumentMut, Item, Value};

/// A number as written in the topology: bare, with a unit (`300/h`, `2360MB`), or a duration (`1h03m`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Number {
    pub value: f64,
    /// `""` for bare numbers; `/h`, `MB`, `s`... otherwise (a compound duration is read in `ms`).
    pub unit: String,
    /// A TOML integer: scaled values are rounded.
    pub integer: bool,
}

impl Number {
    /// Reads a TOML value as a number, if it is one.
    pub fn of(value: &Value) -> Option<Number> {
        match value {
            Value::Integer(i) => Some(Number { value: *i.value() as f64, unit: String::new(), integer: true }),
            Value::Float(f) if f.value().is_finite() => {
                Some(Number { value: *f.value(), unit: String::new(), integer: false })
            }
            Value::String(s) => Number::of_text(s.value()),
            _ => None,
        }
    }

    /// Reads `300/h`, `2360MB`, `20m` or `1h03m` (as 3780000 ms); not clock times (`02:44`) or words.
    pub fn of_text(text: &str) -> Option<Number> {
        let (n, unit) = split_unit(text.trim())?;
        let simple = !unit.is_empty()
            && unit.strip_prefix('/').unwrap_or(unit).chars().all(|c| c.is_ascii_alphabetic())
            && !unit[1..].contains('/');
        if simple {
            return Some(Number { value: n, unit: unit.to_string(), integer: false });
        }
        let span = parse_span(text).ok()?;
        Some(Number { value: span.0 as f64, unit: "ms".into(), integer: false })
    }

    /// This number's kind with another value: rounded for integers.
    pub fn with(&self, value: f64) -> Number {
        let value = if self.integer { value.round() } else { tidy(value) };
        Number { value, unit: self.unit.clone(), integer: self.integer }
    }

    /// The value as `--set` takes it: `4096`, `0.25`, `"305.2/h"`.
    pub fn to_toml(&self) -> String {
        let bare = if self.integer { format!("{}", self.value as i64) } else { float(self.value) };
        if self.unit.is_empty() { bare } else { format!("\"{}{}\"", bare_text(self.value, self.integer), self.unit) }
    }

    /// The value in another unit of the same kind (`1h` in `m` is 60), if both are durations, rates or sizes.
    pub fn in_unit(&self, unit: &str) -> Option<f64> {
        if self.unit == unit {
            return Some(self.value);
        }
        let scale = |u: &str| {
            let one = format!("1{u}");
            parse_span(&one)
                .map(|s| s.0 as f64)
                .or_else(|_| crate::time::parse_rate(&one))
                .or_else(|_| crate::time::parse_size_mb(&one))
                .ok()
        };
        let kind = |u: &str| {
            if u.starts_with('/') {
                0
            } else if u.ends_with('B') {
                1
            } else {
                2
            }
        };
        (kind(&self.unit) == kind(unit)).then_some(())?;
        Some(self.value * scale(&self.unit)? / scale(unit)?)
    }

    /// The value as people read it: `4096`, `305.2/h`.
    pub fn show(&self) -> String {
        format!("{}{}", bare_text(self.value, self.integer), self.unit)
    }
}

fn bare_text(v: f64, integer: bool) -> String {
    if integer { format!("{}", v as i64) } else { format!("{}", tidy(v)) }
}

fn float(v: f64) -> String {
    let text = format!("{}", tidy(v));
    if text.contains(['.', 'e', 'E', 'n', 'i']) { text } else { format!("{text}.0") }
}

/// Rounds to 6 significant digits, so scaled values stay readable and stable.
pub fn tidy(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 5 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits.clamp(-300, 300));
    (x * scale).round() / scale
}

/// Keys `sensitivity` never varies: times, seeds, switches and the scoring itself.
const SKIPPED: [&str; 4] = ["at", "seed", "enabled", "values"];

/// Every numeric value of the model a topology describes, by dotted key, in file
/// order: services' parameters and enabled scenario actions' (not times, the
/// run's length, thresholds, the expected timeline or variants).
pub fn numeric(text: &str) -> Vec<(String, Number)> {
    let Ok(doc) = text.parse::<DocumentMut>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(services) = doc.get("services").and_then(Item::as_table_like) {
        for (name, item) in services.iter() {
            walk(&format!("services.{}", name), item, &mut out);
        }
    }
    if let Some(actions) = doc.get("scenario").and_then(Item::as_array_of_tables) {
        for (i, action) in actions.iter().enumerate() {
            if action.get("enabled").and_then(Item::as_bool) == Some(false) {
                continue;
            }
            for (k, item) in action.iter() {
                walk(&format!("scenario.{i}.{}", k), item, &mut out);
            }
        }
    }
    out
}

/// The number at `key` in the topology, if there is one.
pub fn lookup(text: &str, key: &str) -> Option<Number> {
    let doc = text.parse::<DocumentMut>().ok()?;
    let segs: Vec<&str> = key.split('.').map(|s| s.trim().trim_matches('"')).collect();
    let (last, path) = segs.split_last()?;
    let mut table: &dyn toml_edit::TableLike = doc.as_table();
    let mut i = 0;
    while i < path.len() {
        table = match table.get(path[i])? {
            Item::ArrayOfTables(a) => {
                i += 1;
                a.get(path.get(i)?.parse::<usize>().ok()?)?
            }
            other => other.as_table_like()?,
        };
        i += 1;
    }
    table.get(last)?.as_value().and_then(Number::of)
}

fn walk(path: &str, item: &Item, out: &mut Vec<(String, Number)>) {
    let leaf = path.rsplit('.').next().unwrap_or(path);
    if SKIPPED.contains(&leaf) {
        return;
    }
    match item {
        Item::Value(Value::InlineTable(t)) => {
            if t.get("enabled").and_then(Value::as_bool) == Some(false) {
                return;
            }
            for (k, v) in t.iter() {
                walk(&format!("{path}.{}", k), &Item::Value(v.clone()), out);
            }
        }
        Item::Table(t) => {
            if t.get("enabled").and_then(Item::as_bool) == Some(false) {
                return;
            }
            for (k, v) in t.iter() {
                walk(&format!("{path}.{}", k), v, out);
            }
        }
        Item::Value(v) => {
            if let Some(n) = Number::of(v) {
                out.push((path.to_string(), n));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"duration = "1h"
seed = 3
[services.web]
instances = 8
capacity = "400/s"
startup = { dist = "lognormal", median = "8m", sigma = 0.25 }
[services.web.calls.db]
timeout = "1h03m"
[services.db]
memory = { limit = "2360MB" }
[[scenario]]
at = "09:20"
action = "crash"
service = "db"
fraction = 0.5
[[scenario]]
at = "09:30"
action = "crash"
service = "db"
fraction = 0.5
enabled = false
"#;

    #[test]
    fn finds_numbers_units_and_durations_but_not_times_or_words() {
        let keys: Vec<(String, String)> = numeric(TEXT).into_iter().map(|(k, n)| (k, n.show())).collect();
        let want = [
            ("services.web.instances", "8"),
            ("services.web.capacity", "400/s"),
            ("services.web.startup.median", "8m"),
            ("services.web.startup.sigma", "0.25"),
            ("services.web.calls.db.timeout", "3780000ms"),
            ("services.db.memory.limit", "2360MB"),
            ("scenario.0.fraction", "0.5"),
        ];
        let want: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(keys, want);
        assert_eq!(lookup(TEXT, "services.web.instances").unwrap().integer, true);
        assert_eq!(lookup(TEXT, "scenario.0.fraction").unwrap().value, 0.5);
        assert!(lookup(TEXT, "services.web.nothing").is_none());
    }

    #[test]
    fn scaled_values_keep_their_kind() {
        let n = Number::of_text("300/h").unwrap();
        assert_eq!(n.with(330.0).to_toml(), "\"330/h\"");
        let i = Number { value: 70.0, unit: String::new(), integer: true };
        assert_eq!(i.with(77.4).to_toml(), "77");
        let f = Number { value: 0.25, unit: String::new(), integer: false };
        assert_eq!(f.with(0.275).to_toml(), "0.275");
        assert_eq!(f.with(1.0).to_toml(), "1.0");
        assert!(Number::of_text("02:44").is_none());
        assert!(Number::of_text("drop").is_none());
        assert_eq!(Number::of_text("1h").unwrap().in_unit("m"), Some(60.0));
        assert_eq!(Number::of_text("2GB").unwrap().in_unit("MB"), Some(2048.0));
        assert_eq!(Number::of_text("1h").unwrap().in_unit("/h"), None);
    }
}
