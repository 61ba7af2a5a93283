//! Writing feed files: every format rendered first, then each file written atomically, and only
//! when its bytes changed.
//!
//! A reader polling a feed, or a web server computing an ETag from mtime and size, must never see
//! half a file or a new mtime for the same content. So: compare with what is on disk, write a temp
//! file in the same folder, make it durable, rename it over the old file, sync the folder.
//!
//! A run publishes many feeds, so it gathers them in a [`Batch`]: every changed file is written to
//! its temp file first, then one file-system sync makes them all durable (on Linux `syncfs`; one
//! `fsync` per file elsewhere), then the renames, then one sync per folder. A crash leaves each
//! file old or new, never partial, and costs two syncs per batch instead of two per file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use serde::Serialize;

use crate::config::{FeedFile, Output};
use crate::model::{Feed, OutputFormat};
use crate::render::{self, RenderError};

/// What happened to one output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteOutcome {
    /// The file was replaced.
    Written,
    /// The file already held these bytes and was left alone (mtime kept).
    Unchanged,
}

/// Why a feed was not published. Nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A format could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A file could not be written.
    #[error("cannot write {path}: {source}; check that the output folder exists and is writable")]
    Write {
        /// The file.
        path: PathBuf,
        #[source]
        /// What the system said.
        source: std::io::Error,
    },
    /// The renderer stopped on this feed (a fault in tagfeed); nothing of it was written.
    #[error("rendering {0} failed unexpectedly (a fault in tagfeed); its old files are kept")]
    Crashed(String),
}

/// One written (or unchanged) feed file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The file's format.
    pub format: OutputFormat,
    /// Where it is on disk.
    pub path: PathBuf,
    /// Where it is published (under `base_url`).
    pub url: String,
    /// Whether it changed.
    pub outcome: WriteOutcome,
}

/// Renders `feed` in every configured format, then writes each file that changed. Nothing is
/// written unless every format rendered, so a feed never ends up half-updated.
pub fn feed(output: &Output, feed: Feed) -> Result<Vec<FileReport>, PublishError> {
    let mut batch = Batch::default();
    batch.add(output, feed);
    batch
        .finish()?
        .pop()
        .unwrap_or_else(|| unreachable!("one feed in, one result out"))
}

/// A temp file beside its place, and that place.
type Staged = (tempfile::NamedTempFile, PathBuf);

/// Feeds being rendered and files waiting to be put in place, all published together by
/// [`Batch::finish`]. Each feed is rendered (and its changed files staged) on a pool of threads as
/// soon as it is added, while the caller goes on with the next source's store writes; `finish`
/// waits for them. Dropping a batch unfinished waits for the renderers and deletes every temp
/// file, leaving the old feeds.
#[derive(Default)]
pub struct Batch {
    /// Feeds added since the last `finish`: their results come back numbered.
    sent: usize,
    pool: Option<Pool>,
    /// Feeds rendered here because no renderer thread could start.
    inline: Vec<(usize, Published)>,
    pending: Vec<Staged>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("sent", &self.sent)
            .field("pending", &self.pending.len())
            .finish()
    }
}

/// One feed's files, or why it was not published.
type Published = Result<(Vec<FileReport>, Vec<Staged>), PublishError>;

