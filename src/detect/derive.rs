//! From a chosen list to ordinary selectors: an `item` selector that matches exactly its records,
//! and, inside the item, `title`, `link`, `date` and `summary` selectors where the defaults (first
//! heading, first link, first `<time>`, a date in the item's text) would not find the same thing.
//! Selectors are written the way a person would: tags and stable classes, as short as they can be
//! while still finding the right element.

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::{ElementRef, Selector};

use super::candidates::{Group, classes};
use super::features::{self, Reader, scopes};
use crate::date::{self, DateRules};
use crate::extract::html::{self, visible_text};
use crate::source::{Field, Selectors};
use crate::text::collapse;

/// A CSS step for one element: its tag and stable classes.
pub(crate) fn step(el: ElementRef<'_>) -> String {
    let mut s = el.value().name().to_string();
    for c in classes(el) {
        s.push('.');
        s.push_str(c);
    }
    s
}

static LINK: std::sync::LazyLock<Option<Selector>> =
    std::sync::LazyLock::new(|| compile("a[href]"));

fn compile(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

/// The selector of the group's records: the shortest chain of ancestors' steps that matches
/// exactly them (or, failing that, matches them with the fewest others). Ancestors are named by
/// tag and classes; only when that cannot tell the records from look-alikes are classless ones
/// also named by a layout attribute (see [`anchor`]).
pub(crate) fn item_selector(root: ElementRef<'_>, group: &Group<'_>) -> Option<String> {
    let plain = chain_selector(root, group, step);
    let best = match plain {
        Some((f1, _)) if f1 >= 1.0 => plain,
        _ => match chain_selector(root, group, anchor) {
            Some(anchored) if plain.as_ref().is_none_or(|p| anchored.0 > p.0) => Some(anchored),
            _ => plain,
        },
    };
    best.filter(|(f1, _)| *f1 >= 0.8).map(|(_, css)| css)
}

/// The best chain of steps for the group's records, ancestors named by `name`, with how well it
/// matches them (F1 against the records).
fn chain_selector(
    root: ElementRef<'_>,
    group: &Group<'_>,
    name: fn(ElementRef<'_>) -> String,
) -> Option<(f64, String)> {
    let first = *group.records.first()?;
    let wanted: Vec<NodeId> = group.records.iter().map(|r| r.id()).collect();
    // The records' own step: the classes they all share, not the first one's.
    let own = std::iter::once(group.tag)
        .chain(group.classes.iter().copied())
        .collect::<Vec<_>>()
        .join(".");
    let mut chain = vec![own];
    let mut best: Option<(f64, String)> = None;
    let ancestors: Vec<ElementRef<'_>> = first
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take(4)
        .collect();
    // Look-alikes without a link (a section header styled as a post) are left out by `:has`.
    let linked = group.tag != "a"
        && group
            .records
            .iter()
            .all(|r| LINK.as_ref().is_some_and(|l| r.select(l).next().is_some()));
    for depth in 0..=ancestors.len() {
        let plain = chain.join(" > ");
        let with_link = format!("{plain}:has(a[href])");
        for css in std::iter::once(plain).chain(linked.then_some(with_link)) {
            let Some(sel) = compile(&css) else { continue };
            let got: Vec<NodeId> = root.select(&sel).map(|e| e.id()).collect();
            let hits = got.iter().filter(|id| wanted.contains(id)).count() as f64;
            let f1 = 2.0 * hits / (got.len() + wanted.len()).max(1) as f64;
            if f1 >= 1.0 {
                return Some((f1, css));
            }
            if best.as_ref().is_none_or(|(b, _)| f1 > *b) {
                best = Some((f1, css));
            }
        }
        let Some(a) = ancestors.get(depth) else { break };
        let id = a
            .value()
            .id()
            .filter(|id| super::candidates::stable_class(id));
        match id {
            Some(id) => {
                chain.insert(0, format!("{}#{id}", a.value().name()));
                // An id is unique: nothing above it can narrow further.
                let css = chain.join(" > ");
                let sel = compile(&css)?;
                let got = root.select(&sel).count();
                return if got == wanted.len() {
                    Some((1.0, css))
                } else {
                    best
                };
            }
            None => chain.insert(0, name(*a)),
        }
    }
    best
}

/// An ancestor's step in an item selector: its tag and stable classes, or, for an element with
/// no class (the nested tables of old forums and CMSs), its tag and one layout attribute, which
/// is what tells such tables apart.
fn anchor(el: ElementRef<'_>) -> String {
    const TELLING: &[&str] = &[
        "role",
        "cellpadding",
        "cellspacing",
        "width",
        "bgcolor",
        "align",
    ];
    if !classes(el).is_empty() {
        return step(el);
    }
    let attr = TELLING.iter().find_map(|&name| {
        let v = el.attr(name)?;
        let plain = !v.is_empty()
            && v.len() <= 20
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "#%-.".contains(c));
        plain.then(|| format!("[{name}=\"{v}\"]"))
    });
    format!("{}{}", el.value().name(), attr.unwrap_or_default())
}

/// The steps from `record` (not included) down to `target`; for a target in the element after
/// the record, `"+"` and the steps from that element (included) down.
fn path(record: ElementRef<'_>, target: ElementRef<'_>) -> Vec<String> {
    let after = record.next_siblings().find_map(ElementRef::wrap);
    let mut steps = vec![step(target)];
    if after.is_some_and(|s| s.id() == target.id()) {
        steps.insert(0, "+".into());
        return steps;
    }
    for a in target.ancestors().filter_map(ElementRef::wrap) {
        if a.id() == record.id() {
            return steps;
        }
        steps.insert(0, step(a));
        if after.is_some_and(|s| s.id() == a.id()) {
            steps.insert(0, "+".into());
            return steps;
        }
    }
    steps
}

/// A selector that finds, as its first match inside each record, that record's target: the
/// shortest tail of the most common path that does so for nine records in ten.
fn relative(pairs: &[(ElementRef<'_>, ElementRef<'_>)]) -> Option<String> {
    let mut counts: HashMap<Vec<String>, usize> = HashMap::new();
    for (record, target) in pairs {
        *counts.entry(path(*record, *target)).or_default() += 1;
    }
    let common = counts
        .into_iter()
        .max_by_key(|(p, n)| (*n, std::cmp::Reverse(p.len())))?
        .0;
    let mut best: Option<(f64, String)> = None;
    // A target in the element after the record is written "+ …" (see `Field`).
    let (prefix, common) = match common.split_first() {
        Some((plus, rest)) if plus == "+" => ("+ ", rest.to_vec()),
        _ => ("", common),
    };
    // Each tail of the path with descendant steps, then with child steps ("div.box > a" where a
    // date link sits deeper in the same box).
    let tails = (1..=common.len()).flat_map(|k| {
        let tail = &common[common.len() - k..];
        [tail.join(" "), tail.join(" > ")].map(|css| format!("{prefix}{css}"))
    });
    for css in tails {
        let Ok(field) = Field::parse(&css) else {
            continue;
        };
        let hit = pairs
            .iter()
            .filter(|(r, t)| field.elements(*r).first().is_some_and(|e| e.id() == t.id()))
            .count() as f64
            / pairs.len() as f64;
        if hit >= 0.9 {
            return Some(css);
        }
        if best.as_ref().is_none_or(|(b, _)| hit > *b) {
            best = Some((hit, css));
        }
    }
    best.filter(|(hit, _)| *hit >= 0.6).map(|(_, css)| css)
}

/// Whether `default` finds each target already, so no selector is needed.
fn defaults_do<'a>(
    pairs: &[(ElementRef<'a>, ElementRef<'a>)],
    default: impl Fn(ElementRef<'a>) -> Option<ElementRef<'a>>,
) -> bool {
    let same = pairs
        .iter()
        .filter(|(r, t)| default(*r).is_some_and(|d| d.id() == t.id()))
        .count();
    same as f64 >= 0.95 * pairs.len() as f64
}

/// Whether the default date of each record (see `html::default_date`) is the target's date.
fn default_dates_do(pairs: &[(ElementRef<'_>, ElementRef<'_>)], rules: &DateRules) -> bool {
    let day = |v: Option<String>| v.and_then(|v| date::find(&v, rules));
    let same = pairs
        .iter()
        .filter(|(r, t)| {
            let target = day(Some(html::date_of(*t)));
            target.is_some() && day(html::default_date(*r)) == target
        })
        .count();
    same as f64 >= 0.95 * pairs.len() as f64
}

fn select_first<'a>(el: ElementRef<'a>, css: &str) -> Option<ElementRef<'a>> {
    el.select(&compile(css)?).next()
}

