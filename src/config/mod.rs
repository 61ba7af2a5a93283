//! The TOML config: a pure [`parse`] that validates everything into typed values (selectors
//! compiled, zones and URLs parsed), and a thin [`load`] that reads the file and resolves paths.
//!
//! Every error names the line, column and key, and most say what to write instead. Each stage owns
//! the types of its settings (`source::Source`, `fetch::FetchSettings`, `schedule::Schedule`…);
//! this module gathers them into one [`Config`] and owns only what is about the config as a whole:
//! where feeds go, the store, the daemon's defaults and merges.

mod error;
mod kinds;
mod raw;
mod validate;
mod values;

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

pub use error::{ConfigError, One};

use crate::fetch::FetchSettings;
use crate::filter::Filter;
use crate::model::OutputFormat;
use crate::render::opml;
use crate::schedule::Schedule;
use crate::source::{Input, Source};

/// Default path of the config file, relative to the working directory.
pub const DEFAULT_PATH: &str = "config/tagfeed.toml";
/// Default `[output] max_items`.
pub const DEFAULT_MAX_ITEMS: usize = 50;
/// Default `[store] path`, relative to the config file.
pub const DEFAULT_STORE: &str = "state/tagfeed.db";

/// A validated config.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where feeds are written and published.
    pub output: Output,
    /// Where entries and run state are kept.
    pub store: StoreSettings,
    /// How pages are fetched.
    pub fetch: FetchSettings,
    /// When the daemon runs jobs.
    pub schedule: ScheduleSettings,
    /// Listings, each one feed.
    pub sources: Vec<Source>,
    /// Combined feeds.
    pub merges: Vec<Merge>,
}

/// `[schedule]`: when the daemon runs sources and merges that set no schedule of their own.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleSettings {
    /// The schedule of jobs that set none.
    pub default: Schedule,
    /// Share of the interval added at random to each wait.
    pub jitter: f64,
    /// Longest wait after repeated failures.
    pub max_backoff: Duration,
    /// How long a stopping daemon waits for running jobs.
    pub grace: Duration,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        ScheduleSettings {
            default: Schedule::default(),
            jitter: 0.1,
            max_backoff: Duration::from_secs(6 * 3600),
            grace: Duration::from_secs(30),
        }
    }
}

/// `[output]`: where feeds go and where they are published.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Folder the feed files are written to.
    pub dir: PathBuf,
    /// Public URL of that folder, ending with `/`. Self links and feed ids are built on it.
    pub base_url: Url,
    /// Entries per feed unless a source or merge says otherwise.
    pub max_items: usize,
    /// Formats written for every feed, the first being the one OPML lists.
    pub formats: Vec<OutputFormat>,
    /// Title of the OPML list.
    pub title: String,
}

/// One file a run writes: where it goes on disk and where it is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedFile {
    /// The format, `None` for the OPML list.
    pub format: Option<OutputFormat>,
    /// Where it is on disk.
    pub path: PathBuf,
    /// Where it is published (under `base_url`).
    pub url: Url,
}

impl Output {
    /// The public URL of `file` in the output folder. `base_url` is an http(s) URL ending with `/`
    /// (the config makes sure), so appending to its path is all joining takes.
    pub fn url_of(&self, file: &str) -> Url {
        let mut url = self.base_url.clone();
        url.set_path(&format!("{}{file}", self.base_url.path()));
        url.set_query(None);
        url.set_fragment(None);
        url
    }

    /// The files of feed `name`, one per configured format: the one list `run`, `check` and
    /// `serve` share.
    pub fn files<'a>(&'a self, name: &'a str) -> impl Iterator<Item = FeedFile> + 'a {
        self.formats.iter().map(move |&f| {
            let file = f.file_name(name);
            FeedFile {
                format: Some(f),
                path: self.dir.join(&file),
                url: self.url_of(&file),
            }
        })
    }

    /// The OPML list of every feed.
    pub fn opml(&self) -> FeedFile {
        FeedFile {
            format: None,
            path: self.dir.join(opml::FILE),
            url: self.url_of(opml::FILE),
        }
    }

    /// The format OPML lists feeds in and merged entries point at: the first configured.
    pub fn preferred(&self) -> OutputFormat {
        self.formats.first().copied().unwrap_or(OutputFormat::Rss)
    }
}

/// `[store]`: where entries and run state are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreSettings {
    /// The SQLite file.
    pub path: PathBuf,
    /// `tagfeed status` calls a source stale when its last success is older than this.
    pub stale_after: Duration,
}

/// One `[[merge]]`: several tag sources and external feeds combined into one feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    /// Slug, the feed's file name; unique among sources and merges.
    pub name: String,
    /// Feed title.
    pub title: String,
    /// RSS description / Atom subtitle; a default is built from the title.
    pub description: Option<String>,
    /// Atom author; defaults to the page's host.
    pub author: Option<String>,
    /// Names of sources of this config.
    pub sources: Vec<String>,
    /// External feeds: URLs or files.
    pub feeds: Vec<Input>,
    /// Overrides `[output] max_items`.
    pub max_items: Option<usize>,
    /// Which merged entries make it into the feed.
    pub filter: Filter,
    /// Overrides `[schedule]` in the daemon (for its external feeds; its sources rebuild it too).
    pub schedule: Option<Schedule>,
}

