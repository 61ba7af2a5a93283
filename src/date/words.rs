//! Word tables for the date reader: month and weekday names (from CLDR, see `locale`), filler
//! words and time-zone abbreviations. Kept apart from the grammar so adding a language touches
//! only data.

/// Words that carry no date information and are skipped besides weekday names: "on", "at",
/// "published"…
#[rustfmt::skip]
const FILLER: &[&str] = &[
    "on", "at", "the", "of", "published", "posted", "updated", "date", "le", "à", "de", "del",
    "den", "um", "el", "em", "h", "uhr",
    // "year" after the number: ru/uk "2024 г." / "року", pl "2024 r."
    "г", "года", "год", "р", "року", "r", "roku",
];

/// What a zone word means: a fixed offset (seconds east of UTC) or a named zone whose offset
/// depends on the date (US "ET" is EST or EDT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZoneWord {
    Fixed(i32),
    Named(chrono_tz::Tz),
}

/// Abbreviations read as zones. Only widely unambiguous ones: "IST" (India, Ireland, Israel) and
/// "CST" outside the US are left out on purpose; such strings fail loudly instead of silently
/// landing hours off.
pub(crate) fn zone(word: &str) -> Option<ZoneWord> {
    use ZoneWord::{Fixed, Named};
    const H: i32 = 3600;
    Some(match word {
        "z" | "utc" | "gmt" | "ut" => Fixed(0),
        "est" => Fixed(-5 * H),
        "edt" => Fixed(-4 * H),
        "cst" => Fixed(-6 * H),
        "cdt" => Fixed(-5 * H),
        "mst" => Fixed(-7 * H),
        "mdt" => Fixed(-6 * H),
        "pst" => Fixed(-8 * H),
        "pdt" => Fixed(-7 * H),
        "akst" => Fixed(-9 * H),
        "akdt" => Fixed(-8 * H),
        "hst" => Fixed(-10 * H),
        "wet" => Fixed(0),
        "west" | "bst" | "cet" | "mez" => Fixed(H),
        "cest" | "mesz" | "eet" => Fixed(2 * H),
        "eest" | "msk" => Fixed(3 * H),
        "jst" | "kst" => Fixed(9 * H),
        "aest" => Fixed(10 * H),
        "aedt" => Fixed(11 * H),
        "et" => Named(chrono_tz::America::New_York),
        "ct" => Named(chrono_tz::America::Chicago),
        "mt" => Named(chrono_tz::America::Denver),
        "pt" => Named(chrono_tz::America::Los_Angeles),
        _ => return None,
    })
}

/// Month number for a (lowercase, dot-free) word, in any language the reader knows.
pub(crate) fn month(word: &str) -> Option<u32> {
    super::locale::month(word)
}

/// Whether a word is filler that the reader may skip (a weekday name is).
pub(crate) fn is_filler(word: &str) -> bool {
    FILLER.contains(&word) || super::locale::is_weekday(word)
}

/// English month name for messages.
pub(crate) fn month_name(month: u32) -> &'static str {
    #[rustfmt::skip]
    const NAMES: [&str; 12] = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ];
    NAMES[(month as usize).saturating_sub(1).min(11)]
}
