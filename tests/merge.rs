//! Merged feeds: tag sources that overlap, external feeds from the corpus, JSON Feed and OPML
//! output read back, and the ad hoc `tagfeed merge`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, Utc};
use quick_xml::events::Event;
use serde_json::Value;
use tagfeed::config::{self, Config};
use tagfeed::extract::feed;
use tagfeed::filter::Filter;
use tagfeed::merge;
use tagfeed::model::{Feed, Provenance};
use tagfeed::render::{self, OutputFormat};
use url::Url;

use crate::server::{Req, Resp, Server};
use crate::support::{fixture, run_in, run_ok, run_with, tagfeed, texts};

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
fn tags_project(extra: &str) -> (tempfile::TempDir, Config) {
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

fn parse_feed(path: &std::path::Path) -> feed_rs::model::Feed {
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

/// Every feed file in tests/fixtures/feeds/, with its name.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(fixture("feeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

fn now() -> DateTime<Utc> {
    "2026-11-28T12:00:00Z".parse().unwrap()
}

#[test]
fn corpus_feeds_merge_without_panic_and_errors_are_clear() {
    let files = corpus();
    assert!(files.len() >= 30, "{} files", files.len());
    let mut inputs = Vec::new();
    let mut failed = Vec::new();
    for (name, bytes) in &files {
        let result = catch_unwind(AssertUnwindSafe(|| feed::parse(bytes, name, None, now())))
            .unwrap_or_else(|_| panic!("{name}: the adapter panicked"));
        match result {
            Ok(parsed) => {
                let mut ids = std::collections::HashSet::new();
                for e in &parsed.entries {
                    assert!(!e.title.trim().is_empty(), "{name}: empty title");
                    assert!(ids.insert(e.id.clone()), "{name}: duplicate id {}", e.id);
                    assert!(
                        Url::parse(&e.id).is_ok(),
                        "{name}: id {} is not a URI",
                        e.id
                    );
                    if let Some(l) = &e.link {
                        assert!(matches!(l.scheme(), "http" | "https"), "{name}: {l}");
                    }
                    let s = e.summary.as_deref().unwrap_or("");
                    assert!(
                        !s.contains("<script") && !s.contains("javascript:"),
                        "{name}: unsafe summary"
                    );
                }
                inputs.push(merge::Input {
                    provenance: Provenance {
                        title: name.clone(),
                        feed_url: None,
                        home: None,
                    },
                    entries: parsed.entries,
                });
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with(&format!("{name} is not a feed tagfeed can read (")),
                    "{msg}"
                );
                failed.push(name.clone());
            }
        }
    }
    // The ill-formed ones fail, the rest are read.
    for bad in [
        "feed-rs-rss2-rss_2.0_invalid_1.xml",
        "feedparser-illformed-aaa_illformed.xml",
        "feedparser-illformed-rss_incomplete_cdata.xml",
        "feedparser-illformed-rss_empty_document.xml",
    ] {
        assert!(
            failed.contains(&bad.to_string()),
            "{bad} should fail; failed: {failed:?}"
        );
    }
    assert!(
        inputs.len() >= 30,
        "only {} feeds read; failed: {failed:?}",
        inputs.len()
    );
    // Everything merged renders in all three formats and reads back.
    let total: usize = inputs.iter().map(|i| i.entries.len()).sum();
    let entries = merge::merge(inputs, &Filter::default(), 1000);
    assert!(
        entries.len() > 60 && entries.len() <= total,
        "{} of {total}",
        entries.len()
    );
    let feed = Feed {
        name: "all".into(),
        title: "All".into(),
        description: "All of the corpus".into(),
        home_page: None,
        author: "tests".into(),
        entries,
    };
    let url = Url::parse("https://feeds.example.org/all").unwrap();
    for f in OutputFormat::ALL {
        let body = render::render(&feed, f, &url);
        let back = feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{f:?}: {e}"));
        assert_eq!(back.entries.len(), feed.entries.len(), "{f:?}");
    }
}

#[test]
fn a_handful_of_feeds_exactly() {
    let read = |name: &str| {
        let bytes = std::fs::read(fixture(&format!("feeds/{name}"))).unwrap();
        feed::parse(&bytes, name, None, now()).unwrap()
    };
    let first = |name: &str| {
        let f = read(name);
        let e = f.entries[0].clone();
        (
            e.title,
            e.link.map(|l| l.to_string()),
            e.published.map(|d| d.to_rfc3339()),
        )
    };
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        first("feed-rs-rss2-rss_2.0_example_1.xml"),
        (
            "Example entry".into(),
            s("http://www.example.com/blog/post/1"),
            s("2009-09-06T16:20:00+00:00")
        )
    );
    assert_eq!(
        first("feed-rs-jsonfeed-jsonfeed_spec_1.json"),
        (
            "Announcing JSON Feed".into(),
            s("https://jsonfeed.org/2017/05/17/announcing_json_feed"),
            s("2017-05-17T15:02:12+00:00")
        )
    );
    // Relative links resolve against the feed's own self link.
    assert_eq!(
        first("feed-rs-atom-atom_relative.xml"),
        (
            "Atom-Powered Robots Run Amok".into(),
            s("https://example.com/blog/2003/12/13/atom03"),
            s("2003-12-13T18:30:02+00:00")
        )
    );
    // ISO-8859-1 declared in the XML prolog.
    let golem = first("feed-rs-rss1-rss_1.0_iso8859.xml");
    assert!(
        golem
            .0
            .starts_with("Digitalministerium: Neue Glasfaserförderung"),
        "{golem:?}"
    );
    // The defense.gov family's RSS (af.mil, DNN ArticleCS).
    assert_eq!(
        first("real-dnn-afmil-2016-RSS1e7a.rss.xml"),
        (
            "Chaplain reflects on mission this Memorial Day".into(),
            s(
                "http://www.af.mil/News/Commentaries/Display/tabid/271/Article/485046/chaplain-reflects-on-mission-this-memorial-day.aspx"
            ),
            s("2014-05-26T03:13:00+00:00")
        )
    );
    let lobsters = read("real-rss-funnel-lobste.rs.xml");
    assert_eq!(lobsters.entries.len(), 25);
    assert_eq!(lobsters.title.as_deref(), Some("Lobsters"));
}

