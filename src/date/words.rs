//! Word tables for the date reader: month and weekday names, filler words and time-zone
//! abbreviations. Kept apart from the grammar so adding a language touches only data.

/// Month names and abbreviations (lowercase, accents kept and also folded), 1-based month.
/// English first, then French, German, Spanish, Italian, Dutch and Portuguese, which cover the
/// listing pages seen in the corpus. Abbreviations appear both with and without a trailing dot in
/// pages; the tokenizer drops the dot before looking up.
#[rustfmt::skip]
const MONTHS: &[(&str, u32)] = &[
    ("january", 1), ("jan", 1), ("february", 2), ("feb", 2), ("march", 3), ("mar", 3),
    ("april", 4), ("apr", 4), ("may", 5), ("june", 6), ("jun", 6), ("july", 7), ("jul", 7),
    ("august", 8), ("aug", 8), ("september", 9), ("sept", 9), ("sep", 9), ("october", 10),
    ("oct", 10), ("november", 11), ("nov", 11), ("december", 12), ("dec", 12),
    // French
    ("janvier", 1), ("janv", 1), ("février", 2), ("fevrier", 2), ("févr", 2), ("fevr", 2),
    ("mars", 3), ("avril", 4), ("avr", 4), ("mai", 5), ("juin", 6), ("juillet", 7),
    ("juil", 7), ("août", 8), ("aout", 8), ("septembre", 9), ("octobre", 10),
    ("novembre", 11), ("décembre", 12), ("decembre", 12), ("déc", 12),
    // German
    ("januar", 1), ("jänner", 1), ("februar", 2), ("märz", 3), ("maerz", 3), ("mär", 3),
    ("juni", 6), ("juli", 7), ("oktober", 10), ("okt", 10), ("dezember", 12), ("dez", 12),
    // Spanish
    ("enero", 1), ("ene", 1), ("febrero", 2), ("marzo", 3), ("abril", 4), ("abr", 4),
    ("mayo", 5), ("junio", 6), ("julio", 7), ("agosto", 8), ("ago", 8), ("septiembre", 9),
    ("setiembre", 9), ("octubre", 10), ("noviembre", 11), ("diciembre", 12), ("dic", 12),
    // Italian
    ("gennaio", 1), ("gen", 1), ("febbraio", 2), ("aprile", 4), ("maggio", 5), ("mag", 5),
    ("giugno", 6), ("giu", 6), ("luglio", 7), ("lug", 7), ("settembre", 9), ("set", 9),
    ("ottobre", 10), ("ott", 10), ("dicembre", 12),
    // Dutch
    ("januari", 1), ("februari", 2), ("maart", 3), ("mei", 5), ("augustus", 8),
    // Portuguese
    ("janeiro", 1), ("fevereiro", 2), ("março", 3), ("marco", 3), ("maio", 5), ("junho", 6),
    ("julho", 7), ("setembro", 9), ("outubro", 10), ("out", 10), ("novembro", 11),
    ("dezembro", 12),
];

/// Words that carry no date information and are skipped: weekdays, "on", "at", "published"…
#[rustfmt::skip]
const FILLER: &[&str] = &[
    "monday", "mon", "tuesday", "tue", "tues", "wednesday", "wed", "thursday", "thu", "thur",
    "thurs", "friday", "fri", "saturday", "sat", "sunday", "sun", "on", "at", "the", "of",
    "published", "posted", "updated", "date", "le", "à", "de", "del", "den", "um", "el", "em",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "montag",
    "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "lunes", "martes",
    "miércoles", "jueves", "viernes", "sábado", "domingo", "h", "uhr",
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

/// Month number for a (lowercase, dot-free) word.
pub(crate) fn month(word: &str) -> Option<u32> {
    MONTHS.iter().find(|(w, _)| *w == word).map(|&(_, m)| m)
}

/// Whether a word is filler that the reader may skip.
pub(crate) fn is_filler(word: &str) -> bool {
    FILLER.contains(&word)
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
