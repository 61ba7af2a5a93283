//! What each selector matches on a page, and what to write instead when one matches nothing: the
//! nearest selector that does match, and the repeated elements the page (or each item) has.
//! `preview` shows these; they never change what a run extracts.

use std::collections::HashMap;

use scraper::{ElementRef, Html};
use serde::Serialize;

use super::candidates::{classes, groups};
use super::derive::step;
use crate::source::{Field, Selectors};

/// How often one selector matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectorCount {
    /// `item`, `title`, `link`, `date`, `summary`, `categories` or `next_page`.
    pub field: &'static str,
    /// As written.
    pub selector: String,
    /// `item` and `next_page`: elements on the page. The others: items in which the field
    /// matched (with an `@attr`, an element that has the attribute).
    pub matches: usize,
}

/// Each selector of `s` and how often it matched on `doc`.
pub fn counts(doc: &Html, s: &Selectors) -> Vec<SelectorCount> {
    let root = doc.root_element();
    let items = s.item.elements(root);
    let count = |field: &'static str, f: &Field, n: usize| SelectorCount {
        field,
        selector: f.as_str().to_string(),
        matches: n,
    };
    let mut out = vec![count("item", &s.item, items.len())];
    let fields = [
        ("title", &s.title),
        ("link", &s.link),
        ("date", &s.date),
        ("summary", &s.summary),
        ("categories", &s.categories),
    ];
    for (name, field) in fields {
        if let Some(f) = field {
            let n = items.iter().filter(|item| matched(f, **item)).count();
            out.push(count(name, f, n));
        }
    }
    if let Some(f) = &s.next_page {
        out.push(count("next_page", f, usize::from(matched(f, root))));
    }
    out
}

/// Whether `f` finds something in `scope`: an element, with its attribute when one is named.
fn matched(f: &Field, scope: ElementRef<'_>) -> bool {
    let elements = f.elements(scope);
    match f.attr() {
        Some(a) => elements.iter().any(|e| e.attr(a).is_some()),
        None => !elements.is_empty(),
    }
}

/// What to try instead of a selector that matched nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// The selector closest to the one written that does match, and its count.
    pub nearest: Option<(String, usize)>,
    /// Repeated elements worth trying, most frequent first, with their counts.
    pub seen: Vec<(String, usize)>,
}

/// For an item selector: the nearest selector with matches on the page, and the page's lists
/// (repeated elements that each hold a link), biggest first.
pub fn for_item(doc: &Html, wanted: &str) -> Hint {
    let root = doc.root_element();
    let mut found: HashMap<String, usize> = HashMap::new();
    for el in root.descendent_elements() {
        for name in names(el) {
            *found.entry(name).or_default() += 1;
        }
    }
    let mut seen: Vec<(String, usize)> = groups(root, 3)
        .iter()
        .filter_map(|g| Some((step(*g.records.first()?), g.records.len())))
        .collect();
    seen.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    seen.dedup_by(|a, b| a.0 == b.0);
    seen.truncate(5);
    Hint {
        nearest: nearest(wanted, &found),
        seen,
    }
}

/// For a field selector: the nearest selector found inside the items, and the elements most
/// items have, each with the number of items that have it.
pub fn for_field(doc: &Html, item: &Field, wanted: &str) -> Hint {
    let items = item.elements(doc.root_element());
    let mut found: HashMap<String, usize> = HashMap::new();
    for it in &items {
        let mut here: Vec<String> = it.descendent_elements().skip(1).flat_map(names).collect();
        here.sort_unstable();
        here.dedup();
        for name in here {
            *found.entry(name).or_default() += 1;
        }
    }
    // One name per tag (the commonest, a classed one on a tie), so the list shows kinds of
    // element rather than one link five ways.
    let mut by_tag: HashMap<&str, (&str, usize)> = HashMap::new();
    for (name, n) in found
        .iter()
        .filter(|(name, n)| **n * 2 >= items.len() && !name.starts_with('.'))
    {
        let tag = name.split('.').next().unwrap_or(name);
        let better = |(best, m): (&str, usize)| *n > m || (*n == m && name.len() > best.len());
        if by_tag.get(tag).is_none_or(|b| better(*b)) {
            by_tag.insert(tag, (name.as_str(), *n));
        }
    }
    let mut seen: Vec<(String, usize)> = by_tag
        .values()
        .map(|(name, n)| (name.to_string(), *n))
        .collect();
    seen.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    seen.truncate(6);
    // A field names an attribute after `@`: the nearest element, with the same attribute.
    let (css, attr) = match wanted.trim().trim_start_matches('+').split_once('@') {
        Some((css, attr)) => (css, Some(attr)),
        None => (wanted, None),
    };
    let nearest = nearest(css, &found).map(|(near, n)| match attr {
        Some(a) => (format!("{near}@{a}"), n),
        None => (near, n),
    });
    Hint { nearest, seen }
}

