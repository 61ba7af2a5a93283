//! The config file as written: serde structs with spans, before validation.

use serde::Deserialize;
use toml::Spanned;

pub type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub output: Option<S<RawOutput>>,
    #[serde(default)]
    pub source: Vec<S<RawSource>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    pub dir: Option<S<String>>,
    pub base_url: Option<S<String>>,
    pub max_items: Option<S<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub name: Option<S<String>>,
    pub title: Option<S<String>>,
    pub description: Option<S<String>>,
    pub author: Option<S<String>>,
    pub path: Option<S<String>>,
    pub page_url: Option<S<String>>,
    pub format: Option<S<String>>,
    pub timezone: Option<S<String>>,
    pub day_first: Option<bool>,
    pub categories: Option<Vec<S<String>>>,
    pub max_items: Option<S<i64>>,
    pub select: Option<S<RawSelect>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSelect {
    pub item: Option<S<String>>,
    pub title: Option<S<String>>,
    pub link: Option<S<String>>,
    pub date: Option<S<String>>,
    pub summary: Option<S<String>>,
    pub categories: Option<S<String>>,
}
