//! Jaeger's `/api/dependencies` JSON: `{"data": [{"parent", "child", "callCount"}]}` (or the bare array).

use super::{Edge, ImportError, Observed, Stats, bad, check_name};
use serde_json::Value;

/// Reads the dependency links; a link's `callCount` is the calls from `parent` to `child` over the lookback.
/// Jaeger records neither failures, latencies nor the lookback itself.
pub fn read(file: &str, text: &str) -> Result<Observed, ImportError> {
    let help = "pass the JSON of Jaeger's /api/dependencies: {\"data\": [{\"parent\": \"a\", \"child\": \"b\", \"callCount\": 10}]}";
    let root: Value = serde_json::from_str(text)
        .map_err(|e| bad(file, format!("not JSON: {e} (line {}, column {})", e.line(), e.column()), help))?;
    let links = match &root {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("data") {
            Some(Value::Array(a)) => a,
            Some(_) => return Err(bad(file, "`data` is not an array of links", help)),
            None => return Err(bad(file, "no `data` array of dependency links", help)),
        },
        _ => return Err(bad(file, "expected an object with a `data` array", help)),
    };
    if links.is_empty() {
        return Err(bad(
            file,
            "`data` holds no dependency links",
            "export the dependencies over a lookback with traffic",
        ));
    }
    let mut observed = Observed::default();
    for (i, link) in links.iter().enumerate() {
        let at = format!("data[{i}]");
        let name = |key: &str| -> Result<String, ImportError> {
            match link.get(key) {
                Some(Value::String(s)) => {
                    check_name(file, s, &format!("{at}.{key}"))?;
                    Ok(s.clone())
                }
                _ => Err(bad(file, format!("{at}.{key} is missing or not a string"), help)),
            }
        };
        let (parent, child) = (name("parent")?, name("child")?);
        let count = match link.get("callCount").and_then(Value::as_f64) {
            Some(c) if c >= 0.0 && c.is_finite() => c,
            _ => return Err(bad(file, format!("{at}.callCount is missing or not a count"), help)),
        };
        if parent == child {
            // A service calling itself adds no edge a topology can hold; its work is its own.
            continue;
        }
        observed.add_service(&parent);
        observed.add_service(&child);
        match observed.edges.iter_mut().find(|e| e.caller == parent && e.callee == child) {
            Some(e) => e.stats.count += count,
            None => observed.edges.push(Edge {
                caller: parent,
                callee: child,
                stats: Stats { count, ..Stats::default() },
                asynchronous: false,
            }),
        }
    }
    Ok(observed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_become_edges_and_repeats_add_up() {
        let text = r#"{"data": [{"parent": "a", "child": "b", "callCount": 10},
            {"parent": "a", "child": "b", "callCount": 5}, {"parent": "b", "child": "c", "callCount": 30}]}"#;
        let o = read("deps.json", text).unwrap();
        assert_eq!(o.services, ["a", "b", "c"]);
        assert_eq!(o.edges.len(), 2);
        assert_eq!(o.edges[0].stats.count, 15.0);
        assert_eq!(read("deps.json", r#"[{"parent": "x", "child": "y", "callCount": 1}]"#).unwrap().edges.len(), 1);
    }

    #[test]
    fn malformed_files_say_where() {
        let cases = [
            ("{", "not JSON"),
            ("{}", "no `data` array"),
            (r#"{"data": []}"#, "no dependency links"),
            (r#"{"data": [{"parent": "a", "callCount": 1}]}"#, "data[0].child is missing"),
            (r#"{"data": [{"parent": "a", "child": "b", "callCount": -1}]}"#, "data[0].callCount"),
            (r#"{"data": [{"parent": "a\u0007", "child": "b", "callCount": 1}]}"#, "control character"),
        ];
        for (text, says) in cases {
            let e = read("deps.json", text).unwrap_err();
            assert_eq!(e.file, "deps.json");
            assert!(e.message.contains(says), "{text}: {e}");
        }
    }
}
