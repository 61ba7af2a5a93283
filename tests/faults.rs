//! Sites that misbehave, each fault on a real server on 127.0.0.1: the run says what happened to
//! which source, keeps what was published, and ends in bounded time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tagfeed::refresh::RunOptions;

use crate::http::{FAST, project, source};
use crate::server::{Req, Resp, Server, listing};
use crate::support::run_with;

/// The fault table: 27 kinds of server fault on a raw socket.
mod kinds;

/// The one error of a one-source run, as the user reads it.
fn only_error(config: &tagfeed::config::Config) -> String {
    let outcomes = run_with(config, &RunOptions::default());
    assert_eq!(outcomes.len(), 1);
    match &outcomes[0].result {
        Ok(r) => panic!("expected a failure, got {r:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_redirect_out_of_the_web_is_refused_and_not_retried() {
    for target in ["file:///etc/passwd", "javascript:alert(1)", "ftp://e.org/x"] {
        let server = Server::start(move |req: &Req| match req.target.as_str() {
            "/robots.txt" => Resp::status(404),
            _ => Resp::status(302).header("location", target),
        });
        let (_dir, config) = project(FAST, &source("odd", &server.url("/list/"), ""));
        let err = only_error(&config);
        assert!(
            err.contains(&format!(
                "redirects to {target:?}, which is not an http(s) URL"
            )),
            "{err}"
        );
        assert!(!err.contains("HTTP 302"), "{err}");
        assert_eq!(server.targets(), ["/list/"], "asked once, not retried");
    }
}

#[test]
fn each_redirect_hop_asks_its_own_hosts_robots_txt() {
    let other = Server::start(|req: &Req| match req.target.as_str() {
        "/robots.txt" => {
            Resp::html("User-agent: *\nDisallow: /private/\n").header("content-type", "text/plain")
        }
        _ => Resp::html(listing(&[("a", "2026-01-02")])),
    });
    let hop = other.url("/private/list/").to_string();
    let first = Server::start(move |req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        _ => Resp::status(301).header("location", hop.clone()),
    });
    let (_dir, config) = project(FAST, &source("hop", &first.url("/list/"), ""));
    let err = only_error(&config);
    assert!(
        err.contains(&format!(
            "{} is disallowed by robots.txt",
            other.url("/private/list/")
        )),
        "{err}"
    );
    assert_eq!(
        other.targets(),
        Vec::<String>::new(),
        "the page behind the hop was not fetched"
    );
    assert_eq!(other.hits().len(), 1, "only its robots.txt was");
}

#[test]
fn robots_txt_gets_the_retries_a_page_gets() {
    let asked = Arc::new(AtomicUsize::new(0));
    let seen = asked.clone();
    let server = Server::start(move |req: &Req| match req.target.as_str() {
        "/robots.txt" if seen.fetch_add(1, Ordering::SeqCst) == 0 => Resp::status(503),
        "/robots.txt" => Resp::status(404),
        _ => Resp::html(listing(&[("a", "2026-01-02")])),
    });
    let (_dir, config) = project(FAST, &source("flaky", &server.url("/list/"), ""));
    let outcomes = run_with(&config, &RunOptions::default());
    assert!(outcomes[0].result.is_ok(), "{:?}", outcomes[0].result);
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[test]
fn an_oversized_robots_txt_still_forbids_what_its_top_forbids() {
    let mut robots = String::from("User-agent: *\nDisallow: /\n");
    while robots.len() < 700 * 1024 {
        robots.push_str("# a robots.txt padded past half a megabyte, as some sites serve\n");
    }
    let server = Server::start(move |req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::html(robots.clone()).header("content-type", "text/plain"),
        _ => Resp::html(listing(&[("a", "2026-01-02")])),
    });
    // Larger than a page may be, too: it is still read, up to RFC 9309's 500 KiB and more.
    let fetch = format!("{FAST}max_body = 300000\n");
    let (_dir, config) = project(&fetch, &source("big", &server.url("/list/"), ""));
    let err = only_error(&config);
    assert!(err.contains("is disallowed by robots.txt"), "{err}");
    assert_eq!(server.targets(), Vec::<String>::new());
}

#[test]
fn a_crawl_delay_of_an_hour_is_capped_and_never_delays_the_first_page() {
    let server = Server::start(|req: &Req| match req.target.as_str() {
        "/robots.txt" => {
            Resp::html("User-agent: *\nCrawl-delay: 3600\n").header("content-type", "text/plain")
        }
        _ => Resp::html(listing(&[("a", "2026-01-02")])),
    });
    let sources = format!(
        "{}{}",
        source("one", &server.url("/one/"), ""),
        source("two", &server.url("/two/"), "")
    );
    let fetch = "[fetch]\nmin_delay = 0.01\nmax_crawl_delay = 0.5\n";
    let (_dir, config) = project(fetch, &sources);
    let started = Instant::now();
    let outcomes = run_with(&config, &RunOptions::default());
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    assert!(started.elapsed() < Duration::from_secs(20));
    let mut hits = server.hits();
    hits.sort_by_key(|h| h.start);
    assert_eq!(hits.len(), 3);
    // robots.txt, then the first page at once, then the second after the capped delay.
    assert!(hits[1].start.duration_since(hits[0].end) < Duration::from_millis(400));
    let gap = hits[2].start.duration_since(hits[1].end);
    assert!(gap >= Duration::from_millis(450), "{gap:?}");
}

#[test]
fn a_short_retry_after_on_every_try_says_it_was_waited_out() {
    let server = Server::start(|req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        _ => Resp::status(503).header("retry-after", "1"),
    });
    let (_dir, config) = project(
        "[fetch]\nmin_delay = 0.01\nretries = 1\n",
        &source("busy", &server.url("/list/"), ""),
    );
    let err = only_error(&config);
    assert!(
        err.contains("answered HTTP 503 (come back later) on each of 2 tries"),
        "{err}"
    );
    assert!(!err.contains("longer than"), "{err}");
    assert_eq!(server.targets().len(), 2);
}