/// The rendering threads, one per core.
struct Pool {
    jobs: Option<mpsc::Sender<(usize, Vec<FeedFile>, Feed)>>,
    results: mpsc::Receiver<(usize, Published)>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

impl Pool {
    fn new() -> Pool {
        let (jobs, inbox) = mpsc::channel::<(usize, Vec<FeedFile>, Feed)>();
        let (done, results) = mpsc::channel();
        let inbox = Arc::new(Mutex::new(inbox));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = (0..cores)
            .filter_map(|i| {
                let (inbox, done) = (inbox.clone(), done.clone());
                std::thread::Builder::new()
                    .name(format!("tagfeed-render-{i}"))
                    .spawn(move || render_jobs(&inbox, &done))
                    .ok()
            })
            .collect();
        Pool {
            jobs: Some(jobs),
            results,
            workers,
        }
    }
}

/// A renderer's loop: until the batch is gone, take a feed, render and stage it, send it back. A
/// panic in a renderer is that feed's error, never a lost result the batch would wait for.
fn render_jobs(
    inbox: &Mutex<mpsc::Receiver<(usize, Vec<FeedFile>, Feed)>>,
    done: &mpsc::Sender<(usize, Published)>,
) {
    loop {
        let job = match inbox.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((i, files, feed)) = job else { return };
        let attempt = std::panic::AssertUnwindSafe(|| publish_one(&files, &feed));
        let result = std::panic::catch_unwind(attempt)
            .unwrap_or_else(|_| Err(PublishError::Crashed(feed.name.clone())));
        if done.send((i, result)).is_err() {
            return;
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if let Some(mut pool) = self.pool.take() {
            pool.jobs = None;
            for w in pool.workers.drain(..) {
                let _ = w.join();
            }
        }
    }
}

impl Batch {
    /// Feeds and files waiting.
    pub fn len(&self) -> usize {
        self.sent + self.pending.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.sent == 0 && self.pending.is_empty()
    }

    /// Starts rendering `feed` in every configured format. Returns its place in what
    /// [`Batch::finish`] returns.
    pub fn add(&mut self, output: &Output, feed: Feed) -> usize {
        let files: Vec<FeedFile> = output
            .files(&feed.name)
            .filter(|f| f.format.is_some())
            .collect();
        let i = self.sent;
        self.sent += 1;
        let pool = self.pool.get_or_insert_with(Pool::new);
        if let Some(jobs) = &pool.jobs
            && let Err(mpsc::SendError((_, files, feed))) = jobs.send((i, files, feed))
        {
            // No renderer could start: render here, then, and keep the result for `finish`.
            let result = publish_one(&files, &feed);
            self.pool = None;
            self.inline.push((i, result));
        }
        i
    }

    /// Stages `bytes` for `path` unless the file already holds exactly them.
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> Result<WriteOutcome, PublishError> {
        let (outcome, staged) = stage(path, bytes)?;
        self.pending.extend(staged);
        Ok(outcome)
    }

    /// Waits for the feeds being rendered, makes the changed files durable and puts them in
    /// place. Returns, per feed added since the last `finish` in order, its files or why it was
    /// not published (a feed that cannot be rendered in every format writes nothing); fails as a
    /// whole when the files cannot be put in place.
    pub fn finish(&mut self) -> Result<Vec<Result<Vec<FileReport>, PublishError>>, PublishError> {
        let sent = std::mem::take(&mut self.sent);
        let mut slots: Vec<Option<Published>> = (0..sent).map(|_| None).collect();
        for (i, result) in self.inline.drain(..) {
            slots[i] = Some(result);
        }
        let missing = slots.iter().filter(|s| s.is_none()).count();
        if let Some(pool) = &self.pool {
            for _ in 0..missing {
                let Ok((i, result)) = pool.results.recv() else {
                    break;
                };
                slots[i] = Some(result);
            }
        }
        let mut results = Vec::with_capacity(sent);
        for slot in slots {
            let one = slot.unwrap_or_else(|| Err(PublishError::Crashed("a feed".into())));
            results.push(one.map(|(reports, staged)| {
                self.pending.extend(staged);
                reports
            }));
        }
        self.put_in_place()?;
        Ok(results)
    }

    /// Makes every staged file durable and renames it into place, then syncs the folders.
    fn put_in_place(&mut self) -> Result<(), PublishError> {
        let pending = std::mem::take(&mut self.pending);
        let Some((_, first)) = pending.first() else {
            return Ok(());
        };
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PublishError::Write { path, source }
        };
        sync_data(pending.iter().map(|(tmp, _)| tmp.as_file())).map_err(err(first))?;
        let mut dirs: Vec<PathBuf> = Vec::new();
        for (tmp, path) in pending {
            tmp.persist(&path).map_err(|e| err(&path)(e.error))?;
            let dir = folder(&path).to_path_buf();
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        #[cfg(unix)]
        for dir in &dirs {
            fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(err(dir))?;
        }
        Ok(())
    }
}

/// One feed rendered in each of its formats and its changed files staged.
fn publish_one(
    files: &[FeedFile],
    feed: &Feed,
) -> Result<(Vec<FileReport>, Vec<Staged>), PublishError> {
    let mut rendered = Vec::with_capacity(files.len());
    for f in files {
        if let Some(format) = f.format {
            rendered.push((format, f, render::render(feed, format, &f.url)?));
        }
    }
    let mut reports = Vec::with_capacity(rendered.len());
    let mut staged = Vec::new();
    for (format, f, body) in rendered {
        let (outcome, tmp) = stage(&f.path, body.as_bytes())?;
        staged.extend(tmp);
        reports.push(FileReport {
            format,
            path: f.path.clone(),
            url: f.url.to_string(),
            outcome,
        });
    }
    Ok((reports, staged))
}

/// A temp file holding `bytes` beside `path`, unless `path` already holds exactly them.
fn stage(path: &Path, bytes: &[u8]) -> Result<(WriteOutcome, Option<Staged>), PublishError> {
    let err = |source| PublishError::Write {
        path: path.to_path_buf(),
        source,
    };
    match fs::read(path) {
        Ok(old) if old == bytes => return Ok((WriteOutcome::Unchanged, None)),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    let dir = folder(path);
    fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tagfeed-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    #[cfg(unix)]
    {
        // Temp files are created 0600; feeds are public files for a web server to read.
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644)).map_err(err)?;
    }
    Ok((WriteOutcome::Written, Some((tmp, path.to_path_buf()))))
}

/// The folder a file goes in (`.` for a bare name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Makes the written data of `files` durable: on Linux one `syncfs` per file system they live on
/// (it covers every file there); elsewhere one `fsync` per file.
fn sync_data<'a>(files: impl Iterator<Item = &'a fs::File>) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::MetadataExt;
        let mut synced: Vec<u64> = Vec::new();
        for f in files {
            let dev = f.metadata()?.dev();
            if synced.contains(&dev) {
                continue;
            }
            // SAFETY: `syncfs` only reads the descriptor, which `f` keeps open for the call.
            if unsafe { libc::syncfs(f.as_raw_fd()) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            synced.push(dev);
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        files.map(|f| f.sync_all()).collect()
    }
}

