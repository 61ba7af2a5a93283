//! Messages that help: config errors, failed pages, selectors that match nothing, merges of
//! feeds with relative links.

use serde_json::Value;

use crate::support::{HTML_SOURCE, TEXT_SOURCE, fixture, project, run_in, tagfeed, texts};

use super::TAG_PAGE;

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

#[test]
fn config_errors_come_all_at_once_in_words_a_user_knows() {
    let broken = TEXT_SOURCE.replace(
        "timezone = \"America/New_York\"",
        "timezone = \"America/NewYork\"\nmax_items = \"fifty\"\nsumary = \"x\"",
    ) + "\n[fetch]\ntimeout = \"30s\"\nretry_delay = \"soon\"\n";
    let dir = project(&broken);
    let out = run_in(dir.path(), &["check"]);
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
    let out = run_in(dir.path(), &["run", "-c", "tagfeed.toml"]);
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
    let out = run_in(dir.path(), &["preview", "--source", "partnerships-html"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("html listing") && stdout.contains("11 entries"),
        "{stdout}"
    );
    let none = run_in(dir.path(), &["preview"]);
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
    let out = run_in(dir.path(), &["check", "-c", "my conf/feeds.toml"]);
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

#[test]
fn the_same_warning_on_many_items_is_one_line() {
    // This listing's 20 links are relative, and preview has no address for them.
    let listing = fixture("listings/hfeed-adactio-links.html");
    let out = tagfeed()
        .args(["preview", listing.to_str().unwrap()])
        .output()
        .unwrap();
    let (_, stderr) = texts(&out);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains("item 1 and 19 more (to item 20): link"),
        "{stderr}"
    );
    assert!(warnings[0].contains("set `page_url`"), "{stderr}");
}
