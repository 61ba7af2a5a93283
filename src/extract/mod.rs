//! Listing text and feed bytes → raw entries: what the input says, field by field, before any
//! cleaning (pure).
//!
//! Extraction only finds strings; [`crate::normalize`] decides what they mean. Keeping the two
//! apart lets `tagfeed preview` show both what a selector matched and what tagfeed made of it, and
//! lets text listings, HTML listings and external feeds share one normalizer.

pub mod dom;
pub mod feed;
pub mod html;
pub mod jsonld;
pub mod text;

use scraper::Html;
use serde::Serialize;

use crate::model::{Origin, Warning};
use crate::source::Selectors;

/// A summary as found: plain-text paragraphs, or an HTML fragment still to be sanitized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RawSummary {
    /// Plain-text paragraphs (text listings, attribute values).
    Text(Vec<String>),
    /// An element's inner HTML.
    Html(String),
}

/// One entry as found on the page. Every field is optional; normalization reports what is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawEntry {
    /// Where it is on the page.
    pub origin: Origin,
    /// The entry's own id as the input gives it (a feed's guid); listings have none.
    pub id: Option<String>,
    /// Title text.
    pub title: Option<String>,
    /// The href as written (maybe relative).
    pub link: Option<String>,
    /// The date as written.
    pub date: Option<String>,
    /// The summary as found.
    pub summary: Option<RawSummary>,
    /// Categories as written.
    pub categories: Vec<String>,
}

impl RawEntry {
    /// An entry with nothing found yet.
    pub fn new(origin: Origin) -> Self {
        RawEntry {
            origin,
            id: None,
            title: None,
            link: None,
            date: None,
            summary: None,
            categories: Vec::new(),
        }
    }
}

/// Everything extracted from one listing page or feed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Listing {
    /// The page's own heading: its first `<h1>` ("Tag: Partnerships"), a text listing's first
    /// line, a feed's title.
    pub heading: Option<String>,
    /// An HTML page's `<title>` ("RaspberryPi – whizzy.org").
    pub title: Option<String>,
    /// `<base href>`, which HTML resolves relative links against.
    pub base_href: Option<String>,
    /// `<link rel="canonical">`, or a feed's self link: a last resort for resolving links when
    /// nothing else gives the address.
    pub canonical: Option<String>,
    /// The site a feed belongs to (its alternate link).
    pub home: Option<String>,
    /// The link to the next (older) page, when the source has a `next_page` selector.
    pub next_page: Option<String>,
    /// Entries in page order.
    pub entries: Vec<RawEntry>,
    /// Parts of the page that were not understood.
    pub warnings: Vec<Warning>,
}

/// How an HTML page's items are read: with selectors (written by the user, a preset's, or
/// detected), or from the page's JSON-LD.
#[derive(Debug, Clone, PartialEq)]
pub enum Recipe {
    /// One entry per `item` match, fields inside it.
    Selectors(Box<Selectors>),
    /// The longest list of the page's JSON-LD.
    JsonLd,
}

/// Extracts a parsed HTML page's items with `recipe`.
pub fn with_recipe(doc: &Html, recipe: &Recipe) -> Listing {
    match recipe {
        Recipe::Selectors(s) => html::extract_doc(doc, s),
        Recipe::JsonLd => {
            let items = jsonld::extract_doc(doc);
            Listing {
                entries: items.entries,
                warnings: items.warnings,
                ..html::page(doc)
            }
        }
    }
}

/// Why a listing could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// An HTML page without selectors where detection found no list.
    #[error(
        "no list of items found on the page: neither its structured data, a preset nor the \
         detector found one it is sure of; write a [source.select] table with at least `item` \
         (`tagfeed suggest --all` shows the likeliest lists, `tagfeed preview --item CSS` tries \
         one)"
    )]
    NothingFound,
    /// A source names a preset that does not exist (the config check rules this out).
    #[error("unknown preset {0:?}")]
    UnknownPreset(String),
    /// A source's preset matches no item on the page.
    #[error(
        "preset {0:?} finds no items on the page: the site may use another theme; remove `preset` \
         to have items detected, or write `item` in [source.select] (see `tagfeed suggest`)"
    )]
    PresetFindsNothing(String),
    /// A page whose markup would take minutes to parse (nesting, attributes).
    #[error(transparent)]
    HostileMarkup(#[from] dom::HostileMarkup),
}
