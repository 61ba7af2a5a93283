//! Written feeds, read back with a real feed parser (feed-rs) and compared with our model, plus
//! the promises about files: byte-identical reruns, untouched mtimes, no relative URLs.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use feed_rs::model::Feed as ParsedFeed;
use tagfeed::config::{self, Config};
use tagfeed::model::Feed;
use tagfeed::pipeline;
use tagfeed::publish::WriteOutcome;
use tagfeed::source::{self, Input};

use crate::support::{HTML_SOURCE, TEXT_SOURCE, project, run_ok};

fn load(dir: &std::path::Path) -> Config {
    config::load(&dir.join("config/tagfeed.toml")).unwrap()
}

fn built(config: &Config, name: &str) -> Feed {
    let s = config.source(name).unwrap();
    let Input::Path(path) = &s.input else {
        unreachable!()
    };
    let loaded = source::read_file(path, 10_000_000).unwrap();
    pipeline::build(config, s, &loaded, Utc::now())
        .unwrap()
        .feed
}

fn parse(path: &std::path::Path) -> (String, ParsedFeed) {
    let xml = std::fs::read_to_string(path).unwrap();
    let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    (xml, feed)
}

/// Every text between `<tag>` and `</tag>`.
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|s| s.split(&close).next())
        .collect()
}

fn compare(model: &Feed, parsed: &ParsedFeed, home: &str) {
    assert_eq!(parsed.title.as_ref().unwrap().content, model.title);
    assert_eq!(parsed.entries.len(), model.entries.len());
    for (m, p) in model.entries.iter().zip(&parsed.entries) {
        assert_eq!(p.id, m.id, "{}", m.title);
        assert_eq!(p.title.as_ref().unwrap().content, m.title);
        let link = m.link.as_ref().map_or(home, |l| l.as_str());
        assert_eq!(p.links[0].href, link, "{}", m.title);
        let date = p.published.or(p.updated).unwrap();
        assert_eq!(date, m.date().with_timezone(&Utc), "{}", m.title);
        let cats: Vec<&str> = p.categories.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(cats, m.categories, "{}", m.title);
        let summary = p.summary.as_ref().map(|s| s.content.clone());
        assert_eq!(summary, m.summary, "{}", m.title);
    }
}

#[test]
fn rss_and_atom_read_back_field_by_field() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let config = load(dir.path());
    let home = "https://www.defense.gov/News/Tag/2/partnerships/";
    let reports = run_ok(&config);
    for (name, report) in ["partnerships", "partnerships-html"]
        .into_iter()
        .zip(&reports)
    {
        assert_eq!(report.entries, 11);
        let model = built(&config, name);

        let (xml, rss) = parse(&dir.path().join(format!("feeds/{name}.rss.xml")));
        compare(&model, &rss, home);
        assert!(xml.contains(&format!(
            r#"<atom:link href="https://feeds.example.org/{name}.rss.xml" rel="self" type="application/rss+xml"/>"#
        )));
        for d in elements(&xml, "pubDate")
            .into_iter()
            .chain(elements(&xml, "lastBuildDate"))
        {
            DateTime::parse_from_rfc2822(d).unwrap_or_else(|e| panic!("{d:?}: {e}"));
        }
        // Hashed ids are not URLs, so they must say so; links are permalinks.
        let permalink_false = xml.matches(r#"<guid isPermaLink="false">"#).count();
        assert_eq!(permalink_false, if name == "partnerships" { 11 } else { 0 });

        let (xml, atom) = parse(&dir.path().join(format!("feeds/{name}.atom.xml")));
        compare(&model, &atom, home);
        assert_eq!(
            atom.id,
            format!("https://feeds.example.org/{name}.atom.xml")
        );
        assert!(!atom.authors.is_empty(), "Atom requires an author");
        assert!(
            atom.entries
                .iter()
                .all(|e| e.summary.is_some() || e.content.is_some())
        );
        let self_link = atom
            .links
            .iter()
            .find(|l| l.rel.as_deref() == Some("self"))
            .unwrap();
        assert_eq!(self_link.href, atom.id);
        assert_eq!(
            atom.updated.unwrap(),
            model.updated().unwrap().with_timezone(&Utc)
        );
        for d in elements(&xml, "updated")
            .into_iter()
            .chain(elements(&xml, "published"))
        {
            DateTime::parse_from_rfc3339(d).unwrap_or_else(|e| panic!("{d:?}: {e}"));
        }
        // Nothing relative anywhere: every href/src is absolute.
        for attr in xml
            .split("href=\"")
            .skip(1)
            .chain(xml.split("src=\"").skip(1))
        {
            assert!(
                attr.starts_with("http"),
                "relative URL in {name}: {}",
                &attr[..40.min(attr.len())]
            );
        }
    }
}