impl Merge {
    /// How many entries the merged feed keeps.
    pub fn max_items(&self, output: &Output) -> usize {
        self.max_items.unwrap_or(output.max_items)
    }
}

impl Config {
    /// The names of every feed this config writes: sources, then merges.
    pub fn feed_names(&self) -> impl Iterator<Item = &str> {
        self.sources
            .iter()
            .map(|s| s.name.as_str())
            .chain(self.merges.iter().map(|m| m.name.as_str()))
    }

    /// Every file a run writes: each feed in each format, then the OPML list.
    pub fn files(&self) -> impl Iterator<Item = FeedFile> + '_ {
        self.feed_names()
            .flat_map(|name| self.output.files(name))
            .chain(std::iter::once(self.output.opml()))
    }

    /// The written file called `file`, with the feed it belongs to (`None` for the OPML list).
    pub fn file(&self, file: &str) -> Option<(Option<&str>, FeedFile)> {
        if file == opml::FILE {
            return Some((None, self.output.opml()));
        }
        self.feed_names().find_map(|name| {
            self.output
                .files(name)
                .find(|f| f.path.file_name().is_some_and(|n| n == file))
                .map(|f| (Some(name), f))
        })
    }

    /// Every external feed the merges read, once each, in config order.
    pub fn external_feeds(&self) -> Vec<&Input> {
        let mut out: Vec<&Input> = Vec::new();
        for f in self.merges.iter().flat_map(|m| &m.feeds) {
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }

    /// The merge called `name`.
    pub fn merge(&self, name: &str) -> Option<&Merge> {
        self.merges.iter().find(|m| m.name == name)
    }

    /// The source called `name`.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// The schedule of feed `name` (a source or merge): what HTTP cache lifetimes follow.
    pub fn schedule_of(&self, name: &str) -> &Schedule {
        self.source(name)
            .and_then(|s| s.schedule.as_ref())
            .or_else(|| self.merge(name).and_then(|m| m.schedule.as_ref()))
            .unwrap_or(&self.schedule.default)
    }

    /// How many entries the feed of `source` keeps.
    pub fn max_items(&self, source: &Source) -> usize {
        source.max_items.unwrap_or(self.output.max_items)
    }

    /// Makes relative paths relative to `base` (the config file's folder).
    pub fn resolve_paths(&mut self, base: &Path) {
        self.output.dir = base.join(&self.output.dir);
        self.store.path = base.join(&self.store.path);
        for s in &mut self.sources {
            if let Input::Path(p) = &mut s.input {
                *p = base.join(&*p);
            }
        }
        for f in self.merges.iter_mut().flat_map(|m| &mut m.feeds) {
            if let Input::Path(p) = f {
                *p = base.join(&*p);
            }
        }
    }
}

/// Reads and validates the config file at `path`; relative paths in it start at its folder.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: Some(path.into()),
        location: None,
        key: String::new(),
        message: format!("cannot read the config file: {e}"),
        help: Some(format!(
            "create it (see README.md, \"Config reference\") or pass --config PATH; the default is {DEFAULT_PATH}"
        ).into()),
        also: Vec::new(),
    })?;
    let mut config = parse(&text).map_err(|e| e.in_file(path))?;
    config.resolve_paths(path.parent().unwrap_or(Path::new("")));
    Ok(config)
}

/// The config file's JSON Schema (draft 2020-12), made from the types the parser reads, so it
/// lists exactly the keys a config may have: editors validate and complete configs with it
/// (`#:schema` in Taplo / Even Better TOML, or `tagfeed schema > tagfeed.schema.json`).
pub fn schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(raw::RawConfig);
    schema.insert("title".into(), "tagfeed config".into());
    let mut value = schema.to_value();
    without_null(&mut value);
    value
}

/// TOML has no null: a key that may be left out is not also nullable, so every `null` schemars
/// adds for an optional key is taken out again.
fn without_null(v: &mut serde_json::Value) {
    use serde_json::Value;
    let Value::Object(map) = v else {
        if let Value::Array(items) = v {
            items.iter_mut().for_each(without_null);
        }
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            map.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(any)) = map.get_mut("anyOf") {
        any.retain(|s| s.get("type").is_none_or(|t| t != "null"));
        if let [only] = any.as_slice()
            && let Value::Object(only) = only.clone()
        {
            map.remove("anyOf");
            for (k, v) in only {
                map.entry(k).or_insert(v);
            }
        }
    }
    map.values_mut().for_each(without_null);
}

/// Validates config text. Paths stay as written.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    validate::config(text)
}

#[cfg(test)]
mod tests;
