//! The date reader: any text, both orders, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tagfeed::date::{self, DateRules};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = chrono::DateTime::UNIX_EPOCH;
    for day_first in [false, true] {
        let rules = DateRules {
            day_first,
            ..DateRules::default()
        };
        let _ = date::parse(text, &rules);
        let _ = date::read(text, &rules, now);
        let _ = date::find(text, &rules);
        let _ = date::looks_like_date(text, &rules);
    }
});
