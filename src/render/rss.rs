//! RSS 2.0 with an `atom:link rel="self"`, guids on every item and RFC 822 dates.

use rss::extension::atom::{AtomExtension, Link};
use rss::{Category, Channel, Guid, Item, Source};
use url::Url;

use super::{RenderError, utf8};
use crate::model::{Entry, Feed};

/// Renders an RSS 2.0 document.
pub fn render(feed: &Feed, self_url: &Url) -> Result<String, RenderError> {
    // RSS requires a channel link: the listing page, else the feed itself.
    let home = feed.home_page.as_ref().unwrap_or(self_url);
    let mut channel = Channel {
        title: feed.title.clone(),
        link: home.to_string(),
        description: feed.description.clone(),
        generator: Some(format!("tagfeed {}", env!("CARGO_PKG_VERSION"))),
        last_build_date: feed.updated().map(|d| d.to_rfc2822()),
        items: feed.entries.iter().map(|e| item(e, feed)).collect(),
        ..Channel::default()
    };
    channel.set_atom_ext(AtomExtension {
        links: vec![Link {
            href: self_url.to_string(),
            rel: "self".into(),
            mime_type: Some("application/rss+xml".into()),
            ..Link::default()
        }],
    });
    let bytes = channel
        .pretty_write_to(Vec::new(), b' ', 2)
        .map_err(|e| RenderError::Write {
            format: "RSS",
            why: e.to_string(),
        })?;
    Ok(super::profile_escapes(utf8("RSS", bytes)?))
}

fn item(e: &Entry, feed: &Feed) -> Item {
    Item {
        title: Some(e.title.clone()),
        link: super::entry_link(e, feed).map(Url::to_string),
        description: e.summary.clone(),
        guid: Some(Guid {
            value: e.id.clone(),
            permalink: e.id_is_link(),
        }),
        pub_date: Some(e.date().to_rfc2822()),
        categories: e
            .categories
            .iter()
            .map(|c| Category {
                name: c.clone(),
                domain: None,
            })
            .collect(),
        // RSS `source` names the origin feed by its URL, so only entries whose feed has one.
        source: e.via.as_ref().and_then(|v| {
            v.feed_url.as_ref().map(|u| Source {
                url: u.to_string(),
                title: Some(v.title.clone()),
            })
        }),
        ..Item::default()
    }
}
