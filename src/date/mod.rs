//! Reading the dates listing pages print, from RFC 3339 to "Sept. 30, 2020" (pure: the zone and
//! the order of ambiguous dates come in as [`DateRules`], never from the machine).
//!
//! No date crate reads AP-style abbreviations ("Sept.", "Oct.") and the machine formats together
//! without sometimes filling a missing time with the current clock or guessing a year (see
//! `shared/notes/crates.md`), and either breaks stable ids. So machine formats go through chrono's
//! own parsers and human formats through a small tokenizer with word tables
//! ([`words`]) whose rules are documented here and tested with a table of real strings.
//!
//! Rules:
//! - A value with an offset or a zone word keeps it; one without is read in the source's time zone.
//! - A date without a time is midnight in that zone: it stays a date, never "now".
//! - `10/09/2020` and `10-09-2020` are month-first (US) unless the source sets `day_first = true`;
//!   where one of the two numbers is over 12 the order is unambiguous and used whatever the setting.
//!   Dotted dates (`09.10.2020`) are always day-first, as everywhere that writes them.
//! - Two-digit years are 20yy below 70 and 19yy otherwise (RFC 2822's rule).
//! - Relative dates ("3 hours ago", "gestern", "il y a 2 jours") are read by [`read`] against the
//!   moment of reading ([`relative`]); [`parse`], for values that must mean the same on every run
//!   (config, text listings' date lines), refuses them.
//! - A date written inside other text ("Kody Kester | Jun 26, 2022", "Posted on 12 March 2015 by
//!   admin") is found by [`find`].
//! - Anything unrecognized is an error, never a guess.
//! - Local times that do not exist (skipped by a DST change) move forward by the gap; local times
//!   that happen twice take the earlier one.

mod human;
mod locale;
mod relative;
mod words;

use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Utc,
};
use chrono_tz::Tz;

use human::{Token, parse_human, tokenize};

/// How to read dates that leave something out: the zone of times without an offset and the order
/// of ambiguous numeric dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRules {
    /// The zone of times without an offset.
    pub timezone: Tz,
    /// Read 10/09/2020 as 10 September.
    pub day_first: bool,
}

impl Default for DateRules {
    fn default() -> Self {
        DateRules {
            timezone: Tz::UTC,
            day_first: false,
        }
    }
}

/// Why a date string was refused; the message is shown to the user next to the string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Nothing to read.
    #[error("the date is empty")]
    Empty,
    #[error(
        "relative dates like this shift on every run; select an absolute date if the page has one"
    )]
    /// "3 hours ago" and the like.
    Relative,
    /// A word that is no month, weekday, zone or filler.
    #[error("unrecognized word {0:?}")]
    UnknownWord(String),
    /// No year ("08/05 10:00").
    #[error("no year")]
    NoYear,
    /// No month.
    #[error("no month")]
    NoMonth,
    /// No day of the month ("October 2020").
    #[error("no day of the month")]
    NoDay,
    /// Numbers that fit no date layout.
    #[error("numbers that do not form a date: {0}")]
    Ambiguous(String),
    /// A day, time or offset that does not exist ("Oct. 32").
    #[error("{0}")]
    OutOfRange(String),
}

/// Reads one date string. See the module docs for the rules.
pub fn parse(input: &str, rules: &DateRules) -> Result<DateTime<FixedOffset>, DateError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DateError::Empty);
    }
    if let Some(dt) = parse_machine(s, rules) {
        return Ok(dt);
    }
    parse_human(s, rules)
}

/// A date as read from a listing: when it is, and whether it was relative to the moment of reading
/// (then it must be read once and kept, never read again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The date.
    pub date: DateTime<FixedOffset>,
    /// Whether it was relative ("3 hours ago"): what it means depends on `now`.
    pub relative: bool,
}

