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

/// Names of the features, in the order of [`Features::values`] (and of the fitted weights).
pub(crate) const NAMES: [&str; 19] = [
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
    "alike",
    "text_share",
];

/// A link of a record.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    /// Where it goes.
    pub url: Url,
    /// The `a` element.
    pub id: NodeId,
    /// Its text.
    pub text: String,
    /// Where it sits in the record: the steps from the record down to it.
    pub place: String,
    /// Inside a heading.
    pub in_heading: bool,
    /// It, or an element between it and the record, is named like a title ("title",
    /// "headline", "name"…).
    pub titled: bool,
    /// Its own title when it wraps more (a card link around heading, teaser and date): the
    /// first heading, `strong` or title-named element inside it.
    pub inner_title: Option<(NodeId, String)>,
}

/// One record, read once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    /// Its links, in page order.
    pub links: Vec<Link>,
    /// The first heading: its element and text.
    pub heading: Option<(NodeId, String)>,
    /// The first title-named element (class, id, `itemprop`) that holds no link and no date: the
    /// title of a record whose link shows an id ("arXiv:2111.05049").
    pub named: Option<(NodeId, String)>,
    /// An element that says it holds a date (`<time>`, `[datetime]`, a date-named class), or a
    /// date in the first words of the text.
    pub has_date: bool,
    /// Characters of text.
    pub text_len: usize,
    /// Characters of text inside links.
    pub link_text_len: usize,
}

/// How a list's records are read: which link is each one's own, and its title.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    /// Per record, the index of its main link in [`Record::links`].
    pub main: Vec<Option<usize>>,
    /// Per record, its title.
    pub titles: Vec<String>,
    /// The share of records whose main link sits where the list's best one does (a list that
    /// mixes two kinds of blocks has half).
    pub alike: f64,
}

/// Reads records once per page, however many candidates they belong to.
pub(crate) struct Reader<'p> {
    base: Option<&'p Url>,
    page: Option<&'p Url>,
    rules: DateRules,
    cache: HashMap<(NodeId, bool), Record>,
}

impl<'p> Reader<'p> {
    pub(crate) fn new(base: Option<&'p Url>, page: Option<&'p Url>) -> Self {
        Reader {
            base,
            page,
            rules: DateRules::default(),
            cache: HashMap::new(),
        }
    }

    /// The record `el` (going on in the element after it when `paired`), read the first time it
    /// is asked for.
    pub(crate) fn record(&mut self, el: ElementRef<'_>, paired: bool) -> &Record {
        let (base, rules) = (self.base, self.rules);
        self.cache
            .entry((el.id(), paired))
            .or_insert_with(|| read_record(el, paired, base, &rules))
    }

    /// The records of `group`, and how they read as a list.
    pub(crate) fn read(&mut self, group: &Group<'_>) -> (Vec<Record>, Reading) {
        let records: Vec<Record> = group
            .records
            .iter()
            .map(|r| self.record(*r, group.paired).clone())
            .collect();
        let reading = reading(&records, self.page);
        (records, reading)
    }
}

fn text_of(el: ElementRef<'_>) -> String {
    collapse(&crate::extract::html::visible_text(el))
}

/// Words that name an element holding a title.
const TITLED: &[&str] = &[
    "title",
    "headline",
    "heading",
    "name",
    "subject",
    "header",
    "entry-link",
    "post-link",
];

fn titled(el: ElementRef<'_>) -> bool {
    classes(el).into_iter().chain(el.value().id()).any(|c| {
        let c = c.to_ascii_lowercase();
        TITLED.iter().any(|t| c.contains(t))
    })
}

