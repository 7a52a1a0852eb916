//! Keys with no request-level meaning: refused, by name, when the topology runs in requests mode (none at present: every mechanism runs in both engines).

use super::values::{Ctx, Seg, sub};
use crate::topology::error::Issue;
use crate::topology::raw::{RawService, RawTopology};

/// What to do instead, for every refusal.
const HELP: &str = "remove it, or run in fluid mode (`mode = \"fluid\"` or `--mode fluid`)";

/// A service key the request engine does not simulate: its name, and whether a service sets it.
type FluidOnly = (&'static str, fn(&RawService) -> bool);

/// The service keys refused in requests mode. `peers`, `warmup`, `memory`,
/// blocking buffers and a new version's `when-full` were here until the
/// request engine simulated them; a key added to fluid mode alone goes here.
const FLUID_ONLY: &[FluidOnly] = &[];

/// Pushes one problem for each key of `raw` the request engine does not simulate.
pub fn refuse_in_requests(ctx: &mut Ctx, raw: &RawTopology) {
    refuse(ctx, raw, FLUID_ONLY);
}

fn refuse(ctx: &mut Ctx, raw: &RawTopology, keys: &[FluidOnly]) {
    for (name, s) in &raw.services.0 {
        let base = [Seg::from("services"), Seg::from(name)];
        for (key, given) in keys {
            if given(s) {
                let message = format!("`{key}` is not simulated in requests mode");
                ctx.push(Issue::at_key(&sub(&base, key), message).help(HELP));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_key_is_named_with_the_way_out() {
        let raw: RawTopology = toml::from_str(
            "duration = \"1m\"\n[services.a]\ninstances = 1\ncapacity = \"1/s\"\npeers = { per-peer = 1 }\n",
        )
        .unwrap();
        let mut ctx = Ctx::default();
        refuse_in_requests(&mut ctx, &raw);
        assert!(ctx.issues.is_empty(), "nothing is refused today");
        refuse(&mut ctx, &raw, &[("peers", |s| s.peers.is_some()), ("memory", |s| s.memory.is_some())]);
        assert_eq!(ctx.issues.len(), 1);
        let text = format!("{:?}", ctx.issues[0]);
        assert!(text.contains("`peers` is not simulated in requests mode") && text.contains("--mode fluid"), "{text}");
    }
}
