//! What a source is (its settings: where the listing comes from, how it is written, its selectors,
//! date rules, pagination, retention and filters) and reading its bytes from a saved file. HTTP
//! pages come through [`crate::fetch`]; [`charset`] turns either into text.
//!
//! Everything after this stage works on text and never touches the filesystem or network.

pub mod charset;
pub mod select;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;
use url::Url;

use crate::date::DateRules;
use crate::fetch::{Overrides, Page};
use crate::filter::Filter;
use crate::model::{LinkError, web_url};
use crate::schedule::Schedule;
pub use select::{Field, Partial, SelectorError, Selectors};

/// Default `backfill_pages` (at least `max_pages`).
pub const DEFAULT_BACKFILL_PAGES: usize = 10;

/// Where a listing or feed comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A saved file.
    Path(PathBuf),
    /// A page fetched over HTTP(S).
    Url(Url),
}

/// A value that is neither a web address nor a file path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Nothing written.
    #[error("an empty value is neither a URL nor a file path")]
    Empty,
    /// A URL, but not one tagfeed can fetch.
    #[error("{value:?} is neither an http(s) URL nor a file path: {why}")]
    NotWeb {
        /// As written.
        value: String,
        /// Why it is not a web address.
        why: LinkError,
    },
}

impl Input {
    /// Reads a `url`, `feeds` entry or command-line argument: anything with a scheme must be an
    /// absolute http(s) URL, everything else is a path.
    pub fn parse(value: &str) -> Result<Input, InputError> {
        let v = value.trim();
        if v.is_empty() {
            Err(InputError::Empty)
        } else if v.contains("://") || v.starts_with("http:") || v.starts_with("https:") {
            web_url(v, None)
                .map(Input::Url)
                .map_err(|why| InputError::NotWeb {
                    value: value.to_string(),
                    why,
                })
        } else {
            Ok(Input::Path(PathBuf::from(v)))
        }
    }
}

impl std::fmt::Display for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Path(p) => write!(f, "{}", p.display()),
            Input::Url(u) => write!(f, "{u}"),
        }
    }
}

/// A preset a source names, and the fields it sets itself.
#[derive(Debug, Clone, PartialEq)]
pub struct PresetChoice {
    /// The preset's name (checked against the compiled-in presets when the config loads).
    pub name: String,
    /// `[source.select]` keys given beside it.
    pub over: Partial,
}

/// How a listing is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Repeated blocks of date line, title line and summary paragraphs.
    Text,
    /// An HTML page read with CSS selectors.
    Html,
}

/// A format name that is neither `text` nor `html`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format {0:?}: use \"text\" or \"html\"")]
pub struct UnknownListingFormat(pub String);

impl std::str::FromStr for Format {
    type Err = UnknownListingFormat;
    fn from_str(s: &str) -> Result<Self, UnknownListingFormat> {
        match s {
            "text" => Ok(Format::Text),
            "html" => Ok(Format::Html),
            other => Err(UnknownListingFormat(other.to_string())),
        }
    }
}

impl Format {
    /// Guesses the format from the content: markup near the start means HTML.
    pub fn guess(content: &str) -> Format {
        let head: String = content
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .take(2048)
            .collect::<String>()
            .to_ascii_lowercase();
        let markup = [
            "<!doctype",
            "<html",
            "<head",
            "<body",
            "<div",
            "<ul",
            "<article",
            "<?xml",
        ];
        if head.starts_with('<') || markup.iter().any(|m| head.contains(m)) {
            Format::Html
        } else {
            Format::Text
        }
    }
}

/// How to walk a paginated archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// Query parameter holding the page number (defense.gov: `Page`, so page 2 is `?Page=2`).
    pub page_param: Option<String>,
    /// Pages read on an ordinary run.
    pub max_pages: usize,
    /// Pages read on a source's first run and with `tagfeed run --backfill`.
    pub backfill_pages: usize,
}

/// How long a source keeps entries that are no longer on its listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// Drop entries older than this many days.
    pub keep_days: Option<u32>,
    /// Keep at most this many entries, newest first.
    pub keep_items: Option<usize>,
}

