//! JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>). The spec is a handful of structs, so
//! they are written here with serde rather than pulled from a crate (the one crate is JSON Feed 1.0
//! only and unmaintained).

use serde::Serialize;
use url::Url;

use super::RenderError;
use crate::model::{Entry, Feed};

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    home_page_url: Option<&'a str>,
    feed_url: &'a str,
    description: &'a str,
    authors: [Author<'a>; 1],
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
}

/// Renders a JSON Feed 1.1 document, pretty-printed, ending with a newline.
pub fn render(feed: &Feed, self_url: &Url) -> Result<String, RenderError> {
    let doc = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: feed.home_page.as_ref().map(Url::as_str),
        feed_url: self_url.as_str(),
        description: &feed.description,
        authors: [Author { name: &feed.author }],
        items: feed.entries.iter().map(|e| item(e, feed)).collect(),
    };
    let mut out = serde_json::to_string_pretty(&doc).map_err(|e| RenderError::Write {
        format: "JSON",
        why: e.to_string(),
    })?;
    out.push('\n');
    Ok(out)
}

fn item<'a>(e: &'a Entry, feed: &'a Feed) -> Item<'a> {
    Item {
        id: &e.id,
        url: super::entry_link(e, feed).map(Url::as_str),
        title: &e.title,
        // Every item needs content: the summary, else the title as text.
        content_html: e.summary.as_deref(),
        content_text: e.summary.is_none().then_some(e.title.as_str()),
        date_published: e.date().to_rfc3339(),
        date_modified: e.updated.map(|_| e.last_change().to_rfc3339()),
        tags: &e.categories,
    }
}
