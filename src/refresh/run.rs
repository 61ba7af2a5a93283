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
use crate::publish::{Batch, FileReport, PublishError, WriteOutcome};
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
    // Results are applied as they arrive, inside one store transaction, and their feeds queued;
    // whenever no result is ready (or enough wait) the feeds are published together and the
    // transaction committed. Outcomes are reported once their files are in place.
    let mut pending = Pending::default();
    {
        let mut emit = |o: Outcome| {
            on_outcome(&o);
            outcomes.push(o);
        };
        loop {
            let joined = match tasks.try_join_next() {
                Some(j) => j,
                None => {
                    pending.settle(store, now, &mut emit);
                    match tasks.join_next().await {
                        Some(j) => j,
                        None => break,
                    }
                }
            };
            if let Err(e) = store.begin() {
                tracing::warn!(error = %e, "cannot batch the store's writes");
            }
            let done = apply(config, &chosen, store, &mut pending.batch, joined, now);
            pending.waiting.push(done);
            if pending.full() {
                pending.settle(store, now, &mut emit);
            }
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

/// A finished walk or fetch into the store and the batch.
fn apply(
    config: &Config,
    chosen: &Selection<'_>,
    store: &mut Store,
    batch: &mut Batch,
    joined: Result<Done, tokio::task::JoinError>,
    now: DateTime<Utc>,
) -> Waiting {
    match joined {
        Ok(Done::Source(i, walked)) => {
            let s = &config.sources[i];
            let (result, ticket) =
                match walked.and_then(|w| source::apply(config, store, batch, s, w, now)) {
                    Ok((report, ticket)) => (Ok(report), ticket),
                    Err(e) => (Err(e), None),
                };
            Waiting {
                key: Some(s.name.clone()),
                outcome: finish(store, &s.name, Kind::Source, result, now),
                ticket,
            }
        }
        Ok(Done::Feed(i, fetched)) => {
            let input = chosen.feeds[i];
            let result = fetched.and_then(|f| external::apply(store, input, f, now));
            Waiting {
                key: Some(feed_key(input)),
                outcome: feed_outcome(store, input, result, now),
                ticket: None,
            }
        }
        Err(e) => Waiting {
            key: None,
            outcome: Outcome {
                name: "(task)".into(),
                kind: Kind::Source,
                result: Err(RefreshError::Internal(e.to_string())),
            },
            ticket: None,
        },
    }
}

/// An outcome whose store writes are in the open transaction and whose feed waits in the batch.
struct Waiting {
    /// The key its run state is recorded under.
    key: Option<String>,
    outcome: Outcome,
    /// Its feed's place in the batch.
    ticket: Option<usize>,
}

/// What was applied but not yet published and committed.
#[derive(Default)]
struct Pending {
    batch: Batch,
    waiting: Vec<Waiting>,
}

impl Pending {
    /// Feeds (or outcomes) gathered before they are published together.
    const SIZE: usize = 256;

    fn full(&self) -> bool {
        self.batch.len() >= Self::SIZE || self.waiting.len() >= Self::SIZE
    }

    /// Publishes the batch and commits the store's writes, then reports the waiting outcomes. A
    /// feed that cannot be rendered or written fails its source; when the files cannot be put in
    /// place at all, the writes are rolled back (the next run reads those pages again) and every
    /// waiting source fails with the reason.
    fn settle(&mut self, store: &mut Store, now: DateTime<Utc>, emit: &mut impl FnMut(Outcome)) {
        let published = self.batch.finish();
        let committed = match published {
            Ok(files) => store.commit().map(|()| files).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let rolled_back = committed.is_err();
        let mut files: Vec<Option<Result<Vec<FileReport>, PublishError>>> = match committed {
            Ok(files) => files.into_iter().map(Some).collect(),
            Err(why) => {
                if let Err(e) = store.rollback() {
                    tracing::error!(error = %e, "cannot roll back the store's writes");
                }
                for w in &mut self.waiting {
                    let result = std::mem::replace(&mut w.outcome.result, Ok(Report::new("")));
                    w.outcome.result = result.and_then(|_| {
                        Err(RefreshError::Internal(format!(
                            "the feed files could not be written: {why}"
                        )))
                    });
                    w.ticket = None;
                }
                Vec::new()
            }
        };
        for mut w in self.waiting.drain(..) {
            let published = w.ticket.and_then(|t| files.get_mut(t)?.take());
            match (published, &mut w.outcome.result) {
                (Some(Ok(reports)), Ok(report)) => report.files = reports,
                (Some(Err(e)), result) => *result = Err(e.into()),
                _ => {}
            }
            // A failure found here (or taken back by the rollback) is recorded now.
            let late = w.outcome.result.is_err() && (rolled_back || w.ticket.is_some());
            if late && let Some(key) = &w.key {
                let result = std::mem::replace(&mut w.outcome.result, Ok(Report::new("")));
                w.outcome.result = finish(store, key, w.outcome.kind, result, now).result;
            }
            emit(w.outcome);
        }
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
