//! The order the solver sweeps services in: callees first, one level of the call graph at a time.

use crate::model::{DepId, Model, ServiceId};
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

/// Services ordered callees first: the call graph's strongly connected
/// components by height (the longest chain of calls below them), then by
/// their smallest service id; each component's services by id. With it, each
/// service's rank in the order a depth-first search (Tarjan's) finds them,
/// components callees first and each one's services by id.
///
/// Any callees-first order gives the solver the same sweeps (a service reads
/// its callees' profiles from the sweep under way and its callers' loads from
/// the one before, whatever the order among services of one level); this one
/// takes each level's services in the order they lie in memory, where a
/// depth-first order jumps across the whole graph from one service to the
/// next. `outgoing` holds each service's dependencies. O(services + calls, x log).
pub fn callees_first(model: &Model, outgoing: &[Vec<DepId>]) -> (Vec<ServiceId>, Vec<u32>) {
    let n = model.services.len();
    let mut g = DiGraph::<usize, ()>::with_capacity(n, model.deps.len());
    let nodes: Vec<_> = (0..n).map(|i| g.add_node(i)).collect();
    for d in &model.deps {
        g.add_edge(nodes[d.caller.0], nodes[d.callee.0], ());
    }
    // Components come callees first (a reverse topological order), so each
    // one's callees have their height when it is reached.
    let mut components: Vec<Vec<usize>> =
        tarjan_scc(&g).into_iter().map(|scc| scc.into_iter().map(|ix| g[ix]).collect()).collect();
    let mut component = vec![0; n];
    let mut found = vec![0; n];
    let mut rank = 0;
    for (k, members) in components.iter_mut().enumerate() {
        members.sort_unstable();
        for &s in members.iter() {
            component[s] = k;
            found[s] = rank;
            rank += 1;
        }
    }
    let mut height = vec![0u32; components.len()];
    for (k, members) in components.iter().enumerate() {
        let below = members.iter().flat_map(|&s| &outgoing[s]).map(|d| component[model.deps[d.0].callee.0]);
        height[k] = below.filter(|&c| c != k).map(|c| height[c] + 1).max().unwrap_or(0);
    }
    let mut ranked: Vec<usize> = (0..components.len()).collect();
    ranked.sort_unstable_by_key(|&k| (height[k], components[k][0]));
    let order = ranked.iter().flat_map(|&k| components[k].iter().map(|&s| ServiceId(s))).collect();
    (order, found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        crate::topology::load_str("order.toml", text, &[], None).expect("a valid topology")
    }

    fn names(model: &Model, order: &[ServiceId]) -> Vec<String> {
        order.iter().map(|s| model.services[s.0].name.clone()).collect()
    }

    fn outgoing(model: &Model) -> Vec<Vec<DepId>> {
        let mut out = vec![Vec::new(); model.services.len()];
        for (i, d) in model.deps.iter().enumerate() {
            out[d.caller.0].push(DepId(i));
        }
        out
    }

    #[test]
    fn levels_come_callees_first_each_in_the_order_of_the_file() {
        // a and b call c and d; c calls e; d calls nothing; f calls a (three levels above e).
        let m = model(
            "duration = \"1h\"\n\
             [services.a]\ninstances = 1\ncapacity = \"10/s\"\ncalls.c = {}\ncalls.d = {}\n\
             [services.b]\ninstances = 1\ncapacity = \"10/s\"\ncalls.d = {}\n\
             [services.c]\ninstances = 1\ncapacity = \"10/s\"\ncalls.e = {}\n\
             [services.d]\ninstances = 1\ncapacity = \"10/s\"\n\
             [services.e]\ninstances = 1\ncapacity = \"10/s\"\n\
             [services.f]\ninstances = 1\ncapacity = \"10/s\"\ncalls.a = {}\n",
        );
        let (order, found) = callees_first(&m, &outgoing(&m));
        assert_eq!(names(&m, &order), ["d", "e", "b", "c", "a", "f"]);
        let position: Vec<usize> = (0..order.len()).map(|s| order.iter().position(|o| o.0 == s).unwrap()).collect();
        for d in &m.deps {
            assert!(position[d.callee.0] < position[d.caller.0], "{d:?}");
            assert!(found[d.callee.0] < found[d.caller.0], "{d:?}");
        }
        // The depth-first search finds d, e, c, a, then b and f.
        assert_eq!(found, [3, 4, 2, 0, 1, 5]);
    }

    #[test]
    fn a_loop_keeps_its_services_together_in_the_order_of_the_file() {
        let m = model(
            "duration = \"1h\"\n\
             [services.top]\ninstances = 1\ncapacity = \"10/s\"\ncalls.y = {}\n\
             [services.y]\ninstances = 1\ncapacity = \"10/s\"\ncalls.x = {}\n\
             [services.x]\ninstances = 1\ncapacity = \"10/s\"\ncalls.y = {}\ncalls.z = {}\n\
             [services.z]\ninstances = 1\ncapacity = \"10/s\"\n",
        );
        let (order, found) = callees_first(&m, &outgoing(&m));
        assert_eq!(names(&m, &order), ["z", "y", "x", "top"]);
        assert_eq!(found, [3, 1, 2, 0]);
    }
}
