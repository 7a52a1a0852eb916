//! `KEY=VALUE` overrides (`--set`, variants, scenario `set`) applied to the TOML document with toml_edit.

use super::suggest::{did_you_mean, list};
use toml_edit::{DocumentMut, Item, Table, Value};

/// Why an override could not be applied.
#[derive(Debug, Clone, PartialEq)]
pub struct SetError {
    pub message: String,
    pub help: Option<String>,
}

impl SetError {
    fn new(message: String, help: Option<String>) -> SetError {
        SetError { message, help }
    }
}

/// Splits a `--set` argument into its key and value text at the first `=` outside a quoted key segment.
pub fn split_arg(arg: &str) -> Result<(String, String), SetError> {
    let mut quoted = false;
    let equals = arg.char_indices().find(|&(_, c)| {
        quoted ^= c == '"';
        c == '=' && !quoted
    });
    match equals.map(|(i, _)| (&arg[..i], &arg[i + 1..])) {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_string(), value.trim().to_string())),
        _ => Err(SetError::new(
            format!("`{arg}` is not KEY=VALUE"),
            Some("write it like `--set services.db.threads.workers=400`".into()),
        )),
    }
}

/// Reads an override's value as TOML (`400`, `true`, `"2s"`), else as a bare string (`2s`, `+20m`, `05:15`).
pub fn parse_value(text: &str) -> Value {
    match text.trim().parse::<Value>() {
        Ok(Value::Datetime(_)) | Err(_) => Value::from(text.trim()),
        Ok(value) => {
            let mut value = value;
            value.decor_mut().clear();
            value
        }
    }
}

/// Converts a value read by serde (a variant's or a scenario action's `set`) to an editable one.
pub fn from_toml(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::from(s.as_str()),
        other => parse_value(&other.to_string()),
    }
}

/// Splits a dotted key into its segments; a segment in double quotes may hold dots and `=`.
pub fn segments(key: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in key.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(String::new()),
            c => out.last_mut().expect("one segment at least").push(c),
        }
    }
    out.into_iter().map(|s| s.trim().to_string()).collect()
}

/// Tables a topology may leave out because every key in them has a default, by where they sit
/// (`*` is any service or call name). Setting a key in one creates it, as writing it in the file would.
const DEFAULT_TABLES: [(&[&str], &str); 9] = [
    (&[], "thresholds"),
    (&["services", "*"], "threads"),
    (&["services", "*"], "health-check"),
    (&["services", "*"], "load"),
    (&["services", "*"], "peers"),
    (&["services", "*"], "warmup"),
    (&["services", "*"], "memory"),
    (&["services", "*", "calls", "*"], "retries"),
    (&["services", "*", "calls", "*"], "buffer"),
];

/// The tables that may be left out at `here`.
fn default_tables_at(here: &[String]) -> impl Iterator<Item = &'static str> + '_ {
    DEFAULT_TABLES
        .iter()
        .filter(move |(at, _)| at.len() == here.len() && at.iter().zip(here).all(|(a, h)| *a == "*" || a == h))
        .map(|(_, name)| *name)
}

fn is_default_table(here: &[String], seg: &str) -> bool {
    default_tables_at(here).any(|name| name == seg)
}

/// Creates the missing tables along `parents` that the format lets a topology leave out.
fn create_default_tables(doc: &mut DocumentMut, parents: &[String]) {
    for i in 0..parents.len() {
        let (here, seg) = (&parents[..i], &parents[i]);
        if !is_default_table(here, seg) {
            continue;
        }
        let Ok(cur) = walk(doc.as_item_mut(), here) else { return };
        match cur {
            Cur::Item(item) => {
                if let Some(t) = item.as_table_mut()
                    && !t.contains_key(seg)
                {
                    t.insert(seg, Item::Table(Table::new()));
                } else if let Some(t) = item.as_inline_table_mut()
                    && !t.contains_key(seg)
                {
                    t.insert(seg, Value::InlineTable(toml_edit::InlineTable::new()));
                }
            }
            Cur::Table(t) if !t.contains_key(seg) => {
                t.insert(seg, Item::Table(Table::new()));
            }
            Cur::Value(Value::InlineTable(t)) if !t.contains_key(seg) => {
                t.insert(seg, Value::InlineTable(toml_edit::InlineTable::new()));
            }
            _ => {}
        }
    }
}

