//! tagfeed's own entry and feed model.
//!
//! Every input (text listings, HTML listings, later external feeds) is adapted into these types, and
//! every output format is rendered from them. Keeping one model means a fix to dates, ids or links
//! lands once for all formats.

use chrono::{DateTime, FixedOffset};
use url::Url;

/// One article of a listing, normalized and ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Stable id: the canonical link, or a `urn:uuid:` hashed from source, title and date when the
    /// entry has no link (see [`crate::normalize::id`]). Readers de-duplicate on it, so it must never
    /// change for the same article.
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
    /// feed.
    pub via: Option<Provenance>,
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
    /// The date readers sort by: the published date, else the first-seen date.
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
    /// renders byte-identical files. An empty feed gets the Unix epoch.
    pub fn updated(&self) -> DateTime<FixedOffset> {
        self.entries
            .iter()
            .map(Entry::date)
            .max()
            .unwrap_or_default()
    }
}

/// Where in a listing an entry came from, so warnings point at something the user can find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// 1-based line of a text listing.
    Line(usize),
    /// 1-based position of an item element in an HTML listing.
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
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.origin {
            Some(o) => write!(f, "{o}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
