//! The config file as written: serde structs with spans, before validation.

use std::borrow::Cow;
use std::ops::Range;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, Deserializer};

pub(crate) use super::kinds::{Dur, Int, Num};

use super::error::{self, ConfigError};

/// A value and where it is in the file, so every error can name its line and column. Described in
/// the JSON Schema as the value alone.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub(crate) struct S<T>(Spanned<T>);

impl<T> S<T> {
    pub(crate) fn get_ref(&self) -> &T {
        self.0.get_ref()
    }

    pub(crate) fn span(&self) -> Range<usize> {
        self.0.span()
    }

    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: JsonSchema> JsonSchema for S<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// A tagfeed config file (TOML): listing pages of sites without feeds, turned into RSS, Atom and
/// JSON feeds. Reference: README.md, "Config reference".
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    /// Where feed files go and their public address (required).
    pub output: Option<S<RawOutput>>,
    /// The SQLite store of entries and run state.
    pub store: Option<S<RawStore>>,
    /// How pages are fetched: politeness, timeouts, limits.
    pub fetch: Option<S<RawFetch>>,
    /// When `tagfeed daemon` and `serve` refresh sources and merges.
    pub schedule: Option<S<RawSchedule>>,
    /// One listing page each, one feed each.
    #[serde(default)]
    pub source: Vec<S<RawSource>>,
    /// Combined feeds of sources and external feeds.
    #[serde(default)]
    pub merge: Vec<S<RawMerge>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMerge {
    /// Slug [a-z0-9-], unique among sources and merges: the files are <dir>/<name>.rss.xml, .atom.xml, .json.
    pub name: Option<S<String>>,
    /// The merged feed's title; default: name.
    pub title: Option<S<String>>,
    /// The merged feed's description.
    pub description: Option<S<String>>,
    /// The merged feed's author.
    pub author: Option<S<String>>,
    /// Sources of this config to merge.
    #[serde(default)]
    pub sources: Vec<S<String>>,
    /// External feeds to merge: URLs or files (RSS, Atom, JSON Feed).
    #[serde(default)]
    pub feeds: Vec<S<String>>,
    /// Entries in the merged feed, newest first; default [output] max_items.
    pub max_items: Option<S<Int>>,
    /// Regexes on title, summary and categories: an entry needs one match.
    pub include: Option<Vec<S<String>>>,
    /// Regexes on title, summary and categories: a match drops the entry.
    pub exclude: Option<Vec<S<String>>>,
    /// Drop entries dated before this ("2020-01-01").
    pub since: Option<S<String>>,
    /// A crontab line (5 fields, UTC) for reading its external feeds; or `every`.
    pub schedule: Option<S<String>>,
    /// An interval for reading its external feeds; or `schedule`.
    pub every: Option<S<Dur>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOutput {
    /// Where feed files go; default "feeds", relative to the config file.
    pub dir: Option<S<String>>,
    /// The public URL of `dir` (self links, feed ids). Required.
    pub base_url: Option<S<String>>,
    /// Entries per feed, newest first; default 50.
    pub max_items: Option<S<Int>>,
    /// Formats written for every feed: "rss", "atom", "json"; default all three.
    pub formats: Option<Vec<S<String>>>,
    /// The title of feeds.opml, the list of every feed.
    pub title: Option<S<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSchedule {
    /// A crontab line (5 fields, UTC); or `every`.
    pub cron: Option<S<String>>,
    /// An interval between runs; default 30 minutes.
    pub every: Option<S<Dur>>,
    /// Share of the interval added at random to each wait (0 to 1); default 0.1.
    pub jitter: Option<S<Num>>,
    /// Longest wait after repeated failures; default 6 hours.
    pub max_backoff: Option<S<Dur>>,
    /// How long a stopping daemon waits for running refreshes; default 30 s.
    pub grace: Option<S<Dur>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStore {
    /// The SQLite file; default state/tagfeed.db next to the config.
    pub path: Option<S<String>>,
    /// Time without success before `status` calls a source stale; default 1 day.
    pub stale_after: Option<S<Dur>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFetch {
    /// The User-Agent sent, and matched against robots.txt.
    pub user_agent: Option<S<String>>,
    /// For a whole request; default 30 s.
    pub timeout: Option<S<Dur>>,
    /// For connecting; default 30 s.
    pub connect_timeout: Option<S<Dur>>,
    /// Largest body in bytes; default 10 MiB.
    pub max_body: Option<S<Int>>,
    /// Least time between two requests to one host; default 1 s.
    pub min_delay: Option<S<Dur>>,
    /// Hosts fetched at the same time; default 8.
    pub concurrency: Option<S<Int>>,
    /// Extra tries after a connection error, timeout, 429 or 5xx; default 2.
    pub retries: Option<S<Int>>,
    /// First pause before a retry, doubled each time; default 1 s.
    pub retry_delay: Option<S<Dur>>,
    /// Longest Retry-After waited for; default 120 s.
    pub max_retry_after: Option<S<Dur>>,
    /// Longest pause a robots.txt Crawl-delay gets; default 60 s.
    pub max_crawl_delay: Option<S<Dur>>,
    /// Let links found on pages reach private and loopback addresses; default false.
    pub allow_private: Option<bool>,
    /// How long a run waits for another run to finish; default 60 s.
    pub lock_wait: Option<S<Dur>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    /// Slug [a-z0-9-], unique among sources and merges: the files are <dir>/<name>.rss.xml, .atom.xml, .json. Required.
    pub name: Option<S<String>>,
    /// The feed's title; default the listing's heading, else its <title>, else name.
    pub title: Option<S<String>>,
    /// The feed's description.
    pub description: Option<S<String>>,
    /// The feed's author; default the page's host.
    pub author: Option<S<String>>,
    /// A saved listing (HTML or text); or `url`.
    pub path: Option<S<String>>,
    /// The listing page to fetch; or `path`.
    pub url: Option<S<String>>,
    /// The listing's public address: resolves relative links; default `url`.
    pub page_url: Option<S<String>>,
    /// Overrides [fetch] user_agent.
    pub user_agent: Option<S<String>>,
    /// Overrides [fetch] timeout.
    pub timeout: Option<S<Dur>>,
    /// false skips robots.txt: only with the site's permission; default true.
    pub respect_robots: Option<bool>,
    /// Query parameter of the page number ("Page": page 2 is ?Page=2).
    pub page_param: Option<S<String>>,
    /// Pages read on ordinary runs; default 1.
    pub max_pages: Option<S<Int>>,
    /// Pages read on the first run and with --backfill; default max(max_pages, 10).
    pub backfill_pages: Option<S<Int>>,
    /// Drop stored entries older than this many days; default keep all.
    pub keep_days: Option<S<Int>>,
    /// Keep at most this many stored entries; default keep all.
    pub keep_items: Option<S<Int>>,
    /// Page 1 with fewer items is not published (a layout change); default no minimum.
    pub min_items: Option<S<Int>>,
    /// Page 1 with fewer items than this share of the last good run is not published; default 0.3.
    pub min_ratio: Option<S<Num>>,
    /// Regexes on title, summary and categories: an entry needs one match.
    pub include: Option<Vec<S<String>>>,
    /// Regexes on title, summary and categories: a match drops the entry.
    pub exclude: Option<Vec<S<String>>>,
    /// Drop entries dated before this ("2020-01-01"), read in `timezone`.
    pub since: Option<S<String>>,
    /// A crontab line (5 fields, UTC) for the daemon; or `every`.
    pub schedule: Option<S<String>>,
    /// An interval for the daemon; or `schedule`.
    pub every: Option<S<Dur>>,
    /// "text" or "html"; default guessed from the content.
    pub format: Option<S<String>>,
    /// IANA time zone of dates without an offset; default "UTC".
    pub timezone: Option<S<String>>,
    /// Read 10/09/2020 as 10 September; default false.
    pub day_first: Option<bool>,
    /// Added to every entry; default the listing's tag.
    pub categories: Option<Vec<S<String>>>,
    /// Overrides [output] max_items.
    pub max_items: Option<S<Int>>,
    /// Read with a preset (wordpress, drupal-views, hugo…); [source.select] keys replace its own.
    pub preset: Option<S<String>>,
    /// CSS selectors of the items and their fields; without it (and a preset) items are detected.
    pub select: Option<S<RawSelect>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSelect {
    /// Each match is one entry: "CSS".
    pub item: Option<S<String>>,
    /// "CSS", "CSS@attr" or "@attr"; default the item's first heading, else its first link.
    pub title: Option<S<String>>,
    /// Default the item's own href, else its first a[href].
    pub link: Option<S<String>>,
    /// Default the item's first <time> or [datetime] element, else one whose class names a date.
    pub date: Option<S<String>>,
    /// An element's inner HTML, or an attribute read as text.
    pub summary: Option<S<String>>,
    /// Every match is one category.
    pub categories: Option<S<String>>,
    /// The link to the next (older) page, searched in the whole page: "a.next@href".
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
            // serde's names for TOML's kinds of value, in the words of a TOML file.
            let wanted = match wanted {
                "a sequence" => "a list, e.g. [\"a\", \"b\"]",
                "a boolean" => "true or false",
                "a string" => "text in quotes, e.g. \"x\"",
                other => other,
            };
            let found = found.replace("sequence", "list").replace("map", "table");
            ConfigError::at(text, span, format!("expected {wanted}; found {found}"))
        }
        None => ConfigError::at(text, span, message),
    }
}
