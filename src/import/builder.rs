//! Turns an observed service graph into topology TOML: what the traces say, and stated rules for what they cannot.

use super::{Format, ImportError, Observed, Stats, bad};
use std::fmt::Write;

/// The rules' knobs.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Capacity is the observed rate times this [x].
    pub headroom: f64,
    /// The time the counts cover [s]; when `None`, the file's own, else one hour.
    pub window_s: Option<f64>,
    /// Instances per service.
    pub instances: u32,
    /// The topology's `name`.
    pub name: String,
}

/// The window used when neither the file nor `--window` gives one [s].
pub const DEFAULT_WINDOW_S: f64 = 3600.0;
/// Own processing time where the file records no latency [s].
const DEFAULT_LATENCY_S: f64 = 0.010;
/// Calls a queue or stream buffers per caller instance, when a call is asynchronous.
const BUFFER_SIZE: u32 = 10_000;

/// One service as written to the topology.
struct Node {
    name: String,
    key: String,
    /// Requests it handled over the window, and where that figure comes from.
    requests: f64,
    requests_note: String,
    outside: f64,
    outside_note: String,
    mean_s: Option<f64>,
    failed: Option<f64>,
}

/// Writes the topology. Fails only when the file has no usable graph.
pub fn build(format: Format, file: &str, observed: &Observed, options: &Options) -> Result<String, ImportError> {
    if observed.services.is_empty() {
        return Err(bad(file, "the file names no services", "export a service graph with traffic"));
    }
    if !(options.headroom.is_finite() && options.headroom >= 1.0) {
        return Err(bad(
            file,
            format!("--headroom {} is below 1", options.headroom),
            "capacity is the observed rate times the headroom; pass 1 or more, like --headroom 2",
        ));
    }
    let (window_s, window_note) = match (options.window_s, observed.window_s) {
        (Some(w), _) => (w, "--window".to_string()),
        (None, Some(w)) => (w, "the file's StartTime to EndTime".to_string()),
        (None, None) => (DEFAULT_WINDOW_S, "assumption: the file does not say; pass --window".to_string()),
    };
    let keys = keys(&observed.services);
    let id = |name: &str| observed.services.iter().position(|s| s == name).expect("edges name listed services");
    let nodes: Vec<Node> = observed.services.iter().zip(&keys).map(|(name, key)| node(observed, name, key)).collect();
    let per_request = |e: &super::Edge| {
        let r = nodes[id(&e.caller)].requests;
        if r > 0.0 { e.stats.count / r } else { 1.0 }
    };

    let mut out = String::new();
    let _ = writeln!(out, "# Imported by `blastsim import --from {}` from {}", flag(format), comment(file));
    let _ = writeln!(out, "# ({}).", format.describe());
    out.push_str(HEADER);
    let _ =
        writeln!(out, "#   window     the counts cover {} ({window_note}); rates are counts / window", secs(window_s));
    let _ =
        writeln!(out, "#   instances  {} per service (assumption: traces do not count instances)", options.instances);
    let _ = writeln!(
        out,
        "#   capacity   per instance = observed rate x headroom {} / instances (assumption: the file gives totals, so the\n#              observed peak is taken as the mean rate over the window)",
        options.headroom
    );
    out.push_str(RULES);
    let _ = writeln!(out, "\nname = {}", quote(&options.name));
    let _ = writeln!(
        out,
        "description = {}",
        quote(&format!(
            "Imported from {} ({} services, {} calls).",
            file_name(file),
            nodes.len(),
            observed.edges.len()
        ))
    );
    out.push_str("duration = \"1h\"\nstep = \"10s\"\n");
    let worst = nodes
        .iter()
        .filter_map(|n| n.failed.filter(|_| n.requests > 0.0).map(|f| 1.0 - (f / n.requests).clamp(0.0, 1.0)))
        .fold(1.0, f64::min);
    if worst < 1.0 {
        let t = crate::model::Thresholds::default();
        let _ = writeln!(
            out,
            "\n# assumption: the default thresholds times the lowest observed success ({}), so that the\n# steady failures the file records are the normal state, not an impact\n[thresholds]",
            num(worst)
        );
        let level = |x: f64| num((x * worst * 1e4).floor() / 1e4);
        let _ = writeln!(out, "impact = {}\nsevere = {}", level(t.impact), level(t.severe));
        let _ = writeln!(out, "mostly-recovered = {}\nrecovered = {}", level(t.mostly_recovered), level(t.recovered));
    }

    let own: Vec<(f64, String)> = nodes.iter().map(|n| own_time(observed, &nodes, n, &per_request)).collect();
    let mut response: Vec<Option<f64>> = vec![None; nodes.len()];
    for i in 0..nodes.len() {
        response_time(observed, &nodes, &own, &per_request, i, &mut vec![false; nodes.len()], &mut response);
    }
    for (i, n) in nodes.iter().enumerate() {
        let rate = n.requests / window_s;
        let outgoing: Vec<&super::Edge> = observed.edges.iter().filter(|e| e.caller == n.name).collect();
        let (own_s, own_note) = own[i].clone();
        let capacity = (rate * options.headroom / options.instances as f64).max(0.01);
        let hold_s = response[i].unwrap_or(own_s);
        let workers = ((capacity * hold_s * 2.0).ceil() as u64).max(16);
        let _ = writeln!(out, "\n[services.{}]", n.key);
        if n.key != n.name {
            let _ = writeln!(out, "# observed as {}", comment(&quote(&n.name)));
        }
        let _ = writeln!(out, "instances = {}   # assumption", options.instances);
        let _ = writeln!(
            out,
            "capacity = \"{}/s\"   # assumption: {}/s observed x {} / {}",
            num(capacity),
            num(rate),
            options.headroom,
            options.instances
        );
        let _ = writeln!(out, "latency = \"{}\"   # {own_note}", ms_text(own_s));
        let _ = writeln!(
            out,
            "threads = {{ workers = {workers} }}   # assumption: 2 x capacity x {} a request holds a thread, at least 16",
            ms(hold_s)
        );
        if n.outside > 0.0 {
            let _ = writeln!(
                out,
                "load = {{ kind = \"constant\", rate = \"{}/s\" }}   # {}",
                num(n.outside / window_s),
                n.outside_note
            );
        }
        let _ = writeln!(out, "# requests: {} over the window ({})", count(n.requests), n.requests_note);
        if let Some(f) = n.failed.filter(|_| n.requests > 0.0) {
            let observed = f / n.requests;
            let own = own_error(&nodes, &outgoing, &per_request, observed);
            let _ = writeln!(
                out,
                "error-rate = {}   # observed: {:.2}% of requests failed, {:.2}% after what its sync calls' failures explain",
                num(own),
                100.0 * observed,
                100.0 * own
            );
        }
        for e in &outgoing {
            let _ = writeln!(out, "\n[services.{}.calls.{}]", n.key, keys[id(&e.callee)]);
            if e.asynchronous {
                let _ = writeln!(out, "kind = \"buffered\"   # observed: asynchronous (through a queue or stream)");
                let drain = (e.stats.count / window_s * options.headroom / options.instances as f64).max(0.01);
                let _ = writeln!(
                    out,
                    "buffer = {{ size = {BUFFER_SIZE}, when-full = \"drop\", drain = \"{}/s\" }}   # assumption: flushes at most headroom x the observed rate",
                    num(drain)
                );
            }
            let _ = writeln!(
                out,
                "per-request = {}   # observed: {} calls / {} requests",
                num(per_request(e)),
                count(e.stats.count),
                count(n.requests)
            );
            let _ = writeln!(out, "timeout = \"{}\"   # {}", ms_text(timeout(&e.stats).0), timeout(&e.stats).1);
            if let Some(f) = e.stats.failed.filter(|_| e.stats.count > 0.0) {
                let _ = writeln!(out, "# observed: {:.2}% of calls failed", 100.0 * f / e.stats.count);
            }
        }
    }
    Ok(out)
}

