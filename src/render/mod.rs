//! Our [`Feed`] → bytes in each output format. Renderers are pure: same feed, same bytes.

pub mod atom;
pub mod json;
pub mod opml;
pub mod rss;

use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;
use url::Url;

use crate::model::{Entry, Feed};

/// The output formats tagfeed writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "rss" => Ok(OutputFormat::Rss),
            "atom" => Ok(OutputFormat::Atom),
            "json" => Ok(OutputFormat::Json),
            other => Err(format!(
                "unknown format {other:?}: use \"rss\", \"atom\" or \"json\""
            )),
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

    /// The file name of feed `name` in this format.
    pub fn file_name(self, name: &str) -> String {
        format!("{name}.{}", self.extension())
    }

    /// The public URL of feed `name` in this format under `base_url` (which ends with `/`).
    pub fn self_url(self, base_url: &Url, name: &str) -> Url {
        // A slug plus a fixed suffix always joins; fall back to the base rather than panic.
        base_url
            .join(&self.file_name(name))
            .unwrap_or_else(|_| base_url.clone())
    }
}

/// Renders `feed` in `format`, announcing `self_url` as its address.
pub fn render(feed: &Feed, format: OutputFormat, self_url: &Url) -> String {
    match format {
        OutputFormat::Rss => rss::render(feed, self_url),
        OutputFormat::Atom => atom::render(feed, self_url),
        OutputFormat::Json => json::render(feed, self_url),
    }
}

/// Writes `&` and `<` as the hexadecimal references `&#x26;` and `&#x3C;`, as the RSS Advisory
/// Board's RSS Profile recommends for text. "alpha&omega" written `alpha&amp;omega` looks like an
/// HTML entity to readers that decode titles twice (and draws a validator warning); `&#x26;`
/// cannot be mistaken. Both spellings mean the same character to XML parsers, and inside CDATA
/// (summaries) to HTML parsers, so nothing else changes.
fn profile_escapes(xml: String) -> String {
    if xml.contains("&amp;") || xml.contains("&lt;") {
        xml.replace("&amp;", "&#x26;").replace("&lt;", "&#x3C;")
    } else {
        xml
    }
}

/// Entries' last-change dates made unique: where two entries share a timestamp (two articles
/// published the same day have the same midnight), the newer one in feed order gets one second
/// more, and so on. Atom's `updated` must differ between entries for validators and some readers;
/// the published date is left as the page gave it. Returned in the entries' order.
pub fn distinct_dates(entries: &[Entry]) -> Vec<DateTime<FixedOffset>> {
    let mut used = std::collections::HashSet::new();
    let mut out = vec![DateTime::<FixedOffset>::default(); entries.len()];
    for (i, e) in entries.iter().enumerate().rev() {
        let mut d = e.last_change();
        while !used.insert(d.timestamp()) {
            d += Duration::seconds(1);
        }
        out[i] = d;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, title: &str, date: &str) -> Entry {
        let d = DateTime::parse_from_rfc3339(date).unwrap();
        Entry {
            id: id.into(),
            title: title.into(),
            link: None,
            published: Some(d),
            first_seen: d,
            updated: None,
            summary: Some("a &lt; b &amp; <b>c</b>".into()),
            categories: vec!["R&D".into()],
            via: None,
        }
    }

    fn feed(entries: Vec<Entry>) -> Feed {
        Feed {
            name: "t".into(),
            title: "Q&A <news>".into(),
            description: "d".into(),
            home_page: Url::parse("https://e.org/").ok(),
            author: "a".into(),
            entries,
        }
    }

    #[test]
    fn same_day_entries_get_distinct_atom_dates() {
        let entries = vec![
            entry("urn:a", "A", "2020-10-09T00:00:00Z"),
            entry("urn:b", "B", "2020-10-09T00:00:00Z"),
            entry("urn:c", "C", "2020-10-08T00:00:00Z"),
        ];
        let d: Vec<String> = distinct_dates(&entries)
            .iter()
            .map(|d| d.to_rfc3339())
            .collect();
        assert_eq!(
            d,
            [
                "2020-10-09T00:00:01+00:00",
                "2020-10-09T00:00:00+00:00",
                "2020-10-08T00:00:00+00:00"
            ]
        );
    }

    #[test]
    fn ampersands_and_angle_brackets_survive_every_format() {
        let f = feed(vec![entry(
            "urn:a",
            "alpha&omega <tag>",
            "2020-10-09T00:00:00Z",
        )]);
        let url = Url::parse("https://feeds.example.org/t").unwrap();
        for format in OutputFormat::ALL {
            let body = render(&f, format, &url);
            if format != OutputFormat::Json {
                assert!(
                    !body.contains("&amp;") && body.contains("&#x26;"),
                    "{format:?}: {body}"
                );
            }
            let back = feed_rs::parser::parse(body.as_bytes()).unwrap();
            assert_eq!(back.title.unwrap().content, "Q&A <news>", "{format:?}");
            let e = &back.entries[0];
            assert_eq!(
                e.title.as_ref().unwrap().content,
                "alpha&omega <tag>",
                "{format:?}"
            );
            assert_eq!(e.categories[0].term, "R&D", "{format:?}");
            // The summary's HTML may spell its references differently; it reads the same.
            let html = &e
                .summary
                .as_ref()
                .map(|s| s.content.clone())
                .or_else(|| e.content.as_ref().and_then(|c| c.body.clone()))
                .unwrap();
            assert_eq!(
                crate::normalize::text::strip_tags(html),
                "a < b & c",
                "{format:?}: {html}"
            );
        }
    }
}