fn is_heading(el: ElementRef<'_>) -> bool {
    matches!(el.value().name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// The title inside a link that wraps more than its title: its first heading, `strong`, or
/// element named (by class, id or `itemprop`) for a title, the innermost such when they nest
/// (`div.name > span.track-name` beside the date), and not one that also holds the date.
fn inner_title(a: ElementRef<'_>) -> Option<(NodeId, String)> {
    let rules = DateRules::default();
    let names_title = |e: &ElementRef<'_>| {
        is_heading(*e)
            || matches!(e.value().name(), "strong" | "b")
            || titled(*e)
            || matches!(e.value().attr("itemprop"), Some("headline" | "name"))
    };
    let mut found = a.descendent_elements().find(names_title)?;
    while let Some(inner) = found.descendent_elements().skip(1).find(names_title) {
        found = inner;
    }
    Some((found.id(), text_of(found)))
        .filter(|(_, t)| !t.is_empty() && date::find(t, &rules).is_none())
}

/// The elements a record is made of: itself, and for a paired record the element after it.
pub(crate) fn scopes(el: ElementRef<'_>, paired: bool) -> Vec<ElementRef<'_>> {
    let after = paired
        .then(|| el.next_siblings().find_map(ElementRef::wrap))
        .flatten();
    std::iter::once(el).chain(after).collect()
}

/// A link of a record, `scope` being the part of the record it is in (`+ ` starts the places of
/// links in a paired record's second element).
fn read_link(
    a: ElementRef<'_>,
    scope: ElementRef<'_>,
    after: bool,
    base: Option<&Url>,
) -> Option<Link> {
    let url = web_url(a.attr("href")?, base).ok()?;
    let between: Vec<ElementRef<'_>> = std::iter::once(a)
        .chain(
            a.ancestors()
                .filter_map(ElementRef::wrap)
                .take_while(|p| p.id() != scope.id()),
        )
        .chain(after.then_some(scope))
        .collect();
    let text = text_of(a);
    Some(Link {
        url,
        id: a.id(),
        // Tags of the elements on the way and the link's own classes: a class on the way that
        // only some records carry ("label-latest" on the newest release) must not split a place.
        place: (if after { "+ " } else { "" }).to_string()
            + &between
                .iter()
                .rev()
                .map(|e| match e.id() == a.id() {
                    true => super::derive::step(*e),
                    false => e.value().name().to_string(),
                })
                .collect::<Vec<_>>()
                .join(" "),
        in_heading: between.iter().any(|e| is_heading(*e)),
        titled: between.iter().any(|e| titled(*e)),
        inner_title: (text.chars().count() > 80 || crate::extract::html::date_element(a).is_some())
            .then(|| inner_title(a))
            .flatten(),
        text,
    })
}

fn read_record(el: ElementRef<'_>, paired: bool, base: Option<&Url>, rules: &DateRules) -> Record {
    let parts = scopes(el, paired);
    let heading = parts
        .iter()
        .find_map(|p| HEADING.as_ref().and_then(|h| p.select(h).next()));
    let mut links: Vec<Link> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let anchors: Vec<ElementRef<'_>> =
            if part.value().name() == "a" && part.attr("href").is_some() {
                vec![*part]
            } else {
                LINKS
                    .as_ref()
                    .map(|s| part.select(s).collect())
                    .unwrap_or_default()
            };
        links.extend(
            anchors
                .into_iter()
                .filter_map(|a| read_link(a, *part, i > 0, base)),
        );
    }
    let text = parts
        .iter()
        .map(|p| text_of(*p))
        .collect::<Vec<_>>()
        .join(" ");
    let named = parts
        .iter()
        .flat_map(|p| p.descendent_elements())
        .filter(|e| {
            (titled(*e) || matches!(e.value().attr("itemprop"), Some("headline" | "name")))
                && LINKS.as_ref().is_some_and(|l| e.select(l).next().is_none())
        })
        .map(|e| (e.id(), text_of(e)))
        .find(|(_, t)| !t.is_empty() && date::find(t, rules).is_none());
    let head: String = text.chars().take(240).collect();
    Record {
        link_text_len: links.iter().map(|l| l.text.chars().count()).sum(),
        links,
        heading: heading
            .map(|h| (h.id(), text_of(h)))
            .filter(|(_, t)| !t.is_empty()),
        named,
        has_date: parts
            .iter()
            .any(|p| crate::extract::html::date_element(*p).is_some())
            || date::find(&head, rules).is_some(),
        text_len: text.trim().chars().count(),
    }
}

/// How good a link position is as the records' own: present in most records, pointing somewhere
/// different in each, with words for text, in a heading or named like a title, and not a tag,
/// author or page link.
fn place_value(records: &[Record], place: &str, page: Option<&Url>) -> f64 {
    let firsts: Vec<&Link> = records
        .iter()
        .filter_map(|r| r.links.iter().find(|l| l.place == place))
        .collect();
    let m = firsts.len().max(1) as f64;
    let mut urls: Vec<&str> = firsts.iter().map(|l| l.url.as_str()).collect();
    urls.sort_unstable();
    urls.dedup();
    let frac = |f: &dyn Fn(&Link) -> bool| firsts.iter().filter(|l| f(l)).count() as f64 / m;
    let text = firsts
        .iter()
        .map(|l| l.text.chars().count().min(80) as f64)
        .sum::<f64>()
        / m
        / 80.0;
    (firsts.len() as f64 / records.len().max(1) as f64)
        * (urls.len() as f64 / m)
        * (0.5 + 0.5 * text)
        * (0.2 + 0.8 * frac(&|l| !l.text.is_empty()))
        * (1.0 + frac(&|l| l.in_heading) + 0.5 * frac(&|l| l.titled))
        * (1.0 - 0.8 * frac(&|l| is_utility(&l.url, page) && !l.in_heading && !l.titled))
}

/// Where a link position first comes in its records (0 first): titles come before "read more".
fn place_rank(records: &[Record], place: &str) -> f64 {
    let ranks: Vec<f64> = records
        .iter()
        .filter_map(|r| {
            let i = r.links.iter().position(|l| l.place == place)?;
            Some(i as f64 / r.links.len().max(1) as f64)
        })
        .collect();
    ranks.iter().sum::<f64>() / ranks.len().max(1) as f64
}

/// Which link is each record's own, and each record's title.
fn reading(records: &[Record], page: Option<&Url>) -> Reading {
    let mut places: Vec<&str> = records
        .iter()
        .flat_map(|r| r.links.iter().map(|l| l.place.as_str()))
        .collect();
    places.sort_unstable();
    places.dedup();
    let valued: Vec<(f64, &str)> = places
        .into_iter()
        .map(|p| (place_value(records, p, page), p))
        .collect();
    // Of the positions nearly as good as the best, the one that comes first in the records.
    let top = valued.iter().map(|(v, _)| *v).fold(0.0, f64::max);
    let best = valued
        .iter()
        .filter(|(v, _)| *v > 0.0 && *v >= 0.7 * top)
        .min_by(|a, b| place_rank(records, a.1).total_cmp(&place_rank(records, b.1)))
        .map(|(_, p)| p.to_string());
    let main: Vec<Option<usize>> = records
        .iter()
        .map(|r| {
            best.as_deref()
                .and_then(|b| r.links.iter().position(|l| l.place == b))
                .or_else(|| fallback_link(r))
        })
        .collect();
    let titles = records
        .iter()
        .zip(&main)
        .map(|(r, m)| title(r, m.map(|i| &r.links[i])))
        .collect();
    let alike = records
        .iter()
        .filter(|r| {
            best.as_deref()
                .is_some_and(|b| r.links.iter().any(|l| l.place == b))
        })
        .count() as f64
        / records.len().max(1) as f64;
    Reading {
        main,
        titles,
        alike,
    }
}

/// A record's main link when the list has no common one: in its heading, else the longest.
fn fallback_link(r: &Record) -> Option<usize> {
    r.links.iter().position(|l| l.in_heading).or_else(|| {
        r.links
            .iter()
            .enumerate()
            .max_by_key(|(_, l)| l.text.chars().count())
            .map(|(i, _)| i)
    })
}

/// A record's title: its heading when its link is in it (or it has no link), else the link's
/// own title or text.
fn title(r: &Record, link: Option<&Link>) -> String {
    title_of(r, link).map(|(_, t)| t).unwrap_or_default()
}

/// Where a record's title is, and its text: the heading the link is in; else, when the link shows
/// only a word or two (an id, "More") and the record names a longer title, that; else the link's
/// own title or text; without a link, the heading.
pub(crate) fn title_of(r: &Record, link: Option<&Link>) -> Option<(NodeId, String)> {
    let words = |t: &str| t.split_whitespace().count();
    let named = r.named.as_ref().filter(|(_, t)| words(t) >= 3);
    match link {
        Some(l) if l.in_heading => r.heading.clone().or(Some((l.id, l.text.clone()))),
        Some(l) if words(&l.text) < 3 && l.inner_title.is_none() && named.is_some() => {
            named.cloned()
        }
        Some(l) => l.inner_title.clone().or(Some((l.id, l.text.clone()))),
        None => r.heading.clone(),
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
    "slide",
    "carousel",
    "swiper",
    "ticker",
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

/// Where a list stands in its page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Where {
    /// Where its first record stands in the page (0 to 1).
    pub position: f64,
    /// Characters of text on the whole page.
    pub page_text: usize,
}

/// Measures `group` standing `at` in its page.
pub(crate) fn measure(
    group: &Group<'_>,
    reader: &mut Reader<'_>,
    page: Option<&Url>,
    at: Where,
) -> Features {
    let Where {
        position,
        page_text,
    } = at;
    let n = group.records.len() as f64;
    let (records, reading) = reader.read(group);
    let main: Vec<Option<&Link>> = records
        .iter()
        .zip(&reading.main)
        .map(|(r, m)| m.map(|i| &r.links[i]))
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
    let linked: Vec<&Url> = main.iter().flatten().map(|l| &l.url).collect();
    let host = page.and_then(Url::host_str);
    let (in_main, in_chrome) = landmarks(group);
    let words = reading
        .titles
        .iter()
        .map(|t| (t.split_whitespace().count() as f64 / 10.0).min(2.0))
        .sum::<f64>()
        / n;
    let share = |f: &dyn Fn(&Url) -> bool| {
        if linked.is_empty() {
            0.0
        } else {
            linked.iter().filter(|u| f(u)).count() as f64 / linked.len() as f64
        }
    };
    let values = [
        1.0,
        n.ln(),
        linked.len() as f64 / n,
        words,
        distinct(reading.titles.iter().map(|t| t.to_lowercase()).collect()),
        distinct(linked.iter().map(|u| u.to_string()).collect()),
        frac(&|r| r.has_date),
        frac(&|r| r.heading.is_some()),
        f64::from(u8::from(in_main)),
        f64::from(u8::from(in_chrome)),
        share(&|u| u.host_str() == host),
        if linked.is_empty() {
            0.0
        } else {
            linked
                .iter()
                .map(|u| {
                    let depth = u
                        .path_segments()
                        .map_or(0, |s| s.filter(|s| !s.is_empty()).count());
                    (depth as f64 / 5.0).min(1.0)
                })
                .sum::<f64>()
                / linked.len() as f64
        },
        mean(&|r| r.link_text_len as f64 / r.text_len.max(1) as f64),
        mean(&|r| (r.text_len as f64 + 1.0).ln() / 8.0),
        share(&|u| is_utility(u, page)),
        position,
        frac(&|r| r.text_len.saturating_sub(r.link_text_len) >= 60),
        reading.alike,
        // A listing is most of its page's text; an article's "related links" are a sliver of it.
        (records.iter().map(|r| r.text_len).sum::<usize>() as f64 / page_text.max(1) as f64)
            .min(1.0),
    ];
    Features { values }
}

/// The model's probability that `f` is the page's list of articles.
pub(crate) fn score(f: &Features, weights: &[f64]) -> f64 {
    let z: f64 = f.values.iter().zip(weights).map(|(x, w)| x * w).sum();
    1.0 / (1.0 + (-z).exp())
}
