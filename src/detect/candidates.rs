//! Candidate item lists: repeated sibling structures that carry links.
//!
//! For every element, its children are grouped by tag; a group's *core classes* are the stable
//! classes all its members share (so `article.post.category-a` and `article.post.category-b` are
//! one group). Groups of two or more members are candidates; so are the members of a group that
//! share one further class (`div.post` among `div.ad`s, `li.news` beside `li.event` in one list).
//! Groups in sibling parents with the same markup (rows of a card grid) are joined, and teasers of
//! one markup spread over three or more sections (a news front page) make one more candidate.

use std::collections::HashMap;
use std::sync::LazyLock;

use ego_tree::NodeId;
use scraper::{ElementRef, Selector};

/// Elements that never hold items.
const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "br", "hr", "meta", "link", "input", "option",
    "head", "title", "svg", "path", "img", "iframe", "button", "select", "textarea", "source",
];

/// Classes that say something about the state or position of one member, not what it is.
const STATE: &[&str] = &[
    "odd", "even", "first", "last", "alt", "active", "current", "selected", "sticky", "hidden",
    "visible", "clearfix", "clear", "new", "open", "closed", "featured",
];

static LINK: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("a[href]").ok());

/// A class worth naming in a selector: not a state, no digits (ids like `post-1234` or generated
/// names like `css-1x2y3z`).
pub(crate) fn stable_class(class: &str) -> bool {
    !class.is_empty()
        && class.len() <= 40
        && !class.chars().any(|c| c.is_ascii_digit())
        && !STATE.contains(&class)
        && class
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The stable classes of an element, sorted.
pub(crate) fn classes<'a>(el: ElementRef<'a>) -> Vec<&'a str> {
    let mut out: Vec<&str> = el.value().classes().filter(|c| stable_class(c)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// One candidate list: records with the same tag and core classes.
#[derive(Debug, Clone)]
pub(crate) struct Group<'a> {
    /// The records' tag.
    pub tag: &'a str,
    /// The classes every record has.
    pub classes: Vec<&'a str>,
    /// The records, in document order.
    pub records: Vec<ElementRef<'a>>,
    /// Each record goes on in the element right after it (a `<dt>` and its `<dd>`, a table row
    /// and the row of details below it).
    pub paired: bool,
}

fn has_link(el: ElementRef<'_>) -> bool {
    (el.value().name() == "a" && el.attr("href").is_some())
        || LINK.as_ref().is_some_and(|s| el.select(s).next().is_some())
}

/// The candidate groups of a page: at least `min` records, each holding a link, that are most of
/// their siblings of the same markup.
pub(crate) fn groups<'a>(root: ElementRef<'a>, min: usize) -> Vec<Group<'a>> {
    let mut found: Vec<Group<'a>> = Vec::new();
    for parent in std::iter::once(root).chain(root.descendent_elements()) {
        if SKIP.contains(&parent.value().name()) {
            continue;
        }
        let mut by_tag: Vec<(&str, Vec<ElementRef<'a>>)> = Vec::new();
        for child in parent.child_elements() {
            let tag = child.value().name();
            if SKIP.contains(&tag) {
                continue;
            }
            match by_tag.iter_mut().find(|(t, _)| *t == tag) {
                Some((_, members)) => members.push(child),
                None => by_tag.push((tag, vec![child])),
            }
        }
        for (tag, members) in by_tag.into_iter().filter(|(_, m)| m.len() >= 2) {
            split(tag, &members, &mut found);
        }
        // A record that goes on in the next element is read whole, not by halves.
        if let Some(paired) = pairs(parent) {
            let ids: Vec<NodeId> = paired.records.iter().map(|r| r.id()).collect();
            found.retain(|g| g.records.iter().map(|r| r.id()).ne(ids.iter().copied()));
            found.push(paired);
        }
    }
    let mut groups = join_sibling_parents(found);
    scattered(root, &mut groups);
    // Most records must hold a link; those that hold none (a section header dressed as a post)
    // are no items, and empty ones (spacer rows between a table's items) do not count.
    groups.retain_mut(|g| {
        let total = g
            .records
            .iter()
            .filter(|r| has_link(**r) || r.text().any(|t| !t.trim().is_empty()))
            .count();
        g.records.retain(|r| has_link(*r));
        g.records.len() >= min && 2 * g.records.len() > total
    });
    groups
}

