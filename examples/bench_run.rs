fn main() {
    let m = blastsim::model::generate::layered(1000, blastsim::time::Span(86_400_000));
    let t = std::time::Instant::now();
    let (r, _) = blastsim::simulate(&m, None).unwrap();
    eprintln!("{:?} events {}", t.elapsed(), r.events);
}
