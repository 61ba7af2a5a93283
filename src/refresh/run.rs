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
    /// Publish these sources even when the layout-change guard would stop them.
    pub force: Vec<String>,
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
    let swept = crate::publish::sweep_stale_temp_files(&config.output.dir);
    if swept > 0 {
        tracing::info!("removed {swept} temp files an interrupted run left in the feed folder");
    }
    let chosen = Selection::of(config, &opts.only);
    let mut outcomes = Vec::new();
    let mut jobs = Jobs::new(config, &chosen, fetcher, opts.backfill, now);
    // Results are applied as they arrive, inside one store transaction, and their feeds queued;
    // when 256 wait, or when none is ready and the oldest has waited a second, or at the end, the
    // feeds are published together and the transaction committed. Outcomes are reported once
    // their files are in place.
    let mut pending = Pending::default();
    {
        let mut emit = |o: Outcome| {
            on_outcome(&o);
            outcomes.push(o);
        };
        loop {
            if let Err(e) = store.begin() {
                tracing::warn!(error = %e, "cannot batch the store's writes");
            }
            let failed_to_start = jobs.fill(store);
            pending.waiting.extend(failed_to_start);
            let Some(joined) = jobs.next(store, &mut pending, now, &mut emit).await else {
                break;
            };
            let joined = match joined {
                // Page 1 changed: the walk goes on once the stored ids are loaded.
                Ok(Done::Source(i, Ok(walk))) if walk.resume.is_some() => {
                    pending
                        .waiting
                        .extend(jobs.start_source(store, i, walk.resume));
                    continue;
                }
                other => other,
            };
            let done = apply(
                config,
                &chosen,
                store,
                &mut pending.batch,
                joined,
                opts,
                now,
            );
            if done.ticket.is_some() && pending.since.is_none() {
                pending.since = Some(std::time::Instant::now());
            }
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

/// What is still to start, started a window at a time: pages read ahead of the store wait in
/// bounded numbers, so memory stays flat however many sources a config has.
struct Jobs<'a> {
    config: &'a Config,
    chosen: &'a Selection<'a>,
    fetcher: Arc<Fetcher>,
    backfill: bool,
    now: DateTime<Utc>,
    /// Sources (by config index), then external feeds (by index in the selection).
    queue: std::collections::VecDeque<Result<usize, usize>>,
    tasks: JoinSet<Done>,
    window: usize,
}

impl<'a> Jobs<'a> {
    fn new(
        config: &'a Config,
        chosen: &'a Selection<'a>,
        fetcher: Arc<Fetcher>,
        backfill: bool,
        now: DateTime<Utc>,
    ) -> Jobs<'a> {
        let queue = chosen
            .sources
            .iter()
            .map(|&i| Ok(i))
            .chain((0..chosen.feeds.len()).map(Err))
            .collect();
        Jobs {
            // Enough to keep every fetch slot and every core busy.
            window: (config.fetch.concurrency * 4).max(32),
            config,
            chosen,
            fetcher,
            backfill,
            now,
            queue,
            tasks: JoinSet::new(),
        }
    }

    /// Starts jobs until the window is full. A job that cannot start (the store cannot say what
    /// it knows) is returned as its outcome.
    fn fill(&mut self, store: &mut Store) -> Vec<Waiting> {
        let mut failed = Vec::new();
        while self.tasks.len() < self.window {
            let Some(job) = self.queue.pop_front() else {
                break;
            };
            let (fetcher, now) = (self.fetcher.clone(), self.now);
            match job {
                Ok(i) => failed.extend(self.start_source(store, i, None)),
                Err(i) => {
                    let input = self.chosen.feeds[i];
                    match external::prepare(store, input) {
                        Ok(known) => {
                            let input = input.clone();
                            self.tasks.spawn(async move {
                                Done::Feed(i, external::fetch(fetcher, &input, known, now).await)
                            });
                        }
                        Err(e) => failed.push(Waiting {
                            key: Some(feed_key(input)),
                            outcome: feed_outcome(store, input, Err(e.into()), now),
                            ticket: None,
                        }),
                    }
                }
            }
        }
        failed
    }

    /// The next finished job. While none is ready, what waits is published as [`Pending::idle`]
    /// says; `None` once every job is done and everything is published and committed.
    async fn next(
        &mut self,
        store: &mut Store,
        pending: &mut Pending,
        now: DateTime<Utc>,
        emit: &mut impl FnMut(Outcome),
    ) -> Option<Result<Done, tokio::task::JoinError>> {
        loop {
            if let Some(done) = self.tasks.try_join_next() {
                return Some(done);
            }
            pending.idle(store, now, emit);
            let next = match pending.linger() {
                // Feeds wait a little for more to publish with; no longer.
                Some(left) => match tokio::time::timeout(left, self.tasks.join_next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        pending.settle(store, now, emit);
                        // Jobs are still running: their writes go into a new transaction.
                        if let Err(e) = store.begin() {
                            tracing::warn!(error = %e, "cannot batch the store's writes");
                        }
                        continue;
                    }
                },
                None => self.tasks.join_next().await,
            };
            if next.is_none() {
                pending.settle(store, now, emit);
            }
            return next;
        }
    }

    /// Starts source `i`'s walk (going on from `first` when given). A walk that cannot start is
    /// returned as its outcome.
    fn start_source(
        &mut self,
        store: &mut Store,
        i: usize,
        first: Option<source::First>,
    ) -> Option<Waiting> {
        let (fetcher, now) = (self.fetcher.clone(), self.now);
        let s = &self.config.sources[i];
        match source::prepare(store, self.config, s, self.backfill, first) {
            Ok(known) => {
                let s = s.clone();
                self.tasks.spawn(async move {
                    Done::Source(i, source::walk(fetcher, &s, known, now).await)
                });
                None
            }
            Err(e) => Some(Waiting {
                key: Some(s.name.clone()),
                outcome: finish(store, &s.name, Kind::Source, Err(e.into()), now),
                ticket: None,
            }),
        }
    }
}