/// The element of `record` that holds its date: of the innermost elements whose short text holds
/// one, the first in the page (a thread's start date comes before its last post's).
fn date_element<'a>(record: ElementRef<'a>, rules: &DateRules) -> Option<ElementRef<'a>> {
    let holds = |e: &ElementRef<'_>| {
        let text = collapse(&visible_text(*e));
        let len = text.chars().count();
        len > 0 && len <= 120 && date::find(&text, rules).is_some()
    };
    let found: Vec<ElementRef<'a>> = record.descendent_elements().filter(holds).collect();
    let inner = |e: &ElementRef<'_>| {
        !found
            .iter()
            .any(|o| o.id() != e.id() && o.ancestors().any(|a| a.id() == e.id()))
    };
    found.iter().copied().find(inner)
}

/// The record's block of text that is not its title or date: the longest one, of 40 characters
/// or more, that reads as prose: a block whose text is mostly links is a menu (an author's
/// pop-up, a list of tags), not a teaser.
fn summary_element<'a>(
    record: ElementRef<'a>,
    title: Option<ElementRef<'a>>,
    date: Option<ElementRef<'a>>,
) -> Option<ElementRef<'a>> {
    let contains = |outer: ElementRef<'_>, inner: Option<ElementRef<'_>>| {
        inner.is_some_and(|i| outer.id() == i.id() || i.ancestors().any(|a| a.id() == outer.id()))
    };
    record
        .descendent_elements()
        .filter(|e| {
            matches!(
                e.value().name(),
                "p" | "div" | "section" | "span" | "dd" | "td" | "blockquote"
            )
        })
        .filter(|e| !contains(*e, title) && !contains(*e, date))
        .filter(|e| !title.is_some_and(|t| e.ancestors().any(|a| a.id() == t.id())))
        .map(|e| (collapse(&visible_text(e)).chars().count(), e))
        .filter(|(len, _)| *len >= 40)
        .filter(|(len, e)| 2 * link_text(*e) < *len)
        .max_by_key(|(len, _)| *len)
        .map(|(_, e)| e)
}

