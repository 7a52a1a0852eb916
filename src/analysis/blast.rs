//! Blast radius: which services a failure can reach through the dependency graph.

use crate::model::{Model, ServiceId};

/// The services a failure of `failed` can impact: itself and every service
/// that calls it, directly or through others. O(services + deps).
pub fn reachable_from(model: &Model, failed: ServiceId) -> Vec<bool> {
    let mut seen = vec![false; model.services.len()];
    let mut stack = vec![failed];
    seen[failed.0] = true;
    while let Some(s) = stack.pop() {
        for d in model.deps.iter().filter(|d| d.callee == s) {
            if !seen[d.caller.0] {
                seen[d.caller.0] = true;
                stack.push(d.caller);
            }
        }
    }
    seen
}