/// Sets `key` to `value` in `doc`. The table holding the key must exist; the key
/// may be new. A table value is merged key by key into an existing table; a new
/// table value may also create the one missing table holding it (as a service's
/// first `calls.X`), when that table's own parent exists.
pub fn apply(doc: &mut DocumentMut, key: &str, value: Value) -> Result<(), SetError> {
    let path = segments(key);
    if path.iter().any(String::is_empty) {
        return Err(SetError::new(
            format!("`{key}` is not a dotted key path"),
            Some("write it like `services.db.threads.workers`".into()),
        ));
    }
    apply_path(doc, &path, value)
}

fn apply_path(doc: &mut DocumentMut, path: &[String], value: Value) -> Result<(), SetError> {
    if let Value::InlineTable(table) = &value {
        let exists = walk(doc.as_item_mut(), path).ok().is_some_and(|c| c.is_table());
        if exists {
            for (k, v) in table.iter() {
                let mut sub = path.to_vec();
                sub.push(k.to_string());
                apply_path(doc, &sub, v.clone())?;
            }
            return Ok(());
        }
    }
    let (leaf, parents) = path.split_last().expect("a path has at least one segment");
    if value.is_inline_table()
        && let Some((last, grand)) = parents.split_last()
        && walk(doc.as_item_mut(), parents).is_err()
        && let Ok(Cur::Item(item)) = walk(doc.as_item_mut(), grand)
        && let Some(table) = item.as_table_mut()
    {
        // A new table (a service's first call) may bring the one table holding it.
        let mut holder = Table::new();
        holder.set_implicit(true);
        table.insert(last, Item::Table(holder));
    }
    create_default_tables(doc, parents);
    let parent = walk(doc.as_item_mut(), parents)?;
    set_leaf(parent, parents, leaf, value)
}

enum Cur<'a> {
    Item(&'a mut Item),
    Table(&'a mut Table),
    Value(&'a mut Value),
}

impl Cur<'_> {
    fn is_table(&self) -> bool {
        match self {
            Cur::Item(item) => item.is_table_like(),
            Cur::Table(_) => true,
            Cur::Value(v) => v.is_inline_table(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Cur::Item(Item::ArrayOfTables(_)) => "an array of tables",
            Cur::Item(Item::Value(v)) => v.type_name(),
            Cur::Value(v) => v.type_name(),
            Cur::Item(_) | Cur::Table(_) => "a table",
        }
    }

    /// Keys (or indices) below this node.
    fn children(&self) -> Children {
        match self {
            Cur::Item(Item::ArrayOfTables(a)) => Children::Indexed(a.len()),
            Cur::Item(Item::Value(Value::Array(a))) | Cur::Value(Value::Array(a)) => Children::Indexed(a.len()),
            Cur::Item(item) => match item.as_table_like() {
                Some(t) => Children::Keys(t.iter().map(|(k, _)| k.to_string()).collect()),
                None => Children::Leaf,
            },
            Cur::Table(t) => Children::Keys(t.iter().map(|(k, _)| k.to_string()).collect()),
            Cur::Value(Value::InlineTable(t)) => Children::Keys(t.iter().map(|(k, _)| k.to_string()).collect()),
            Cur::Value(_) => Children::Leaf,
        }
    }
}

enum Children {
    Keys(Vec<String>),
    Indexed(usize),
    Leaf,
}

fn descend<'a>(cur: Cur<'a>, seg: &str) -> Option<Cur<'a>> {
    let index: Option<usize> = seg.parse().ok();
    match cur {
        Cur::Item(Item::ArrayOfTables(a)) => a.get_mut(index?).map(Cur::Table),
        Cur::Item(Item::Value(Value::Array(a))) | Cur::Value(Value::Array(a)) => a.get_mut(index?).map(Cur::Value),
        Cur::Item(item) => item.as_table_like_mut()?.get_mut(seg).map(Cur::Item),
        Cur::Table(t) => t.get_mut(seg).map(Cur::Item),
        Cur::Value(Value::InlineTable(t)) => t.get_mut(seg).map(Cur::Value),
        Cur::Value(_) => None,
    }
}

fn walk<'a>(root: &'a mut Item, path: &[String]) -> Result<Cur<'a>, SetError> {
    let mut cur = Cur::Item(root);
    for (i, seg) in path.iter().enumerate() {
        let here = &path[..i];
        check_child(&cur, here, seg)?;
        cur = descend(cur, seg).expect("checked above");
    }
    Ok(cur)
}

