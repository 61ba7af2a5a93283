//! Fetching over HTTP against a real server on 127.0.0.1: conditional GET, robots.txt,
//! Retry-After, retries, size limits, redirects, politeness, charsets. The store across runs is
//! in `runs.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tagfeed::config::{self, Config};
use tagfeed::publish::WriteOutcome;
use tagfeed::refresh::RunOptions;
use tagfeed::store::Store;

use crate::server::{Req, Resp, Server, listing};
use crate::support::{run_ok, run_with, texts};

/// Fast politeness settings so tests take milliseconds, not seconds.
pub const FAST: &str = "[fetch]\nmin_delay = 0.01\nretry_delay = 0.01\nretries = 2\n";

/// A project whose config has `fetch` settings and the given sources.
pub fn project(fetch: &str, sources: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[output]\ndir = \"feeds\"\nbase_url = \"https://feeds.example.org/\"\n\n{fetch}\n{sources}"
    );
    std::fs::write(dir.path().join("tagfeed.toml"), text).unwrap();
    let config = config::load(&dir.path().join("tagfeed.toml")).unwrap();
    (dir, config)
}

pub fn source(name: &str, url: &url::Url, extra: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nurl = \"{url}\"\n{extra}\n[source.select]\nitem = \"li.item\"\n"
    )
}

/// The site's pages: each a list of (slug, date) items.
pub type Pages = Vec<Vec<(String, String)>>;

pub fn page_items(page: usize, per_page: usize, first_day: usize) -> Vec<(String, String)> {
    (0..per_page)
        .map(|i| {
            let n = (page - 1) * per_page + i;
            let day = first_day - n;
            (format!("a{n}"), format!("2026-01-{day:02}T10:00:00Z"))
        })
        .collect()
}

pub fn render(items: &[(String, String)]) -> String {
    let refs: Vec<(&str, &str)> = items
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    listing(&refs)
}

pub fn page_number(target: &str) -> usize {
    target
        .split("Page=")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

pub fn stored_ids(config: &Config, name: &str) -> Vec<String> {
    let store = Store::open(&config.store.path).unwrap();
    store
        .entries(name, 1000)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

#[test]
fn conditional_get_and_304_write_nothing() {
    let server = Server::start(|req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        if req.header("if-none-match") == Some("\"v1\"") {
            return Resp::status(304).header("etag", "\"v1\"");
        }
        Resp::html(listing(&[("a", "2026-01-02"), ("b", "2026-01-01")]))
            .header("etag", "\"v1\"")
            .header("last-modified", "Thu, 01 Jan 2026 10:00:00 GMT")
    });
    let (dir, config) = project(FAST, &source("c", &server.url("/c/"), ""));
    let first = run_ok(&config);
    assert!(
        first[0]
            .files
            .iter()
            .all(|f| f.outcome == WriteOutcome::Written)
    );
    let rss = dir.path().join("feeds/c.rss.xml");
    let mtime = std::fs::metadata(&rss).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(30));
    server.clear();
    let second = run_ok(&config);
    let hit = server
        .hits()
        .into_iter()
        .find(|h| h.req.target == "/c/")
        .unwrap();
    assert_eq!(hit.req.header("if-none-match"), Some("\"v1\""));
    assert_eq!(
        hit.req.header("if-modified-since"),
        Some("Thu, 01 Jan 2026 10:00:00 GMT")
    );
    assert!(second[0].not_modified);
    assert!(
        second[0]
            .files
            .iter()
            .all(|f| f.outcome == WriteOutcome::Unchanged)
    );
    assert_eq!(std::fs::metadata(&rss).unwrap().modified().unwrap(), mtime);
    // And the request was a polite one.
    let ua = hit.req.header("user-agent").unwrap();
    assert!(
        ua.starts_with("tagfeed/") && ua.contains("(+https://"),
        "{ua}"
    );
    let accept = hit.req.header("accept-encoding").unwrap_or("");
    assert!(accept.contains("gzip") && accept.contains("br"), "{accept}");
}

