//! The TOML config: a pure [`parse`] that validates everything into typed values (selectors
//! compiled, zones and URLs parsed), and a thin [`load`] that reads the file and resolves paths.
//!
//! Every error names the line, column and key, and most say what to write instead.

mod error;
mod raw;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

pub use error::ConfigError;

use crate::extract::{Format, Selectors};
use crate::filter::Filter;
use crate::normalize::date::DateRules;
use crate::render::OutputFormat;
use crate::schedule::Schedule;
use crate::schedule::scheduler::{Job, JobKind, Table};
use crate::store::Retention;

/// Default path of the config file, relative to the working directory.
pub const DEFAULT_PATH: &str = "config/tagfeed.toml";
/// Default `[output] max_items`.
pub const DEFAULT_MAX_ITEMS: usize = 50;
/// Default `backfill_pages` (at least `max_pages`).
pub const DEFAULT_BACKFILL_PAGES: usize = 10;
/// Default `[store] path`, relative to the config file.
pub const DEFAULT_STORE: &str = "state/tagfeed.db";
/// Where tagfeed says it comes from in its `User-Agent`.
pub const PROJECT_URL: &str = env!("CARGO_PKG_REPOSITORY");

/// The default `User-Agent`: product, version and a URL where site owners can read about it.
pub fn default_user_agent() -> String {
    format!("tagfeed/{} (+{PROJECT_URL})", env!("CARGO_PKG_VERSION"))
}

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

/// `[store]`: where entries and run state are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreSettings {
    /// The SQLite file.
    pub path: PathBuf,
    /// `tagfeed status` calls a source stale when its last success is older than this.
    pub stale_after: Duration,
}

/// `[fetch]`: how politely and how patiently pages are fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchSettings {
    /// Sent with every request; robots.txt rules are matched on its first word.
    pub user_agent: String,
    /// Whole request, headers to last body byte.
    pub timeout: Duration,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Bodies larger than this are refused without being read whole.
    pub max_body: u64,
    /// Minimum pause between two requests to one host.
    pub min_delay: Duration,
    /// Hosts fetched at the same time.
    pub concurrency: usize,
    /// Extra attempts after a connection error, timeout or 5xx.
    pub retries: u32,
    /// First pause before a retry; doubles each time, with jitter.
    pub retry_delay: Duration,
    /// The longest `Retry-After` tagfeed waits for; longer ones skip the source for this run.
    pub max_retry_after: Duration,
    /// How long a run waits for another run to finish before giving up.
    pub lock_wait: Duration,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            user_agent: default_user_agent(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(30),
            max_body: 10 * 1024 * 1024,
            min_delay: Duration::from_secs(1),
            concurrency: 8,
            retries: 2,
            retry_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(120),
            lock_wait: Duration::from_secs(60),
        }
    }
}

/// Where a source's listing comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A saved file.
    Path(PathBuf),
    /// A page fetched over HTTP(S).
    Url(Url),
}

impl std::fmt::Display for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Path(p) => write!(f, "{}", p.display()),
            Input::Url(u) => write!(f, "{u}"),
        }
    }
}

/// How to walk a paginated archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// Query parameter holding the page number (defense.gov: `Page`, so page 2 is `?Page=2`).
    pub page_param: Option<String>,
    /// Pages read on an ordinary run.
    pub max_pages: usize,
    /// Pages read on a source's first run and with `tagfeed run --backfill`.
    pub backfill_pages: usize,
}

