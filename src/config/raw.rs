//! The config file as written: serde structs with spans, before validation.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Visitor};
use toml::Spanned;
use toml::de::{DeTable, DeValue, Deserializer};

use super::error::{self, ConfigError};

pub(crate) type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub output: Option<S<RawOutput>>,
    pub store: Option<S<RawStore>>,
    pub fetch: Option<S<RawFetch>>,
    pub schedule: Option<S<RawSchedule>>,
    #[serde(default)]
    pub source: Vec<S<RawSource>>,
    #[serde(default)]
    pub merge: Vec<S<RawMerge>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMerge {
    pub name: Option<S<String>>,
    pub title: Option<S<String>>,
    pub description: Option<S<String>>,
    pub author: Option<S<String>>,
    #[serde(default)]
    pub sources: Vec<S<String>>,
    #[serde(default)]
    pub feeds: Vec<S<String>>,
    pub max_items: Option<S<Int>>,
    pub include: Option<Vec<S<String>>>,
    pub exclude: Option<Vec<S<String>>>,
    pub since: Option<S<String>>,
    pub schedule: Option<S<String>>,
    pub every: Option<S<Dur>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOutput {
    pub dir: Option<S<String>>,
    pub base_url: Option<S<String>>,
    pub max_items: Option<S<Int>>,
    pub formats: Option<Vec<S<String>>>,
    pub title: Option<S<String>>,
}

/// A number, whole or not (`min_ratio = 0.3`, `jitter = 0.1`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Num(pub f64);

impl Num {
    pub(crate) fn as_f64(self) -> f64 {
        self.0
    }
}

/// A whole number (`max_items = 50`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Int(pub i64);

/// A duration in any duration key: seconds as a number (`30`, `0.5`) or text (`"30s"`,
/// `"1h 30m"`), so every such key takes both, documented once in the README.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dur(pub Duration);

/// How each kind of value is described when the config gives something else; serde puts it after
/// "invalid type: string \"fifty\", expected …".
const NUMBER: &str = "a number, e.g. 0.5";
const WHOLE: &str = "a whole number, e.g. 50";
pub(crate) const DURATION: &str =
    "a duration: seconds as a number (30) or text such as \"30s\", \"10m\" or \"1h 30m\"";

struct Visit<T>(&'static str, std::marker::PhantomData<T>);

impl<'de> Visitor<'de> for Visit<Num> {
    type Value = Num;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        Ok(Num(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        Ok(Num(v))
    }
}

impl<'de> Visitor<'de> for Visit<Int> {
    type Value = Int;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
        Ok(Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
        i64::try_from(v)
            .map(Int)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
}

impl<'de> Visitor<'de> for Visit<Dur> {
    type Value = Dur;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
        match u64::try_from(v) {
            Ok(secs) => Ok(Dur(Duration::from_secs(secs))),
            Err(_) => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dur, E> {
        Ok(Dur(Duration::from_secs(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dur, E> {
        Duration::try_from_secs_f64(v)
            .map(Dur)
            .map_err(|_| E::invalid_value(de::Unexpected::Float(v), &self))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
        let t = v.trim();
        if let Ok(secs) = t.parse::<f64>() {
            return self.visit_f64(secs);
        }
        humantime::parse_duration(t)
            .map(Dur)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

macro_rules! deserialize_with {
    ($t:ty, $what:expr, $how:ident) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.$how(Visit::<$t>($what, std::marker::PhantomData))
            }
        }
    };
}

deserialize_with!(Num, NUMBER, deserialize_f64);
deserialize_with!(Int, WHOLE, deserialize_i64);
deserialize_with!(Dur, DURATION, deserialize_any);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSchedule {
    pub cron: Option<S<String>>,
    pub every: Option<S<Dur>>,
    pub jitter: Option<S<Num>>,
    pub max_backoff: Option<S<Dur>>,
    pub grace: Option<S<Dur>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStore {
    pub path: Option<S<String>>,
    pub stale_after: Option<S<Dur>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFetch {
    pub user_agent: Option<S<String>>,
    pub timeout: Option<S<Dur>>,
    pub connect_timeout: Option<S<Dur>>,
    pub max_body: Option<S<Int>>,
    pub min_delay: Option<S<Dur>>,
    pub concurrency: Option<S<Int>>,
    pub retries: Option<S<Int>>,
    pub retry_delay: Option<S<Dur>>,
    pub max_retry_after: Option<S<Dur>>,
    pub max_crawl_delay: Option<S<Dur>>,
    pub allow_private: Option<bool>,
    pub lock_wait: Option<S<Dur>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    pub name: Option<S<String>>,
    pub title: Option<S<String>>,
    pub description: Option<S<String>>,
    pub author: Option<S<String>>,
    pub path: Option<S<String>>,
    pub url: Option<S<String>>,
    pub page_url: Option<S<String>>,
    pub user_agent: Option<S<String>>,
    pub timeout: Option<S<Dur>>,
    pub respect_robots: Option<bool>,
    pub page_param: Option<S<String>>,
    pub max_pages: Option<S<Int>>,
    pub backfill_pages: Option<S<Int>>,
    pub keep_days: Option<S<Int>>,
    pub keep_items: Option<S<Int>>,
    pub min_items: Option<S<Int>>,
    pub min_ratio: Option<S<Num>>,
    pub include: Option<Vec<S<String>>>,
    pub exclude: Option<Vec<S<String>>>,
    pub since: Option<S<String>>,
    pub schedule: Option<S<String>>,
    pub every: Option<S<Dur>>,
    pub format: Option<S<String>>,
    pub timezone: Option<S<String>>,
    pub day_first: Option<bool>,
    pub categories: Option<Vec<S<String>>>,
    pub max_items: Option<S<Int>>,
    pub preset: Option<S<String>>,
    pub select: Option<S<RawSelect>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSelect {
    pub item: Option<S<String>>,
    pub title: Option<S<String>>,
    pub link: Option<S<String>>,
    pub date: Option<S<String>>,
    pub summary: Option<S<String>>,
    pub categories: Option<S<String>>,
    pub next_page: Option<S<String>>,
}

/// At most this many errors are reported for one file.
const MAX_ERRORS: usize = 50;

/// Parses the file into the raw structs, finding every wrong key at once: a key serde refuses
/// (unknown, or a value of the wrong kind) is reported and taken out, and the rest is read again,
/// so validation can go on to report what else is wrong. A syntax error stops at the first one,
/// as nothing after it can be trusted.
pub(crate) fn parse(text: &str) -> Result<(RawConfig, Vec<ConfigError>), ConfigError> {
    if let Ok(raw) = toml::from_str::<RawConfig>(text) {
        return Ok((raw, Vec::new()));
    }
    let mut doc = DeTable::parse(text).map_err(|e| from_toml(text, &e))?;
    let mut errors = Vec::new();
    while errors.len() < MAX_ERRORS {
        let e = match RawConfig::deserialize(Deserializer::from(doc.clone())) {
            Ok(raw) => return Ok((raw, errors)),
            Err(e) => e,
        };
        errors.push(from_toml(text, &e));
        match e.span() {
            Some(at) if remove_at(doc.get_mut(), &at) => {}
            _ => break,
        }
    }
    Err(ConfigError::many(errors)
        .unwrap_or_else(|| ConfigError::at(text, 0..0, "unreadable config")))
}

/// Takes out the key whose name or value holds `at` (the innermost one); false when none does.
fn remove_at(table: &mut DeTable<'_>, at: &Range<usize>) -> bool {
    let inside = |s: Range<usize>| s.start <= at.start && at.end <= s.end;
    let mut found = None;
    for (key, value) in table.iter_mut() {
        if remove_within(value.get_mut(), at) {
            return true;
        }
        if inside(key.span()) || inside(value.span()) {
            found = Some(key.clone());
            break;
        }
    }
    found.is_some_and(|key| table.remove(&key).is_some())
}

fn remove_within(value: &mut DeValue<'_>, at: &Range<usize>) -> bool {
    match value {
        DeValue::Table(t) => remove_at(t, at),
        DeValue::Array(items) => items.iter_mut().any(|v| remove_within(v.get_mut(), at)),
        _ => false,
    }
}

/// A toml or serde error as a config error, in words a user knows: "unknown key" with the
/// nearest known one, the kind of value a key takes.
fn from_toml(text: &str, e: &toml::de::Error) -> ConfigError {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        // serde: unknown field `timezon`, expected one of `name`, `title`, …
        let quoted: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        if let Some((unknown, known)) = quoted.split_first() {
            let err = ConfigError::at(text, span, format!("unknown key `{unknown}`"));
            return match error::nearest(unknown, known.iter().copied()) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help(format!(
                    "this table takes: {}; README.md lists every key",
                    known.join(", ")
                )),
            };
        }
    }
    // serde: invalid type: string "fifty", expected a whole number, e.g. 50
    let kind = ["invalid type: ", "invalid value: "]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split_once(", expected "));
    match kind {
        Some((found, wanted)) => {
            ConfigError::at(text, span, format!("expected {wanted}; found {found}"))
        }
        None => ConfigError::at(text, span, message),
    }
}
