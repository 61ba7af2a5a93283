//! External feeds: the corpus through the feed-rs adapter, exact entries of a handful, feeds
//! joining a merge (from files and over HTTP, persisted and fetched conditionally), and the ad hoc
//! `tagfeed merge`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tagfeed::merge;
use tagfeed::model::{Feed, OutputFormat, Provenance};
use tagfeed::normalize::Ids;
use tagfeed::pipeline::{self, FeedRead, PipelineError};
use tagfeed::render;
use url::Url;

/// Reads a feed file the way a merge does.
fn read(bytes: &[u8], name: &str) -> Result<FeedRead, PipelineError> {
    pipeline::read_feed(bytes, name, None, &mut Ids::default(), now())
}

use crate::merge::{parse_feed, tags_project};
use crate::server::{Req, Resp, Server};
use crate::support::{fixture, run_in, run_ok, run_with, tagfeed, texts};

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
        let result = catch_unwind(AssertUnwindSafe(|| read(bytes, name)))
            .unwrap_or_else(|_| panic!("{name}: the adapter panicked"));
        match result {
            Ok(parsed) => {
                let mut ids = std::collections::HashSet::new();
                for e in &parsed.normalized.entries {
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
                    entries: parsed.normalized.entries,
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
    let entries = merge::merge(inputs, &HashMap::new()).entries;
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
        let body = render::render(&feed, f, &url).unwrap();
        let back = feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{f:?}: {e}"));
        assert_eq!(back.entries.len(), feed.entries.len(), "{f:?}");
    }
}

#[test]
fn a_handful_of_feeds_exactly() {
    let file = |name: &str| {
        let bytes = std::fs::read(fixture(&format!("feeds/{name}"))).unwrap();
        read(&bytes, name).unwrap()
    };
    let first = |name: &str| {
        let f = file(name);
        let e = f.normalized.entries[0].clone();
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
    // xml:base on an element overrides the document's (W3C validator test case).
    assert_eq!(
        first("feedvalidator-atom-2-xml-base-elem-ne-doc.xml").1,
        s("http://www.feedvalidator.org/2003/12/13/atom03")
    );
    // An entry dated in the future is undated, with a warning.
    let future = file("feedvalidator-atom-3.3-updated-future.xml");
    assert_eq!(future.normalized.entries[0].published, None);
    assert!(
        future.normalized.warnings[0]
            .to_string()
            .contains("is in the future"),
        "{:?}",
        future.normalized.warnings
    );
    // Escaped and CDATA ampersands come out as one "&".
    assert_eq!(
        first("feedvalidator-rss20-data-types-characterdata-recommendation-1.xml").0,
        "AT&T"
    );
    let lobsters = file("real-rss-funnel-lobste.rs.xml");
    assert_eq!(lobsters.normalized.entries.len(), 25);
    assert_eq!(lobsters.listing.heading.as_deref(), Some("Lobsters"));
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

#[test]
fn merging_feeds_of_linkless_entries_keeps_every_entry() {
    // The text listing's entries have no link of their own: in RSS and Atom they all point at the
    // listing page. That shared link must not make them one article.
    use crate::support::{TEXT_SOURCE, project};
    let dir = project(TEXT_SOURCE);
    assert_eq!(run_in(dir.path(), &["run", "-q"]).status.code(), Some(0));
    let out = dir.path().join("merged.json");
    let run = tagfeed()
        .arg("merge")
        .arg(dir.path().join("feeds/partnerships.rss.xml"))
        .arg(dir.path().join("feeds/partnerships.atom.xml"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{:?}", texts(&run));
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 11, "each article once, none lost");
    let mut titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    titles.dedup();
    assert_eq!(titles.len(), 11);
}