/// The layout-change guard: a page with far fewer items than the last good run is not published
/// (a redesign that leaves a selector matching the wrong few things must not empty a feed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guard {
    /// Fewer items than this on page 1 fail the source, whatever the last run found.
    pub min_items: Option<usize>,
    /// Fewer items than this share of the last good run's page 1 fail the source.
    pub min_ratio: f64,
}

impl Default for Guard {
    fn default() -> Guard {
        Guard {
            min_items: None,
            min_ratio: 0.3,
        }
    }
}

/// One `[[source]]`: a listing that becomes one feed per format.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Slug: `[a-z0-9-]+`, the feed's file name.
    pub name: String,
    /// Feed title; `None` uses the listing's heading.
    pub title: Option<String>,
    /// RSS description / Atom subtitle; a default is built from the title.
    pub description: Option<String>,
    /// Atom author; defaults to the page's host.
    pub author: Option<String>,
    /// Where the listing comes from.
    pub input: Input,
    /// The listing's public address: resolves relative links, and is the feed's home page.
    pub page_url: Option<Url>,
    /// `None`: guessed from the content.
    pub format: Option<Format>,
    /// How dates without an offset or with an ambiguous order are read.
    pub rules: DateRules,
    /// `day_first` was not configured: guess it from each page's plain dates.
    pub guess_day_first: bool,
    /// Added to every entry; `None` means "the listing's tag" (see `normalize::term`).
    pub categories: Option<Vec<String>>,
    /// Overrides `[output] max_items`.
    pub max_items: Option<usize>,
    /// The selectors of an HTML listing. With neither these nor a preset, items are detected.
    pub select: Option<Selectors>,
    /// A named preset (`preset = "wordpress"`), resolved on each page, with the selectors the
    /// source writes over it.
    pub preset: Option<PresetChoice>,
    /// Its own user agent, timeout and robots.txt choice.
    pub fetch: Overrides,
    /// How to walk older pages.
    pub pagination: Pagination,
    /// How long stored entries are kept.
    pub retention: Retention,
    /// When a page has too few items to publish.
    pub guard: Guard,
    /// Which stored entries make it into the feed.
    pub filter: Filter,
    /// Overrides `[schedule]` in the daemon.
    pub schedule: Option<Schedule>,
}

impl Source {
    /// A source with every optional setting at its default, as a config with only `name` and
    /// `path`/`url` gives.
    pub fn new(name: impl Into<String>, input: Input) -> Source {
        let fetch = match &input {
            Input::Url(u) => Overrides::for_url(u),
            Input::Path(_) => Overrides::default(),
        };
        Source {
            name: name.into(),
            title: None,
            description: None,
            author: None,
            input,
            page_url: None,
            format: None,
            rules: DateRules::default(),
            guess_day_first: true,
            categories: None,
            max_items: None,
            select: None,
            preset: None,
            fetch,
            pagination: Pagination {
                page_param: None,
                max_pages: 1,
                backfill_pages: DEFAULT_BACKFILL_PAGES,
            },
            retention: Retention::default(),
            guard: Guard::default(),
            filter: Filter::default(),
            schedule: None,
        }
    }

    /// For a saved file with pagination settings (`next_page`, `page_param`, `max_pages` over 1):
    /// why they do nothing. A run reads one file; walking an archive needs its `url`.
    pub fn pagination_ignored(&self) -> Option<String> {
        let Input::Path(_) = self.input else {
            return None;
        };
        let next = self.select.as_ref().and_then(|s| s.next_page.as_ref());
        let keys: Vec<&str> = [
            next.map(|_| "select.next_page"),
            self.pagination.page_param.as_ref().map(|_| "page_param"),
            (self.pagination.max_pages > 1).then_some("max_pages"),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!keys.is_empty()).then(|| {
            format!(
                "{} ignored: a saved file is read alone, with no next page to fetch; \
                 give the listing's `url` instead of `path` to walk its older pages",
                keys.join(", ")
            )
        })
    }

    /// The address relative links resolve against: `page_url`, else the URL it is fetched from.
    pub fn page_url(&self) -> Option<&Url> {
        self.page_url.as_ref().or(match &self.input {
            Input::Url(u) => Some(u),
            Input::Path(_) => None,
        })
    }
}

