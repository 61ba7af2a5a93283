//! Two pages are better than one: a listing's items change from page to page, its navigation does
//! not. With the next page of the listing (or another tag page of the site) at hand, each list the
//! detector proposes is read on both pages with the same selectors: a list that repeats there with
//! new links is the listing, one that repeats the same links is navigation ("popular posts", a
//! menu), and one that does not repeat at all is likelier a one-off block.

use scraper::Html;
use url::Url;

use super::{Detection, generic, presets, structured, sure_enough};
use crate::extract::html;
use crate::model::web_url;
use crate::normalize::id;

/// How many of the detector's best lists are checked against the second page.
const CHECKED: usize = 5;

/// Like [`super::detect`], with the listing's next page (`next`, found at `next_url`) to tell the
/// listing from navigation.
pub fn detect_pair(
    doc: &Html,
    next: &Html,
    page: Option<&Url>,
    next_url: Option<&Url>,
    k: usize,
) -> Vec<Detection> {
    // Structured data and presets name their items; a second page adds nothing to them.
    if let Some(d) = structured::detect(doc).or_else(|| presets::detect(doc)) {
        return vec![d];
    }
    let mut found = weighed(doc, next, page, next_url);
    found.retain(sure_enough);
    found.truncate(k);
    found
}

/// Like [`super::ranked`], with the listing's next page weighing the detector's lists.
pub fn ranked_pair(
    doc: &Html,
    next: &Html,
    page: Option<&Url>,
    next_url: Option<&Url>,
    k: usize,
) -> Vec<Detection> {
    let mut all: Vec<Detection> = structured::detect(doc)
        .into_iter()
        .chain(presets::detect(doc))
        .collect();
    for d in weighed(doc, next, page, next_url) {
        if !all.iter().any(|a| a.recipe == d.recipe) {
            all.push(d);
        }
    }
    all.truncate(k);
    all
}

/// The detector's best lists on `doc`, weighed by what they find on `next`, best first.
fn weighed(doc: &Html, next: &Html, page: Option<&Url>, next_url: Option<&Url>) -> Vec<Detection> {
    let mut found = generic(doc, page, CHECKED);
    for d in &mut found {
        weigh(d, doc, next, page, next_url);
    }
    found.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    found
}

/// Adjusts a detection's confidence by what its selectors find on the second page.
fn weigh(d: &mut Detection, doc: &Html, next: &Html, page: Option<&Url>, next_url: Option<&Url>) {
    let Some(select) = d.selectors() else { return };
    let one = links(doc, select, page);
    let two = links(next, select, next_url);
    let (confidence, why) = if two.len() < 2 {
        (d.confidence * 0.8, "not found on the next page")
    } else {
        let same = two.iter().filter(|l| one.contains(l)).count() as f64 / two.len() as f64;
        if same >= 0.5 {
            (
                d.confidence * 0.2,
                "the next page repeats its links: navigation",
            )
        } else if same <= 0.2 {
            (
                1.0 - (1.0 - d.confidence) / 2.0,
                "repeats on the next page with new links",
            )
        } else {
            (d.confidence, "partly repeats its links on the next page")
        }
    };
    d.confidence = (confidence * 1000.0).round() / 1000.0;
    d.reasons.push(why.to_string());
}

/// The canonical addresses of the items `select` finds on `doc`.
fn links(doc: &Html, select: &crate::source::Selectors, page: Option<&Url>) -> Vec<String> {
    let listing = html::extract_doc(doc, select);
    let base = super::base_url(doc, page);
    listing
        .entries
        .iter()
        .filter_map(|e| web_url(e.link.as_deref()?, base.as_ref()).ok())
        .map(|u| id::canonical(&u).to_string())
        .collect()
}

/// The address of the listing's next page, when `doc` has a recognisable next link: what a
/// first detection fetches to compare.
pub fn next_link(doc: &Html, page: Option<&Url>) -> Option<Url> {
    let field = super::derive::next_page(doc.root_element())?;
    let (el, attr) = field.first_attr(doc.root_element())?;
    let href = attr.or_else(|| el.attr("href"))?;
    let base = super::base_url(doc, page);
    let url = web_url(href, base.as_ref()).ok()?;
    // A "next" link back to the page itself is no second page.
    (page != Some(&url)).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page whose sidebar of "popular" articles (the same on every page, and longer than the
    /// listing) outscores the listing itself when the page is read alone.
    fn page(n: usize) -> String {
        let popular: String = (1..=12)
            .map(|i| {
                format!(
                    "<li class=\"pop\"><a href=\"/2019/popular-story-number-{i}-with-a-long-title\">Popular story number {i}, \
                     with a title long enough to read like an article</a> <span>March {i}, 2019</span></li>"
                )
            })
            .collect();
        let items: String = (1..=3)
            .map(|i| {
                let k = n * 10 + i;
                format!(
                    "<div class=\"entry\"><h2><a href=\"/news/item-{k}\">Council approves the budget of district {k}</a></h2>\
                     <p>May {i}, 2024. The district council voted on the plan for the coming year.</p></div>"
                )
            })
            .collect();
        format!(
            "<html><body><main><ul class=\"popular\">{popular}</ul><div class=\"entries\">{items}</div>\
             <a rel=\"next\" href=\"/news/page/{}\">Older</a></main></body></html>",
            n + 1
        )
    }

    #[test]
    fn the_list_that_changes_between_pages_is_the_listing() {
        let url = Url::parse("https://e.org/news/page/1").unwrap();
        let one = Html::parse_document(&page(1));
        let two = Html::parse_document(&page(2));
        let alone = generic(&one, Some(&url), 1);
        assert_eq!(
            alone[0].selectors().unwrap().item.as_str(),
            "li.pop",
            "read alone, the sidebar wins"
        );
        let next = next_link(&one, Some(&url)).unwrap();
        assert_eq!(next.as_str(), "https://e.org/news/page/2");
        let both = detect_pair(&one, &two, Some(&url), Some(&next), 1);
        assert_eq!(both[0].selectors().unwrap().item.as_str(), "div.entry");
        assert!(
            both[0].reasons.iter().any(|r| r.contains("new links")),
            "{:?}",
            both[0].reasons
        );
    }
}
