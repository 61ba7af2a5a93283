//! Runs against a real server on 127.0.0.1, and what the store makes of them: back-fill over
//! paginated archives, entries kept after they leave page 1, first-seen dates and edits, failing
//! sites, and overlapping runs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tagfeed::publish::WriteOutcome;
use tagfeed::refresh::RunOptions;

use crate::http::{FAST, Pages, page_items, page_number, project, render, source, stored_ids};
use crate::server::{Req, Resp, Server, listing};
use crate::support::{run_in, run_ok, run_with, texts};

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

    // --backfill walks the archive again, whatever page 1 holds, up to the empty page.
    server.clear();
    run_with(
        &config,
        &RunOptions {
            backfill: true,
            ..RunOptions::default()
        },
    );
    assert_eq!(
        server.targets(),
        [
            "/news/",
            "/news/?Page=2",
            "/news/?Page=3",
            "/news/?Page=4",
            "/news/?Page=5"
        ]
    );
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
            && stdout.contains("(1 failed run): no entries found"),
        "{stdout}"
    );
    assert!(stdout.contains("2 entries stored"), "{stdout}");
    let json = run_in(dir.path(), &["status", "-c", "tagfeed.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["sources"][0]["status"], "failing");
    assert_eq!(v["sources"][0]["state"]["consecutive_failures"], 1);
    assert_eq!(v["sources"][0]["state"]["last_item_count"], 2);
    assert!(v["sources"][0]["validators"].is_object(), "{v}");
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
fn backfill_walks_up_to_backfill_pages_whatever_page_one_holds() {
    // Five pages of two entries each, then an empty page.
    let server = Server::start(|req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        let n = page_number(&req.target);
        let items = if n <= 5 {
            page_items(n, 2, 28)
        } else {
            Vec::new()
        };
        Resp::html(render(&items))
    });
    let (dir, _) = project(
        FAST,
        &source(
            "news",
            &server.url("/news/"),
            "page_param = \"Page\"\nbackfill_pages = 1",
        ),
    );
    let run = |args: &[&str]| {
        let out = run_in(dir.path(), &[&["-c", "tagfeed.toml", "run"], args].concat());
        assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));
        texts(&out).0
    };
    run(&[]);
    assert_eq!(server.targets(), ["/news/"], "backfill_pages = 1");
    // The user raises backfill_pages and asks for a back-fill: page 1 holds nothing new, and the
    // walk still goes on to page 3.
    let toml = dir.path().join("tagfeed.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("backfill_pages = 1", "backfill_pages = 3"),
    )
    .unwrap();
    server.clear();
    let stdout = run(&["--backfill"]);
    assert_eq!(
        server.targets(),
        ["/news/", "/news/?Page=2", "/news/?Page=3"],
        "{stdout}"
    );
    assert!(stdout.contains("6 found on 3 pages, 4 new"), "{stdout}");
    // An ordinary run afterwards polls page 1 only.
    server.clear();
    run(&[]);
    assert_eq!(server.targets(), ["/news/"]);
}

#[test]
fn a_corrupt_stored_date_fails_the_source_and_keeps_its_feed() {
    use crate::support::{TEXT_SOURCE, project as seed_project};
    let dir = seed_project(TEXT_SOURCE);
    assert_eq!(run_in(dir.path(), &["run", "-q"]).status.code(), Some(0));
    let atom = dir.path().join("feeds/partnerships.atom.xml");
    let published = std::fs::read(&atom).unwrap();
    // An entry that is no longer on the listing, with its date damaged in the store.
    let txt = dir.path().join("config/samples/partnerships.txt");
    let seed = std::fs::read_to_string(&txt).unwrap();
    let cut = seed
        .find("March 27, 2020")
        .expect("the last entry's date line");
    std::fs::write(&txt, &seed[..cut]).unwrap();
    let db = rusqlite::Connection::open(dir.path().join("config/state/tagfeed.db")).unwrap();
    let id: String = db
        .query_row(
            "SELECT id FROM entries WHERE title LIKE 'European Command%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    db.execute(
        "UPDATE entries SET published = 'not a date' WHERE id = ?1",
        [&id],
    )
    .unwrap();
    drop(db);
    let out = run_in(dir.path(), &["run"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("error: partnerships:")
            && stderr.contains(&id)
            && stderr.contains("published")
            && stderr.contains("not a date"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&atom).unwrap(),
        published,
        "no feed written from a corrupt store"
    );
    // A title no XML feed can carry: the feed is not rendered, and the entry is named.
    let db = rusqlite::Connection::open(dir.path().join("config/state/tagfeed.db")).unwrap();
    db.execute(
        "UPDATE entries SET published = '2020-03-27T00:00:00-04:00', title = 'Bell \u{7} here' \
         WHERE id = ?1",
        [&id],
    )
    .unwrap();
    drop(db);
    let out = run_in(dir.path(), &["run"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!("the title of entry {id} holds the character")),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&atom).unwrap(), published);
    // The same page on the next run is read again, not skipped as published: it still fails.
    let out = run_in(dir.path(), &["run"]);
    assert_eq!(out.status.code(), Some(1), "{:?}", texts(&out));
    assert_eq!(std::fs::read(&atom).unwrap(), published);
}

#[test]
fn a_device_or_a_fifo_as_path_fails_that_source_only_and_at_once() {
    let dir = crate::support::project(&format!(
        "{}\n[[source]]\nname = \"zero\"\npath = \"/dev/zero\"\n\n[[source]]\nname = \"pipe\"\npath = \"pipe\"\n",
        crate::support::TEXT_SOURCE
    ));
    let fifo = std::ffi::CString::new(dir.path().join("config/pipe").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path we own.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let started = std::time::Instant::now();
    let out = run_in(dir.path(), &["run"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        stderr.contains("/dev/zero is a device, not a regular file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pipe is a FIFO (named pipe), not a regular file"),
        "{stderr}"
    );
    assert!(dir.path().join("feeds/partnerships.rss.xml").exists());
}