/// A listing or feed as read, before decoding.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The raw bytes.
    pub bytes: Vec<u8>,
    /// The transport's declared charset (HTTP `Content-Type`), when there is one.
    pub charset: Option<String>,
    /// When a saved file was last modified: the first-seen time of its undated entries.
    pub modified: Option<SystemTime>,
    /// Where a fetched page was found (after redirects): relative links resolve against it.
    pub url: Option<Url>,
}

impl From<Page> for Loaded {
    /// A fetched page, as read: its links resolve against where it was found.
    fn from(p: Page) -> Self {
        Loaded {
            bytes: p.bytes,
            charset: p.charset,
            modified: None,
            url: Some(p.url),
        }
    }
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
    /// The path names a device, a FIFO, a socket or a folder: reading it could block forever or
    /// never end.
    #[error("{path} is {kind}, not a regular file; `path` takes a saved page or feed file")]
    NotAFile {
        /// The listing file.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// The file is larger than a fetched page may be.
    #[error(
        "{path} is larger than [fetch] max_body ({limit} bytes); refused: raise max_body if the file is right"
    )]
    TooLarge {
        /// The listing file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
}

/// What kind of file `t` is, in words, when it is no regular file.
fn odd_kind(t: std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a folder")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_char_device() || t.is_block_device() {
        Some("a device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a plain file")
    }
}

/// Reads a saved listing or feed file: a regular file (a symlink to one is fine) of at most
/// `max_body` bytes, as a fetched page may be. It is opened without blocking and checked before
/// a byte is read, so `/dev/zero` or a FIFO fail at once instead of filling memory or hanging.
pub fn read_file(path: &Path, max_body: u64) -> Result<Loaded, SourceError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let err = |source| SourceError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(err)?;
    let meta = file.metadata().map_err(err)?;
    if let Some(kind) = odd_kind(meta.file_type()) {
        return Err(SourceError::NotAFile {
            path: path.to_path_buf(),
            kind,
        });
    }
    let too_large = || SourceError::TooLarge {
        path: path.to_path_buf(),
        limit: max_body,
    };
    if meta.len() > max_body {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte past the limit tells a file that grew since it was looked at.
    file.take(max_body.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > max_body {
        return Err(too_large());
    }
    Ok(Loaded {
        bytes,
        charset: None,
        modified: meta.modified().ok(),
        url: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("page.html");
        std::fs::write(&page, "<p>twelve b</p>").unwrap();
        assert_eq!(read_file(&page, 100).unwrap().bytes.len(), 15);
        let e = read_file(&page, 10).unwrap_err().to_string();
        assert!(e.contains("larger than [fetch] max_body (10 bytes)"), "{e}");
        let e = read_file(Path::new("/dev/zero"), 1_000_000)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/dev/zero is a device, not a regular file"),
            "{e}"
        );
        let e = read_file(dir.path(), 100).unwrap_err().to_string();
        assert!(e.contains("is a folder"), "{e}");
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads the NUL-terminated path we own.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // No writer ever opens it: a blocking read would hang here.
        let e = read_file(&fifo, 100).unwrap_err().to_string();
        assert!(
            e.contains("is a FIFO (named pipe), not a regular file"),
            "{e}"
        );
    }

    #[test]
    fn guesses_format() {
        assert_eq!(Format::guess("\u{feff}<!DOCTYPE html><html>"), Format::Html);
        assert_eq!(
            Format::guess("  <listing-with-preview a=\"b\">"),
            Format::Html
        );
        assert_eq!(
            Format::guess("Tag: X\n\nOct. 9, 2020\n\nTitle"),
            Format::Text
        );
    }

    #[test]
    fn inputs_are_urls_or_paths() {
        assert_eq!(
            Input::parse(" https://e.org/feed ").unwrap(),
            Input::Url(Url::parse("https://e.org/feed").unwrap())
        );
        assert_eq!(
            Input::parse("saved/other.rss").unwrap(),
            Input::Path("saved/other.rss".into())
        );
        let err = Input::parse("ftp://e.org/feed").unwrap_err().to_string();
        assert!(
            err.contains("neither an http(s) URL nor a file path"),
            "{err}"
        );
        assert!(Input::parse("  ").is_err());
    }
}
