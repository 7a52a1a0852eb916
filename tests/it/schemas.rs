//! Real `report.json`, `compare.json` and `sweep.json` outputs against the JSON Schemas in docs/schemas/.
//!
//! A small validator of the subset those schemas use (type, const, enum,
//! properties, required, additionalProperties: false, items, prefixItems,
//! min/maxItems, minimum, one pattern, $ref), with no extra dependency. Every
//! key of an output must be in its schema, every required key in the output,
//! and every property a schema declares must show up in some output checked
//! here, so neither side can drift.

use crate::support::{blastsim, shipped, write};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

struct Validator {
    /// `file#/pointer` of every schema property an output used.
    seen: BTreeSet<String>,
}

fn schema(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas").join(file);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn type_ok(want: &str, v: &Value) -> bool {
    match want {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        other => panic!("unsupported type {other}"),
    }
}

impl Validator {
    /// Checks `v` at `path` against the schema at `file#ptr`.
    fn check(&mut self, file: &str, ptr: &str, v: &Value, path: &str) {
        let root = schema(file);
        let s = root.pointer(ptr).unwrap_or_else(|| panic!("{file}#{ptr} does not exist"));
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let (f, p) = r.split_once('#').unwrap();
            self.check(if f.is_empty() { file } else { f }, p, v, path);
        }
        if let Some(c) = s.get("const") {
            assert_eq!(v, c, "{path}: want {c}");
        }
        if let Some(options) = s.get("enum").and_then(Value::as_array) {
            assert!(options.contains(v), "{path}: {v} is not one of {options:?}");
        }
        if let Some(t) = s.get("type") {
            let types: Vec<&str> = match t {
                Value::String(one) => vec![one.as_str()],
                Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                _ => panic!("{file}#{ptr}: bad type"),
            };
            assert!(types.iter().any(|t| type_ok(t, v)), "{path}: {v} is not {types:?}");
        }
        if let (Some(min), Some(n)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64()) {
            assert!(n >= min, "{path}: {n} < {min}");
        }
        if let (Some(p), Some(text)) = (s.get("pattern").and_then(Value::as_str), v.as_str()) {
            assert_eq!(p, "^[0-9a-f]{16}$", "{file}#{ptr}: the validator knows only the hex-16 pattern");
            assert!(
                text.len() == 16 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{path}"
            );
        }
        if let Some(obj) = v.as_object() {
            let props = s.get("properties").and_then(Value::as_object);
            for key in s.get("required").and_then(Value::as_array).into_iter().flatten() {
                let key = key.as_str().unwrap();
                assert!(obj.contains_key(key), "{path}: required key `{key}` is missing");
            }
            for (key, value) in obj {
                match props.and_then(|p| p.get(key)) {
                    Some(_) => {
                        let sub = format!("{ptr}/properties/{key}");
                        self.seen.insert(format!("{file}#{sub}"));
                        self.check(file, &sub, value, &format!("{path}.{key}"));
                    }
                    None if s.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        panic!("{path}: key `{key}` is not in the schema {file}#{ptr}")
                    }
                    None => {}
                }
            }
        }
        if let Some(items) = v.as_array() {
            let count = |k: &str| s.get(k).and_then(Value::as_u64).map(|n| n as usize);
            assert!(count("minItems").is_none_or(|n| items.len() >= n), "{path}: too few items");
            assert!(count("maxItems").is_none_or(|n| items.len() <= n), "{path}: too many items");
            let prefix = s.get("prefixItems").and_then(Value::as_array).map_or(0, Vec::len);
            for (i, item) in items.iter().enumerate() {
                let sub = if i < prefix { format!("{ptr}/prefixItems/{i}") } else { format!("{ptr}/items") };
                if root.pointer(&sub).is_some() {
                    self.check(file, &sub, item, &format!("{path}[{i}]"));
                }
            }
        }
    }

    /// Every property the schema file declares, as `file#pointer`.
    fn declared(file: &str) -> Vec<String> {
        fn walk(v: &Value, ptr: &str, file: &str, out: &mut Vec<String>) {
            if let Some(obj) = v.as_object() {
                for (k, sub) in obj {
                    let p = format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1"));
                    if ptr.ends_with("/properties") || ptr == "/properties" {
                        out.push(format!("{file}#{p}"));
                    }
                    walk(sub, &p, file, out);
                }
            } else if let Some(items) = v.as_array() {
                for (i, sub) in items.iter().enumerate() {
                    walk(sub, &format!("{ptr}/{i}"), file, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&schema(file), "", file, &mut out);
        out
    }
}

fn small() -> String {
    let variant = "[variants.big]\ndescription = \"more db\"\nset = { \"services.db.instances\" = 8 }\n";
    format!("{}\n{variant}", crate::support::web_db_crash("30m"))
}

fn stdout_json(args: &[&str], dir: &Path) -> Value {
    let out = blastsim().args(args).arg(dir.join("t.toml")).args(["--format", "json"]).assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn keys(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => o.iter().for_each(|(k, v)| {
            out.insert(format!("{prefix}.{k}"));
            keys(v, &format!("{prefix}.{k}"), out);
        }),
        Value::Array(a) => a.iter().for_each(|v| keys(v, &format!("{prefix}[]"), out)),
        _ => {}
    }
}

#[test]
fn real_outputs_follow_their_schemas_and_use_every_declared_key() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "t.toml", &small());
    let mut v = Validator { seen: BTreeSet::new() };

    let kinesis = blastsim()
        .args(["run", &shipped("aws-kinesis-2020-11-25"), "--variant", "cloudwatch-partition", "--format", "json"])
        .assert()
        .success();
    let kinesis: Value = serde_json::from_slice(&kinesis.get_output().stdout).unwrap();
    v.check("report.schema.json", "", &kinesis, "report");
    let out = tmp.path().join("run");
    blastsim().arg("run").arg(tmp.path().join("t.toml")).arg("--out").arg(&out).assert().success();
    v.check("report.schema.json", "", &read_json(&out.join("report.json")), "run/report.json");

    let one = stdout_json(&["compare"], tmp.path());
    let three = stdout_json(&["compare", "--runs", "3"], tmp.path());
    v.check("compare.schema.json", "", &one, "compare");
    v.check("compare.schema.json", "", &three, "compare --runs 3");
    let (mut a, mut b) = (BTreeSet::new(), BTreeSet::new());
    keys(&one, "", &mut a);
    keys(&three, "", &mut b);
    assert_eq!(a, b, "compare.json has one shape whatever --runs is");

    let sweep = |extra: &[&str], out: &str| {
        blastsim()
            .arg("sweep")
            .arg(tmp.path().join("t.toml"))
            .args(["--param", "services.db.capacity=50/s,100/s", "--runs", "2", "--no-progress", "--out"])
            .arg(tmp.path().join(out))
            .args(extra)
            .assert()
            .success();
        read_json(&tmp.path().join(out).join("sweep.json"))
    };
    v.check("sweep.schema.json", "", &sweep(&["--variant", "big"], "full"), "sweep.json");
    v.check("sweep.schema.json", "", &sweep(&["--shard", "1/2"], "shard"), "shard sweep.json");

    for fault in ["crash", "latency=2s", "errors=0.5", "capacity=0.5"] {
        let out = blastsim()
            .arg("blast")
            .arg(tmp.path().join("t.toml"))
            .args(["--fault", fault, "--format", "json"])
            .assert()
            .success();
        let blast: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        v.check("blast.schema.json", "", &blast, &format!("blast --fault {fault}"));
    }

    let unused: Vec<String> =
        ["report.schema.json", "compare.schema.json", "sweep.schema.json", "stats.schema.json", "blast.schema.json"]
            .into_iter()
            .flat_map(Validator::declared)
            .filter(|p| !v.seen.contains(p))
            .collect();
    assert!(unused.is_empty(), "declared in a schema but in no output checked: {unused:#?}");
}

#[test]
fn the_validator_rejects_unknown_missing_and_mistyped_keys() {
    let good = serde_json::json!({"n": 2, "mean": 1.0, "median": null, "ci_low": null, "ci_high": null});
    let mut v = Validator { seen: BTreeSet::new() };
    v.check("stats.schema.json", "/$defs/summary", &good, "s");
    for bad in [
        serde_json::json!({"n": 2, "mean": 1.0, "median": null, "ci_low": null, "ci_high": null, "extra": 1}),
        serde_json::json!({"n": 2, "mean": 1.0, "median": null, "ci_low": null}),
        serde_json::json!({"n": "2", "mean": 1.0, "median": null, "ci_low": null, "ci_high": null}),
    ] {
        let caught = std::panic::catch_unwind(|| {
            Validator { seen: BTreeSet::new() }.check("stats.schema.json", "/$defs/summary", &bad, "s")
        });
        assert!(caught.is_err(), "{bad} passed");
    }
}
