//! Items a page lists in JSON-LD: an `ItemList`, a page's `hasPart` / `blogPost` / `mainEntity`
//! articles, or several `BlogPosting`, `NewsArticle` or `Article` objects side by side. Every
//! `<script type="application/ld+json">` is read; `@graph` and arrays are flattened; the longest
//! list wins.

use scraper::{Html, Selector};
use serde_json::Value;

use super::{Listing, RawEntry, RawSummary};
use crate::model::{Origin, Warning};

/// Article types whose objects are listing items.
const ARTICLES: &[&str] = &[
    "Article",
    "BlogPosting",
    "NewsArticle",
    "Report",
    "ScholarlyArticle",
    "TechArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "ReportageNewsArticle",
    "Review",
    "SocialMediaPosting",
    "LiveBlogPosting",
    "Event",
    "CreativeWork",
];

/// Keys of a page object that hold its articles.
const PARTS: &[&str] = &[
    "hasPart",
    "blogPost",
    "blogPosts",
    "mainEntity",
    "itemListElement",
];

/// Whether `v` has the schema.org type `name` ("BlogPosting", "schema:BlogPosting",
/// "https://schema.org/BlogPosting", or in a list of types).
fn is_type(v: &Value, name: &str) -> bool {
    let matches = |t: &Value| {
        t.as_str()
            .map(|s| s.rsplit(['/', ':', '#']).next() == Some(name))
            .unwrap_or(false)
    };
    match v.get("@type") {
        Some(Value::Array(types)) => types.iter().any(matches),
        Some(t) => matches(t),
        None => false,
    }
}

fn is_article(v: &Value) -> bool {
    ARTICLES.iter().any(|t| is_type(v, t))
}

/// Every object of the page's JSON-LD, with `@graph`s and arrays flattened (not nested values).
fn objects(doc: &Html, warnings: &mut Vec<Warning>) -> Vec<Value> {
    let Ok(sel) = Selector::parse("script[type]") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for script in doc.select(&sel) {
        let kind = script.attr("type").unwrap_or("").trim();
        if !kind.eq_ignore_ascii_case("application/ld+json") {
            continue;
        }
        let text: String = script.text().collect();
        match serde_json::from_str::<Value>(text.trim()) {
            Ok(v) => flatten(v, &mut out, 0),
            Err(e) => warnings.push(Warning::page(format!(
                "a JSON-LD block could not be read ({e}); it was left out"
            ))),
        }
    }
    out
}

fn flatten(v: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(items) => items.into_iter().for_each(|i| flatten(i, out, depth + 1)),
        Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                flatten(graph, out, depth + 1);
            }
            if !map.is_empty() {
                out.push(Value::Object(map));
            }
        }
        _ => {}
    }
}

/// The lists the objects describe, each a list of item objects.
fn lists(objects: &[Value]) -> Vec<Vec<Value>> {
    let mut out: Vec<Vec<Value>> = Vec::new();
    for o in objects {
        for key in PARTS {
            // Breadcrumbs and menus are lists too, of pages rather than articles.
            if *key == "itemListElement" && !is_type(o, "ItemList") {
                continue;
            }
            if let Some(Value::Array(items)) = o.get(*key) {
                out.push(items.iter().map(item_of).collect());
            }
        }
    }
    let loose: Vec<Value> = objects.iter().filter(|o| is_article(o)).cloned().collect();
    if loose.len() >= 2 {
        out.push(loose);
    }
    out
}

/// A `ListItem`'s article (`item` as an object, or the list item itself with `item` as its URL).
fn item_of(v: &Value) -> Value {
    match v.get("item") {
        Some(item @ Value::Object(_)) => {
            let mut merged = item.clone();
            if let (Some(m), Some(Value::String(u))) = (merged.as_object_mut(), v.get("url")) {
                m.entry("url").or_insert(Value::String(u.clone()));
            }
            merged
        }
        Some(Value::String(url)) => {
            let mut merged = v.clone();
            if let Some(m) = merged.as_object_mut() {
                m.entry("url").or_insert(Value::String(url.clone()));
            }
            merged
        }
        _ => v.clone(),
    }
}