#[test]
fn robots_txt_disallow_is_respected() {
    let server = Server::start(|req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::html("User-agent: tagfeed\nDisallow: /private/\n")
            .header("content-type", "text/plain"),
        _ => Resp::html(listing(&[("a", "2026-01-02")])),
    });
    let (_dir, config) = project(
        FAST,
        &format!(
            "{}{}",
            source("private", &server.url("/private/list"), ""),
            source("public", &server.url("/public/list"), "")
        ),
    );
    let outcomes = run_with(&config, &RunOptions::default());
    let err = outcomes[0].result.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("disallowed by robots.txt") && err.contains("respect_robots"),
        "{err}"
    );
    assert!(outcomes[1].result.is_ok());
    assert_eq!(
        server.targets(),
        ["/public/list"],
        "nothing fetched under /private/"
    );
    let robots = server
        .hits()
        .iter()
        .filter(|h| h.req.target == "/robots.txt")
        .count();
    assert_eq!(robots, 1, "robots.txt is fetched once per host");

    // A source that opts out is fetched.
    let (_dir, config) = project(
        FAST,
        &source(
            "private",
            &server.url("/private/list"),
            "respect_robots = false",
        ),
    );
    assert_eq!(run_ok(&config)[0].entries, 1);
}

#[test]
fn retry_after_is_waited_out_or_reported() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let server = Server::start(move |req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        "/busy" if c.fetch_add(1, Ordering::SeqCst) == 0 => {
            Resp::status(429).header("retry-after", "1")
        }
        "/busy" => Resp::html(listing(&[("a", "2026-01-02")])),
        _ => Resp::status(503).header("retry-after", "3600"),
    });
    let (_dir, config) = project(
        FAST,
        &format!(
            "{}{}",
            source("busy", &server.url("/busy"), ""),
            source("down", &server.url("/down"), "")
        ),
    );
    let outcomes = run_with(&config, &RunOptions::default());
    assert!(outcomes[0].result.is_ok(), "{:?}", outcomes[0].result);
    let hits: Vec<_> = server
        .hits()
        .into_iter()
        .filter(|h| h.req.target == "/busy")
        .collect();
    assert_eq!(hits.len(), 2);
    let waited = hits[1].start - hits[0].end;
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");
    let err = outcomes[1].result.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("HTTP 503") && err.contains("3600 s") && err.contains("skipped"),
        "{err}"
    );
    assert_eq!(
        server.targets().iter().filter(|t| *t == "/down").count(),
        1,
        "no retry for an hour-long wait"
    );
}

#[test]
fn server_errors_are_retried_then_reported() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let server = Server::start(move |req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        "/flaky" if c.fetch_add(1, Ordering::SeqCst) == 0 => Resp::status(500),
        "/flaky" => Resp::html(listing(&[("a", "2026-01-02")])),
        _ => Resp::status(502),
    });
    let (_dir, config) = project(
        FAST,
        &format!(
            "{}{}",
            source("flaky", &server.url("/flaky"), ""),
            source("broken", &server.url("/broken"), "")
        ),
    );
    let outcomes = run_with(&config, &RunOptions::default());
    assert!(outcomes[0].result.is_ok());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "500, then success on the retry"
    );
    let err = outcomes[1].result.as_ref().unwrap_err().to_string();
    assert!(err.contains("HTTP 502"), "{err}");
    assert_eq!(
        server.targets().iter().filter(|t| *t == "/broken").count(),
        3,
        "1 try + 2 retries"
    );
}

#[test]
fn bodies_over_the_limit_are_refused() {
    let big = listing(&[("a", "2026-01-02")]) + &" ".repeat(20_000);
    let server = Server::start(move |req: &Req| {
        let mut r = Resp::html(big.clone());
        match req.target.as_str() {
            "/robots.txt" => Resp::status(404),
            "/chunked" => {
                r.chunked = true;
                r
            }
            _ => r,
        }
    });
    let (_dir, config) = project(
        &format!("{FAST}max_body = 10000\n"),
        &format!(
            "{}{}",
            source("big", &server.url("/big"), ""),
            source("chunked", &server.url("/chunked"), "")
        ),
    );
    for o in run_with(&config, &RunOptions::default()) {
        let err = o.result.unwrap_err().to_string();
        assert!(
            err.contains("larger than [fetch] max_body (10000 bytes)"),
            "{}: {err}",
            o.name
        );
    }
}

