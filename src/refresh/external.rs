//! One external feed's job: fetch it (politely, conditionally) or read its file → pipeline →
//! store. Merges build from what is stored, so a feed that fails this run still counts with what
//! it gave before.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use url::Url;

use super::source::store_entries;
use super::{RefreshError, Report, feed_key};
use crate::fetch::{Fetcher, Overrides, Response, Validators};
use crate::normalize::Ids;
use crate::pipeline::{self, FeedRead};
use crate::source::{self, Input};
use crate::store::{ReadSummary, Store, StoreError};

/// What reading a feed needs from the store.
#[derive(Debug, Clone, Default)]
pub(super) struct Known {
    /// Stored ids and titles.
    pub ids: Ids,
    /// The feed URL's validators.
    pub validators: Validators,
}

/// An external feed, read.
#[derive(Debug, Clone, Default)]
pub(super) struct Fetched {
    /// `None` when the server answered 304.
    pub read: Option<FeedRead>,
    /// The feed URL's validators, to store once it was read.
    pub validators: Option<(String, Validators)>,
}

/// Step 1: what the store knows about the feed.
pub(super) fn prepare(store: &Store, input: &Input) -> Result<Known, StoreError> {
    Ok(Known {
        ids: Ids::new(store.known(&feed_key(input))?),
        validators: match input {
            Input::Url(u) => store.validators(u.as_str())?,
            Input::Path(_) => Validators::default(),
        },
    })
}

/// Step 2: reads the feed from its URL or file, through the pipeline.
pub(super) async fn fetch(
    fetcher: Arc<Fetcher>,
    input: &Input,
    mut known: Known,
    now: DateTime<Utc>,
) -> Result<Fetched, RefreshError> {
    let (bytes, url, validators): (Vec<u8>, Option<Url>, _) = match input {
        Input::Path(p) => (
            source::read_file(p, fetcher.settings().max_body)?.bytes,
            None,
            None,
        ),
        Input::Url(url) => {
            let how = Overrides::for_url(url);
            match fetcher.get(url, &how, Some(&known.validators)).await? {
                Response::NotModified => return Ok(Fetched::default()),
                Response::Page(p) => (p.bytes, Some(p.url), Some((url.to_string(), p.validators))),
            }
        }
    };
    let key = input.to_string();
    let read = pipeline::read_feed(&bytes, &key, url.as_ref(), &mut known.ids, now)?;
    Ok(Fetched {
        read: Some(read),
        validators,
    })
}

/// Step 3: stores the feed's entries and records the run.
pub(super) fn apply(
    store: &mut Store,
    input: &Input,
    fetched: Fetched,
    now: DateTime<Utc>,
) -> Result<Report, RefreshError> {
    let key = feed_key(input);
    let mut report = Report::new(&input.to_string());
    report.not_modified = fetched.read.is_none();
    if let Some(read) = &fetched.read {
        report.pages = 1;
        report.found = read.listing.entries.len();
        report.warnings = read.normalized.warnings.clone();
        report.duplicates = read.normalized.duplicates;
        report.entries = read.normalized.entries.len();
        report.stored = store_entries(store, &key, read.normalized.entries.clone(), now)?;
    }
    if let Some((url, v)) = &fetched.validators {
        store.set_validators(url, v)?;
    }
    let home = fetched
        .read
        .as_ref()
        .and_then(FeedRead::home)
        .map(|h| h.to_string());
    let summary = fetched.read.as_ref().map(|r| ReadSummary {
        items: r.normalized.entries.len(),
        backfilled: true,
        heading: r.listing.heading.as_deref(),
        home: home.as_deref(),
        fingerprint: None,
    });
    store.record_success(&key, summary, now)?;
    Ok(report)
}