#[test]
fn a_hanging_robots_txt_is_retried_and_reported_as_a_timeout() {
    let asked = Arc::new(AtomicUsize::new(0));
    let seen = asked.clone();
    let server = Server::start(move |req: &Req| match req.target.as_str() {
        "/robots.txt" => {
            seen.fetch_add(1, Ordering::SeqCst);
            Resp::status(404).delay(Duration::from_secs(3))
        }
        _ => Resp::html(listing(&[("a", "2026-01-02")])),
    });
    let (_dir, config) = project(
        "[fetch]\nmin_delay = 0.01\nretry_delay = 0.01\nretries = 1\ntimeout = 1\n",
        &source("slow", &server.url("/list/"), ""),
    );
    let started = Instant::now();
    let err = only_error(&config);
    assert!(
        err.contains("/robots.txt: no complete answer within 1 s"),
        "{err}"
    );
    assert!(!err.contains("respect_robots"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(asked.load(Ordering::SeqCst), 2, "tried again like a page");
    assert_eq!(server.targets(), Vec::<String>::new());
}

#[test]
fn utf16_declared_in_the_header_without_a_bom_is_read() {
    let server = Server::start(|req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        _ => {
            let page = listing(&[("a", "2026-01-02"), ("b", "2026-01-01")]);
            let mut r = Resp::html("");
            r.headers = vec![("content-type", "text/html; charset=UTF-16LE".into())];
            r.body = page.encode_utf16().flat_map(u16::to_le_bytes).collect();
            r
        }
    });
    let (_dir, config) = project(FAST, &source("wide", &server.url("/list/"), ""));
    let outcomes = run_with(&config, &RunOptions::default());
    let report = outcomes[0].result.as_ref().expect("read");
    assert_eq!(report.found, 2, "{report:?}");
}

#[test]
fn a_text_listings_unreadable_date_lines_start_entries_and_are_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.txt");
    let mut text = String::from("Tag: X\n\n");
    let odd = [
        "yesterday",
        "2020-W53-7",
        "99999999999999",
        "2020-10-09T10:00:00+25:00",
        "2020-13-45",
    ];
    for (i, date) in ["Oct. 9, 2020"].iter().chain(odd.iter()).enumerate() {
        text.push_str(&format!("{date}\n\nTitle {i}\n\nSummary {i}.\n\n"));
    }
    std::fs::write(&path, text).unwrap();
    let out = crate::support::tagfeed()
        .args(["preview", path.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let titles: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 6, "no entry glued into another: {titles:?}");
    let warnings = v["warnings"].to_string();
    for (line, why) in [
        (15, "2020-W53-7"),
        (21, "too long a number"),
        (27, "offset +2500 is not a UTC offset"),
        (33, "there is no month 13"),
    ] {
        assert!(
            warnings.contains(&format!("{{\"line\":{line}}}")) && warnings.contains(why),
            "line {line}: {warnings}"
        );
    }
    // "yesterday" is a date, read against the moment of reading.
    assert!(v["entries"][1]["date"].is_string(), "{}", v["entries"][1]);
}

#[test]
fn a_page_nested_a_hundred_thousand_deep_fails_fast_and_keeps_the_feed() {
    let hostile = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flip = hostile.clone();
    let deep = format!(
        "<html><body>{}{}{}</body></html>",
        "<div>".repeat(100_000),
        listing(&[("b", "2026-01-03")]),
        "</div>".repeat(100_000)
    );
    let server = Server::start(move |req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        _ if flip.load(Ordering::SeqCst) => Resp::html(deep.clone()),
        _ => Resp::html(listing(&[("a", "2026-01-02")])),
    });
    let (dir, config) = project(FAST, &source("deep", &server.url("/list/"), ""));
    assert!(run_with(&config, &RunOptions::default())[0].result.is_ok());
    let feed = dir.path().join("feeds/deep.rss.xml");
    let before = std::fs::read(&feed).unwrap();
    hostile.store(true, Ordering::SeqCst);
    let started = Instant::now();
    let err = only_error(&config);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(err.contains("nests elements more than 256 deep"), "{err}");
    assert!(std::fs::read(&feed).unwrap() == before, "the feed is kept");
}

