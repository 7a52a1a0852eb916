//! AWS X-Ray `GetServiceGraph` JSON: `Services[]`, each with its `Edges[]` to other services by `ReferenceId`.
//!
//! Read per service: `SummaryStatistics` (`TotalCount`, `FaultStatistics`,
//! `ErrorStatistics.ThrottleCount`, `TotalResponseTime`) and
//! `ResponseTimeHistogram`; per edge the same, and `EdgeType` (`link` for an
//! asynchronous connection). A service of `Type` `client` stands for the
//! callers outside the graph: its edges are outside load. Failed requests are
//! faults (5xx) and throttles; other errors (4xx) are the caller's. The window
//! is `EndTime - StartTime` (epoch seconds or RFC 3339).

use super::{Edge, ImportError, Observed, Stats, bad, check_name};
use serde_json::Value;

/// Reads the service graph.
pub fn read(file: &str, text: &str) -> Result<Observed, ImportError> {
    let help =
        "pass the JSON of `aws xray get-service-graph`: {\"StartTime\": ..., \"EndTime\": ..., \"Services\": [...]}";
    let root: Value = serde_json::from_str(text)
        .map_err(|e| bad(file, format!("not JSON: {e} (line {}, column {})", e.line(), e.column()), help))?;
    let services =
        root.get("Services").and_then(Value::as_array).ok_or_else(|| bad(file, "no `Services` array", help))?;
    if services.is_empty() {
        return Err(bad(file, "`Services` is empty", "export the graph over a time range with traffic"));
    }
    let mut nodes: Vec<(i64, String, bool)> = Vec::new();
    for (i, s) in services.iter().enumerate() {
        let at = format!("Services[{i}]");
        let id = s
            .get("ReferenceId")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad(file, format!("{at}.ReferenceId is missing or not an integer"), help))?;
        if nodes.iter().any(|(n, _, _)| *n == id) {
            return Err(bad(
                file,
                format!("{at}.ReferenceId {id} is used twice"),
                "each service has its own ReferenceId",
            ));
        }
        let kind = s.get("Type").and_then(Value::as_str).unwrap_or("");
        let client = kind == "client";
        let name = match s.get("Name").and_then(Value::as_str) {
            Some(n) => n.to_string(),
            None if client => "client".to_string(),
            None => return Err(bad(file, format!("{at}.Name is missing"), help)),
        };
        check_name(file, &name, &format!("{at}.Name"))?;
        let same = nodes.iter().filter(|(_, n, c)| !c && n.split(" (").next() == Some(name.as_str())).count();
        let name = if same > 0 && !kind.is_empty() { format!("{name} ({kind})") } else { name };
        nodes.push((id, name, client));
    }
    let mut observed = Observed { window_s: window(file, &root)?, ..Observed::default() };
    for (s, (_, name, client)) in services.iter().zip(&nodes) {
        if !client {
            observed.add_service(name);
            if let Some(st) = s.get("SummaryStatistics") {
                let stats = stats(file, &format!("{name}.SummaryStatistics"), st, s.get("ResponseTimeHistogram"))?;
                observed.served.push((name.clone(), stats));
            }
        }
    }
    for (i, (s, (_, name, client))) in services.iter().zip(&nodes).enumerate() {
        let Some(edges) = s.get("Edges") else { continue };
        let edges = edges.as_array().ok_or_else(|| bad(file, format!("Services[{i}].Edges is not an array"), help))?;
        for (j, e) in edges.iter().enumerate() {
            let at = format!("Services[{i}].Edges[{j}]");
            let target = e
                .get("ReferenceId")
                .and_then(Value::as_i64)
                .ok_or_else(|| bad(file, format!("{at}.ReferenceId is missing"), help))?;
            let callee = nodes.iter().find(|(n, _, _)| *n == target).map(|(_, n, _)| n.clone()).ok_or_else(|| {
                bad(
                    file,
                    format!("{at}.ReferenceId {target} names no service"),
                    "every edge points at a service of the same graph",
                )
            })?;
            let st =
                e.get("SummaryStatistics").ok_or_else(|| bad(file, format!("{at} has no SummaryStatistics"), help))?;
            let stats = stats(file, &format!("{at}.SummaryStatistics"), st, e.get("ResponseTimeHistogram"))?;
            if *client {
                observed.outside.push((callee, stats));
            } else if callee != *name {
                let asynchronous = e.get("EdgeType").and_then(Value::as_str) == Some("link");
                observed.edges.push(Edge { caller: name.clone(), callee, stats, asynchronous });
            }
        }
    }
    Ok(observed)
}

fn stats(file: &str, at: &str, st: &Value, histogram: Option<&Value>) -> Result<Stats, ImportError> {
    let num = |v: Option<&Value>| v.and_then(Value::as_f64).filter(|x| x.is_finite() && *x >= 0.0);
    let count = num(st.get("TotalCount")).ok_or_else(|| {
        bad(
            file,
            format!("{at}.TotalCount is missing or not a count"),
            "SummaryStatistics carries TotalCount, OkCount, ErrorStatistics and FaultStatistics",
        )
    })?;
    let faults = num(st.pointer("/FaultStatistics/TotalCount"));
    let throttles = num(st.pointer("/ErrorStatistics/ThrottleCount"));
    let failed = match (faults, throttles) {
        (None, None) => None,
        (f, t) => Some(f.unwrap_or(0.0) + t.unwrap_or(0.0)),
    };
    let mean_s = num(st.get("TotalResponseTime")).filter(|_| count > 0.0).map(|t| t / count);
    let p99_s = match histogram.and_then(Value::as_array) {
        Some(h) => {
            let mut points: Vec<(f64, f64)> = Vec::new();
            for (k, p) in h.iter().enumerate() {
                match (num(p.get("Value")), num(p.get("Count"))) {
                    (Some(v), Some(c)) => points.push((v, c)),
                    _ => {
                        return Err(bad(
                            file,
                            format!("{at}: ResponseTimeHistogram[{k}] needs Value and Count"),
                            "entries are {\"Value\": seconds, \"Count\": n}",
                        ));
                    }
                }
            }
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let total: f64 = points.iter().map(|p| p.1).sum();
            let mut seen = 0.0;
            points
                .iter()
                .find(|p| {
                    seen += p.1;
                    seen >= 0.99 * total
                })
                .map(|p| p.0)
                .filter(|_| total > 0.0)
        }
        None => None,
    };
    Ok(Stats { count, failed, mean_s, p99_s })
}

