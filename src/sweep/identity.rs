//! What makes shards one sweep: hashes of the topology's content and of the overrides, and the first field that differs.

use super::file::Spec;

/// FNV-1a, 64 bits, as 16 hex digits: a stable fingerprint (not a defence
/// against forgery) that is the same on every machine and build.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The fingerprint of everything but the topology's content that decides a
/// run: `--set`, the variant, the seed, the swept parameters, the runs per
/// point, the service and the metric.
pub fn overrides_hash(spec: &Spec) -> String {
    let key =
        serde_json::json!([spec.sets, spec.variant, spec.seed, spec.params, spec.runs, spec.service, spec.metric]);
    fingerprint(key.to_string().as_bytes())
}

/// The first field in which `other` differs from `first`, as a sentence
/// naming the field and both values; `None` when they are the same sweep.
/// The topology's path may differ (shards run on different machines); its
/// content may not.
pub fn difference(first: &Spec, other: &Spec) -> Option<String> {
    let show = |v: serde_json::Value| v.to_string();
    let fields: [(&str, &str, serde_json::Value, serde_json::Value); 9] = [
        (
            "topology_hash",
            "the topology's content",
            first.topology_hash.clone().into(),
            other.topology_hash.clone().into(),
        ),
        ("sets", "the --set overrides", serde_json::json!(first.sets), serde_json::json!(other.sets)),
        ("variant", "the --variant", serde_json::json!(first.variant), serde_json::json!(other.variant)),
        ("seed", "the --seed", first.seed.into(), other.seed.into()),
        ("params", "the swept --param values", serde_json::json!(first.params), serde_json::json!(other.params)),
        ("runs", "the --runs per point", first.runs.into(), other.runs.into()),
        ("service", "the --service", first.service.clone().into(), other.service.clone().into()),
        ("metric", "the --metric", serde_json::json!(first.metric), serde_json::json!(other.metric)),
        (
            "overrides_hash",
            "the overrides' fingerprint",
            first.overrides_hash.clone().into(),
            other.overrides_hash.clone().into(),
        ),
    ];
    fields
        .into_iter()
        .find(|(_, _, a, b)| a != b)
        .map(|(field, what, a, b)| format!("`{field}` differs ({what}: {} here, {} in file 1)", show(b), show(a)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{Metric, range};

    fn spec() -> Spec {
        let mut s = Spec {
            topology: "t.toml".into(),
            topology_hash: fingerprint(b"duration = \"1h\""),
            overrides_hash: String::new(),
            sets: vec!["duration=\"2h\"".into()],
            variant: None,
            params: vec![range::parse("k=1..3:3").unwrap()],
            runs: 2,
            seed: 1,
            service: "db".into(),
            metric: Metric::Recovery,
        };
        s.overrides_hash = overrides_hash(&s);
        s
    }

    #[test]
    fn fingerprints_are_stable_and_tell_contents_apart() {
        assert_eq!(fingerprint(b""), "cbf29ce484222325");
        assert_eq!(fingerprint(b"a"), "af63dc4c8601ec8c");
        assert_ne!(fingerprint(b"capacity = 1"), fingerprint(b"capacity = 2"));
    }

    #[test]
    fn names_the_field_that_differs() {
        let a = spec();
        assert_eq!(difference(&a, &a.clone()), None);
        let mut moved = a.clone();
        moved.topology = "/elsewhere/t.toml".into();
        assert_eq!(difference(&a, &moved), None, "the path may differ");
        let mut edited = a.clone();
        edited.topology_hash = fingerprint(b"duration = \"2h\"");
        assert!(difference(&a, &edited).unwrap().starts_with("`topology_hash` differs (the topology's content"));
        let mut seeded = a.clone();
        seeded.seed = 2;
        assert_eq!(difference(&a, &seeded).unwrap(), "`seed` differs (the --seed: 2 here, 1 in file 1)");
        let mut set = a.clone();
        set.sets.push("x=1".into());
        assert!(difference(&a, &set).unwrap().starts_with("`sets` differs"));
        assert_ne!(overrides_hash(&a), overrides_hash(&set));
    }
}
