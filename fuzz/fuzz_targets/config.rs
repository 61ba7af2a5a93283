//! The config parser: any text gives a config or an error with a place, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tagfeed::config::parse(text);
    }
});
