//! One source's job, in the order it happens:
//!
//! 1. [`prepare`]: what the store knows (ids and titles, page 1's validators, whether the archive
//!    was back-filled);
//! 2. [`walk`]: read the saved file, or fetch page 1 and, when back-filling, the older pages after
//!    it, each page through [`pipeline::read_page`];
//! 3. [`apply`]: reconcile the entries with their stored copies and store them, prune, build the
//!    feed from the store, publish it, record the run.
//!
//! An ordinary run reads up to `max_pages` and stops early at a page with nothing new; a first run
//! and `--backfill` read up to `backfill_pages` whatever the pages hold. Every walk stops at a
//! page with no items, a page already seen (by URL or by content: the loop guard) and a page
//! without a next link.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use url::Url;

use super::next::next_page_url;
use super::{RefreshError, Report, load_limit};
use crate::config::Config;
use crate::detect::Detection;

use crate::fetch::{Fetcher, Page, Response, Validators};
use crate::model::Warning;
use crate::normalize::stored::{Changes, reconcile};
use crate::normalize::{Ids, id};
use crate::pipeline::{self, Meta, PageContext, Read};
use crate::publish::{Batch, FileReport, WriteOutcome};
use crate::source::{self, Input, Loaded, Source};
use crate::store::{ReadSummary, Store, StoreError};

/// What the walk needs from the store.
#[derive(Debug, Clone, Default)]
pub(super) struct Known {
    /// Stored ids and titles, for giving ids and for "nothing new on this page"; not loaded
    /// while page 1 may well be what was last published (the walk asks for them if not).
    pub ids: Option<Ids>,
    /// Page 1, already read by a walk that went back for the ids.
    pub first: Option<First>,
    /// Validators of page 1, for a conditional GET.
    pub validators: Validators,
    /// Walk up to `backfill_pages` (a first run, or `--backfill`).
    pub backfill: bool,
    /// How a source without selectors was read before.
    pub detected: Option<Detection>,
    /// The settings half of the fingerprint: what the feed depends on besides the page.
    pub settings: blake3::Hasher,
    /// The fingerprint of what was last published, while its files are all still there.
    pub published: Option<String>,
    /// Entries in the feed last published.
    pub entries: usize,
}

/// The pages read for one source.
#[derive(Debug, Clone, Default)]
pub(super) struct Walk {
    /// Page 1 answered 304: nothing changed, nothing was read.
    pub not_modified: bool,
    /// The pages read, newest first.
    pub pages: Vec<Read>,
    /// The URL and validators of page 1, to store once the source succeeded.
    pub validators: Option<(String, Validators)>,
    /// Whether the walk ended as planned (false when an older page failed, so that the next run
    /// back-fills again).
    pub backfilled: bool,
    /// Problems that ended the walk early without failing the source.
    pub warnings: Vec<Warning>,
    /// Page 1 and the settings are what was last published: nothing was parsed.
    pub unchanged: bool,
    /// The fingerprint of page 1 and the settings, to store once the source succeeded.
    pub fingerprint: Option<String>,
    /// Page 1 changed and the stored ids were not loaded: the walk goes on from here once they
    /// are.
    pub resume: Option<First>,
    /// For an unchanged walk: the entries of the feed as published.
    pub entries: usize,
}

/// Page 1 as a walk read it, handed back to go on with once the store's ids are loaded.
#[derive(Debug, Clone)]
pub(super) enum First {
    /// A saved file.
    File(Loaded),
    /// A fetched page, asked for at this URL.
    Fetched(Url, Page),
}

/// Step 1: what the store knows about `source`. `backfill` asks for a back-fill; a source never
/// back-filled gets one anyway. With `first` (page 1, read by a walk that went back for them)
/// the stored ids are loaded; else they are left for later while page 1 may be unchanged.
pub(super) fn prepare(
    store: &Store,
    config: &Config,
    source: &Source,
    backfill: bool,
    first: Option<First>,
) -> Result<Known, StoreError> {
    let state = store.run_state(&source.name)?;
    let files_there = config.output.files(&source.name).all(|f| f.path.is_file());
    let validators = match &source.input {
        Input::Url(u) => store.validators(u.as_str())?,
        Input::Path(_) => Validators::default(),
    };
    let backfill = backfill || !state.backfilled;
    let published = state.fingerprint.filter(|_| files_there);
    // A walk may skip page 1 only as a file or when not back-filling.
    let may_skip = published.is_some() && (!backfill || matches!(source.input, Input::Path(_)));
    let ids = if may_skip && first.is_none() {
        None
    } else {
        Some(Ids::new(store.known(&source.name)?))
    };
    Ok(Known {
        ids,
        first,
        validators,
        backfill,
        detected: state.detected.as_deref().and_then(Detection::from_json),
        settings: settings(config, source),
        published,
        entries: state.feed_entries.unwrap_or(0),
    })
}

