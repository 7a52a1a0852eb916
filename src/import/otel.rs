//! The OpenTelemetry Collector's service-graph connector metrics, in the Prometheus text format.
//!
//! Read: `traces_service_graph_request_total{client, server}` (calls),
//! `traces_service_graph_request_failed_total` (failed calls) and the
//! `traces_service_graph_request_server_seconds` histogram (`_bucket{le}`,
//! `_sum`, `_count`: the server's response time). A `connection_type` of
//! `messaging_system` marks a call through a queue. The client `user` is the
//! connector's virtual node for requests from outside the traced services.
//! Other metrics and comments are skipped. Counters are totals since the
//! collector started, so the window comes from `--window`.

use super::{Edge, ImportError, Observed, Stats, bad, check_name};

const REQUESTS: &str = "traces_service_graph_request_total";
const FAILED: &str = "traces_service_graph_request_failed_total";
const SECONDS: &str = "traces_service_graph_request_server_seconds";
/// The connector's name for callers outside the traces.
pub const OUTSIDE: &str = "user";

/// One edge's series, summed over any other labels.
#[derive(Default)]
struct Series {
    requests: f64,
    failed: Option<f64>,
    sum: Option<f64>,
    count: Option<f64>,
    /// (upper bound [s], cumulative count)
    buckets: Vec<(f64, f64)>,
    messaging: bool,
}

/// Reads the metrics into edges; requests from `user` become outside load.
pub fn read(file: &str, text: &str) -> Result<Observed, ImportError> {
    let mut series: Vec<((String, String), Series)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("line {}", n + 1);
        let (name, labels, value) = parse_line(line).map_err(|e| {
            bad(
                file,
                format!("{at}: {e}"),
                "each sample is `metric{label=\"value\",...} number`, as Prometheus writes it",
            )
        })?;
        let kind = match name.as_str() {
            REQUESTS => 0,
            FAILED => 1,
            _ if name == format!("{SECONDS}_bucket") => 2,
            _ if name == format!("{SECONDS}_sum") => 3,
            _ if name == format!("{SECONDS}_count") => 4,
            _ => continue,
        };
        let label = |key: &str| labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let (Some(client), Some(server)) = (label("client"), label("server")) else {
            return Err(bad(
                file,
                format!("{at}: {name} has no `client` and `server` labels"),
                "the connector labels every sample with client and server",
            ));
        };
        check_name(file, &client, &format!("{at}, label client"))?;
        check_name(file, &server, &format!("{at}, label server"))?;
        if !(value.is_finite() && value >= 0.0) {
            return Err(bad(file, format!("{at}: {name} is {value}"), "counts and sums are finite and not negative"));
        }
        let key = (client, server);
        let i = match series.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                series.push((key, Series::default()));
                series.len() - 1
            }
        };
        let s = &mut series[i].1;
        s.messaging |= label("connection_type").as_deref() == Some("messaging_system");
        match kind {
            0 => s.requests += value,
            1 => *s.failed.get_or_insert(0.0) += value,
            2 => {
                let le = label("le").ok_or_else(|| {
                    bad(
                        file,
                        format!("{at}: a histogram bucket without `le`"),
                        "buckets carry their upper bound as le=\"0.5\"",
                    )
                })?;
                let bound = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse::<f64>().map_err(|_| {
                        bad(file, format!("{at}: le=\"{le}\" is not a number"), "write le=\"0.25\" or le=\"+Inf\"")
                    })?
                };
                match s.buckets.iter_mut().find(|(b, _)| *b == bound) {
                    Some(b) => b.1 += value,
                    None => s.buckets.push((bound, value)),
                }
            }
            3 => *s.sum.get_or_insert(0.0) += value,
            _ => *s.count.get_or_insert(0.0) += value,
        }
    }
    if !series.iter().any(|(_, s)| s.requests > 0.0) {
        return Err(bad(
            file,
            format!("no {REQUESTS} samples with calls"),
            "export the collector's service-graph metrics (the Prometheus exporter's /metrics) after some traffic",
        ));
    }
    let mut observed = Observed::default();
    for ((client, server), s) in series {
        if s.requests <= 0.0 || client == server {
            continue;
        }
        let mean_s = match (s.sum, s.count) {
            (Some(sum), Some(count)) if count > 0.0 => Some(sum / count),
            _ => None,
        };
        let stats = Stats { count: s.requests, failed: s.failed, mean_s, p99_s: p99(s.buckets) };
        if client == OUTSIDE {
            observed.add_service(&server);
            observed.outside.push((server, stats));
            continue;
        }
        observed.add_service(&client);
        observed.add_service(&server);
        observed.edges.push(Edge { caller: client, callee: server, stats, asynchronous: s.messaging });
    }
    Ok(observed)
}

