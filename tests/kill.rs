//! `tagfeed run` killed with SIGKILL mid-run: every feed file still parses, the store passes
//! SQLite's integrity check, and the next run succeeds. (`scripts/kill-soak.sh` does the same
//! a hundred times and more.)

use std::path::Path;
use std::time::{Duration, Instant};

use crate::server::listing;
use crate::support::{tagfeed, texts};

const SOURCES: usize = 60;

/// A project of saved listings; `round` changes every page, so each run has files to write.
fn write_pages(dir: &Path, round: usize) {
    for s in 0..SOURCES {
        let items: Vec<(String, String)> = (0..20)
            .map(|i| {
                let n = round * 3 + i;
                (
                    format!("s{s}-{n}"),
                    format!("2026-{:02}-{:02}", 1 + n / 28 % 12, 1 + n % 28),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = items
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        std::fs::write(dir.join(format!("pages/{s}.html")), listing(&refs)).unwrap();
    }
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("pages")).unwrap();
    let mut config = String::from(
        "[output]\ndir = \"feeds\"\nbase_url = \"https://feeds.example.org/\"\n\
         [store]\npath = \"tagfeed.db\"\n\n",
    );
    for s in 0..SOURCES {
        config.push_str(&format!(
            "[[source]]\nname = \"s{s}\"\npath = \"pages/{s}.html\"\n\
             page_url = \"https://site.example.org/tag/x/\"\n[source.select]\nitem = \"li.item\"\n\n"
        ));
    }
    config.push_str("[[merge]]\nname = \"all\"\ntitle = \"All\"\nsources = [");
    let names: Vec<String> = (0..SOURCES).map(|s| format!("\"s{s}\"")).collect();
    config.push_str(&names.join(", "));
    config.push_str("]\n");
    std::fs::write(dir.path().join("tagfeed.toml"), config).unwrap();
    dir
}

/// Every problem a killed run may have left: feeds that do not parse, a store that fails its
/// integrity check.
fn damage(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir.join("feeds")) {
        for e in entries {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('.') || name.ends_with(".opml") || name == ".gitignore" {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            if feed_rs::parser::parse(bytes.as_slice()).is_err() {
                found.push(format!("{name} does not parse"));
            }
        }
    }
    let db = dir.join("tagfeed.db");
    if db.exists() {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        if check != "ok" {
            found.push(format!("integrity_check: {check}"));
        }
    }
    found
}

fn run(dir: &Path) -> std::process::Child {
    tagfeed()
        .args(["run", "-q", "-c", "tagfeed.toml"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_run_killed_at_any_point_leaves_feeds_that_parse_and_a_sound_store() {
    let dir = project();
    write_pages(dir.path(), 0);
    // How long a whole run takes here, to spread the kills over it.
    let started = Instant::now();
    let out = run(dir.path()).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(&out));
    let whole = started.elapsed();
    for (round, share) in [0.05, 0.2, 0.4, 0.6, 0.8, 0.95].into_iter().enumerate() {
        write_pages(dir.path(), round + 1);
        let mut child = run(dir.path());
        std::thread::sleep(whole.mul_f64(share));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let found = damage(dir.path());
        assert!(found.is_empty(), "killed at {share}: {found:?}");
        let out = run(dir.path()).wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "after the kill at {share}: {:?}",
            texts(&out)
        );
        assert!(damage(dir.path()).is_empty());
    }
    // The temp files of killed runs do not pile up: once stale, the next run sweeps them.
    let temps = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir.path().join("feeds"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".tmp"))
            .collect()
    };
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for t in temps() {
        let f = std::fs::File::options().write(true).open(&t).unwrap();
        f.set_modified(hour_ago).unwrap();
    }
    let out = run(dir.path()).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(temps(), Vec::<std::path::PathBuf>::new());
    assert!(whole < Duration::from_secs(60));
}