#[test]
fn external_feeds_join_a_merge_and_a_broken_one_is_named() {
    let feeds_dir = fixture("feeds");
    let extra = format!(
        "\n[[merge]]\nname = \"mixed\"\nsources = [\"nato\"]\nfeeds = [\"{}\", \"{}\"]\n",
        feeds_dir
            .join("feed-rs-rss2-rss_2.0_example_1.xml")
            .display(),
        feeds_dir
            .join("feedparser-illformed-aaa_illformed.xml")
            .display(),
    );
    let (dir, config) = tags_project(&extra);
    let outcomes = run_with(&config, &tagfeed::refresh::RunOptions::default());
    let broken = outcomes
        .iter()
        .find(|o| o.name.ends_with("aaa_illformed.xml"))
        .unwrap();
    let err = broken.result.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("aaa_illformed.xml is not a feed tagfeed can read"),
        "{err}"
    );
    let mixed = outcomes.iter().find(|o| o.name == "mixed").unwrap();
    assert_eq!(
        mixed.result.as_ref().unwrap().entries,
        4,
        "three from nato, one from the feed"
    );
    let atom = parse_feed(&dir.path().join("feeds/mixed.atom.xml"));
    assert!(
        atom.entries
            .iter()
            .any(|e| e.title.as_ref().unwrap().content == "Example entry")
    );
    // The CLI exits 1 for the broken input but still writes the merge.
    let out = run_in(dir.path(), &["run", "-c", "tagfeed.toml"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("aaa_illformed.xml is not a feed"),
        "{stderr}"
    );
    assert!(
        stdout.contains("mixed") && stdout.contains("4 entries"),
        "{stdout}"
    );
}

