//! Scenario `set` actions: the full service and dependency parameters after each change, applied cumulatively.

use super::error::{Issue, dotted, rewrite_message};
use super::overrides::{apply, from_toml};
use super::raw::RawTopology;
use super::validate::{Ctx, PendingSet, refuse_in_requests, validate_services};
use crate::model::{ActionKind, Mode, Model};
use toml_edit::DocumentMut;

/// Fills the parameters of every `set` action of `model` (in time order), reporting
/// problems at the action that causes them.
pub fn compute(model: &mut Model, pending: &[PendingSet], text: &str) -> Vec<Issue> {
    let mut issues = Vec::new();
    if pending.is_empty() {
        return issues;
    }
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return issues;
    };
    let pairs = |m: &Model| -> Vec<(String, String)> {
        m.deps.iter().map(|d| (m.services[d.caller.0].name.clone(), m.services[d.callee.0].name.clone())).collect()
    };
    let base_names: Vec<String> = model.services.iter().map(|s| s.name.clone()).collect();
    let base_pairs = pairs(model);
    // In requests mode, keys the request engine does not simulate, by path.
    let refused = |raw: &RawTopology| -> Vec<Issue> {
        let mut ctx = Ctx::default();
        if model.mode == Mode::Requests {
            refuse_in_requests(&mut ctx, raw);
        }
        ctx.issues
    };
    let base_refused: Vec<Vec<String>> = match toml::from_str::<RawTopology>(text) {
        Ok(raw) => refused(&raw).into_iter().map(|i| i.path).collect(),
        Err(_) => Vec::new(),
    };
    for p in pending {
        let at =
            |key: &str| vec!["scenario".to_string(), p.raw_index.to_string(), "values".to_string(), key.to_string()];
        let before = issues.len();
        for (key, value) in &p.values {
            if let Err(e) = apply(&mut doc, key, from_toml(value)) {
                let help = e.help.unwrap_or_else(|| "set only keys of tables the topology declares".into());
                issues.push(Issue::at_key(&at(key), format!("cannot set `{key}`: {}", e.message)).help(help));
            }
        }
        if issues.len() != before {
            continue;
        }
        let first_key = p.values.first().map_or("", |(k, _)| k.as_str());
        let raw: RawTopology = match toml::from_str(&doc.to_string()) {
            Ok(raw) => raw,
            Err(e) => {
                let (message, help) = rewrite_message(e.message().trim());
                let mut issue = Issue::at_key(&at(first_key), format!("after this change: {message}"));
                issue.help = help;
                issues.push(issue);
                continue;
            }
        };
        let mut ctx = Ctx {
            clock: model.clock.clone(),
            duration: Some(model.duration),
            segments: model.segments.clone(),
            ..Ctx::default()
        };
        let (services, deps) = validate_services(&mut ctx, &raw.services);
        ctx.issues.extend(refused(&raw).into_iter().filter(|i| !base_refused.contains(&i.path)));
        for issue in ctx.issues {
            let key = p
                .values
                .iter()
                .map(|(k, _)| k.as_str())
                .find(|k| issue.path.join(".").starts_with(*k))
                .unwrap_or(first_key);
            issues.push(Issue {
                path: at(key),
                message: format!("after this change, `{}`: {}", dotted(&issue.path), issue.message),
                ..issue
            });
        }
        let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
        let after = Model { services: services.clone(), deps: deps.clone(), ..model.clone() };
        let after_pairs = pairs(&after);
        if names != base_names || after_pairs.iter().any(|p| !base_pairs.contains(p)) {
            let switched_on = p.values.iter().find(|(k, v)| k.ends_with(".enabled") && v.as_bool() == Some(true));
            let (message, help) = match switched_on {
                Some(_) => (
                    "a scenario `set` cannot switch on a call that is off from the start",
                    "declare the call enabled and switch it off with a `set` at \"+0s\", then on again",
                ),
                None => (
                    "a scenario `set` cannot add or remove services or calls",
                    "declare every service and call in the topology, and change only their parameters",
                ),
            };
            issues.push(Issue::at_key(&at(switched_on.map_or(first_key, |(k, _)| k)), message).help(help));
            continue;
        }
        // Calls switched off (`enabled = false`) stay in place, marked off.
        let deps: Vec<_> = model
            .deps
            .iter()
            .zip(&base_pairs)
            .map(|(base, pair)| match after_pairs.iter().position(|p| p == pair) {
                Some(i) => deps[i].clone(),
                None => {
                    let mut off = base.clone();
                    off.extras.off = true;
                    off
                }
            })
            .collect();
        if let ActionKind::Set { services: s, deps: d, .. } = &mut model.scenario[p.model_index].kind {
            *s = services;
            *d = deps;
        }
    }
    issues
}
