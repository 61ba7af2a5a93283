//! Hostile markup through every field: 207 XSS vectors (tests/fixtures/xss/vectors.json) as
//! titles, summaries, links, categories and feed titles of saved listings. Every output (RSS,
//! Atom, JSON Feed, the `serve` index) is read as a reader or a browser would read it, and any
//! script-capable element, event-handler or `style` attribute, or URL that is not http(s) fails.

use std::path::Path;

use scraper::Html;

use crate::support::{run_in, texts};

fn vectors() -> Vec<String> {
    let text = std::fs::read_to_string(crate::support::fixture("xss/vectors.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Elements that run script, load active content or change how the page is read.
const ACTIVE: &[&str] = &[
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link",
    "style", "svg", "math", "form", "isindex", "template", "noscript", "xml", "portal",
];

/// Attributes that hold a URL.
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "cite",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "codebase",
    "manifest",
    "ping",
    "srcdoc",
    "srcset",
];

/// The scheme a browser sees in `url` (after stripping what it strips), if any.
fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let colon = cleaned.find(':')?;
    let before = &cleaned[..colon];
    (!before.contains(['/', '?', '#'])).then(|| before.to_ascii_lowercase())
}

/// What is wrong with `url` as a link a reader opens: only http(s) (and mailto) are fine.
fn bad_url(url: &str) -> Option<String> {
    match scheme(url).as_deref() {
        Some("http" | "https" | "mailto") => None,
        None if url.trim().is_empty() => None,
        other => Some(format!("URL {url:?} (scheme {other:?})")),
    }
}

/// What is wrong with `html` once a browser has parsed it.
fn bad_html(html: &str) -> Vec<String> {
    bad_elements(&Html::parse_fragment(html), ACTIVE)
}

/// What is wrong with a whole page of ours: its own head (stylesheet, meta, discovery links) is
/// allowed, nothing else that can act.
fn bad_page(html: &str) -> Vec<String> {
    let own_head = ["link", "meta", "style"];
    let active: Vec<&str> = ACTIVE
        .iter()
        .copied()
        .filter(|a| !own_head.contains(a))
        .collect();
    // A page's relative links (`health`) resolve against it: only schemes matter here.
    let relative = |b: &String| b.ends_with("(scheme None)");
    bad_elements(&Html::parse_document(html), &active)
        .into_iter()
        .filter(|b| !relative(b))
        .collect()
}

fn bad_elements(doc: &Html, active: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for el in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        let name = el.value().name();
        if active.contains(&name) {
            found.push(format!("<{name}> element"));
        }
        for (attr, value) in el.value().attrs() {
            let attr = attr.to_ascii_lowercase();
            if attr.starts_with("on") || attr == "style" {
                found.push(format!("{attr}= attribute on <{name}>"));
            }
            if URL_ATTRS.contains(&attr.as_str()) {
                found.extend(bad_url(value));
            }
        }
    }
    found
}

/// Every problem in an RSS or Atom file, read as a feed reader reads it (feed-rs, which does not
/// sanitize): fields whose type is HTML parsed as HTML, every link checked.
fn bad_xml_feed(xml: &str) -> Vec<String> {
    let feed = feed_rs::parser::parse(xml.as_bytes()).expect("the feed parses");
    let mut found = Vec::new();
    let text = |t: &feed_rs::model::Text, what: &str, found: &mut Vec<String>| {
        let subtype = t.content_type.subty().as_str();
        if subtype == "html" || subtype == "xhtml+xml" {
            found.extend(
                bad_html(&t.content)
                    .into_iter()
                    .map(|b| format!("{what}: {b}")),
            );
        }
    };
    if let Some(t) = &feed.title {
        text(t, "feed title", &mut found);
    }
    if let Some(t) = &feed.description {
        text(t, "feed description", &mut found);
    }
    for e in &feed.entries {
        if let Some(t) = &e.title {
            text(t, "title", &mut found);
        }
        if let Some(t) = &e.summary {
            text(t, "summary", &mut found);
        }
        if let Some(c) = &e.content
            && let Some(body) = &c.body
        {
            found.extend(bad_html(body).into_iter().map(|b| format!("content: {b}")));
        }
    }
    let links = feed
        .links
        .iter()
        .chain(feed.entries.iter().flat_map(|e| e.links.iter()));
    for l in links {
        found.extend(bad_url(&l.href).map(|b| format!("link: {b}")));
    }
    found
}

/// Every problem in a JSON Feed: HTML in `content_html`, URLs in every `*url`, `image`, `icon`,
/// `favicon` and `home_page_url`.
fn bad_json_feed(json: &serde_json::Value, key: &str, found: &mut Vec<String>) {
    match json {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                bad_json_feed(v, k, found);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                bad_json_feed(v, key, found);
            }
        }
        serde_json::Value::String(s) => {
            if key == "content_html" {
                found.extend(bad_html(s).into_iter().map(|b| format!("{key}: {b}")));
            }
            if key.ends_with("url") || matches!(key, "image" | "icon" | "favicon" | "banner_image")
            {
                found.extend(bad_url(s).map(|b| format!("{key}: {b}")));
            }
        }
        _ => {}
    }
}

