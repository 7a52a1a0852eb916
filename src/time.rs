//! Simulated time: integer milliseconds, durations, rates and the wall clock used for display.

use std::fmt;

/// A point in simulated time, in milliseconds since the simulation start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// A span of simulated time [ms].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub fn from_secs_f64(s: f64) -> SimTime {
        SimTime((s * 1000.0).round().max(0.0) as u64)
    }

    /// Seconds since the start.
    pub fn secs(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    pub fn plus(self, span: Span) -> SimTime {
        SimTime(self.0.saturating_add(span.0))
    }

    pub fn since(self, earlier: SimTime) -> Span {
        Span(self.0.saturating_sub(earlier.0))
    }
}

impl Span {
    pub const ZERO: Span = Span(0);

    pub fn from_secs_f64(s: f64) -> Span {
        Span((s * 1000.0).round().max(0.0) as u64)
    }

    /// Length in seconds.
    pub fn secs(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Span {
    /// Formats as the shortest unit string that parses back, e.g. `1h30m`, `250ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = self.0;
        if ms == 0 {
            return f.write_str("0s");
        }
        let units = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)];
        for (name, size) in units {
            if ms >= size {
                write!(f, "{}{}", ms / size, name)?;
                ms %= size;
            }
        }
        Ok(())
    }
}

/// Parses a duration string such as `250ms`, `10s`, `1h30m`, `2d`.
///
/// Units: `ms`, `s`, `m`, `h`, `d`; numbers may be decimal (`1.5h`). A bare
/// number is an error: the unit must be written.
pub fn parse_span(text: &str) -> Result<Span, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration; write one like \"250ms\", \"10s\" or \"1h30m\"".into());
    }
    let mut total = 0.0_f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!(
                "`{s}` is not a duration; write a number then a unit, like \"250ms\", \"10s\" or \"1h30m\""
            ));
        }
        let number: f64 = rest[..num_len].parse().map_err(|_| format!("`{}` is not a number", &rest[..num_len]))?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let scale = match unit {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            "" => {
                return Err(format!(
                    "`{s}` has no unit; write \"{s}s\" for seconds or \"{s}ms\" for milliseconds (units: ms, s, m, h, d)"
                ));
            }
            other => {
                return Err(format!("`{other}` is not a duration unit in `{s}`; use ms, s, m, h or d"));
            }
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    if !total.is_finite() || total > MAX_SPAN.0 as f64 {
        return Err(format!("`{s}` is out of range; durations go up to {MAX_SPAN} (about 2,700 years)"));
    }
    Ok(Span(total.round() as u64))
}

/// The longest duration a topology may write: 1,000,000 days [ms]. Sums of a few such spans stay far
/// inside `u64`, so simulated times never saturate.
pub const MAX_SPAN: Span = Span(1_000_000 * 86_400_000);

