//! Walks and feed reads into the store, and feeds out of it onto disk.

use chrono::{DateTime, Utc};

use super::walk::FeedRead;
use super::{FileReport, RefreshError, Report, Walk, empty_reason, feed, home_page};
use crate::config::{Config, Input};
use crate::model::Feed;
use crate::normalize;
use crate::publish;
use crate::render;
use crate::store::{ReadSummary, Store};

impl Report {
    /// An empty report for `name`, filled in as the work goes.
    pub(super) fn new(name: &str) -> Report {
        Report {
            name: name.to_string(),
            not_modified: false,
            pages: 0,
            found: 0,
            stored: Default::default(),
            pruned: 0,
            entries: 0,
            duplicates: 0,
            warnings: Vec::new(),
            files: Vec::new(),
        }
    }
}

/// How many stored entries to load for a feed of `max` entries: all of them when a filter may
/// drop some.
pub(super) fn load_limit(max: usize, filtered: bool) -> usize {
    if filtered { usize::MAX >> 1 } else { max }
}

/// Merges a source's walk into the store and writes its feeds from the store.
pub(super) fn source(
    config: &Config,
    store: &mut Store,
    index: usize,
    walk: Walk,
    now: DateTime<Utc>,
) -> Result<Report, RefreshError> {
    let source = &config.sources[index];
    let name = &source.name;
    let mut report = Report::new(name);
    report.not_modified = walk.not_modified;
    report.pages = walk.pages.len();
    report.found = walk.pages.iter().map(|p| p.listing.entries.len()).sum();
    report.warnings = walk.warnings.clone();
    let (heading, home) = match walk.pages.first() {
        None if walk.not_modified => (store.state(name)?.heading, home_page(source, None)),
        None => return Err(RefreshError::Empty("no page could be read".into())),
        Some(first) => {
            let (entries, folded) = normalize::dedupe(
                walk.pages
                    .iter()
                    .flat_map(|p| p.normalized.entries.iter().cloned()),
            );
            report.duplicates = folded
                + walk
                    .pages
                    .iter()
                    .map(|p| p.normalized.duplicates)
                    .sum::<usize>();
            for p in &walk.pages {
                report
                    .warnings
                    .extend(p.normalized.warnings.iter().cloned());
            }
            if entries.is_empty() {
                return Err(RefreshError::Empty(empty_reason(source, first)));
            }
            report.stored = store.merge(name, &entries, now)?;
            report.pruned = store.prune(name, source.retention, now, now)?;
            (
                first.listing.heading.clone(),
                home_page(source, Some(&first.listing)),
            )
        }
    };
    let max = source.max_items(&config.output);
    let entries = store.entries(name, load_limit(max, !source.filter.is_empty()))?;
    let feed = feed(config, source, heading.as_deref(), home.clone(), entries);
    report.entries = feed.entries.len();
    if !feed.entries.is_empty() {
        report.files = publish_feed(config, &feed)?;
        store.record_published(name, feed.entries.len(), feed.updated().to_utc())?;
    }
    if let Some((url, v)) = &walk.validators {
        store.set_validators(url, v)?;
    }
    let home = home.map(|h| h.to_string());
    let read = (!walk.not_modified).then_some(ReadSummary {
        items: report.found,
        backfilled: walk.backfilled,
        heading: heading.as_deref(),
        home: home.as_deref(),
    });
    store.record_success(name, read, now)?;
    Ok(report)
}

/// Stores the entries of an external feed (merges read them from the store).
pub(super) fn external(
    store: &mut Store,
    input: &Input,
    read: FeedRead,
    now: DateTime<Utc>,
) -> Result<Report, RefreshError> {
    let key = crate::config::feed_key(input);
    let mut report = Report::new(&input.to_string());
    report.not_modified = read.parsed.is_none();
    if let Some(parsed) = &read.parsed {
        report.pages = 1;
        report.found = parsed.entries.len();
        report.warnings = parsed.warnings.clone();
        report.stored = store.merge(&key, &parsed.entries, now)?;
        report.entries = parsed.entries.len();
    }
    if let Some((url, v)) = &read.validators {
        store.set_validators(url, v)?;
    }
    let title = read.parsed.as_ref().and_then(|p| p.title.clone());
    let home = read
        .parsed
        .as_ref()
        .and_then(|p| p.home.as_ref().map(url::Url::to_string));
    let summary = read.parsed.as_ref().map(|p| ReadSummary {
        items: p.entries.len(),
        backfilled: true,
        heading: title.as_deref(),
        home: home.as_deref(),
    });
    store.record_success(&key, summary, now)?;
    Ok(report)
}

/// Renders every configured format, then writes each file that changed.
pub fn publish_feed(
    config: &Config,
    feed: &Feed,
) -> Result<Vec<FileReport>, publish::PublishError> {
    // Render everything before writing anything, so a feed never ends up half-written.
    let rendered: Vec<_> = config
        .output
        .formats
        .iter()
        .map(|&f| {
            let url = f.self_url(&config.output.base_url, &feed.name);
            let body = render::render(feed, f, &url);
            (f, url, body)
        })
        .collect();
    rendered
        .into_iter()
        .map(|(format, url, body)| {
            let path = config.output.dir.join(format.file_name(&feed.name));
            let outcome = publish::write_if_changed(&path, body.as_bytes())?;
            Ok(FileReport {
                format,
                path,
                url: url.to_string(),
                outcome,
            })
        })
        .collect()
}
