fn main() {
    let sets: Vec<String> = std::env::args().skip(1).collect();
    let m = blastsim::topology::load_file(std::path::Path::new("topologies/aws-kinesis-2020-11-25.toml"), &sets, None)
        .unwrap();
    let t = std::time::Instant::now();
    let (r, _) = blastsim::simulate(&m, None).unwrap();
    eprintln!("{:?} events {}", t.elapsed(), r.events);
}
