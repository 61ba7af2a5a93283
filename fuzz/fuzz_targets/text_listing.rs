//! A text listing: extracted and normalized, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tagfeed::date::DateRules;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let listing = tagfeed::extract::text::extract(&text, &DateRules::default());
    for e in &listing.entries {
        if let Some(d) = &e.date {
            let _ = tagfeed::date::parse(d, &DateRules::default());
        }
    }
});