/// Teasers of one markup spread over a page's sections (a news front page: a stage of top
/// stories, then one per department): every element of a tag and class found under three or more
/// parents, as one list, when no sibling group already holds most of them.
fn scattered<'a>(root: ElementRef<'a>, groups: &mut Vec<Group<'a>>) {
    let mut by_markup: HashMap<(&'a str, &'a str), Vec<ElementRef<'a>>> = HashMap::new();
    let mut order: Vec<(&'a str, &'a str)> = Vec::new();
    for el in root.descendent_elements() {
        let tag = el.value().name();
        if SKIP.contains(&tag) || tag == "a" {
            continue;
        }
        for class in classes(el) {
            let members = by_markup.entry((tag, class)).or_insert_with(|| {
                order.push((tag, class));
                Vec::new()
            });
            members.push(el);
        }
    }
    // Which groups hold each element, to see whether one already holds most of a markup's members.
    let mut held: HashMap<NodeId, Vec<usize>> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        for r in &g.records {
            held.entry(r.id()).or_default().push(i);
        }
    }
    for key in order {
        let members = &by_markup[&key];
        if members.len() < 6 {
            continue;
        }
        let mut parents: Vec<NodeId> = members
            .iter()
            .filter_map(|m| m.parent().map(|p| p.id()))
            .collect();
        parents.sort_unstable();
        parents.dedup();
        if parents.len() < 3 {
            continue;
        }
        // Nested look-alikes (a teaser inside a teaser) are no list of one kind. In document
        // order, a member holding others holds the one right after it; the subtrees searched are
        // disjoint until one is found, so this stays linear in the page.
        let nested = members
            .windows(2)
            .any(|w| w[0].descendants().any(|d| d.id() == w[1].id()));
        let mut counts: HashMap<usize, usize> = HashMap::new();
        for m in members {
            for &g in held.get(&m.id()).into_iter().flatten() {
                *counts.entry(g).or_default() += 1;
            }
        }
        let covered = counts.values().any(|&n| 2 * n > members.len());
        if nested || covered {
            continue;
        }
        let mut core: Vec<&'a str> = classes(members[0]);
        for m in &members[1..] {
            let have = classes(*m);
            core.retain(|c| have.contains(c));
        }
        groups.push(Group {
            tag: key.0,
            classes: core,
            records: members.clone(),
            paired: false,
        });
    }
}

/// Children that alternate between two kinds (`dt`, `dd`, `dt`, `dd`…; `tr.athing`, `tr`, …): the
/// first of each pair as a record that goes on in the second.
fn pairs<'a>(parent: ElementRef<'a>) -> Option<Group<'a>> {
    let kids: Vec<ElementRef<'a>> = parent
        .child_elements()
        .filter(|c| !SKIP.contains(&c.value().name()))
        .collect();
    if kids.len() < 4 || !kids.len().is_multiple_of(2) {
        return None;
    }
    let kind = |e: &ElementRef<'a>| -> (&'a str, Vec<&'a str>) { (e.value().name(), classes(*e)) };
    let (first, second) = (kind(&kids[0]), kind(&kids[1]));
    if first == second {
        return None;
    }
    let alternate = kids
        .chunks(2)
        .all(|p| kind(&p[0]) == first && kind(&p[1]) == second);
    alternate.then(|| Group {
        tag: kids[0].value().name(),
        classes: first.1.clone(),
        records: kids.iter().step_by(2).copied().collect(),
        paired: true,
    })
}

/// The groups one set of same-tag siblings makes: its core and each further shared class.
fn split<'a>(tag: &'a str, members: &[ElementRef<'a>], out: &mut Vec<Group<'a>>) {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for m in members {
        for c in classes(*m) {
            match counts.iter_mut().find(|(k, _)| *k == c) {
                Some((_, n)) => *n += 1,
                None => counts.push((c, 1)),
            }
        }
    }
    let core: Vec<&str> = counts
        .iter()
        .filter(|(_, n)| *n == members.len())
        .map(|(c, _)| *c)
        .collect();
    let with = |wanted: &[&str]| -> Vec<ElementRef<'a>> {
        members
            .iter()
            .copied()
            .filter(|m| {
                let have = classes(*m);
                wanted.iter().all(|w| have.contains(w))
            })
            .collect()
    };
    let records = with(&core);
    if records.len() >= 2 {
        out.push(Group {
            tag,
            classes: core.clone(),
            records,
            paired: false,
        });
    }
    for (class, n) in &counts {
        if *n >= 2 && *n < members.len() && !core.contains(class) {
            let mut wanted = core.clone();
            wanted.push(class);
            wanted.sort_unstable();
            out.push(Group {
                tag,
                records: with(&wanted),
                classes: wanted,
                paired: false,
            });
        }
    }
}

