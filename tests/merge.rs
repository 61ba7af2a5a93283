//! Merged feeds from tag sources that overlap, filters and formats, and JSON Feed and OPML output
//! read back. External feeds and `tagfeed merge` are in `external.rs`.

use quick_xml::events::Event;
use serde_json::Value;
use tagfeed::config::{self, Config};

use crate::support::run_ok;

/// A tag page: `li.item` entries of (slug, title, date).
fn tag_page(tag: &str, items: &[(&str, &str, &str)]) -> String {
    let lis: String = items
        .iter()
        .map(|(slug, title, date)| {
            format!("<li class=\"item\"><a href=\"/articles/{slug}\">{title}</a><time datetime=\"{date}\"></time><p>About {title}.</p></li>")
        })
        .collect();
    format!(
        "<html><head><title>Tag: {tag}</title></head><body><h1>Tag: {tag}</h1><ul>{lis}</ul></body></html>"
    )
}

const SITE: &str = "https://news.example.org/tags/";

/// A project with three overlapping tag sources saved as files, plus `extra` config.
pub fn tags_project(extra: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    let pages = [
        (
            "partnerships",
            "Partnerships",
            vec![
                ("a", "Shared article", "2020-10-09T10:00:00Z"),
                ("p1", "Trade partnership", "2020-10-08T10:00:00Z"),
                ("p2", "Old partnership", "2019-06-01T10:00:00Z"),
            ],
        ),
        (
            "nato",
            "NATO",
            vec![
                ("n1", "NATO summit", "2020-10-10T10:00:00Z"),
                ("a", "Shared article", "2020-10-09T10:00:00Z"),
                ("n2", "NATO obituary", "2020-10-07T10:00:00Z"),
            ],
        ),
        (
            "allies",
            "Allies",
            vec![
                ("a", "Shared article", "2020-10-09T10:00:00Z"),
                ("l1", "Allies meet", "2020-10-05T10:00:00Z"),
            ],
        ),
    ];
    let mut text =
        String::from("[output]\ndir = \"feeds\"\nbase_url = \"https://feeds.example.org/\"\n");
    for (name, tag, items) in &pages {
        std::fs::write(
            dir.path().join(format!("{name}.html")),
            tag_page(tag, items),
        )
        .unwrap();
        text.push_str(&format!(
            "\n[[source]]\nname = \"{name}\"\ntitle = \"{tag}\"\npath = \"{name}.html\"\npage_url = \"{SITE}{name}/\"\n[source.select]\nitem = \"li.item\"\nsummary = \"p\"\n"
        ));
    }
    text.push_str(extra);
    std::fs::write(dir.path().join("tagfeed.toml"), text).unwrap();
    let config = config::load(&dir.path().join("tagfeed.toml")).unwrap();
    (dir, config)
}

pub fn parse_feed(path: &std::path::Path) -> feed_rs::model::Feed {
    feed_rs::parser::parse(std::fs::read(path).unwrap().as_slice())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn an_article_in_three_tags_appears_once_with_three_categories() {
    let (dir, config) = tags_project(
        "\n[[merge]]\nname = \"alliances\"\ntitle = \"Alliances and partnerships\"\n\
         sources = [\"partnerships\", \"nato\", \"allies\"]\nmax_items = 4\n\
         exclude = [\"(?i)obituary\"]\nsince = \"2020-01-01\"\n",
    );
    let reports = run_ok(&config);
    assert_eq!(reports.len(), 4, "three sources and the merge");
    let atom = parse_feed(&dir.path().join("feeds/alliances.atom.xml"));
    let got: Vec<(String, Vec<String>)> = atom
        .entries
        .iter()
        .map(|e| {
            (
                e.title.clone().unwrap().content,
                e.categories.iter().map(|c| c.term.clone()).collect(),
            )
        })
        .collect();
    // Newest first; the obituary excluded, the 2019 entry before `since`, four at most.
    assert_eq!(
        got,
        [
            ("NATO summit".to_string(), vec!["NATO".to_string()]),
            (
                "Shared article".into(),
                vec!["Partnerships".into(), "NATO".into(), "Allies".into()]
            ),
            ("Trade partnership".into(), vec!["Partnerships".into()]),
            ("Allies meet".into(), vec!["Allies".into()]),
        ]
    );
    // Where each came from: Atom <source>, RSS <source url>.
    let xml = std::fs::read_to_string(dir.path().join("feeds/alliances.atom.xml")).unwrap();
    assert!(
        xml.contains("<source>") && xml.contains("<id>https://feeds.example.org/nato.rss.xml</id>"),
        "{xml}"
    );
    let rss = std::fs::read_to_string(dir.path().join("feeds/alliances.rss.xml")).unwrap();
    assert!(
        rss.contains(
            r#"<source url="https://feeds.example.org/partnerships.rss.xml">Partnerships</source>"#
        ),
        "{rss}"
    );
    // Same inputs, same bytes: a second run writes nothing.
    let again = run_ok(&config);
    assert!(
        again
            .iter()
            .flat_map(|r| &r.files)
            .all(|f| f.outcome == tagfeed::publish::WriteOutcome::Unchanged)
    );
}

#[test]
fn source_filters_and_formats() {
    let (dir, _) = tags_project("");
    let toml = std::fs::read_to_string(dir.path().join("tagfeed.toml")).unwrap();
    let toml = toml
        .replace(
            "dir = \"feeds\"",
            "dir = \"feeds\"\nformats = [\"json\", \"atom\"]",
        )
        .replacen(
            "page_url = \"https://news.example.org/tags/nato/\"",
            "page_url = \"https://news.example.org/tags/nato/\"\ninclude = [\"(?i)summit\"]",
            1,
        );
    std::fs::write(dir.path().join("tagfeed.toml"), toml).unwrap();
    let config = config::load(&dir.path().join("tagfeed.toml")).unwrap();
    run_ok(&config);
    assert!(
        !dir.path().join("feeds/nato.rss.xml").exists(),
        "rss not among the formats"
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("feeds/nato.json")).unwrap())
            .unwrap();
    let titles: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["NATO summit"], "the source's include filter");
    // OPML lists feeds in the first format.
    let opml = std::fs::read_to_string(dir.path().join("feeds/feeds.opml")).unwrap();
    assert!(
        opml.contains("xmlUrl=\"https://feeds.example.org/nato.json\""),
        "{opml}"
    );
}

