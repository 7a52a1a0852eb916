//! Validation of `[[expect]]`: the expected timeline a reproduction is scored against.

use super::scenario::service_id;
use super::values::{Ctx, Seg, sub};
use crate::model::{Expectation, MilestoneKind, Service};
use crate::topology::error::Issue;
use crate::topology::raw::RawTopology;
use crate::topology::suggest::{did_you_mean, list};
use toml::Value;

/// Validates the expected timeline.
pub fn validate_expect(ctx: &mut Ctx, raw: &RawTopology, services: &[Service]) -> Vec<Expectation> {
    let kinds: Vec<&str> = MilestoneKind::ALL.iter().map(|k| k.as_str()).collect();
    let mut out = Vec::new();
    for (i, e) in raw.expect.iter().enumerate() {
        let base = [Seg::from("expect"), Seg::from(i)];
        let service = ctx
            .required(&sub(&base, "service"), e.service.as_ref(), "\"db\"")
            .and_then(|n| service_id(ctx, &sub(&base, "service"), n, services));
        let kind = ctx.required(&sub(&base, "kind"), e.kind.as_ref(), "\"impact_start\"").and_then(|k| {
            let found = MilestoneKind::parse(k);
            if found.is_none() {
                ctx.push(
                    Issue::at(&sub(&base, "kind"), format!("unknown milestone `{k}`{}", did_you_mean(k, &kinds)))
                        .help(format!("use one of {}", list(&kinds))),
                );
            }
            found
        });
        let at_value = ctx.required(&sub(&base, "at"), e.at.as_ref(), "\"05:15\"");
        let at = at_value.and_then(|v| ctx.time(&sub(&base, "at"), v));
        if let (Some(service), Some(kind), Some(at), Some(v)) = (service, kind, at, at_value) {
            let at_text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push(Expectation { service, kind, at, at_text, note: e.note.clone().unwrap_or_default() });
        }
    }
    out
}
