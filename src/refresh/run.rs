//! A whole run: walk every selected source (concurrently, politely), then merge each into the
//! store and write its feeds as its pages arrive. A failing source is recorded and reported; the
//! others go on.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use tokio::task::JoinSet;

use super::walk::Known;
use super::{FileReport, RefreshError, Report, Walk, empty_reason, feed, home_page, walk};
use crate::config::{Config, Input, Source};
use crate::fetch::Fetcher;
use crate::model::Feed;
use crate::normalize;
use crate::publish;
use crate::render::{self, OutputFormat};
use crate::store::{ReadSummary, Store, StoreError};

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only these sources (all when empty).
    pub only: Vec<String>,
    /// Walk older pages even for sources back-filled before.
    pub backfill: bool,
}

/// How one source fared.
#[derive(Debug)]
pub struct Outcome {
    pub name: String,
    pub result: Result<Report, RefreshError>,
}

/// Refreshes the selected sources. `on_outcome` hears about each source as it finishes (for
/// progress output); the outcomes are returned in config order.
pub async fn run(
    config: &Config,
    store: &mut Store,
    fetcher: Arc<Fetcher>,
    opts: &RunOptions,
    mut on_outcome: impl FnMut(&Outcome),
) -> Vec<Outcome> {
    let now = Utc::now().trunc_subsecs(0);
    let mut outcomes = Vec::new();
    let mut tasks = JoinSet::new();
    let mut by_task = HashMap::new();
    for (i, source) in config.sources.iter().enumerate() {
        if !opts.only.is_empty() && !opts.only.contains(&source.name) {
            continue;
        }
        match prepare(store, source, opts.backfill) {
            Ok((known, backfill)) => {
                let (fetcher, source) = (fetcher.clone(), source.clone());
                let handle =
                    tasks.spawn(async move { walk(fetcher, &source, known, backfill, now).await });
                by_task.insert(handle.id(), i);
            }
            Err(e) => outcomes.push(finish(store, source, Err(e.into()), now, &mut on_outcome)),
        }
    }
    while let Some(joined) = tasks.join_next_with_id().await {
        let (id, walked) = match joined {
            Ok((id, w)) => (id, w),
            Err(e) => (e.id(), Err(RefreshError::Internal(e.to_string()))),
        };
        let Some(source) = by_task.get(&id).map(|&i| &config.sources[i]) else {
            continue;
        };
        let result = walked.and_then(|w| apply(config, store, source, w, now));
        outcomes.push(finish(store, source, result, now, &mut on_outcome));
    }
    let order: HashMap<&str, usize> = config
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    outcomes.sort_by_key(|o| order.get(o.name.as_str()).copied());
    outcomes
}

/// What the walk needs from the store, and whether this run back-fills the source.
fn prepare(store: &Store, source: &Source, backfill: bool) -> Result<(Known, bool), StoreError> {
    let state = store.state(&source.name)?;
    let validators = match &source.input {
        Input::Url(u) => store.validators(u.as_str())?,
        Input::Path(_) => Default::default(),
    };
    let known = Known {
        ids: store.known_ids(&source.name)?,
        validators,
    };
    Ok((known, backfill || !state.backfilled))
}

fn finish(
    store: &mut Store,
    source: &Source,
    result: Result<Report, RefreshError>,
    now: DateTime<Utc>,
    on_outcome: &mut impl FnMut(&Outcome),
) -> Outcome {
    if let Err(e) = &result
        && let Err(store_err) = store.record_failure(&source.name, &e.to_string(), now)
    {
        tracing::error!(source = %source.name, error = %store_err, "cannot record the failure");
    }
    let outcome = Outcome {
        name: source.name.clone(),
        result,
    };
    on_outcome(&outcome);
    outcome
}

/// Merges a walk into the store and writes the source's feeds from the store.
fn apply(
    config: &Config,
    store: &mut Store,
    source: &Source,
    walk: Walk,
    now: DateTime<Utc>,
) -> Result<Report, RefreshError> {
    let name = &source.name;
    let mut report = Report {
        name: name.clone(),
        not_modified: walk.not_modified,
        pages: walk.pages.len(),
        found: walk.pages.iter().map(|p| p.listing.entries.len()).sum(),
        stored: Default::default(),
        pruned: 0,
        entries: 0,
        duplicates: 0,
        warnings: walk.warnings.clone(),
        files: Vec::new(),
    };
    let (heading, home) = match walk.pages.first() {
        None if walk.not_modified => (store.state(name)?.heading, home_page(source, None)),
        None => return Err(RefreshError::Empty("no page could be read".into())),
        Some(first) => {
            let mut pages_dupes = 0;
            let (entries, folded) = normalize::dedupe(walk.pages.iter().flat_map(|p| {
                pages_dupes += p.normalized.duplicates;
                p.normalized.entries.iter().cloned()
            }));
            report.duplicates = pages_dupes + folded;
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
    let entries = store.entries(name, source.max_items(&config.output))?;
    report.entries = entries.len();
    if !entries.is_empty() {
        let feed = feed(config, source, heading.as_deref(), home, entries);
        report.files = publish_feed(config, &feed)?;
    }
    if let Some((url, v)) = &walk.validators {
        store.set_validators(url, v)?;
    }
    let read = (!walk.not_modified).then_some(ReadSummary {
        items: report.found,
        backfilled: walk.backfilled,
        heading: heading.as_deref(),
    });
    store.record_success(name, read, now)?;
    Ok(report)
}

/// Renders every format, then writes each file that changed.
pub fn publish_feed(
    config: &Config,
    feed: &Feed,
) -> Result<Vec<FileReport>, publish::PublishError> {
    // Render everything before writing anything, so a source never ends up half-written.
    let rendered: Vec<(OutputFormat, url::Url, String)> = OutputFormat::ALL
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