#[test]
fn same_input_same_bytes_and_untouched_files() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let config = load(dir.path());
    let run = || -> Vec<WriteOutcome> {
        run_ok(&config)
            .into_iter()
            .flat_map(|r| r.files)
            .map(|f| f.outcome)
            .collect()
    };
    assert!(run().iter().all(|o| *o == WriteOutcome::Written));
    let files: Vec<_> = std::fs::read_dir(dir.path().join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files.len(),
        7,
        "rss, atom and json for two sources, and feeds.opml"
    );
    let before: Vec<(Vec<u8>, SystemTime)> = files
        .iter()
        .map(|p| {
            (
                std::fs::read(p).unwrap(),
                std::fs::metadata(p).unwrap().modified().unwrap(),
            )
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    // A later run (the clock moved on) changes nothing.
    assert!(run().iter().all(|o| *o == WriteOutcome::Unchanged));
    for (p, (bytes, mtime)) in files.iter().zip(&before) {
        assert_eq!(&std::fs::read(p).unwrap(), bytes, "{}", p.display());
        assert_eq!(
            &std::fs::metadata(p).unwrap().modified().unwrap(),
            mtime,
            "{}",
            p.display()
        );
    }
    // A second copy of the project renders the very same bytes.
    let other = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let other_config = load(other.path());
    run_ok(&other_config);
    for (p, (bytes, _)) in files.iter().zip(&before) {
        let twin = other.path().join("feeds").join(p.file_name().unwrap());
        assert_eq!(&std::fs::read(twin).unwrap(), bytes, "{}", p.display());
    }
}

#[test]
fn undated_entries_get_distinct_stable_atom_dates_and_linkless_ones_carry_content() {
    // No page_url and no links: Atom entries must carry content, and same-day entries must not
    // share an `updated` value (the W3C validator warns on duplicates).
    let sources = r#"
[[source]]
name = "bare"
path = "samples/partnerships.txt"
"#;
    let dir = project(sources);
    let seed = std::fs::read_to_string(dir.path().join("config/samples/partnerships.txt")).unwrap();
    let same_day = seed
        .replace("Oct. 6, 2020", "Oct. 9, 2020")
        .replace("Oct. 5, 2020", "Oct. 9, 2020");
    std::fs::write(dir.path().join("config/samples/partnerships.txt"), same_day).unwrap();
    let config = load(dir.path());
    run_ok(&config);
    let (xml, atom) = parse(&dir.path().join("feeds/bare.atom.xml"));
    assert!(
        atom.entries
            .iter()
            .all(|e| e.content.is_some() && e.links.is_empty())
    );
    let updated: Vec<_> = atom.entries.iter().map(|e| e.updated.unwrap()).collect();
    assert!(updated.windows(2).all(|w| w[0] > w[1]), "{updated:?}");
    // The published dates stay as the page gave them.
    assert_eq!(
        elements(&xml, "published")
            .iter()
            .filter(|d| d.starts_with("2020-10-09T00:00:00"))
            .count(),
        3
    );
}