/// The smallest bucket bound holding 99% of the observations, if the buckets say.
fn p99(mut buckets: Vec<(f64, f64)>) -> Option<f64> {
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    buckets.iter().find(|(_, c)| *c >= 0.99 * total).map(|(b, _)| *b).filter(|b| b.is_finite())
}

/// A sample's metric name, labels and value.
type Sample = (String, Vec<(String, String)>, f64);

/// `name{k="v",...} value [timestamp]` into its parts; label values unescaped.
fn parse_line(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ', '\t']).ok_or("a sample needs a value after its name")?;
    let name = line[..name_end].to_string();
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(body) = rest.strip_prefix('{') {
        let mut chars = body.char_indices().peekable();
        let mut end = None;
        loop {
            while chars.peek().is_some_and(|(_, c)| *c == ',' || c.is_whitespace()) {
                chars.next();
            }
            match chars.peek() {
                Some((i, '}')) => {
                    end = Some(*i);
                    break;
                }
                None => break,
                _ => {}
            }
            let mut key = String::new();
            for (_, c) in chars.by_ref() {
                if c == '=' {
                    break;
                }
                key.push(c);
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err(format!("label `{}` needs a quoted value", key.trim()));
            }
            let mut value = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next().map(|(_, c)| c) {
                        Some('n') => value.push('\n'),
                        Some(other) => value.push(other),
                        None => break,
                    },
                    c => value.push(c),
                }
            }
            if !closed {
                return Err(format!("the value of label `{}` is not closed with a quote", key.trim()));
            }
            labels.push((key.trim().to_string(), value));
        }
        let end = end.ok_or("the labels are not closed with `}`")?;
        rest = &body[end + 1..];
    }
    let value = rest.split_whitespace().next().ok_or("a sample needs a value")?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse::<f64>().map_err(|_| format!("`{v}` is not a number"))?,
    };
    Ok((name, labels, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# HELP traces_service_graph_request_total Total count of requests between two nodes
# TYPE traces_service_graph_request_total counter
traces_service_graph_request_total{client="user",server="web",connection_type="virtual_node"} 1000
traces_service_graph_request_total{client="web",server="api",connection_type=""} 2000
traces_service_graph_request_total{client="api",server="events",connection_type="messaging_system"} 500
traces_service_graph_request_failed_total{client="web",server="api"} 20
traces_service_graph_request_server_seconds_bucket{client="web",server="api",le="0.01"} 1500
traces_service_graph_request_server_seconds_bucket{client="web",server="api",le="0.1"} 1990
traces_service_graph_request_server_seconds_bucket{client="web",server="api",le="+Inf"} 2000
traces_service_graph_request_server_seconds_sum{client="web",server="api"} 30
traces_service_graph_request_server_seconds_count{client="web",server="api"} 2000
"#;

    #[test]
    fn edges_carry_counts_failures_and_latencies() {
        let o = read("m.prom", TEXT).unwrap();
        assert_eq!(o.services, ["web", "api", "events"]);
        assert_eq!(o.outside, [("web".to_string(), Stats { count: 1000.0, ..Stats::default() })]);
        let api = &o.edges[0];
        assert_eq!((api.caller.as_str(), api.callee.as_str(), api.stats.count), ("web", "api", 2000.0));
        assert_eq!(api.stats.failed, Some(20.0));
        assert_eq!(api.stats.mean_s, Some(0.015));
        assert_eq!(api.stats.p99_s, Some(0.1));
        assert!(o.edges[1].asynchronous && !api.asynchronous);
    }

    #[test]
    fn labels_unescape_and_bad_lines_say_where() {
        let (_, labels, v) = parse_line(r#"m{a="x\"y",b="1\\2"} 3 1700000000"#).unwrap();
        assert_eq!(labels, [("a".to_string(), "x\"y".to_string()), ("b".to_string(), "1\\2".to_string())]);
        assert_eq!(v, 3.0);
        for (text, says) in [
            ("traces_service_graph_request_total{client=\"a\",server=\"b\"} x", "line 1: `x` is not a number"),
            ("traces_service_graph_request_total{client=\"a\" 3", "line 1:"),
            ("traces_service_graph_request_total{server=\"b\"} 3", "no `client` and `server`"),
            ("traces_service_graph_request_total{client=\"a\\n\",server=\"b\"} 3", "control character"),
            ("# nothing\n", "no traces_service_graph_request_total"),
        ] {
            let e = read("m.prom", text).unwrap_err();
            assert!(e.message.contains(says), "{text}: {e}");
        }
    }
}