/// Temp files a killed run left in `dir` (`.tagfeed-*.tmp` older than ten minutes: a running
/// writer's are seconds old), removed; how many. A run calls it under the run lock.
pub fn sweep_stale_temp_files(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let stale = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(".tagfeed-") && name.ends_with(".tmp")
        })
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < stale)
        })
        .filter(|e| fs::remove_file(e.path()).is_ok())
        .count()
}

/// Replaces `path` with `bytes` atomically unless it already holds exactly these bytes.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<WriteOutcome, PublishError> {
    let mut batch = Batch::default();
    let outcome = batch.stage(path, bytes)?;
    batch.finish()?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temp_files_of_killed_runs_are_swept_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".tagfeed-abc.tmp");
        let fresh = dir.path().join(".tagfeed-def.tmp");
        let feed = dir.path().join("x.rss.xml");
        for p in [&old, &fresh, &feed] {
            fs::write(p, "x").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for p in [&old, &feed] {
            fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        assert_eq!(sweep_stale_temp_files(dir.path()), 1);
        assert!(!old.exists() && fresh.exists() && feed.exists());
    }

    #[test]
    fn writes_once_then_leaves_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/feed.xml");
        assert_eq!(
            write_if_changed(&path, b"one").unwrap(),
            WriteOutcome::Written
        );
        let mtime = fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(
            write_if_changed(&path, b"one").unwrap(),
            WriteOutcome::Unchanged
        );
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), mtime);
        assert_eq!(
            write_if_changed(&path, b"two").unwrap(),
            WriteOutcome::Written
        );
        assert_eq!(fs::read(&path).unwrap(), b"two");
        // No temp files are left behind.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }

    #[test]
    fn a_batch_puts_its_files_in_place_together_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.xml"), dir.path().join("b.xml"));
        fs::write(&a, "old a").unwrap();
        let mut batch = Batch::default();
        assert_eq!(batch.stage(&a, b"new a").unwrap(), WriteOutcome::Written);
        assert_eq!(batch.stage(&b, b"new b").unwrap(), WriteOutcome::Written);
        assert_eq!(batch.len(), 2);
        assert_eq!(
            fs::read(&a).unwrap(),
            b"old a",
            "nothing in place before finish"
        );
        assert!(!b.exists());
        assert!(batch.finish().unwrap().is_empty());
        assert_eq!(
            (fs::read(&a).unwrap(), fs::read(&b).unwrap()),
            (b"new a".to_vec(), b"new b".to_vec())
        );
        assert!(batch.is_empty());

        // Unchanged bytes are not staged; a dropped batch leaves the old files and no temp files.
        let mut batch = Batch::default();
        assert_eq!(batch.stage(&a, b"new a").unwrap(), WriteOutcome::Unchanged);
        batch.stage(&b, b"newer b").unwrap();
        drop(batch);
        assert_eq!(fs::read(&b).unwrap(), b"new b");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);

        // A file that cannot be put in place fails the whole finish.
        let mut batch = Batch::default();
        let c = dir.path().join("c.xml");
        batch.stage(&c, b"c").unwrap();
        fs::create_dir(&c).unwrap();
        fs::write(c.join("inside"), "x").unwrap();
        assert!(matches!(batch.finish(), Err(PublishError::Write { .. })));
    }

    fn feed(name: &str) -> Feed {
        let d = chrono::DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z").unwrap();
        let entry = crate::model::Entry {
            id: format!("urn:{name}:1"),
            title: format!("{name} one"),
            link: None,
            published: Some(d),
            first_seen: d,
            updated: None,
            summary: None,
            categories: Vec::new(),
            via: None,
        };
        Feed {
            name: name.into(),
            title: name.into(),
            description: name.into(),
            home_page: None,
            author: "a".into(),
            entries: vec![entry],
        }
    }

    #[test]
    fn feeds_rendered_on_the_pool_come_back_in_order_or_leave_nothing_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[output]\ndir = {:?}\nbase_url = \"https://f.example/\"\nformats = [\"rss\", \"json\"]\n\
             [[source]]\nname = \"x\"\npath = \"x.txt\"\n",
            dir.path().display().to_string()
        );
        let output = crate::config::parse(&text).unwrap().output;
        let names: Vec<String> = (0..40).map(|i| format!("f{i}")).collect();
        // Dropped unfinished: the renderers are waited for and every temp file goes.
        let mut batch = Batch::default();
        for n in &names {
            batch.add(&output, feed(n));
        }
        drop(batch);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        // Finished: one result per feed, in the order added, every file in place.
        let mut batch = Batch::default();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(batch.add(&output, feed(n)), i);
        }
        let results = batch.finish().unwrap();
        assert_eq!(results.len(), names.len());
        for (n, r) in names.iter().zip(&results) {
            let files = r.as_ref().unwrap();
            assert_eq!(files[0].path, dir.path().join(format!("{n}.rss.xml")));
            assert_eq!(files[1].path, dir.path().join(format!("{n}.json")));
            assert!(files.iter().all(|f| f.outcome == WriteOutcome::Written));
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2 * names.len());
        // The batch goes on after a finish; unchanged feeds write nothing.
        batch.add(&output, feed("f0"));
        let again = batch.finish().unwrap();
        assert_eq!(
            again[0].as_ref().unwrap()[0].outcome,
            WriteOutcome::Unchanged
        );
    }
}