fn text(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match v.get(*k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Array(a)) => a.first().and_then(|f| f.as_str()).map(str::to_string),
        Some(Value::Object(o)) => o.get("@id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    })
}

fn entry(v: &Value, n: usize) -> RawEntry {
    let mut e = RawEntry::new(Origin::Item(n));
    e.title = text(v, &["headline", "name", "alternativeHeadline"]);
    e.link = text(v, &["url", "mainEntityOfPage", "@id"]).filter(|u| !u.starts_with('_'));
    e.date = text(
        v,
        &[
            "datePublished",
            "dateCreated",
            "uploadDate",
            "startDate",
            "dateModified",
        ],
    );
    e.summary = text(v, &["description", "abstract"]).map(|d| RawSummary::Text(vec![d]));
    e.categories = match v.get("keywords") {
        Some(Value::String(s)) => s.split(',').map(|k| k.trim().to_string()).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    e
}

/// The items of the page's longest JSON-LD list (entries without a title or link dropped).
pub fn extract_doc(doc: &Html) -> Listing {
    let mut warnings = Vec::new();
    let objects = objects(doc, &mut warnings);
    let best = lists(&objects)
        .into_iter()
        .map(|items| {
            items
                .iter()
                .enumerate()
                .map(|(i, v)| entry(v, i + 1))
                .filter(|e| e.link.is_some() && e.title.is_some())
                .collect::<Vec<_>>()
        })
        .max_by_key(Vec::len)
        .unwrap_or_default();
    Listing {
        entries: best,
        warnings,
        ..Listing::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Listing {
        let html = format!(
            "<html><head><script type=\"Application/LD+JSON\">{json}</script></head><body></body></html>"
        );
        extract_doc(&Html::parse_document(&html))
    }

    #[test]
    fn item_lists_and_article_graphs() {
        let l = read(
            r#"{"@context":"https://schema.org","@type":"ItemList","itemListElement":[
                {"@type":"ListItem","position":1,"url":"https://e.org/a","name":"A"},
                {"@type":"ListItem","position":2,"item":{"@type":"BlogPosting","headline":"B",
                  "url":"https://e.org/b","datePublished":"2024-01-02","description":"About B"}}]}"#,
        );
        let got: Vec<(Option<&str>, Option<&str>)> = l
            .entries
            .iter()
            .map(|e| (e.title.as_deref(), e.link.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("A"), Some("https://e.org/a")),
                (Some("B"), Some("https://e.org/b"))
            ]
        );
        assert_eq!(l.entries[1].date.as_deref(), Some("2024-01-02"));
        let g = read(
            r#"{"@graph":[{"@type":"WebSite","name":"Site","url":"https://e.org/"},
                {"@type":["NewsArticle"],"headline":"One","url":"https://e.org/1","keywords":"x, y"},
                {"@type":"schema:NewsArticle","headline":"Two","url":"https://e.org/2"}]}"#,
        );
        assert_eq!(g.entries.len(), 2);
        assert_eq!(g.entries[0].categories, ["x", "y"]);
    }

    #[test]
    fn pages_without_lists_and_broken_json() {
        let crumbs = r#"{"@type":"BreadcrumbList","itemListElement":[
            {"@type":"ListItem","position":1,"item":{"@id":"https://e.org/","name":"Home"}},
            {"@type":"ListItem","position":2,"item":{"@id":"https://e.org/tag/","name":"Tag"}}]}"#;
        assert!(read(crumbs).entries.is_empty());
        let broken = read("{not json");
        assert!(broken.entries.is_empty());
        assert!(
            broken.warnings[0]
                .message
                .contains("JSON-LD block could not be read")
        );
    }
}
