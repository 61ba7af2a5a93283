//! An external feed (RSS, Atom, JSON Feed or garbage) read and normalized, then merged.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tagfeed::normalize::Ids;

fuzz_target!(|data: &[u8]| {
    // tagfeed catches a panic inside the feed parser (feed-rs has one it cannot avoid) and reports
    // it as that feed's error. libFuzzer's hook would abort on it first, so it is silenced; a
    // panic anywhere else still escapes `read_feed` and aborts the run as a finding.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let now = chrono::DateTime::UNIX_EPOCH;
    let _ = tagfeed::pipeline::read_feed(data, "fuzz", None, &mut Ids::default(), now);
});
