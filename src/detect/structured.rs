//! Structured data a page carries about its items, tried before anything else: JSON-LD lists
//! (read by [`crate::extract::jsonld`]), microformats2 `h-entry` elements and schema.org microdata
//! articles (both turned into ordinary selectors).

use scraper::{Html, Selector};

use super::{Detection, Method};
use crate::extract::{Recipe, html, jsonld};
use crate::source::{Field, Selectors};

/// Schema.org types of articles marked up with microdata, most specific first.
const TYPES: &[&str] = &[
    "BlogPosting",
    "NewsArticle",
    "Article",
    "ScholarlyArticle",
    "TechArticle",
    "Event",
    "CreativeWork",
];

/// Page chrome: navigation, sidebars and footers, by element, role and schema.org type.
const CHROME: &[&str] = &[
    "aside",
    "nav",
    "footer",
    "[role=complementary]",
    "[role=navigation]",
    "[role=contentinfo]",
    "[itemtype$=\"/WPSideBar\"]",
    "[itemtype$=\"/WPFooter\"]",
];

fn count(doc: &Html, css: &str) -> usize {
    Selector::parse(css).map_or(0, |s| doc.select(&s).count())
}

/// Structured data that lists at least two items with links, if the page has any.
pub fn detect(doc: &Html) -> Option<Detection> {
    let ld = jsonld::extract_doc(doc);
    if ld.entries.len() >= 2 {
        return Some(Detection {
            method: Method::JsonLd,
            recipe: Recipe::JsonLd,
            confidence: 0.95,
            reasons: vec![format!("{} items in the page's JSON-LD", ld.entries.len())],
        });
    }
    microformats(doc).or_else(|| microdata(doc))
}

/// The selectors that read `h-entry` items, each field only where most entries mark it up.
fn microformats(doc: &Html) -> Option<Detection> {
    // Replies and comments are h-entries inside h-entries, authors h-cards inside them: the
    // selectors step around them only on pages that have them.
    let item = if count(doc, ".h-entry .h-entry") > 0 {
        ".h-entry:not(.h-entry .h-entry)"
    } else {
        ".h-entry"
    };
    let n = count(doc, item);
    if n < 2 {
        return None;
    }
    let within = |prop: &str| {
        let css = if count(doc, &format!(".h-entry .h-card {prop}")) > 0 {
            format!("{prop}:not(.h-card {prop})")
        } else {
            prop.to_string()
        };
        let marked = count(doc, &format!("{item}:has({css})"));
        (2 * marked >= n).then_some(css)
    };
    let mut select = Selectors::with_item(Field::parse(item).ok()?);
    select.title = within(".p-name").and_then(|css| Field::parse(&css).ok());
    select.link = within(".u-url").and_then(|css| Field::parse(&format!("{css}@href")).ok());
    select.date = within(".dt-published").and_then(|css| Field::parse(&css).ok());
    select.summary = within(".e-content")
        .or_else(|| within(".p-summary"))
        .and_then(|css| Field::parse(&css).ok());
    select.categories = within(".p-category").and_then(|css| Field::parse(&css).ok());
    plausible(
        doc,
        select,
        Method::Microformats,
        format!("{n} h-entry items"),
    )
}

/// The selectors that read schema.org microdata articles of the most frequent type.
fn microdata(doc: &Html) -> Option<Detection> {
    let (ty, n) = TYPES
        .iter()
        .map(|t| (*t, count(doc, &format!("[itemscope][itemtype$=\"/{t}\"]"))))
        .filter(|(_, n)| *n >= 2)
        .max_by_key(|(_, n)| *n)?;
    let mut item = format!("[itemscope][itemtype$=\"/{ty}\"]");
    // Articles in a sidebar or footer ("popular posts") are no items of the listing: the
    // selector steps around them only on pages that have them.
    let outside = CHROME
        .iter()
        .map(|c| format!("{c} *"))
        .collect::<Vec<_>>()
        .join(", ");
    let kept = format!("{item}:not({outside})");
    if count(doc, &kept) < n && count(doc, &kept) >= 2 {
        item = kept;
    }
    let mut select = Selectors::with_item(Field::parse(&item).ok()?);
    // A property only where most items carry it: else the field's default (a `<time>`, the
    // first heading or link) reads it better than a selector that finds nothing.
    let n = count(doc, &item);
    let field = |css: &str| {
        let marked = css
            .split(", ")
            .map(|one| format!("{item}:has({one})"))
            .collect::<Vec<_>>()
            .join(", ");
        (2 * count(doc, &marked) >= n)
            .then(|| Field::parse(css).ok())
            .flatten()
    };
    select.title = field("[itemprop~=headline], [itemprop~=name]");
    select.link =
        field("a[itemprop~=url], link[itemprop~=url], [itemprop~=headline] a, [itemprop~=name] a");
    select.date =
        field("[itemprop~=datePublished], [itemprop~=dateCreated], [itemprop~=startDate]");
    select.summary = field("[itemprop~=description], [itemprop~=abstract]");
    plausible(
        doc,
        select,
        Method::Microdata,
        format!("{n} schema.org {ty} items"),
    )
}

/// A detection from `select` when it finds at least two items with links.
fn plausible(doc: &Html, select: Selectors, method: Method, why: String) -> Option<Detection> {
    let listing = html::extract_doc(doc, &select);
    let linked = listing.entries.iter().filter(|e| e.link.is_some()).count();
    (linked >= 2).then_some(Detection {
        method,
        recipe: Recipe::Selectors(Box::new(select)),
        confidence: 0.9,
        reasons: vec![why, format!("{linked} with links")],
    })
}