/// Parses a rate such as `300/h`, `2000/s`, `5/m` into events per second.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let s = text.trim();
    let Some((num, unit)) = s.split_once('/') else {
        return Err(format!("`{s}` is not a rate; write a number per unit, like \"300/h\" or \"2000/s\""));
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{}` in `{s}` is not a number; write a rate like \"300/h\"", num.trim()))?;
    if n.is_nan() || (n.is_infinite() && num.to_ascii_lowercase().contains("inf")) {
        return Err(format!("`{}` in `{s}` is not a finite number; write a rate like \"300/h\"", num.trim()));
    }
    if n.is_infinite() {
        return Err(format!("`{}` in `{s}` is out of range; write a rate like \"300/h\"", num.trim()));
    }
    let per = match unit.trim() {
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        other => {
            return Err(format!("`{other}` is not a time unit in `{s}`; use /s, /m, /h or /d"));
        }
    };
    if n < 0.0 {
        return Err(format!("`{s}` is negative; write a rate like \"300/h\""));
    }
    Ok(n / per)
}

/// Parses a memory size such as `4GB`, `512MB`, `2KB` into megabytes.
///
/// Units: `B`, `KB`, `MB`, `GB`, `TB` (any case), in powers of 1024: 1 GB is
/// 1024 MB and 1 KB is 1/1024 MB. Numbers may be decimal (`1.5GB`). A bare
/// number is an error: the unit must be written.
pub fn parse_size_mb(text: &str) -> Result<f64, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty size; write one like \"512MB\" or \"4GB\"".into());
    }
    let num_len = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    if num_len == 0 {
        return Err(format!("`{s}` is not a size; write a number then a unit, like \"512MB\" or \"4GB\""));
    }
    let number: f64 = s[..num_len].parse().map_err(|_| format!("`{}` in `{s}` is not a number", &s[..num_len]))?;
    let scale = match s[num_len..].trim().to_ascii_uppercase().as_str() {
        "B" => 1.0 / (1024.0 * 1024.0),
        "KB" => 1.0 / 1024.0,
        "MB" => 1.0,
        "GB" => 1024.0,
        "TB" => 1024.0 * 1024.0,
        "" => {
            return Err(format!(
                "`{s}` has no unit; write \"{s}MB\" for megabytes or \"{s}GB\" for gigabytes (units: B, KB, MB, GB, TB)"
            ));
        }
        _ => {
            let unit = s[num_len..].trim();
            return Err(format!("`{unit}` is not a size unit in `{s}`; use B, KB, MB, GB or TB"));
        }
    };
    let mb = number * scale;
    if !mb.is_finite() {
        return Err(format!("`{s}` is too large"));
    }
    Ok(mb)
}

/// The wall clock at the simulation start, used to show and read clock times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// The start as written, e.g. `2020-11-25T02:00:00-08:00`.
    pub start: String,
    /// Seconds since local midnight at the start.
    pub start_of_day_s: u64,
}

impl Clock {
    /// Parses an RFC 3339 timestamp with an offset, e.g. `2020-11-25T02:00:00-08:00`.
    pub fn parse(text: &str) -> Result<Clock, String> {
        let bad = || {
            format!(
                "`{text}` is not a start clock; write an RFC 3339 time with its offset, like \"2020-11-25T02:00:00-08:00\""
            )
        };
        let (date, rest) = text.split_once('T').ok_or_else(bad)?;
        let date_ok = date.len() == 10
            && date.as_bytes()[4] == b'-'
            && date.as_bytes()[7] == b'-'
            && date.chars().filter(|c| c.is_ascii_digit()).count() == 8;
        if !date_ok || rest.len() < 8 {
            return Err(bad());
        }
        // `get` and not indexing: a byte count may fall inside a multi-byte character.
        let (Some(time), Some(zone)) = (rest.get(..8), rest.get(8..)) else {
            return Err(bad());
        };
        let zone_ok = zone == "Z"
            || (zone.len() == 6
                && (zone.starts_with('+') || zone.starts_with('-'))
                && parse_hms(&zone[1..]).is_some_and(|s| s % 60 == 0));
        if !zone_ok {
            return Err(bad());
        }
        let secs = parse_hms(time).ok_or_else(bad)?;
        Ok(Clock { start: text.to_string(), start_of_day_s: secs })
    }

    /// Converts a clock time of day (`"05:15"` or `"05:15:30"`) to a time since
    /// the start; a time earlier than the start's time of day is on the next day.
    pub fn at(&self, hms: &str) -> Option<SimTime> {
        let secs = parse_hms(hms)?;
        let offset =
            if secs >= self.start_of_day_s { secs - self.start_of_day_s } else { secs + 86_400 - self.start_of_day_s };
        Some(SimTime(offset * 1000))
    }

    /// Formats a simulated time as a clock time `HH:MM:SS` (with `+Nd` past midnight).
    pub fn show(&self, t: SimTime) -> String {
        let total = self.start_of_day_s + t.0 / 1000;
        let days = total / 86_400;
        let s = total % 86_400;
        let hms = format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
        if days == 0 { hms } else { format!("{hms}+{days}d") }
    }
}

fn parse_hms(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let nums: Option<Vec<u64>> = parts.iter().map(|p| p.parse().ok()).collect();
    let nums = nums?;
    let (h, m, s) = (nums[0], nums[1], *nums.get(2).unwrap_or(&0));
    (h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
}

/// Formats seconds since the start as an offset such as `+3h15m`.
pub fn show_offset(t: SimTime) -> String {
    format!("+{}", Span(t.0 - t.0 % 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_with_units() {
        assert_eq!(parse_span("250ms"), Ok(Span(250)));
        assert_eq!(parse_span("1h30m"), Ok(Span(5_400_000)));
        assert_eq!(parse_span("1.5s"), Ok(Span(1500)));
        assert_eq!(parse_span("2d"), Ok(Span(172_800_000)));
    }

    #[test]
    fn spans_past_the_limit_are_out_of_range() {
        for text in ["18446744073709551616ms", "99999999999999h", "1000001d", "999999d24h1ms"] {
            let err = parse_span(text).unwrap_err();
            assert!(err.contains("out of range"), "{text}: {err}");
        }
        assert_eq!(parse_span("1000000d"), Ok(MAX_SPAN));
    }

    #[test]
    fn rates_say_what_is_wrong() {
        assert!(parse_rate("nan/s").unwrap_err().contains("`nan` in `nan/s` is not a finite number"));
        assert!(parse_rate("inf/s").unwrap_err().contains("not a finite number"));
        assert!(parse_rate("-inf/s").unwrap_err().contains("not a finite number"));
        assert!(parse_rate("1e400/s").unwrap_err().contains("`1e400` in `1e400/s` is out of range"));
        assert!(parse_rate("-5/s").unwrap_err().contains("is negative"));
    }

    #[test]
    fn spans_without_unit_are_refused_with_the_fix() {
        let err = parse_span("30").unwrap_err();
        assert!(err.contains("\"30s\""), "{err}");
        assert!(parse_span("10 parsecs").is_err());
        assert!(parse_span("").is_err());
    }

    #[test]
    fn spans_display_round_trips() {
        for text in ["1h30m", "250ms", "2d3h", "10s", "0s"] {
            assert_eq!(parse_span(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn rates_are_per_second() {
        assert_eq!(parse_rate("300/h").unwrap(), 300.0 / 3600.0);
        assert_eq!(parse_rate("2000/s").unwrap(), 2000.0);
        assert!(parse_rate("300").is_err());
        assert!(parse_rate("5/fortnight").is_err());
    }

    #[test]
    fn sizes_are_megabytes_in_powers_of_1024() {
        assert_eq!(parse_size_mb("512MB"), Ok(512.0));
        assert_eq!(parse_size_mb("4GB"), Ok(4096.0));
        assert_eq!(parse_size_mb("2KB"), Ok(2.0 / 1024.0));
        assert_eq!(parse_size_mb("1TB"), Ok(1024.0 * 1024.0));
        assert_eq!(parse_size_mb("1048576B"), Ok(1.0));
        assert_eq!(parse_size_mb("1.5gb"), Ok(1536.0));
        assert_eq!(parse_size_mb(" 0MB "), Ok(0.0));
    }

    #[test]
    fn sizes_without_unit_are_refused_with_the_fix() {
        assert_eq!(
            parse_size_mb("512").unwrap_err(),
            "`512` has no unit; write \"512MB\" for megabytes or \"512GB\" for gigabytes (units: B, KB, MB, GB, TB)"
        );
        assert_eq!(parse_size_mb("4GiB").unwrap_err(), "`GiB` is not a size unit in `4GiB`; use B, KB, MB, GB or TB");
        assert!(parse_size_mb("-4GB").is_err());
        assert!(parse_size_mb("GB").is_err());
        assert!(parse_size_mb("").is_err());
        assert!(parse_size_mb("1.2.3MB").is_err());
    }

    #[test]
    fn clock_reads_and_shows_times_of_day() {
        let c = Clock::parse("2020-11-25T02:00:00-08:00").unwrap();
        assert_eq!(c.at("05:15"), Some(SimTime(3 * 3_600_000 + 15 * 60_000)));
        assert_eq!(c.show(SimTime(3 * 3_600_000 + 15 * 60_000)), "05:15:00");
        assert_eq!(c.at("01:00"), Some(SimTime(23 * 3_600_000)));
        assert_eq!(c.show(SimTime(23 * 3_600_000)), "01:00:00+1d");
        assert!(Clock::parse("2020-11-25 02:00").is_err());
        assert!(c.at("25:00").is_none());
    }

    #[test]
    fn clocks_with_other_characters_are_refused_not_sliced() {
        // Found by fuzzing (fuzz/ units): byte 8 of the time fell inside a 3-byte character and slicing panicked.
        assert!(Clock::parse("2020-11-25T02:00\0=\u{ac32}05:15:30").is_err());
        assert!(Clock::parse("2020-11-25T02:00:0\u{ac32}Z").is_err());
        assert!(Clock::parse("2020-11-25T02:00:00+08:\u{e9}").is_err());
        // Every part is two ASCII digits: `+1` parses as a number but is no hour.
        assert!(Clock::parse("2020-11-25T+1:00:00Z").is_err());
        assert!(Clock::parse("2020-11-25T02:00:00+ab:cd").is_err());
        assert!(Clock::parse("2020-11-25T02:00:00+05:30").is_ok());
        let c = Clock::parse("2020-11-25T02:00:00Z").unwrap();
        assert_eq!(c.at("+1:00"), None);
    }
}
