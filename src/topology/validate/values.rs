//! Checks of single values (durations, rates, times, ranges), each reporting into the shared problem list.

use crate::model::ServiceId;
use crate::model::dist::Dist;
use crate::time::{Clock, SimTime, Span, parse_rate, parse_size_mb, parse_span};
use crate::topology::error::Issue;
pub use crate::topology::keypath::{Seg, sub};
use crate::topology::raw::{DurationText, RateText, RawDist, SizeText, SpreadText};
use crate::topology::suggest::did_you_mean;
use std::collections::HashMap;
use toml::Value;

/// The problems found so far and what later checks need to know.
#[derive(Default)]
pub struct Ctx {
    pub issues: Vec<Issue>,
    pub clock: Option<Clock>,
    /// The run's length, when valid; times after it are refused.
    pub duration: Option<Span>,
    /// The client segments the loads name.
    pub segments: Vec<String>,
    /// Scenario entries and calls left out with `enabled = false`.
    pub disabled: Vec<String>,
    /// Each service's id by name, built at the scenario's first lookup (most
    /// topologies name few services there, and a healthy one none).
    pub service_ids: HashMap<String, ServiceId>,
}

/// Names a TOML value's type and content, as in "integer 30".
pub fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("string \"{s}\""),
        Value::Integer(i) => format!("integer {i}"),
        Value::Float(f) => format!("float {f}"),
        Value::Boolean(b) => format!("boolean {b}"),
        Value::Datetime(d) => format!("date-time {d}"),
        Value::Array(_) => "an array".to_string(),
        Value::Table(_) => "a table".to_string(),
    }
}

impl Ctx {
    pub fn push(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    /// A duration, or its default; `positive` refuses zero.
    pub fn span(&mut self, path: &[Seg], text: Option<&DurationText>, default: &str, positive: bool) -> Span {
        let fallback = parse_span(default).expect("defaults parse");
        let Some(text) = text else { return fallback };
        match parse_span(&text.0) {
            Ok(s) if positive && s.is_zero() => {
                self.push(
                    Issue::at(path, "must be longer than 0")
                        .help(format!("write a positive duration like \"{default}\"")),
                );
                fallback
            }
            Ok(s) => s,
            Err(e) => {
                self.push(
                    Issue::at(path, e).help("durations are strings with a unit: \"250ms\", \"10s\", \"1h30m\", \"2d\""),
                );
                fallback
            }
        }
    }

    /// A duration that may be a distribution: its nominal value and the distribution.
    pub fn spread(
        &mut self,
        path: &[Seg],
        text: Option<&SpreadText>,
        default: &str,
        positive: bool,
    ) -> (Span, Option<Dist>) {
        match text {
            None => (self.span(path, None, default, positive), None),
            Some(SpreadText::Fixed(t)) => (self.span(path, Some(t), default, positive), None),
            Some(SpreadText::Dist(d)) => match self.dist(path, d) {
                Some(dist) => (Span::from_secs_f64(dist.nominal_s()), Some(dist)),
                None => (self.span(path, None, default, positive), None),
            },
        }
    }

    /// A latency that may be a distribution: its mean and the distribution.
    pub fn latency(
        &mut self,
        path: &[Seg],
        text: Option<&SpreadText>,
        default: &str,
        positive: bool,
    ) -> (Span, Option<Dist>) {
        match self.spread(path, text, default, positive) {
            (_, Some(d)) => (Span::from_secs_f64(d.mean_s()), Some(d)),
            fixed => fixed,
        }
    }

    /// A distribution of durations; `None` after pushing its problems.
    pub fn dist(&mut self, path: &[Seg], d: &RawDist) -> Option<Dist> {
        const KINDS: [(&str, &[&str]); 6] = [
            ("fixed", &["value"]),
            ("exponential", &["mean"]),
            ("lognormal", &["median", "sigma"]),
            ("uniform", &["min", "max"]),
            ("normal", &["mean", "sd"]),
            ("empirical", &["points"]),
        ];
        let names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
        let kind = self.required(&sub(path, "dist"), d.dist.as_ref(), "\"exponential\"")?.clone();
        let Some((_, keys)) = KINDS.iter().find(|(k, _)| *k == kind) else {
            self.push(
                Issue::at(&sub(path, "dist"), format!("unknown distribution `{kind}`{}", did_you_mean(&kind, &names)))
                    .help("use \"fixed\", \"exponential\", \"lognormal\", \"uniform\", \"normal\" or \"empirical\""),
            );
            return None;
        };
        let given = [
            ("value", d.value.is_some()),
            ("mean", d.mean.is_some()),
            ("median", d.median.is_some()),
            ("sigma", d.sigma.is_some()),
            ("min", d.min.is_some()),
            ("max", d.max.is_some()),
            ("sd", d.sd.is_some()),
            ("points", d.points.is_some()),
        ];
        let mut ok = true;
        for (key, present) in given {
            if present && !keys.contains(&key) {
                self.push(Issue::at(&sub(path, key), format!("a `{kind}` distribution takes no `{key}`")).help(
                    format!(
                        "a `{kind}` distribution takes {}",
                        keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" and ")
                    ),
                ));
                ok = false;
            }
        }
        let secs = |ctx: &mut Ctx, key: &str, t: Option<&DurationText>| -> Option<f64> {
            let t = ctx.required(&sub(path, key), t, "\"10m\"")?;
            Some(ctx.span(&sub(path, key), Some(t), "1s", false).secs())
        };
        let dist = match kind.as_str() {
            "fixed" => Dist::Fixed { value_s: secs(self, "value", d.value.as_ref())? },
            "exponential" => Dist::Exponential { mean_s: secs(self, "mean", d.mean.as_ref())? },
            "lognormal" => {
                let median_s = secs(self, "median", d.median.as_ref())?;
                let sigma = self.number(&sub(path, "sigma"), d.sigma, 0.5, 0.0, false);
                Dist::LogNormal { median_s, sigma }
            }
            "uniform" => {
                let (min_s, max_s) = (secs(self, "min", d.min.as_ref())?, secs(self, "max", d.max.as_ref())?);
                if min_s > max_s {
                    self.push(Issue::at(&sub(path, "min"), "`min` is above `max`").help("write min <= max"));
                    return None;
                }
                Dist::Uniform { min_s, max_s }
            }
            "empirical" => {
                let example = "[[0.5, \"80ms\"], [0.99, \"400ms\"]]";
                let raw = self.required(&sub(path, "points"), d.points.as_ref(), example)?;
                let mut pts = Vec::with_capacity(raw.len());
                for (i, (p, t)) in raw.iter().enumerate() {
                    pts.push((*p, self.span(&sub(&sub(path, "points"), i), Some(t), "1s", false).secs()));
                }
                match crate::model::dist::Empirical::new(&pts) {
                    Some(e) => Dist::Empirical(e),
                    None => {
                        self.push(
                            Issue::at(&sub(path, "points"), "points must be 1 to 16 pairs [quantile, duration] with quantiles in 0..=1, both rising")
                                .help(format!("write points like {example}")),
                        );
                        return None;
                    }
                }
            }
            _ => {
                let mean_s = secs(self, "mean", d.mean.as_ref())?;
                Dist::Normal { mean_s, sd_s: secs(self, "sd", d.sd.as_ref())? }
            }
        };
        ok.then_some(dist)
    }

