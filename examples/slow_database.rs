//! Builds a three-tier topology in Rust, slows its database down, and checks
//! the cascade the simulation shows: the API runs out of threads, the web tier
//! fails with it, the database itself never looks down, and all recover.
//!
//! Run with `cargo run --release --example slow_database`.

use blastsim::model::{ActionKind, MilestoneKind, Model, Service};
use blastsim::time::{SimTime, Span};

fn main() {
    let mut model = Model::new("slow-database", Span(90 * 60_000));
    let web = model.add_service(Service { latency: Span(5), ..Service::new("web", 8, 400.0).with_load(2000.0) });
    let api = model.add_service(Service { latency: Span(20), threads: 100, ..Service::new("api", 6, 500.0) });
    let db = model.add_service(Service { latency: Span(4), threads: 1000, ..Service::new("db", 2, 5000.0) });
    model.add_call(web, api);
    let calls = model.add_call(api, db);
    model.deps[calls.0].per_request = 2.0;
    model.schedule(
        SimTime(20 * 60_000),
        ActionKind::InjectLatency { service: db, latency: Span(800), dist: None, duration: Some(Span(15 * 60_000)) },
        "db queries 800 ms slower",
    );

    let (_, report) = blastsim::simulate(&model, None).expect("the run ends");
    print!("{}", blastsim::report::text::render(&report));

    let by_name = |name: &str| report.services.iter().find(|s| s.name == name).unwrap();
    let (web, api, db) = (by_name("web"), by_name("api"), by_name("db"));
    assert!(api.impacted && api.min_availability < 0.05, "the API's threads run out");
    assert!(web.impacted, "the web tier fails with the API");
    assert!(!db.impacted, "the database answers every call in time: it never looks down");
    let recovered = |s: &blastsim::analysis::report::ServiceReport| {
        s.milestones.iter().find(|m| m.kind == MilestoneKind::Recovered).map(|m| m.t_s)
    };
    let back = recovered(web).expect("the web tier recovers");
    assert!(back <= 36.0 * 60.0, "within a minute of the database being fast again: {back} s");
    println!("\nchecked: api and web fail while db is slow, db never does, all recover by +36m");
}