/// The simple selectors that match `el`: its tag, `tag.class` and `.class` for each stable class.
fn names(el: ElementRef<'_>) -> Vec<String> {
    let tag = el.value().name();
    let mut out = vec![tag.to_string()];
    for c in classes(el) {
        out.push(format!("{tag}.{c}"));
        out.push(format!(".{c}"));
    }
    out
}

/// The selector found most like `wanted` (half alike at least), other than `wanted` itself.
fn nearest(wanted: &str, found: &HashMap<String, usize>) -> Option<(String, usize)> {
    let other = |name: &&String| !name.eq_ignore_ascii_case(wanted.trim());
    let near = crate::text::nearest(wanted, found.keys().filter(other).map(String::as_str), 0.5)?;
    Some((near.to_string(), found[near]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><body><nav><a href="/">Home</a></nav><main>
        <article class="post"><h2 class="title"><a href="/a">A</a></h2><time>2024-01-01</time></article>
        <article class="post"><h2 class="title"><a href="/b">B</a></h2><time>2024-01-02</time></article>
        <article class="post"><h2 class="title"><a href="/c">C</a></h2><time>2024-01-03</time></article>
        </main></body></html>"#;

    fn sel(item: &str, title: &str) -> Selectors {
        let mut s = Selectors::with_item(Field::parse(item).unwrap());
        s.title = Some(Field::parse(title).unwrap());
        s
    }

    #[test]
    fn counts_say_how_often_each_selector_matched() {
        let doc = Html::parse_document(PAGE);
        let c = counts(&doc, &sel("article.post", "h3"));
        assert_eq!((c[0].field, c[0].matches), ("item", 3));
        assert_eq!((c[1].field, c[1].matches), ("title", 0));
        let c = counts(&doc, &sel("article", "h2 a@href"));
        assert_eq!(c[1].matches, 3);
        assert_eq!(counts(&doc, &sel("article", "h2@href"))[1].matches, 0);
    }

    #[test]
    fn an_item_selector_that_matches_nothing_gets_the_nearest_and_the_lists() {
        let doc = Html::parse_document(PAGE);
        let h = for_item(&doc, "div.post");
        // `.post` is as near as edits go, and matches the same three.
        assert_eq!(h.nearest, Some((".post".into(), 3)));
        assert_eq!(h.seen.first(), Some(&("article.post".to_string(), 3)));
    }

    #[test]
    fn a_field_that_matches_nothing_gets_what_the_items_hold() {
        let doc = Html::parse_document(PAGE);
        let item = Field::parse("article.post").unwrap();
        let h = for_field(&doc, &item, "h3.title");
        assert_eq!(h.nearest, Some(("h2.title".into(), 3)));
        assert!(h.seen.contains(&("time".to_string(), 3)), "{:?}", h.seen);
        assert!(
            h.seen.contains(&("h2.title".to_string(), 3)),
            "{:?}",
            h.seen
        );
        assert!(
            !h.seen.contains(&("h2".to_string(), 3)),
            "one name per tag: {:?}",
            h.seen
        );
        let h = for_field(&doc, &item, "tme@datetime");
        assert_eq!(h.nearest, Some(("time@datetime".into(), 3)));
        assert!(for_field(&doc, &item, "zzzzzz").nearest.is_none());
    }
}
