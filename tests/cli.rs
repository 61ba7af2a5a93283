//! The `tagfeed` binary as users and cron run it: exit codes, messages, files left alone.

use serde_json::Value;

use crate::support::{HTML_SOURCE, TEXT_SOURCE, fixture, project, run_in, tagfeed, texts};

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["check", "--help"],
        vec!["preview", "--help"],
        vec!["status", "--help"],
        vec!["merge", "--help"],
        vec!["daemon", "--help"],
        vec!["serve", "--help"],
        vec!["suggest", "--help"],
    ] {
        let out = tagfeed().args(&args).output().unwrap();
        let (stdout, _) = texts(&out);
        assert!(out.status.success(), "{args:?}");
        assert!(stdout.contains("Usage: tagfeed"), "{args:?}: {stdout}");
    }
    let out = tagfeed().arg("frobnicate").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "unknown command is a usage error"
    );
}

#[test]
fn run_writes_feeds_and_reports_each_source() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let out = run_in(dir.path(), &["run"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains(
            "partnerships       11 entries (11 found, 11 new)  rss.xml written, atom.xml written"
        ),
        "{stdout}"
    );
    assert!(dir.path().join("feeds/partnerships-html.atom.xml").exists());
    // The last line says where the files went, the folder shown as people write it.
    assert!(
        stdout.ends_with("feeds/: 6 feed files, 6 written; feeds.opml written\n"),
        "{stdout}"
    );
    let again = run_in(dir.path(), &["run"]);
    assert!(
        texts(&again)
            .0
            .ends_with("feeds/: 6 feed files, 0 written; feeds.opml unchanged\n"),
        "{:?}",
        texts(&again)
    );
    assert!(
        texts(&again)
            .0
            .contains("rss.xml unchanged, atom.xml unchanged")
    );
    // In a pipe the lines come in the config's order, whichever source finished first.
    let order: Vec<String> = texts(&again)
        .0
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        order,
        ["partnerships", "partnerships-html", "feeds/:"],
        "{order:?}"
    );
    // -q: nothing at all on success, for cron mail.
    let quiet = run_in(dir.path(), &["run", "-q"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(
        quiet.stdout.is_empty() && quiet.stderr.is_empty(),
        "{:?}",
        texts(&quiet)
    );
}

#[test]
fn bad_config_exits_2_names_the_place_and_writes_nothing() {
    let dir = project(&TEXT_SOURCE.replace(
        "timezone = \"America/New_York\"",
        "timezone = \"America/NewYork\"",
    ));
    let out = run_in(dir.path(), &["run"]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains(
            "config/tagfeed.toml:10:12: source[0].timezone: unknown time zone \"America/NewYork\""
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("feeds").exists(), "nothing written");
    let check = run_in(dir.path(), &["check"]);
    assert_eq!(check.status.code(), Some(2));
    let missing = run_in(dir.path(), &["run", "--config", "nope.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        texts(&missing)
            .1
            .contains("nope.toml: cannot read the config file")
    );
}

#[test]
fn a_failing_source_keeps_its_feed_and_the_others_still_run() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    assert_eq!(run_in(dir.path(), &["run"]).status.code(), Some(0));
    let html_feed = dir.path().join("feeds/partnerships-html.rss.xml");
    let published = std::fs::read(&html_feed).unwrap();
    // The site is redesigned: the item selector matches nothing any more.
    std::fs::write(
        dir.path().join("config/samples/partnerships.html"),
        "<html><body><div class=new></div></body></html>",
    )
    .unwrap();
    // And the text listing is edited, so its feed must change.
    let txt = dir.path().join("config/samples/partnerships.txt");
    let seed = std::fs::read_to_string(&txt).unwrap();
    std::fs::write(&txt, seed.replace("Oct. 9, 2020", "Oct. 10, 2020")).unwrap();
    let out = run_in(dir.path(), &["run"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("error: partnerships-html: no entries found: the item selector \"listing-with-preview\" matched nothing"),
        "{stderr}"
    );
    assert!(stderr.contains("the published feed is kept"), "{stderr}");
    assert_eq!(
        std::fs::read(&html_feed).unwrap(),
        published,
        "old feed untouched"
    );
    assert!(
        stdout.contains("partnerships ") && stdout.contains("rss.xml written"),
        "{stdout}"
    );
    // A missing listing file is a failure too, with the path in the message.
    std::fs::remove_file(&txt).unwrap();
    let out = run_in(dir.path(), &["run", "--only", "partnerships"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(texts(&out).1.contains("cannot read") && texts(&out).1.contains("partnerships.txt"));
}

#[test]
fn only_and_json() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let out = run_in(
        dir.path(),
        &["run", "--only", "partnerships-html", "--json"],
    );
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["sources"].as_array().unwrap().len(), 1);
    let report = &v["sources"][0]["report"];
    assert_eq!(report["entries"], 11);
    assert_eq!(
        report["files"][0]["url"],
        "https://feeds.example.org/partnerships-html.rss.xml"
    );
    assert_eq!(report["files"][0]["outcome"], "written");
    assert!(!dir.path().join("feeds/partnerships.rss.xml").exists());
    let bad = run_in(dir.path(), &["run", "--only", "nato"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        texts(&bad)
            .1
            .contains("--only nato: no source of that name"),
        "{}",
        texts(&bad).1
    );
}

#[test]
fn check_says_what_it_would_write_and_writes_nothing() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let out = run_in(dir.path(), &["check"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("partnerships: text listing"), "{stdout}");
    assert!(
        stdout.contains("11 entries → \"Tag: Partnerships\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("<https://feeds.example.org/partnerships-html.atom.xml>"),
        "{stdout}"
    );
    assert!(!dir.path().join("feeds").exists());
    let json = run_in(dir.path(), &["check", "--json"]);
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["sources"][1]["format"], "html");
}

#[test]
fn preview_shows_entries_as_a_table_or_json() {
    let txt = fixture("listings/partnerships.txt");
    let out = tagfeed().arg("preview").arg(&txt).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("text listing, UTF-8, heading \"Tag: Partnerships\": 11 entries"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  1  2020-10-09 00:00  DOD Uses International Contacts to Help All…"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 13);

    let html = fixture("listings/hfeed-adactio-links.html");
    let out = tagfeed()
        .arg("preview")
        .arg(&html)
        .args([
            "--item",
            "article.h-entry",
            "--title",
            ".p-name",
            "--link",
            ".u-url@href",
        ])
        .args(["--page-url", "https://adactio.com/links/", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["entries"].as_array().unwrap().len(), 20);
    assert_eq!(v["entries"][0]["link"], "https://adactio.com/links/14501");
    assert_eq!(
        v["entries"][0]["date"], "2018-11-08T19:08:33+00:00",
        "<time datetime> by default"
    );

    // Without selectors, preview shows what detection finds.
    let out = tagfeed()
        .arg("preview")
        .arg(&html)
        .args(["--page-url", "https://adactio.com/links/"])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("20 entries") && stdout.contains("found by microformats (h-entry)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("the page links its own feed https://adactio.com/links/rss"),
        "{stderr}"
    );
    // A page with no list at all says so, and how to take control.
    let empty = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        empty.path(),
        "<html><body><p>Just one paragraph.</p></body></html>",
    )
    .unwrap();
    let out = tagfeed().arg("preview").arg(empty.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(texts(&out).1.contains("--item CSS"), "{}", texts(&out).1);
    let out = tagfeed()
        .arg("preview")
        .arg(&html)
        .args(["--item", "div["])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        texts(&out).1.contains("--item: invalid CSS selector"),
        "{}",
        texts(&out).1
    );
}

#[test]
fn preview_uses_a_configured_source() {
    let dir = project(HTML_SOURCE);
    let out = run_in(
        dir.path(),
        &[
            "preview",
            "config/samples/partnerships.html",
            "--source",
            "partnerships-html",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["entries"][4]["date"], "2020-09-30T00:00:00-04:00");
}

#[test]
fn exit_codes_follow_the_kind_of_error() {
    // A store that cannot be opened is not a config error: exit 1, and the message says why.
    let dir = project(TEXT_SOURCE);
    std::fs::create_dir(dir.path().join("config/not-a-db")).unwrap();
    let toml = dir.path().join("config/tagfeed.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("[output]", "[store]\npath = \"not-a-db\"\n\n[output]"),
    )
    .unwrap();
    let out = run_in(dir.path(), &["run"]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot open the store"), "{stderr}");
    // An address already in use: exit 1 with the address named.
    let dir = project(TEXT_SOURCE);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run_in(
        dir.path(),
        &["serve", "--no-schedule", "--listen", addr.as_str()],
    );
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    assert_eq!(stderr.matches("in use").count(), 1, "said once: {stderr}");
    // Config errors stay 2.
    std::fs::write(dir.path().join("config/tagfeed.toml"), "[output]\n").unwrap();
    assert_eq!(run_in(dir.path(), &["run"]).status.code(), Some(2));
    assert_eq!(run_in(dir.path(), &["status"]).status.code(), Some(2));
}
