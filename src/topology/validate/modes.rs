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
            ("partitions", s.partitions.is_some()),
            ("routing", s.routing.is_some()),
            ("serverless", s.serverless.is_some()),
            ("autoscaling", s.autoscaling.is_some()),
            ("shedding", s.shedding.is_some()),
        ];
        for (key, given) in fluid_only {
            if given {
                refuse(sub(&base, key), &format!("`{key}`"), true);
            }
        }
        if let Some(load) = &s.load {
            let path = sub(&base, "load");
            if load.kind.as_deref() == Some("closed") {
                refuse(sub(&path, "kind"), "a closed-loop load (`kind = \"closed\"`)", false);
            }
        }
        for (callee, c) in &s.calls.0 {
            let path = sub(&sub(&base, "calls"), callee);
            let fluid_only = [
                ("pool", c.pool.is_some()),
                ("skew", c.skew.is_some()),
                ("weight", c.weight.is_some()),
                ("failover", c.failover.is_some()),
                ("breaker", c.breaker.is_some()),
            ];
            for (key, given) in fluid_only {
                if given {
                    refuse(sub(&path, key), &format!("`{key}`"), true);
                }
            }
            if c.priority.is_some_and(|p| p != 0) {
                refuse(sub(&path, "priority"), "`priority`", false);
            }
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