/// What a source's feed depends on besides its page: this build, the source's settings and the
/// output's. Their debug forms list every field, so any change to them reads the page again.
fn settings(config: &Config, source: &Source) -> blake3::Hasher {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(format!("{source:?}\n{:?}", config.output).as_bytes());
    h
}

/// The fingerprint of reading a page with `settings`: its bytes as sent, the charset the
/// transport declared, when a saved file was last modified (its undated entries' date), where a
/// fetched page was found. Equal fingerprints make equal feeds.
fn fingerprint(
    settings: &blake3::Hasher,
    bytes: &[u8],
    charset: Option<&str>,
    modified: Option<std::time::SystemTime>,
    url: Option<&Url>,
) -> String {
    let mut h = settings.clone();
    h.update(format!("\n{charset:?} {modified:?} {url:?}\n").as_bytes());
    h.update(bytes);
    h.finalize().to_hex().to_string()
}

/// Where a web walk stops at page 1 instead of reading it.
enum Stop {
    /// The page is what was last published.
    Unchanged(String),
    /// The page changed and the stored ids are not loaded yet.
    NeedIds,
}

impl Stop {
    /// The walk that stops here, at `url`, having fetched `page`.
    fn finish(self, known: &Known, url: Url, page: Page) -> Walk {
        match self {
            Stop::Unchanged(fingerprint) => Walk {
                validators: Some((url.to_string(), page.validators)),
                ..Walk::unchanged(fingerprint, known)
            },
            Stop::NeedIds => Walk {
                resume: Some(First::Fetched(url, page)),
                ..Walk::default()
            },
        }
    }
}

/// Page 1 of a web walk: its fingerprint when the walk reads it, else why it stops.
fn page_one(known: &Known, page: &Page, ids_loaded: bool) -> Result<String, Stop> {
    let charset = page.charset.as_deref();
    let fingerprint = fingerprint(&known.settings, &page.bytes, charset, None, Some(&page.url));
    if !known.backfill && known.published.as_ref() == Some(&fingerprint) {
        return Err(Stop::Unchanged(fingerprint));
    }
    if !ids_loaded {
        return Err(Stop::NeedIds);
    }
    Ok(fingerprint)
}

/// The walk's loop guard: pages already seen, by URL or by content, and entries already counted.
#[derive(Default)]
struct Seen {
    urls: HashSet<String>,
    bodies: HashSet<blake3::Hash>,
    ids: HashSet<String>,
}

impl Seen {
    fn new_url(&mut self, url: &Url) -> bool {
        self.urls.insert(id::canonical(url).to_string())
    }

    fn new_body(&mut self, bytes: &[u8]) -> bool {
        self.bodies.insert(blake3::hash(bytes))
    }

    /// How many entries of `read` are neither stored nor on an earlier page.
    fn fresh(&mut self, read: &Read, ids: &Ids) -> usize {
        read.normalized
            .entries
            .iter()
            .filter(|e| !ids.is_stored(&e.id) && self.ids.insert(e.id.clone()))
            .count()
    }
}

/// Step 2 for a saved file: read it, unless it is what was last published.
fn walk_file(
    source: &Source,
    path: &std::path::Path,
    max_body: u64,
    mut known: Known,
    now: DateTime<Utc>,
) -> Result<Walk, RefreshError> {
    let loaded = match known.first.take() {
        Some(First::File(loaded)) => loaded,
        _ => source::read_file(path, max_body)?,
    };
    let fingerprint = fingerprint(
        &known.settings,
        &loaded.bytes,
        loaded.charset.as_deref(),
        loaded.modified,
        loaded.url.as_ref(),
    );
    if known.published.as_ref() == Some(&fingerprint) {
        tracing::info!(source = %source.name, path = %path.display(), "file unchanged since the last run; not parsed");
        return Ok(Walk::unchanged(fingerprint, &known));
    }
    let Some(ids) = known.ids.as_mut() else {
        return Ok(Walk {
            resume: Some(First::File(loaded)),
            ..Walk::default()
        });
    };
    let at = PageContext {
        detected: known.detected.as_ref(),
        ..PageContext::at(now)
    };
    let mut read = pipeline::read_page(source, &loaded, ids, at)?;
    tracing::info!(source = %source.name, path = %path.display(), bytes = loaded.bytes.len(),
        entries = read.listing.entries.len(), "file read");
    if let Some(why) = source.pagination_ignored() {
        read.normalized.warnings.push(Warning::page(why));
    }
    Ok(Walk {
        pages: vec![read],
        fingerprint: Some(fingerprint),
        ..Walk::default()
    })
}

