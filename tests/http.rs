//! Fetching over HTTP against a real server on 127.0.0.1: back-fill, the store across runs,
//! conditional GET, robots.txt, Retry-After, retries, size limits, redirects and politeness.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tagfeed::config::{self, Config};
use tagfeed::publish::WriteOutcome;
use tagfeed::refresh::RunOptions;
use tagfeed::store::Store;

use crate::server::{Req, Resp, Server, listing};
use crate::support::{run_in, run_ok, run_with, texts};

/// Fast politeness settings so tests take milliseconds, not seconds.
const FAST: &str = "[fetch]\nmin_delay = 0.01\nretry_delay = 0.01\nretries = 2\n";

/// A project whose config has `fetch` settings and the given sources.
fn project(fetch: &str, sources: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[output]\ndir = \"feeds\"\nbase_url = \"https://feeds.example.org/\"\n\n{fetch}\n{sources}"
    );
    std::fs::write(dir.path().join("tagfeed.toml"), text).unwrap();
    let config = config::load(&dir.path().join("tagfeed.toml")).unwrap();
    (dir, config)
}

fn source(name: &str, url: &url::Url, extra: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nurl = \"{url}\"\n{extra}\n[source.select]\nitem = \"li.item\"\n"
    )
}

/// The site's pages: each a list of (slug, date) items.
type Pages = Vec<Vec<(String, String)>>;

fn page_items(page: usize, per_page: usize, first_day: usize) -> Vec<(String, String)> {
    (0..per_page)
        .map(|i| {
            let n = (page - 1) * per_page + i;
            let day = first_day - n;
            (format!("a{n}"), format!("2026-01-{day:02}T10:00:00Z"))
        })
        .collect()
}

fn render(items: &[(String, String)]) -> String {
    let refs: Vec<(&str, &str)> = items
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    listing(&refs)
}

