//! What separates a list of articles from navigation, measured on a candidate group: how many
//! records, whether each has one main link with a title of several words, a date, a heading, some
//! text of its own; where the list stands (inside `main`, or in a `nav`, sidebar or footer); where
//! its links go (distinct article pages under the site, or tag, page and login links).
//!
//! The features feed a logistic model whose weights are fitted on the labelled pages in
//! `benches/accuracy/` (see `benches/accuracy/fit.py`); [`super::weights`] holds the result.

use std::collections::HashMap;
use std::sync::LazyLock;

use ego_tree::NodeId;
use scraper::{ElementRef, Selector};
use url::Url;

use super::candidates::{Group, classes};
use crate::date::{self, DateRules};
use crate::model::web_url;
use crate::text::collapse;

fn sel(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

static LINKS: LazyLock<Option<Selector>> = LazyLock::new(|| sel("a[href]"));
static HEADING: LazyLock<Option<Selector>> = LazyLock::new(|| sel("h1, h2, h3, h4, h5, h6"));
static TIME: LazyLock<Option<Selector>> = LazyLock::new(|| sel("time"));

/// Names of the features, in the order of [`Features::values`] (and of the fitted weights).
pub(crate) const NAMES: [&str; 17] = [
    "bias",
    "log_records",
    "link_frac",
    "title_words",
    "distinct_titles",
    "distinct_links",
    "date_frac",
    "heading_frac",
    "in_main",
    "in_chrome",
    "same_host_frac",
    "path_depth",
    "link_density",
    "log_text_len",
    "utility_frac",
    "position",
    "summary_frac",
];

/// One record, read once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    /// The record's main link, resolved, and the element that holds it.
    pub link: Option<(Url, NodeId)>,
    /// Its title: the first heading's text, else the main link's.
    pub title: String,
    /// The heading element, if any.
    pub heading: Option<NodeId>,
    /// A `<time>` element or a date in the first words of the text.
    pub has_date: bool,
    /// Characters of text.
    pub text_len: usize,
    /// Characters of text inside links.
    pub link_text_len: usize,
}

/// Reads records once per page, however many candidates they belong to.
pub(crate) struct Reader<'p> {
    base: Option<&'p Url>,
    rules: DateRules,
    cache: HashMap<NodeId, Record>,
}

impl<'p> Reader<'p> {
    pub(crate) fn new(base: Option<&'p Url>) -> Self {
        Reader {
            base,
            rules: DateRules::default(),
            cache: HashMap::new(),
        }
    }

    /// The record `el`, read the first time it is asked for.
    pub(crate) fn record(&mut self, el: ElementRef<'_>) -> &Record {
        let (base, rules) = (self.base, self.rules);
        self.cache
            .entry(el.id())
            .or_insert_with(|| read_record(el, base, &rules))
    }
}

fn text_of(el: ElementRef<'_>) -> String {
    collapse(&el.text().collect::<String>())
}

/// The main link: the first link in a heading, else the link with the longest text.
pub(crate) fn main_link<'a>(
    el: ElementRef<'a>,
    heading: Option<ElementRef<'a>>,
) -> Option<ElementRef<'a>> {
    let links = LINKS.as_ref()?;
    if el.value().name() == "a" && el.attr("href").is_some() {
        return Some(el);
    }
    if let Some(h) = heading {
        if let Some(a) = h.select(links).next() {
            return Some(a);
        }
        if let Some(a) = h
            .ancestors()
            .filter_map(ElementRef::wrap)
            .take(2)
            .find(|a| a.value().name() == "a" && a.attr("href").is_some())
        {
            return Some(a);
        }
    }
    el.select(links)
        .map(|a| (text_of(a).chars().count(), a))
        .fold(
            None::<(usize, ElementRef<'a>)>,
            |best, (len, a)| match best {
                Some((b, _)) if b >= len => best,
                _ => Some((len, a)),
            },
        )
        .map(|(_, a)| a)
}

fn read_record(el: ElementRef<'_>, base: Option<&Url>, rules: &DateRules) -> Record {
    let heading = HEADING.as_ref().and_then(|h| el.select(h).next());
    let link_el = main_link(el, heading);
    let link = link_el.and_then(|a| {
        let url = web_url(a.attr("href")?, base).ok()?;
        Some((url, a.id()))
    });
    let title = heading
        .map(text_of)
        .filter(|t| !t.is_empty())
        .or_else(|| link_el.map(text_of))
        .unwrap_or_default();
    let text = text_of(el);
    let link_text_len = LINKS
        .as_ref()
        .map(|s| el.select(s).map(|a| text_of(a).chars().count()).sum())
        .unwrap_or(0);
    let head: String = text.chars().take(240).collect();
    Record {
        link,
        heading: heading.map(|h| h.id()),
        has_date: TIME.as_ref().is_some_and(|t| el.select(t).next().is_some())
            || date::find(&head, rules).is_some(),
        title,
        text_len: text.chars().count(),
        link_text_len,
    }
}

