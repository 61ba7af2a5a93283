//! Month and weekday names in many languages, taken from CLDR (the locale data browsers and
//! operating systems use, compiled into `icu_datetime`) rather than typed by hand: genitive forms
//! ("5 февраля", "12 stycznia"), abbreviations and accents come out right, and a crate update
//! updates them.
//!
//! ICU4X has no call that lists month names; it formats dates with patterns. So the tables are
//! made once, on first use (about a millisecond), by formatting the twelve months of 2024 with
//! `MMMM`, `MMM` (inside a date: often a genitive) and `LLLL`, `LLL` (standing alone), and its first
//! seven days (2024-01-01 is a Monday) with the weekday patterns. Each name is stored as the date
//! tokenizer will see it: lowercase, without a trailing dot, split where the tokenizer splits,
//! and also with accents folded ("fevrier", "μαιου"). Names holding digits ("1月", "1월") are left
//! out: the tokenizer reads those as numbers.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use icu_calendar::{Date, Gregorian};
use icu_datetime::fieldsets::enums::DateFieldSet;
use icu_datetime::pattern::{
    DateTimePattern, FixedCalendarDateTimeNames, MonthNameLength, WeekdayNameLength,
};
use icu_locale_core::Locale;
use writeable::TryWriteable;

/// The languages read (CLDR tags). `de-AT` brings "Jänner", `es-PE` "setiembre".
pub(super) const LANGUAGES: &[&str] = &[
    "en", "fr", "de", "de-AT", "es", "es-PE", "it", "nl", "pt", "ru", "uk", "pl", "cs", "sk", "hu",
    "ro", "tr", "el", "sv", "da", "nb", "fi", "ja", "zh", "ko",
];

/// Month spellings pages use that CLDR does not list (it says "Sep"; AP style writes "Sept.").
const EXTRA_MONTHS: &[(&str, u32)] = &[("sept", 9), ("maerz", 3)];

/// Weekday abbreviations pages use that CLDR does not list.
const EXTRA_WEEKDAYS: &[&str] = &["tues", "thur", "thurs"];

/// The tables, built on first use.
struct Names {
    months: HashMap<String, u32>,
    weekdays: HashSet<String>,
    /// Languages or forms ICU4X could not give, for the test that requires none.
    problems: Vec<String>,
}

static NAMES: LazyLock<Names> = LazyLock::new(load);

/// The month (1–12) a tokenizer word names in any of [`LANGUAGES`].
pub(super) fn month(word: &str) -> Option<u32> {
    let names = &NAMES.months;
    // The table holds every name folded too: only a word with accents or non-Latin letters
    // ("ΜΑΪΟΥ") needs folding for a second look; most words the tokenizer asks about are ASCII.
    match names.get(word) {
        Some(m) => Some(*m),
        None if word.is_ascii() => None,
        None => names.get(&fold(word)).copied(),
    }
}

/// Whether a tokenizer word is a weekday name (or part of one: "segunda-feira").
pub(super) fn is_weekday(word: &str) -> bool {
    let names = &NAMES.weekdays;
    names.contains(word) || (!word.is_ascii() && names.contains(&fold(word)))
}

/// Lowercase, accents removed, Turkish dotless i read as i: how a name is compared when the page
/// writes it in capitals ("ΜΑΪΟΥ", "KASIM") or without accents ("fevrier").
pub(super) fn fold(word: &str) -> String {
    let nfd = icu_normalizer::DecomposingNormalizerBorrowed::new_nfd();
    nfd.normalize(&word.to_lowercase())
        .chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| if c == 'ı' { 'i' } else { c })
        .collect()
}