fn page_number(target: &str) -> usize {
    target
        .split("Page=")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

fn stored_ids(config: &Config, name: &str) -> Vec<String> {
    let store = Store::open(&config.store.path).unwrap();
    store
        .entries(name, 1000)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

#[test]
fn backfill_then_poll_page_one_keeping_what_fell_off() {
    // Three pages of three entries; page 4 is empty.
    let site: Arc<Mutex<Pages>> =
        Arc::new(Mutex::new((1..=3).map(|p| page_items(p, 3, 28)).collect()));
    let pages = site.clone();
    let server = Server::start(move |req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        let pages = pages.lock().unwrap();
        let n = page_number(&req.target);
        Resp::html(render(pages.get(n - 1).map(Vec::as_slice).unwrap_or(&[])))
    });
    let (_dir, config) = project(
        FAST,
        &source("news", &server.url("/news/"), "page_param = \"Page\""),
    );
    let first = run_ok(&config);
    assert_eq!(
        server.targets(),
        ["/news/", "/news/?Page=2", "/news/?Page=3", "/news/?Page=4"],
        "the first run walks the archive until an empty page"
    );
    assert_eq!((first[0].pages, first[0].entries), (4, 9));
    let ids_before = stored_ids(&config, "news");
    assert_eq!(ids_before.len(), 9);

    // The site publishes two articles: they push two off page 1 (and everything moves down).
    {
        let mut pages = site.lock().unwrap();
        let mut all: Vec<(String, String)> = vec![
            ("b1".into(), "2026-01-29T10:00:00Z".into()),
            ("b0".into(), "2026-01-29T09:00:00Z".into()),
        ];
        all.extend(pages.concat());
        *pages = all.chunks(3).map(<[_]>::to_vec).collect();
    }
    server.clear();
    let second = run_ok(&config);
    assert_eq!(server.targets(), ["/news/"], "later runs poll only page 1");
    assert_eq!(second[0].stored.new, 2);
    let ids_after = stored_ids(&config, "news");
    assert_eq!(ids_after.len(), 11, "every entry once: {ids_after:?}");
    for id in &ids_before {
        assert!(ids_after.contains(id), "{id} kept its id");
    }
    // The feed has the new entries first and still the ones no longer on page 1.
    let atom = std::fs::read_to_string(config.output.dir.join("news.atom.xml")).unwrap();
    let feed = feed_rs::parser::parse(atom.as_bytes()).unwrap();
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(titles.len(), 11);
    assert_eq!(titles[..3], ["Article b1", "Article b0", "Article a0"]);
    assert_eq!(titles.last().unwrap(), "Article a8");

    // --backfill walks again, and stops at the first page with nothing new.
    server.clear();
    run_with(
        &config,
        &RunOptions {
            backfill: true,
            ..RunOptions::default()
        },
    );
    assert_eq!(server.targets(), ["/news/"]);
}

#[test]
fn pagination_by_next_link_stops_at_a_loop() {
    // Page 2's "next" link points back to page 1: the loop guard stops the walk.
    let server = Server::start(|req: &Req| {
        let next = |href: &str| format!("<a class=\"next\" href=\"{href}\">Older</a>");
        match req.target.as_str() {
            "/robots.txt" => Resp::status(404),
            "/list/" => Resp::html(
                listing(&[("x1", "2026-01-05")])
                    .replace("</ul>", &format!("</ul>{}", next("page/2/"))),
            ),
            "/list/page/2/" => Resp::html(
                listing(&[("x2", "2026-01-04")])
                    .replace("</ul>", &format!("</ul>{}", next("/list/"))),
            ),
            _ => Resp::status(404),
        }
    });
    let src = format!(
        "[[source]]\nname = \"l\"\nurl = \"{}\"\n[source.select]\nitem = \"li.item\"\nnext_page = \"a.next@href\"\n",
        server.url("/list/")
    );
    let (_dir, config) = project(FAST, &src);
    let reports = run_ok(&config);
    assert_eq!(server.targets(), ["/list/", "/list/page/2/"]);
    assert_eq!(reports[0].entries, 2);
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
fn a_failing_site_keeps_the_feed_and_the_store() {
    let up = Arc::new(AtomicUsize::new(1));
    let u = up.clone();
    let server =
        Server::start(
            move |req: &Req| match (req.target.as_str(), u.load(Ordering::SeqCst)) {
                ("/robots.txt", _) => Resp::status(404),
                (_, 1) => Resp::html(listing(&[("a", "2026-01-02"), ("b", "2026-01-01")])),
                (_, _) => Resp::html("<html><body><p>We moved!</p></body></html>"),
            },
        );
    let (dir, _) = project(FAST, &source("site", &server.url("/site/"), ""));
    let out = run_in(dir.path(), &["run", "-c", "tagfeed.toml"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));
    let feed = dir.path().join("feeds/site.rss.xml");
    let published = std::fs::read(&feed).unwrap();
    up.store(0, Ordering::SeqCst); // redesign: no items any more
    let out = run_in(dir.path(), &["run", "-c", "tagfeed.toml"]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("error: site: no entries found"), "{stderr}");
    assert_eq!(std::fs::read(&feed).unwrap(), published);
    let status = run_in(dir.path(), &["status", "-c", "tagfeed.toml"]);
    let (stdout, _) = texts(&status);
    assert_eq!(status.status.code(), Some(1));
    assert!(
        stdout.contains("site  failing since")
            && stdout.contains("(1 failed runs): no entries found"),
        "{stdout}"
    );
    assert!(stdout.contains("2 entries stored"), "{stdout}");
    let json = run_in(dir.path(), &["status", "-c", "tagfeed.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["sources"][0]["status"], "failing");
    assert_eq!(v["sources"][0]["state"]["consecutive_failures"], 1);
}

#[test]
fn overlapping_runs_wait_for_the_lock_or_give_up() {
    let server = Server::start(|req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        Resp::html(listing(&[("a", "2026-01-02")])).delay(Duration::from_millis(1500))
    });
    let (dir, _) = project(
        &format!("{FAST}lock_wait = 0.2\n"),
        &source("slow", &server.url("/slow"), ""),
    );
    let mut first = crate::support::tagfeed()
        .args(["run", "-c", "tagfeed.toml"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first run is talking to the server, so it surely holds the lock.
    while server.hits().is_empty() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = run_in(dir.path(), &["run", "-c", "tagfeed.toml"]);
    let (_, stderr) = texts(&second);
    assert_eq!(second.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("another tagfeed run holds") && stderr.contains("pid"),
        "{stderr}"
    );
    assert!(first.wait().unwrap().success());
    // Once it is done, the next run goes ahead.
    assert_eq!(
        run_in(dir.path(), &["run", "-c", "tagfeed.toml"])
            .status
            .code(),
        Some(0)
    );
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
fn undated_entries_keep_their_date_and_edits_keep_their_id() {
    // No dates on the page at all; the second article's title is edited between runs.
    let edited = Arc::new(AtomicUsize::new(0));
    let e = edited.clone();
    let server = Server::start(move |req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        let second = if e.load(Ordering::SeqCst) == 0 {
            "Second"
        } else {
            "Second (updated)"
        };
        Resp::html(format!(
            "<ul><li class=\"item\"><a href=\"/p/1\">First</a></li>\
             <li class=\"item\"><a href=\"/p/2\">{second}</a></li></ul>"
        ))
    });
    let (dir, config) = project(FAST, &source("u", &server.url("/u/"), ""));
    run_ok(&config);
    let atom_path = dir.path().join("feeds/u.atom.xml");
    let first = std::fs::read_to_string(&atom_path).unwrap();
    // A later run over the same page: same bytes, although the clock moved.
    std::thread::sleep(Duration::from_millis(1100));
    let again = run_ok(&config);
    assert!(
        again[0]
            .files
            .iter()
            .all(|f| f.outcome == WriteOutcome::Unchanged)
    );
    assert_eq!(std::fs::read_to_string(&atom_path).unwrap(), first);

    edited.store(1, Ordering::SeqCst);
    let third = run_ok(&config);
    assert_eq!(third[0].stored.changed, 1);
    let feed = feed_rs::parser::parse(std::fs::read(&atom_path).unwrap().as_slice()).unwrap();
    let second = feed
        .entries
        .iter()
        .find(|e| e.id == server.url("/p/2").as_str())
        .unwrap();
    assert_eq!(second.title.as_ref().unwrap().content, "Second (updated)");
    let before = feed_rs::parser::parse(first.as_bytes()).unwrap();
    let old = before.entries.iter().find(|e| e.id == second.id).unwrap();
    assert!(second.updated > old.updated, "the edit moved atom:updated");
    assert_eq!(feed.entries.len(), 2, "the edit did not add an entry");
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
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}/robots.txt could not be read")),
        "{stderr}"
    );
}