    /// An optional duration without default.
    pub fn opt_span(&mut self, path: &[Seg], text: Option<&DurationText>) -> Option<Span> {
        text.map(|t| self.span(path, Some(t), "1s", true))
    }

    /// A rate [per second]; `positive` refuses zero.
    pub fn rate(&mut self, path: &[Seg], text: &RateText, positive: bool) -> f64 {
        match parse_rate(&text.0) {
            Ok(r) if positive && r <= 0.0 => {
                self.push(
                    Issue::at(path, format!("must be more than 0, found \"{}\"", text.0))
                        .help("write a positive rate like \"500/s\""),
                );
                1.0
            }
            Ok(r) => r,
            Err(e) => {
                self.push(Issue::at(path, e).help("rates are strings per unit of time: \"500/s\", \"300/h\""));
                1.0
            }
        }
    }

    /// A size [MB], or its default; `positive` refuses zero.
    pub fn size(&mut self, path: &[Seg], text: Option<&SizeText>, default: &str, positive: bool) -> f64 {
        let fallback = parse_size_mb(default).expect("defaults parse");
        let Some(text) = text else { return fallback };
        match parse_size_mb(&text.0) {
            Ok(mb) if positive && mb <= 0.0 => {
                self.push(
                    Issue::at(path, format!("must be more than 0, found \"{}\"", text.0))
                        .help(format!("write a positive size like \"{default}\"")),
                );
                fallback
            }
            Ok(mb) => mb,
            Err(e) => {
                self.push(Issue::at(path, e).help("sizes are strings with a unit: \"2KB\", \"512MB\", \"4GB\""));
                fallback
            }
        }
    }

    /// A number at least `min` (more than `min` when `strict`), or its default.
    pub fn number(&mut self, path: &[Seg], value: Option<f64>, default: f64, min: f64, strict: bool) -> f64 {
        let Some(v) = value else { return default };
        let ok = if strict { v > min } else { v >= min };
        if !ok || !v.is_finite() {
            let expected = if strict { format!("more than {min}") } else { format!("at least {min}") };
            self.push(
                Issue::at(path, format!("must be {expected}, found {v}"))
                    .help(format!("write a number {expected}, like {default}")),
            );
            return default;
        }
        v
    }

