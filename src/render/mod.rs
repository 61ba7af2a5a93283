//! Our [`Feed`] → bytes in each output format (pure: same feed, same bytes).
//!
//! Renderers never fall back to an empty or default value: a feed that cannot be written exactly
//! (no entries, text XML cannot carry, a writer error) is a [`RenderError`], and nothing is
//! published.

pub mod atom;
pub mod json;
pub mod opml;
pub mod rss;

use chrono::{DateTime, Duration, FixedOffset};
use url::Url;

use crate::model::{Entry, Feed, OutputFormat};
use crate::text::non_xml_char;

/// Why a feed could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// Nothing to render: a feed needs at least one entry (and its date).
    #[error("the feed {0} has no entries")]
    Empty(String),
    /// Text with a character XML cannot carry (normalization removes them; a damaged store can
    /// still hold one).
    #[error(
        "the {field} of {what} holds the character {ch:?}, which XML cannot carry; fix or delete \
         that entry in the store"
    )]
    Invalid {
        /// "entry <id>" or "the feed".
        what: String,
        /// Which text.
        field: &'static str,
        /// The offending character.
        ch: char,
    },
    /// The XML or JSON writer failed.
    #[error("cannot write the {format} feed: {why}")]
    Write {
        /// The format's name.
        format: &'static str,
        /// What the writer said.
        why: String,
    },
}

/// Renders `feed` in `format`, announcing `self_url` as its address.
pub fn render(feed: &Feed, format: OutputFormat, self_url: &Url) -> Result<String, RenderError> {
    if feed.entries.is_empty() {
        return Err(RenderError::Empty(feed.name.clone()));
    }
    match format {
        OutputFormat::Rss => {
            xml_safe(feed)?;
            rss::render(feed, self_url)
        }
        OutputFormat::Atom => {
            xml_safe(feed)?;
            atom::render(feed, self_url)
        }
        OutputFormat::Json => json::render(feed, self_url),
    }
}

/// Checks every text an XML feed carries.
fn xml_safe(feed: &Feed) -> Result<(), RenderError> {
    let check = |what: &dyn Fn() -> String, field: &'static str, s: &str| match non_xml_char(s) {
        Some(ch) => Err(RenderError::Invalid {
            what: what(),
            field,
            ch,
        }),
        None => Ok(()),
    };
    let this = || "the feed".to_string();
    check(&this, "title", &feed.title)?;
    check(&this, "description", &feed.description)?;
    check(&this, "author", &feed.author)?;
    for e in &feed.entries {
        let what = || format!("entry {}", e.id);
        check(&what, "id", &e.id)?;
        check(&what, "title", &e.title)?;
        check(&what, "summary", e.summary.as_deref().unwrap_or(""))?;
        for c in &e.categories {
            check(&what, "category", c)?;
        }
        if let Some(v) = &e.via {
            check(&what, "source title", &v.title)?;
        }
    }
    Ok(())
}

/// Where an entry links to in every format: its own link, else the page of the feed it came from
/// (a merged entry), else the feed's home page; `None` when there is none (never the feed itself).
fn entry_link<'a>(e: &'a Entry, feed: &'a Feed) -> Option<&'a Url> {
    e.link
        .as_ref()
        .or_else(|| e.via.as_ref().and_then(|v| v.home.as_ref()))
        .or(feed.home_page.as_ref())
}

/// The bytes an XML writer produced, as text.
fn utf8(format: &'static str, bytes: Vec<u8>) -> Result<String, RenderError> {
    String::from_utf8(bytes).map_err(|e| RenderError::Write {
        format,
        why: e.to_string(),
    })
}