/// `EndTime - StartTime` in seconds, when both are there.
fn window(file: &str, root: &Value) -> Result<Option<f64>, ImportError> {
    let time = |key: &str| -> Result<Option<f64>, ImportError> {
        match root.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) => epoch_s(s).map(Some).ok_or_else(|| {
                bad(
                    file,
                    format!("{key} \"{s}\" is not a time"),
                    "write epoch seconds or an RFC 3339 time like 2024-05-01T10:00:00Z",
                )
            }),
            Some(_) => Err(bad(file, format!("{key} is not a time"), "write epoch seconds or an RFC 3339 time")),
        }
    };
    match (time("StartTime")?, time("EndTime")?) {
        (Some(a), Some(b)) if b > a => Ok(Some(b - a)),
        (Some(_), Some(_)) => Err(bad(file, "EndTime is not after StartTime", "the graph covers StartTime to EndTime")),
        _ => Ok(None),
    }
}

/// Seconds since 1970 of an RFC 3339 time (`2024-05-01T10:00:00Z`, `...+02:00`, fractions allowed).
fn epoch_s(text: &str) -> Option<f64> {
    let (date, time) = text.split_once(['T', ' '])?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let zone_at = time.find(['Z', 'z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let mut c = clock.split(':');
    let (h, min, s) =
        (c.next()?.parse::<f64>().ok()?, c.next()?.parse::<f64>().ok()?, c.next().unwrap_or("0").parse::<f64>().ok()?);
    let offset = match zone {
        "" | "Z" | "z" => 0.0,
        z => {
            let sign = if z.starts_with('-') { -1.0 } else { 1.0 };
            let (zh, zm) = z[1..].split_once(':')?;
            sign * (zh.parse::<f64>().ok()? * 3600.0 + zm.parse::<f64>().ok()? * 60.0)
        }
    };
    // Days from 1970-01-01 to the civil date (proleptic Gregorian).
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m - 3) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3600.0 + min * 60.0 + s - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_count_from_1970() {
        assert_eq!(epoch_s("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(epoch_s("2024-05-01T10:00:00Z"), Some(1_714_557_600.0));
        assert_eq!(epoch_s("2024-05-01T12:00:00+02:00"), Some(1_714_557_600.0));
        assert_eq!(epoch_s("soon"), None);
    }

    #[test]
    fn clients_are_outside_load_and_links_are_asynchronous() {
        let text = r#"{"StartTime": 1000, "EndTime": 4600, "Services": [
          {"ReferenceId": 0, "Type": "client", "Edges": [{"ReferenceId": 1, "SummaryStatistics": {"TotalCount": 3600}}]},
          {"ReferenceId": 1, "Name": "web", "Type": "AWS::EC2::Instance",
           "SummaryStatistics": {"TotalCount": 3600, "TotalResponseTime": 180, "FaultStatistics": {"TotalCount": 36}},
           "Edges": [{"ReferenceId": 2, "EdgeType": "link", "SummaryStatistics": {"TotalCount": 7200},
                      "ResponseTimeHistogram": [{"Value": 0.01, "Count": 7000}, {"Value": 0.2, "Count": 200}]}]},
          {"ReferenceId": 2, "Name": "queue", "Type": "AWS::SQS::Queue", "SummaryStatistics": {"TotalCount": 7200}}]}"#;
        let o = read("g.json", text).unwrap();
        assert_eq!(o.window_s, Some(3600.0));
        assert_eq!(o.services, ["web", "queue"]);
        assert_eq!(o.outside[0].0, "web");
        assert_eq!(o.served[0].1.mean_s, Some(0.05));
        assert_eq!(o.served[0].1.failed, Some(36.0));
        assert!(o.edges[0].asynchronous);
        assert_eq!(o.edges[0].stats.p99_s, Some(0.2));
    }

    #[test]
    fn malformed_graphs_say_where() {
        for (text, says) in [
            ("[]", "no `Services` array"),
            (r#"{"Services": [{"Name": "a"}]}"#, "Services[0].ReferenceId"),
            (
                r#"{"Services": [{"ReferenceId": 1, "Name": "a", "Edges": [{"ReferenceId": 9, "SummaryStatistics": {"TotalCount": 1}}]}]}"#,
                "names no service",
            ),
            (r#"{"Services": [{"ReferenceId": 1, "Name": "a\tb"}]}"#, "control character"),
            (r#"{"StartTime": "x", "Services": [{"ReferenceId": 1, "Name": "a"}]}"#, "StartTime \"x\" is not a time"),
        ] {
            let e = read("g.json", text).unwrap_err();
            assert!(e.message.contains(says), "{text}: {e}");
        }
    }
}
