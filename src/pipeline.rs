//! The pure middle of every job: a page's bytes → raw entries → entries → a feed ready to render.
//!
//! `tagfeed run` (through [`crate::refresh`]), `check`, `preview` and the ad hoc `merge` all build
//! feeds with these functions, so they can't disagree. Nothing here touches the network, the
//! filesystem, the store or the clock: the moment of the run comes in as `now`, and what is stored
//! comes in as [`Ids`]. Each page is read on its own, so pages can be read on every core.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use url::Url;

use scraper::Html;

use crate::config::{Config, Merge};
use crate::date::{self, DateRules};
use crate::detect::{self, Detection};
use crate::extract::feed::FeedError;
use crate::extract::{self, ExtractError, Listing};
use crate::model::{Entry, Feed, Warning};
use crate::normalize::{self, Context, Ids, Normalized, term};
use crate::source::{Format, Loaded, PresetChoice, Selectors, Source, charset};

/// Why a page or feed gave no feed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The listing could not be read at all.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// An external feed could not be parsed.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// Nothing usable: publishing would wipe the feed, so the job fails instead.
    #[error("{0}; the published feed is kept as it was")]
    Empty(String),
}

/// One page of a listing, read: how, what extraction found, and what normalization made of it.
#[derive(Debug, Clone)]
pub struct Read {
    /// Text or HTML, as configured or guessed.
    pub format: Format,
    /// The charset the bytes were read with.
    pub encoding: &'static str,
    /// What extraction found.
    pub listing: Listing,
    /// What normalization made of it.
    pub normalized: Normalized,
    /// How the items were found, for a source without selectors (to keep for later runs).
    pub detection: Option<Detection>,
}

/// What reading one page needs besides the page.
#[derive(Debug, Clone, Copy)]
pub struct PageContext<'a> {
    /// The moment of the run: the first-seen time of new entries (unless the file says when it
    /// was saved), and what relative dates count from.
    pub now: DateTime<Utc>,
    /// How many entries earlier pages of this read had: this page's undated entries come after.
    pub offset: usize,
    /// How a source without selectors was read before: used while it still finds items.
    pub detected: Option<&'a Detection>,
    /// The listing's next page, for a first detection to tell the listing (new links on every
    /// page) from navigation (the same links on every page).
    pub next: Option<&'a Loaded>,
    /// A later page of a walk: it is read the way page 1 was, and where that finds nothing the
    /// page is empty (the walk ends there), never detected afresh.
    pub later: bool,
}

impl PageContext<'_> {
    /// A page read on its own at `now`.
    pub fn at(now: DateTime<Utc>) -> PageContext<'static> {
        PageContext {
            now,
            offset: 0,
            detected: None,
            next: None,
            later: false,
        }
    }
}

/// Decodes, extracts and normalizes one page of `source`.
pub fn read_page(
    source: &Source,
    loaded: &Loaded,
    ids: &mut Ids,
    at: PageContext<'_>,
) -> Result<Read, PipelineError> {
    let decoded = charset::decode(&loaded.bytes, loaded.charset.as_deref());
    let format = source
        .format
        .unwrap_or_else(|| Format::guess(&decoded.text));
    let page_url = source.page_url.as_ref().or(loaded.url.as_ref());
    let (listing, detection) = match (format, &source.select, &source.preset) {
        (Format::Text, _, _) => (extract::text::extract(&decoded.text, &source.rules), None),
        (Format::Html, Some(select), _) => (
            extract::html::extract(&decoded.text, select).map_err(ExtractError::from)?,
            None,
        ),
        (Format::Html, None, Some(preset)) => match preset_listing(&decoded.text, preset) {
            Err(PipelineError::Extract(ExtractError::PresetFindsNothing(_))) if at.later => {
                (extract::html::page(&parse_html(&decoded.text)?), None)
            }
            other => (other?, None),
        },
        (Format::Html, None, None) => {
            let (listing, found) = detected_listing(&decoded.text, page_url, at)?;
            (listing, Some(found))
        }
    };
    let mut rules = source.rules;
    if source.guess_day_first
        && let Some(day_first) =
            date::guess_day_first(listing.entries.iter().filter_map(|e| e.date.as_deref()))
    {
        rules.day_first = day_first;
    }
    // A saved file was seen when it was saved: its undated entries date from then, and its
    // "3 hours ago" counts from then too.
    let seen_at = loaded.modified.map(DateTime::<Utc>::from).unwrap_or(at.now);
    // The default category: the listing's tag, else the title the user gave the feed.
    let term: Vec<String> = term::tag_term(listing.heading.as_deref(), listing.title.as_deref())
        .or_else(|| source.title.clone())
        .into_iter()
        .collect();
    let ctx = Context {
        scope: &source.name,
        page_url,
        rules,
        categories: source.categories.as_deref().unwrap_or(&term),
        now: seen_at,
        seen_at: seen_at.trunc_subsecs(0).fixed_offset() - Duration::seconds(at.offset as i64),
        relative_hint: normalize::SET_PAGE_URL,
    };
    let mut normalized = normalize::normalize(&listing, &ctx, ids);
    if decoded.had_errors {
        normalized.warnings.push(Warning::page(format!(
            "some bytes are not valid {}; they show as \u{fffd}. Is the page's charset declared?",
            decoded.encoding
        )));
    }
    Ok(Read {
        format,
        encoding: decoded.encoding,
        listing,
        normalized,
        detection,
    })
}

