//! The grammar of human dates: a tokenizer ("Sept. 30, 2020, 2:30pm ET" → words, numbers, times,
//! offsets) and the rules that assemble the tokens into one date.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};

use super::words::{self, ZoneWord};
use super::{DateError, DateRules, in_zone};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    /// A number, how many digits it had.
    Num(u32, usize),
    Word(String),
    Sep(char),
    Time(u32, u32, u32),
    /// A numeric offset in seconds east of UTC.
    Offset(i32),
}

/// Lowercase, "a.m." as "am", and CJK dates (2016年4月20日, 2016년 4월 20일) as y-m-d: the text
/// the tokenizer reads (and the form month and weekday names are stored in).
pub(super) fn prepare(s: &str) -> String {
    s.to_lowercase()
        .replace("a.m.", "am")
        .replace("p.m.", "pm")
        .replace(['年', '년', '月', '월'], "-")
        .replace(['日', '일'], " ")
}

pub(super) fn tokenize(s: &str) -> Result<Vec<Token>, DateError> {
    let lower = prepare(s);
    let chars: Vec<char> = lower.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let (n, len, next) = read_number(&chars, i);
            if len > 9 {
                let digits: String = chars[i..next].iter().collect();
                return Err(DateError::OutOfRange(format!(
                    "{digits} is too long a number for any part of a date"
                )));
            }
            i = next;
            if let Some((time, next)) = time_after_hour(&chars, i, n) {
                out.push(time);
                i = next;
                continue;
            }
            // ordinal suffixes: 9th, 1st, 2nd, 3rd, 1er
            for suffix in ["st", "nd", "rd", "th", "er"] {
                let sc: Vec<char> = suffix.chars().collect();
                if chars[i..].starts_with(&sc)
                    && !chars.get(i + 2).is_some_and(|c| c.is_alphabetic())
                {
                    i += 2;
                    break;
                }
            }
            if chars.get(i) == Some(&'.') && chars.get(i + 1).is_none_or(|c| c.is_whitespace()) {
                i += 1; // "9. Oktober"
            }
            out.push(Token::Num(n, len));
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if chars.get(i) == Some(&'.') {
                i += 1; // "Oct." "Sept."
            }
            out.push(Token::Word(word));
        } else if (c == '+' || c == '-' || c == '−')
            && out.iter().any(|t| matches!(t, Token::Time(..)))
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            let sign = if c == '+' { 1 } else { -1 };
            let (mut n, mut len, next) = read_number(&chars, i + 1);
            i = next;
            if chars.get(i) == Some(&':') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                let (m, _, next) = read_number(&chars, i + 1);
                i = next;
                n = n.saturating_mul(100).saturating_add(m);
                len = 4;
            }
            let (h, m) = if len <= 2 { (n, 0) } else { (n / 100, n % 100) };
            if h > 14 || m > 59 {
                return Err(DateError::OutOfRange(format!(
                    "offset {c}{n} is not a UTC offset"
                )));
            }
            out.push(Token::Offset(sign * (h as i32 * 3600 + m as i32 * 60)));
        } else if matches!(c, '/' | '-' | '.') {
            out.push(Token::Sep(c));
            i += 1;
        } else {
            i += 1; // spaces, commas, brackets, bars: separators only
        }
    }
    Ok(out)
}

/// `:30[:00[.123]]` (or the French `h30`) after an hour at `i`: the time and where it ends.
fn time_after_hour(chars: &[char], mut i: usize, hour: u32) -> Option<(Token, usize)> {
    let digit_after = |i: usize| chars.get(i + 1).is_some_and(char::is_ascii_digit);
    if !(matches!(chars.get(i), Some(':' | 'h')) && digit_after(i)) {
        return None;
    }
    let (minute, _, next) = read_number(chars, i + 1);
    i = next;
    let mut second = 0;
    if chars.get(i) == Some(&':') && digit_after(i) {
        let (v, _, next) = read_number(chars, i + 1);
        second = v;
        i = next;
        if chars.get(i) == Some(&'.') && digit_after(i) {
            i = read_number(chars, i + 1).2; // fractions of a second are dropped
        }
    }
    Some((Token::Time(hour, minute, second), i))
}

