//! `--param KEY=RANGE`: the values a swept parameter takes, parsed from ranges and lists.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Points of `A..B` when no count or step is given.
pub const DEFAULT_POINTS: usize = 11;
/// The most points one parameter may take, so a typo cannot start an endless sweep.
pub const MAX_POINTS: usize = 10_000;

/// One value of a swept parameter, as it goes into the topology.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Int(i64),
    Float(f64),
    /// A number with a unit (`"300/h"`, `"10m"`) or any other text: a TOML string.
    Text(String),
}

impl Value {
    /// The value as a TOML literal, for `--set KEY=VALUE`.
    pub fn to_toml(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::Float(f) => {
                let text = f.to_string();
                if text.contains(['.', 'e', 'E', 'n', 'i']) { text } else { format!("{text}.0") }
            }
            Value::Text(s) => toml_edit::Value::from(s.as_str()).to_string(),
        }
    }

    /// The number the value carries (`"300/h"` -> 300), for plotting.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Text(s) => split_unit(s).map(|(n, _)| n),
        }
    }

    /// The unit after the number (`"300/h"` -> `/h`); empty for bare numbers.
    pub fn unit(&self) -> &str {
        match self {
            Value::Text(s) => split_unit(s).map_or("", |(_, u)| u),
            _ => "",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(s) => f.write_str(s),
        }
    }
}

/// A swept parameter: its dotted key, the range as written, and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub key: String,
    /// The range or list as written after `=`.
    pub range: String,
    /// The values were spaced evenly on a log scale.
    pub log: bool,
    pub values: Vec<Value>,
}

/// Why a `--param` could not be parsed; the message names the text and the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--param `{text}`: {problem}; {fix}")]
pub struct ParamError {
    pub text: String,
    pub problem: String,
    pub fix: String,
}

const FORMS: &str = "write KEY=A..B, KEY=A..B:N, KEY=A..B:N:log, KEY=A..B:step=S or KEY=V1,V2,V3";

/// Parses `KEY=RANGE`: `A..B` ([`DEFAULT_POINTS`] points), `A..B:N`, `A..B:N:log`,
/// `A..B:step=S`, or a list `V1,V2,V3`. Numbers may carry a unit shared by both
/// ends (`100/h..600/h:6`), which makes each value a TOML string (`"200/h"`);
/// bare numbers stay numbers, integers when every value is integral.
pub fn parse(text: &str) -> Result<Param, ParamError> {
    let err = |problem: String, fix: &str| ParamError { text: text.to_string(), problem, fix: fix.to_string() };
    let Some((key, range)) = text.split_once('=') else {
        return Err(err("no `=` between the key and its values".into(), FORMS));
    };
    let (key, range) = (key.trim(), range.trim());
    if key.is_empty() {
        return Err(err("the key is empty".into(), "name a dotted key path, e.g. `scenario.2.rate=100/h..600/h:6`"));
    }
    if range.is_empty() {
        return Err(err(format!("no values after `{key}=`"), FORMS));
    }
    let (values, log) = match range.split_once("..") {
        Some((a, rest)) => parse_range(a, rest).map_err(|(problem, fix)| err(problem, &fix))?,
        None => (parse_list(range).map_err(|(problem, fix)| err(problem, &fix))?, false),
    };
    Ok(Param { key: key.to_string(), range: range.to_string(), log, values })
}

fn parse_list(range: &str) -> Result<Vec<Value>, (String, String)> {
    let items: Vec<&str> = range.split(',').map(str::trim).collect();
    if let Some(i) = items.iter().position(|s| s.is_empty()) {
        return Err((
            format!("item {} of the list is empty", i + 1),
            "separate values with single commas: V1,V2,V3".into(),
        ));
    }
    let ints: Option<Vec<i64>> =
        items.iter().map(|s| split_int(s).filter(|(_, u)| u.is_empty()).map(|(i, _)| i)).collect();
    if let Some(ints) = ints {
        return Ok(ints.into_iter().map(Value::Int).collect());
    }
    let numbers: Option<Vec<f64>> = items.iter().map(|s| bare_number(s)).collect();
    Ok(match numbers {
        Some(ns) => numbers_to_values(&ns, ""),
        None => items.iter().map(|s| Value::Text(s.trim_matches('"').to_string())).collect(),
    })
}