/// (slug, date) items 0..n, newest first.
fn items(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("a{i}"), format!("2026-01-{:02}", 28 - i.min(27))))
        .collect()
}

fn page_of(n: usize) -> String {
    let owned = items(n);
    let refs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(s, d)| (s.as_str(), d.as_str()))
        .collect();
    listing(&refs)
}

#[test]
fn a_layout_change_that_leaves_a_few_items_is_not_published_unless_forced() {
    let count = Arc::new(AtomicUsize::new(20));
    let n = count.clone();
    let server = Server::start(move |req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        _ => Resp::html(page_of(n.load(Ordering::SeqCst))),
    });
    let (dir, config) = project(FAST, &source("g", &server.url("/list/"), ""));
    assert!(run_with(&config, &RunOptions::default())[0].result.is_ok());
    let feed = dir.path().join("feeds/g.rss.xml");
    // Half the items: a normal day on a listing.
    count.store(10, Ordering::SeqCst);
    assert!(run_with(&config, &RunOptions::default())[0].result.is_ok());
    let before = std::fs::read(&feed).unwrap();
    // A redesign: the selector now matches 2 things.
    count.store(2, Ordering::SeqCst);
    let err = only_error(&config);
    assert!(
        err.contains("selector `li.item` matched 2 items (last good run: 10; fewer than min_ratio = 0.3 of it)"),
        "{err}"
    );
    assert!(err.contains("tagfeed run --force g"), "{err}");
    assert!(std::fs::read(&feed).unwrap() == before, "the feed is kept");
    // The user looked and the page is right: forced, the run succeeds, and later runs compare
    // with what it found.
    let out = crate::support::run_in(
        dir.path(),
        &["run", "-q", "-c", "tagfeed.toml", "--force", "g"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{:?}",
        crate::support::texts(&out)
    );
    assert!(run_with(&config, &RunOptions::default())[0].result.is_ok());
}

#[test]
fn min_items_holds_from_the_first_run() {
    let server = Server::start(|req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        _ => Resp::html(page_of(3)),
    });
    let (dir, config) = project(FAST, &source("few", &server.url("/list/"), "min_items = 5"));
    let err = only_error(&config);
    assert!(
        err.contains("matched 3 items (fewer than min_items = 5)"),
        "{err}"
    );
    assert!(!dir.path().join("feeds/few.rss.xml").exists());
    let out = crate::support::run_in(
        dir.path(),
        &["run", "-c", "tagfeed.toml", "--force", "nope"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        crate::support::texts(&out)
            .1
            .contains("--force nope: no source of that name")
    );
}

