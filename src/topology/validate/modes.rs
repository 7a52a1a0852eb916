//! Keys with no request-level meaning: refused, by name, when the topology runs in requests mode.

use super::values::{Ctx, sub};
use crate::topology::error::Issue;
use crate::topology::raw::RawTopology;

/// What to do instead, for every refusal.
const HELP: &str = "remove it, or run in fluid mode (`mode = \"fluid\"` or `--mode fluid`)";

/// Pushes one problem for each key of `raw` the request engine does not simulate.
pub fn refuse_in_requests(ctx: &mut Ctx, raw: &RawTopology) {
    let mut refuse = |path: Vec<String>, what: &str, key: bool| {
        let message = format!("{what} is not simulated in requests mode");
        let issue = if key { Issue::at_key(&path, message) } else { Issue::at(&path, message) };
        ctx.push(issue.help(HELP));
    };
    for (name, s) in &raw.services.0 {
        let base = vec!["services".to_string(), name.clone()];
        let fluid_only = [
            ("peers", s.peers.is_some()),
            ("warmup", s.warmup.is_some()),
            ("memory", s.memory.is_some()),
            ("draining", s.draining.is_some()),
        ];
        for (key, given) in fluid_only {
            if given {
                refuse(sub(&base, key), &format!("`{key}`"), true);
            }
        }
        if let Some(load) = &s.load {
            let path = sub(&base, "load");
            if load.segments.is_some() {
                refuse(sub(&path, "segments"), "`segments`", true);
            }
        }
        for (callee, c) in &s.calls.0 {
            let path = sub(&sub(&base, "calls"), callee);
            if let Some(b) = &c.buffer
                && b.when_full.as_deref() == Some("block")
            {
                refuse(
                    sub(&sub(&path, "buffer"), "when-full"),
                    "a buffer that blocks (`when-full = \"block\"`)",
                    false,
                );
            }
        }
    }
    for (i, a) in raw.scenario.iter().enumerate() {
        let path = vec!["scenario".to_string(), i.to_string(), "action".to_string()];
        if let Some(action @ ("set" | "rolling-restart" | "rolling-deploy" | "rollback" | "cancel")) =
            a.action.as_deref()
        {
            refuse(path, &format!("the action `{action}`"), false);
            continue;
        }
        let entry = vec!["scenario".to_string(), i.to_string()];
        let faults = matches!(a.action.as_deref(), Some("lose-capacity" | "inject-latency" | "inject-errors"));
        let partial = [
            ("count", faults && a.count.is_some()),
            ("fraction", faults && a.fraction.is_some() && a.action.as_deref() != Some("lose-capacity")),
        ];
        for (key, given) in
            partial.into_iter().chain([("class", a.class.is_some()), ("requires", a.requires.is_some())])
        {
            if given {
                refuse(sub(&entry, key), &format!("`{key}` on a scenario entry"), true);
            }
        }
    }
}
