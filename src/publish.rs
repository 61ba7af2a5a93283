//! Writing feed files: every format rendered first, then each file written atomically, and only
//! when its bytes changed.
//!
//! A reader polling a feed, or a web server computing an ETag from mtime and size, must never see
//! half a file or a new mtime for the same content. So: compare with what is on disk, write a temp
//! file in the same folder, fsync it, rename it over the old file, fsync the folder.

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
    let rendered = output
        .files(&feed.name)
        .filter_map(|f| f.format.map(|format| (format, f)))
        .map(|(format, f)| {
            let body = render::render(feed, format, &f.url)?;
            Ok((format, f, body))
        })
        .collect::<Result<Vec<_>, RenderError>>()?;
    rendered
        .into_iter()
        .map(|(format, f, body)| {
            let outcome = write_if_changed(&f.path, body.as_bytes())?;
            Ok(FileReport {
                format,
                path: f.path,
                url: f.url.to_string(),
                outcome,
            })
        })
        .collect()
}

/// Replaces `path` with `bytes` atomically unless it already holds exactly these bytes.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<WriteOutcome, PublishError> {
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
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
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
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(err)?;
    Ok(WriteOutcome::Written)
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
}