/// Step 2: reads a source's pages. A back-fill walks up to `backfill_pages` and skips the
/// conditional GET so the walk really happens; an ordinary run walks up to `max_pages`.
pub(super) async fn walk(
    fetcher: Arc<Fetcher>,
    source: &Source,
    mut known: Known,
    now: DateTime<Utc>,
) -> Result<Walk, RefreshError> {
    let mut url = match &source.input {
        Input::Path(p) => {
            return walk_file(source, p, fetcher.settings().max_body, known, now);
        }
        Input::Url(u) => u.clone(),
    };
    let backfill = known.backfill;
    let pagination = &source.pagination;
    let limit = if backfill {
        pagination.backfill_pages
    } else {
        pagination.max_pages
    };
    let mut out = Walk {
        backfilled: true,
        ..Walk::default()
    };
    let mut seen = Seen::default();
    let mut offset = 0;
    // The next page fetched early for a first detection, kept for the walk; or page 1, read
    // before the walk went back for the ids.
    let mut prefetched: Option<(Url, Page)> = match known.first.take() {
        Some(First::Fetched(at, page)) => Some((at, page)),
        _ => None,
    };
    let mut ids = known.ids.take();
    for n in 1..=limit {
        if !seen.new_url(&url) {
            break;
        }
        let validators = (n == 1 && !backfill).then_some(&known.validators);
        let response = match prefetched.take() {
            Some((at, page)) if at == url => Ok(Response::Page(page)),
            _ => fetcher.get(&url, &source.fetch, validators).await,
        };
        let Some(page) = answered(n, response, &mut out)? else {
            break;
        };
        if !seen.new_body(&page.bytes) {
            break;
        }
        if n == 1 {
            let fingerprint = match page_one(&known, &page, ids.is_some()) {
                Ok(fingerprint) => fingerprint,
                Err(stop) => return Ok(stop.finish(&known, url, page)),
            };
            out.validators = Some((url.to_string(), page.validators.clone()));
            out.fingerprint = Some(fingerprint);
        }
        let found_at = page.url.clone();
        let detected = out.pages.first().and_then(|p| p.detection.as_ref());
        let detected = detected.or(known.detected.as_ref());
        let loaded: Loaded = page.into();
        if n == 1 {
            prefetched = second_page(&fetcher, source, &loaded, detected).await;
        }
        let next_loaded = prefetched.as_ref().map(|(_, p)| Loaded::from(p.clone()));
        let at = PageContext {
            now,
            offset,
            detected,
            next: next_loaded.as_ref(),
            later: n > 1,
        };
        let ids = ids.get_or_insert_with(Ids::default);
        let read = pipeline::read_page(source, &loaded, ids, at)?;
        tracing::info!(source = %source.name, page = n, url = %found_at, bytes = loaded.bytes.len(),
            entries = read.listing.entries.len(), "page read");
        offset += read.listing.entries.len();
        let next = next_page_url(source, &read.listing, &found_at, n + 1);
        let done = read.listing.entries.is_empty() || (!backfill && seen.fresh(&read, ids) == 0);
        out.pages.push(read);
        match next {
            Some(u) if !done => url = u,
            _ => break,
        }
    }
    Ok(out)
}

impl Walk {
    /// A walk that found page 1 as it was last published.
    fn unchanged(fingerprint: String, known: &Known) -> Walk {
        Walk {
            unchanged: true,
            fingerprint: Some(fingerprint),
            entries: known.entries,
            ..Walk::default()
        }
    }
}

/// The page a walk goes on with, `None` where it stops: at a 304 on page 1, or at a later page
/// that failed (what was read is kept, a warning says why, and the next run back-fills again).
/// A failing first page fails the source.
fn answered(
    n: usize,
    response: Result<Response, crate::fetch::FetchError>,
    out: &mut Walk,
) -> Result<Option<Page>, RefreshError> {
    match response {
        Ok(Response::Page(p)) => Ok(Some(p)),
        Ok(Response::NotModified) => {
            out.not_modified = n == 1;
            Ok(None)
        }
        Err(e) if n == 1 => Err(e.into()),
        Err(e) => {
            out.backfilled = false;
            out.warnings.push(Warning::page(format!(
                "page {n} failed, the walk stops there: {e}"
            )));
            Ok(None)
        }
    }
}

/// The listing's next page, fetched for a source's first detection (one request, once): lists
/// that repeat there with new links are the listing, those with the same links navigation. A
/// failure only means detecting from one page.
async fn second_page(
    fetcher: &Fetcher,
    source: &Source,
    first: &Loaded,
    detected: Option<&Detection>,
) -> Option<(Url, Page)> {
    let url = pipeline::next_for_detection(source, first, detected)?;
    match fetcher.get(&url, &source.fetch, None).await {
        Ok(Response::Page(page)) => Some((url, page)),
        _ => None,
    }
}