fn parse_range(a: &str, rest: &str) -> Result<(Vec<Value>, bool), (String, String)> {
    let mut parts = rest.split(':');
    let b = parts.next().unwrap_or("");
    let opts: Vec<&str> = parts.collect();
    let (a_text, b_text) = (a.trim(), b.trim());
    let plus = a_text.starts_with('+');
    if plus != b_text.starts_with('+') {
        return Err((
            "only one end starts with `+`".into(),
            "give both ends of a relative time a `+`, e.g. +1m..+20m:3".into(),
        ));
    }
    let (a, unit_a) = range_end(a, "start")?;
    let (b, unit_b) = range_end(b, "end")?;
    if unit_a != unit_b {
        return Err((
            format!("the ends carry different units (`{unit_a}` and `{unit_b}`)"),
            "give both ends the same unit, e.g. 1m..10m:4".into(),
        ));
    }
    let (mut count, mut step, mut log) = (None, None, false);
    for opt in &opts {
        if *opt == "log" {
            log = true;
        } else if let Some(s) = opt.strip_prefix("step=") {
            let (s, _) = split_unit(s.trim()).filter(|(_, u)| u.is_empty() || *u == unit_a).ok_or_else(|| {
                (format!("the step `{s}` is not a number"), format!("write step=S, e.g. step=50{unit_a}"))
            })?;
            step = Some(s);
        } else if let Ok(n) = opt.trim().parse::<usize>() {
            count = Some(n);
        } else {
            return Err((format!("`:{opt}` is not a count, `log` or `step=S`"), FORMS.into()));
        }
    }
    if !log && let Some(values) = integer_range(a_text, b_text, count, step.is_some().then_some(opts.as_slice())) {
        return Ok((values.into_iter().map(|i| with_unit(Value::Int(i), plus, unit_a)).collect(), false));
    }
    let values = match (count, step) {
        (Some(_), Some(_)) => {
            return Err(("a count and a step were both given".into(), "give either A..B:N or A..B:step=S".into()));
        }
        (_, Some(_)) if log => {
            return Err(("a step cannot be log-spaced".into(), "give a count for log spacing: A..B:N:log".into()));
        }
        (_, Some(s)) => {
            if s.is_nan() || s <= 0.0 || b < a {
                return Err((
                    format!("the step {s} does not lead from {a} up to {b}"),
                    "use a positive step and A <= B".into(),
                ));
            }
            let n = ((b - a) / s * (1.0 + 1e-12) + 1e-9).floor() + 1.0;
            if n > MAX_POINTS as f64 {
                return Err((format!("the step gives {n} points"), format!("use at most {MAX_POINTS} points")));
            }
            (0..n as usize).map(|i| a + s * i as f64).collect::<Vec<f64>>()
        }
        (count, None) => {
            let n = count.unwrap_or(DEFAULT_POINTS);
            if n == 0 {
                return Err(("zero points".into(), "give at least one point: A..B:N with N >= 1".into()));
            }
            if n > MAX_POINTS {
                return Err((format!("{n} points"), format!("use at most {MAX_POINTS} points")));
            }
            if log && (a <= 0.0 || b <= 0.0) {
                return Err((
                    "a log-spaced range needs both ends above zero".into(),
                    "use positive ends, e.g. 10..1000:5:log, or drop `:log`".into(),
                ));
            }
            linspace(a, b, n, log)
        }
    };
    let values = numbers_to_values(&values, "");
    Ok((values.into_iter().map(|v| with_unit(v, plus, unit_a)).collect(), log))
}

/// A number with its unit and the `+` of a relative time; a bare number stays a number.
fn with_unit(v: Value, plus: bool, unit: &str) -> Value {
    if unit.is_empty() && !plus {
        return v;
    }
    Value::Text(format!("{}{v}{unit}", if plus { "+" } else { "" }))
}

