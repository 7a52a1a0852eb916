//! The topology file format: parsing, overrides and validation into a [`crate::model::Model`].

mod check;
mod error;
mod file;
mod keypath;
mod locate;
mod overrides;
mod pieces;
mod raw;
mod sets;
mod source;
mod suggest;
mod validate;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_bad;
#[cfg(test)]
mod tests_values;

pub use check::check_file;
pub use error::{InvalidTopology, Problem, SyntaxError, TopologyError, render_error};
pub use file::{MAX_BYTES as MAX_FILE_BYTES, read_regular};
pub use suggest::nearest;

use crate::model::{Model, Variant};
use raw::{Ordered, RawTopology, RawVariant};
use serde::Deserialize;
use std::path::Path;
use toml::de::DeTable;
use toml_edit::DocumentMut;

/// Reads, overrides and validates the topology file at `path`.
///
/// `sets` are `KEY=VALUE` overrides (`--set`), applied after the `variant`'s own `set` table.
/// Every error is bad input, located in the file when possible.
pub fn load_file(path: &Path, sets: &[String], variant: Option<&str>) -> Result<Model, TopologyError> {
    let text = read(path)?;
    load_str(&path.display().to_string(), &text, sets, variant)
}

/// As [`load_file`], from text; `source_name` names it in errors and gives the default `name` (its stem).
pub fn load_str(source_name: &str, text: &str, sets: &[String], variant: Option<&str>) -> Result<Model, TopologyError> {
    if sets.is_empty()
        && variant.is_none()
        && let Some((mut raw, found)) = read_raw(text)
    {
        let variants = Ordered(std::mem::take(&mut raw.variants.0));
        return finish(source_name, source_name, text, &raw, &variants, found);
    }
    // With overrides, or when the text has a problem to place: the text is
    // parsed into a plain table, which gives the variants, the raw topology
    // and the scan; a typed parse of the text runs only to place an error at
    // its line and column.
    let source_table = parse_table(source_name, text)?;
    let variants = variants_of(source_name, text, &source_table)?;
    let mut pending: Vec<(String, String, toml_edit::Value)> = Vec::new();
    if let Some(wanted) = variant {
        let Some((_, v)) = variants.0.iter().find(|(n, _)| n == wanted) else {
            return Err(TopologyError::UnknownVariant {
                name: wanted.to_string(),
                variants: variants.0.iter().map(|(n, _)| n.clone()).collect(),
            });
        };
        // Applied as written, not flattened: a table value for a new key adds a service or call.
        for (key, value) in v.set.iter().flat_map(|s| s.0.iter()) {
            pending.push((format!("variant `{wanted}`"), key.clone(), overrides::from_toml(value)));
        }
    }
    for arg in sets {
        let (key, value) = overrides::split_arg(arg).map_err(|e| bad_set("--set", arg, e))?;
        pending.push(("--set".to_string(), key, overrides::parse_value(&value)));
    }
    let (name, text, table) = if pending.is_empty() && variant.is_none() {
        (source_name.to_string(), text.to_string(), source_table)
    } else {
        drop(source_table);
        let mut doc: DocumentMut =
            text.parse().map_err(|e: toml_edit::TomlError| syntax_of_edit(source_name, text, &e))?;
        for (flag, key, value) in pending {
            overrides::apply(&mut doc, &key, value).map_err(|e| bad_set(&flag, &key, e))?;
        }
        let what = match (variant, sets.is_empty()) {
            (Some(v), true) => format!("variant `{v}`"),
            (Some(v), false) => format!("variant `{v}` and --set"),
            (None, _) => "--set".to_string(),
        };
        let name = format!("{source_name} (with {what})");
        let text = doc.to_string();
        let table = parse_table(&name, &text)?;
        (name, text, table)
    };
    let found = match DeTable::parse(&text) {
        Ok(doc) => validate::scan(doc.get_ref()),
        Err(_) => Vec::new(),
    };
    let raw: RawTopology = match RawTopology::deserialize(toml::Value::Table(table)) {
        Ok(raw) => raw,
        Err(_) => toml::from_str(&text).map_err(|e| error::from_toml(&name, &text, &e))?,
    };
    finish(source_name, &name, &text, &raw, &variants, found)
}

/// The raw topology of `text` and the scan's problems, in one parse that
/// borrows the text; `None` when the text has a syntax or type error, which
/// the slower path places.
fn read_raw(text: &str) -> Option<(RawTopology, Vec<error::Issue>)> {
    if let Some(raw) = pieces::read(text) {
        return Some((raw, Vec::new()));
    }
    let mut doc = pieces::parse(text).or_else(|| DeTable::parse(text).ok())?;
    let found = validate::scan(doc.get_ref());
    validate::datetimes_as_text(doc.get_mut());
    let raw = RawTopology::deserialize(toml::de::Deserializer::from(doc)).ok()?;
    Some((raw, found))
}

