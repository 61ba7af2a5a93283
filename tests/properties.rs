//! Properties over generated inputs (proptest): ids that never move, dates that read back as
//! written, and feeds that readers read back as rendered.

use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Utc};
use proptest::prelude::*;
use tagfeed::config;
use tagfeed::date::{self, DateRules};
use tagfeed::model::{Entry, Feed, OutputFormat};
use tagfeed::pipeline;
use tagfeed::source::Loaded;
use url::Url;

/// Article titles: words of letters, digits and punctuation a site might use, with odd spacing.
fn title() -> impl Strategy<Value = String> {
    proptest::collection::vec("[A-Za-zÀ-ÿ0-9'’&:,!?-]{1,12}", 1..8)
        .prop_map(|words| words.join(if words.len() % 2 == 0 { " " } else { "  " }))
}

fn slug() -> impl Strategy<Value = String> {
    "[a-z0-9-]{1,20}"
}

fn day() -> impl Strategy<Value = (i32, u32, u32)> {
    (1995i32..2035, 1u32..=12, 1u32..=28)
}

fn page(items: &[(String, String, (i32, u32, u32))]) -> String {
    let lis: String = items
        .iter()
        .map(|(title, slug, (y, m, d))| {
            let title = title.replace('&', "&amp;");
            format!(
                "<li class=\"item\"><h2><a href=\"/news/{slug}\">{title}</a></h2>\
                 <time>{y}-{m:02}-{d:02}</time><p>About {title}.</p></li>"
            )
        })
        .collect();
    format!("<html><body><h1>Tag: X</h1><ul>{lis}</ul></body></html>")
}

/// The ids a fresh read of `html` gives, by link.
fn ids(html: &str) -> Vec<(String, String)> {
    let config = config::parse(
        "[output]\nbase_url = \"https://feeds.example.org/\"\n[[source]]\nname = \"p\"\n\
         path = \"p.html\"\npage_url = \"https://site.example.org/tag/x/\"\n\
         [source.select]\nitem = \"li.item\"\n",
    )
    .unwrap();
    let loaded = Loaded {
        bytes: html.as_bytes().to_vec(),
        charset: None,
        modified: None,
        url: None,
    };
    let now: DateTime<Utc> = "2026-11-29T12:00:00Z".parse().unwrap();
    let built = pipeline::build(&config, &config.sources[0], &loaded, now).unwrap();
    let mut ids: Vec<(String, String)> = built
        .read
        .normalized
        .entries
        .iter()
        .map(|e| (e.link.as_ref().unwrap().to_string(), e.id.clone()))
        .collect();
    ids.sort();
    ids
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The same listing read twice, reordered, or with a new item on top gives every article the
    /// id it had: readers never see an old article as new.
    #[test]
    fn ids_do_not_move(
        items in proptest::collection::vec((title(), slug(), day()), 2..10),
        new in (title(), slug(), day()),
    ) {
        let mut items = items;
        items.sort_by(|a, b| a.1.cmp(&b.1));
        items.dedup_by(|a, b| a.1 == b.1);
        let first = ids(&page(&items));
        prop_assert_eq!(&first, &ids(&page(&items)));
        let mut reordered = items.clone();
        reordered.reverse();
        prop_assert_eq!(&first, &ids(&page(&reordered)));
        if !items.iter().any(|i| i.1 == new.1) {
            let mut more = vec![new];
            more.extend(items.iter().cloned());
            let with_new = ids(&page(&more));
            for pair in &first {
                prop_assert!(with_new.contains(pair), "{:?} moved", pair);
            }
        }
    }

    /// A date written in any of the usual forms reads back as the same day (and, with a time and
    /// an offset, the same instant).
    #[test]
    fn dates_read_back_as_written(
        (y, m, d) in day(),
        hour in 0u32..24,
        minute in 0u32..60,
        offset_min in -12 * 60i32..=14 * 60,
    ) {
        let offset = FixedOffset::east_opt(offset_min * 60).unwrap();
        let at = offset.with_ymd_and_hms(y, m, d, hour, minute, 0).unwrap();
        let rules = DateRules::default();
        for written in [at.to_rfc3339(), at.to_rfc2822(), at.format("%Y-%m-%dT%H:%M:%S%z").to_string()] {
            let read = date::parse(&written, &rules).unwrap();
            prop_assert_eq!(read, at, "{}", written);
        }
        for written in [
            at.format("%B %-d, %Y").to_string(),
            at.format("%b. %-d, %Y").to_string(),
            at.format("%-d %B %Y").to_string(),
            at.format("%Y-%m-%d").to_string(),
        ] {
            let read = date::parse(&written, &rules).unwrap();
            prop_assert_eq!((read.year(), read.month(), read.day()), (y, m, d), "{}", written);
        }
        let day_first = DateRules { day_first: true, ..rules };
        let read = date::parse(&at.format("%d/%m/%Y").to_string(), &day_first).unwrap();
        prop_assert_eq!((read.year(), read.month(), read.day()), (y, m, d));
    }

    /// What we render, a feed reader reads back: every entry, with its id, link, title and date,
    /// in RSS, Atom and JSON Feed alike.
    #[test]
    fn rendered_feeds_read_back(
        entries in proptest::collection::vec((title(), slug(), day(), 0u32..86_400), 1..12),
    ) {
        let mut entries = entries;
        entries.sort_by(|a, b| a.1.cmp(&b.1));
        entries.dedup_by(|a, b| a.1 == b.1);
        let feed = Feed {
            name: "p".into(),
            title: "Tag: X & <friends>".into(),
            description: "All of X".into(),
            home_page: Some(Url::parse("https://site.example.org/tag/x/").unwrap()),
            author: "site.example.org".into(),
            entries: entries
                .iter()
                .map(|(title, slug, (y, m, d), secs)| {
                    let at = Utc.with_ymd_and_hms(*y, *m, *d, 0, 0, 0).unwrap()
                        + chrono::Duration::seconds(i64::from(*secs));
                    let at = at.fixed_offset();
                    let title = tagfeed::text::collapse(title);
                    Entry {
                        id: format!("https://site.example.org/news/{slug}"),
                        title,
                        link: Some(Url::parse(&format!("https://site.example.org/news/{slug}")).unwrap()),
                        published: Some(at),
                        first_seen: at,
                        updated: None,
                        summary: Some(format!("<p>About {slug} &amp; more</p>")),
                        categories: vec!["X".into()],
                        via: None,
                    }
                })
                .collect(),
        };
        let self_url = Url::parse("https://feeds.example.org/p.xml").unwrap();
        for format in [OutputFormat::Rss, OutputFormat::Atom, OutputFormat::Json] {
            let text = tagfeed::render::render(&feed, format, &self_url).unwrap();
            let read = feed_rs::parser::parse(text.as_bytes()).unwrap();
            prop_assert_eq!(read.entries.len(), feed.entries.len(), "{:?}", format);
            for e in &feed.entries {
                let link = e.link.as_ref().unwrap().to_string();
                let got = read.entries.iter().find(|r| r.links.iter().any(|l| l.href == link));
                let Some(got) = got else {
                    return Err(TestCaseError::fail(format!("{format:?}: {link} missing")));
                };
                prop_assert_eq!(&got.title.as_ref().unwrap().content, &e.title, "{:?}", format);
                let date = got.published.or(got.updated).unwrap();
                prop_assert_eq!(date.timestamp(), e.published.unwrap().timestamp(), "{:?}", format);
            }
        }
    }
}