/// One `[[source]]`: a listing that becomes one feed per format.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Slug: `[a-z0-9-]+`, the feed's file name.
    pub name: String,
    /// Feed title; `None` uses the listing's heading.
    pub title: Option<String>,
    /// RSS description / Atom subtitle; a default is built from the title.
    pub description: Option<String>,
    /// Atom author; defaults to the page's host.
    pub author: Option<String>,
    /// Where the listing comes from.
    pub input: Input,
    /// The listing's public address: resolves relative links, and is the feed's home page.
    pub page_url: Option<Url>,
    /// `None`: guessed from the content.
    pub format: Option<Format>,
    /// How dates without an offset or with an ambiguous order are read.
    pub rules: DateRules,
    /// Added to every entry; `None` means "the feed title".
    pub categories: Option<Vec<String>>,
    /// Overrides `[output] max_items`.
    pub max_items: Option<usize>,
    /// The selectors of an HTML listing.
    pub select: Option<Selectors>,
    /// Overrides `[fetch] user_agent`.
    pub user_agent: Option<String>,
    /// Overrides `[fetch] timeout`.
    pub timeout: Option<Duration>,
    /// Whether robots.txt is obeyed (default true).
    pub respect_robots: bool,
    /// How to walk older pages.
    pub pagination: Pagination,
    /// How long stored entries are kept.
    pub retention: Retention,
    /// Which stored entries make it into the feed.
    pub filter: Filter,
    /// Overrides `[schedule]` in the daemon.
    pub schedule: Option<Schedule>,
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

/// The store key of an external feed: its URL or its (resolved) path.
pub fn feed_key(input: &Input) -> String {
    format!("feed:{input}")
}

impl Config {
    /// The names of every feed this config writes: sources, then merges.
    pub fn feed_names(&self) -> impl Iterator<Item = &str> {
        self.sources
            .iter()
            .map(|s| s.name.as_str())
            .chain(self.merges.iter().map(|m| m.name.as_str()))
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

    /// The daemon's jobs: every source and merge with its schedule.
    pub fn jobs(&self) -> Table {
        let job = |name: &str, kind, schedule: &Option<Schedule>| Job {
            name: name.to_string(),
            kind,
            schedule: schedule
                .clone()
                .unwrap_or_else(|| self.schedule.default.clone()),
        };
        Table {
            jobs: self
                .sources
                .iter()
                .map(|s| job(&s.name, JobKind::Source, &s.schedule))
                .chain(
                    self.merges
                        .iter()
                        .map(|m| job(&m.name, JobKind::Merge, &m.schedule)),
                )
                .collect(),
            jitter: self.schedule.jitter,
            max_backoff: self.schedule.max_backoff,
        }
    }

    /// The schedule of feed `name` (a source or merge): what HTTP cache lifetimes follow.
    pub fn schedule_of(&self, name: &str) -> &Schedule {
        self.source(name)
            .and_then(|s| s.schedule.as_ref())
            .or_else(|| self.merge(name).and_then(|m| m.schedule.as_ref()))
            .unwrap_or(&self.schedule.default)
    }

    /// The source called `name`.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
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

impl Source {
    /// A source with every optional setting at its default, as a config with only `name` and
    /// `path`/`url` gives.
    pub fn new(name: impl Into<String>, input: Input) -> Source {
        Source {
            name: name.into(),
            title: None,
            description: None,
            author: None,
            input,
            page_url: None,
            format: None,
            rules: DateRules::default(),
            categories: None,
            max_items: None,
            select: None,
            user_agent: None,
            timeout: None,
            respect_robots: true,
            pagination: Pagination {
                page_param: None,
                max_pages: 1,
                backfill_pages: DEFAULT_BACKFILL_PAGES,
            },
            retention: Retention::default(),
            filter: Filter::default(),
            schedule: None,
        }
    }

    /// How many entries this source's feeds keep.
    pub fn max_items(&self, output: &Output) -> usize {
        self.max_items.unwrap_or(output.max_items)
    }

    /// The address relative links resolve against: `page_url`, else the URL it is fetched from.
    pub fn page_url(&self) -> Option<&Url> {
        self.page_url.as_ref().or(match &self.input {
            Input::Url(u) => Some(u),
            Input::Path(_) => None,
        })
    }
}

/// Reads and validates the config file at `path`; relative paths in it start at its folder.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: Some(path.to_path_buf()),
        location: None,
        key: String::new(),
        message: format!("cannot read the config file: {e}"),
        help: Some(format!(
            "create it (see README.md, \"Config reference\") or pass --config PATH; the default is {DEFAULT_PATH}"
        )),
    })?;
    let mut config = parse(&text).map_err(|mut e| {
        e.file = Some(path.to_path_buf());
        e
    })?;
    config.resolve_paths(path.parent().unwrap_or(Path::new("")));
    Ok(config)
}

/// Validates config text. Paths stay as written.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    validate::config(text)
}

#[cfg(test)]
mod tests;
