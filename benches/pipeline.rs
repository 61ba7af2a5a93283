//! Throughput of the pure pipeline, and peak memory: `cargo bench --bench pipeline`.
//!
//! Not part of CI (timings on shared 2-core runners are noise); run it before and after a change
//! that touches extraction, dates, merging or rendering. Pass a large listing page with
//! `TAGFEED_BENCH_PAGE=path/to/page.html` to measure that too.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tagfeed::config::{self, Config};
use tagfeed::date::{self, DateRules};
use tagfeed::merge;
use tagfeed::model::{Entry, Feed, OutputFormat, Provenance};
use tagfeed::normalize::Ids;
use tagfeed::pipeline::{self, PageContext};
use tagfeed::render;
use tagfeed::source::{self, Field, Format, Input, Loaded, Selectors, Source};
use url::Url;

/// Runs `f` repeatedly for about a second; returns the time per call.
fn time<T>(mut f: impl FnMut() -> T) -> Duration {
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(1) || n < 3 {
        black_box(f());
        n += 1;
    }
    start.elapsed() / n
}

fn now() -> DateTime<Utc> {
    "2026-11-28T12:00:00Z".parse().unwrap()
}

fn listings(config: &Config) {
    println!("extract + normalize (one page, pure):");
    for s in &config.sources {
        let Input::Path(p) = &s.input else {
            continue;
        };
        let loaded = source::read_file(p, 10_000_000).unwrap();
        let per = time(|| {
            pipeline::read_page(s, &loaded, &mut Ids::default(), PageContext::at(now())).unwrap()
        });
        let mb = loaded.bytes.len() as f64 / 1e6;
        println!(
            "  {:<34} {:>7.1} KB {:>8.2} ms {:>7.1} MB/s",
            s.name,
            mb * 1000.0,
            per.as_secs_f64() * 1e3,
            mb / per.as_secs_f64()
        );
    }
    if let Ok(page) = std::env::var("TAGFEED_BENCH_PAGE") {
        let bytes = std::fs::read(&page).unwrap();
        let mut s = Source::new("big", Input::Path(page.clone().into()));
        s.select = Some(Selectors::with_item(Field::parse("article, li").unwrap()));
        s.format = Some(Format::Html);
        let loaded = Loaded {
            bytes,
            charset: None,
            modified: None,
            url: None,
        };
        let per = time(|| {
            pipeline::read_page(&s, &loaded, &mut Ids::default(), PageContext::at(now())).unwrap()
        });
        let mb = loaded.bytes.len() as f64 / 1e6;
        println!(
            "  {page}: {mb:.2} MB in {:.1} ms ({:.1} MB/s)",
            per.as_secs_f64() * 1e3,
            mb / per.as_secs_f64()
        );
    }
}

fn dates() {
    let samples = [
        "Oct. 9, 2020",
        "2024-12-30T07:37:17",
        "Fri, 09 Oct 2020 14:30:00 GMT",
        "le 1er août 2019 à 14h30",
        "10/09/2020",
    ];
    let rules = DateRules {
        timezone: "America/New_York".parse().unwrap(),
        day_first: false,
    };
    let per = time(|| {
        for s in samples {
            black_box(date::parse(s, &rules).unwrap());
        }
    });
    println!(
        "dates: {:.0} ns per string",
        per.as_nanos() as f64 / samples.len() as f64
    );
}

fn entries(source: &str, n: usize) -> Vec<Entry> {
    let base: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    (0..n)
        .map(|i| {
            let d = (base - chrono::Duration::minutes(i as i64 * 7)).fixed_offset();
            Entry {
                id: format!("https://example.org/{source}/{i}"),
                title: format!("Entry {i} of {source} with a title of ordinary length"),
                link: Url::parse(&format!("https://example.org/{source}/{i}")).ok(),
                published: Some(d),
                first_seen: d,
                updated: None,
                summary: Some(format!(
                    "<p>Summary {i}, a sentence or two about <b>it</b>.</p>"
                )),
                categories: vec![source.to_string(), "News".into()],
                via: None,
            }
        })
        .collect()
}

fn merging_and_rendering() {
    let inputs = || {
        (0..10)
            .map(|k| merge::Input {
                provenance: Provenance {
                    title: format!("tag {k}"),
                    feed_url: None,
                    home: None,
                },
                // Half of each tag's entries are shared with the next tag.
                entries: entries(&format!("t{}", k / 2), 1000),
            })
            .collect::<Vec<_>>()
    };
    let per = time(|| merge::merge(inputs(), &HashMap::new()));
    println!(
        "merge: 10 inputs x 1000 entries in {:.1} ms",
        per.as_secs_f64() * 1e3
    );
    let feed = Feed {
        name: "bench".into(),
        title: "Bench".into(),
        description: "Bench feed".into(),
        home_page: Url::parse("https://example.org/").ok(),
        author: "bench".into(),
        entries: entries("x", 1000),
    };
    let url = Url::parse("https://feeds.example.org/bench").unwrap();
    for f in OutputFormat::ALL {
        let per = time(|| render::render(&feed, f, &url).unwrap());
        println!(
            "render {f:?}: 1000 entries in {:.1} ms",
            per.as_secs_f64() * 1e3
        );
    }
}

/// A config of `n` sources (and one merge of them all), as a big installation writes it.
fn big_config(n: usize) -> String {
    let mut t =
        String::from("[output]\ndir = \"feeds\"\nbase_url = \"https://feeds.example.org/\"\n");
    for i in 0..n {
        t += &format!(
            "\n[[source]]\nname = \"s{i}\"\npath = \"pages/p{i}.html\"\n\
             page_url = \"https://example.org/tag/{i}/\"\ntimezone = \"Europe/Berlin\"\n\
             [source.select]\nitem = \"article.post\"\nsummary = \".summary\"\n"
        );
    }
    let names: Vec<String> = (0..n).map(|i| format!("\"s{i}\"")).collect();
    t + &format!(
        "\n[[merge]]\nname = \"all\"\nsources = [{}]\n",
        names.join(", ")
    )
}

/// Loading and validating a config must stay linear in its number of sources.
fn config_loading() {
    println!("config parse + validate:");
    for n in [1000, 2000, 5000] {
        let text = big_config(n);
        let per = time(|| config::parse(&text).unwrap());
        println!(
            "  {n:>5} sources {:>8.1} ms ({:.1} µs per source)",
            per.as_secs_f64() * 1e3,
            per.as_secs_f64() * 1e6 / n as f64
        );
    }
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let config = config::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/listings/sources.toml"),
    )
    .unwrap();
    listings(&config);
    dates();
    merging_and_rendering();
    config_loading();
    if let Some(kb) = peak_rss_kb() {
        println!("peak memory: {:.1} MB", kb as f64 / 1024.0);
    }
}