/// A finished walk or fetch into the store and the batch.
fn apply(
    config: &Config,
    chosen: &Selection<'_>,
    store: &mut Store,
    batch: &mut Batch,
    joined: Result<Done, tokio::task::JoinError>,
    opts: &RunOptions,
    now: DateTime<Utc>,
) -> Waiting {
    match joined {
        Ok(Done::Source(i, walked)) => {
            let s = &config.sources[i];
            let forced = opts.force.contains(&s.name);
            let (result, ticket) =
                match walked.and_then(|w| source::apply(config, store, batch, s, w, forced, now)) {
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
    /// When the oldest feed in the batch was queued.
    since: Option<std::time::Instant>,
}

impl Pending {
    /// Feeds (or outcomes) gathered before they are published together.
    const SIZE: usize = 256;

    fn full(&self) -> bool {
        self.batch.len() >= Self::SIZE || self.waiting.len() >= Self::SIZE
    }

    /// How long a queued feed may wait for others to be published with: each publication syncs
    /// the file system, so fewer, fuller batches cost less, while a run whose results trickle in
    /// still publishes each within about this long.
    const LINGER: std::time::Duration = std::time::Duration::from_secs(1);

    /// How much longer the batch may wait (`None` when it is empty).
    fn linger(&self) -> Option<std::time::Duration> {
        self.since.map(|t| Self::LINGER.saturating_sub(t.elapsed()))
    }

    /// While no result is ready: publishes and commits when feeds have waited long enough; with
    /// no feed waiting, only reports the waiting outcomes (pages found unchanged, failures), whose
    /// small writes stay in the open transaction for the next commit: a run of unchanged pages
    /// commits once, not once per lull.
    fn idle(&mut self, store: &mut Store, now: DateTime<Utc>, emit: &mut impl FnMut(Outcome)) {
        if self.batch.is_empty() {
            self.waiting.drain(..).for_each(|w| emit(w.outcome));
        } else if self.linger().is_some_and(|left| left.is_zero()) {
            self.settle(store, now, emit);
        }
    }

    /// Publishes the batch and commits the store's writes, then reports the waiting outcomes. A
    /// feed that cannot be rendered or written fails its source; when the files cannot be put in
    /// place at all, the writes are rolled back (the next run reads those pages again) and every
    /// waiting source fails with the reason.
    fn settle(&mut self, store: &mut Store, now: DateTime<Utc>, emit: &mut impl FnMut(Outcome)) {
        self.since = None;
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
                    if w.outcome.result.is_ok() {
                        w.outcome.result = Err(RefreshError::Internal(format!(
                            "the feed files could not be written: {why}"
                        )));
                    }
                    w.ticket = None;
                }
                Vec::new()
            }
        };
        for Waiting {
            key,
            mut outcome,
            ticket,
        } in self.waiting.drain(..)
        {
            let published = ticket.and_then(|t| files.get_mut(t)?.take());
            match (published, &mut outcome.result) {
                (Some(Ok(reports)), Ok(report)) => report.files = reports,
                (Some(Err(e)), result) => *result = Err(e.into()),
                _ => {}
            }
            // A failure found here (or taken back by the rollback) is recorded now.
            let late = outcome.result.is_err() && (rolled_back || ticket.is_some());
            if late && let Some(key) = &key {
                outcome.result = finish(store, key, outcome.kind, outcome.result, now).result;
            }
            emit(outcome);
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
