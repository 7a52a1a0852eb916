//! Scenario `set` actions: the full service and dependency parameters after each change, applied cumulatively.

use super::error::{Issue, dotted, rewrite_message};
use super::overrides::{apply, from_toml};
use super::raw::RawTopology;
use super::validate::{Ctx, PendingSet, validate_services};
use crate::model::{ActionKind, Model};
use toml_edit::DocumentMut;

/// Fills the parameters of every `set` action of `model` (in time order), reporting
/// problems at the action that causes them.
pub fn compute(model: &mut Model, pending: &[PendingSet], text: &str) -> Vec<Issue> {
    let mut issues = Vec::new();
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return issues;
    };
    let pairs = |m: &Model| -> Vec<(String, String)> {
        m.deps.iter().map(|d| (m.services[d.caller.0].name.clone(), m.services[d.callee.0].name.clone())).collect()
    };
    let base_names: Vec<String> = model.services.iter().map(|s| s.name.clone()).collect();
    let base_pairs = pairs(model);
    for p in pending {
        let at =
            |key: &str| vec!["scenario".to_string(), p.raw_index.to_string(), "values".to_string(), key.to_string()];
        let before = issues.len();
        for (key, value) in &p.values {
            let segs = super::overrides::segments(key);
            if segs.len() == 5 && segs[0] == "services" && segs[2] == "calls" && segs[4] == "enabled" {
                issues.push(Issue::at_key(&at(key), "a scenario `set` cannot turn a call on or off").help(
                    "use a variant or `--set` for `enabled`; to cut a call during the run, use a `partition` action",
                ));
                continue;
            }
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
        if names != base_names || pairs(&after) != base_pairs {
            issues.push(
                Issue::at_key(&at(first_key), "a scenario `set` cannot add or remove services or calls")
                    .help("declare every service and call in the topology, and change only their parameters"),
            );
            continue;
        }
        if let ActionKind::Set { services: s, deps: d, .. } = &mut model.scenario[p.model_index].kind {
            *s = services;
            *d = deps;
        }
    }
    issues
}
