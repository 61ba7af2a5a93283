//! The scheduler end to end, in `tagfeed serve`: new entries picked up, a broken reload survived,
//! merges rebuilt from the store, what /metrics counts.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::serve::{Daemon, get};
use crate::server::{Req, Resp, Server, listing};
use crate::support::project;

#[test]
fn the_daemon_picks_up_new_entries_and_survives_a_broken_reload() {
    let items = Arc::new(Mutex::new(vec![("first", "2026-01-01")]));
    let shared = items.clone();
    let site = Server::start(move |req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        let list = shared.lock().unwrap().clone();
        Resp::html(listing(&list))
    });
    let source = format!(
        "[fetch]\nmin_delay = 0.01\n[schedule]\nevery = \"1s\"\njitter = 0\n\n[[source]]\nname = \"site\"\nurl = \"{}\"\n[source.select]\nitem = \"li.item\"\n",
        site.url("/news/")
    );
    let dir = project(&source);
    let d = Daemon::start(dir.path(), &[]);
    let wait_for = |what: &str, addr: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = get(addr, "/site.atom.xml");
            if r.status == 200 && r.text().contains(what) {
                return r.text();
            }
            assert!(Instant::now() < deadline, "never served {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    wait_for("Article first", &d.addr);
    // The scheduler's work shows in /metrics: runs, fetches, entries, files.
    let text = get(&d.addr, "/metrics").text();
    for line in [
        "tagfeed_runs_total{outcome=\"ok\"}",
        "tagfeed_fetches_total{outcome=\"2xx\"}",
        "tagfeed_feed_entries{feed=\"site\"} 1",
        "tagfeed_entries_new_total 1",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
    items.lock().unwrap().insert(0, ("second", "2026-01-02"));
    let feed = wait_for("Article second", &d.addr);
    assert!(feed.contains("Article first"), "the old entry stays");

    // A broken config is reported and the old one kept: the feed is still served and refreshed.
    let config = dir.path().join("config/tagfeed.toml");
    let good = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, good.replace("[[source]]", "[[source]]\nbogus = 1")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while !d.log().contains("config reload failed") {
        assert!(Instant::now() < deadline, "no reload error in: {}", d.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        d.log().contains("bogus"),
        "the error names the key: {}",
        d.log()
    );
    items.lock().unwrap().insert(0, ("third", "2026-01-03"));
    wait_for("Article third", &d.addr);
    // A good edit is taken: the new title shows up.
    std::fs::write(
        &config,
        good.replace("name = \"site\"", "name = \"site\"\ntitle = \"Renamed\""),
    )
    .unwrap();
    wait_for("<title>Renamed</title>", &d.addr);
    assert_eq!(d.stop(), Some(0), "SIGTERM stops it cleanly");
    // Nothing half-written: every feed file parses.
    for f in ["site.rss.xml", "site.atom.xml", "site.json"] {
        let bytes = std::fs::read(dir.path().join("feeds").join(f)).unwrap();
        feed_rs::parser::parse(bytes.as_slice()).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_merge_job_builds_from_the_store_without_fetching_its_sources() {
    let site = Server::start(|req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        Resp::html(listing(&[("first", "2026-01-01")]))
    });
    // The source runs hourly, its merge every second.
    let config = format!(
        "[fetch]\nmin_delay = 0.01\n[schedule]\njitter = 0\n\n[[source]]\nname = \"site\"\nurl = \"{}\"\nevery = \"1h\"\n\
         [source.select]\nitem = \"li.item\"\n\n[[merge]]\nname = \"both\"\nsources = [\"site\"]\nevery = \"1s\"\n",
        site.url("/news/")
    );
    let dir = project(&config);
    let d = Daemon::start(dir.path(), &[]);
    let deadline = Instant::now() + Duration::from_secs(30);
    // Four merges, and the source's own first run (slow on a loaded machine) done.
    while d.log().matches("refreshed job=both").count() < 4 || site.targets().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the merge did not run: {}",
            d.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        site.targets(),
        ["/news/"],
        "only the source's own job fetched the listing: {}",
        d.log()
    );
    let merged = get(&d.addr, "/both.atom.xml");
    assert_eq!(merged.status, 200);
    assert!(merged.text().contains("Article first"));
    d.stop();
}
