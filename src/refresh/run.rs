//! A whole run: choose what runs, read every chosen source and external feed concurrently
//! (politely: the fetcher spaces requests per host), store and publish each as it arrives, then
//! rebuild the merges and the OPML list. A failing input is recorded and reported; the rest go on.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use tokio::task::JoinSet;

use super::{RefreshError, Report, external, feed_key, merge, source};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::publish::{Batch, WriteOutcome};
use crate::source::Input;
use crate::store::Store;

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only these sources and merges (everything when empty). A chosen source also rebuilds the
    /// merges it feeds; a chosen merge reads its external feeds and rebuilds from the store, and
    /// never fetches its sources (they run when chosen themselves).
    pub only: Vec<String>,
    /// Walk older pages (up to `backfill_pages`) even for sources back-filled before.
    pub backfill: bool,
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

/// The sources, external feeds and merges a run touches, as indexes into the config.
struct Selection<'a> {
    sources: Vec<usize>,
    feeds: Vec<&'a Input>,
    merges: Vec<usize>,
}

impl<'a> Selection<'a> {
    fn of(config: &'a Config, only: &[String]) -> Selection<'a> {
        let chosen = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
        let sources: Vec<usize> = (0..config.sources.len())
            .filter(|&i| chosen(&config.sources[i].name))
            .collect();
        let merges: Vec<usize> = (0..config.merges.len())
            .filter(|&i| {
                let m = &config.merges[i];
                chosen(&m.name) || m.sources.iter().any(|s| chosen(s))
            })
            .collect();
        let feeds = config
            .external_feeds()
            .into_iter()
            .filter(|f| {
                config
                    .merges
                    .iter()
                    .any(|m| chosen(&m.name) && m.feeds.contains(f))
            })
            .collect();
        Selection {
            sources,
            feeds,
            merges,
        }
    }
}

enum Done {
    Source(usize, Result<source::Walk, RefreshError>),
    Feed(usize, Result<external::Fetched, RefreshError>),
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
    let chosen = Selection::of(config, &opts.only);
    let mut outcomes = Vec::new();
    let mut tasks = JoinSet::new();
    for &i in &chosen.sources {
        let s = &config.sources[i];
        match source::prepare(store, config, s, opts.backfill) {
            Ok(known) => {
                let (fetcher, s) = (fetcher.clone(), s.clone());
                tasks.spawn(
                    async move { Done::Source(i, source::walk(fetcher, &s, known, now).await) },
                );
            }
            Err(e) => outcomes.push(finish(store, &s.name, Kind::Source, Err(e.into()), now)),
        }
    }
    for (i, &input) in chosen.feeds.iter().enumerate() {
        match external::prepare(store, input) {
            Ok(known) => {
                let (fetcher, input) = (fetcher.clone(), input.clone());
                tasks.spawn(async move {
                    Done::Feed(i, external::fetch(fetcher, &input, known, now).await)
                });
            }
            Err(e) => outcomes.push(feed_outcome(store, input, Err(e.into()), now)),
        }
    }
    outcomes.iter().for_each(&mut on_outcome);
    // Results are applied as they arrive, inside one store transaction, and their feed files
    // staged; whenever no result is ready (or enough are waiting) the files are made durable
    // together and the transaction committed. Outcomes are reported once their files are in place.
    let mut batch = Batch::default();
    // Each outcome with the key its run state is recorded under.
    let mut waiting: Vec<(Option<String>, Outcome)> = Vec::new();
    loop {
        let joined = match tasks.try_join_next() {
            Some(j) => j,
            None => {
                settle(
                    store,
                    &mut batch,
                    &mut waiting,
                    now,
                    &mut on_outcome,
                    &mut outcomes,
                );
                match tasks.join_next().await {
                    Some(j) => j,
                    None => break,
                }
            }
        };
        if let Err(e) = store.begin() {
            tracing::warn!(error = %e, "cannot batch the store's writes");
        }
        let done = match joined {
            Ok(Done::Source(i, walked)) => {
                let s = &config.sources[i];
                let result =
                    walked.and_then(|w| source::apply(config, store, &mut batch, s, w, now));
                (
                    Some(s.name.clone()),
                    finish(store, &s.name, Kind::Source, result, now),
                )
            }
            Ok(Done::Feed(i, fetched)) => {
                let input = chosen.feeds[i];
                let result = fetched.and_then(|f| external::apply(store, input, f, now));
                (
                    Some(feed_key(input)),
                    feed_outcome(store, input, result, now),
                )
            }
            Err(e) => (
                None,
                Outcome {
                    name: "(task)".into(),
                    kind: Kind::Source,
                    result: Err(RefreshError::Internal(e.to_string())),
                },
            ),
        };
        waiting.push(done);
        if batch.len() >= BATCH_FILES || waiting.len() >= BATCH_FILES {
            settle(
                store,
                &mut batch,
                &mut waiting,
                now,
                &mut on_outcome,
                &mut outcomes,
            );
        }
    }
    let failed: HashSet<String> = outcomes
        .iter()
        .filter(|o| o.result.is_err())
        .map(|o| o.name.clone())
        .collect();
    for &i in &chosen.merges {
        let m = &config.merges[i];
        let result = merge::build(config, store, m, &failed).and_then(|r| {
            store.record_success(&m.name, None, now)?;
            Ok(r)
        });
        let o = finish(store, &m.name, Kind::Merge, result, now);
        on_outcome(&o);
        outcomes.push(o);
    }
    sort(config, &mut outcomes);
    RunReport {
        outcomes,
        opml: merge::write_opml(config, store),
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

/// Feed files (or outcomes) gathered before they are made durable together.
const BATCH_FILES: usize = 256;

/// Puts the staged files in place and commits the store's writes, then reports the waiting
/// outcomes. When the files cannot be written, the writes are rolled back (the next run reads
/// those pages again) and every waiting source fails with the reason.
fn settle(
    store: &mut Store,
    batch: &mut Batch,
    waiting: &mut Vec<(Option<String>, Outcome)>,
    now: DateTime<Utc>,
    on_outcome: &mut impl FnMut(&Outcome),
    outcomes: &mut Vec<Outcome>,
) {
    let written = batch.finish().map_err(|e| e.to_string());
    let committed = written.and_then(|_| store.commit().map_err(|e| e.to_string()));
    if let Err(why) = committed {
        if let Err(e) = store.rollback() {
            tracing::error!(error = %e, "cannot roll back the store's writes");
        }
        for (key, o) in waiting.iter_mut() {
            let result =
                std::mem::replace(&mut o.result, Err(RefreshError::Internal(String::new())));
            let result = result.and_then(|_| {
                Err(RefreshError::Internal(format!(
                    "the feed files could not be written: {why}"
                )))
            });
            // The rollback took the failures recorded so far with it: record them again.
            o.result = match key {
                Some(key) => finish(store, key, o.kind, result, now).result,
                None => result,
            };
        }
    }
    for (_, o) in waiting.drain(..) {
        on_outcome(&o);
        outcomes.push(o);
    }
}

/// An external feed's outcome: recorded under its store key, named by its URL or path.
fn feed_outcome(
    store: &mut Store,
    input: &Input,
    result: Result<Report, RefreshError>,
    now: DateTime<Utc>,
) -> Outcome {
    let o = finish(store, &feed_key(input), Kind::Feed, result, now);
    Outcome {
        name: input.to_string(),
        ..o
    }
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
