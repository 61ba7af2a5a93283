//! External feeds (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed) → our entries.
//!
//! feed-rs parses every format into one model; this adapter maps that model onto ours with the same
//! rules as listings: sanitized HTML, absolute http(s) links, plausible dates, stable ids.
//!
//! Ids: an entry's own id when it is an absolute URI (`tag:`, `urn:`, `http:`…), a hash of the feed
//! and the id when it is a bare guid like "12345" (not unique across feeds), and when the feed gives
//! none, the canonical link or a hash of feed, title and date: never feed-rs's fallback, which is
//! random for entries without links.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use url::Url;

use crate::model::{Entry, Origin, Warning};
use crate::normalize::{self, id, text};

/// Marks ids feed-rs had to make up, so the adapter replaces them with stable ones.
const GENERATED: &str = "\u{0}tagfeed-generated";

/// An external feed read into our model.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The feed's title, for provenance.
    pub title: Option<String>,
    /// The site the feed belongs to.
    pub home: Option<Url>,
    /// Where the feed says it lives.
    pub self_url: Option<Url>,
    /// Entries in feed order, de-duplicated.
    pub entries: Vec<Entry>,
    /// Entries that were skipped or changed, and why.
    pub warnings: Vec<Warning>,
}

/// A feed that could not be parsed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} is not a feed tagfeed can read ({why}); check that it serves RSS, Atom or JSON Feed"
)]
pub struct FeedError {
    /// The feed: its URL or path.
    pub what: String,
    /// The parser's message.
    pub why: String,
}

/// Parses `bytes` (raw, so the XML prolog's encoding is honoured) fetched from `base`. `key` names
/// the feed in hashed ids and messages.
pub fn parse(
    bytes: &[u8],
    key: &str,
    base: Option<&Url>,
    now: DateTime<Utc>,
) -> Result<ParsedFeed, FeedError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base.map(Url::as_str))
        .id_generator(|_, _, _| GENERATED.to_string())
        .build();
    let feed = parser.parse(bytes).map_err(|e| FeedError {
        what: key.to_string(),
        why: e.to_string(),
    })?;
    let link = |rel: &str, base: Option<&Url>| {
        feed.links
            .iter()
            .find(|l| l.rel.as_deref().unwrap_or("alternate") == rel)
            .and_then(|l| web_url(&l.href, base))
    };
    // A feed read from a file resolves relative links against where it says it lives.
    let self_url = link("self", base);
    let base = base.or(self_url.as_ref());
    let mut warnings = Vec::new();
    let seen_at = now.trunc_subsecs(0).fixed_offset();
    let entries = feed
        .entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let at = Origin::Item(i + 1);
            adapt(e, key, base, now, &mut warnings, at).map(|mut entry| {
                entry.first_seen = seen_at - Duration::seconds(i as i64);
                entry
            })
        })
        .collect::<Vec<_>>();
    let (entries, _) = normalize::dedupe(entries);
    Ok(ParsedFeed {
        title: feed.title.as_ref().map(text_of).filter(|t| !t.is_empty()),
        home: link("alternate", base),
        self_url,
        entries,
        warnings,
    })
}

fn is_html(t: &feed_rs::model::Text) -> bool {
    t.content_type.to_string().contains("html")
}

/// Plain text of a feed-rs text construct.
fn text_of(t: &feed_rs::model::Text) -> String {
    if is_html(t) {
        text::strip_tags(&t.content)
    } else {
        text::plain(&t.content)
    }
}

fn web_url(href: &str, base: Option<&Url>) -> Option<Url> {
    let href = href.trim();
    let u = match base {
        Some(b) => b.join(href).ok()?,
        None => Url::parse(href).ok()?,
    };
    matches!(u.scheme(), "http" | "https").then_some(u)
}