/// Writes `&` and `<` as the hexadecimal references `&#x26;` and `&#x3C;`, as the RSS Advisory
/// Board's RSS Profile recommends for text. "alpha&omega" written `alpha&amp;omega` looks like an
/// HTML entity to readers that decode titles twice (and draws a validator warning); `&#x26;`
/// cannot be mistaken. Both spellings mean the same character to XML parsers, and inside CDATA
/// (summaries) to HTML parsers, so nothing else changes.
fn profile_escapes(xml: String) -> String {
    // One pass over the references, copying what lies between them.
    let mut out = String::new();
    let mut copied = 0;
    for (at, _) in xml.match_indices('&') {
        let rest = &xml[at..];
        let (from, to) = if rest.starts_with("&amp;") {
            ("&amp;", "&#x26;")
        } else if rest.starts_with("&lt;") {
            ("&lt;", "&#x3C;")
        } else {
            continue;
        };
        if out.is_empty() {
            out.reserve(xml.len() + xml.len() / 8);
        }
        out.push_str(&xml[copied..at]);
        out.push_str(to);
        copied = at + from.len();
    }
    if copied == 0 {
        return xml;
    }
    out.push_str(&xml[copied..]);
    out
}

/// Entries' last-change dates made unique: where two entries share a timestamp (two articles
/// published the same day have the same midnight), the newer one in feed order gets one second
/// more, and so on. Atom's `updated` must differ between entries for validators and some readers;
/// the published date is left as the page gave it. Returned in the entries' order.
pub(crate) fn distinct_dates(entries: &[Entry]) -> Vec<DateTime<FixedOffset>> {
    let mut used = std::collections::HashSet::new();
    let mut out: Vec<DateTime<FixedOffset>> = entries
        .iter()
        .rev()
        .map(|e| {
            let mut d = e.last_change();
            while !used.insert(d.timestamp()) {
                d += Duration::seconds(1);
            }
            d
        })
        .collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_written_as_the_rss_profile_says() {
        assert_eq!(
            profile_escapes("&amp;a &lt;b&gt; &#x26; &quot;&amp;".into()),
            "&#x26;a &#x3C;b&gt; &#x26; &quot;&#x26;"
        );
        assert_eq!(profile_escapes("plain & simple".into()), "plain & simple");
    }

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
            let body = render(&f, format, &url).unwrap();
            if format != OutputFormat::Json {
                assert!(
                    !body.contains("&amp;") && body.contains("&#x26;"),
                    "{format:?}: {body}"
                );
                assert!(
                    body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<"),
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
                crate::text::strip_tags(html),
                "a < b & c",
                "{format:?}: {html}"
            );
        }
    }

    #[test]
    fn what_cannot_be_written_is_an_error() {
        let url = Url::parse("https://feeds.example.org/t").unwrap();
        for format in OutputFormat::ALL {
            let err = render(&feed(Vec::new()), format, &url).unwrap_err();
            assert_eq!(err, RenderError::Empty("t".into()));
        }
        let mut e = entry("urn:a", "bad \u{1} title", "2020-10-09T00:00:00Z");
        e.summary = None;
        let f = feed(vec![e]);
        for format in [OutputFormat::Rss, OutputFormat::Atom] {
            let err = render(&f, format, &url).unwrap_err().to_string();
            assert!(
                err.contains("the title of entry urn:a holds the character '\\u{1}'"),
                "{err}"
            );
        }
        assert!(
            render(&f, OutputFormat::Json, &url).is_ok(),
            "JSON can carry it"
        );
    }

    #[test]
    fn an_entry_without_a_link_points_at_its_origin_never_at_the_feed() {
        let url = Url::parse("https://feeds.example.org/m.rss.xml").unwrap();
        let mut merged = feed(vec![entry("urn:a", "A", "2020-10-09T00:00:00Z")]);
        merged.home_page = None;
        for format in OutputFormat::ALL {
            let body = render(&merged, format, &url).unwrap();
            let back = feed_rs::parser::parse(body.as_bytes()).unwrap();
            assert!(back.entries[0].links.is_empty(), "{format:?}: {body}");
        }
        merged.entries[0].via = Some(std::sync::Arc::new(crate::model::Provenance {
            title: "Tag".into(),
            feed_url: None,
            home: Url::parse("https://e.org/tag/x/").ok(),
        }));
        for format in OutputFormat::ALL {
            let body = render(&merged, format, &url).unwrap();
            let back = feed_rs::parser::parse(body.as_bytes()).unwrap();
            assert_eq!(
                back.entries[0].links[0].href, "https://e.org/tag/x/",
                "{format:?}"
            );
        }
    }
}