/// Joins groups whose parents are siblings with the same tag and classes (a grid's rows).
fn join_sibling_parents(groups: Vec<Group<'_>>) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<(Option<NodeId>, String, String), usize> = HashMap::new();
    for g in groups {
        let Some(parent) = g
            .records
            .first()
            .and_then(|r| r.parent())
            .and_then(ElementRef::wrap)
        else {
            continue;
        };
        let key = (
            parent.parent().map(|gp| gp.id()),
            format!("{}.{}", parent.value().name(), classes(parent).join(".")),
            format!("{}.{}", g.tag, g.classes.join(".")),
        );
        match index.get(&key) {
            Some(&i) => out[i].records.extend(g.records),
            None => {
                index.insert(key, out.len());
                out.push(g);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    #[test]
    fn repeated_siblings_with_links_are_candidates() {
        let html = r#"<html><body>
            <nav><a href="/a">A</a><a href="/b">B</a></nav>
            <main><div class="posts">
              <article class="post category-x post-1"><h2><a href="/p/1">One</a></h2></article>
              <article class="post category-y post-2"><h2><a href="/p/2">Two</a></h2></article>
              <div class="ad">ad</div>
              <article class="post category-x post-3"><h2><a href="/p/3">Three</a></h2></article>
            </div>
            <div class="row"><div class="card"><a href="/c/1">c1</a></div><div class="card"><a href="/c/2">c2</a></div></div>
            <div class="row"><div class="card"><a href="/c/3">c3</a></div><div class="card"><a href="/c/4">c4</a></div></div>
            </main></body></html>"#;
        let doc = Html::parse_document(html);
        let groups = groups(doc.root_element(), 2);
        let shape: Vec<(String, usize)> = groups
            .iter()
            .map(|g| {
                (
                    format!("{}.{}", g.tag, g.classes.join(".")),
                    g.records.len(),
                )
            })
            .collect();
        assert!(shape.contains(&("a.".into(), 2)), "{shape:?}");
        assert!(shape.contains(&("article.post".into(), 3)), "{shape:?}");
        assert!(
            shape.contains(&("article.category-x.post".into(), 2)),
            "{shape:?}"
        );
        assert!(
            shape.contains(&("div.card".into(), 4)),
            "the grid's rows join: {shape:?}"
        );
        assert!(stable_class("entry-title") && !stable_class("post-1234") && !stable_class("odd"));
    }

    #[test]
    fn teasers_spread_over_sections_are_one_candidate() {
        let section = |name: &str| {
            format!(
                r#"<section class="stage"><h2>{name}</h2><div class="grid">
                 <article class="teaser"><a href="/{name}/1">One</a></article>
                 <article class="teaser teaser--big"><a href="/{name}/2">Two</a></article>
                 </div></section>"#
            )
        };
        let html = format!(
            "<html><body><main>{}{}{}</main></body></html>",
            section("politics"),
            section("sport"),
            section("culture")
        );
        let doc = Html::parse_document(&html);
        let found = groups(doc.root_element(), 2);
        let teasers = found
            .iter()
            .find(|g| g.tag == "article" && g.records.len() == 6)
            .expect("the six teasers of three sections as one list");
        assert_eq!(teasers.classes, vec!["teaser"]);

        // A teaser nested in a teaser is no list of one kind.
        let nested = r#"<html><body>
            <div class="box"><a href="/1">1</a><div class="box"><a href="/2">2</a>
            <div class="box"><a href="/3">3</a><div class="box"><a href="/4">4</a>
            <div class="box"><a href="/5">5</a><div class="box"><a href="/6">6</a>
            </div></div></div></div></div></div></body></html>"#;
        let doc = Html::parse_document(nested);
        assert!(
            groups(doc.root_element(), 2)
                .iter()
                .all(|g| g.records.len() < 6),
            "nested boxes taken for a list"
        );
    }
}