/// Step 3: the walk into the store, the feed out of it into the run's batch (which publishes it;
/// returned: the feed's place in the batch), and the run recorded.
pub(super) fn apply(
    config: &Config,
    store: &mut Store,
    batch: &mut Batch,
    source: &Source,
    walk: Walk,
    forced: bool,
    now: DateTime<Utc>,
) -> Result<(Report, Option<usize>), RefreshError> {
    let name = &source.name;
    if walk.unchanged {
        return Ok((unchanged(config, store, name, walk, now)?, None));
    }
    let mut report = Report::new(name);
    report.not_modified = walk.not_modified;
    report.pages = walk.pages.len();
    report.found = walk.pages.iter().map(|p| p.listing.entries.len()).sum();
    report.warnings = walk.warnings.clone();
    let meta = match walk.pages.first() {
        None if walk.not_modified => {
            let state = store.run_state(name)?;
            Meta {
                title: state.heading,
                home: state.home.and_then(|h| Url::parse(&h).ok()),
            }
        }
        None => return Err(RefreshError::empty("no page could be read")),
        Some(first) => {
            for p in &walk.pages {
                report
                    .warnings
                    .extend(p.normalized.warnings.iter().cloned());
            }
            let last = store.run_state(name)?.last_item_count;
            super::guard::check(source, first, last, forced)?;
            let (entries, duplicates) = pipeline::collect(&walk.pages);
            report.duplicates = duplicates;
            if entries.is_empty() {
                return Err(RefreshError::empty(pipeline::empty_reason(source, first)));
            }
            report.stored = store_entries(store, name, entries, now)?;
            report.pruned = store.prune(name, source.retention, now, now)?;
            if let Some(d) = &first.detection {
                let json = d.to_json();
                if store.run_state(name)?.detected.as_deref() != Some(json.as_str()) {
                    store.set_detected(name, &json)?;
                }
            }
            Meta::of(source, &first.listing)
        }
    };
    let stored = store.entries(
        name,
        load_limit(config.max_items(source), !source.filter.is_empty()),
    )?;
    let feed = pipeline::source_feed(config, source, &meta, stored);
    report.entries = feed.entries.len();
    let mut queued = None;
    if let Some(updated) = feed.updated() {
        store.record_published(name, feed.entries.len(), updated.to_utc())?;
        queued = Some(batch.add(&config.output, feed));
    }
    if let Some((url, v)) = &walk.validators {
        store.set_validators(url, v)?;
    }
    let home = meta.home.as_ref().map(Url::to_string);
    let read = (!walk.not_modified).then_some(ReadSummary {
        // Page 1 alone, as the guard compares it (a back-fill reads many pages).
        items: walk.pages.first().map_or(0, |p| p.listing.entries.len()),
        backfilled: walk.backfilled,
        heading: meta.title.as_deref(),
        home: home.as_deref(),
        // Only a read that published its feed may be skipped next time.
        fingerprint: walk.fingerprint.as_deref().filter(|_| queued.is_some()),
    });
    store.record_success(name, read, now)?;
    Ok((report, queued))
}

/// Step 3 for a page found as it was last published: its feed files stay as they are, and only
/// the run is recorded.
fn unchanged(
    config: &Config,
    store: &mut Store,
    name: &str,
    walk: Walk,
    now: DateTime<Utc>,
) -> Result<Report, RefreshError> {
    let mut report = Report::new(name);
    report.unchanged = true;
    report.entries = walk.entries;
    report.files = config
        .output
        .files(name)
        .filter_map(|f| {
            Some(FileReport {
                format: f.format?,
                url: f.url.to_string(),
                path: f.path,
                outcome: WriteOutcome::Unchanged,
            })
        })
        .collect();
    if let Some((url, v)) = &walk.validators {
        store.set_validators(url, v)?;
    }
    store.record_check(name, now)?;
    Ok(report)
}

/// Reconciles a read's entries with their stored copies and stores the result.
pub(super) fn store_entries(
    store: &mut Store,
    name: &str,
    entries: Vec<crate::model::Entry>,
    now: DateTime<Utc>,
) -> Result<Changes, StoreError> {
    let mut stored = store.get(name, entries.iter().map(|e| e.id.as_str()))?;
    let mut changes = Changes::default();
    let entries: Vec<_> = entries
        .into_iter()
        .map(|fresh| {
            let (entry, change) = reconcile(stored.remove(&fresh.id), fresh, now);
            changes.add(change);
            entry
        })
        .collect();
    store.upsert(name, &entries, now)?;
    Ok(changes)
}
