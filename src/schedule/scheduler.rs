//! The scheduler loop: runs each job when due, never two runs of one job at once, reschedules with
//! jitter after success and with backoff after failure, follows config reloads, and on shutdown
//! stops starting work and lets running jobs finish (up to a grace period).
//!
//! Jobs are run through a [`Runner`], so the loop is tested with fake jobs on tokio's paused clock.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{SubsecRound as _, Utc};
use tokio::sync::watch;
use tokio::task::{Id, JoinSet};
use tokio::time::{Instant, sleep_until};

use super::{Schedule, backoff, jitter};

/// One scheduled job. What running it means is the [`Runner`]'s business.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Names the job; unique in a [`Table`].
    pub name: String,
    /// When it runs.
    pub schedule: Schedule,
}

/// The jobs and the scheduling policy; replaced as a whole on config reload.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Every job.
    pub jobs: Vec<Job>,
    /// Share of the interval added at random to each wait (0.1: up to 10 %).
    pub jitter: f64,
    /// Longest wait after repeated failures (never shorter than the interval).
    pub max_backoff: Duration,
}

/// Why a job run failed: logged, and it drives the backoff.
pub type JobError = Box<dyn std::error::Error + Send + Sync>;

/// What a job run did, for the one line the daemon logs per run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobDone {
    /// Entries in the job's feed.
    pub entries: usize,
    /// Entries seen for the first time.
    pub new: usize,
    /// Feed files written (changed).
    pub files_written: usize,
}

/// A running job.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<JobDone, JobError>> + Send>>;

/// Runs jobs for the scheduler.
pub trait Runner: Send + Sync + 'static {
    /// Starts one run of `job`.
    fn run(&self, job: Job) -> JobFuture;
}

struct Plan {
    job: Job,
    next: Instant,
    failures: u32,
    running: bool,
}

/// Drives `table`'s jobs until `shutdown` turns true, then waits up to `grace` for running jobs.
/// Every job is due once at start.
pub async fn run(
    mut table: watch::Receiver<Arc<Table>>,
    runner: Arc<dyn Runner>,
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
) {
    let mut current = table.borrow_and_update().clone();
    let mut plans: HashMap<String, Plan> = HashMap::new();
    replan(&mut plans, &current, Instant::now());
    let mut tasks: JoinSet<Result<JobDone, JobError>> = JoinSet::new();
    let mut running: HashMap<Id, String> = HashMap::new();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let now = Instant::now();
        for plan in plans.values_mut().filter(|p| !p.running && p.next <= now) {
            plan.running = true;
            tracing::debug!(job = %plan.job.name, "starting");
            let handle = tasks.spawn(runner.run(plan.job.clone()));
            running.insert(handle.id(), plan.job.name.clone());
        }
        let next_due = plans.values().filter(|p| !p.running).map(|p| p.next).min();
        tokio::select! {
            _ = sleep_until(next_due.unwrap_or(now)), if next_due.is_some() => {}
            Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let (id, result) = match done {
                    Ok((id, r)) => (id, r),
                    Err(e) => (e.id(), Err(format!("the job stopped: {e}").into())),
                };
                if let Some(name) = running.remove(&id)
                    && let Some(plan) = plans.get_mut(&name)
                {
                    finished(plan, result, &current);
                }
            }
            changed = table.changed() => {
                if changed.is_err() {
                    break;
                }
                current = table.borrow_and_update().clone();
                replan(&mut plans, &current, Instant::now());
            }
            _ = shutdown.changed() => {}
        }
    }
    let deadline = Instant::now() + grace;
    while !tasks.is_empty() {
        tokio::select! {
            _ = tasks.join_next() => {}
            _ = sleep_until(deadline) => {
                tracing::warn!(jobs = tasks.len(), "grace period over; stopping the jobs still running");
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
            }
        }
    }
}

/// Reschedules a job that ended: its normal schedule plus jitter after success, the backoff plus
/// jitter after failure.
/// One line per run: what it did and when the next one is (info), or why it failed (warning).
fn finished(plan: &mut Plan, result: Result<JobDone, JobError>, table: &Table) {
    plan.running = false;
    let now = Utc::now();
    let interval = plan.job.schedule.interval(now);
    let wait = match &result {
        Ok(_) => {
            plan.failures = 0;
            plan.job.schedule.delay_after(now)
        }
        Err(_) => {
            plan.failures += 1;
            backoff(interval, plan.failures, table.max_backoff)
        }
    };
    let wait = wait + jitter(interval, table.jitter);
    plan.next = Instant::now() + wait;
    let next_run = (now + chrono::Duration::from_std(wait).unwrap_or_default())
        .trunc_subsecs(0)
        .to_rfc3339();
    match result {
        Ok(d) => tracing::info!(
            job = %plan.job.name, entries = d.entries, new = d.new,
            files_written = d.files_written, %next_run, "refreshed"
        ),
        Err(e) => tracing::warn!(
            job = %plan.job.name, failures = plan.failures, %next_run, error = %e, "job failed"
        ),
    }
}

/// Brings the plans in line with a (new) table: unchanged jobs keep their state, new ones are due
/// now, removed ones are forgotten (a removed job still running just finishes).
fn replan(plans: &mut HashMap<String, Plan>, table: &Table, now: Instant) {
    plans.retain(|name, _| table.jobs.iter().any(|j| &j.name == name));
    for job in &table.jobs {
        match plans.get_mut(&job.name) {
            Some(p) if p.job == *job => {}
            Some(p) => {
                // The schedule changed: the new one applies from now.
                p.job = job.clone();
                p.next = p.next.min(now + job.schedule.delay_after(Utc::now()));
            }
            None => {
                plans.insert(
                    job.name.clone(),
                    Plan {
                        job: job.clone(),
                        next: now,
                        failures: 0,
                        running: false,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