fn read_number(chars: &[char], start: usize) -> (u32, usize, usize) {
    let mut i = start;
    let mut n: u32 = 0;
    while i < chars.len() && chars[i].is_ascii_digit() {
        n = n
            .saturating_mul(10)
            .saturating_add(chars[i] as u32 - '0' as u32);
        i += 1;
    }
    (n, i - start, i)
}

#[derive(Default)]
struct Parts {
    year: Option<i32>,
    month: Option<u32>,
    /// The word the month came from: "mar" is March, or Tuesday in French, Spanish, Italian.
    month_word: Option<String>,
    day: Option<u32>,
    time: Option<(u32, u32, u32)>,
    meridiem: Option<bool>, // true = pm
    zone: Option<ZoneWord>,
    offset: Option<i32>,
    loose: Vec<(u32, usize)>,
}

pub(super) fn parse_human(s: &str, rules: &DateRules) -> Result<DateTime<FixedOffset>, DateError> {
    let tokens = tokenize(s)?;
    if tokens
        .iter()
        .any(|t| matches!(t, Token::Word(w) if RELATIVE.contains(&w.as_str())))
    {
        return Err(DateError::Relative);
    }
    let mut p = Parts::default();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            // a/b/c numeric date
            Token::Num(a, la) => {
                if let (Some(Token::Sep(s1)), Some(Token::Num(b, _)), Some(Token::Sep(s2))) =
                    (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 3))
                    && s1 == s2
                    && let Some(Token::Num(c, lc)) = tokens.get(i + 4)
                {
                    numeric_date(&mut p, (*a, *la), *b, (*c, *lc), *s1, rules.day_first)?;
                    i += 5;
                    continue;
                }
                if let (Some(Token::Sep(_)), Some(Token::Num(..))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                    && p.year.is_none()
                    && *la <= 2
                {
                    return Err(DateError::NoYear);
                }
                // "2pm": a bare hour with a meridiem
                if let Some(Token::Word(w)) = tokens.get(i + 1)
                    && (w == "am" || w == "pm")
                    && *la <= 2
                {
                    p.time = Some((*a, 0, 0));
                } else {
                    p.loose.push((*a, *la));
                }
            }
            Token::Word(w) => word(&mut p, w)?,
            Token::Sep(_) => {}
            Token::Time(h, m, sec) => p.time = Some((*h, *m, *sec)),
            Token::Offset(o) => p.offset = Some(p.offset.unwrap_or(0).saturating_add(*o)),
        }
        i += 1;
    }
    assemble(p, rules)
}

/// Words that make a date relative to the moment of reading.
const RELATIVE: &[&str] = &[
    "ago",
    "yesterday",
    "today",
    "now",
    "hier",
    "gestern",
    "heute",
    "ayer",
    "hoy",
    "vor",
    "il",
];

fn word(p: &mut Parts, w: &str) -> Result<(), DateError> {
    if let Some(m) = words::month(w) {
        if p.month.is_some_and(|old| old != m) {
            // "Mar 15 Jan 2013": of two month words, one that is also a weekday is the weekday.
            let earlier = p.month_word.as_deref().unwrap_or_default();
            if words::is_filler(w) {
                return Ok(());
            }
            if !words::is_filler(earlier) {
                return Err(DateError::OutOfRange(format!(
                    "two months in one date ({w:?})"
                )));
            }
        }
        p.month = Some(m);
        p.month_word = Some(w.to_string());
    } else if w == "am" || w == "pm" {
        p.meridiem = Some(w == "pm");
    } else if let Some(z) = words::zone(w) {
        p.zone = Some(z);
    } else if !words::is_filler(w) {
        return Err(DateError::UnknownWord(w.to_string()));
    }
    Ok(())
}

