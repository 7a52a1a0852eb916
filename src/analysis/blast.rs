//! Blast radius: which services a failure can reach through the dependency graph.

use crate::model::{Model, ServiceId};

/// The services a failure of `failed` can impact: itself and every service
/// connected to it through dependencies. Failures travel up to callers (a
/// caller waits on, or fails with, its callee); load travels down to callees
/// (a caller that fails makes fewer calls, and one that recovers works off its
/// queue in a burst that can overload its callees). O(services + deps).
pub fn reachable_from(model: &Model, failed: ServiceId) -> Vec<bool> {
    let mut seen = vec![false; model.services.len()];
    let mut stack = vec![failed];
    seen[failed.0] = true;
    while let Some(s) = stack.pop() {
        for d in &model.deps {
            let next = if d.callee == s {
                d.caller
            } else if d.caller == s {
                d.callee
            } else {
                continue;
            };
            if !seen[next.0] {
                seen[next.0] = true;
                stack.push(next);
            }
        }
    }
    seen
}

/// The services that call `failed`, directly or through others, and itself:
/// where its failure travels when no deferred work comes back down. O(services + deps).
pub fn callers_of(model: &Model, failed: ServiceId) -> Vec<bool> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Service;
    use crate::time::Span;

    #[test]
    fn failures_reach_callers_and_bursts_reach_callees_but_not_strangers() {
        let mut m = Model::new("blast", Span(60_000));
        let a = m.add_service(Service::new("a", 1, 1.0));
        let b = m.add_service(Service::new("b", 1, 1.0));
        let c = m.add_service(Service::new("c", 1, 1.0));
        let lone = m.add_service(Service::new("lone", 1, 1.0));
        m.add_call(a, b);
        m.add_call(b, c);
        assert_eq!(callers_of(&m, b), [true, true, false, false]);
        assert_eq!(reachable_from(&m, b), [true, true, true, false]);
        assert!(!reachable_from(&m, a)[lone.0]);
        let _ = c;
    }
}
