//! One source, end to end: read → decode → extract → normalize → feed → render → write.
//!
//! This is the only module where I/O (reading listings, writing files) meets the pure core;
//! [`build`] is the pure middle, shared with `tagfeed check` and `tagfeed preview`.

use std::path::PathBuf;
use std::time::SystemTime;

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use serde::Serialize;

use crate::config::{Config, Source};
use crate::extract::{self, ExtractError, Format, Listing};
use crate::model::{Feed, Warning};
use crate::normalize::{self, Context, Normalized};
use crate::publish::{self, PublishError, WriteOutcome};
use crate::render::{self, OutputFormat};
use crate::source::{self, Loaded, SourceError, charset};

/// Why a source produced no feed. Its previously published files are left untouched.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// Nothing usable on the page: publishing would wipe the feed, so the run fails instead.
    #[error("{0}; the published feed is kept as it was")]
    Empty(String),
    #[error(transparent)]
    Publish(#[from] PublishError),
}

/// The listing read and normalized, with how it was read.
#[derive(Debug, Clone)]
pub struct Read {
    pub format: Format,
    pub encoding: &'static str,
    pub listing: Listing,
    pub normalized: Normalized,
}

/// Decodes, extracts and normalizes a loaded listing (pure).
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
    let default_categories = vec![feed_title(source, &listing)];
    let ctx = Context {
        source: &source.name,
        page_url: source.page_url.as_ref(),
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

fn feed_title(source: &Source, listing: &Listing) -> String {
    source
        .title
        .clone()
        .or_else(|| listing.heading.clone())
        .unwrap_or_else(|| source.name.clone())
}

/// A feed built from a source, with what reading it reported.
#[derive(Debug, Clone)]
pub struct Built {
    pub feed: Feed,
    /// Entries on the page (before de-duplication and `max_items`).
    pub found: usize,
    pub read: Read,
}

/// Builds the feed of one source from its loaded listing (pure). Fails rather than return a feed
/// with no entries, so a redesigned or broken page never wipes a published feed.
pub fn build(
    config: &Config,
    source: &Source,
    loaded: &Loaded,
    now: DateTime<Utc>,
) -> Result<Built, RefreshError> {
    let read = read(source, loaded, now)?;
    let found = read.listing.entries.len();
    if read.normalized.entries.is_empty() {
        return Err(RefreshError::Empty(empty_reason(source, &read)));
    }
    let title = feed_title(source, &read.listing);
    let home_page = normalize::base_url(&read.listing, source.page_url.as_ref());
    let feed = Feed {
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
            read.normalized.entries.clone(),
            source.max_items(&config.output),
        ),
    };
    Ok(Built { feed, found, read })
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
    pub name: String,
    pub found: usize,
    /// Entries in the written feeds.
    pub entries: usize,
    pub duplicates: usize,
    pub warnings: Vec<Warning>,
    pub files: Vec<FileReport>,
}

/// One written (or unchanged) feed file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub format: OutputFormat,
    pub path: PathBuf,
    pub url: String,
    pub outcome: WriteOutcome,
}

/// Refreshes one source: reads its listing, builds its feed and writes every format.
pub fn refresh_source(
    config: &Config,
    source: &Source,
    now: SystemTime,
) -> Result<Report, RefreshError> {
    let loaded = source::read_file(&source.path)?;
    let built = build(config, source, &loaded, now.into())?;
    // Render everything before writing anything, so a source never ends up half-written.
    let rendered: Vec<(OutputFormat, url::Url, String)> = OutputFormat::ALL
        .iter()
        .map(|&f| {
            let url = f.self_url(&config.output.base_url, &source.name);
            let body = render::render(&built.feed, f, &url);
            (f, url, body)
        })
        .collect();
    let mut files = Vec::new();
    for (format, url, body) in rendered {
        let path = config.output.dir.join(format.file_name(&source.name));
        let outcome = publish::write_if_changed(&path, body.as_bytes())?;
        files.push(FileReport {
            format,
            path,
            url: url.to_string(),
            outcome,
        });
    }
    Ok(Report {
        name: source.name.clone(),
        found: built.found,
        entries: built.feed.entries.len(),
        duplicates: built.read.normalized.duplicates,
        warnings: built.read.normalized.warnings,
        files,
    })
}
