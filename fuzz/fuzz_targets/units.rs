//! Fuzzes the duration, rate, size, clock and sweep-range parsers: any text parses or gives an error, never a panic.
#![no_main]

use blastsim::time::{self, Clock};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(span) = time::parse_span(text) {
        let _ = time::show_offset(time::SimTime::ZERO.plus(span));
        // A span prints as the shortest text that parses back to it.
        assert_eq!(time::parse_span(&span.to_string()), Ok(span), "{text:?} printed as {span}");
    }
    if let Ok(rate) = time::parse_rate(text) {
        assert!(rate.is_finite() && rate >= 0.0, "{text:?} parsed as the rate {rate}");
    }
    if let Ok(size) = time::parse_size_mb(text) {
        assert!(size.is_finite() && size >= 0.0, "{text:?} parsed as the size {size} MB");
    }
    if let Ok(clock) = Clock::parse(text) {
        let _ = clock.show(time::SimTime::ZERO);
    }
    if let Some((start, hms)) = text.split_once('|')
        && let Ok(clock) = Clock::parse(start)
    {
        let _ = clock.at(hms);
    }
    if let Ok(param) = blastsim::sweep::range::parse(text) {
        for v in &param.values {
            let _ = v.to_toml();
        }
    }
});
