//! HTML listings: one entry per `item` match, each field looked up inside that item.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

use super::{Listing, RawEntry, RawSummary};
use crate::date::{self, DateRules};
use crate::model::Origin;
use crate::source::{Field, Selectors};

fn sel(css: &str) -> Selector {
    // Constant selectors below are valid CSS; a typo would fail every test at once.
    Selector::parse(css).expect("built-in selector")
}

static HEADING: LazyLock<Selector> = LazyLock::new(|| sel("h1, h2, h3, h4, h5, h6"));
static LINK: LazyLock<Selector> = LazyLock::new(|| sel("a[href]"));
static TIME: LazyLock<Selector> = LazyLock::new(|| sel("time, [datetime]"));
static H1: LazyLock<Selector> = LazyLock::new(|| sel("h1"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| sel("title"));
static BASE: LazyLock<Selector> = LazyLock::new(|| sel("base[href]"));
static CANONICAL: LazyLock<Selector> = LazyLock::new(|| sel("link[rel~=canonical][href]"));

/// Extracts every item of an HTML listing (unless it nests too deep to parse: see [`dom`]).
///
/// [`dom`]: super::dom
pub fn extract(html: &str, selectors: &Selectors) -> Result<Listing, super::dom::HostileMarkup> {
    Ok(extract_doc(&super::dom::parse(html)?, selectors))
}

/// Extracts every item of a parsed HTML listing.
pub fn extract_doc(doc: &Html, selectors: &Selectors) -> Listing {
    let root = doc.root_element();
    let entries = selectors
        .item
        .elements(root)
        .into_iter()
        .enumerate()
        .map(|(i, item)| entry(item, i + 1, selectors))
        .collect();
    let next_page = selectors
        .next_page
        .as_ref()
        .and_then(|f| field_value(root, f, href_of));
    Listing {
        next_page,
        entries,
        ..page(doc)
    }
}

/// What a page says about itself (heading, `<title>`, base and canonical addresses), no items.
pub fn page(doc: &Html) -> Listing {
    let root = doc.root_element();
    let attr_of = |s: &Selector, a: &str| {
        root.select(s)
            .next()
            .and_then(|e| e.attr(a))
            .map(|v| v.trim().to_string())
    };
    let text_of = |s: &Selector| root.select(s).next().map(text).filter(|t| !t.is_empty());
    Listing {
        heading: text_of(&H1),
        title: text_of(&TITLE),
        base_href: attr_of(&BASE, "href"),
        canonical: attr_of(&CANONICAL, "href"),
        ..Listing::default()
    }
}

fn entry(item: ElementRef<'_>, n: usize, s: &Selectors) -> RawEntry {
    let mut e = RawEntry::new(Origin::Item(n));
    e.title = match &s.title {
        Some(f) => field_value(item, f, |el| Some(text(el))),
        None => first(item, &HEADING)
            .or_else(|| link_element(item))
            .map(text),
    };
    e.link = match &s.link {
        Some(f) => field_value(item, f, href_of),
        None => link_element(item).and_then(|a| a.attr("href").map(str::to_string)),
    };
    let date = match &s.date {
        Some(f) => field_value(item, f, |el| Some(date_of(el))),
        None => default_date(item),
    };
    e.date = with_day_heading(item, date);
    e.summary = s.summary.as_ref().and_then(|f| {
        let (el, attr) = f.first_attr(item)?;
        match f.attr() {
            Some(_) => attr.map(|a| RawSummary::Text(vec![a.to_string()])),
            None => Some(RawSummary::Html(el.inner_html())),
        }
    });
    if let Some(f) = &s.categories {
        e.categories = f
            .elements(item)
            .into_iter()
            .filter_map(|el| match f.attr() {
                Some(a) => el.attr(a).map(str::to_string),
                None => Some(text(el)),
            })
            .filter(|c| !c.trim().is_empty())
            .collect();
    }
    e
}

fn first<'a>(item: ElementRef<'a>, s: &Selector) -> Option<ElementRef<'a>> {
    item.select(s).next()
}

