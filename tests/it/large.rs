//! Large topologies load in linear time: a 100,000-service chain checks, and 20,000 problems are all reported.

/// A chain of `n` services, `s0` calls `s1` calls ... `s{n-1}`, each with capacity `capacity`.
fn chain(n: usize, capacity: &str) -> String {
    let mut text = String::from("duration = \"1h\"\n\n");
    for i in 0..n {
        text.push_str(&format!("[services.s{i}]\ninstances = 1\ncapacity = \"{capacity}\"\n"));
        if i == 0 {
            text.push_str("load = { kind = \"constant\", rate = \"10/s\" }\n");
        }
        if i + 1 < n {
            text.push_str(&format!("[services.s{i}.calls.s{}]\n", i + 1));
        }
        text.push('\n');
    }
    text
}

#[test]
fn a_chain_of_100000_services_loads() {
    // Names used to be looked up by a scan per dependency: quadratic, over a minute at this size.
    let model = blastsim::topology::load_str("chain.toml", &chain(100_000, "100/s"), &[], None).expect("valid");
    assert_eq!(model.services.len(), 100_000);
    assert_eq!(model.deps.len(), 99_999);
    let last = &model.deps[99_998];
    assert_eq!(
        (model.service(last.caller).name.as_str(), model.service(last.callee).name.as_str()),
        ("s99998", "s99999")
    );
}

#[test]
fn twenty_thousand_problems_are_all_located_and_rendered() {
    // Each problem used to be rendered by scanning the file from its start: quadratic in the problems.
    let err = blastsim::topology::load_str("chain.toml", &chain(20_000, "0/s"), &[], None).expect_err("0/s is refused");
    let text = blastsim::topology::render_error(&err);
    assert!(text.contains("20000 problems"), "{}", &text[..500.min(text.len())]);
    assert_eq!(text.matches("must be more than 0, found \"0/s\"").count(), 20_000);
    // The last service's capacity sits on line 4 of its block of 5 (6 for s0, which has a load).
    let last_line = 2 + 6 + 5 * 19_998 + 3;
    assert!(text.contains(&format!("chain.toml:{last_line}:12]")), "the last problem is located");
}