/// The words the date tokenizer makes of a name: "Févr." → ["févr"], "segunda-feira" →
/// ["segunda", "feira"], "水曜日" → ["水曜"] (`曜日` ends the way `月`/`日` do in dates).
fn words(name: &str) -> Vec<String> {
    super::human::prepare(name)
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn load() -> Names {
    let mut names = Names {
        months: EXTRA_MONTHS
            .iter()
            .map(|&(w, m)| (w.to_string(), m))
            .collect(),
        weekdays: EXTRA_WEEKDAYS.iter().map(|w| w.to_string()).collect(),
        problems: Vec::new(),
    };
    for &lang in LANGUAGES {
        let Ok(locale) = Locale::try_from_str(lang) else {
            names.problems.push(format!("{lang}: not a locale tag"));
            continue;
        };
        for (pattern, length) in MONTHS {
            match months(&locale, pattern, *length) {
                Ok(list) => add_months(&mut names.months, &list),
                Err(e) => names.problems.push(format!("{lang} {pattern}: {e}")),
            }
        }
        for (pattern, length) in WEEKDAYS {
            match weekdays(&locale, pattern, *length) {
                Ok(list) => names.weekdays.extend(
                    list.iter()
                        .flat_map(|n| words(n))
                        .flat_map(|w| [fold(&w), w])
                        // One-letter abbreviations (Hungarian "h", "k") are ordinary words.
                        .filter(|w| w.chars().count() > 1 || !w.is_ascii()),
                ),
                Err(e) => names.problems.push(format!("{lang} {pattern}: {e}")),
            }
        }
    }
    names
}

/// Adds the single-word names of months 1–12 (a name the tokenizer would split is no month word).
fn add_months(table: &mut HashMap<String, u32>, list: &[String]) {
    for (i, name) in list.iter().enumerate() {
        // "1月" is read as a number; "二月" would leave "二", which is no month on its own.
        if name.chars().any(char::is_numeric) || name.contains(['月', '월']) {
            continue;
        }
        if let [word] = words(name).as_slice() {
            let month = i as u32 + 1;
            table.entry(fold(word)).or_insert(month);
            table.entry(word.clone()).or_insert(month);
        }
    }
}

const MONTHS: &[(&str, MonthNameLength)] = &[
    ("MMMM", MonthNameLength::Wide),
    ("MMM", MonthNameLength::Abbreviated),
    ("LLLL", MonthNameLength::StandaloneWide),
    ("LLL", MonthNameLength::StandaloneAbbreviated),
];

const WEEKDAYS: &[(&str, WeekdayNameLength)] = &[
    ("EEEE", WeekdayNameLength::Wide),
    ("EEE", WeekdayNameLength::Abbreviated),
    ("cccc", WeekdayNameLength::StandaloneWide),
    ("ccc", WeekdayNameLength::StandaloneAbbreviated),
];

/// A names object holds one length per field (a second gives `ConflictingField`): one per call.
fn names(locale: &Locale) -> FixedCalendarDateTimeNames<Gregorian, DateFieldSet> {
    FixedCalendarDateTimeNames::new_without_number_formatting(locale.into())
}

fn months(locale: &Locale, pattern: &str, length: MonthNameLength) -> Result<Vec<String>, String> {
    let mut n = names(locale);
    n.include_month_names(length).map_err(|e| e.to_string())?;
    format_days(&n, pattern, (1..=12).map(|m| (m, 1)))
}

fn weekdays(
    locale: &Locale,
    pattern: &str,
    length: WeekdayNameLength,
) -> Result<Vec<String>, String> {
    let mut n = names(locale);
    n.include_weekday_names(length).map_err(|e| e.to_string())?;
    format_days(&n, pattern, (1..=7).map(|d| (1, d)))
}

/// Formats days of 2024 with `pattern`, lowercase.
fn format_days(
    names: &FixedCalendarDateTimeNames<Gregorian, DateFieldSet>,
    pattern: &str,
    days: impl Iterator<Item = (u8, u8)>,
) -> Result<Vec<String>, String> {
    let pattern: DateTimePattern = pattern.parse().map_err(|e| format!("{e}"))?;
    let formatter = names.with_pattern_unchecked(&pattern);
    days.map(|(m, d)| {
        let date = Date::try_new_gregorian(2024, m, d).map_err(|e| e.to_string())?;
        let formatted = formatter.format(&date);
        // An error comes with a stand-in ("M02") that must not become a month name.
        let text = formatted
            .try_write_to_string()
            .map_err(|(e, _)| e.to_string())?;
        Ok(text.to_lowercase())
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_loads() {
        assert!(NAMES.problems.is_empty(), "{:?}", NAMES.problems);
        // Without data ICU4X falls back to the root locale's "M01"…"M12", which holds digits
        // and is left out: a language without data would show up as missing names here.
        for (lang, name, m) in [
            ("ru", "февраля", 2),
            ("ru", "февраль", 2),
            ("uk", "лютого", 2),
            ("pl", "stycznia", 1),
            ("pl", "luty", 2),
            ("cs", "března", 3),
            ("sk", "februára", 2),
            ("hu", "március", 3),
            ("ro", "februarie", 2),
            ("tr", "şubat", 2),
            ("el", "φεβρουαρίου", 2),
            ("sv", "februari", 2),
            ("da", "februar", 2),
            ("nb", "februar", 2),
            ("fi", "helmikuuta", 2),
            ("nl", "maart", 3),
            ("pt", "março", 3),
            ("fr", "févr", 2),
            ("de-AT", "jänner", 1),
            ("es-PE", "setiembre", 9),
            ("en", "sept", 9),
        ] {
            assert_eq!(month(name), Some(m), "{lang} {name}");
        }
    }

    #[test]
    fn capitals_and_missing_accents_are_read() {
        assert_eq!(month(&"ΜΑΪΟΥ".to_lowercase()), Some(5));
        assert_eq!(month(&"KASIM".to_lowercase()), Some(11));
        assert_eq!(month("fevrier"), Some(2));
        assert_eq!(month("kwietnia"), Some(4));
        assert_eq!(month("lundi"), None);
        assert_eq!(month("二"), None);
    }

    #[test]
    fn weekdays_are_words_the_tokenizer_sees() {
        for w in [
            "lundi",
            "понедельник",
            "poniedziałek",
            "feira",
            "水",
            "水曜",
            "수",
            "maanantaina",
        ] {
            assert!(is_weekday(w), "{w}");
        }
        assert!(
            !is_weekday("h"),
            "one-letter Hungarian abbreviations are no weekday"
        );
        assert!(!is_weekday("march"));
    }
}