/// The error rate a service has of its own: what its observed success leaves
/// once its sync calls' observed successes are divided out (a caller succeeds
/// when its calls do, `per-request` times each), clamped to [0, 1]. Calls
/// whose failures a caller absorbs make the ratio pass 1: none of its own then.
fn own_error(
    nodes: &[Node],
    outgoing: &[&super::Edge],
    per_request: &dyn Fn(&super::Edge) -> f64,
    observed: f64,
) -> f64 {
    let through: f64 = outgoing
        .iter()
        .filter(|e| !e.asynchronous)
        .filter_map(|e| {
            let callee = nodes.iter().find(|m| m.name == e.callee)?;
            let f = callee.failed.filter(|_| callee.requests > 0.0)? / callee.requests;
            Some((1.0 - f.clamp(0.0, 1.0)).powf(per_request(e)))
        })
        .product();
    if through <= 0.0 {
        return 0.0;
    }
    let own = 1.0 - (1.0 - observed) / through;
    (own.clamp(0.0, 1.0) * 1e4).round() / 1e4
}

/// A service's own processing time and where it comes from: its mean
/// response time minus the mean time of its sync calls, when the file has them.
fn own_time(observed: &Observed, nodes: &[Node], n: &Node, per_request: &dyn Fn(&super::Edge) -> f64) -> (f64, String) {
    let id = |name: &str| nodes.iter().position(|m| m.name == name).expect("edges name listed services");
    let sync_s = observed
        .edges
        .iter()
        .filter(|e| e.caller == n.name && !e.asynchronous)
        .filter_map(|e| e.stats.mean_s.or(nodes[id(&e.callee)].mean_s).map(|m| per_request(e) * m))
        .fold(0.0, |a, b| a + b);
    match n.mean_s {
        Some(m) if sync_s > 0.0 => {
            ((m - sync_s).max(0.001), format!("observed: mean {} minus {} in sync calls", ms(m), ms(sync_s)))
        }
        Some(m) => (m.max(0.001), format!("observed: mean {}, no sync calls", ms(m))),
        None => (DEFAULT_LATENCY_S, "assumption: the file records no latency for it".to_string()),
    }
}

