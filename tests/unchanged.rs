//! A run that changes nothing costs nothing: a page whose bytes and settings are what was last
//! published is neither parsed nor stored nor written again (the performance guard, as counts).
//! A change to the page, to the source's settings or a missing feed file reads it again.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use tagfeed::config;
use tagfeed::publish::WriteOutcome;
use tagfeed::refresh::Report;

use crate::http::{FAST, project as http_project, source as http_source};
use crate::server::{Req, Resp, Server};
use crate::support::{HTML_SOURCE, project, run_ok};

fn written(r: &Report) -> usize {
    r.files
        .iter()
        .filter(|f| f.outcome == WriteOutcome::Written)
        .count()
}

fn mtimes(dir: &Path) -> Vec<SystemTime> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .collect()
}

#[test]
fn an_unchanged_saved_page_is_not_parsed_and_nothing_is_written() {
    let dir = project(HTML_SOURCE);
    let toml = dir.path().join("config/tagfeed.toml");
    let feeds = dir.path().join("feeds");
    let load = || config::load(&toml).unwrap();

    let first = run_ok(&load());
    assert_eq!((first[0].pages, written(&first[0])), (1, 3));
    let before = mtimes(&feeds);

    let again = run_ok(&load());
    let r = &again[0];
    assert!(r.unchanged, "{r:?}");
    assert_eq!((r.pages, r.found, written(r)), (0, 0, 0), "nothing parsed");
    assert_eq!(r.files.len(), 3, "the files are still listed");
    assert_eq!(r.entries, first[0].entries);
    assert_eq!(mtimes(&feeds), before, "no feed file touched");

    // A setting the feed depends on: read again, and the feed follows.
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace(
            "name = \"partnerships-html\"",
            "name = \"partnerships-html\"\ntitle = \"Renamed\"",
        ),
    )
    .unwrap();
    let renamed = run_ok(&load());
    assert!(!renamed[0].unchanged);
    assert_eq!((renamed[0].pages, written(&renamed[0])), (1, 3));

    // A feed file that went missing is written again.
    std::fs::remove_file(feeds.join("partnerships-html.atom.xml")).unwrap();
    let restored = run_ok(&load());
    assert_eq!(restored[0].pages, 1);
    assert!(feeds.join("partnerships-html.atom.xml").is_file());

    // The page itself changes: read again; the same items make the same files.
    let page = dir.path().join("config/samples/partnerships.html");
    let mut html = std::fs::read(&page).unwrap();
    html.extend_from_slice(b"\n<!-- rebuilt -->\n");
    std::fs::write(&page, html).unwrap();
    let touched = run_ok(&load());
    assert!(!touched[0].unchanged);
    assert_eq!(touched[0].pages, 1, "the new bytes were parsed");
    assert_eq!(
        (touched[0].stored.new, touched[0].stored.changed),
        (0, 0),
        "read against the stored entries"
    );
    assert_eq!(touched[0].entries, first[0].entries);
}

#[test]
fn an_unchanged_fetched_page_is_not_parsed_again() {
    let hits = Arc::new(AtomicUsize::new(0));
    let items = Arc::new(AtomicUsize::new(2));
    let (h, n) = (hits.clone(), items.clone());
    let server = Server::start(move |req: &Req| {
        if req.target == "/robots.txt" {
            return Resp::status(404);
        }
        h.fetch_add(1, Ordering::SeqCst);
        // No validators: the server cannot answer 304, so only the bytes tell.
        let lis: String = (1..=n.load(Ordering::SeqCst))
            .rev()
            .map(|i| {
                format!(
                    "<li class=\"item\"><a href=\"/p/{i}\">Item {i}</a> \
                     <time datetime=\"2026-01-{i:02}\">{i} Jan</time></li>"
                )
            })
            .collect();
        Resp::html(format!("<ul>{lis}</ul>"))
    });
    let (_dir, config) = http_project(FAST, &http_source("u", &server.url("/u/"), ""));
    let first = run_ok(&config);
    assert_eq!((first[0].pages, written(&first[0])), (1, 3));
    let again = run_ok(&config);
    assert!(again[0].unchanged, "{:?}", again[0]);
    assert_eq!((again[0].pages, written(&again[0])), (0, 0));
    assert_eq!(again[0].entries, 2, "the feed's entries are still reported");
    assert_eq!(hits.load(Ordering::SeqCst), 2, "page 1 was still fetched");

    // A new item: page 1 is read (once: not fetched again to read it) and the feed grows.
    items.store(3, Ordering::SeqCst);
    let third = run_ok(&config);
    assert_eq!(
        (third[0].pages, third[0].stored.new, third[0].entries),
        (1, 1, 3)
    );
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}
