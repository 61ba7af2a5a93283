//! Sources, end to end: fetch or read → decode → extract → normalize → store → feed → render →
//! write.
//!
//! This is the only module where I/O (HTTP, files, the store) meets the pure core. [`read`] and
//! [`feed`] are the pure middle, also used by `tagfeed check` and `tagfeed preview`; [`walk`]
//! fetches a source's pages; [`run`] drives a whole run.

mod apply;
mod merges;
mod run;
mod walk;

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use serde::Serialize;
use url::Url;

use crate::config::{Config, Source};
use crate::extract::feed::FeedError;
use crate::extract::{self, ExtractError, Format, Listing};
use crate::fetch::FetchError;
use crate::model::{Entry, Feed, Warning};
use crate::normalize::{self, Context, Normalized};
use crate::publish::{PublishError, WriteOutcome};
use crate::render::OutputFormat;
use crate::source::{Loaded, SourceError, charset};
use crate::store::{MergeStats, StoreError};

pub use apply::publish_feed;
pub use merges::OPML_FILE;
pub use run::{Kind, Outcome, RunOptions, RunReport, run};
pub use walk::{FeedRead, Walk, fetch_feed, next_page_url, walk};

/// Why a source produced no feed. Its previously published files are left untouched.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The saved listing could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The page could not be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The listing could not be read at all.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// An external feed could not be parsed.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// Nothing usable on the page: publishing would wipe the feed, so the run fails instead.
    #[error("{0}; the published feed is kept as it was")]
    Empty(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A feed file could not be written.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// A bug: a task stopped unexpectedly.
    #[error("internal error: {0}")]
    Internal(String),
}

/// One page of a listing, read and normalized, with how it was read.
#[derive(Debug, Clone)]
pub struct Read {
    /// Text or HTML, as configured or guessed.
    pub format: Format,
    /// The charset the bytes were read with.
    pub encoding: &'static str,
    /// What extraction found.
    pub listing: Listing,
    /// What normalization made of it.
    pub normalized: Normalized,
}

/// Decodes, extracts and normalizes one loaded page (pure). `now` is the first-seen time of new
/// entries unless the file says when it was saved.
pub fn read(source: &Source, loaded: &Loaded, now: DateTime<Utc>) -> Result<Read, RefreshError> {
    let decoded = charset::decode(&loaded.bytes, loaded.charset.as_deref());
    let format = source
        .format
        .unwrap_or_else(|| Format::guess(&decoded.text));
    let listing = extract::extract(&decoded.text, format, source.select.as_ref(), &source.rules)?;
    let seen_at: DateTime<FixedOffset> = loaded
        .modified
        .map(DateTime::<Utc>::from)
        .unwrap_or(now)
        .trunc_subsecs(0)
        .fixed_offset();
    let default_categories = vec![feed_title(source, listing.heading.as_deref())];
    let ctx = Context {
        source: &source.name,
        page_url: source.page_url.as_ref().or(loaded.url.as_ref()),
        rules: source.rules,
        categories: source.categories.as_deref().unwrap_or(&default_categories),
        now,
        seen_at,
    };
    let mut normalized = normalize::normalize(&listing, &ctx);
    if decoded.had_errors {
        normalized.warnings.push(Warning {
            origin: None,
            message: format!(
                "some bytes are not valid {}; they show as \u{fffd}. Is the page's charset declared?",
                decoded.encoding
            ),
        });
    }
    Ok(Read {
        format,
        encoding: decoded.encoding,
        listing,
        normalized,
    })
}

/// The feed title: configured, else the listing's heading, else the source name.
pub fn feed_title(source: &Source, heading: Option<&str>) -> String {
    source
        .title
        .clone()
        .or_else(|| heading.map(str::to_string))
        .unwrap_or_else(|| source.name.clone())
}

/// Builds a source's feed from its entries (pure): metadata from the config and the listing's
/// heading, entries filtered, newest first, cut to `max_items`.
pub fn feed(
    config: &Config,
    source: &Source,
    heading: Option<&str>,
    home_page: Option<Url>,
    entries: Vec<Entry>,
) -> Feed {
    let title = feed_title(source, heading);
    Feed {
        name: source.name.clone(),
        description: source
            .description
            .clone()
            .unwrap_or_else(|| match &home_page {
                Some(u) => format!("{title}: latest entries of {u}"),
                None => format!("{title}: latest entries"),
            }),
        author: source.author.clone().unwrap_or_else(|| {
            home_page
                .as_ref()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| title.clone())
        }),
        title,
        home_page,
        entries: normalize::newest_first(
            source.filter.apply(entries),
            source.max_items(&config.output),
        ),
    }
}

/// The feed's home page: the listing's own address.
fn home_page(source: &Source, listing: Option<&Listing>) -> Option<Url> {
    match listing {
        Some(l) => normalize::base_url(l, source.page_url()),
        None => source.page_url().cloned(),
    }
}

/// A feed built from one loaded page, with what reading it reported.
#[derive(Debug, Clone)]
pub struct Built {
    /// The feed, ready to render.
    pub feed: Feed,
    /// Entries on the page (before de-duplication and `max_items`).
    pub found: usize,
    /// How the page was read.
    pub read: Read,
}

/// Builds a source's feed from one loaded page, without the store (pure): what `check` shows.
/// Fails rather than return a feed with no entries.
pub fn build(
    config: &Config,
    source: &Source,
    loaded: &Loaded,
    now: DateTime<Utc>,
) -> Result<Built, RefreshError> {
    let read = read(source, loaded, now)?;
    if read.normalized.entries.is_empty() {
        return Err(RefreshError::Empty(empty_reason(source, &read)));
    }
    let feed = feed(
        config,
        source,
        read.listing.heading.as_deref(),
        home_page(source, Some(&read.listing)),
        read.normalized.entries.clone(),
    );
    Ok(Built {
        found: read.listing.entries.len(),
        feed,
        read,
    })
}

fn empty_reason(source: &Source, read: &Read) -> String {
    let found = read.listing.entries.len();
    match (read.format, found) {
        (Format::Html, 0) => format!(
            "no entries found: the item selector {:?} matched nothing; the page may have changed \
             (try `tagfeed preview` on it)",
            source.select.as_ref().map_or("", |s| s.item.as_str())
        ),
        (Format::Text, 0) => "no entries found: no line of the listing reads as a date".into(),
        (_, n) => format!("{n} entries found, but none usable (see the warnings above)"),
    }
}

/// What a refresh did with one source.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The source, feed or merge.
    pub name: String,
    /// The server answered 304: nothing was read.
    pub not_modified: bool,
    /// Pages read.
    pub pages: usize,
    /// Entries on the pages read.
    pub found: usize,
    /// What the store made of them.
    pub stored: MergeStats,
    /// Entries removed by retention.
    pub pruned: usize,
    /// Entries in the written feeds.
    pub entries: usize,
    /// Entries that appeared more than once and were folded.
    pub duplicates: usize,
    /// What was skipped or changed, and why.
    pub warnings: Vec<Warning>,
    /// The files written or left alone.
    pub files: Vec<FileReport>,
}

/// One written (or unchanged) feed file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The file's format.
    pub format: OutputFormat,
    /// Where it is on disk.
    pub path: std::path::PathBuf,
    /// Where it is published (under `base_url`).
    pub url: String,
    /// Whether it changed.
    pub outcome: WriteOutcome,
}