/// Reads a listing's date field at `now`: the whole value as a date, else a relative date, else a
/// date written somewhere inside the text. The error is the whole value's, when nothing fits.
pub fn read(input: &str, rules: &DateRules, now: DateTime<Utc>) -> Result<Reading, DateError> {
    let whole = parse(input, rules);
    if let Ok(date) = whole {
        return Ok(Reading {
            date,
            relative: false,
        });
    }
    if let Some(date) = relative::parse(input, rules, now) {
        return Ok(Reading {
            date,
            relative: true,
        });
    }
    match find(input, rules) {
        Some(date) => Ok(Reading {
            date,
            relative: false,
        }),
        None => whole.map(|date| Reading {
            date,
            relative: false,
        }),
    }
}

/// The first date written inside `text`: the longest run of up to seven words, starting at a number,
/// month or weekday, that reads as a date ("Posted on 12 March 2015 by admin" → 12 March 2015).
pub fn find(text: &str, rules: &DateRules) -> Option<DateTime<FixedOffset>> {
    find_span(text, rules).map(|(_, d)| d)
}

/// The one date written inside `text`, as written there: `None` when there is none, or two that
/// differ (an item with a "posted" and an "updated" date needs a selector to say which).
pub fn the_one_date<'t>(text: &'t str, rules: &DateRules) -> Option<&'t str> {
    let (span, date) = find_span(text, rules)?;
    let rest = &text[span.end..];
    match find_span(rest, rules) {
        Some((_, other)) if other != date => None,
        _ => Some(&text[span]),
    }
}

/// Where in `text` its first date is written, and what it is.
fn find_span(
    text: &str,
    rules: &DateRules,
) -> Option<(std::ops::Range<usize>, DateTime<FixedOffset>)> {
    let words: Vec<(usize, usize)> = text
        .char_indices()
        .filter(|&(i, c)| {
            !c.is_whitespace()
                && text[..i]
                    .chars()
                    .next_back()
                    .is_none_or(char::is_whitespace)
        })
        .map(|(start, _)| {
            let end = text[start..]
                .find(char::is_whitespace)
                .map_or(text.len(), |e| start + e);
            (start, end)
        })
        .collect();
    let starts_date = |w: &str| {
        let w = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        w.starts_with(|c: char| c.is_ascii_digit())
            || words::month(&w).is_some()
            || words::is_filler(&w) && w.len() > 2
    };
    for (i, &(start, end)) in words.iter().enumerate() {
        if !starts_date(&text[start..end]) {
            continue;
        }
        for len in (1..=7.min(words.len() - i)).rev() {
            let stop = words[i + len - 1].1;
            let candidate = text[start..stop].trim_end_matches([',', ';', ')', '|', '-', '·']);
            if candidate.chars().any(|c| c.is_ascii_digit())
                && let Ok(d) = parse(candidate, rules)
            {
                return Some((start..start + candidate.len(), d));
            }
        }
    }
    None
}

/// Whether a page writes numeric dates day first, from those of `samples` where the order is
/// plain ("18/03/2016" is day first, "03/18/2016" month first): `None` when none says, or they
/// disagree.
pub fn guess_day_first<'a>(samples: impl IntoIterator<Item = &'a str>) -> Option<bool> {
    let (mut day_first, mut month_first) = (0, 0);
    for s in samples {
        // Only "n/n/…" and "n-n-…" can say; ISO dates ("2016-03-18…") start with the year.
        let iso = s.len() > 4
            && s.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && s.as_bytes()[4] == b'-';
        if iso || !s.contains(['/', '-']) {
            continue;
        }
        let Ok(tokens) = tokenize(s) else { continue };
        for w in tokens.windows(4) {
            if let [
                Token::Num(a, _),
                Token::Sep(s1),
                Token::Num(b, _),
                Token::Sep(s2),
            ] = w
                && s1 == s2
                && *s1 != '.'
            {
                match (*a > 12 && *a <= 31, *b > 12 && *b <= 31) {
                    (true, false) => day_first += 1,
                    (false, true) => month_first += 1,
                    _ => {}
                }
            }
        }
    }
    match (day_first, month_first) {
        (d, 0) if d > 0 => Some(true),
        (0, m) if m > 0 => Some(false),
        _ => None,
    }
}

