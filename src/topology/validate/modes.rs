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
        let fluid_only = [("peers", s.peers.is_some()), ("warmup", s.warmup.is_some()), ("memory", s.memory.is_some())];
        for (key, given) in fluid_only {
            if given {
                refuse(sub(&base, key), &format!("`{key}`"), true);
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
        if a.action.as_deref() == Some("rolling-deploy") && a.when_full.is_some() {
            let path = vec!["scenario".to_string(), i.to_string(), "when-full".to_string()];
            refuse(path, "a new version's `when-full`", true);
        }
    }
}
