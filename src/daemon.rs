//! The long-running mode: the scheduler refreshing sources and merges on their schedules, the HTTP
//! server serving the feed folder, or both; reloading the config on SIGHUP or when the file
//! changes, and stopping cleanly on SIGTERM or SIGINT.
//!
//! The job table is made here ([`jobs`]): one job per source (refresh it, rebuild the merges it
//! feeds) and one per merge (read its external feeds, rebuild it from the store).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use crate::config::{self, Config};
use crate::fetch::{ClientError, FetchSettings, Fetcher};
use crate::metrics::Metrics;
use crate::refresh::{self, RunOptions};
use crate::schedule::Schedule;
use crate::schedule::scheduler::{self, Job, JobDone, JobError, JobFuture, Runner, Table};
use crate::serve;
use crate::store::Store;

/// The daemon's jobs: every source and merge with its schedule (its own, else `[schedule]`).
pub fn jobs(config: &Config) -> Table {
    let job = |name: &str, schedule: &Option<Schedule>| Job {
        name: name.to_string(),
        schedule: schedule
            .clone()
            .unwrap_or_else(|| config.schedule.default.clone()),
    };
    Table {
        jobs: config
            .sources
            .iter()
            .map(|s| job(&s.name, &s.schedule))
            .chain(config.merges.iter().map(|m| job(&m.name, &m.schedule)))
            .collect(),
        jitter: config.schedule.jitter,
        max_backoff: config.schedule.max_backoff,
    }
}

/// What failed in one job run.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("; "))]
struct Failures(Vec<String>);

