//! A listing's bytes, from a saved file (HTTP pages come through [`crate::fetch`]), and their
//! decoding. Everything after this stage works on text and never touches the filesystem or network.

pub mod charset;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// A listing as read, before decoding.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The raw bytes.
    pub bytes: Vec<u8>,
    /// The transport's declared charset (HTTP `Content-Type`), when there is one.
    pub charset: Option<String>,
    /// When a saved file was last modified: the first-seen time of its undated entries.
    pub modified: Option<SystemTime>,
    /// Where a fetched page was found (after redirects): relative links resolve against it.
    pub url: Option<url::Url>,
}

/// Why a listing could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be read.
    #[error(
        "cannot read {path}: {source}; check the source's `path` (relative paths start at the config file's folder)"
    )]
    Read {
        /// The listing file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

/// Reads a saved listing file.
pub fn read_file(path: &Path) -> Result<Loaded, SourceError> {
    let err = |source| SourceError::Read {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(err)?;
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    Ok(Loaded {
        bytes,
        charset: None,
        modified,
        url: None,
    })
}
