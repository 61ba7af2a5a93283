//! Listing text → raw entries: what the page says, field by field, before any cleaning.
//!
//! Extraction only finds strings; [`crate::normalize`] decides what they mean. Keeping the two
//! apart lets `tagfeed preview` show both what a selector matched and what tagfeed made of it.

pub mod feed;
pub mod html;
pub mod select;
pub mod text;

use serde::Serialize;

use crate::model::{Origin, Warning};
use crate::normalize::date::DateRules;
pub use select::{Field, Selectors};

/// How a listing is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Repeated blocks of date line, title line and summary paragraphs.
    Text,
    /// An HTML page read with CSS selectors.
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Format::Text),
            "html" => Ok(Format::Html),
            other => Err(format!(
                "unknown format {other:?}: use \"text\" or \"html\""
            )),
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
            title: None,
            link: None,
            date: None,
            summary: None,
            categories: Vec::new(),
        }
    }
}

/// Everything extracted from one listing page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Listing {
    /// The page's own heading ("Tag: Partnerships"), the default feed title.
    pub heading: Option<String>,
    /// `<base href>`, which HTML resolves relative links against.
    pub base_href: Option<String>,
    /// `<link rel="canonical">`, a last resort for resolving links when no `page_url` is set.
    pub canonical: Option<String>,
    /// The link to the next (older) page, when the source has a `next_page` selector.
    pub next_page: Option<String>,
    /// Entries in page order.
    pub entries: Vec<RawEntry>,
    /// Parts of the page that were not understood.
    pub warnings: Vec<Warning>,
}

/// Extracts raw entries from a decoded listing. HTML needs selectors; text needs the date rules to
/// tell date lines from other lines.
pub fn extract(
    content: &str,
    format: Format,
    selectors: Option<&Selectors>,
    rules: &DateRules,
) -> Result<Listing, ExtractError> {
    match (format, selectors) {
        (Format::Text, _) => Ok(text::extract(content, rules)),
        (Format::Html, Some(sel)) => Ok(html::extract(content, sel)),
        (Format::Html, None) => Err(ExtractError::NoSelectors),
    }
}

/// Why a listing could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error(
        "the listing is HTML but the source has no [source.select] table; add one with at least \
         `item` (try `tagfeed preview FILE --item CSS` to find it)"
    )]
    /// An HTML listing without `[source.select]`.
    NoSelectors,
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