/// The item itself when it is a link, else its first link.
fn link_element(item: ElementRef<'_>) -> Option<ElementRef<'_>> {
    if item.value().name() == "a" && item.attr("href").is_some() {
        Some(item)
    } else {
        first(item, &LINK)
    }
}

fn href_of(el: ElementRef<'_>) -> Option<String> {
    el.attr("href")
        .or_else(|| first(el, &LINK).and_then(|a| a.attr("href")))
        .map(str::to_string)
}

/// An item's date when no selector names it: its first `<time>`, else its first element whose
/// class or `itemprop` names a date (`entry-date`, `date-post`, `datePublished`) and whose text
/// holds one, else the one date the item's text holds (two different ones need a selector to say
/// which is meant).
pub fn default_date(item: ElementRef<'_>) -> Option<String> {
    date_element(item).map(date_of).or_else(|| {
        let text = text(item);
        date::the_one_date(&text, &DateRules::default()).map(str::to_string)
    })
}

/// The element that says an item's date by its markup: a `<time>` (or a custom element with a
/// `datetime`, like `<time-ago>`), else one named for a date.
pub fn date_element(item: ElementRef<'_>) -> Option<ElementRef<'_>> {
    first(item, &TIME).or_else(|| {
        item.descendent_elements()
            .find(|e| named_for_date(e) && date::find(&text(*e), &DateRules::default()).is_some())
    })
}

/// Lists grouped by day say the day once, in a heading before the group ("04.05.2024", then
/// items showing only "17:46"; arXiv's "Wed, 10 Nov 2021" above its `<dl>`): an item with no date,
/// or only a time, takes the nearest such heading before it (among its own earlier siblings, else
/// its parent's), with its time when it shows one.
fn with_day_heading(item: ElementRef<'_>, date: Option<String>) -> Option<String> {
    if date.as_deref().is_some_and(|d| !is_bare_time(d)) {
        return date;
    }
    let time = date.or_else(|| {
        item.descendent_elements()
            .filter(named_for_date)
            .map(text)
            .find(|t| is_bare_time(t))
    });
    let Some(day) = day_heading(item) else {
        return time;
    };
    Some(match time {
        Some(t) => format!("{day} {t}"),
        None => day,
    })
}

/// "17:46", "9:05 pm", "18.30 Uhr": a time of day and nothing else.
fn is_bare_time(s: &str) -> bool {
    let lower = s.trim().to_lowercase();
    let core = ["am", "pm", "uhr", "h"]
        .iter()
        .find_map(|suffix| lower.strip_suffix(suffix))
        .unwrap_or(&lower)
        .trim();
    let mut parts = core.split([':', '.']);
    let (Some(h), Some(m), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let digits =
        |p: &str, max: usize| (1..=max).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit());
    digits(h, 2) && m.len() == 2 && digits(m, 2)
}

/// The nearest earlier sibling of `item` (or of its parent) whose whole short text is a date.
fn day_heading(item: ElementRef<'_>) -> Option<String> {
    let levels = std::iter::once(item).chain(item.parent().and_then(ElementRef::wrap));
    for el in levels {
        for sibling in el.prev_siblings().filter_map(ElementRef::wrap).take(60) {
            // Items are long; a heading is short: skip long ones without reading them whole.
            let mut len = 0;
            if sibling.text().any(|t| {
                len += t.len();
                len > 60
            }) {
                continue;
            }
            let t = text(sibling);
            if !t.is_empty() && date::parse(&t, &DateRules::default()).is_ok() {
                return Some(t);
            }
        }
    }
    None
}

/// Whether a class or `itemprop` word of `el` says it holds a date. Words, not substrings:
/// `update-notice` is no date.
fn named_for_date(el: &ElementRef<'_>) -> bool {
    const WORDS: &[&str] = &[
        "date",
        "time",
        "datetime",
        "timestamp",
        "published",
        "pubdate",
        "posted",
        "dateline",
        "datum",
        "fecha",
        "datepublished",
        "postdate",
        "entrydate",
    ];
    let v = el.value();
    v.classes()
        .chain(v.attr("itemprop"))
        .flat_map(words)
        .any(|w| WORDS.contains(&w.to_ascii_lowercase().as_str()))
}

/// The words of a class name: split at `-`, `_` and lower-to-upper case changes.
fn words(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = name.as_bytes();
    for i in 0..b.len() {
        let cut = matches!(b[i], b'-' | b'_')
            || (i > start && b[i].is_ascii_uppercase() && b[i - 1].is_ascii_lowercase());
        if cut {
            if i > start {
                out.push(&name[start..i]);
            }
            start = if b[i].is_ascii_uppercase() { i } else { i + 1 };
        }
    }
    if start < name.len() {
        out.push(&name[start..]);
    }
    out
}

/// The machine-readable date an element carries (`<time datetime>`, microdata's `<meta content>`,
/// microformats' `<abbr title>`), else its text.
pub fn date_of(el: ElementRef<'_>) -> String {
    el.attr("datetime")
        .or_else(|| el.attr("content"))
        .or_else(|| {
            (el.value().name() == "abbr")
                .then(|| el.attr("title"))
                .flatten()
        })
        .map(str::to_string)
        .unwrap_or_else(|| text(el))
}

/// The field's attribute when it names one, else what `read` takes from the matched element.
fn field_value<'a>(
    scope: ElementRef<'a>,
    f: &Field,
    read: impl Fn(ElementRef<'a>) -> Option<String>,
) -> Option<String> {
    let (el, attr) = f.first_attr(scope)?;
    match f.attr() {
        Some(_) => attr.map(str::to_string),
        None => read(el),
    }
}

fn text(el: ElementRef<'_>) -> String {
    crate::text::collapse(&visible_text(el))
}

pub use crate::text::visible_text;

#[cfg(test)]
mod tests {
    use super::*;

    fn selectors(item: &str, fields: &[(&str, &str)]) -> Selectors {
        let mut s = Selectors::with_item(Field::parse(item).unwrap());
        for (k, v) in fields {
            let f = Some(Field::parse(v).unwrap());
            match *k {
                "title" => s.title = f,
                "link" => s.link = f,
                "date" => s.date = f,
                "summary" => s.summary = f,
                "categories" => s.categories = f,
                _ => unreachable!(),
            }
        }
        s
    }

    #[test]
    fn fields_stay_with_their_item() {
        // The second item has no date: it must not borrow the third's.
        let html = r#"<ul>
          <li><a href="/a">A</a><time datetime="2020-01-01">Jan 1</time></li>
          <li><a href="/b">B</a></li>
          <li><a href="/c">C</a><time>Jan 3, 2020</time></li></ul>"#;
        let l = extract(html, &selectors("li", &[])).unwrap();
        let got: Vec<_> = l
            .entries
            .iter()
            .map(|e| (e.title.as_deref(), e.link.as_deref(), e.date.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("A"), Some("/a"), Some("2020-01-01")),
                (Some("B"), Some("/b"), None),
                (Some("C"), Some("/c"), Some("Jan 3, 2020")),
            ]
        );
    }

    #[test]
    fn attributes_of_the_item_itself() {
        let html = r#"<listing-with-preview article-title="T &amp; U" article-url="https://x.org/1"
            publish-date-ap="Oct. 9, 2020" article-summary="S"></listing-with-preview>"#;
        let s = selectors(
            "listing-with-preview",
            &[
                ("title", "@article-title"),
                ("link", "@article-url"),
                ("date", "@publish-date-ap"),
                ("summary", "@article-summary"),
            ],
        );
        let e = &extract(html, &s).unwrap().entries[0];
        assert_eq!(e.title.as_deref(), Some("T & U"));
        assert_eq!(e.link.as_deref(), Some("https://x.org/1"));
        assert_eq!(e.date.as_deref(), Some("Oct. 9, 2020"));
        assert_eq!(e.summary, Some(RawSummary::Text(vec!["S".into()])));
    }

    #[test]
    fn page_metadata_and_categories() {
        let html = r#"<html><head><title>Site</title><base href="/root/">
            <link rel="canonical" href="https://x.org/tag/a/"></head><body><h1> Tag: A </h1>
            <div class="p"><h2>T</h2><p class="s">Hi <b>there</b></p>
            <span class="tags"><a>One</a><a> </a><a>Two</a></span></div></body></html>"#;
        let s = selectors("div.p", &[("summary", "p.s"), ("categories", ".tags a")]);
        let l = extract(html, &s).unwrap();
        assert_eq!(l.heading.as_deref(), Some("Tag: A"));
        assert_eq!(l.title.as_deref(), Some("Site"));
        assert_eq!(l.base_href.as_deref(), Some("/root/"));
        assert_eq!(l.canonical.as_deref(), Some("https://x.org/tag/a/"));
        let e = &l.entries[0];
        assert_eq!(e.title.as_deref(), Some("T"));
        assert_eq!(e.summary, Some(RawSummary::Html("Hi <b>there</b>".into())));
        assert_eq!(e.categories, ["One", "Two"]);
    }

    #[test]
    fn a_day_heading_dates_the_items_below_it() {
        let html = r#"<ul>
          <li class="day">04.05.2024</li>
          <li class="it"><span class="teaser-date">17:46</span><a href="/a">A</a></li>
          <li class="it"><a href="/b">B</a></li>
          <li class="day">03.05.2024</li>
          <li class="it"><span class="teaser-date">9:05</span><a href="/c">C</a></li>
          <li class="it"><a href="/d">D</a><time datetime="2024-05-01">1 May</time></li>
        </ul>"#;
        let got: Vec<Option<String>> = extract(html, &selectors("li.it", &[]))
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.date)
            .collect();
        assert_eq!(
            got,
            [
                Some("04.05.2024 17:46".to_string()),
                Some("04.05.2024".to_string()),
                Some("03.05.2024 9:05".to_string()),
                Some("2024-05-01".to_string()),
            ]
        );
        assert!(is_bare_time("17:46") && is_bare_time("9.05 Uhr") && is_bare_time("9:05 pm"));
        assert!(!is_bare_time("2024") && !is_bare_time("12:345") && !is_bare_time("3 hours ago"));
    }

    #[test]
    fn fields_after_the_item() {
        // Hacker News: the title row, then a row with the age; arXiv: a <dt>, then its <dd>.
        let hn = r#"<table>
          <tr class="athing"><td><span class="titleline"><a href="https://a.example/1">One</a></span></td></tr>
          <tr><td class="subtext"><span class="age" title="2024-05-04T17:46:00">2 hours ago</span></td></tr>
          <tr class="athing"><td><span class="titleline"><a href="https://a.example/2">Two</a></span></td></tr>
          <tr><td class="subtext"><span class="age" title="2024-05-03T09:05:00">1 day ago</span></td></tr>
        </table>"#;
        let s = selectors("tr.athing", &[("date", "+ span.age@title")]);
        let dates: Vec<Option<String>> = extract(hn, &s)
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.date)
            .collect();
        assert_eq!(
            dates,
            [
                Some("2024-05-04T17:46:00".into()),
                Some("2024-05-03T09:05:00".into())
            ]
        );
        let dl = r#"<dl><dt><a href="/abs/1">arXiv:1</a></dt><dd><div class="list-title">Title one</div></dd>
            <dt><a href="/abs/2">arXiv:2</a></dt><dd><div class="list-title">Title two</div></dd></dl>"#;
        let s = selectors("dt", &[("title", "+ dd .list-title"), ("summary", "+ dd")]);
        let got: Vec<(Option<String>, bool)> = extract(dl, &s)
            .unwrap()
            .entries
            .into_iter()
            .map(|e| (e.title, e.summary.is_some()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("Title one".into()), true),
                (Some("Title two".into()), true)
            ]
        );
        assert!(Field::parse("+").is_ok() && Field::parse("+@title").is_ok());
    }
}
