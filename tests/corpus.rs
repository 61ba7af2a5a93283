//! Real listing pages from the corpus, read with the selectors in
//! tests/fixtures/listings/sources.toml and compared entry by entry with `NAME.expected.json`
//! (titles, links, dates and categories read off the HTML independently).

use serde_json::Value;
use tagfeed::text::strip_tags;

use crate::support::{corpus_config, fixture, read_source};

fn check(name: &str) {
    let config = corpus_config();
    let read = read_source(&config, name);
    let expected: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("listings/{name}.expected.json"))).unwrap(),
    )
    .unwrap();
    let got = &read.normalized.entries;
    assert_eq!(got.len(), expected.len(), "{name}: entry count");
    for (i, (e, want)) in got.iter().zip(&expected).enumerate() {
        let at = format!("{name} entry {}", i + 1);
        assert_eq!(e.title, want["title"].as_str().unwrap(), "{at}: title");
        assert_eq!(
            e.link.as_ref().map(|l| l.as_str()),
            want["link"].as_str(),
            "{at}: link"
        );
        assert_eq!(
            e.published.map(|d| d.to_rfc3339()).as_deref(),
            want["date"].as_str(),
            "{at}: date"
        );
        if let Some(cats) = want["categories"].as_array() {
            let cats: Vec<&str> = cats.iter().map(|c| c.as_str().unwrap()).collect();
            assert_eq!(&e.categories[..cats.len()], cats, "{at}: categories");
        }
        if let Some(summary) = want["summary"].as_str() {
            let text = e.summary.as_deref().map(strip_tags);
            assert_eq!(text.as_deref(), Some(summary), "{at}: summary");
        }
    }
}

#[test]
fn wordpress_category_page() {
    check("wp-whizzy-category-raspberrypi");
    // Summaries are the post bodies: sanitized, links and images absolute.
    let read = read_source(&corpus_config(), "wp-whizzy-category-raspberrypi");
    let summary = read.normalized.entries[0].summary.as_deref().unwrap();
    assert!(
        summary
            .contains(r#"src="https://whizzy.org/wp-content/uploads/2021/01/Double-Pi-Hole.png""#)
    );
    assert!(!summary.contains("class=") && !summary.contains("<script"));
}

#[test]
fn drupal_views_table() {
    check("drupal-aegir-tagged-aegir");
}

#[test]
fn ghost_tag_page_with_relative_links() {
    check("ghost-leons-tag-getting-started");
}

#[test]
fn ghost_without_page_url_reports_the_relative_links() {
    // The page's canonical link is broken ("http://localhost:4000tag/..."), so without page_url
    // there is nothing to resolve "welcome" against: say so instead of publishing a bad link.
    let mut config = corpus_config();
    let s = config
        .sources
        .iter_mut()
        .find(|s| s.name == "ghost-leons-tag-getting-started")
        .unwrap();
    s.page_url = None;
    let read = read_source(&config, "ghost-leons-tag-getting-started");
    assert!(read.normalized.entries.iter().all(|e| e.link.is_none()));
    let w = read.normalized.warnings[0].to_string();
    assert!(
        w.contains("item 1: link \"welcome\" is relative") && w.contains("page_url"),
        "{w}"
    );
}

#[test]
fn hugo_timeline_without_years_is_undated_with_warnings() {
    check("hugo-unict-smsnippets-timeline");
    let read = read_source(&corpus_config(), "hugo-unict-smsnippets-timeline");
    assert_eq!(read.normalized.warnings.len(), 6);
    assert!(
        read.normalized.warnings[0]
            .to_string()
            .contains("\"08/05 10:00\": no year")
    );
}

#[test]
fn jekyll_paginated_index() {
    check("jekyll-bruce30262-page2");
}

#[test]
fn afmil_dnn_newsfeed_fragment() {
    check("dnn-afmil-2016-newsfeed-fragment");
}

#[test]
fn h_entry_microformats_page() {
    check("hfeed-adactio-links");
}

#[test]
fn windows_1251_page_is_decoded_by_its_meta_charset() {
    check("joomla-annaoriona-windows-1251");
    let read = read_source(&corpus_config(), "joomla-annaoriona-windows-1251");
    assert_eq!(read.encoding, "windows-1251");
    assert_eq!(
        read.normalized.entries[0].title,
        "Вариант хранения пластики!"
    );
}

#[test]
fn defense_gov_custom_elements() {
    check("partnerships-html");
}

#[test]
fn the_default_category_is_the_tag_term_not_the_page_title() {
    // No source in sources.toml sets `categories` or `title`: every entry gets the listing's tag.
    let dir = tempfile::tempdir().unwrap();
    let mut config = corpus_config();
    config.output.dir = dir.path().join("feeds");
    config.store.path = dir.path().join("tagfeed.db");
    crate::support::run_ok(&config);
    let tags = |name: &str| -> Vec<String> {
        let path = dir.path().join(format!("feeds/{name}.json"));
        let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        v["items"][0]["tags"]
            .as_array()
            .map(|t| t.iter().map(|t| t.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    for (name, term, noise) in [
        (
            "wp-whizzy-category-raspberrypi",
            "RaspberryPi",
            "RaspberryPi – whizzy.org",
        ),
        ("partnerships-html", "Partnerships", "Tag: Partnerships"),
        ("drupal-aegir-tagged-aegir", "Aegir", "Tagged \"Aegir\""),
        (
            "ghost-leons-tag-getting-started",
            "Getting Started",
            "Getting Started - Antony's blog",
        ),
        ("hfeed-adactio-links", "Links", "Adactio: Links"),
        (
            "jekyll-bruce30262-page2",
            "Hacking Tube 2.0",
            "Hacking Tube 2.0 - Page 2",
        ),
    ] {
        // Categories are compared case-insensitively: the page's own "Getting started" is the
        // same category as the heading's "Getting Started".
        let got = tags(name);
        let has = |c: &str| got.iter().any(|t| t.eq_ignore_ascii_case(c));
        assert!(has(term) && !has(noise), "{name}: {got:?}");
    }
}
