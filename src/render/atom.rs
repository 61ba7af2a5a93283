//! Atom 1.0 (RFC 4287): stable ids, RFC 3339 dates, a self link, and an alternate link or content
//! on every entry.

use atom_syndication::{
    Category, Content, Entry as AtomEntry, Generator, Link, Person, Source, Text,
};
use chrono::{DateTime, FixedOffset};
use url::Url;

use super::{RenderError, distinct_dates, utf8};
use crate::model::{Entry, Feed, PROJECT_URL};
use crate::text::escape_html;

/// Renders an Atom 1.0 document.
pub fn render(feed: &Feed, self_url: &Url) -> Result<String, RenderError> {
    let dates = distinct_dates(&feed.entries);
    let updated = dates
        .iter()
        .copied()
        .max()
        .ok_or_else(|| RenderError::Empty(feed.name.clone()))?;
    let mut links = vec![link(self_url, "self", "application/atom+xml")];
    if let Some(home) = &feed.home_page {
        links.push(link(home, "alternate", "text/html"));
    }
    let doc = atom_syndication::Feed {
        id: self_url.to_string(),
        title: Text::plain(feed.title.clone()),
        subtitle: Some(Text::plain(feed.description.clone())),
        updated,
        authors: vec![Person {
            name: feed.author.clone(),
            ..Person::default()
        }],
        links,
        generator: Some(Generator {
            value: "tagfeed".into(),
            uri: Some(PROJECT_URL.into()),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        entries: feed
            .entries
            .iter()
            .zip(dates)
            .map(|(e, updated)| entry(e, updated, super::entry_link(e, feed)))
            .collect(),
        ..atom_syndication::Feed::default()
    };
    // The declaration names the encoding, as the RSS one does: parsers that do not assume UTF-8
    // need no guessing.
    let config = atom_syndication::WriteConfig {
        write_document_declaration: false,
        indent_size: Some(2),
    };
    let declaration = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n".to_vec();
    let bytes = doc
        .write_with_config(declaration, config)
        .map_err(|e| RenderError::Write {
            format: "Atom",
            why: e.to_string(),
        })?;
    Ok(super::profile_escapes(utf8("Atom", bytes)?))
}

fn link(href: &Url, rel: &str, mime: &str) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.into(),
        mime_type: Some(mime.into()),
        ..Link::default()
    }
}

fn entry(e: &Entry, updated: DateTime<FixedOffset>, alternate: Option<&Url>) -> AtomEntry {
    // An entry with neither summary nor content draws a validator warning and an empty preview in
    // readers; the title is the best text there is.
    let summary = Some(match &e.summary {
        Some(html) => Text::html(html.clone()),
        None => Text::plain(e.title.clone()),
    });
    // RFC 4287 §4.1.1.1: an entry without an alternate link must carry content.
    let content = alternate.is_none().then(|| Content {
        value: Some(e.summary.clone().unwrap_or_else(|| escape_html(&e.title))),
        content_type: Some("html".into()),
        ..Content::default()
    });
    AtomEntry {
        id: e.id.clone(),
        title: Text::plain(e.title.clone()),
        updated,
        published: e.published,
        links: alternate
            .map(|l| vec![link(l, "alternate", "text/html")])
            .unwrap_or_default(),
        summary: if content.is_some() { None } else { summary },
        content,
        categories: e
            .categories
            .iter()
            .map(|c| Category {
                term: c.clone(),
                ..Category::default()
            })
            .collect(),
        source: source(e, updated),
        ..AtomEntry::default()
    }
}

/// RFC 4287 §4.2.11: where a merged entry came from, with the id, title and date it asks for.
fn source(e: &Entry, updated: DateTime<FixedOffset>) -> Option<Source> {
    let via = e.via.as_ref()?;
    let id = via.feed_url.as_ref().or(via.home.as_ref())?;
    let mut links = Vec::new();
    if let Some(f) = &via.feed_url {
        links.push(Link {
            href: f.to_string(),
            rel: "self".into(),
            ..Link::default()
        });
    }
    if let Some(h) = &via.home {
        links.push(link(h, "alternate", "text/html"));
    }
    Some(Source {
        title: Text::plain(via.title.clone()),
        id: id.to_string(),
        updated,
        links,
        ..Source::default()
    })
}
