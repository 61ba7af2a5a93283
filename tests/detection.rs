//! Sources without selectors: real pages from the accuracy set (benches/accuracy/pages) and the
//! preset fixtures (tests/fixtures/presets) read as `tagfeed` reads them, and compared item by item
//! with labels written by hand. The fast subset of `cargo bench --bench accuracy`: a change that
//! loses an item, a title or a day on any of these pages fails here.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;
use tagfeed::detect::{Method, presets};
use tagfeed::normalize::{Ids, id};
use tagfeed::pipeline::{self, PageContext, Read};
use tagfeed::source::{Input, Loaded, Source};
use tagfeed::text::plain;
use url::Url;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The page's bytes and its labels: `benches/accuracy/pages/NAME.html.gz` with
/// `NAME.expected.json`, or `tests/fixtures/presets/NAME.expected.json` with the page it names
/// (`"html"`, default `NAME.html` beside it).
fn page(name: &str) -> (Vec<u8>, Value) {
    let bench = root().join("benches/accuracy/pages");
    let (html, labels) = if bench.join(format!("{name}.html.gz")).exists() {
        let gz = std::fs::read(bench.join(format!("{name}.html.gz"))).unwrap();
        let mut html = Vec::new();
        flate2::read::GzDecoder::new(gz.as_slice())
            .read_to_end(&mut html)
            .unwrap();
        (html, bench.join(format!("{name}.expected.json")))
    } else {
        let dir = root().join("tests/fixtures/presets");
        let labels: Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("{name}.expected.json"))).unwrap(),
        )
        .unwrap();
        let file = labels["html"]
            .as_str()
            .map_or_else(|| format!("{name}.html"), str::to_string);
        return (std::fs::read(dir.join(file)).unwrap(), labels);
    };
    let labels = serde_json::from_slice(&std::fs::read(labels).unwrap()).unwrap();
    (html, labels)
}

/// Reads a page the way a source with no `[source.select]` is read.
fn read(html: Vec<u8>, page_url: &str) -> Result<Read, String> {
    let mut source = Source::new("page", Input::Path(PathBuf::from("page.html")));
    source.page_url = Some(Url::parse(page_url).unwrap());
    let loaded = Loaded {
        bytes: html,
        charset: None,
        modified: None,
        url: None,
    };
    let now: DateTime<Utc> = "2026-11-28T12:00:00Z".parse().unwrap();
    pipeline::read_page(&source, &loaded, &mut Ids::default(), PageContext::at(now))
        .map_err(|e| e.to_string())
}

fn canonical(link: &str) -> String {
    id::canonical(&Url::parse(link).unwrap()).to_string()
}

/// Reads `name` and checks it found exactly the labelled items (same links, in page order), each
/// with its title and day, by `method`.
fn check(name: &str, method: &str) {
    let (html, labels) = page(name);
    let read = read(html, labels["page_url"].as_str().unwrap()).unwrap();
    let found = read.detection.as_ref().map(|d| d.method.to_string());
    assert_eq!(found.as_deref(), Some(method), "{name}: method");
    let items = labels["items"].as_array().unwrap();
    let got: Vec<String> = read
        .normalized
        .entries
        .iter()
        .map(|e| {
            e.link
                .as_ref()
                .map_or(String::new(), |l| canonical(l.as_str()))
        })
        .collect();
    let want: Vec<String> = items
        .iter()
        .map(|i| canonical(i["link"].as_str().unwrap()))
        .collect();
    assert_eq!(got, want, "{name}: item links");
    for (e, item) in read.normalized.entries.iter().zip(items) {
        let at = format!("{name}: {}", e.title);
        assert_eq!(
            plain(&e.title),
            plain(item["title"].as_str().unwrap()),
            "{at}"
        );
        let day = e.published.map(|d| d.date_naive().to_string());
        if let Some(want) = item["day"].as_str() {
            assert_eq!(day.as_deref(), Some(want), "{at}: day");
        }
    }
}

#[test]
fn structured_data_is_read() {
    check("hfeed-adactio-links", "microformats (h-entry)");
    check(
        "autopager-14-wp-category-binarymarket-ru",
        "schema.org microdata",
    );
    check("jekyll-bruce30262-page2", "schema.org microdata");
}

#[test]
fn generic_detection_finds_the_articles() {
    check("feedless-07-craigslist", "generic detection");
    check("autopager-130-news-eordaialive-gr", "generic detection");
    check("autopager-185-cms-news-list-jslcae-cn", "generic detection");
    check("feedless-14-linkace-org", "generic detection");
    check("feedless-10-webiphany-com", "generic detection");
    check("autopager-86-wp-category-lazialita-it", "generic detection");
}

