//! An external feed (RSS, Atom, JSON Feed or garbage) read and normalized, then merged.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tagfeed::normalize::Ids;

fuzz_target!(|data: &[u8]| {
    let now = chrono::DateTime::UNIX_EPOCH;
    let _ = tagfeed::pipeline::read_feed(data, "fuzz", None, &mut Ids::default(), now);
});
