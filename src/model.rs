//! tagfeed's own vocabulary: the entry and feed model every stage speaks, the formats feeds are
//! written in, and the few rules about links, titles and dates that several stages apply.
//!
//! Every input (text listings, HTML listings, external feeds) is extracted into raw entries and
//! normalized into [`Entry`] values; every output format is rendered from a [`Feed`] of them. One
//! model means a fix to dates, ids or links lands once for all formats. This module uses nothing
//! else of tagfeed's, so every other module may use it.

use chrono::{DateTime, FixedOffset, NaiveTime};
use url::Url;

/// Where tagfeed says it comes from: in its `User-Agent`, the feeds' `generator` and the index.
pub const PROJECT_URL: &str = env!("CARGO_PKG_REPOSITORY");

/// One article of a listing, normalized and ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Stable id: the canonical link, the feed's own id, or a `urn:uuid:` hash (see
    /// `normalize::id`). Readers de-duplicate on it, so it must never change for the same article.
    pub id: String,
    /// Plain text, whitespace collapsed, entities decoded.
    pub title: String,
    /// Absolute link to the article, if the listing has one.
    pub link: Option<Url>,
    /// The date the listing gives, in the offset it was read in. `None` when the page has no
    /// (plausible) date: then [`Entry::first_seen`] stands in.
    pub published: Option<DateTime<FixedOffset>>,
    /// When tagfeed first saw the entry. Undated entries are dated by it, so it must be stable.
    pub first_seen: DateTime<FixedOffset>,
    /// When tagfeed noticed the title or summary change, if it ever did.
    pub updated: Option<DateTime<FixedOffset>>,
    /// Sanitized HTML with absolute links, safe to embed in any feed.
    pub summary: Option<String>,
    /// Tags and categories, de-duplicated case-insensitively, in first-seen order.
    pub categories: Vec<String>,
    /// The feed a merged entry came from (Atom `source`, RSS `source`); `None` in a source's own
    /// feed. Shared by every entry of that input.
    pub via: Option<std::sync::Arc<Provenance>>,
}

/// The feed an entry was taken from, so a merged feed can say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// Plain text.
    pub title: String,
    /// The origin feed's own URL.
    pub feed_url: Option<Url>,
    /// The site or listing it mirrors.
    pub home: Option<Url>,
}

impl Entry {
    /// The date readers sort by: the published date, else the first-seen date. The one sort key:
    /// feeds, filters, merges and the store's `sort_at` column all use it.
    pub fn date(&self) -> DateTime<FixedOffset> {
        self.published.unwrap_or(self.first_seen)
    }

    /// The last change readers should know about: the edit date, else [`Entry::date`].
    pub fn last_change(&self) -> DateTime<FixedOffset> {
        self.updated
            .map_or_else(|| self.date(), |u| u.max(self.date()))
    }

    /// Whether [`Entry::id`] is the article's URL (RSS `isPermaLink`).
    pub fn id_is_link(&self) -> bool {
        self.link.as_ref().is_some_and(|l| l.as_str() == self.id)
    }
}

/// A feed ready to render: metadata plus entries sorted newest first and already cut to size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// Slug, used in file names and self links.
    pub name: String,
    /// Plain text.
    pub title: String,
    /// One sentence for RSS `description` / Atom `subtitle` (RSS requires it).
    pub description: String,
    /// The listing page this feed mirrors; the fallback link for entries without their own.
    pub home_page: Option<Url>,
    /// Atom requires an author; this names who publishes the listing.
    pub author: String,
    /// Newest first, already cut to `max_items`.
    pub entries: Vec<Entry>,
}

impl Feed {
    /// The feed's own date, taken from its entries rather than the clock so that the same input
    /// renders byte-identical files. `None` for a feed without entries, which is never published.
    pub fn updated(&self) -> Option<DateTime<FixedOffset>> {
        self.entries.iter().map(Entry::date).max()
    }
}

/// The output formats tagfeed writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

/// A format name tagfeed does not write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format {0:?}: use \"rss\", \"atom\" or \"json\"")]
pub struct UnknownFormat(pub String);

impl std::str::FromStr for OutputFormat {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, UnknownFormat> {
        match s {
            "rss" => Ok(OutputFormat::Rss),
            "atom" => Ok(OutputFormat::Atom),
            "json" => Ok(OutputFormat::Json),
            other => Err(UnknownFormat(other.to_string())),
        }
    }
}

impl OutputFormat {
    /// Every format, in the order files are written and listed.
    pub const ALL: [OutputFormat; 3] = [OutputFormat::Rss, OutputFormat::Atom, OutputFormat::Json];