/// The time a request to service `i` holds a thread: its own time plus, per
/// sync call, the callee's response time (observed, or built the same way
/// down the graph). A call back into a service on the path counts its own time only.
fn response_time(
    observed: &Observed,
    nodes: &[Node],
    own: &[(f64, String)],
    per_request: &dyn Fn(&super::Edge) -> f64,
    i: usize,
    on_path: &mut Vec<bool>,
    memo: &mut Vec<Option<f64>>,
) -> f64 {
    if let Some(t) = memo[i] {
        return t;
    }
    if on_path[i] {
        return own[i].0;
    }
    on_path[i] = true;
    let mut total = own[i].0;
    for e in observed.edges.iter().filter(|e| e.caller == nodes[i].name && !e.asynchronous) {
        let j = nodes.iter().position(|m| m.name == e.callee).expect("edges name listed services");
        let callee = match e.stats.mean_s {
            Some(m) => m,
            None => response_time(observed, nodes, own, per_request, j, on_path, memo),
        };
        total += per_request(e) * callee;
    }
    on_path[i] = false;
    memo[i] = Some(total);
    total
}

const HEADER: &str = "#
# A skeleton: services, calls, calls per request and outside load come from the
# traces; what traces cannot know is filled by these rules and marked
# \"assumption\" below. Check it (`blastsim check`), then replace assumptions with
# what you know, and add a scenario or run `blastsim blast` on it.
#
# Rules:
";

const RULES: &str =
    "#   threads    workers = 2 x capacity x the time a request holds a thread (own latency + sync calls), at least 16
#   latency    own time = the server's mean response time minus the mean time of its sync calls (at least 1ms);
#              10ms where the file records no latency
#   load       outside requests: from the file's client or user node where it has one; else, for a service
#              nobody calls, its busiest call's count (each request calls it at least once)
#   timeouts   3 x the call's p99 (or 10 x its mean), at least 1s; 1s where the file records no latency
#   buffers    an asynchronous call is a buffered call: 10000 calls per instance, dropped when full, flushed at
#              most headroom x the observed call rate (a backlog cannot flood its consumer past that)
#   failures   error-rate = the share of requests a service fails on its own: its observed failure rate once
#              its sync calls' observed failure rates are divided out (a caller fails when a call does);
#              the thresholds are the defaults times the lowest observed success
";

