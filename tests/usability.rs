//! The rough edges a new user meets (issue 12): pipes, colours, messages and what each command
//! prints. Every test runs the binary as a user would.

use std::process::{Output, Stdio};

use serde_json::Value;

use crate::support::{HTML_SOURCE, TEXT_SOURCE, fixture, project, tagfeed, texts};

/// Runs tagfeed in `dir` with its stdout's reader already gone, as in `tagfeed … | head -1` once
/// head has exited.
fn with_stdout_closed(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut child = tagfeed()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let listing = fixture("listings/hfeed-adactio-links.html");
    let listing = listing.to_str().unwrap();
    let feed = fixture("feeds/feed-rs-atom-atom_example_1.xml");
    let feed = feed.to_str().unwrap();
    let commands: [&[&str]; 9] = [
        &["--help"],
        &["check"],
        &["check", "--json"],
        &["run"],
        &["status"],
        &["preview", listing],
        &["preview", listing, "--json"],
        &["suggest", listing],
        &[
            "merge",
            feed,
            "-o",
            "-",
            "--self-url",
            "https://me.example/m.xml",
        ],
    ];
    for args in commands {
        let out = with_stdout_closed(dir.path(), args);
        let (_, stderr) = texts(&out);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
    // The run itself was not cut short by its reader going away.
    assert!(dir.path().join("feeds/partnerships.rss.xml").exists());
}

#[test]
fn logs_are_coloured_only_when_asked_or_on_a_terminal() {
    let dir = project(TEXT_SOURCE);
    let logs = |extra: &[&str]| {
        let mut args = vec!["run", "-v"];
        args.extend_from_slice(extra);
        let out = tagfeed()
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        texts(&out).1
    };
    // In a pipe (as here) plain text.
    let plain = logs(&[]);
    assert!(plain.contains("file read"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    assert!(!logs(&["--color", "never"]).contains('\u{1b}'));
    let coloured = logs(&["--color", "always"]);
    assert!(coloured.contains("\u{1b}["), "{coloured:?}");
    // NO_COLOR does not override an explicit --color always, and auto stays plain in a pipe.
    let out = tagfeed()
        .args(["run", "-v"])
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!texts(&out).1.contains('\u{1b}'));
}

#[test]
fn verbose_says_what_happened_to_a_file_source() {
    let dir = project(TEXT_SOURCE);
    let first = tagfeed()
        .args(["run", "-v"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (_, stderr) = texts(&first);
    assert!(
        stderr.contains("file read") && stderr.contains("entries=11"),
        "{stderr}"
    );
    let again = tagfeed()
        .args(["run", "-v"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (_, stderr) = texts(&again);
    assert!(
        stderr.contains("file unchanged since the last run"),
        "{stderr}"
    );
}

/// A WordPress-style RSS feed whose item links, and the links in its summaries, are relative;
/// `channel_link` is its `<link>` element, if any.
fn relative_feed(channel_link: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>WP</title>{channel_link}<description>d</description>
<item><title>One</title><link>/2024/01/one/</link><guid isPermaLink="false">p1</guid>
<pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate>
<description><![CDATA[<p>See <a href="/about/">about</a> <img src="img/x.png"></p>]]></description></item>
<item><title>Two</title><link>2024/01/two/</link><pubDate>Tue, 02 Jan 2024 10:00:00 +0000</pubDate></item>
</channel></rss>"#
    )
}

/// Merges `inputs` to stdout as JSON Feed and returns the feed and stderr.
fn merge_json(dir: &std::path::Path, inputs: &[&str], extra: &[&str]) -> (Value, String) {
    let mut args = vec!["merge", "-o", "-", "--format", "json"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(extra);
    let out = tagfeed().args(&args).current_dir(dir).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    (serde_json::from_str(&stdout).unwrap(), stderr)
}

fn item_urls(feed: &Value) -> Vec<&str> {
    let items = feed["items"].as_array().unwrap();
    items
        .iter()
        .map(|i| i["url"].as_str().unwrap_or("none"))
        .collect()
}

#[test]
fn merge_resolves_relative_links_as_feed_readers_do() {
    let dir = tempfile::tempdir().unwrap();
    let me = ["--self-url", "https://me.example/m.json"];
    // The feed's own <link> is the site its relative links belong to.
    std::fs::write(
        dir.path().join("wp.xml"),
        relative_feed("<link>https://blog.example.com/</link>"),
    )
    .unwrap();
    let (feed, stderr) = merge_json(dir.path(), &["wp.xml"], &me);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(
        item_urls(&feed),
        [
            "https://blog.example.com/2024/01/two/",
            "https://blog.example.com/2024/01/one/"
        ]
    );
    let summary = feed["items"][1]["content_html"].as_str().unwrap();
    assert!(
        summary.contains(r#"href="https://blog.example.com/about/""#)
            && summary.contains(r#"src="https://blog.example.com/img/x.png""#),
        "{summary}"
    );
    // A feed with no address of its own: --base-url gives one; without it, the advice says so.
    std::fs::write(dir.path().join("bare.xml"), relative_feed("")).unwrap();
    let (feed, _) = merge_json(
        dir.path(),
        &["bare.xml"],
        &[&me[..], &["--base-url", "https://other.example/blog/"]].concat(),
    );
    assert_eq!(
        item_urls(&feed),
        [
            "https://other.example/blog/2024/01/two/",
            "https://other.example/2024/01/one/"
        ]
    );
    let (_, stderr) = merge_json(dir.path(), &["bare.xml"], &me);
    assert!(stderr.contains("pass --base-url"), "{stderr}");
    assert!(!stderr.contains("page_url"), "{stderr}");
}

#[test]
fn merge_to_stdout_never_names_a_device_as_the_feed_address() {
    let feed = fixture("feeds/feed-rs-atom-atom_example_1.xml");
    let out = tagfeed()
        .args(["merge", feed.to_str().unwrap(), "-o", "-"])
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("--self-url"), "{stderr}");
    assert!(!stderr.contains("/dev/stdout"));
}

/// Every path `check --json` says a run would write.
fn paths_check_lists(dir: &std::path::Path) -> Vec<String> {
    let out = tagfeed()
        .args(["check", "--json"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = |feeds: &Value| -> Vec<String> {
        let feeds = feeds.as_array().unwrap();
        let files = feeds
            .iter()
            .flat_map(|f| f["files"].as_array().unwrap().clone());
        files
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    let mut paths = files(&v["sources"]);
    paths.extend(files(&v["merges"]));
    paths.push(v["opml"]["path"].as_str().unwrap().to_string());
    let mut names: Vec<String> = paths
        .iter()
        .map(|p| p.rsplit('/').next().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn check_lists_exactly_the_files_a_run_writes() {
    let merge =
        "\n[[merge]]\nname = \"everything\"\nsources = [\"partnerships\", \"partnerships-html\"]\n";
    let config = format!("{TEXT_SOURCE}{HTML_SOURCE}{merge}");
    for formats in [
        "",
        "formats = [\"atom\"]\n",
        "formats = [\"json\", \"rss\"]\n",
    ] {
        let dir = project(&config);
        let toml = dir.path().join("config/tagfeed.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        let text = text.replacen("[output]\n", &format!("[output]\n{formats}"), 1);
        std::fs::write(&toml, text).unwrap();
        let listed = paths_check_lists(dir.path());
        assert!(!dir.path().join("feeds").exists(), "check wrote nothing");
        let run = tagfeed()
            .arg("run")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", texts(&run).1);
        let mut written: Vec<String> = std::fs::read_dir(dir.path().join("feeds"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        assert_eq!(listed, written, "{formats}");
    }
}

#[test]
fn status_only_reads_and_is_quiet_when_asked() {
    let dir = project(TEXT_SOURCE);
    let out = tagfeed()
        .arg("status")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (stdout, _) = texts(&out);
    assert!(stdout.contains("partnerships  never run"), "{stdout}");
    let quiet = tagfeed()
        .args(["status", "-q"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(quiet.stdout.is_empty(), "{:?}", texts(&quiet));
    assert_eq!(
        quiet.status.code(),
        out.status.code(),
        "-q changes the words, not the answer"
    );
    // Nothing was created beside the config: no store, no lock, no feed folder.
    let mut made: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    made.sort();
    assert_eq!(made, ["config"]);
    assert_eq!(
        std::fs::read_dir(dir.path().join("config"))
            .unwrap()
            .count(),
        2
    );
}

#[test]
fn config_errors_come_all_at_once_in_words_a_user_knows() {
    let broken = TEXT_SOURCE.replace(
        "timezone = \"America/New_York\"",
        "timezone = \"America/NewYork\"\nmax_items = \"fifty\"\nsumary = \"x\"",
    ) + "\n[fetch]\ntimeout = \"30s\"\nretry_delay = \"soon\"\n";
    let dir = project(&broken);
    let out = tagfeed()
        .arg("check")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 4, "{stderr}");
    for e in &errors {
        assert!(e.starts_with("error: config/tagfeed.toml:"), "{e}");
    }
    assert!(stderr.contains("source[0].timezone: unknown time zone \"America/NewYork\"\n  help: did you mean \"America/New_York\"?"), "{stderr}");
    assert!(
        stderr.contains(
            "source[0].max_items: expected a whole number, e.g. 50; found string \"fifty\""
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("source[0].sumary: unknown key `sumary`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fetch.retry_delay: expected a duration"),
        "{stderr}"
    );
    // "30s" was fine: durations take text as well as seconds.
    assert!(!stderr.contains("fetch.timeout"), "{stderr}");
    for internal in ["untagged", "i64", "variant"] {
        assert!(!stderr.contains(internal), "{stderr}");
    }
}

#[test]
fn a_failed_page_2_is_named_with_its_address_and_keeps_page_1() {
    use crate::http::{FAST, page_items, render};
    use crate::server::{Resp, Server};
    let server = Server::start(|req| {
        if req.target.contains("Page=2") {
            Resp::status(404)
        } else {
            Resp::html(render(&page_items(1, 5, 28)))
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[output]\ndir = \"feeds\"\nbase_url = \"https://f.example/\"\n{FAST}\n{}",
        crate::http::source(
            "news",
            &server.url("/news/"),
            "page_param = \"Page\"\nmax_pages = 3"
        )
    );
    std::fs::write(dir.path().join("tagfeed.toml"), config).unwrap();
    let out = tagfeed()
        .args(["run", "-c", "tagfeed.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let page2 = server.url("/news/?Page=2");
    assert!(
        stderr.contains(&format!(
            "warning: news: page 2 failed, the walk stops there: {page2} answered HTTP 404"
        )),
        "{stderr}"
    );
    assert!(
        stdout.contains("news  5 entries (5 found, 5 new, 1 warning)"),
        "{stdout}"
    );
}

/// A small tag page: three posts with tags, and a next-page link written with spaces around it.
const TAG_PAGE: &str = r#"<!DOCTYPE html><html><head><title>Tag x</title></head><body>
<nav><a href="/">Home</a><a href="/about/">About</a></nav><main>
<article class="post"><h2><a href="/one/">One</a></h2><time datetime="2024-03-03">3 March</time>
  <a rel="tag" href="/tag/rust/">rust</a><a rel="tag" href="/tag/cli/">cli</a><p>First.</p></article>
<article class="post"><h2><a href="/two/">Two</a></h2><time datetime="2024-03-02">2 March</time>
  <a rel="tag" href="/tag/rust/">rust</a><p>Second.</p></article>
<article class="post"><h2><a href="/three/">Three</a></h2><time datetime="2024-03-01">1 March</time>
  <a rel="tag" href="/tag/web/">web</a><p>Third.</p></article>
</main><a class="next" href="  /tag/x/page/2/  ">Older posts</a></body></html>"#;

#[test]
fn preview_shows_categories_and_the_next_page_and_says_what_matched_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tag.html"), TAG_PAGE).unwrap();
    let base = [
        "preview",
        "tag.html",
        "--page-url",
        "https://blog.example/tag/x/",
    ];
    let fields = ["--categories", "a[rel=tag]", "--next-page", "a.next@href"];
    let run = |extra: &[&str]| {
        let args = [&base[..], extra].concat();
        let out = tagfeed()
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (stdout, stderr) = texts(&out);
        (out.status.code(), stdout, stderr)
    };
    let (code, stdout, stderr) = run(&[&["--item", "article.post"], &fields[..]].concat());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("CATEGORIES"), "{stdout}");
    assert!(stdout.contains("rust, cli"), "{stdout}");
    assert!(
        stdout.contains("next page: https://blog.example/tag/x/page/2/\n"),
        "{stdout}"
    );
    let (_, json, _) = run(&[&["--item", "article.post", "--json"], &fields[..]].concat());
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["next_page"], "https://blog.example/tag/x/page/2/");
    assert_eq!(
        v["entries"][0]["categories"],
        serde_json::json!(["rust", "cli"])
    );
    assert_eq!(v["selectors"][0]["matches"], 3);
    // A misspelt item selector: exit 1, with the selector that would match and the page's lists.
    let (code, stdout, stderr) = run(&["--item", "div.post"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.contains("0 entries"), "{stdout}");
    assert!(
        stderr.contains("error: tag.html: item selector \"div.post\" matches nothing on the page"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean \".post\"? It matches 3 elements"),
        "{stderr}"
    );
    assert!(
        stderr.contains("lists on the page: article.post (3)"),
        "{stderr}"
    );
    // A field that matches in no item: the table still shows, the exit is 1, the hint is inside.
    let (code, stdout, stderr) = run(&["--item", "article.post", "--date", "tme@datetime"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.contains("3 entries"), "{stdout}");
    assert!(
        stderr.contains("did you mean \"time@datetime\"? It matches in 3 items"),
        "{stderr}"
    );
}

#[test]
fn preview_source_alone_reads_that_sources_own_listing() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let out = tagfeed()
        .args(["preview", "--source", "partnerships-html"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("html listing") && stdout.contains("11 entries"),
        "{stdout}"
    );
    let none = tagfeed()
        .arg("preview")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2), "{:?}", texts(&none));
}

#[test]
fn the_preview_command_check_suggests_works_as_written() {
    use crate::server::{Resp, Server, listing};
    let server =
        Server::start(|_| Resp::html(listing(&[("a", "2026-01-02"), ("b", "2026-01-01")])));
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("my conf")).unwrap();
    let config = format!(
        "[output]\nbase_url = \"https://f.example/\"\n{}\n{}",
        crate::http::FAST,
        crate::http::source("news", &server.url("/news/"), "")
    );
    std::fs::write(dir.path().join("my conf/feeds.toml"), config).unwrap();
    let out = tagfeed()
        .args(["check", "-c", "my conf/feeds.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let command = stdout
        .lines()
        .find_map(|l| l.split_once("to see what it gives now: "))
        .map(|(_, c)| c.to_string())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(
        command,
        "tagfeed -c 'my conf/feeds.toml' preview --source news"
    );
    // Run it as a shell would.
    let shell = std::process::Command::new("sh")
        .arg("-c")
        .arg(command.replacen("tagfeed", env!("CARGO_BIN_EXE_tagfeed"), 1))
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&shell);
    assert_eq!(shell.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("2 entries"), "{stdout}");
}

#[test]
fn pagination_on_a_saved_file_is_said_to_need_a_url() {
    let paged = format!("{HTML_SOURCE}next_page = \"a.next@href\"\n");
    let dir = project(&paged);
    for command in ["check", "run"] {
        let out = tagfeed()
            .arg(command)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (_, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(
            stderr.contains(
                "warning: partnerships-html: select.next_page ignored: a saved file is read alone"
            ),
            "{command}: {stderr}"
        );
        assert!(stderr.contains("give the listing's `url`"), "{stderr}");
    }
}

/// Spawns tagfeed in `dir`, returns the first stdout line (within 20 s) and the child.
fn first_line(dir: &std::path::Path, args: &[&str]) -> (String, std::process::Child) {
    use std::io::BufRead as _;
    let mut child = tagfeed()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .unwrap_or_default();
    (line, child)
}

#[test]
fn serve_prints_its_address_on_stdout_even_when_quiet() {
    let dir = project(TEXT_SOURCE);
    let (line, mut child) = first_line(
        dir.path(),
        &["serve", "-q", "--no-schedule", "--listen", "localhost:0"],
    );
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let rest = texts(&out);
    let addr = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|l| l.strip_suffix("/\n"))
        .unwrap_or_else(|| panic!("{line:?} {rest:?}"));
    assert!(addr.parse::<u16>().is_ok_and(|p| p > 0), "{line:?}");
    assert!(rest.0.is_empty() && rest.1.is_empty(), "{rest:?}");
    let bad = tagfeed()
        .args(["serve", "--listen", "nonsense"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{:?}", texts(&bad));
    assert!(
        texts(&bad).1.contains("localhost:8080"),
        "{:?}",
        texts(&bad)
    );
}

#[test]
fn the_daemon_logs_one_line_per_refresh_by_default() {
    let dir = project(&format!("{TEXT_SOURCE}\n[schedule]\nevery = 3600\n"));
    let mut child = tagfeed()
        .args(["daemon", "--color", "never"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !dir.path().join("feeds/feeds.opml").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.try_wait();
    let out = child.wait_with_output().unwrap();
    let (_, stderr) = texts(&out);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("refreshed")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    for field in [
        "job=partnerships",
        "entries=11",
        "new=11",
        "files_written=3",
        "next_run=20",
    ] {
        assert!(lines[0].contains(field), "{field}: {stderr}");
    }
    assert!(
        !stderr.contains("file read"),
        "page detail waits for -v: {stderr}"
    );
}

#[test]
fn init_writes_a_starter_config_that_passes_check_and_never_overwrites() {
    use crate::server::{Resp, Server};
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = tagfeed()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (stdout, stderr) = texts(&out);
        (out.status.code(), stdout, stderr)
    };
    let (code, stdout, stderr) = run(&["init"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("wrote config/tagfeed.toml"), "{stdout}");
    let (code, _, stderr) = run(&["check"]);
    assert_eq!(code, Some(0), "{stderr}");
    let before = std::fs::read(dir.path().join("config/tagfeed.toml")).unwrap();
    let (code, _, stderr) = run(&["init"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("never overwrites"), "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("config/tagfeed.toml")).unwrap(),
        before
    );
    // With a URL: the source is the one `suggest` detects, and a run builds its feed.
    let server = Server::start(|req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        _ => Resp::html(TAG_PAGE),
    });
    let url = server.url("/tag/x/");
    let (code, _, stderr) = run(&["init", "-c", "site.toml", url.as_str()]);
    assert_eq!(code, Some(0), "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("site.toml")).unwrap();
    assert!(text.contains(&format!("url = \"{url}\"")), "{text}");
    let (code, stdout, stderr) = run(&["run", "-c", "site.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("3 entries"), "{stdout}");
}

#[test]
fn a_source_removed_from_the_config_is_kept_until_forgotten() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let run = |args: &[&str]| {
        let out = tagfeed()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (stdout, stderr) = texts(&out);
        (out.status.code(), stdout, stderr)
    };
    assert_eq!(run(&["run"]).0, Some(0));
    let toml = dir.path().join("config/tagfeed.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, text.replace(HTML_SOURCE, "")).unwrap();
    let (code, _, stderr) = run(&["run"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning: partnerships-html is no longer in the config; 11 stored entries and its files \
             feeds/partnerships-html.rss.xml, feeds/partnerships-html.atom.xml, feeds/partnerships-html.json \
             are kept. `tagfeed forget partnerships-html` removes them"
        ),
        "{stderr}"
    );
    assert!(
        dir.path().join("feeds/partnerships-html.rss.xml").exists(),
        "a run never removes"
    );
    let (_, json, _) = run(&["run", "--json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["orphans"][0]["name"], "partnerships-html");
    assert_eq!(v["orphans"][0]["entries"], 11);
    // forget refuses what the config still has, and names what it does not know.
    assert_eq!(run(&["forget", "partnerships"]).0, Some(2));
    assert_eq!(run(&["forget", "never-was"]).0, Some(1));
    let (code, stdout, stderr) = run(&["forget", "partnerships-html"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with(
            "partnerships-html: forgot 11 stored entries, removed feeds/partnerships-html.rss.xml"
        ),
        "{stdout}"
    );
    assert!(!dir.path().join("feeds/partnerships-html.rss.xml").exists());
    assert!(
        dir.path().join("feeds/partnerships.rss.xml").exists(),
        "the others stay"
    );
    let (_, _, stderr) = run(&["run"]);
    assert!(!stderr.contains("no longer in the config"), "{stderr}");
}

#[test]
fn the_readme_config_reference_is_a_valid_config() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## Config reference").expect("the section")..];
    let block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a toml block");
    let config = tagfeed::config::parse(block).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.sources.len(), 2);
    assert_eq!(config.merges.len(), 1);
    // Every table it shows is the one a run reads.
    assert!(config.sources[0].select.is_some() || config.sources[0].preset.is_some());
}

#[test]
fn completions_and_the_man_page_cover_every_command() {
    let commands = [
        "run",
        "check",
        "preview",
        "suggest",
        "status",
        "merge",
        "daemon",
        "serve",
        "init",
        "forget",
        "completions",
        "man",
    ];
    let out = tagfeed().arg("man").output().unwrap();
    let man = texts(&out).0;
    assert!(man.contains(".TH tagfeed 1"), "{man}");
    for c in commands {
        assert!(
            man.contains(&format!("tagfeed\\-{c}(1)")),
            "{c} missing from the man page"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let out = tagfeed().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let script = texts(&out).0;
        for c in commands {
            assert!(script.contains(c), "{shell}: {c}");
        }
        assert!(script.contains("config"), "{shell}");
    }
    // The bash script is valid bash.
    let out = tagfeed().args(["completions", "bash"]).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tagfeed.bash");
    std::fs::write(&path, &out.stdout).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output();
    match check {
        Ok(check) => assert!(check.status.success(), "{:?}", texts(&check)),
        Err(e) => eprintln!("bash not found ({e}); the completion script was not syntax-checked"),
    }
}