/// The values of a range whose ends (and step) are integers and whose every
/// point is one, computed in integers so values past 2^53 stay exact;
/// `None` when they are not (the float path then decides).
fn integer_range(a: &str, b: &str, count: Option<usize>, step_opts: Option<&[&str]>) -> Option<Vec<i64>> {
    let (a, unit_a) = split_int(a)?;
    let (b, unit_b) = split_int(b)?;
    if unit_a != unit_b || a.unsigned_abs() < 1 << 53 && b.unsigned_abs() < 1 << 53 {
        return None;
    }
    let (a, b) = (a as i128, b as i128);
    let values: Vec<i128> = match step_opts {
        Some(opts) => {
            let s = opts.iter().find_map(|o| o.strip_prefix("step="))?;
            let (s, unit) = split_int(s.trim())?;
            let s = s as i128;
            if !(unit.is_empty() || unit == unit_a) || s <= 0 || b < a || (b - a) / s >= MAX_POINTS as i128 {
                return None;
            }
            (0..=(b - a) / s).map(|i| a + s * i).collect()
        }
        None => {
            let n = count.unwrap_or(DEFAULT_POINTS);
            if n == 0 || n > MAX_POINTS {
                return None;
            }
            if n == 1 {
                vec![a]
            } else {
                let d = (n - 1) as i128;
                if (b - a) % d != 0 {
                    return None;
                }
                (0..n as i128).map(|i| a + (b - a) / d * i).collect()
            }
        }
    };
    values.into_iter().map(|v| i64::try_from(v).ok()).collect()
}

/// `-12ms` -> (-12, `ms`): an integer with an optional sign, then the unit.
fn split_int(s: &str) -> Option<(i64, &str)> {
    let digits_end = s.char_indices().find(|&(i, c)| !(c.is_ascii_digit() || i == 0 && (c == '-' || c == '+')));
    let end = digits_end.map_or(s.len(), |(i, _)| i);
    let unit = &s[end..];
    if unit.starts_with(['.', 'e', 'E']) {
        return None;
    }
    Some((s[..end].parse().ok()?, unit))
}

fn range_end<'a>(s: &'a str, which: &str) -> Result<(f64, &'a str), (String, String)> {
    split_unit(s.trim()).ok_or_else(|| {
        (format!("the {which} `{s}` is not a number"), "write numbers, optionally with a unit: 100/h..600/h:6".into())
    })
}

fn linspace(a: f64, b: f64, n: usize, log: bool) -> Vec<f64> {
    if n == 1 {
        return vec![a];
    }
    let f = |i: usize| i as f64 / (n - 1) as f64;
    if log {
        let (la, lb) = (a.ln(), b.ln());
        (0..n).map(|i| (la + (lb - la) * f(i)).exp()).collect()
    } else {
        (0..n).map(|i| a + (b - a) * f(i)).collect()
    }
}

/// Rounds to 12 significant digits, so `10^(2/2)` comes out as 10.
fn tidy(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 11 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits.clamp(-300, 300));
    (x * scale).round() / scale
}

fn numbers_to_values(numbers: &[f64], unit: &str) -> Vec<Value> {
    let tidied: Vec<f64> = numbers.iter().map(|&x| tidy(x)).collect();
    let integral = tidied.iter().all(|x| x.fract() == 0.0 && x.abs() < 9e15);
    tidied
        .iter()
        .map(|&x| match (integral, unit.is_empty()) {
            (true, true) => Value::Int(x as i64),
            (false, true) => Value::Float(x),
            (true, false) => Value::Text(format!("{}{unit}", x as i64)),
            (false, false) => Value::Text(format!("{x}{unit}")),
        })
        .collect()
}

fn bare_number(s: &str) -> Option<f64> {
    split_unit(s).filter(|(_, u)| u.is_empty()).map(|(n, _)| n)
}

