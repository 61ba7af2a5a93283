//! Relative dates: "3 hours ago", "vor 2 Tagen", "il y a 3 jours", "hace 2 días", "2 giorni fa",
//! "3 dagen geleden", "2 дня назад", "3 dni temu", "yesterday", "gestern, 17:35 Uhr", "heute".
//!
//! They are read once, against the moment the page was read; the store keeps what they meant then
//! (normalization never lets a later reading move a stored date), so an entry's date does not
//! drift on every run. A month counts as 30 days and a year as 365: what a page means by "2 months
//! ago" is not more exact than that.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, Timelike, Utc};

use super::{DateRules, in_zone};

/// Words that say an amount of time lies before now: "ago", "vor", "il y a", "hace"…
#[rustfmt::skip]
const MARKERS: &[&str] = &[
    "ago", "vor", "il", "hace", "há", "ha", "fa", "geleden", "назад", "тому", "temu", "atrás",
    "sedan", "siden", "sitten", "önce", "πριν", "před", "pred", "ezelőtt", "urmă", "前",
];

/// Units by the start of their word in each language, and their length in seconds.
#[rustfmt::skip]
const UNITS: &[(&str, i64)] = &[
    // seconds
    ("sec", 1), ("sek", 1), ("seg", 1), ("sekund", 1), ("секунд", 1), ("saniye", 1),
    // minutes
    ("min", 60), ("минут", 60), ("perc", 60), ("dakika", 60),
    // hours
    ("hour", 3600), ("hr", 3600), ("stund", 3600), ("heure", 3600), ("hora", 3600),
    ("ora", 3600), ("ore", 3600), ("uur", 3600), ("час", 3600), ("godzin", 3600),
    ("timm", 3600), ("time", 3600), ("tunti", 3600), ("tunni", 3600), ("hodin", 3600),
    ("óra", 3600), ("saat", 3600), ("ώρ", 3600),
    // days
    ("day", 86_400), ("tag", 86_400), ("jour", 86_400), ("día", 86_400), ("dia", 86_400),
    ("giorn", 86_400), ("dag", 86_400), ("дн", 86_400), ("день", 86_400), ("dni", 86_400),
    ("dzień", 86_400), ("päiv", 86_400), ("dní", 86_400), ("den", 86_400), ("nap", 86_400),
    ("zi", 86_400), ("gün", 86_400), ("μέρ", 86_400),
    // weeks
    ("week", 604_800), ("woche", 604_800), ("semaine", 604_800), ("semana", 604_800),
    ("settiman", 604_800), ("weken", 604_800), ("недел", 604_800), ("tydz", 604_800),
    ("tygod", 604_800), ("vecka", 604_800), ("veckor", 604_800), ("uge", 604_800),
    ("uke", 604_800), ("viik", 604_800), ("týd", 604_800), ("hét", 604_800), ("hafta", 604_800),
    // months
    ("month", 2_592_000), ("monat", 2_592_000), ("mois", 2_592_000), ("mes", 2_592_000),
    ("mese", 2_592_000), ("mesi", 2_592_000), ("maand", 2_592_000), ("месяц", 2_592_000),
    ("miesi", 2_592_000), ("månad", 2_592_000), ("måned", 2_592_000), ("kuukau", 2_592_000),
    ("měsí", 2_592_000), ("hónap", 2_592_000), ("lun", 2_592_000), ("ay", 2_592_000),
    // years
    ("year", 31_536_000), ("jahr", 31_536_000), ("an", 31_536_000), ("année", 31_536_000),
    ("año", 31_536_000), ("anno", 31_536_000), ("anni", 31_536_000), ("ano", 31_536_000),
    ("jaar", 31_536_000), ("год", 31_536_000), ("лет", 31_536_000), ("lat", 31_536_000),
    ("rok", 31_536_000), ("år", 31_536_000), ("vuo", 31_536_000), ("let", 31_536_000),
    ("év", 31_536_000), ("yıl", 31_536_000), ("χρόν", 31_536_000),
];

/// Words for one of something ("an hour ago", "vor einem Tag", "il y a une semaine").
#[rustfmt::skip]
const ONE: &[&str] = &[
    "a", "an", "one", "ein", "eine", "einem", "einer", "un", "une", "uno", "una", "um", "uma",
    "een", "один", "одна", "одну",
];

/// Days back for words like "yesterday".
#[rustfmt::skip]
const DAYS_BACK: &[(&str, i64)] = &[
    ("today", 0), ("heute", 0), ("aujourd'hui", 0), ("hoy", 0), ("oggi", 0), ("hoje", 0),
    ("vandaag", 0), ("сегодня", 0), ("dzisiaj", 0), ("dziś", 0), ("idag", 0), ("i dag", 0),
    ("tänään", 0), ("dnes", 0), ("azi", 0), ("bugün", 0), ("σήμερα", 0),
    ("yesterday", 1), ("gestern", 1), ("hier", 1), ("ayer", 1), ("ieri", 1), ("ontem", 1),
    ("gisteren", 1), ("вчера", 1), ("wczoraj", 1), ("igår", 1), ("i går", 1), ("eilen", 1),
    ("včera", 1), ("tegnap", 1), ("ieri", 1), ("dün", 1), ("χθες", 1),
    ("vorgestern", 2), ("avant-hier", 2), ("anteayer", 2), ("anteontem", 2), ("eergisteren", 2),
    ("позавчера", 2), ("przedwczoraj", 2), ("i förrgår", 2), ("toissapäivänä", 2),
];