/// The service as the topology sees it, from the file's counts.
fn node(observed: &Observed, name: &str, key: &str) -> Node {
    let from_outside: Vec<&Stats> = observed.outside.iter().filter(|(n, _)| n == name).map(|(_, s)| s).collect();
    let inbound: Vec<&Stats> = observed
        .edges
        .iter()
        .filter(|e| e.callee == name)
        .map(|e| &e.stats)
        .chain(from_outside.iter().copied())
        .collect();
    let inbound_calls: f64 = observed.edges.iter().filter(|e| e.callee == name).map(|e| e.stats.count).sum();
    let busiest = observed.edges.iter().filter(|e| e.caller == name).map(|e| e.stats.count).fold(0.0, f64::max);
    let served = observed.served.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
    let outside = (!from_outside.is_empty()).then(|| from_outside.iter().map(|s| s.count).sum::<f64>());
    let (requests, requests_note) = match (served, outside) {
        (Some(s), _) => (s.count, "observed: the service's own count".to_string()),
        (None, o) if inbound_calls + o.unwrap_or(0.0) > 0.0 => {
            (inbound_calls + o.unwrap_or(0.0), "observed: calls into it".to_string())
        }
        (None, _) => (busiest, "assumption: nobody calls it, so its busiest call's count".to_string()),
    };
    let (outside, outside_note) = match outside {
        Some(o) => (o, format!("observed: {} requests from outside", count(o))),
        None if served.is_some() && requests > inbound_calls => {
            (requests - inbound_calls, "observed: its count minus the calls into it".to_string())
        }
        None if inbound_calls == 0.0 => {
            (requests, "assumption: nobody calls it, so all its requests come from outside".to_string())
        }
        None => (0.0, String::new()),
    };
    let weighted: Vec<(f64, f64)> = inbound.iter().filter_map(|s| s.mean_s.map(|m| (m, s.count))).collect();
    let inbound_mean = {
        let n: f64 = weighted.iter().map(|w| w.1).sum();
        (n > 0.0).then(|| weighted.iter().map(|w| w.0 * w.1).sum::<f64>() / n)
    };
    let inbound_failed = inbound.iter().filter_map(|s| s.failed).reduce(|a, b| a + b);
    Node {
        name: name.to_string(),
        key: key.to_string(),
        requests,
        requests_note,
        outside,
        outside_note,
        mean_s: served.and_then(|s| s.mean_s).or(inbound_mean),
        failed: served.and_then(|s| s.failed).or(inbound_failed),
    }
}

/// Topology keys for the observed names: letters, digits, `-` and `_`, other
/// characters as `-`, made unique with a number.
pub fn keys(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let mut key: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
        key = key.trim_matches('-').to_string();
        while key.contains("--") {
            key = key.replace("--", "-");
        }
        if key.is_empty() {
            key = "service".into();
        }
        let base = key.clone();
        let mut n = 2;
        while out.contains(&key) {
            key = format!("{base}-{n}");
            n += 1;
        }
        out.push(key);
    }
    out
}

fn timeout(s: &Stats) -> (f64, String) {
    match (s.p99_s, s.mean_s) {
        (Some(p), _) => ((3.0 * p).max(1.0), format!("assumption: 3 x observed p99 {}, at least 1s", ms(p))),
        (None, Some(m)) => ((10.0 * m).max(1.0), format!("assumption: 10 x observed mean {}, at least 1s", ms(m))),
        _ => (1.0, "assumption: the file records no latency".to_string()),
    }
}

fn flag(format: Format) -> &'static str {
    match format {
        Format::Jaeger => "jaeger",
        Format::Otel => "otel",
        Format::Xray => "xray",
    }
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text safe on one comment line.
fn comment(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn file_name(file: &str) -> &str {
    file.rsplit(['/', '\\']).next().unwrap_or(file)
}

/// A number in at most 4 significant digits, as TOML and the rate parser read it.
fn num(x: f64) -> String {
    if x >= 1000.0 {
        return format!("{x:.0}");
    }
    let digits = (3 - x.abs().max(1e-9).log10().floor() as i32).clamp(0, 6) as usize;
    let t = format!("{x:.digits$}");
    if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.').to_string() } else { t }
}

fn count(x: f64) -> String {
    format!("{x:.0}")
}

fn secs(s: f64) -> String {
    crate::time::Span((s * 1000.0).round() as u64).to_string()
}

fn ms(s: f64) -> String {
    format!("{}ms", num(s * 1000.0))
}

/// A duration the topology reads: whole milliseconds, at least 1.
fn ms_text(s: f64) -> String {
    crate::time::Span(((s * 1000.0).round() as u64).max(1)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_valid_and_unique() {
        let names: Vec<String> =
            ["web.example.com", "web/example/com", "a b", "ok_name", "--"].map(String::from).to_vec();
        assert_eq!(keys(&names), ["web-example-com", "web-example-com-2", "a-b", "ok_name", "service"]);
    }

    #[test]
    fn strings_and_numbers_are_valid_toml() {
        assert_eq!(quote("a\"b\\c\u{1}"), "\"a\\\"b\\\\c\\u0001\"");
        assert_eq!(num(61.666666), "61.67");
        assert_eq!(num(0.0123456), "0.01235");
        assert_eq!(num(12345.6), "12346");
        assert_eq!(ms_text(0.0001), "1ms");
    }
}