fn numeric_date(
    p: &mut Parts,
    (a, la): (u32, usize),
    b: u32,
    (c, lc): (u32, usize),
    sep: char,
    day_first: bool,
) -> Result<(), DateError> {
    let (y, m, d) = if la == 4 {
        (a as i32, b, c)
    } else if lc == 4 || lc == 2 {
        let year = if lc == 2 { two_digit_year(c) } else { c as i32 };
        let (m, d) = if sep == '.' || a > 12 || (day_first && b <= 12) {
            (b, a)
        } else {
            (a, b)
        };
        (year, m, d)
    } else {
        return Err(DateError::Ambiguous(format!("{a}{sep}{b}{sep}{c}")));
    };
    p.year = Some(y);
    p.month = Some(m);
    p.day = Some(d);
    Ok(())
}

fn two_digit_year(y: u32) -> i32 {
    if y < 70 {
        2000 + y as i32
    } else {
        1900 + y as i32
    }
}

fn assemble(mut p: Parts, rules: &DateRules) -> Result<DateTime<FixedOffset>, DateError> {
    if p.year.is_none()
        && let Some(pos) = p.loose.iter().position(|&(_, len)| len == 4)
    {
        p.year = Some(p.loose.remove(pos).0 as i32);
    }
    if p.day.is_none() {
        match p.loose.as_slice() {
            [(d, len)] if *len <= 2 => p.day = Some(*d),
            [] => {}
            [(d, _), (y, 2)] if p.year.is_none() && p.month.is_some() => {
                p.day = Some(*d);
                p.year = Some(two_digit_year(*y));
            }
            more => {
                let nums: Vec<String> = more.iter().map(|(n, _)| n.to_string()).collect();
                return Err(DateError::Ambiguous(nums.join(", ")));
            }
        }
    } else if !p.loose.is_empty() {
        return Err(DateError::Ambiguous(format!(
            "extra number {}",
            p.loose[0].0
        )));
    }
    let year = p.year.ok_or(DateError::NoYear)?;
    let month = p.month.ok_or(DateError::NoMonth)?;
    let day = p.day.ok_or(DateError::NoDay)?;
    if !(1..=12).contains(&month) {
        return Err(DateError::OutOfRange(format!("there is no month {month}")));
    }
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        DateError::OutOfRange(format!(
            "{} {} has no day {day}",
            words::month_name(month),
            year
        ))
    })?;
    let (mut h, m, s) = p.time.unwrap_or((0, 0, 0));
    if let Some(pm) = p.meridiem {
        if h == 0 || h > 12 {
            return Err(DateError::OutOfRange(format!("{h} o'clock with am/pm")));
        }
        h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
    }
    let time = NaiveTime::from_hms_opt(h, m, s)
        .ok_or_else(|| DateError::OutOfRange(format!("{h:02}:{m:02}:{s:02} is not a time")))?;
    let naive = date.and_time(time);
    let fixed = |secs: i32| {
        FixedOffset::east_opt(secs)
            .ok_or_else(|| DateError::OutOfRange(format!("offset of {secs} s")))
            .and_then(|off| {
                off.from_local_datetime(&naive)
                    .single()
                    .ok_or_else(|| DateError::OutOfRange("time out of range".into()))
            })
    };
    match (p.zone, p.offset) {
        (Some(ZoneWord::Fixed(base)), off) => fixed(base.saturating_add(off.unwrap_or(0))),
        (None, Some(off)) => fixed(off),
        (Some(ZoneWord::Named(tz)), None) => Ok(in_zone(naive, tz)),
        (Some(ZoneWord::Named(_)), Some(off)) => fixed(off),
        (None, None) => Ok(in_zone(naive, rules.timezone)),
    }
}