    /// File name suffix: `<name>.rss.xml`, `<name>.atom.xml`, `<name>.json`.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Rss => "rss.xml",
            OutputFormat::Atom => "atom.xml",
            OutputFormat::Json => "json",
        }
    }

    /// The media type the file must be served with.
    pub fn media_type(self) -> &'static str {
        match self {
            OutputFormat::Rss => "application/rss+xml",
            OutputFormat::Atom => "application/atom+xml",
            OutputFormat::Json => "application/feed+json",
        }
    }

    /// The name people know the format by.
    pub fn label(self) -> &'static str {
        match self {
            OutputFormat::Rss => "RSS",
            OutputFormat::Atom => "Atom",
            OutputFormat::Json => "JSON Feed",
        }
    }

    /// The file name of feed `name` in this format.
    pub fn file_name(self, name: &str) -> String {
        format!("{name}.{}", self.extension())
    }
}

/// Where in a listing an entry came from, so warnings point at something the user can find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// 1-based line of a text listing.
    Line(usize),
    /// 1-based position of an item element in an HTML listing, or of an entry in a feed.
    Item(usize),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Line(n) => write!(f, "line {n}"),
            Origin::Item(n) => write!(f, "item {n}"),
        }
    }
}

/// A problem with part of a listing that did not stop the run. Reported, never swallowed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// The entry it is about, if any.
    pub origin: Option<Origin>,
    /// What happened and what was done about it.
    pub message: String,
}

impl Warning {
    /// A warning about one entry.
    pub fn at(origin: Origin, message: impl Into<String>) -> Self {
        Warning {
            origin: Some(origin),
            message: message.into(),
        }
    }

    /// A warning about the listing as a whole.
    pub fn page(message: impl Into<String>) -> Self {
        Warning {
            origin: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.origin {
            Some(o) => write!(f, "{o}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why a string is not a link a feed can carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// A URL of another kind (`mailto:`, `javascript:`, `file:`…).
    #[error("{href:?} is a {scheme}: URL, not a web page")]
    NotWeb {
        /// As written.
        href: String,
        /// Its scheme.
        scheme: String,
    },
    /// A relative URL and nothing to resolve it against.
    #[error("{href:?} is relative and there is no address to resolve it against")]
    Relative {
        /// As written.
        href: String,
    },
    /// Not a URL at all.
    #[error("{href:?} is not a URL ({why})")]
    Invalid {
        /// As written.
        href: String,
        /// What the URL parser said.
        why: String,
    },
}

/// The one rule for links: `href` (resolved against `base` when there is one) must be an absolute
/// `http:` or `https:` URL with a host. Config values, listing links, `<base href>`, canonical
/// links and feed links all go through it, so a link is either usable in a feed or reported.
pub fn web_url(href: &str, base: Option<&Url>) -> Result<Url, LinkError> {
    let href = href.trim();
    let parsed = match base {
        Some(b) => b.join(href),
        None => Url::parse(href),
    };
    match parsed {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        Ok(u) if matches!(u.scheme(), "http" | "https") => Err(LinkError::Invalid {
            href: href.to_string(),
            why: "no host".into(),
        }),
        Ok(u) => Err(LinkError::NotWeb {
            href: href.to_string(),
            scheme: u.scheme().to_string(),
        }),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(LinkError::Relative {
            href: href.to_string(),
        }),
        Err(e) => Err(LinkError::Invalid {
            href: href.to_string(),
            why: e.to_string(),
        }),
    }
}

/// The form of a title two copies of one article share: lowercase, whitespace collapsed. Hashed
/// ids and merges compare titles by it.
pub fn title_key(title: &str) -> String {
    let lower = title.to_lowercase();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a date carries a time of day. Listings that print only a date are read as local
/// midnight, so midnight means "a date alone": a copy of the article with a time is more exact.
pub fn has_time(d: &DateTime<FixedOffset>) -> bool {
    d.time() != NaiveTime::MIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_urls_and_why_not() {
        let base = Url::parse("https://e.org/tag/x/").unwrap();
        assert_eq!(
            web_url(" ../y ", Some(&base)).unwrap().as_str(),
            "https://e.org/tag/y"
        );
        assert_eq!(
            web_url("HTTP://E.org/a", None).unwrap().as_str(),
            "http://e.org/a"
        );
        assert!(matches!(
            web_url("welcome", None),
            Err(LinkError::Relative { .. })
        ));
        assert!(matches!(
            web_url("javascript:x()", Some(&base)),
            Err(LinkError::NotWeb { scheme, .. }) if scheme == "javascript"
        ));
        assert!(matches!(
            web_url("http://[oops/", None),
            Err(LinkError::Invalid { .. })
        ));
    }

    #[test]
    fn title_keys_and_times() {
        assert_eq!(title_key("  The\u{a0}Title\n"), "the title");
        let midnight = DateTime::parse_from_rfc3339("2020-10-09T00:00:00-04:00").unwrap();
        let morning = DateTime::parse_from_rfc3339("2020-10-09T10:07:00-04:00").unwrap();
        assert!(!has_time(&midnight) && has_time(&morning));
    }
}
