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

/// The sample project: the text and HTML copies of the partnerships listing and their merge. As in
/// config/tagfeed.toml, the HTML copy reads the date with its time of day.
fn sample_merge() -> tempfile::TempDir {
    use crate::support::{HTML_SOURCE, TEXT_SOURCE, project};
    let html = HTML_SOURCE.replace("@publish-date-ap", "@publish-date-jss");
    project(&format!(
        "{TEXT_SOURCE}{html}\n[[merge]]\nname = \"all\"\nsources = [\"partnerships\", \"partnerships-html\"]\n"
    ))
}

/// (id, link, published) of every entry of a written Atom feed.
fn atom_entries(path: &std::path::Path) -> Vec<(String, String, String)> {
    parse_feed(path)
        .entries
        .iter()
        .map(|e| {
            (
                e.id.clone(),
                e.links.first().map(|l| l.href.clone()).unwrap_or_default(),
                e.published.unwrap().to_rfc3339(),
            )
        })
        .collect()
}

#[test]
fn merged_entries_take_the_richest_copy_of_each_field() {
    let dir = sample_merge();
    let out = crate::support::run_in(dir.path(), &["run", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{:?}",
        crate::support::texts(&out)
    );
    let merged = atom_entries(&dir.path().join("feeds/all.atom.xml"));
    let html = atom_entries(&dir.path().join("feeds/partnerships-html.atom.xml"));
    assert_eq!(merged.len(), 11);
    // The HTML copy has the article links and the times of day; the text copy only dates.
    assert_eq!(merged, html);
    assert!(
        html.iter().all(|(_, link, _)| link.contains("/Article/")),
        "{html:#?}"
    );
    let xml = std::fs::read_to_string(dir.path().join("feeds/all.atom.xml")).unwrap();
    assert!(
        xml.contains("<published>2020-10-09T10:07:00-04:00</published>")
            && !xml.contains("T00:00:00-04:00"),
        "{xml}"
    );
}

#[test]
fn a_merged_entry_keeps_the_id_it_was_first_published_with() {
    let dir = sample_merge();
    // The HTML copy is broken at first: the merge has only the text copy's entries.
    let html = dir.path().join("config/samples/partnerships.html");
    let good = std::fs::read(&html).unwrap();
    std::fs::write(&html, "<html><body>maintenance</body></html>").unwrap();
    assert_eq!(
        crate::support::run_in(dir.path(), &["run", "-q"])
            .status
            .code(),
        Some(1)
    );
    let first = atom_entries(&dir.path().join("feeds/all.atom.xml"));
    assert_eq!(first.len(), 11);
    assert!(first.iter().all(|(id, _, _)| id.starts_with("urn:uuid:")));
    // The HTML copy comes back: links and times improve, the ids stay.
    std::fs::write(&html, good).unwrap();
    assert_eq!(
        crate::support::run_in(dir.path(), &["run", "-q"])
            .status
            .code(),
        Some(0)
    );
    let later = atom_entries(&dir.path().join("feeds/all.atom.xml"));
    let html = atom_entries(&dir.path().join("feeds/partnerships-html.atom.xml"));
    let ids = |v: &[(String, String, String)]| v.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&later), ids(&first));
    let rest = |v: &[(String, String, String)]| {
        v.iter()
            .map(|e| (e.1.clone(), e.2.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rest(&later),
        rest(&html),
        "links and times of the HTML copy"
    );
}

#[test]
fn since_is_read_in_the_source_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    // 23:30 on Oct. 8 in New York is already Oct. 9 in UTC.
    let page = tag_page(
        "Late",
        &[
            ("on9", "Just after midnight", "2020-10-09T00:30:00-04:00"),
            ("on8", "Late evening", "2020-10-08T23:30:00-04:00"),
        ],
    );
    std::fs::write(dir.path().join("late.html"), page).unwrap();
    std::fs::write(
        dir.path().join("tagfeed.toml"),
        format!(
            "[output]\ndir = \"feeds\"\nbase_url = \"https://feeds.example.org/\"\n\
             [[source]]\nname = \"late\"\npath = \"late.html\"\npage_url = \"{SITE}late/\"\n\
             timezone = \"America/New_York\"\nsince = \"2020-10-09\"\n\
             [source.select]\nitem = \"li.item\"\n"
        ),
    )
    .unwrap();
    let config = config::load(&dir.path().join("tagfeed.toml")).unwrap();
    run_ok(&config);
    let feed = parse_feed(&dir.path().join("feeds/late.atom.xml"));
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(titles, ["Just after midnight"]);
}