/// Where a first detection would look for the listing's next page: `source` has no selectors, no
/// preset and no stored detection, and the page (HTML) links a next page.
pub fn next_for_detection(
    source: &Source,
    loaded: &Loaded,
    detected: Option<&Detection>,
) -> Option<Url> {
    if source.select.is_some() || source.preset.is_some() || detected.is_some() {
        return None;
    }
    let text = charset::decode(&loaded.bytes, loaded.charset.as_deref()).text;
    if source.format.unwrap_or_else(|| Format::guess(&text)) != Format::Html {
        return None;
    }
    let page_url = source.page_url.as_ref().or(loaded.url.as_ref());
    detect::next_link(&parse_html(&text).ok()?, page_url)
}

/// An HTML page as a tree, unless it nests too deep to parse in reasonable time.
fn parse_html(html: &str) -> Result<Html, PipelineError> {
    Ok(extract::dom::parse(html).map_err(ExtractError::from)?)
}

/// The items of an HTML page read with a named preset: its selectors for this page, with the
/// source's own keys over them.
fn preset_listing(html: &str, choice: &PresetChoice) -> Result<Listing, PipelineError> {
    let doc = parse_html(html)?;
    let preset = detect::presets::named(&choice.name)
        .ok_or_else(|| ExtractError::UnknownPreset(choice.name.clone()))?;
    let select = match (preset.resolve(&doc), &choice.over.item) {
        (Some(found), _) => choice.over.over(found),
        // The source names its own item: the preset's fields are kept where they apply.
        (None, Some(item)) => choice.over.over(Selectors::with_item(item.clone())),
        (None, None) => return Err(ExtractError::PresetFindsNothing(choice.name.clone()).into()),
    };
    Ok(extract::html::extract_doc(&doc, &select))
}

/// The items of an HTML page without selectors: with the detection of earlier runs while it finds
/// items, else detected afresh (and a warning says what changed, or that the page links its own
/// feed).
fn detected_listing(
    html: &str,
    page_url: Option<&Url>,
    at: PageContext<'_>,
) -> Result<(Listing, Detection), PipelineError> {
    let doc = parse_html(html)?;
    let before = at.detected;
    if let Some(d) = before {
        let listing = extract::with_recipe(&doc, &d.recipe);
        if !listing.entries.is_empty() || at.later {
            return Ok((listing, d.clone()));
        }
    }
    let found = match at.next {
        Some(next) => {
            let text = charset::decode(&next.bytes, next.charset.as_deref()).text;
            let next_doc = parse_html(&text)?;
            detect::detect_pair(&doc, &next_doc, page_url, next.url.as_ref(), 1)
        }
        None => detect::detect(&doc, page_url, 1),
    }
    .into_iter()
    .next()
    .ok_or(ExtractError::NothingFound)?;
    let mut listing = extract::with_recipe(&doc, &found.recipe);
    listing.warnings.push(Warning::page(match before {
        Some(old) => format!(
            "the detected selectors ({}) stopped matching; detected again ({}): {}",
            old.describe(),
            found.method,
            found.describe()
        ),
        None => format!(
            "no selectors given: items found by {} ({:.0} % sure): {}",
            found.method,
            found.confidence * 100.0,
            found.describe()
        ),
    }));
    let feeds = detect::feeds(&doc, page_url);
    if let Some(feed) = detect::own_feed(&feeds, page_url) {
        listing.warnings.push(Warning::page(format!(
            "the page links its own feed {} ({}): the site's feed may be the better source (a \
             [[merge]] can read it: feeds = [\"{}\"])",
            feed.url, feed.media_type, feed.url
        )));
    }
    Ok((listing, found))
}

