//! The solver's sweeps: deep chains, retry loops, deferred chances of waiting, the tolerance.

use super::*;

/// A chain of `n` services, each calling the next, outside load on the first.
fn chain(n: usize) -> crate::model::Model {
    let mut text = String::from("duration = \"1h\"\n");
    for i in 0..n {
        text += &format!("[services.s{i}]\ninstances = 2\ncapacity = \"1000/s\"\n");
        if i == 0 {
            text += "load = { kind = \"constant\", rate = \"400/s\" }\n";
        }
        if i + 1 < n {
            text += &format!("calls.s{} = {{ per-request = 1.0 }}\n", i + 1);
        }
    }
    crate::topology::load_str("chain.toml", &text, &[], None).expect("a valid chain")
}

/// `model`'s engine at rest, before its first solve: parameters, wiring,
/// fresh service and call states, and a solver with every service marked.
fn at_rest(model: &crate::model::Model) -> (Params<'_>, Wiring, Vec<ServiceState>, Vec<DepState>, Solver) {
    let params = Params::new(&model.services, &model.deps);
    let wiring = Wiring::new(model);
    let states = model.services.iter().map(ServiceState::new).collect();
    let deps = vec![DepState::default(); model.deps.len()];
    let solver = Solver::new(&params, &wiring);
    (params, wiring, states, deps, solver)
}

#[test]
fn a_deep_chain_settles_in_a_few_sweeps_whatever_its_depth() {
    for n in [5, 80] {
        let model = chain(n);
        let (params, wiring, mut states, mut deps, mut solver) = at_rest(&model);
        let out = solver.solve(&params, &wiring, &mut states, &mut deps, SimTime::ZERO, 10.0);
        assert!(out.converged, "{n}: {out:?}");
        // Loads flow down in one sweep, answers back up in the next.
        assert!(out.sweeps <= 4, "{n}: {out:?}");
        let last = n - 1;
        assert!((deps[last - 1].call_rate - 400.0).abs() < 1e-6, "{}", deps[last - 1].call_rate);
        // Nothing moved: solving again marks nothing and solves nothing.
        solver.touch_changed(&params, &wiring, &states, &deps, SimTime::ZERO);
        let again = solver.solve(&params, &wiring, &mut states, &mut deps, SimTime::ZERO, 10.0);
        assert_eq!((again.sweeps, again.solved), (0, 0));
        // One service marked costs that service and what its change reaches, not the graph.
        solver.touch(wiring.order[0]);
        let one = solver.solve(&params, &wiring, &mut states, &mut deps, SimTime::ZERO, 10.0);
        assert_eq!(one.solved, 1, "{one:?}");
    }
}

/// A thread-bound front end retrying a back end whose backlog waits about
/// as long as the front end's timeout: a steep caller-callee loop.
const LOOP: &str = r#"duration = "1h"
[services.front]
instances = 10
capacity = "1000/s"
latency = "5ms"
threads = { workers = 50 }
load = { kind = "constant", rate = "800/s", timeout = "3s" }
[services.front.calls.back]
timeout = "1s"
retries = { max = 3, backoff = "50ms" }
[services.back]
instances = 10
capacity = "85/s"
latency = "10ms"
queue = 100
"#;

#[test]
fn a_retry_loop_settles_in_a_few_sweeps_relaxed_from_the_third() {
    let model = crate::topology::load_str("loop.toml", LOOP, &[], None).expect("a valid loop");
    let params = Params::new(&model.services, &model.deps);
    let wiring = Wiring::new(&model);
    for queue in [700.0, 800.0, 850.0, 900.0, 1000.0] {
        let mut states: Vec<ServiceState> = model.services.iter().map(ServiceState::new).collect();
        let back = model.services.iter().position(|s| s.name == "back").unwrap();
        states[back].queue = queue;
        let mut deps = vec![DepState::default(); model.deps.len()];
        let mut solver = Solver::new(&params, &wiring);
        let out = solver.solve(&params, &wiring, &mut states, &mut deps, SimTime::ZERO, 10.0);
        assert!(out.converged && out.sweeps <= 20, "queue {queue}: {out:?}");
        // Settled: the load sent is the front end's answer to the back end's profile.
        let sent = deps[0].call_rate;
        let front = wiring.order[1];
        assert_eq!(model.services[front.0].name, "front");
        traffic::solve_service(&params, &wiring, &mut states, &mut deps, front, SimTime::ZERO, 10.0);
        assert!((sent - deps[0].call_rate).abs() <= 1e-6 * sent, "queue {queue}: {sent} against {}", deps[0].call_rate);
        // The back end's wait holds the front end's threads: it works on less than its 800/s.
        assert!(sent > 400.0 && sent < 800.0, "queue {queue}: {sent}");
    }
}

/// `back` is called by `front` through `kind`, and has outside clients of its own.
fn called_through(kind: &str) -> crate::model::Model {
    let text = format!(
        r#"duration = "1h"
[services.front]
instances = 4
capacity = "1000/s"
load = {{ kind = "constant", rate = "300/s" }}
[services.front.calls.back]
timeout = "2s"
{kind}
[services.back]
instances = 10
capacity = "100/s"
latency = "50ms"
load = {{ kind = "constant", rate = "100/s", timeout = "5s" }}
"#
    );
    crate::topology::load_str("t.toml", &text, &[], None).expect("a valid topology")
}

#[test]
fn a_chance_of_waiting_only_buffered_callers_could_read_is_left_for_later() {
    let buffered = r#"kind = "buffered"
buffer = { size = 10000, when-full = "block", item-size = "1KB", drain = "1000/s" }"#;
    for (kind, deferred) in [("", false), (buffered, true)] {
        let model = called_through(kind);
        let (params, wiring, mut states, mut deps, mut solver) = at_rest(&model);
        assert!(solver.solve(&params, &wiring, &mut states, &mut deps, SimTime::ZERO, 10.0).converged);
        let back = model.services.iter().position(|s| s.name == "back").unwrap();
        let (profile, unread) = (states[back].profile, states[back].unread_wait);
        // Busy, but its tail past the 2 s timeout is invisible: a sync caller's mean wait still reads it.
        assert!(profile.queueing.cond_mean_s > 0.0, "{profile:?}");
        assert_eq!((profile.queueing.p_wait.is_nan(), unread.is_some()), (deferred, deferred), "{kind}");
        // Evaluated when the solver needs it, it is the Erlang C a reader would have seen.
        let c = p_wait((profile, unread));
        assert!(c > 0.0 && c < 1.0, "{kind}: {c}");
        if let Some((servers, load)) = unread {
            let w = crate::mechanisms::queueing::wait(servers, 0.05, load / 0.05, Default::default());
            assert_eq!(c.to_bits(), w.p_wait.to_bits());
        }
    }
}

#[test]
fn tiny_relative_changes_are_settled() {
    assert!(!moved(1.0, 1.0 + 1e-12));
    assert!(moved(1.0, 1.001));
    assert!(!moved(f64::INFINITY, f64::INFINITY));
    assert!(moved(0.0, 1e-300));
    assert!(moved(f64::INFINITY, 5.0));
}