/// RFC 3339, RFC 2822, ISO 8601 with or without offset, and Unix timestamps.
fn parse_machine(s: &str, rules: &DateRules) -> Option<DateTime<FixedOffset>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt);
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Some(dt);
    }
    const WITH_OFFSET: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M%z",
    ];
    for f in WITH_OFFSET {
        if let Ok(dt) = DateTime::parse_from_str(s, f) {
            return Some(dt);
        }
    }
    const NAIVE: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ];
    for f in NAIVE {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, f) {
            return Some(in_zone(naive, rules.timezone));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(in_zone(date.and_time(NaiveTime::MIN), rules.timezone));
    }
    // Unix seconds (9–11 digits) or milliseconds (12–13): too long to be any written date.
    if s.bytes().all(|b| b.is_ascii_digit()) && (9..=13).contains(&s.len()) {
        let n: i64 = s.parse().ok()?;
        let secs = if s.len() >= 12 { n / 1000 } else { n };
        return DateTime::from_timestamp(secs, 0).map(|d| d.fixed_offset());
    }
    None
}

/// Reads a local time in a zone: gaps move forward, overlaps take the earlier instant.
pub fn in_zone(naive: NaiveDateTime, tz: Tz) -> DateTime<FixedOffset> {
    let mut probe = naive;
    // DST gaps are at most a few hours; step forward until the local time exists.
    for _ in 0..8 {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(dt) => return dt.fixed_offset(),
            LocalResult::Ambiguous(early, _) => return early.fixed_offset(),
            LocalResult::None => probe += Duration::minutes(30),
        }
    }
    // Unreachable for real zones; fall back to reading the time as UTC rather than failing.
    naive.and_utc().fixed_offset()
}

/// Whether a line of a text listing is a date line: it parses (also as a relative date,
/// "yesterday", "3 hours ago"), or it is short, has a digit and a month name or a numeric date
/// shape ("Oct. 32, 2020", "31/02/2020"), or is mostly digits with a year or a timestamp's length
/// in them ("2020-W53-7", "99999999999999", "2020-10-09T10:00+25:00"). The last cases let a
/// mistyped date still start its entry, to be reported instead of swallowed into a summary.
pub fn looks_like_date(line: &str, rules: &DateRules) -> bool {
    let line = line.trim();
    if line.is_empty() || line.chars().count() > 40 || line.split_whitespace().count() > 6 {
        return false;
    }
    if parse(line, rules).is_ok()
        || relative::parse(line, rules, DateTime::UNIX_EPOCH).is_some()
        || digits_of_a_date(line)
    {
        return true;
    }
    let Ok(tokens) = tokenize(line) else {
        return false;
    };
    let has_num = tokens.iter().any(|t| matches!(t, Token::Num(..)));
    let has_month = tokens
        .iter()
        .any(|t| matches!(t, Token::Word(w) if words::month(w).is_some()));
    let numeric = tokens.windows(4).any(|w| {
        matches!(
            w,
            [Token::Num(..), Token::Sep(a), Token::Num(..), Token::Sep(b)] if a == b
        )
    });
    has_num && (has_month || numeric)
}

/// Mostly digits and date punctuation, with a year (19xx–21xx) or a run of ten digits or more.
fn digits_of_a_date(line: &str) -> bool {
    let dateish = |c: char| c.is_ascii_digit() || "-/:.+,TZW ".contains(c);
    let total = line.chars().count();
    let shaped = line.chars().filter(|c| dateish(*c)).count() * 10 >= total * 8;
    let runs: Vec<&str> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .collect();
    let year = runs
        .iter()
        .any(|r| r.len() == 4 && matches!(&r[..2], "19" | "20" | "21"));
    shaped && (year || runs.iter().any(|r| r.len() >= 10))
}

#[cfg(test)]
mod tests;