#[test]
fn redirects_are_followed_up_to_five() {
    let server = Server::start(|req: &Req| {
        let t = req.target.as_str();
        if t == "/robots.txt" {
            return Resp::status(404);
        }
        if let Some(n) = t.strip_prefix("/hop/") {
            let n: usize = n.parse().unwrap();
            let to = if n == 0 {
                "/final/list/".to_string()
            } else {
                format!("/hop/{}", n - 1)
            };
            return Resp::status(301).header("location", to);
        }
        // A relative link: it resolves against where the page was found.
        Resp::html(listing(&[("a", "2026-01-02")]).replace("/news/a", "article-a"))
    });
    let (_dir, config) = project(
        FAST,
        &format!(
            "{}{}",
            source("ok", &server.url("/hop/3"), ""),
            source("loop", &server.url("/hop/9"), "")
        ),
    );
    let outcomes = run_with(&config, &RunOptions::default());
    assert!(outcomes[0].result.is_ok(), "{:?}", outcomes[0].result);
    let store = Store::open(&config.store.path).unwrap();
    let link = store.entries("ok", 1).unwrap()[0].link.clone().unwrap();
    assert_eq!(link, server.url("/final/list/article-a"));
    let err = outcomes[1].result.as_ref().unwrap_err().to_string();
    assert!(err.contains("more than 5 redirects"), "{err}");
}

#[test]
fn one_request_at_a_time_per_host_with_a_pause() {
    let server = Server::start(|req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        Resp::html(listing(&[("a", "2026-01-02")])).delay(Duration::from_millis(50))
    });
    let sources: String = (0..5)
        .map(|i| source(&format!("s{i}"), &server.url(&format!("/s{i}")), ""))
        .collect();
    let (_dir, config) = project("[fetch]\nmin_delay = 0.1\n", &sources);
    run_ok(&config);
    let mut hits = server.hits();
    assert_eq!(hits.len(), 6);
    hits.sort_by_key(|h| h.start);
    for w in hits.windows(2) {
        let gap = w[1].start.saturating_duration_since(w[0].end);
        assert!(w[1].start >= w[0].end, "two requests to one host at once");
        assert!(
            gap >= Duration::from_millis(95),
            "only {gap:?} between requests"
        );
    }
}

#[test]
fn charset_comes_from_the_content_type_header() {
    let server = Server::start(|req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        let page = listing(&[("a", "2026-01-02")]).replace("Article a", "Статья");
        let (bytes, _, _) = encoding_rs::KOI8_R.encode(&page);
        let mut r = Resp::html("").header("content-type", "text/html; charset=koi8-r");
        r.headers.remove(0);
        r.body = bytes.into_owned();
        r
    });
    let (_dir, config) = project(FAST, &source("ru", &server.url("/ru"), ""));
    run_ok(&config);
    let store = Store::open(&config.store.path).unwrap();
    assert_eq!(store.entries("ru", 1).unwrap()[0].title, "Статья");
}

#[test]
fn preview_fetches_a_url() {
    let server = Server::start(|req: &Req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        _ => Resp::html(listing(&[("a", "2026-01-02"), ("b", "2026-01-01")])),
    });
    let url = server.url("/list/");
    let out = crate::support::tagfeed()
        .args(["preview", url.as_str(), "--item", "li.item", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["entries"][1]["link"], server.url("/news/b").as_str());
    assert_eq!(v["entries"][1]["date"], "2026-01-01T00:00:00+00:00");
    // Nothing listens on a port just freed: the error says which URL and why.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{port}/list/");
    let out = crate::support::tagfeed()
        .args(["preview", &dead])
        .output()
        .unwrap();
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    // The host is down: said as such, not as a robots.txt problem to switch off.
    assert!(
        stderr.contains(&format!(
            "error: {dead}: cannot connect: connection refused: nothing answers at 127.0.0.1:{port}"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("robots.txt"), "{stderr}");
    assert!(!stderr.contains("respect_robots"), "{stderr}");
}