/// Attribute text for the generated pages.
fn attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;")
}

/// A project of one saved listing per vector: the vector is the page's heading (the feed title),
/// and its item's title, summary, link and category, raw as a hostile site would serve them.
fn hostile_project(vectors: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    let mut config =
        String::from("[output]\ndir = \"feeds\"\nbase_url = \"https://feeds.example.org/\"\n\n");
    for (i, v) in vectors.iter().enumerate() {
        let page = format!(
            "<html><head><title>{v}</title></head><body><h1>{v}</h1><ul>\
             <li class=\"item\"><h2><a href=\"{href}\">Item {i} {v}</a></h2>\
             <time>2024-01-02</time><div class=\"sum\">Summary {i}: {v}</div>\
             <span class=\"cat\">{v}</span><span class=\"cat\">tag {i}</span></li>\
             <li class=\"item\"><h2><a href=\"/ok/{i}\">{v}</a></h2><time>2024-01-01</time>\
             <div class=\"sum\">{v}</div></li></ul></body></html>",
            href = attr(v)
        );
        std::fs::write(pages.join(format!("{i}.html")), page).unwrap();
        config.push_str(&format!(
            "[[source]]\nname = \"v{i}\"\npath = \"pages/{i}.html\"\n\
             page_url = \"https://site.example.org/tag/x/\"\n[source.select]\n\
             item = \"li.item\"\ntitle = \"h2\"\nlink = \"h2 a@href\"\ndate = \"time\"\n\
             summary = \"div.sum\"\ncategories = \"span.cat\"\n\n"
        ));
    }
    config.push_str("[[merge]]\nname = \"all\"\ntitle = \"All of them\"\nsources = [");
    let names: Vec<String> = (0..vectors.len()).map(|i| format!("\"v{i}\"")).collect();
    config.push_str(&names.join(", "));
    config.push_str("]\n");
    std::fs::write(dir.path().join("tagfeed.toml"), config).unwrap();
    dir
}

/// Every problem in the feed files of `dir`.
fn bad_outputs(dir: &Path) -> (usize, Vec<String>) {
    let mut found = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut here = Vec::new();
        if name.ends_with(".rss.xml") || name.ends_with(".atom.xml") {
            here = bad_xml_feed(&text);
        } else if name.ends_with(".json") {
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            bad_json_feed(&json, "", &mut here);
        } else {
            continue;
        }
        files += 1;
        found.extend(here.into_iter().map(|b| format!("{name}: {b}")));
    }
    (files, found)
}

#[test]
fn the_checker_catches_what_it_must() {
    assert!(!bad_html("<p onclick=\"x()\">a</p>").is_empty());
    assert!(!bad_html("<a href=\" jav&#x09;ascript:alert(1)\">a</a>").is_empty());
    assert!(!bad_html("<svg><animate onbegin=alert(1)>").is_empty());
    assert!(
        !bad_html("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">").is_empty()
    );
    assert!(
        bad_html("<p><a href=\"https://e.org/\">ok</a> <img src=\"https://e.org/i.png\"></p>")
            .is_empty()
    );
    let rss = "<rss version=\"2.0\"><channel><title>t</title><link>javascript:alert(1)</link>\
               <item><title>i</title><description>&lt;img src=x onerror=alert(1)&gt;</description>\
               </item></channel></rss>";
    // The handler, the relative src (readers need absolute URLs) and the javascript: link.
    assert_eq!(bad_xml_feed(rss).len(), 3, "{:?}", bad_xml_feed(rss));
}

#[test]
fn every_vector_through_every_field_comes_out_inert() {
    let vectors = vectors();
    assert!(vectors.len() >= 200, "{}", vectors.len());
    let dir = hostile_project(&vectors);
    let out = run_in(dir.path(), &["run", "-q", "-c", "tagfeed.toml"]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}",
        texts(&out)
    );
    let (files, found) = bad_outputs(&dir.path().join("feeds"));
    // A vector that leaves an element open (`<script>`, `<textarea>`, a comment) in the page's
    // head swallows its list, as in a browser: that source fails and says so; every other
    // source and the merge publish their three files.
    let (_, stderr) = texts(&out);
    let failed = stderr.lines().filter(|l| l.starts_with("error: v")).count();
    assert!(failed <= 5, "{stderr}");
    assert_eq!(files, 3 * (vectors.len() + 1 - failed), "{stderr}");
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_serve_index_of_hostile_feeds_is_inert() {
    let vectors = vectors();
    let dir = hostile_project(&vectors);
    run_in(dir.path(), &["run", "-q", "-c", "tagfeed.toml"]);
    let d = crate::serve::Daemon::start(dir.path(), &["--no-schedule", "-c", "tagfeed.toml"]);
    let index = crate::serve::get(&d.addr, "/");
    assert_eq!(index.status, 200);
    let html = index.text();
    // Every feed is listed (its title is a vector) and none of them acts.
    assert!(
        html.matches("<tr").count() > vectors.len(),
        "{}",
        html.len()
    );
    let found = bad_page(&html);
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );
    d.stop();
}