/// Words that mark page furniture in tags, ids and classes.
const CHROME: &[&str] = &[
    "nav",
    "menu",
    "footer",
    "sidebar",
    "widget",
    "breadcrumb",
    "pagination",
    "pager",
    "comment",
    "related",
    "popular",
    "share",
    "social",
    "cloud",
    "header",
    "topbar",
    "dropdown",
    "banner",
    "cookie",
    "login",
    "toolbar",
    "tabs",
];
/// Words that mark the page's main content.
const MAIN: &[&str] = &[
    "content", "main", "posts", "articles", "results", "list", "entries", "archive",
];

/// Path segments of links that are not articles.
const UTILITY: &[&str] = &[
    "tag",
    "tags",
    "category",
    "categories",
    "author",
    "page",
    "search",
    "login",
    "signup",
    "register",
    "cart",
    "account",
    "feed",
    "wp-login.php",
    "user",
    "users",
    "profile",
];

/// Where a group stands: (inside main content, inside page furniture).
fn landmarks(group: &Group<'_>) -> (bool, bool) {
    let Some(first) = group.records.first() else {
        return (false, false);
    };
    let (mut main, mut chrome) = (false, false);
    for a in first.ancestors().filter_map(ElementRef::wrap) {
        let tag = a.value().name();
        let names: Vec<String> = classes(a)
            .into_iter()
            .map(str::to_lowercase)
            .chain(a.value().id().map(str::to_lowercase))
            .collect();
        let has = |words: &[&str]| names.iter().any(|n| words.iter().any(|w| n.contains(w)));
        main |= matches!(tag, "main") || a.attr("role") == Some("main") || has(MAIN);
        chrome |= matches!(tag, "nav" | "header" | "footer" | "aside")
            || a.attr("role") == Some("navigation")
            || has(CHROME);
    }
    (main, chrome)
}

fn is_utility(url: &Url, page: Option<&Url>) -> bool {
    if page.is_some_and(|p| p.path() == url.path() && p.host() == url.host()) {
        return true;
    }
    url.path_segments().is_some_and(|segs| {
        segs.map(str::to_lowercase)
            .any(|s| UTILITY.contains(&s.as_str()))
    })
}

/// The features of a candidate group.
#[derive(Debug, Clone)]
pub(crate) struct Features {
    pub values: [f64; NAMES.len()],
}

/// Measures `group`. `position` is where its first record stands in the page (0 to 1).
pub(crate) fn measure(
    group: &Group<'_>,
    reader: &mut Reader<'_>,
    page: Option<&Url>,
    position: f64,
) -> Features {
    let n = group.records.len() as f64;
    let records: Vec<Record> = group
        .records
        .iter()
        .map(|r| reader.record(*r).clone())
        .collect();
    let frac = |f: &dyn Fn(&Record) -> bool| records.iter().filter(|r| f(r)).count() as f64 / n;
    let mean = |f: &dyn Fn(&Record) -> f64| records.iter().map(f).sum::<f64>() / n;
    let distinct = |keys: Vec<String>| {
        let total = keys.len().max(1) as f64;
        let mut k = keys;
        k.sort();
        k.dedup();
        k.len() as f64 / total
    };
    let linked: Vec<&Url> = records
        .iter()
        .filter_map(|r| r.link.as_ref().map(|l| &l.0))
        .collect();
    let host = page.and_then(Url::host_str);
    let (in_main, in_chrome) = landmarks(group);
    let values = [
        1.0,
        n.ln(),
        frac(&|r| r.link.is_some()),
        mean(&|r| (r.title.split_whitespace().count() as f64 / 10.0).min(2.0)),
        distinct(records.iter().map(|r| r.title.to_lowercase()).collect()),
        distinct(linked.iter().map(|u| u.to_string()).collect()),
        frac(&|r| r.has_date),
        frac(&|r| r.heading.is_some()),
        f64::from(u8::from(in_main)),
        f64::from(u8::from(in_chrome)),
        if linked.is_empty() {
            0.0
        } else {
            linked.iter().filter(|u| u.host_str() == host).count() as f64 / linked.len() as f64
        },
        mean(&|r| {
            r.link.as_ref().map_or(0.0, |(u, _)| {
                (u.path_segments()
                    .map_or(0, |s| s.filter(|s| !s.is_empty()).count()) as f64
                    / 5.0)
                    .min(1.0)
            })
        }),
        mean(&|r| r.link_text_len as f64 / r.text_len.max(1) as f64),
        mean(&|r| (r.text_len as f64 + 1.0).ln() / 8.0),
        frac(&|r| r.link.as_ref().is_some_and(|(u, _)| is_utility(u, page))),
        position,
        frac(&|r| r.text_len.saturating_sub(r.link_text_len) >= 60),
    ];
    Features { values }
}

/// The model's probability that `f` is the page's list of articles.
pub(crate) fn score(f: &Features, weights: &[f64]) -> f64 {
    let z: f64 = f.values.iter().zip(weights).map(|(x, w)| x * w).sum();
    1.0 / (1.0 + (-z).exp())
}
