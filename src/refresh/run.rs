//! A whole run: walk every selected source and read every external feed (concurrently,
//! politely), merge each into the store and write its feeds as it arrives, then build the merged
//! feeds and the OPML list. A failing input is recorded and reported; the rest go on.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use tokio::task::JoinSet;

use super::walk::{FeedRead, Known, fetch_feed};
use super::{RefreshError, Report, Walk, apply, merges, walk};
use crate::config::{Config, Input, Source, feed_key};
use crate::fetch::Fetcher;
use crate::publish::WriteOutcome;
use crate::store::{Store, StoreError};

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only these sources or merges (all when empty). A merge brings its inputs along.
    pub only: Vec<String>,
    /// Walk older pages even for sources back-filled before.
    pub backfill: bool,
    /// A selected merge refreshes only its external feeds, not its sources (the daemon runs
    /// those on their own schedules).
    pub skip_merge_sources: bool,
}

/// What an outcome is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A `[[source]]`.
    Source,
    /// An external feed read for a merge.
    Feed,
    /// A `[[merge]]`.
    Merge,
}

/// How one source, feed or merge fared.
#[derive(Debug)]
pub struct Outcome {
    /// The source or merge name, or the external feed's URL or path.
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// What happened.
    pub result: Result<Report, RefreshError>,
}

/// Everything a run did.
#[derive(Debug)]
pub struct RunReport {
    /// Sources, then external feeds, then merges, each in config order.
    pub outcomes: Vec<Outcome>,
    /// The OPML list and whether it was written.
    pub opml: Result<(PathBuf, WriteOutcome), RefreshError>,
}

impl RunReport {
    /// Whether anything failed.
    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.is_err()).count() + usize::from(self.opml.is_err())
    }
}

enum Job {
    Source(usize, Result<Walk, RefreshError>),
    Feed(usize, Result<FeedRead, RefreshError>),
}

/// Refreshes what `opts` selects. `on_outcome` hears about each source, feed and merge as it
/// finishes (for progress output).
pub async fn run(
    config: &Config,
    store: &mut Store,
    fetcher: Arc<Fetcher>,
    opts: &RunOptions,
    mut on_outcome: impl FnMut(&Outcome),
) -> RunReport {
    let now = Utc::now().trunc_subsecs(0);
    let chosen = |name: &str| opts.only.is_empty() || opts.only.iter().any(|o| o == name);
    let merges: Vec<usize> = (0..config.merges.len())
        .filter(|&i| {
            let m = &config.merges[i];
            chosen(&m.name) || m.sources.iter().any(|s| chosen(s))
        })
        .collect();
    let wanted_by_merge = |name: &str| {
        merges.iter().any(|&i| {
            chosen(&config.merges[i].name) && config.merges[i].sources.iter().any(|s| s == name)
        })
    };
    let feeds: Vec<&Input> = config
        .external_feeds()
        .into_iter()
        .filter(|f| {
            merges
                .iter()
                .any(|&i| chosen(&config.merges[i].name) && config.merges[i].feeds.contains(f))
        })
        .collect();

    let mut outcomes = Vec::new();
    let mut tasks = JoinSet::new();
    for (i, source) in config.sources.iter().enumerate() {
        if !chosen(&source.name) && !wanted_by_merge(&source.name) {
            continue;
        }
        match prepare(store, source, opts.backfill) {
            Ok((known, backfill)) => {
                let (fetcher, source) = (fetcher.clone(), source.clone());
                tasks.spawn(async move {
                    Job::Source(i, walk(fetcher, &source, known, backfill, now).await)
                });
            }
            Err(e) => {
                let o = finish(store, &source.name, Kind::Source, Err(e.into()), now);
                on_outcome(&o);
                outcomes.push(o);
            }
        }
    }
    for (i, input) in feeds.iter().enumerate() {
        let validators = match input {
            Input::Url(u) => store.validators(u.as_str()).unwrap_or_default(),
            Input::Path(_) => Default::default(),
        };
        let (fetcher, input) = (fetcher.clone(), (*input).clone());
        tasks
            .spawn(async move { Job::Feed(i, fetch_feed(fetcher, &input, validators, now).await) });
    }
    while let Some(joined) = tasks.join_next().await {
        let o = match joined {
            Ok(Job::Source(i, walked)) => {
                let name = &config.sources[i].name;
                let result = walked.and_then(|w| apply::source(config, store, i, w, now));
                finish(store, name, Kind::Source, result, now)
            }
            Ok(Job::Feed(i, read)) => {
                let input = feeds[i];
                let result = read.and_then(|r| apply::external(store, input, r, now));
                let o = finish(store, &feed_key(input), Kind::Feed, result, now);
                Outcome {
                    name: input.to_string(),
                    ..o
                }
            }
            Err(e) => Outcome {
                name: "(task)".into(),
                kind: Kind::Source,
                result: Err(RefreshError::Internal(e.to_string())),
            },
        };
        on_outcome(&o);
        outcomes.push(o);
    }
    let failed: HashSet<String> = outcomes
        .iter()
        .filter(|o| o.result.is_err())
        .map(|o| o.name.clone())
        .collect();
    for &i in &merges {
        let m = &config.merges[i];
        let result = merges::build(config, store, m, &failed);
        if result.is_ok()
            && let Err(e) = store.record_success(&m.name, None, now)
        {
            tracing::error!(merge = %m.name, error = %e, "cannot record the success");
        }
        let o = finish(store, &m.name, Kind::Merge, result, now);
        on_outcome(&o);
        outcomes.push(o);
    }
    sort(config, &mut outcomes);
    RunReport {
        outcomes,
        opml: merges::write_opml(config, store),
    }
}

fn sort(config: &Config, outcomes: &mut [Outcome]) {
    let mut order: HashMap<String, usize> = HashMap::new();
    let names = config
        .sources
        .iter()
        .map(|s| s.name.clone())
        .chain(config.external_feeds().into_iter().map(ToString::to_string))
        .chain(config.merges.iter().map(|m| m.name.clone()));
    for (i, n) in names.enumerate() {
        order.entry(n).or_insert(i);
    }
    outcomes.sort_by_key(|o| order.get(&o.name).copied().unwrap_or(usize::MAX));
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

/// Records a failure in the store's run state and wraps up the outcome.
fn finish(
    store: &mut Store,
    key: &str,
    kind: Kind,
    result: Result<Report, RefreshError>,
    now: DateTime<Utc>,
) -> Outcome {
    if let Err(e) = &result
        && let Err(store_err) = store.record_failure(key, &e.to_string(), now)
    {
        tracing::error!(source = %key, error = %store_err, "cannot record the failure");
    }
    Outcome {
        name: key.to_string(),
        kind,
        result,
    }
}