#[test]
fn external_feed_entries_persist_and_use_conditional_get() {
    let items = std::sync::Arc::new(std::sync::Mutex::new(vec![
        ("1", "2026-01-02T10:00:00Z"),
        ("2", "2026-01-01T10:00:00Z"),
    ]));
    let shared = items.clone();
    let server = Server::start(move |req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        if req.header("if-none-match") == Some("\"same\"") {
            return Resp::status(304);
        }
        let list = shared.lock().unwrap().clone();
        let items: String = list
            .iter()
            .map(|(n, d)| format!("<item><title>Post {n}</title><link>https://blog.example/{n}</link><pubDate>{}</pubDate></item>", DateTime::parse_from_rfc3339(d).unwrap().to_rfc2822()))
            .collect();
        let etag = if list.len() == 1 {
            "\"same\""
        } else {
            "\"v1\""
        };
        Resp::html(format!("<rss version=\"2.0\"><channel><title>Blog</title><link>https://blog.example/</link>{items}</channel></rss>"))
            .header("etag", etag)
    });
    let extra = format!(
        "\n[[merge]]\nname = \"m\"\nfeeds = [\"{}\"]\n",
        server.url("/feed.xml")
    );
    let (dir, mut config) = tags_project(&extra);
    config.fetch.min_delay = std::time::Duration::from_millis(10);
    run_ok(&config);
    // Post 2 drops out of the feed: it stays in the merge.
    items.lock().unwrap().remove(1);
    run_ok(&config);
    let atom = parse_feed(&dir.path().join("feeds/m.atom.xml"));
    let titles: Vec<String> = atom
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(titles, ["Post 1", "Post 2"]);
    let xml = std::fs::read_to_string(dir.path().join("feeds/m.atom.xml")).unwrap();
    assert!(
        xml.contains(&format!("<id>{}</id>", server.url("/feed.xml"))),
        "provenance: {xml}"
    );
    assert!(xml.contains("<title>Blog</title>"), "{xml}");
    // The third run sends the ETag and gets a 304.
    server.clear();
    let reports = run_ok(&config);
    let hit = server
        .hits()
        .into_iter()
        .find(|h| h.req.target == "/feed.xml")
        .unwrap();
    assert_eq!(hit.req.header("if-none-match"), Some("\"same\""));
    assert!(reports.iter().any(|r| r.not_modified));
}

#[test]
fn ad_hoc_merge_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("merged.json");
    let a = fixture("feeds/feed-rs-rss2-rss_2.0_example_1.xml");
    let b = fixture("feeds/feed-rs-jsonfeed-jsonfeed_spec_1.json");
    let bad = fixture("feeds/feedparser-illformed-aaa_illformed.xml");
    let run = tagfeed()
        .arg("merge")
        .args([&a, &b, &bad])
        .arg("-o")
        .arg(&out)
        .args(["--title", "Mine", "--max-items", "1"])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&run);
    assert_eq!(run.status.code(), Some(1), "one input failed: {stderr}");
    assert!(
        stderr.contains("aaa_illformed.xml is not a feed"),
        "{stderr}"
    );
    assert!(
        stdout.contains("merged.json: 1 entries, written"),
        "{stdout}"
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["title"], "Mine");
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["items"][0]["title"], "Announcing JSON Feed",
        "the newest of both"
    );
    let feed_url = v["feed_url"].as_str().unwrap();
    assert!(
        feed_url.starts_with("file:///") && feed_url.ends_with("merged.json"),
        "{feed_url}"
    );
    // Atom on stdout, with an explicit self URL and a filter.
    let run = tagfeed()
        .arg("merge")
        .args([&a, &b])
        .args([
            "-o",
            "-",
            "--format",
            "atom",
            "--self-url",
            "https://me.example/m.xml",
            "--include",
            "(?i)example",
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", texts(&run).1);
    let atom = feed_rs::parser::parse(run.stdout.as_slice()).unwrap();
    assert_eq!(atom.id, "https://me.example/m.xml");
    assert_eq!(atom.entries.len(), 1);
    assert_eq!(
        atom.entries[0].title.as_ref().unwrap().content,
        "Example entry"
    );
}
