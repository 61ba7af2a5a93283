//! Jobs, end to end: the only module where I/O (HTTP, files, the store) meets the pure
//! [`crate::pipeline`].
//!
//! Each kind of job reads top to bottom as its whole flow: [`source`] (fetch or read the pages →
//! pipeline → store → feed → publish), [`external`] (fetch or read a feed → pipeline → store) and
//! [`merge`] (store → merge → feed → publish, and the OPML list). [`run`] only chooses what runs
//! and runs it concurrently.

mod external;
mod guard;
mod merge;
mod next;
mod orphans;
mod run;
mod source;

use serde::Serialize;

use crate::fetch::FetchError;
use crate::model::Warning;
use crate::normalize::stored::Changes;
use crate::pipeline::PipelineError;
use crate::publish::{FileReport, PublishError};
use crate::source::{Input, SourceError};
use crate::store::StoreError;

pub use next::next_page_url;
pub use orphans::{Orphan, files_of, orphans};
pub use run::{Kind, Outcome, RunOptions, RunReport, run};

/// Why a source, feed or merge produced no feed. Its previously published files are left untouched.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The saved listing could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The page could not be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The listing or feed gave nothing usable.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A feed file could not be rendered or written.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// Far fewer items than the last good run: not published (see `guard`).
    #[error("{0}")]
    Guard(String),
    /// A bug: a task stopped unexpectedly.
    #[error("internal error: {0}")]
    Internal(String),
}

impl RefreshError {
    /// Nothing usable to publish, and why.
    fn empty(why: impl Into<String>) -> RefreshError {
        RefreshError::Pipeline(PipelineError::Empty(why.into()))
    }
}

/// What a refresh did with one source, feed or merge.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The source, feed or merge.
    pub name: String,
    /// The server answered 304: nothing was read.
    pub not_modified: bool,
    /// The page was byte for byte what was last published, with the same settings: nothing was
    /// parsed, stored or written.
    pub unchanged: bool,
    /// Pages read.
    pub pages: usize,
    /// Entries on the pages read (for a merge: in its inputs).
    pub found: usize,
    /// What the store made of them.
    pub stored: Changes,
    /// Entries removed by retention.
    pub pruned: usize,
    /// Entries in the written feeds.
    pub entries: usize,
    /// Entries that appeared more than once and were folded.
    pub duplicates: usize,
    /// What was skipped or changed, and why.
    pub warnings: Vec<Warning>,
    /// The files written or left alone.
    pub files: Vec<FileReport>,
}

impl Report {
    /// An empty report for `name`, filled in as the work goes.
    fn new(name: &str) -> Report {
        Report {
            name: name.to_string(),
            not_modified: false,
            unchanged: false,
            pages: 0,
            found: 0,
            stored: Changes::default(),
            pruned: 0,
            entries: 0,
            duplicates: 0,
            warnings: Vec::new(),
            files: Vec::new(),
        }
    }
}

/// The store key of an external feed: its URL or its (resolved) path.
pub fn feed_key(input: &Input) -> String {
    format!("feed:{input}")
}

/// How many stored entries to load for a feed of `max` entries: all of them when a filter may
/// drop some.
fn load_limit(max: usize, filtered: bool) -> usize {
    if filtered { usize::MAX } else { max }
}