/// An external feed, read.
#[derive(Debug, Clone)]
pub struct FeedRead {
    /// What extraction found: title, home and self links, raw entries.
    pub listing: Listing,
    /// The feed's entries, normalized.
    pub normalized: Normalized,
}

impl FeedRead {
    /// The feed's home page, when it names an absolute one.
    pub fn home(&self) -> Option<Url> {
        let home = self.listing.home.as_deref()?;
        crate::model::web_url(home, None).ok()
    }

    /// Where the feed says it lives.
    pub fn self_url(&self) -> Option<Url> {
        let own = self.listing.canonical.as_deref()?;
        crate::model::web_url(own, None).ok()
    }
}

/// The advice for a feed's unresolvable relative links.
const FEED_BASE_HINT: &str = "the feed names no address of its own (xml:base, a <link> or a self link): give its URL, or pass --base-url to `tagfeed merge`";

/// Extracts and normalizes an external feed fetched from `url` (or read from a file). `key` names
/// it in messages and scopes its hashed ids.
pub fn read_feed(
    bytes: &[u8],
    key: &str,
    url: Option<&Url>,
    ids: &mut Ids,
    now: DateTime<Utc>,
) -> Result<FeedRead, PipelineError> {
    let listing = extract::feed::extract(bytes, key, url)?;
    let ctx = Context {
        scope: key,
        page_url: url,
        rules: DateRules::default(),
        categories: &[],
        now,
        seen_at: now.trunc_subsecs(0).fixed_offset(),
        relative_hint: FEED_BASE_HINT,
    };
    let normalized = normalize::normalize(&listing, &ctx, ids);
    Ok(FeedRead {
        listing,
        normalized,
    })
}

/// The entries of a read's pages, each once (an entry on two pages keeps the first), and how many
/// were folded on the pages and across them.
pub fn collect(pages: &[Read]) -> (Vec<Entry>, usize) {
    let (entries, folded) = normalize::dedupe(
        pages
            .iter()
            .flat_map(|p| p.normalized.entries.iter().cloned()),
    );
    let on_pages: usize = pages.iter().map(|p| p.normalized.duplicates).sum();
    (entries, folded + on_pages)
}

/// Why a read with no usable entry is empty, in the user's terms.
pub fn empty_reason(source: &Source, read: &Read) -> String {
    let found = read.listing.entries.len();
    let item = item_selector(source, read);
    match (read.format, found) {
        (Format::Html, 0) => format!(
            "no entries found: {} matched nothing; the page may have changed (`tagfeed preview \
             --source {}` shows what would match)",
            item.map_or("the item selector".to_string(), |i| format!(
                "the item selector {i:?}"
            )),
            source.name
        ),
        (Format::Text, 0) => "no entries found: no line of the listing reads as a date".into(),
        (_, n) => format!("{n} entries found, but none usable (see the warnings above)"),
    }
}

/// The CSS that picked a page's items: the source's own, else the detected one.
pub fn item_selector(source: &Source, read: &Read) -> Option<String> {
    match (&source.select, &read.detection) {
        (Some(s), _) => Some(s.item.as_str().to_string()),
        (None, Some(d)) => d.selectors().map(|s| s.item.as_str().to_string()),
        (None, None) => None,
    }
}

/// What a source's feed takes from its listing, kept in the store for runs that read nothing (a
/// 304): the listing's own title and its home page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// The listing's default title (see [`term::default_title`]).
    pub title: Option<String>,
    /// The listing's address.
    pub home: Option<Url>,
}