/// Every compiled-in preset has a page it is recognised on and reads exactly.
#[test]
fn every_preset_reads_its_fixture() {
    let fixtures = [
        ("defense-gov", "defense-gov"),
        ("dnn-articlecs", "dnn-afmil-2016-newsfeed-fragment"),
        ("wordpress", "wp-whizzy-category-raspberrypi"),
        ("drupal-views", "drupal-views"),
        ("drupal-views-table", "drupal-aegir-tagged-aegir"),
        ("ghost", "ghost-leons-tag-getting-started"),
        ("hugo", "feedless-04-arzg-github-io-lang"),
        ("jekyll", "feedless-06-jon-bo-posts"),
        ("blogger", "autopager-170-blogger-search-masterhorologer"),
        ("joomla", "joomla"),
        ("discourse", "discourse"),
    ];
    for p in presets::all() {
        assert!(
            fixtures.iter().any(|(name, _)| *name == p.name),
            "preset {} has no fixture here",
            p.name
        );
    }
    for (preset, page) in fixtures {
        let method = Method::Preset(preset.to_string()).to_string();
        check(page, &method);
    }
}

#[test]
fn pages_that_are_no_listing_are_refused() {
    // A redirect stub, and an article whose "related links" look like a short list.
    for name in [
        "hugo-unict-smsnippets-timeline-page1-alias",
        "dnn-wargov-release-article-2025",
    ] {
        let (html, labels) = page(name);
        let e = read(html, labels["page_url"].as_str().unwrap()).unwrap_err();
        assert!(e.contains("no list of items found"), "{name}: {e}");
    }
}