/// What the daemon does.
#[derive(Debug, Clone)]
pub struct Options {
    /// The config file, re-read on SIGHUP and when it changes.
    pub config_path: PathBuf,
    /// Serve the feed folder on this address.
    pub listen: Option<SocketAddr>,
    /// The guards on the server's connections.
    pub limits: serve::Limits,
    /// Run the scheduler.
    pub schedule: bool,
    /// How often to look at the config file for changes.
    pub watch_every: Duration,
    /// Answer `/status` with 503 while a feed is failing or stale (for load balancers).
    pub status_503: bool,
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The listen address is taken or not ours.
    #[error("cannot listen on {addr}: {source}; is another server using the port?")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Signal handlers could not be installed.
    #[error("cannot set up signal handling: {0}")]
    Signals(#[source] std::io::Error),
}

/// Runs jobs with the current config and a fetcher shared by all of them (so politeness per host
/// holds across jobs), rebuilt only when `[fetch]` changes.
struct JobRunner {
    config: watch::Receiver<Arc<Config>>,
    fetcher: Mutex<(FetchSettings, Arc<Fetcher>)>,
    metrics: Arc<Metrics>,
}

impl JobRunner {
    fn fetcher(&self, settings: &FetchSettings) -> Result<Arc<Fetcher>, ClientError> {
        let mut current = self.fetcher.lock().unwrap_or_else(|p| p.into_inner());
        if current.0 != *settings {
            let fetcher = Fetcher::new(settings.clone())?.with_metrics(self.metrics.clone());
            *current = (settings.clone(), Arc::new(fetcher));
        }
        Ok(current.1.clone())
    }
}

impl Runner for JobRunner {
    fn run(&self, job: Job) -> JobFuture {
        let config = self.config.borrow().clone();
        let fetcher = self.fetcher(&config.fetch);
        let metrics = self.metrics.clone();
        Box::pin(async move {
            let fetcher = fetcher?;
            let mut store = Store::open(&config.store.path)?;
            // A source's job refreshes it and the merges it feeds; a merge's job reads its external
            // feeds and rebuilds from the store, never fetching its sources.
            let opts = RunOptions {
                only: vec![job.name.clone()],
                ..RunOptions::default()
            };
            // The scheduler logs the job's one line; what else the job rebuilt is detail.
            let report = refresh::run(&config, &mut store, fetcher, &opts, |o| match &o.result {
                Ok(r) => tracing::debug!(name = %o.name, entries = r.entries, new = r.stored.new,
                    not_modified = r.not_modified, "refreshed"),
                Err(e) => tracing::error!(name = %o.name, error = %e, "refresh failed"),
            })
            .await;
            let mut done = JobDone::default();
            for o in &report.outcomes {
                let Ok(r) = &o.result else { continue };
                let written = r
                    .files
                    .iter()
                    .filter(|f| f.outcome == crate::publish::WriteOutcome::Written)
                    .count();
                metrics.feed(&o.name, r.entries, r.stored.new, written);
                if o.name == job.name {
                    done.entries = r.entries;
                    done.new = r.stored.new;
                }
                done.files_written += written;
            }
            let errors: Vec<String> = report
                .outcomes
                .iter()
                .filter_map(|o| o.result.as_ref().err().map(|e| format!("{}: {e}", o.name)))
                .chain(report.opml.err().map(|e| e.to_string()))
                .collect();
            metrics.run(errors.is_empty());
            if errors.is_empty() {
                Ok(done)
            } else {
                Err(JobError::from(Failures(errors)))
            }
        })
    }
}

/// The config file's identity, to notice edits without a file-watching dependency.
fn stamp(path: &std::path::Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Re-reads the config; an invalid one is reported and the running one kept.
fn reload(
    path: &std::path::Path,
    config_tx: &watch::Sender<Arc<Config>>,
    table_tx: &watch::Sender<Arc<scheduler::Table>>,
) {
    match config::load(path) {
        Ok(new) => {
            if **config_tx.borrow() != new {
                tracing::info!(config = %path.display(), "config reloaded");
                let _ = table_tx.send(Arc::new(jobs(&new)));
                let _ = config_tx.send(Arc::new(new));
            }
        }
        Err(e) => tracing::error!("config reload failed; keeping the previous config: {e}"),
    }
}

/// Serves the feed folder on `listener` until `stop` turns true.
fn spawn_server(
    listener: tokio::net::TcpListener,
    state: Arc<serve::ServeState>,
    stop: watch::Receiver<bool>,
    limits: serve::Limits,
) -> tokio::task::JoinHandle<()> {
    let app = serve::router(state);
    tokio::spawn(serve::serve(
        listener,
        app,
        limits,
        stop,
        Duration::from_secs(10),
    ))
}

/// Runs until SIGTERM or SIGINT. `on_listen` hears the bound address (useful with port 0).
pub async fn run(
    config: Config,
    opts: Options,
    on_listen: impl FnOnce(SocketAddr),
) -> Result<(), DaemonError> {
    use tokio::signal::unix::{SignalKind, signal};
    let grace = config.schedule.grace;
    let (table_tx, table_rx) = watch::channel(Arc::new(jobs(&config)));
    let (config_tx, config_rx) = watch::channel(Arc::new(config));
    let (stop_tx, stop_rx) = watch::channel(false);

    let listener = match opts.listen {
        Some(addr) => {
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| DaemonError::Bind { addr, source })?;
            on_listen(
                l.local_addr()
                    .map_err(|source| DaemonError::Bind { addr, source })?,
            );
            Some(l)
        }
        None => None,
    };
    let mut term = signal(SignalKind::terminate()).map_err(DaemonError::Signals)?;
    let mut int = signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?;
    let mut hup = signal(SignalKind::hangup()).map_err(DaemonError::Signals)?;

    let metrics = Arc::new(Metrics::default());
    let scheduler = if opts.schedule {
        let settings = config_rx.borrow().fetch.clone();
        let fetcher = Fetcher::new(settings.clone())?.with_metrics(metrics.clone());
        let runner = Arc::new(JobRunner {
            config: config_rx.clone(),
            fetcher: Mutex::new((settings, Arc::new(fetcher))),
            metrics: metrics.clone(),
        });
        Some(tokio::spawn(scheduler::run(
            table_rx,
            runner,
            stop_rx.clone(),
            grace,
        )))
    } else {
        None
    };
    let server = listener.map(|l| {
        let state = serve::ServeState::new(config_rx.clone(), metrics.clone(), opts.status_503);
        spawn_server(l, state, stop_rx.clone(), opts.limits)
    });

    let mut seen = stamp(&opts.config_path);
    let mut poll = tokio::time::interval(opts.watch_every);
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => reload(&opts.config_path, &config_tx, &table_tx),
            _ = poll.tick() => {
                let now = stamp(&opts.config_path);
                if now != seen {
                    seen = now;
                    reload(&opts.config_path, &config_tx, &table_tx);
                }
            }
        }
    }
    tracing::info!("stopping: no new work; waiting for running jobs");
    let _ = stop_tx.send(true);
    if let Some(s) = scheduler {
        let _ = s.await;
    }
    if let Some(s) = server {
        let _ = s.await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_per_source_and_merge_with_its_schedule() {
        let c = config::parse(
            "[output]\nbase_url = \"https://f.org/\"\n[schedule]\nevery = \"15m\"\n\
             [[source]]\nname = \"a\"\npath = \"a\"\nschedule = \"*/5 * * * *\"\n\
             [[merge]]\nname = \"m\"\nsources = [\"a\"]\n",
        )
        .unwrap();
        let t = jobs(&c);
        let got: Vec<(&str, &Schedule)> = t
            .jobs
            .iter()
            .map(|j| (j.name.as_str(), &j.schedule))
            .collect();
        assert_eq!(
            got,
            [
                ("a", &Schedule::cron("*/5 * * * *").unwrap()),
                ("m", &Schedule::every("15m").unwrap())
            ]
        );
        assert_eq!(t.jitter, 0.1);
    }
}