#[test]
fn json_feed_reads_back_field_by_field() {
    let (dir, config) =
        tags_project("\n[[merge]]\nname = \"all\"\nsources = [\"partnerships\", \"nato\"]\n");
    run_ok(&config);
    let path = dir.path().join("feeds/partnerships.json");
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(v["title"], "Partnerships");
    assert_eq!(v["home_page_url"], format!("{SITE}partnerships/"));
    assert_eq!(v["feed_url"], "https://feeds.example.org/partnerships.json");
    assert_eq!(v["authors"][0]["name"], "news.example.org");
    let item = &v["items"][0];
    assert_eq!(item["id"], "https://news.example.org/articles/a");
    assert_eq!(item["url"], "https://news.example.org/articles/a");
    assert_eq!(item["title"], "Shared article");
    assert_eq!(item["content_html"], "About Shared article.");
    assert_eq!(item["date_published"], "2020-10-09T10:00:00+00:00");
    assert_eq!(item["tags"], serde_json::json!(["Partnerships"]));
    // feed-rs reads it as JSON Feed with the same entries.
    let parsed = parse_feed(&path);
    assert_eq!(parsed.feed_type, feed_rs::model::FeedType::JSON);
    assert_eq!(parsed.entries.len(), 3);
    assert_eq!(
        parsed.entries[2].title.as_ref().unwrap().content,
        "Old partnership"
    );
    let merged = parse_feed(&dir.path().join("feeds/all.json"));
    assert_eq!(merged.entries.len(), 5);
}

#[test]
fn opml_lists_every_feed() {
    let (dir, config) = tags_project(
        "\n[[merge]]\nname = \"all\"\ntitle = \"Everything\"\nsources = [\"partnerships\", \"nato\", \"allies\"]\n",
    );
    run_ok(&config);
    let xml = std::fs::read_to_string(dir.path().join("feeds/feeds.opml")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut outlines = Vec::new();
    let mut version = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |k: &str| {
                    e.try_get_attribute(k)
                        .unwrap()
                        .map(|a| String::from_utf8(a.value.to_vec()).unwrap())
                };
                match e.name().as_ref() {
                    b"opml" => version = attr("version"),
                    b"outline" => outlines.push((
                        attr("text").unwrap(),
                        attr("xmlUrl").unwrap(),
                        attr("htmlUrl"),
                    )),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(version.as_deref(), Some("2.0"));
    assert_eq!(
        outlines,
        [
            (
                "Partnerships".to_string(),
                "https://feeds.example.org/partnerships.rss.xml".to_string(),
                Some(format!("{SITE}partnerships/"))
            ),
            (
                "NATO".into(),
                "https://feeds.example.org/nato.rss.xml".into(),
                Some(format!("{SITE}nato/"))
            ),
            (
                "Allies".into(),
                "https://feeds.example.org/allies.rss.xml".into(),
                Some(format!("{SITE}allies/"))
            ),
            (
                "Everything".into(),
                "https://feeds.example.org/all.rss.xml".into(),
                None
            ),
        ]
    );
}
