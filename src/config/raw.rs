//! The config file as written: serde structs with spans, before validation.

use serde::Deserialize;
use toml::Spanned;

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
    pub max_items: Option<S<i64>>,
    pub include: Option<Vec<S<String>>>,
    pub exclude: Option<Vec<S<String>>>,
    pub since: Option<S<String>>,
    pub schedule: Option<S<String>>,
    pub every: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOutput {
    pub dir: Option<S<String>>,
    pub base_url: Option<S<String>>,
    pub max_items: Option<S<i64>>,
    pub formats: Option<Vec<S<String>>>,
    pub title: Option<S<String>>,
}

/// Seconds, written as an integer or a float.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub(crate) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSchedule {
    pub cron: Option<S<String>>,
    pub every: Option<S<String>>,
    pub jitter: Option<S<Num>>,
    pub max_backoff: Option<S<String>>,
    pub grace: Option<S<Num>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStore {
    pub path: Option<S<String>>,
    pub stale_after: Option<S<Num>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFetch {
    pub user_agent: Option<S<String>>,
    pub timeout: Option<S<Num>>,
    pub connect_timeout: Option<S<Num>>,
    pub max_body: Option<S<i64>>,
    pub min_delay: Option<S<Num>>,
    pub concurrency: Option<S<i64>>,
    pub retries: Option<S<i64>>,
    pub retry_delay: Option<S<Num>>,
    pub max_retry_after: Option<S<Num>>,
    pub max_crawl_delay: Option<S<Num>>,
    pub allow_private: Option<bool>,
    pub lock_wait: Option<S<Num>>,
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
    pub timeout: Option<S<Num>>,
    pub respect_robots: Option<bool>,
    pub page_param: Option<S<String>>,
    pub max_pages: Option<S<i64>>,
    pub backfill_pages: Option<S<i64>>,
    pub keep_days: Option<S<i64>>,
    pub keep_items: Option<S<i64>>,
    pub min_items: Option<S<i64>>,
    pub min_ratio: Option<S<Num>>,
    pub include: Option<Vec<S<String>>>,
    pub exclude: Option<Vec<S<String>>>,
    pub since: Option<S<String>>,
    pub schedule: Option<S<String>>,
    pub every: Option<S<String>>,
    pub format: Option<S<String>>,
    pub timezone: Option<S<String>>,
    pub day_first: Option<bool>,
    pub categories: Option<Vec<S<String>>>,
    pub max_items: Option<S<i64>>,
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