/// `preset = "…"` in a config reads the page with the preset, and `[source.select]` keys beside it
/// replace the preset's.
#[test]
fn a_source_names_a_preset_and_overrides_a_field() {
    let dir = root().join("tests/fixtures/presets");
    let text = format!(
        "[output]\ndir = \"out\"\nbase_url = \"https://feeds.example.org/\"\n\n[[source]]\nname = \"club\"\npath = {:?}\n\
         page_url = \"https://club.example.org/index.php/announcements\"\npreset = \"joomla\"\n\
         [source.select]\ntitle = \"td.list-hits\"\n",
        dir.join("joomla.html")
    );
    let config = tagfeed::config::parse(&text).unwrap();
    let read = crate::support::read_source(&config, "club");
    assert!(read.detection.is_none(), "a named preset is no detection");
    let got: Vec<(&str, Option<String>)> = read
        .normalized
        .entries
        .iter()
        .map(|e| {
            (
                e.title.as_str(),
                e.published.map(|d| d.date_naive().to_string()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Hits: 312", Some("2023-11-14".to_string())),
            ("Hits: 127", Some("2023-10-02".to_string())),
            ("Hits: 88", Some("2023-03-21".to_string())),
        ]
    );
    // A preset that matches nothing on the page says so and what to do.
    let other = text.replace("preset = \"joomla\"", "preset = \"discourse\"");
    let config = tagfeed::config::parse(&other.replace("title = \"td.list-hits\"\n", "")).unwrap();
    let s = config.source("club").unwrap();
    let loaded = tagfeed::source::read_file(&dir.join("joomla.html"), 10_000_000).unwrap();
    let now: DateTime<Utc> = "2026-11-28T12:00:00Z".parse().unwrap();
    let e = pipeline::read_page(s, &loaded, &mut Ids::default(), PageContext::at(now))
        .unwrap_err()
        .to_string();
    assert!(e.contains("preset \"discourse\" finds no items"), "{e}");
}

/// `tagfeed suggest` prints a block that, appended to a config, reads the page exactly; `--json`
/// and `--all` say the same for scripts and for choosing.
#[test]
fn suggest_prints_a_block_that_reads_the_page() {
    use crate::support::{tagfeed, texts};
    let dir = tempfile::tempdir().unwrap();
    let (html, labels) = page("autopager-130-news-eordaialive-gr");
    let saved = dir.path().join("eordaialive.html");
    std::fs::write(&saved, html).unwrap();
    let page_url = labels["page_url"].as_str().unwrap();
    let out = tagfeed()
        .arg("suggest")
        .arg(&saved)
        .args(["--page-url", page_url])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("found by generic detection"), "{stdout}");
    assert!(
        stdout.contains("# First 5 of the 20 entries found:"),
        "{stdout}"
    );
    // The path is absolute: the config reads relative paths from its own folder.
    assert!(
        stdout.contains(&format!("path = {:?}", saved.display().to_string())),
        "{stdout}"
    );
    let config =
        format!("[output]\ndir = \"out\"\nbase_url = \"https://feeds.example.org/\"\n\n{stdout}");
    let config = tagfeed::config::parse(&config).unwrap();
    assert_eq!(config.sources.len(), 1);
    assert_eq!(config.sources[0].name, "eordaialive");
    assert!(config.sources[0].select.is_some(), "{stdout}");
    let read = crate::support::read_source(&config, "eordaialive");
    let links: Vec<String> = read
        .normalized
        .entries
        .iter()
        .map(|e| canonical(e.link.as_ref().unwrap().as_str()))
        .collect();
    let want: Vec<String> = labels["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| canonical(i["link"].as_str().unwrap()))
        .collect();
    assert_eq!(links, want);

    let out = tagfeed()
        .arg("suggest")
        .arg(&saved)
        .args(["--page-url", page_url, "--all", "--json"])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let candidates = v["candidates"].as_array().unwrap();
    assert!((2..=3).contains(&candidates.len()), "{stdout}");
    assert_eq!(candidates[0]["entries"].as_array().unwrap().len(), 5);
    assert!(candidates[0]["select"]["item"].is_string());
    // --all keeps the output a config fragment: the runners-up are commented out.
    let out = tagfeed()
        .arg("suggest")
        .arg(&saved)
        .args(["--page-url", page_url, "--all"])
        .output()
        .unwrap();
    let text = texts(&out).0;
    assert!(text.contains("candidate 2 of"), "{text}");
    let config =
        format!("[output]\ndir = \"out\"\nbase_url = \"https://feeds.example.org/\"\n\n{text}");
    assert_eq!(tagfeed::config::parse(&config).unwrap().sources.len(), 1);

    // A preset's block names the preset and its zone; a page that is no listing fails.
    let out = tagfeed()
        .arg("suggest")
        .arg(root().join("tests/fixtures/listings/partnerships.html"))
        .output()
        .unwrap();
    let text = texts(&out).0;
    assert!(text.contains("preset = \"defense-gov\""), "{text}");
    assert!(text.contains("timezone = \"America/New_York\""), "{text}");
    let empty = dir.path().join("empty.html");
    std::fs::write(&empty, "<html><body><p>One paragraph.</p></body></html>").unwrap();
    let out = tagfeed().arg("suggest").arg(&empty).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        texts(&out).1.contains("no list of items found"),
        "{}",
        texts(&out).1
    );
}

/// Page `n` of a listing whose sidebar of "popular" articles (the same on every page, and longer
/// than the listing) outscores the listing itself when a page is read alone.
fn nav_page(n: usize) -> String {
    let popular: String = (1..=12)
        .map(|i| {
            format!(
                "<li class=\"pop\"><a href=\"/2019/popular-story-number-{i}-with-a-long-title\">Popular \
                 story number {i}, with a title long enough to read like an article</a> \
                 <span>March {i}, 2019</span></li>"
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
    let next = if n < 3 {
        format!("<a rel=\"next\" href=\"/news/page/{}\">Older</a>", n + 1)
    } else {
        String::new()
    };
    format!(
        "<html><body><main><ul class=\"popular\">{popular}</ul><div class=\"entries\">{items}</div>{next}</main></body></html>"
    )
}

/// A page where a sidebar of "popular" articles outscores the listing when read alone: a source
/// without selectors fetches the next page once, on its first run, and takes the list whose links
/// change from page to page.
#[test]
fn the_next_page_tells_the_listing_from_navigation() {
    use crate::http::{FAST, project};
    use crate::server::{Req, Resp, Server};
    let server = Server::start(|req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        t => match t.strip_prefix("/news/page/").and_then(|n| n.parse().ok()) {
            Some(n @ 1..=3) => Resp::html(nav_page(n)),
            _ => Resp::status(404),
        },
    });
    let source = format!(
        "[[source]]\nname = \"news\"\nurl = \"{}\"\n",
        server.url("/news/page/1")
    );
    let (_dir, config) = project(FAST, &source);
    let reports = crate::support::run_ok(&config);
    assert_eq!(
        reports[0].stored.new, 9,
        "the three pages' items: {reports:?}"
    );
    let warnings: Vec<String> = reports[0].warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.contains("item \"div.entry\"")),
        "{warnings:?}"
    );
    // The first detection fetched page 2 once, and the walk used that copy.
    let targets = server.targets();
    let twice = targets.iter().filter(|t| *t == "/news/page/2").count();
    assert_eq!(twice, 1, "{targets:?}");
    let robots = server
        .hits()
        .iter()
        .filter(|h| h.req.target == "/robots.txt")
        .count();
    assert_eq!(robots, 1, "robots.txt once per site and run: {targets:?}");
}

/// `suggest --next` compares two saved pages the same way; `--one-page` shows what one page alone
/// would give.
#[test]
fn suggest_compares_two_saved_pages() {
    use crate::support::{tagfeed, texts};
    let dir = tempfile::tempdir().unwrap();
    for n in [1, 2] {
        std::fs::write(dir.path().join(format!("p{n}.html")), nav_page(n)).unwrap();
    }
    let run = |extra: &[&str]| {
        let out = tagfeed()
            .arg("suggest")
            .arg(dir.path().join("p1.html"))
            .args(["--page-url", "https://e.org/news/page/1"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
        texts(&out).0
    };
    let alone = run(&[]);
    assert!(alone.contains("item = \"li.pop\""), "{alone}");
    let next = dir.path().join("p2.html");
    let both = run(&["--next", next.to_str().unwrap()]);
    assert!(both.contains("item = \"div.entry\""), "{both}");
    assert!(
        both.contains("repeats on the next page with new links"),
        "{both}"
    );
}

/// A page of four articles and a link to its (empty) next page.
fn articles() -> String {
    let items: String = (1..=4)
        .map(|i| {
            format!(
                "<article class=\"story\"><h2><a href=\"/news/a{i}\">Council approves the budget of district {i}</a></h2>\
                 <p>May {i}, 2024. The district council voted on the plan for the coming year, and \
                 the mayor said so.</p></article>"
            )
        })
        .collect();
    format!(
        "<html><body><main><h1>News</h1>{items}<a rel=\"next\" href=\"/news/page/2\">Older</a></main></body></html>"
    )
}

/// A later page with no list ends the walk; it does not fail the source (first run, detection
/// or a preset alike).
#[test]
fn a_later_page_without_a_list_ends_the_walk() {
    use crate::http::{FAST, project};
    use crate::server::{Req, Resp, Server};
    let discourse =
        std::fs::read_to_string(root().join("tests/fixtures/presets/discourse.html")).unwrap();
    let server = Server::start(move |req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        "/news/page/1" => Resp::html(articles()),
        "/latest" => Resp::html(discourse.clone()),
        _ => Resp::html("<html><body><p>Nothing here yet.</p></body></html>"),
    });
    let sources = format!(
        "[[source]]\nname = \"news\"\nurl = \"{}\"\n\n[[source]]\nname = \"forum\"\nurl = \"{}\"\npreset = \"discourse\"\n",
        server.url("/news/page/1"),
        server.url("/latest")
    );
    let (_dir, config) = project(FAST, &sources);
    let reports = crate::support::run_ok(&config);
    let stored: Vec<usize> = reports.iter().map(|r| r.stored.new).collect();
    assert_eq!(stored, [4, 4], "{reports:?}");
    assert!(reports.iter().all(|r| r.pages == 2), "{reports:?}");
}

/// A saved page's "2 days ago" counts from when the file was saved, not from today.
#[test]
fn relative_dates_in_a_saved_file_count_from_its_saving() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.html");
    std::fs::write(
        &path,
        "<html><body><ul>\
         <li class=\"n\"><a href=\"https://e.org/a\">A</a> <span class=\"date\">vor 2 Tagen</span></li>\
         <li class=\"n\"><a href=\"https://e.org/b\">B</a> <span class=\"date\">vor 3 Tagen</span></li>\
         </ul></body></html>",
    )
    .unwrap();
    let saved: std::time::SystemTime = DateTime::parse_from_rfc3339("2020-11-20T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        .into();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(saved)
        .unwrap();
    let text = format!(
        "[output]\ndir = \"out\"\nbase_url = \"https://feeds.example.org/\"\n\n[[source]]\nname = \"s\"\npath = {:?}\n[source.select]\nitem = \"li.n\"\ndate = \"span.date\"\n",
        path
    );
    let config = tagfeed::config::parse(&text).unwrap();
    let read = crate::support::read_source(&config, "s");
    let days: Vec<String> = read
        .normalized
        .entries
        .iter()
        .map(|e| e.published.unwrap().date_naive().to_string())
        .collect();
    assert_eq!(days, ["2020-11-18", "2020-11-17"]);
}