/// Splits `300/h` into (300, `/h`): an optional sign, digits with an optional
/// fraction and exponent, then the unit (possibly empty).
pub fn split_unit(s: &str) -> Option<(f64, &str)> {
    let bytes = s.as_bytes();
    let mut i = 0;
    if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
        i += 1;
    }
    let digits_start = i;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    if i + 1 < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'-' || bytes[j] == b'+') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    let number: f64 = s[..i].parse().ok()?;
    number.is_finite().then_some((number, &s[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<String> {
        parse(text).unwrap().values.iter().map(Value::to_toml).collect()
    }

    #[test]
    fn ranges_lists_and_units() {
        assert_eq!(values("k=0..10:3"), ["0", "5", "10"]);
        assert_eq!(values("k=50..2000").len(), DEFAULT_POINTS);
        assert_eq!(values("k=0..1:3"), ["0.0", "0.5", "1.0"]);
        assert_eq!(values("k=1..1000:4:log"), ["1", "10", "100", "1000"]);
        assert_eq!(
            values("k=100/h..600/h:6"),
            ["\"100/h\"", "\"200/h\"", "\"300/h\"", "\"400/h\"", "\"500/h\"", "\"600/h\""]
        );
        assert_eq!(values("k=1m..10m:4"), ["\"1m\"", "\"4m\"", "\"7m\"", "\"10m\""]);
        assert_eq!(values("k=0..1:step=0.25"), ["0.0", "0.25", "0.5", "0.75", "1.0"]);
        assert_eq!(values("k=100..400:step=100"), ["100", "200", "300", "400"]);
        assert_eq!(values("k=100,200,400"), ["100", "200", "400"]);
        assert_eq!(values("k=150/h,300/h,600/h"), ["\"150/h\"", "\"300/h\"", "\"600/h\""]);
        assert_eq!(values("k=drop,block"), ["\"drop\"", "\"block\""]);
        assert_eq!(values("k=7"), ["7"]);
        let p = parse("scenario.2.rate=100/h..600/h:6").unwrap();
        assert_eq!((p.key.as_str(), p.range.as_str(), p.log), ("scenario.2.rate", "100/h..600/h:6", false));
        assert_eq!((p.values[1].number(), p.values[1].unit()), (Some(200.0), "/h"));
    }

    #[test]
    fn relative_times_keep_their_plus() {
        assert_eq!(values("scenario.0.at=+1m..+20m:3"), ["\"+1m\"", "\"+10.5m\"", "\"+20m\""]);
        assert_eq!(values("k=+10m..+30m:step=10m"), ["\"+10m\"", "\"+20m\"", "\"+30m\""]);
        assert_eq!(values("k=+1m,+5m"), ["\"+1m\"", "\"+5m\""]);
        assert!(parse("k=+1m..20m:3").unwrap_err().to_string().contains("only one end starts with `+`"));
    }

    #[test]
    fn integers_past_2_pow_53_stay_exact() {
        let big = 9_007_199_254_740_993_i64; // 2^53 + 1: not a float
        assert_eq!(values(&format!("k={big}..{}:3", big + 4)), [big, big + 2, big + 4].map(|i| i.to_string()));
        assert_eq!(values(&format!("k={big}..{}:step=1", big + 2)), [big, big + 1, big + 2].map(|i| i.to_string()));
        assert_eq!(values(&format!("k={big},1")), [big.to_string(), "1".to_string()]);
        assert_eq!(
            values("k=9223372036854775806..9223372036854775807:2"),
            ["9223372036854775806", "9223372036854775807"]
        );
        assert_eq!(values("k=0..10:3"), ["0", "5", "10"]);
    }

    #[test]
    fn bad_ranges_name_the_text_and_the_fix() {
        let cases = [
            ("rate", "no `=`"),
            ("=1..2", "the key is empty"),
            ("k=", "no values"),
            ("k=a..b", "the start `a` is not a number"),
            ("k=1m..2h", "different units"),
            ("k=1..2:0", "zero points"),
            ("k=0..10:3:log", "above zero"),
            ("k=1..2:x", "`:x` is not a count"),
            ("k=1..2:3:step=1", "both given"),
            ("k=2..1:step=1", "does not lead"),
            ("k=1..2:step=0", "does not lead"),
            ("k=0..1e9:step=1", "at most"),
            ("k=1,,2", "item 2 of the list is empty"),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(want) && e.starts_with(&format!("--param `{text}`")), "{text}: {e}");
        }
    }
}
