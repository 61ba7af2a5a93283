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

use serde::Serialize;

use crate::config::Output;
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
pub fn feed(output: &Output, feed: &Feed) -> Result<Vec<FileReport>, PublishError> {
    let mut batch = Batch::default();
    let files = batch.feed(output, feed)?;
    batch.finish()?;
    Ok(files)
}

/// Feed files written to temp files beside their places, put in place together by
/// [`Batch::finish`]. Dropping a batch unfinished deletes its temp files and leaves the old feeds.
#[derive(Debug, Default)]
pub struct Batch {
    pending: Vec<(tempfile::NamedTempFile, PathBuf)>,
}

impl Batch {
    /// Files waiting to be put in place.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Renders `feed` in every configured format and stages each file whose bytes changed. The
    /// reports say `Written` for those: they are, once [`Batch::finish`] succeeds.
    pub fn feed(&mut self, output: &Output, feed: &Feed) -> Result<Vec<FileReport>, PublishError> {
        let rendered = render_all(output, feed)?;
        rendered
            .into_iter()
            .map(|(format, f, body)| {
                let outcome = self.stage(&f.path, body.as_bytes())?;
                Ok(FileReport {
                    format,
                    path: f.path,
                    url: f.url.to_string(),
                    outcome,
                })
            })
            .collect()
    }

    /// Stages `bytes` for `path` unless the file already holds exactly them.
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> Result<WriteOutcome, PublishError> {
        let err = |source| PublishError::Write {
            path: path.to_path_buf(),
            source,
        };
        match fs::read(path) {
            Ok(old) if old == bytes => return Ok(WriteOutcome::Unchanged),
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
        self.pending.push((tmp, path.to_path_buf()));
        Ok(WriteOutcome::Written)
    }

    /// Makes every staged file durable and puts it in place. Returns how many files it wrote.
    pub fn finish(&mut self) -> Result<usize, PublishError> {
        let pending = std::mem::take(&mut self.pending);
        let Some((_, first)) = pending.first() else {
            return Ok(0);
        };
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PublishError::Write { path, source }
        };
        sync_data(pending.iter().map(|(tmp, _)| tmp.as_file())).map_err(err(first))?;
        let mut dirs: Vec<PathBuf> = Vec::new();
        let written = pending.len();
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
        Ok(written)
    }
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

fn render_all(
    output: &Output,
    feed: &Feed,
) -> Result<Vec<(OutputFormat, crate::config::FeedFile, String)>, RenderError> {
    output
        .files(&feed.name)
        .filter_map(|f| f.format.map(|format| (format, f)))
        .map(|(format, f)| {
            let body = render::render(feed, format, &f.url)?;
            Ok((format, f, body))
        })
        .collect()
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
        assert_eq!(batch.finish().unwrap(), 2);
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
}