/// Validates `raw` (read from `text`, named `name` in errors) into a model.
fn finish(
    source_name: &str,
    name: &str,
    text: &str,
    raw: &RawTopology,
    variants: &Ordered<RawVariant>,
    found: Vec<error::Issue>,
) -> Result<Model, TopologyError> {
    let stem = Path::new(source_name).file_stem().and_then(|s| s.to_str()).unwrap_or(source_name);
    let model_variants = variants
        .0
        .iter()
        .map(|(n, v)| Variant {
            name: n.clone(),
            description: v.description.clone().unwrap_or_default(),
            overrides: variant_overrides(v).into_iter().map(|(k, val)| (k, val.to_string())).collect(),
        })
        .collect();
    let mut checked = validate::validate(raw, stem, model_variants);
    // Other checks may trip over the same NaN or name; the scan's problem says it best.
    checked.issues.retain(|i| !found.iter().any(|n| i.path.starts_with(&n.path)));
    checked.issues.splice(0..0, found);
    if checked.services_ok {
        let more = sets::compute(&mut checked.model, &checked.pending_sets, text);
        checked.issues.extend(more);
    }
    if !checked.issues.is_empty() {
        return Err(error::invalid(name, text, checked.issues));
    }
    Ok(checked.model)
}

/// The names of the variants the topology file at `path` defines, in file order.
///
/// Reads only the `[variants]` tables, so it works on a topology that is otherwise invalid.
pub fn variant_names(path: &Path) -> Result<Vec<String>, TopologyError> {
    let text = read(path)?;
    let variants = read_variants(&path.display().to_string(), &text)?;
    Ok(variants.0.into_iter().map(|(n, _)| n).collect())
}

/// Reads a topology file's text (a regular file of bounded size); errors are bad input.
pub fn read(path: &Path) -> Result<String, TopologyError> {
    file::read(path)
}

#[derive(Deserialize)]
struct VariantsOnly {
    #[serde(default)]
    variants: Ordered<RawVariant>,
}

/// The text as a plain table; a syntax error is placed in `text`.
fn parse_table(source_name: &str, text: &str) -> Result<toml::Table, TopologyError> {
    toml::from_str::<toml::Table>(text).map_err(|e| error::from_toml(source_name, text, &e))
}

/// The variants of the parsed `table`; a problem is placed by parsing `text` for them.
fn variants_of(source_name: &str, text: &str, table: &toml::Table) -> Result<Ordered<RawVariant>, TopologyError> {
    let Some(variants) = table.get("variants") else {
        return Ok(Ordered::default());
    };
    Ordered::<RawVariant>::deserialize(variants.clone()).or_else(|_| typed_variants(source_name, text))
}

/// The variants of a topology's text.
fn read_variants(source_name: &str, text: &str) -> Result<Ordered<RawVariant>, TopologyError> {
    variants_of(source_name, text, &parse_table(source_name, text)?)
}

/// The variants by a typed parse of the text, which places a problem at its line and column.
fn typed_variants(source_name: &str, text: &str) -> Result<Ordered<RawVariant>, TopologyError> {
    toml::from_str::<VariantsOnly>(text).map(|v| v.variants).map_err(|e| error::from_toml(source_name, text, &e))
}

/// A variant's `set` as dotted keys and values (unquoted dotted keys are flattened).
fn variant_overrides(v: &RawVariant) -> Vec<(String, toml::Value)> {
    fn flatten(key: &str, value: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
        match value {
            toml::Value::Table(t) => t.iter().for_each(|(k, v)| flatten(&format!("{key}.{k}"), v, out)),
            _ => out.push((key.to_string(), value.clone())),
        }
    }
    let mut out = Vec::new();
    for (key, value) in v.set.iter().flat_map(|s| s.0.iter()) {
        flatten(key, value, &mut out);
    }
    out
}

fn bad_set(flag: &str, key: &str, e: overrides::SetError) -> TopologyError {
    TopologyError::BadSet { flag: flag.to_string(), key: key.to_string(), message: e.message, help: e.help }
}

fn syntax_of_edit(source_name: &str, text: &str, e: &toml_edit::TomlError) -> TopologyError {
    match toml::from_str::<toml::Table>(text) {
        Err(e) => error::from_toml(source_name, text, &e),
        Ok(_) => TopologyError::BadSet {
            flag: "--set".to_string(),
            key: String::new(),
            message: format!("the file cannot be edited: {}", e.message()),
            help: Some("write the topology in TOML 1.0 to use overrides".into()),
        },
    }
}