/// Words for "just now".
const NOW: &[&str] = &[
    "now",
    "jetzt",
    "maintenant",
    "ahora",
    "adesso",
    "agora",
    "nu",
    "сейчас",
];

/// The date `s` means when read at `now`, if it is a relative date. The words may stand anywhere
/// in `s` ("Posted 3 hours ago by admin").
pub(super) fn parse(
    s: &str,
    rules: &DateRules,
    now: DateTime<Utc>,
) -> Option<DateTime<FixedOffset>> {
    let lower = s.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '|' | '·' | '(' | ')'))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | ';' | '!' | '"')))
        .filter(|w| !w.is_empty())
        .collect();
    if let Some(back) = amount_back(&words) {
        return Some((now - Duration::seconds(back)).fixed_offset());
    }
    if words.iter().any(|w| NOW.contains(w)) && words.len() <= 3 {
        return Some(now.fixed_offset());
    }
    // "gestern, 17:35 Uhr", "yesterday at 5:30 pm": a day word with little else around it.
    if words.len() > 4 {
        return None;
    }
    let days = days_back(&lower, &words)?;
    let local = now.with_timezone(&rules.timezone).date_naive() - Duration::days(days);
    let time = words
        .iter()
        .find_map(|w| {
            NaiveTime::parse_from_str(w, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(w, "%H.%M"))
                .ok()
        })
        .map(|t| {
            let pm = words.contains(&"pm") && t.hour() < 12;
            if pm { t + Duration::hours(12) } else { t }
        });
    Some(in_zone(
        local.and_time(time.unwrap_or(NaiveTime::MIN)),
        rules.timezone,
    ))
}

/// "3 hours ago" and the like: how many seconds back, when the words say so.
fn amount_back(words: &[&str]) -> Option<i64> {
    if !words.iter().any(|w| MARKERS.contains(w)) {
        return None;
    }
    words.windows(2).find_map(|pair| {
        let n = pair[0]
            .parse::<i64>()
            .ok()
            .or_else(|| ONE.contains(&pair[0]).then_some(1))?;
        let unit = UNITS
            .iter()
            .filter(|(stem, _)| pair[1].starts_with(stem))
            .max_by_key(|(stem, _)| stem.chars().count())?;
        Some(n.saturating_mul(unit.1))
    })
}

/// "yesterday", "gestern, 17:35 Uhr": how many days back.
fn days_back(lower: &str, words: &[&str]) -> Option<i64> {
    DAYS_BACK
        .iter()
        .filter(|(word, _)| {
            if word.contains(' ') {
                lower.contains(word)
            } else {
                words.contains(word)
            }
        })
        .max_by_key(|(word, _)| word.len())
        .map(|&(_, days)| days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Option<String> {
        let rules = DateRules {
            timezone: chrono_tz::Europe::Berlin,
            day_first: true,
        };
        let now: DateTime<Utc> = "2026-11-28T12:00:00Z".parse().ok()?;
        parse(s, &rules, now).map(|d| d.to_rfc3339())
    }

    #[test]
    fn amounts_back_in_many_languages() {
        let cases = [
            ("3 hours ago", "2026-11-28T09:00:00+00:00"),
            ("an hour ago", "2026-11-28T11:00:00+00:00"),
            ("vor 2 Tagen", "2026-11-26T12:00:00+00:00"),
            ("il y a 3 jours", "2026-11-25T12:00:00+00:00"),
            ("hace 2 días", "2026-11-26T12:00:00+00:00"),
            ("2 giorni fa", "2026-11-26T12:00:00+00:00"),
            ("3 dagen geleden", "2026-11-25T12:00:00+00:00"),
            ("2 дня назад", "2026-11-26T12:00:00+00:00"),
            ("5 minut temu", "2026-11-28T11:55:00+00:00"),
            ("Posted 1 week ago by admin", "2026-11-21T12:00:00+00:00"),
        ];
        for (s, want) in cases {
            assert_eq!(read(s).as_deref(), Some(want), "{s}");
        }
    }

    #[test]
    fn days_back_with_and_without_a_time() {
        assert_eq!(
            read("heute, 18:00 Uhr").as_deref(),
            Some("2026-11-28T18:00:00+01:00")
        );
        assert_eq!(
            read("gestern, 17:35 Uhr").as_deref(),
            Some("2026-11-27T17:35:00+01:00")
        );
        assert_eq!(
            read("Yesterday").as_deref(),
            Some("2026-11-27T00:00:00+01:00")
        );
        assert_eq!(
            read("avant-hier").as_deref(),
            Some("2026-11-26T00:00:00+01:00")
        );
        assert_eq!(
            read("just now").as_deref(),
            Some("2026-11-28T12:00:00+00:00")
        );
        assert_eq!(
            read("yesterday at 5:30 pm").as_deref(),
            Some("2026-11-27T17:30:00+01:00")
        );
    }

    #[test]
    fn plain_text_is_not_a_relative_date() {
        for s in [
            "5 comments",
            "Chapter 3 of 10",
            "Oct. 9, 2020",
            "Hier ist alles neu: 3 Tipps",
        ] {
            assert_eq!(read(s), None, "{s}");
        }
    }
}