fn check_child(cur: &Cur, here: &[String], seg: &str) -> Result<(), SetError> {
    let full = shown(here, Some(seg));
    match cur.children() {
        Children::Keys(keys) if keys.iter().any(|k| k == seg) => Ok(()),
        Children::Keys(keys) => {
            let mut candidates = keys.clone();
            candidates.extend(default_tables_at(here).map(String::from));
            let guess = did_you_mean(seg, &candidates);
            let place = if here.is_empty() { "the topology".to_string() } else { format!("`{}`", shown(here, None)) };
            Err(SetError::new(
                format!("no table `{full}`{guess}"),
                Some(format!("the table holding the key must exist; {place} has {}", list(&keys))),
            ))
        }
        Children::Indexed(n) => match seg.parse::<usize>() {
            Ok(i) if i < n => Ok(()),
            Ok(i) => Err(SetError::new(
                format!("`{}` has {n} entries; there is no entry {i}", shown(here, None)),
                Some(if n == 0 {
                    "add the entry to the file first".into()
                } else {
                    format!("use an index from 0 to {}", n - 1)
                }),
            )),
            Err(_) => Err(SetError::new(
                format!("`{}` is a list; `{seg}` is not an index", shown(here, None)),
                Some(format!("pick an entry by its number, like `{}.0`", shown(here, None))),
            )),
        },
        Children::Leaf => Err(SetError::new(
            format!("`{}` is {}, not a table, so it has no `{seg}`", shown(here, None), cur.kind()),
            Some(format!("set `{}` itself", shown(here, None))),
        )),
    }
}

fn set_leaf(parent: Cur, parents: &[String], leaf: &str, value: Value) -> Result<(), SetError> {
    let full = shown(parents, Some(leaf));
    if let Children::Indexed(_) = parent.children() {
        check_child(&parent, parents, leaf)?;
    }
    let replaces_table = matches!(parent.children(), Children::Keys(ref keys) if keys.iter().any(|k| k == leaf))
        && descend_kind(&parent, leaf);
    if replaces_table {
        return Err(SetError::new(
            format!("`{full}` is a table; set one of its keys"),
            Some(format!("write `{full}.KEY=VALUE`")),
        ));
    }
    match parent {
        Cur::Item(Item::ArrayOfTables(_)) => Err(SetError::new(
            format!("`{full}` is a whole `[[{}]]` entry; set one of its keys", shown(parents, None)),
            Some(format!("write `{full}.KEY=VALUE`")),
        )),
        Cur::Item(Item::Value(Value::Array(a))) | Cur::Value(Value::Array(a)) => {
            let i: usize = leaf.parse().expect("checked as an index");
            replace(a.get_mut(i).expect("checked in range"), value);
            Ok(())
        }
        Cur::Item(item) => match item.as_table_like_mut() {
            Some(t) => {
                match t.get_mut(leaf) {
                    Some(Item::Value(old)) => replace(old, value),
                    _ => {
                        t.insert(leaf, Item::Value(value));
                    }
                }
                Ok(())
            }
            None => Err(not_a_table(parents, leaf)),
        },
        Cur::Table(t) => {
            match t.get_mut(leaf) {
                Some(Item::Value(old)) => replace(old, value),
                _ => {
                    t.insert(leaf, Item::Value(value));
                }
            }
            Ok(())
        }
        Cur::Value(Value::InlineTable(t)) => {
            match t.get_mut(leaf) {
                Some(old) => replace(old, value),
                None => {
                    t.insert(leaf, value);
                }
            }
            Ok(())
        }
        Cur::Value(_) => Err(not_a_table(parents, leaf)),
    }
}

fn descend_kind(parent: &Cur, leaf: &str) -> bool {
    let child_is_table = |item: Option<&Item>| item.is_some_and(|i| i.is_table() || i.is_array_of_tables());
    match parent {
        Cur::Item(item) => child_is_table(item.as_table_like().and_then(|t| t.get(leaf))),
        Cur::Table(t) => child_is_table(t.get(leaf)),
        Cur::Value(_) => false,
    }
}

fn not_a_table(parents: &[String], leaf: &str) -> SetError {
    SetError::new(
        format!("`{}` is not a table, so it has no `{leaf}`", shown(parents, None)),
        Some(format!("set `{}` itself", shown(parents, None))),
    )
}

fn replace(old: &mut Value, new: Value) {
    let decor = old.decor().clone();
    *old = new;
    *old.decor_mut() = decor;
}

