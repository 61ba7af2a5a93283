//! The scheduler on tokio's paused clock: time only moves when every task waits, so these tests
//! check exact instants in milliseconds of real time.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

/// A fake job runner: records when each job starts and ends, takes `work` to run, and fails the
/// first `fail_first` runs.
struct Fake {
    t0: Instant,
    work: Duration,
    fail_first: usize,
    calls: AtomicUsize,
    running: AtomicUsize,
    max_running: AtomicUsize,
    log: Mutex<Vec<(String, u64, u64)>>,
}

impl Fake {
    fn new(work: Duration, fail_first: usize) -> Arc<Fake> {
        Arc::new(Fake {
            t0: Instant::now(),
            work,
            fail_first,
            calls: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            max_running: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
        })
    }

    /// Start times in seconds for `name`.
    fn starts(&self, name: &str) -> Vec<u64> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, s, _)| s / 1000)
            .collect()
    }
}

struct Handle(Arc<Fake>);

impl Runner for Handle {
    fn run(&self, job: Job) -> JobFuture {
        let f = self.0.clone();
        Box::pin(async move {
            let start = f.t0.elapsed().as_millis() as u64;
            let n = f.calls.fetch_add(1, Ordering::SeqCst);
            let now_running = f.running.fetch_add(1, Ordering::SeqCst) + 1;
            f.max_running.fetch_max(now_running, Ordering::SeqCst);
            tokio::time::sleep(f.work).await;
            f.running.fetch_sub(1, Ordering::SeqCst);
            let end = f.t0.elapsed().as_millis() as u64;
            f.log.lock().unwrap().push((job.name, start, end));
            if n < f.fail_first {
                Err("boom".into())
            } else {
                Ok(JobDone::default())
            }
        })
    }
}

fn job(name: &str, every_secs: u64) -> Job {
    Job {
        name: name.into(),
        schedule: Schedule::Every(Duration::from_secs(every_secs)),
    }
}

fn table(jobs: Vec<Job>, jitter: f64, max_backoff: u64) -> Arc<Table> {
    Arc::new(Table {
        jobs,
        jitter,
        max_backoff: Duration::from_secs(max_backoff),
    })
}

/// Runs the scheduler over `table` until `stop_after`, returning the fake's log.
async fn drive(t: Arc<Table>, fake: Arc<Fake>, stop_after: Duration, grace: Duration) -> Duration {
    let (_table_tx, table_rx) = watch::channel(t);
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        tokio::time::sleep(stop_after).await;
        let _ = stop_tx.send(true);
        // Keep the sender alive until the scheduler has seen it.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    });
    let start = Instant::now();
    run(table_rx, Arc::new(Handle(fake)), stop_rx, grace).await;
    start.elapsed()
}

#[tokio::test(start_paused = true)]
async fn jobs_fire_on_schedule() {
    let fake = Fake::new(Duration::ZERO, 0);
    drive(
        table(vec![job("a", 10), job("b", 25)], 0.0, 3600),
        fake.clone(),
        Duration::from_secs(55),
        Duration::ZERO,
    )
    .await;
    assert_eq!(fake.starts("a"), [0, 10, 20, 30, 40, 50]);
    assert_eq!(fake.starts("b"), [0, 25, 50]);
}

#[tokio::test(start_paused = true)]
async fn jitter_stays_within_bounds() {
    let fake = Fake::new(Duration::ZERO, 0);
    let jobs = (0..10).map(|i| job(&format!("j{i}"), 100)).collect();
    drive(
        table(jobs, 0.2, 3600),
        fake.clone(),
        Duration::from_secs(1000),
        Duration::ZERO,
    )
    .await;
    let log = fake.log.lock().unwrap().clone();
    let mut gaps = Vec::new();
    for i in 0..10 {
        let starts: Vec<u64> = log
            .iter()
            .filter(|(n, _, _)| *n == format!("j{i}"))
            .map(|(_, s, _)| *s)
            .collect();
        gaps.extend(starts.windows(2).map(|w| w[1] - w[0]));
    }
    assert!(gaps.len() > 50);
    assert!(
        gaps.iter().all(|g| (100_000..=120_000).contains(g)),
        "{gaps:?}"
    );
    assert!(
        gaps.iter().any(|g| *g > 101_000),
        "some jitter at all: {gaps:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn failures_back_off_then_reset() {
    let fake = Fake::new(Duration::ZERO, 3);
    drive(
        table(vec![job("a", 10)], 0.0, 35),
        fake.clone(),
        Duration::from_secs(115),
        Duration::ZERO,
    )
    .await;
    // Fail at 0 (wait 20), fail at 20 (wait 40, capped to 35), fail at 55 (35), succeed at 90,
    // then the normal 10 s again.
    assert_eq!(fake.starts("a"), [0, 20, 55, 90, 100, 110]);
}

#[tokio::test(start_paused = true)]
async fn a_job_never_overlaps_itself() {
    let fake = Fake::new(Duration::from_secs(5), 0);
    drive(
        table(vec![job("slow", 1)], 0.0, 3600),
        fake.clone(),
        Duration::from_secs(20),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(fake.max_running.load(Ordering::SeqCst), 1);
    // Each run starts a second after the previous one ended.
    assert_eq!(fake.starts("slow"), [0, 6, 12, 18]);
}

#[tokio::test(start_paused = true)]
async fn shutdown_lets_running_jobs_finish_within_the_grace() {
    let fake = Fake::new(Duration::from_secs(3), 0);
    let took = drive(
        table(vec![job("a", 60)], 0.0, 3600),
        fake.clone(),
        Duration::from_secs(1),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(took, Duration::from_secs(3), "waited for the running job");
    assert_eq!(fake.log.lock().unwrap().len(), 1, "it finished");
    // With a shorter grace the job is stopped and nothing more starts.
    let fake = Fake::new(Duration::from_secs(30), 0);
    let took = drive(
        table(vec![job("a", 60)], 0.0, 3600),
        fake.clone(),
        Duration::from_secs(1),
        Duration::from_secs(2),
    )
    .await;
    assert_eq!(took, Duration::from_secs(3));
    assert!(fake.log.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn reloads_add_and_remove_jobs() {
    let fake = Fake::new(Duration::ZERO, 0);
    let (table_tx, table_rx) = watch::channel(table(vec![job("a", 10)], 0.0, 3600));
    let (stop_tx, stop_rx) = watch::channel(false);
    let handle = tokio::spawn(run(
        table_rx,
        Arc::new(Handle(fake.clone())),
        stop_rx,
        Duration::ZERO,
    ));
    tokio::time::sleep(Duration::from_secs(15)).await;
    table_tx.send(table(vec![job("b", 10)], 0.0, 3600)).unwrap();
    tokio::time::sleep(Duration::from_secs(20)).await;
    stop_tx.send(true).unwrap();
    handle.await.unwrap();
    assert_eq!(fake.starts("a"), [0, 10]);
    assert_eq!(fake.starts("b"), [15, 25]);
}
