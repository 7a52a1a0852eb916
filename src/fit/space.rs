//! The searched space: each `--param` as a dimension mapped to the unit interval.

use super::keys::{self, Number};
use crate::sweep::range::{self, Param, Value};
use serde::{Deserialize, Serialize};

/// One searched parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dim {
    pub key: String,
    /// The range as written after `=`.
    pub range: String,
    pub kind: DimKind,
}

/// How a parameter's values are searched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DimKind {
    /// Any value from `lo` to `hi` (`A..B`, `A..B:log`), rounded for integers.
    Continuous { lo: Number, hi: Number, log: bool },
    /// Only the values listed or gridded (`V1,V2`, `A..B:N`, `A..B:step=S`).
    Grid { values: Vec<Value> },
}

impl Dim {
    /// A dimension from a parsed `--param`; the topology's own value at the key
    /// (when it has one) says whether values are integers.
    pub fn new(param: &Param, topology_text: &str) -> Dim {
        let base = keys::lookup(topology_text, &param.key);
        let rest = param.range.split_once("..").map_or("", |(_, r)| r);
        let gridded = rest.split(':').skip(1).any(|o| o.trim().parse::<usize>().is_ok() || o.starts_with("step="));
        let continuous = !param.range.contains(',') && param.range.contains("..") && !gridded;
        let kind = match (continuous, param.values.first(), param.values.last()) {
            (true, Some(first), Some(last)) => {
                let unit = first.unit().to_string();
                let integer = match &base {
                    Some(b) => b.integer && unit.is_empty(),
                    None => param.values.iter().all(|v| matches!(v, Value::Int(_))),
                };
                let num = |v: &Value| Number { value: v.number().unwrap_or(0.0), unit: unit.clone(), integer };
                DimKind::Continuous { lo: num(first), hi: num(last), log: param.log }
            }
            _ => DimKind::Grid { values: param.values.clone() },
        };
        Dim { key: param.key.clone(), range: param.range.clone(), kind }
    }

    /// The value at `u` in 0..=1.
    pub fn value(&self, u: f64) -> Value {
        let u = u.clamp(0.0, 1.0);
        match &self.kind {
            DimKind::Continuous { lo, hi, log } => {
                let x = match log {
                    true => (lo.value.ln() + (hi.value.ln() - lo.value.ln()) * u).exp(),
                    false => lo.value + (hi.value - lo.value) * u,
                };
                let n = lo.with(x);
                match (n.integer, n.unit.is_empty()) {
                    (true, true) => Value::Int(n.value as i64),
                    (false, true) => Value::Float(n.value),
                    _ => Value::Text(n.show()),
                }
            }
            DimKind::Grid { values } => {
                let i = ((u * values.len() as f64).floor() as usize).min(values.len() - 1);
                values[i].clone()
            }
        }
    }

    /// Where `value` lies in 0..=1 (the inverse of [`Dim::value`], up to rounding).
    pub fn unit_of(&self, value: &Value) -> f64 {
        match &self.kind {
            DimKind::Continuous { lo, hi, log } => {
                let x = value.number().unwrap_or(lo.value);
                let u = match log {
                    true => (x.ln() - lo.value.ln()) / (hi.value.ln() - lo.value.ln()),
                    false => (x - lo.value) / (hi.value - lo.value),
                };
                if u.is_finite() { u.clamp(0.0, 1.0) } else { 0.0 }
            }
            DimKind::Grid { values } => {
                let same = |v: &Value| v == value || (v.number().is_some() && v.number() == value.number());
                let i = values.iter().position(same).unwrap_or(0);
                (i as f64 + 0.5) / values.len() as f64
            }
        }
    }

    /// The smallest step in 0..=1 that can change the value.
    pub fn resolution(&self) -> f64 {
        match &self.kind {
            DimKind::Continuous { lo, hi, .. } if lo.integer => 1.0 / (hi.value - lo.value).abs().max(1.0),
            DimKind::Continuous { .. } => 1e-4,
            DimKind::Grid { values } => 1.0 / values.len() as f64,
        }
    }
}

/// Parses every `--param`, refusing a key given twice.
pub fn parse_all(params: &[String], topology_text: &str) -> Result<Vec<Dim>, String> {
    let mut dims: Vec<Dim> = Vec::new();
    for text in params {
        let p = range::parse(text).map_err(|e| e.to_string())?;
        if dims.iter().any(|d| d.key == p.key) {
            return Err(format!("--param `{}` is given twice; fit each key once", p.key));
        }
        dims.push(Dim::new(&p, topology_text));
    }
    Ok(dims)
}

/// `--set` arguments for a point given as unit coordinates.
pub fn sets(dims: &[Dim], point: &[Value]) -> Vec<String> {
    dims.iter().zip(point).map(|(d, v)| format!("{}={}", d.key, v.to_toml())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dim(text: &str, topology: &str) -> Dim {
        Dim::new(&range::parse(text).unwrap(), topology)
    }

    #[test]
    fn ranges_are_continuous_and_lists_or_grids_discrete() {
        let d = dim("services.a.capacity=100/s..300/s", "");
        assert_eq!(d.value(0.5), Value::Text("200/s".into()));
        assert_eq!(d.unit_of(&Value::Text("250/s".into())), 0.75);
        let d = dim("k=10..1000:log", "");
        assert_eq!(d.value(0.5).number(), Some(100.0));
        let d = dim("k=1,2,4", "");
        assert_eq!((d.value(0.0), d.value(0.5), d.value(1.0)), (Value::Int(1), Value::Int(2), Value::Int(4)));
        assert!(matches!(dim("k=0..10:3", "").kind, DimKind::Grid { .. }));
    }

    #[test]
    fn the_topology_says_whether_values_are_integers() {
        let text = "[services.a]\ninstances = 8\nnoise = 0.5\n";
        assert_eq!(dim("services.a.instances=4..9", text).value(0.55), Value::Int(7));
        assert_eq!(dim("services.a.noise=0..2", text).value(0.5), Value::Float(1.0));
    }
}