    /// A required value: reports it missing with an example.
    pub fn required<'a, T>(&mut self, path: &[Seg], value: Option<&'a T>, example: &str) -> Option<&'a T> {
        if value.is_none() {
            let (key, table) = path.split_last().expect("keys have a name");
            let place = if table.is_empty() {
                "the top level".to_string()
            } else {
                format!("`[{}]`", crate::topology::error::dotted(table))
            };
            self.push(
                Issue::at(path, format!("missing key `{key}`")).help(format!("add `{key} = {example}` to {place}")),
            );
        }
        value
    }

    /// An integer in `min..=max`, or its default.
    pub fn int(&mut self, path: &[Seg], value: Option<i64>, default: i64, min: i64, max: i64) -> i64 {
        match value {
            Some(v) if v < min || v > max => {
                // Below the range, a bound past any sensible value is left unsaid; above it, it is the point.
                let expected = if v > max {
                    format!("at most {max}")
                } else if max >= u32::MAX as i64 {
                    format!("at least {min}")
                } else {
                    format!("between {min} and {max}")
                };
                self.push(
                    Issue::at(path, format!("must be {expected}, found {v}"))
                        .help(format!("write a whole number {expected}")),
                );
                default
            }
            Some(v) => v,
            None => default,
        }
    }

    /// A fraction in (0, 1] (or [0, 1] with `zero_ok`).
    pub fn fraction(&mut self, path: &[Seg], value: f64, zero_ok: bool) -> f64 {
        let ok = if zero_ok { (0.0..=1.0).contains(&value) } else { value > 0.0 && value <= 1.0 };
        if !ok {
            let range = if zero_ok { "between 0 and 1" } else { "more than 0 and at most 1" };
            self.push(
                Issue::at(path, format!("must be {range}, found {value}")).help("write a fraction like 0.5 for half"),
            );
        }
        value
    }

    /// The start clock.
    pub fn clock_value(&mut self, path: &[Seg], value: &Value) -> Option<Clock> {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Datetime(d) => d.to_string(),
            other => {
                self.push(Issue::at(
                    path,
                    format!("expected an RFC 3339 time like \"2020-11-25T02:00:00-08:00\", found {}", describe(other)),
                ));
                return None;
            }
        };
        match Clock::parse(&text) {
            Ok(c) => Some(c),
            Err(e) => {
                self.push(
                    Issue::at(path, e)
                        .help("write the wall clock at the start with its offset, like \"2020-11-25T02:00:00-08:00\""),
                );
                None
            }
        }
    }

    /// A time in the run: a clock time (`"05:15"`, needs `start`) or an offset (`"+3h15m"`), not after the end.
    pub fn time(&mut self, path: &[Seg], value: &Value) -> Option<SimTime> {
        let text = match value {
            Value::String(s) => s.trim().to_string(),
            Value::Datetime(d) if d.date.is_none() && d.time.is_some() => d.to_string(),
            other => {
                self.push(Issue::at(
                    path,
                    format!("expected a time like \"05:15\" or \"+3h15m\", found {}", describe(other)),
                ));
                return None;
            }
        };
        let t = if let Some(offset) = text.strip_prefix('+') {
            match parse_span(offset) {
                Ok(s) => SimTime(s.0),
                Err(e) => {
                    self.push(Issue::at(path, e).help("write an offset from the start like \"+3h15m\""));
                    return None;
                }
            }
        } else if text.contains(':') {
            let Some(clock) = &self.clock else {
                self.push(Issue::at(path, format!("the clock time `{text}` needs a start clock")).help(
                    "add `start = \"2020-11-25T02:00:00-08:00\"` at the top level, or write an offset from the start like \"+3h15m\"",
                ));
                return None;
            };
            match clock.at(&text) {
                Some(t) => t,
                None => {
                    self.push(
                        Issue::at(path, format!("`{text}` is not a clock time"))
                            .help("write hours and minutes like \"05:15\" or \"05:15:30\""),
                    );
                    return None;
                }
            }
        } else if text.starts_with('-') {
            self.push(
                Issue::at(path, format!("`{text}` is before the start of the run; times are offsets after it"))
                    .help("write an offset from the start like \"+5m\", or a clock time like \"05:15\""),
            );
            return None;
        } else {
            // Suggest `+TEXT` only when that is itself a valid offset.
            let example = if parse_span(&text).is_ok() { format!("+{text}") } else { "+3h15m".to_string() };
            self.push(
                Issue::at(path, format!("`{text}` is not a time"))
                    .help(format!("write an offset from the start like \"{example}\", or a clock time like \"05:15\"")),
            );
            return None;
        };
        if let Some(d) = self.duration
            && t.0 > d.0
        {
            self.push(
                Issue::at(path, format!("`{text}` is after the end of the run (duration {d})"))
                    .help("use a time within the run, or lengthen `duration`"),
            );
            return None;
        }
        Some(t)
    }

    /// A time of day (`"14:00"`) in seconds since midnight.
    pub fn time_of_day(&mut self, path: &[Seg], value: &Value) -> Option<u64> {
        let text = match value {
            Value::String(s) => s.trim().to_string(),
            Value::Datetime(d) if d.date.is_none() && d.time.is_some() => d.to_string(),
            other => {
                self.push(Issue::at(path, format!("expected a time of day like \"14:00\", found {}", describe(other))));
                return None;
            }
        };
        let midnight = Clock { start: String::new(), start_of_day_s: 0 };
        match midnight.at(&text) {
            Some(t) => Some(t.0 / 1000),
            None => {
                self.push(
                    Issue::at(path, format!("`{text}` is not a time of day"))
                        .help("write hours and minutes like \"14:00\""),
                );
                None
            }
        }
    }
}
