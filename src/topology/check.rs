//! `check`: the baseline and every variant validated at once, each problem reported once.

use super::{TopologyError, load_str, read, read_variants};
use crate::model::Model;
use std::collections::HashSet;
use std::path::Path;

/// Validates the topology at `path` with `sets`, and each of its variants over it.
///
/// Returns the baseline model, or every problem found: the baseline's, then each
/// variant's (named `FILE (with variant `NAME`)`) that the baseline does not have already.
pub fn check_file(path: &Path, sets: &[String]) -> Result<Model, TopologyError> {
    let text = read(path)?;
    let source = path.display().to_string();
    let baseline = load_str(&source, &text, sets, None);
    // A valid baseline names its variants; otherwise they are read on their own.
    let variants: Vec<String> = match &baseline {
        Ok(model) => model.variants.iter().map(|v| v.name.clone()).collect(),
        Err(_) => read_variants(&source, &text)?.0.into_iter().map(|(n, _)| n).collect(),
    };
    let known: HashSet<(Option<String>, String)> = match &baseline {
        Err(TopologyError::Invalid(inv)) => inv.problems.iter().map(|p| (p.key.clone(), p.message.clone())).collect(),
        _ => HashSet::new(),
    };
    let baseline_syntax = match &baseline {
        Err(TopologyError::Syntax(e)) => Some(e.message.clone()),
        _ => None,
    };
    let mut errors = Vec::new();
    for name in &variants {
        match load_str(&source, &text, sets, Some(name)) {
            Ok(_) => {}
            // The same syntax problem as the baseline's, found again through the variant.
            Err(TopologyError::Syntax(e)) if baseline_syntax.as_ref() == Some(&e.message) => {}
            Err(TopologyError::Invalid(mut inv)) => {
                inv.problems.retain(|p| !known.contains(&(p.key.clone(), p.message.clone())));
                if !inv.problems.is_empty() {
                    errors.push(TopologyError::Invalid(inv));
                }
            }
            Err(other) => errors.push(other),
        }
    }
    match (baseline, errors.is_empty()) {
        (Ok(model), true) => Ok(model),
        (Err(e), true) => Err(e),
        (Ok(_), false) if errors.len() == 1 => Err(errors.remove(0)),
        (baseline, false) => {
            errors.splice(0..0, baseline.err());
            Err(TopologyError::Several { name: source, errors })
        }
    }
}
