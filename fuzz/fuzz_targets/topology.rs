//! Fuzzes the topology loader with overrides: any text, `--set` lines and a variant must load or give an error, never panic.
//!
//! Input: the topology's TOML, where lines starting with `--set ` are taken
//! out as overrides and a line `--variant NAME` names a variant to apply.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut topology = String::with_capacity(text.len());
    let mut sets = Vec::new();
    let mut variant = None;
    for line in text.split_inclusive('\n') {
        if let Some(set) = line.strip_prefix("--set ") {
            sets.push(set.trim_end_matches(['\n', '\r']).to_string());
        } else if let Some(name) = line.strip_prefix("--variant ") {
            variant = Some(name.trim().to_string());
        } else {
            topology.push_str(line);
        }
    }
    if let Err(e) = blastsim::topology::load_str("fuzz.toml", &topology, &sets, variant.as_deref()) {
        // Rendering the error (with its snippet and caret) must not panic either.
        let _ = blastsim::topology::render_error(&e);
    }
});