impl Meta {
    /// What `listing`, a page of `source`, says about itself.
    pub fn of(source: &Source, listing: &Listing) -> Meta {
        Meta {
            title: term::default_title(listing.heading.as_deref(), listing.title.as_deref()),
            home: normalize::base_url(listing, source.page_url()),
        }
    }
}

/// The feed title: configured, else the listing's own, else the source name.
pub fn feed_title(source: &Source, listing_title: Option<&str>) -> String {
    source
        .title
        .clone()
        .or_else(|| listing_title.map(str::to_string))
        .unwrap_or_else(|| source.name.clone())
}

/// A source's feed from its entries: metadata from the config and the listing, entries filtered,
/// newest first, cut to `max_items`.
pub fn source_feed(config: &Config, source: &Source, meta: &Meta, entries: Vec<Entry>) -> Feed {
    let title = feed_title(source, meta.title.as_deref());
    let home_page = meta.home.clone().or_else(|| source.page_url().cloned());
    Feed {
        name: source.name.clone(),
        description: source
            .description
            .clone()
            .unwrap_or_else(|| match &home_page {
                Some(u) => format!("{title}: latest entries of {u}"),
                None => format!("{title}: latest entries"),
            }),
        author: source.author.clone().unwrap_or_else(|| {
            home_page
                .as_ref()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| title.clone())
        }),
        title,
        home_page,
        entries: normalize::newest_first(source.filter.apply(entries), config.max_items(source)),
    }
}

/// A merged feed from its merged entries: filtered, newest first, cut to the merge's `max_items`
/// (else `default_max`).
pub fn merged_feed(merge: &Merge, default_max: usize, entries: Vec<Entry>) -> Feed {
    let names: Vec<String> = merge
        .sources
        .iter()
        .cloned()
        .chain(merge.feeds.iter().map(ToString::to_string))
        .collect();
    Feed {
        name: merge.name.clone(),
        title: merge.title.clone(),
        description: merge
            .description
            .clone()
            .unwrap_or_else(|| format!("{}: merged from {}", merge.title, names.join(", "))),
        home_page: None,
        author: merge.author.clone().unwrap_or_else(|| merge.title.clone()),
        entries: normalize::newest_first(
            merge.filter.apply(entries),
            merge.max_items.unwrap_or(default_max),
        ),
    }
}

/// A source's feed built from one loaded page, without the store: what `check` shows.
#[derive(Debug, Clone)]
pub struct Built {
    /// The feed, ready to render.
    pub feed: Feed,
    /// How the page was read.
    pub read: Read,
}

/// Builds a source's feed from one loaded page alone. Fails rather than give a feed with no
/// entries.
pub fn build(
    config: &Config,
    source: &Source,
    loaded: &Loaded,
    now: DateTime<Utc>,
) -> Result<Built, PipelineError> {
    let read = read_page(source, loaded, &mut Ids::default(), PageContext::at(now))?;
    if read.normalized.entries.is_empty() {
        return Err(PipelineError::Empty(empty_reason(source, &read)));
    }
    let meta = Meta::of(source, &read.listing);
    let feed = source_feed(config, source, &meta, read.normalized.entries.clone());
    Ok(Built { feed, read })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-28T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn feed_entries_go_through_the_one_normalizer() {
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
        let f = read_feed(xml, "blog", Some(&base), &mut Ids::default(), now()).unwrap();
        assert_eq!(f.listing.heading.as_deref(), Some("Blog"));
        assert_eq!(f.home().unwrap().as_str(), "https://blog.example/");
        let entries = &f.normalized.entries;
        let e = &entries[0];
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
        let note = &entries[1];
        assert_eq!(
            note.title,
            "A note without a title, long enough to be cut somewhere sensible for readers."
        );
        assert_eq!(
            note.id, "https://blog.example/notes/2",
            "no guid: the canonical link"
        );
        assert_eq!(entries[2].published, None);
        let w = f.normalized.warnings[0].to_string();
        assert!(
            w.contains("item 3: date") && w.contains("2099-10-09"),
            "{w}"
        );
        // Same bytes, same ids: nothing random.
        let again = read_feed(xml, "blog", Some(&base), &mut Ids::default(), now()).unwrap();
        assert_eq!(again.normalized.entries, f.normalized.entries);
    }
}