#[test]
fn external_feeds_expand_no_entities_from_their_doctype() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-LINE").unwrap();
    let mut laughs = String::from("<!ENTITY lol \"lol\">");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        laughs.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    let item = |title: &str| {
        format!(
            "<item><title>{title}</title><link>https://blog.example/1</link>\
             <pubDate>Thu, 01 Jan 2026 10:00:00 +0000</pubDate></item>"
        )
    };
    let feeds = [
        (
            "laughs.xml",
            format!("<!DOCTYPE rss [{laughs}]>"),
            item("&lol9;"),
        ),
        (
            "xxe.xml",
            format!(
                "<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://{}\">]>",
                secret.display()
            ),
            item("&xxe;"),
        ),
    ];
    for (name, doctype, item) in feeds {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                "<?xml version=\"1.0\"?>{doctype}<rss version=\"2.0\"><channel><title>B</title>\
                 <link>https://blog.example/</link>{item}{}</channel></rss>",
                self::item_plain()
            ),
        )
        .unwrap();
        let out = dir.path().join(format!("{name}.atom.xml"));
        let started = Instant::now();
        let run = crate::support::tagfeed()
            .args(["-q", "merge", "-o", out.to_str().unwrap(), "--self-url"])
            .args(["https://f.example.org/m.atom.xml", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "{name}");
        let written = std::fs::read_to_string(&out).unwrap_or_default();
        assert!(written.len() < 100_000, "{name}: {} bytes", written.len());
        assert!(!written.contains("TOP-SECRET"), "{name}: {written}");
        assert!(!written.contains("lollollol"), "{name}");
        // The feed's other entry is still read (or the input is refused with a message).
        assert!(
            written.contains("Plain entry") || !run.stderr.is_empty(),
            "{name}: {:?}",
            crate::support::texts(&run)
        );
    }
}

fn item_plain() -> String {
    "<item><title>Plain entry</title><link>https://blog.example/2</link>\
     <pubDate>Fri, 02 Jan 2026 10:00:00 +0000</pubDate></item>"
        .to_string()
}

#[test]
fn links_from_pages_may_not_reach_private_addresses_unless_allowed() {
    use tagfeed::fetch::{FetchSettings, Fetcher, Overrides};
    let server = Server::start(|req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        _ => Resp::html(listing(&[("a", "2026-01-02")])),
    });
    let url = server.url("/list/");
    // A URL that came from a page (a next-page link of a public source, say).
    let from_content = Overrides::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fetcher = Fetcher::new(FetchSettings::default()).unwrap();
    let err = rt
        .block_on(fetcher.get(&url, &from_content, None))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("127.0.0.1, a private or loopback address"),
        "{err}"
    );
    assert!(err.contains("allow_private = true"), "{err}");
    assert!(server.hits().is_empty(), "nothing was sent");
    // The user's own URL on that address, or allow_private, may.
    assert!(
        rt.block_on(fetcher.get(&url, &Overrides::for_url(&url), None))
            .is_ok()
    );
    let open = Fetcher::new(FetchSettings {
        allow_private: true,
        min_delay: Duration::ZERO,
        ..FetchSettings::default()
    })
    .unwrap();
    assert!(rt.block_on(open.get(&url, &from_content, None)).is_ok());
    for private in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:1/",
        "http://localhost:1/",
    ] {
        let u = url::Url::parse(private).unwrap();
        let err = rt
            .block_on(fetcher.get(&u, &from_content, None))
            .unwrap_err();
        assert!(
            err.to_string().contains("private or loopback"),
            "{private}: {err}"
        );
    }
}

#[test]
fn a_feed_summary_nested_fifty_thousand_deep_is_dropped_not_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}x{}", "<div>".repeat(50_000), "</div>".repeat(50_000));
    let escaped = deep.replace('<', "&lt;").replace('>', "&gt;");
    let path = dir.path().join("deep.xml");
    std::fs::write(
        &path,
        format!(
            "<rss version=\"2.0\"><channel><title>B</title><link>https://b.example/</link>\
             <item><title>Deep</title><link>https://b.example/1</link>\
             <description>{escaped}</description></item>{}</channel></rss>",
            item_plain()
        ),
    )
    .unwrap();
    let out_path = dir.path().join("m.atom.xml");
    let started = Instant::now();
    let out = crate::support::tagfeed()
        .args(["merge", "-o", out_path.to_str().unwrap(), "--self-url"])
        .args(["https://f.example.org/m.atom.xml", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let (_, stderr) = crate::support::texts(&out);
    assert!(
        stderr.contains("item 1: summary dropped: the HTML nests elements"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&out_path).unwrap();
    assert!(written.contains("Deep") && written.contains("Plain entry"));
}