/// Characters of `el`'s text inside its links.
fn link_text(el: ElementRef<'_>) -> usize {
    LINK.as_ref().map_or(0, |l| {
        el.select(l)
            .map(|a| collapse(&visible_text(a)).chars().count())
            .sum()
    })
}

/// Field selectors inside the records of `group` whose item selector is `item`.
pub(crate) fn selectors(
    item: &str,
    group: &Group<'_>,
    reader: &mut Reader<'_>,
    rules: &DateRules,
) -> Option<Selectors> {
    let field = |css: Option<String>| css.and_then(|c| Field::parse(&c).ok());
    let mut titles = Vec::new();
    let mut links = Vec::new();
    let mut dates = Vec::new();
    let mut summaries = Vec::new();
    let (records, reading) = reader.read(group);
    for ((&r, rec), main) in group.records.iter().zip(&records).zip(&reading.main) {
        let parts = scopes(r, group.paired);
        let find = |id| find(&parts, id);
        let main = main.map(|i| &rec.links[i]);
        let link = main.and_then(|l| find(l.id));
        let title = features::title_of(rec, main).and_then(|(id, _)| find(id));
        let date = parts
            .iter()
            .find_map(|p| html::date_element(*p).or_else(|| date_element(*p, rules)));
        if let Some(t) = title {
            titles.push((r, t));
        }
        if let Some(l) = link {
            links.push((r, l));
        }
        if let Some(d) = date {
            dates.push((r, d));
        }
        let summary = parts
            .iter()
            .filter_map(|p| summary_element(*p, title, date))
            .max_by_key(|e| collapse(&visible_text(*e)).chars().count());
        if let Some(s) = summary {
            summaries.push((r, s));
        }
    }
    let n = group.records.len();
    let enough = |v: &Vec<_>| 2 * v.len() >= n;
    let first_heading = |r| select_first(r, "h1, h2, h3, h4, h5, h6").or_else(|| default_link(r));
    let mut select = Selectors::with_item(Field::parse(item).ok()?);
    if enough(&titles) && !defaults_do(&titles, first_heading) {
        select.title = field(relative(&titles));
    }
    if enough(&links) && !defaults_do(&links, default_link) {
        select.link = field(relative(&links));
    }
    if enough(&dates) && !default_dates_do(&dates, rules) {
        select.date = field(relative(&dates));
    }
    if enough(&summaries) {
        select.summary = field(relative(&summaries));
    }
    Some(select)
}

/// The item's own link, else its first.
fn default_link(r: ElementRef<'_>) -> Option<ElementRef<'_>> {
    if r.value().name() == "a" && r.attr("href").is_some() {
        Some(r)
    } else {
        select_first(r, "a[href]")
    }
}

/// The element `id` among a record's parts (themselves included).
fn find<'a>(parts: &[ElementRef<'a>], id: NodeId) -> Option<ElementRef<'a>> {
    parts.iter().find_map(|p| {
        std::iter::once(*p)
            .chain(p.descendent_elements())
            .find(|e| e.id() == id)
    })
}

/// The link to the next (older) page of the listing, when the page has a recognisable one.
pub(crate) fn next_page(root: ElementRef<'_>) -> Option<Field> {
    const CANDIDATES: &[&str] = &[
        "link[rel~=next][href]",
        "a[rel~=next][href]",
        ".pagination a.next",
        ".pagination .next a",
        "a.next",
        ".nav-previous a",
        ".next-posts a",
        ".older-posts a",
        "a.blog-pager-older-link",
        ".pager-next a",
        "li.next a",
    ];
    CANDIDATES.iter().find_map(|css| {
        let sel = compile(css)?;
        root.select(&sel).next()?.attr("href")?;
        Field::parse(&format!("{css}@href")).ok()
    })
}