fn shown(path: &[String], leaf: Option<&str>) -> String {
    let mut all: Vec<&str> = path.iter().map(String::as_str).collect();
    all.extend(leaf);
    all.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, key: &str, value: &str) -> Result<String, SetError> {
        let mut doc: DocumentMut = text.parse().unwrap();
        apply(&mut doc, key, parse_value(value))?;
        Ok(doc.to_string())
    }

    #[test]
    fn values_are_toml_or_bare_strings() {
        assert_eq!(parse_value("400").as_integer(), Some(400));
        assert_eq!(parse_value("true").as_bool(), Some(true));
        assert_eq!(parse_value("\"2s\"").as_str(), Some("2s"));
        assert_eq!(parse_value("2s").as_str(), Some("2s"));
        assert_eq!(parse_value("+20m").as_str(), Some("+20m"));
        assert_eq!(parse_value("05:15:30").as_str(), Some("05:15:30"));
    }

    #[test]
    fn sets_existing_and_new_keys() {
        let text = "[services.db]\ninstances = 2 # two\n[services.db.threads]\nworkers = 10\n";
        let out = run(text, "services.db.instances", "4").unwrap();
        assert!(out.contains("instances = 4 # two"), "{out}");
        let out = run(text, "services.db.threads.os-limit", "40000").unwrap();
        assert!(out.contains("os-limit = 40000"), "{out}");
    }

    #[test]
    fn indexes_arrays_of_tables() {
        let text = "[[scenario]]\nat = \"+1h\"\naction = \"crash\"\n";
        let out = run(text, "scenario.0.at", "+20m").unwrap();
        assert!(out.contains("at = \"+20m\""), "{out}");
        let err = run(text, "scenario.3.at", "+20m").unwrap_err();
        assert_eq!(err.message, "`scenario` has 1 entries; there is no entry 3");
    }

    #[test]
    fn missing_parents_are_named_with_the_nearest_key() {
        let text = "[services.db]\ninstances = 2\n";
        let err = run(text, "services.dbb.instances", "4").unwrap_err();
        assert_eq!(err.message, "no table `services.dbb`; did you mean `db`?");
        let err = run(text, "services.db.thread.workers", "4").unwrap_err();
        assert_eq!(err.message, "no table `services.db.thread`; did you mean `threads`?");
        let err = run(text, "services.db", "4").unwrap_err();
        assert_eq!(err.message, "`services.db` is a table; set one of its keys");
    }

    #[test]
    fn new_table_values_may_bring_their_holding_table() {
        let text = "[services.db]\ninstances = 2\n[services.web]\ninstances = 1\n";
        let out = run(text, "services.web.calls.db", "{ timeout = \"1s\" }").unwrap();
        let back: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(back["services"]["web"]["calls"]["db"]["timeout"].as_str(), Some("1s"), "{out}");
        let err = run(text, "services.webb.calls.db", "{ timeout = \"1s\" }").unwrap_err();
        assert_eq!(err.message, "no table `services.webb`; did you mean `web`?");
        let err = run(text, "services.web.calls.db.timeout", "1s").unwrap_err();
        assert_eq!(err.message, "no table `services.web.calls`");
    }

    #[test]
    fn table_values_merge_into_existing_tables() {
        let text = "[services.db]\ninstances = 2\n";
        let out = run(text, "services.db", "{ instances = 3, queue = 5 }").unwrap();
        assert!(out.contains("instances = 3") && out.contains("queue = 5"), "{out}");
    }

    #[test]
    fn tables_left_to_their_defaults_are_created() {
        let text = "[services.db]\ninstances = 2\n[services.db.calls.x]\n";
        let out = run(text, "services.db.threads.workers", "4").unwrap();
        let back: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(back["services"]["db"]["threads"]["workers"].as_integer(), Some(4), "{out}");
        let out = run(text, "services.db.calls.x.retries.max", "3").unwrap();
        let back: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(back["services"]["db"]["calls"]["x"]["retries"]["max"].as_integer(), Some(3), "{out}");
        let out = run(text, "thresholds.impact", "0.9").unwrap();
        assert!(out.contains("[thresholds]") && out.contains("impact = 0.9"), "{out}");
        // Names are never made up: a service or call must be declared.
        let err = run(text, "services.dbx.threads.workers", "4").unwrap_err();
        assert_eq!(err.message, "no table `services.dbx`; did you mean `db`?");
    }

    #[test]
    fn quoted_segments_keep_dots_and_equals() {
        assert_eq!(segments("services.\"a.b\".queue"), ["services", "a.b", "queue"]);
        let (key, value) = split_arg("services.\"a=b\".queue=3").unwrap();
        assert_eq!((key.as_str(), value.as_str()), ("services.\"a=b\".queue", "3"));
        assert_eq!(segments(&key), ["services", "a=b", "queue"]);
    }
}