fn adapt(
    e: &feed_rs::model::Entry,
    key: &str,
    base: Option<&Url>,
    now: DateTime<Utc>,
    warnings: &mut Vec<Warning>,
    at: Origin,
) -> Option<Entry> {
    let href = e
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or(e.links.first())
        .map(|l| l.href.as_str());
    let link = href.and_then(|h| web_url(h, base));
    if let (Some(h), None) = (href, &link) {
        warnings.push(Warning::at(
            at,
            format!("link {h:?} is not an absolute web address and the feed gives nothing to resolve it against; left out"),
        ));
    }
    let summary = match (&e.summary, &e.content) {
        (Some(s), _) if !s.content.trim().is_empty() => html_of(&s.content, is_html(s), base),
        (_, Some(c)) => c
            .body
            .as_deref()
            .and_then(|b| html_of(b, c.content_type.to_string().contains("html"), base)),
        _ => None,
    };
    let mut title = e.title.as_ref().map(text_of).unwrap_or_default();
    if title.is_empty() {
        // RSS items may have no title; readers need one, so borrow the summary's start.
        let from = summary.as_deref().map(text::strip_tags).unwrap_or_default();
        title = shorten(&from, 80);
    }
    if title.is_empty() {
        warnings.push(Warning::at(at, "no title and no text; entry skipped"));
        return None;
    }
    let published = e
        .published
        .or(e.updated)
        .map(|d| d.fixed_offset())
        .and_then(|d| match normalize::plausible(d, now) {
            Ok(d) => Some(d),
            Err(why) => {
                warnings.push(Warning::at(at, format!("date {} {why}", d.to_rfc3339())));
                None
            }
        });
    let own = e.id.trim();
    let id = if own.is_empty() || own.starts_with(GENERATED) {
        match &link {
            Some(l) => id::canonical(l).to_string(),
            None => id::hashed(key, &title, published),
        }
    } else if Url::parse(own).is_ok() && valid_uuid_urn(own) {
        own.to_string()
    } else {
        id::hashed(key, &format!("guid {own}"), None)
    };
    let categories: Vec<String> = e
        .categories
        .iter()
        .map(|c| text::plain(c.label.as_deref().unwrap_or(&c.term)))
        .collect();
    Some(Entry {
        id,
        title,
        link,
        published,
        first_seen: now.trunc_subsecs(0).fixed_offset(),
        updated: None,
        summary,
        categories: normalize::union_categories(&categories, &[]),
        via: None,
    })
}

/// A `urn:uuid:` id must hold a real UUID (8-4-4-4-12 hex digits); other ids pass.
fn valid_uuid_urn(id: &str) -> bool {
    let Some(uuid) = id
        .get(..9)
        .filter(|p| p.eq_ignore_ascii_case("urn:uuid:"))
        .map(|_| &id[9..])
    else {
        return true;
    };
    let groups: Vec<&str> = uuid.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn html_of(s: &str, html: bool, base: Option<&Url>) -> Option<String> {
    if html {
        text::sanitize_html(s, base)
    } else {
        text::paragraphs_to_html(&[s.to_string()])
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-28T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn rss_items_become_entries() {
        let xml = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>
            <link>https://blog.example/</link>
            <item><title>One &amp; two</title><link>/posts/1?utm_source=rss</link>
              <description>&lt;p onclick="x()"&gt;Hi &lt;a href="/a"&gt;a&lt;/a&gt;&lt;/p&gt;</description>
              <guid isPermaLink="false">1</guid><category>Rust</category>
              <pubDate>Fri, 09 Oct 2020 14:30:00 GMT</pubDate></item>
            <item><description>A note without a title, long enough to be cut somewhere sensible for readers.</description>
              <link>https://blog.example/notes/2</link></item>
            <item><title>Far future</title><link>https://blog.example/3</link>
              <pubDate>Fri, 09 Oct 2099 14:30:00 GMT</pubDate></item>
            </channel></rss>"#;
        let base = Url::parse("https://blog.example/feed.xml").unwrap();
        let f = parse(xml, "blog", Some(&base), now()).unwrap();
        assert_eq!(f.title.as_deref(), Some("Blog"));
        assert_eq!(f.home.as_ref().unwrap().as_str(), "https://blog.example/");
        let e = &f.entries[0];
        assert_eq!(e.title, "One & two");
        assert_eq!(
            e.link.as_ref().unwrap().as_str(),
            "https://blog.example/posts/1?utm_source=rss"
        );
        assert!(
            e.id.starts_with("urn:uuid:"),
            "a bare guid is scoped to its feed: {}",
            e.id
        );
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2020-10-09T14:30:00+00:00"
        );
        assert_eq!(
            e.summary.as_deref(),
            Some(r#"<p>Hi <a href="https://blog.example/a" rel="noopener noreferrer">a</a></p>"#)
        );
        assert_eq!(e.categories, ["Rust"]);
        let note = &f.entries[1];
        assert_eq!(
            note.title,
            "A note without a title, long enough to be cut somewhere sensible for readers."
        );
        assert_eq!(
            note.id, "https://blog.example/notes/2",
            "no guid: the canonical link"
        );
        assert_eq!(f.entries[2].published, None);
        assert!(
            f.warnings[0]
                .to_string()
                .contains("item 3: date 2099-10-09")
        );
        // Same bytes, same ids: nothing random.
        assert_eq!(
            parse(xml, "blog", Some(&base), now()).unwrap().entries,
            f.entries
        );
    }

    #[test]
    fn broken_uuid_ids_are_replaced() {
        assert!(valid_uuid_urn(
            "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
        ));
        assert!(valid_uuid_urn("tag:example.org,2003:3.2397"));
        assert!(!valid_uuid_urn("urn:uuid:988EF5C55CDEA24EDE1251744888912"));
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let e = parse(
            b"<html><body>nope</body></html>",
            "https://x.example/feed",
            None,
            now(),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("https://x.example/feed is not a feed tagfeed can read"),
            "{e}"
        );
    }
}
