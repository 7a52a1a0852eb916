fn main() {
    let m = blastsim::topology::load_file(std::path::Path::new("topologies/aws-kinesis-2020-11-25.toml"), &[], None)
        .unwrap();
    let t = std::time::Instant::now();
    let (r, _) = blastsim::simulate(&m, None).unwrap();
    eprintln!("{:?} events {}", t.elapsed(), r.events);
}
