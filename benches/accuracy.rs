//! How well tagfeed reads listing pages it was given no selectors for: `cargo bench --bench
//! accuracy`. Not part of CI (the test suite asserts a subset exactly, in tests/detection.rs).
//!
//! Every page of `benches/accuracy/pages/` (saved pages with hand-written expected items, see its
//! README) is read the way a source without `[source.select]` is, and compared with the expected
//! items: item-link precision, recall and F1, title exact-match rate (of the items found), date
//! accuracy (the right calendar day, of the items found that show a date), and the method used.
//!
//! Options (after `--`): `--page NAME` (only pages whose name contains NAME), `--verbose` (list
//! missed and extra links), `--features FILE` (write every candidate list's features and label as
//! CSV, for `benches/accuracy/fit.py`).

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;
use tagfeed::detect;
use tagfeed::normalize::{Ids, id};
use tagfeed::pipeline::{self, PageContext};
use tagfeed::source::{Input, Loaded, Source, charset};
use tagfeed::text::plain;
use url::Url;

/// One labelled page.
struct Page {
    name: String,
    html: Vec<u8>,
    expected: Value,
}

/// The labelled pages of `benches/accuracy/{set}` ("pages": the set the weights are fitted on;
/// "heldout": never used to fit or tune), those whose name contains `filter`.
fn pages(set: &str, filter: Option<&str>) -> Vec<Page> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/accuracy")
        .join(set);
    let Ok(listing) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut names: Vec<PathBuf> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|p| {
            let name = p
                .file_name()?
                .to_string_lossy()
                .replace(".expected.json", "");
            if filter.is_some_and(|f| !name.contains(f)) {
                return None;
            }
            let gz = std::fs::read(dir.join(format!("{name}.html.gz"))).ok()?;
            let mut html = Vec::new();
            flate2::read::GzDecoder::new(gz.as_slice())
                .read_to_end(&mut html)
                .ok()?;
            let expected = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            Some(Page {
                name,
                html,
                expected,
            })
        })
        .collect()
}

/// A link as compared: canonical (no fragment, no tracking parameters).
fn key(url: &str) -> Option<String> {
    Url::parse(url).ok().map(|u| id::canonical(&u).to_string())
}

/// What one page scored.
#[derive(Default)]
struct Score {
    method: String,
    confidence: f64,
    expected: usize,
    found: usize,
    hits: usize,
    titles_right: usize,
    dated: usize,
    dates_right: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        if self.found == 0 {
            f64::from(u8::from(self.expected == 0))
        } else {
            self.hits as f64 / self.found as f64
        }
    }
    fn recall(&self) -> f64 {
        if self.expected == 0 {
            f64::from(u8::from(self.found == 0))
        } else {
            self.hits as f64 / self.expected as f64
        }
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn now() -> DateTime<Utc> {
    "2026-11-28T12:00:00Z".parse().expect("a date")
}

/// Reads `page` as a source without selectors would be read, and scores it.
fn score(page: &Page, verbose: bool) -> Score {
    let page_url = page.expected["page_url"]
        .as_str()
        .and_then(|u| Url::parse(u).ok());
    let mut source = Source::new("page", Input::Path(PathBuf::from(&page.name)));
    source.page_url = page_url;
    let loaded = Loaded {
        bytes: page.html.clone(),
        charset: None,
        modified: None,
        url: None,
    };
    let items = page.expected["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut s = Score {
        expected: items.len(),
        ..Score::default()
    };
    let read = match pipeline::read_page(
        &source,
        &loaded,
        &mut Ids::default(),
        PageContext::at(now()),
    ) {
        Ok(r) => r,
        Err(e) => {
            s.method = format!("none ({e})").chars().take(40).collect();
            return s;
        }
    };
    if let Some(d) = &read.detection {
        s.method = d.method.to_string();
        s.confidence = d.confidence;
    }
    let got: Vec<_> = read
        .normalized
        .entries
        .iter()
        .filter_map(|e| Some((key(e.link.as_ref()?.as_str())?, e)))
        .collect();
    s.found = got.len();
    let mut seen = HashSet::new();
    for item in &items {
        let Some(want) = item["link"].as_str().and_then(key) else {
            continue;
        };
        let Some((_, e)) = got.iter().find(|(k, _)| *k == want) else {
            if verbose {
                println!("    missed {want}");
            }
            continue;
        };
        seen.insert(want);
        s.hits += 1;
        let title = item["title"].as_str().map(plain).unwrap_or_default();
        if plain(&e.title) == title {
            s.titles_right += 1;
        } else if verbose {
            println!("    title {:?} ≠ {:?}", e.title, title);
        }
        if let Some(day) = item["day"].as_str() {
            s.dated += 1;
            let ours = e.published.map(|d| d.date_naive().to_string());
            if ours.as_deref() == Some(day) {
                s.dates_right += 1;
            } else if verbose {
                println!("    date {ours:?} ≠ {day} ({:?})", item["date"]);
            }
        }
    }
    if verbose {
        for (k, _) in got.iter().filter(|(k, _)| !seen.contains(k)) {
            println!("    extra {k}");
        }
    }
    s
}

impl Page {
    /// Its address, its parsed HTML and its expected item links (canonical).
    fn parsed(&self) -> (Option<Url>, scraper::Html, HashSet<String>) {
        let page_url = self.expected["page_url"]
            .as_str()
            .and_then(|u| Url::parse(u).ok());
        let text = charset::decode(&self.html, None).text;
        let expected = self.expected["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["link"].as_str().and_then(key))
            .collect();
        (page_url, scraper::Html::parse_document(&text), expected)
    }
}

/// The F1 of the links `got` against the `expected` ones.
fn f1(got: &HashSet<String>, expected: &HashSet<String>) -> f64 {
    let hits = got.intersection(expected).count() as f64;
    2.0 * hits / (got.len() + expected.len()).max(1) as f64
}

/// Writes one CSV row per candidate list: page, label (its links' F1 with the expected ≥ 0.8),
/// F1, features.
fn dump_features(pages: &[Page], path: &Path) -> std::io::Result<()> {
    let mut out = std::fs::File::create(path)?;
    writeln!(out, "page,label,f1,{}", detect::FEATURES.join(","))?;
    for page in pages {
        let (page_url, doc, expected) = page.parsed();
        for (features, links) in detect::training_rows(&doc, page_url.as_ref()) {
            let got: HashSet<String> = links.iter().filter_map(|l| key(l.as_str())).collect();
            let f1 = f1(&got, &expected);
            let values: Vec<String> = features.iter().map(|v| format!("{v:.5}")).collect();
            writeln!(
                out,
                "{},{},{f1:.4},{}",
                page.name,
                u8::from(f1 >= 0.8),
                values.join(",")
            )?;
        }
    }
    Ok(())
}

/// Prints the best generic candidates of each page: score, F1 against the expected items, item
/// selector.
fn candidates(pages: &[Page]) {
    for page in pages {
        println!("{}", page.name);
        let (page_url, doc, expected) = page.parsed();
        for d in detect::generic(&doc, page_url.as_ref(), 8) {
            let listing = tagfeed::extract::with_recipe(&doc, &d.recipe);
            let base = tagfeed::normalize::base_url(&listing, page_url.as_ref());
            let got: HashSet<String> = listing
                .entries
                .iter()
                .filter_map(|e| {
                    let l = tagfeed::model::web_url(e.link.as_deref()?, base.as_ref()).ok()?;
                    key(l.as_str())
                })
                .collect();
            let f1 = f1(&got, &expected);
            println!(
                "  {:.3} F1 {f1:.2} ({:>3}) {}",
                d.confidence,
                got.len(),
                d.describe()
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let verbose = args.iter().any(|a| a == "--verbose");
    let fitted = pages("pages", value("--page"));
    if args.iter().any(|a| a == "--candidates") {
        candidates(&fitted);
        candidates(&pages("heldout", value("--page")));
        return;
    }
    if let Some(path) = value("--features") {
        // Only the fitting set: the held-out pages must never reach the weights.
        dump_features(&fitted, Path::new(path)).expect("writing the features");
        println!("features of {} pages written to {path}", fitted.len());
        return;
    }
    report(
        "the labelled set (benches/accuracy/pages, the weights are fitted on it)",
        &fitted,
        verbose,
    );
    let heldout = pages("heldout", value("--page"));
    if !heldout.is_empty() {
        report(
            "held out (benches/accuracy/heldout, never used to fit the weights)",
            &heldout,
            verbose,
        );
    }
}

/// Sums over the pages of one set.
#[derive(Default)]
struct Totals {
    listings: usize,
    sums: [f64; 3],
    hits: usize,
    titles: usize,
    dated: usize,
    dates: usize,
    negatives: usize,
    left_alone: usize,
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "-".to_string()
    } else {
        format!("{:.0}%", 100.0 * a as f64 / b as f64)
    }
}

/// Prints one row per page of a set and its totals.
fn report(title: &str, pages: &[Page], verbose: bool) {
    println!("\n{title}\n");
    println!(
        "{:<48} {:<10} {:<24} {:>5} {:>4} {:>4} {:>5} {:>5} {:>5} {:>6} {:>6}",
        "page", "kind", "method", "conf", "exp", "got", "P", "R", "F1", "title", "date"
    );
    let mut t = Totals::default();
    for page in pages {
        let kind = page.expected["kind"].as_str().unwrap_or("?");
        if verbose {
            println!("{}", page.name);
        }
        let s = score(page, verbose);
        println!(
            "{:<48} {:<10} {:<24} {:>5.2} {:>4} {:>4} {:>5.2} {:>5.2} {:>5.2} {:>6} {:>6}",
            page.name.chars().take(48).collect::<String>(),
            kind,
            s.method.chars().take(24).collect::<String>(),
            s.confidence,
            s.expected,
            s.found,
            s.precision(),
            s.recall(),
            s.f1(),
            pct(s.titles_right, s.hits),
            pct(s.dates_right, s.dated),
        );
        if kind == "listing" {
            t.listings += 1;
            t.sums[0] += s.precision();
            t.sums[1] += s.recall();
            t.sums[2] += s.f1();
            t.hits += s.hits;
            t.titles += s.titles_right;
            t.dated += s.dated;
            t.dates += s.dates_right;
        } else {
            t.negatives += 1;
            t.left_alone += usize::from(s.found == 0);
        }
    }
    let n = t.listings.max(1) as f64;
    println!(
        "\n{} listings: macro P {:.3}  R {:.3}  F1 {:.3}; titles right {:.1} % of {} found; \
         dates right {:.1} % of {} found with a date",
        t.listings,
        t.sums[0] / n,
        t.sums[1] / n,
        t.sums[2] / n,
        100.0 * t.titles as f64 / t.hits.max(1) as f64,
        t.hits,
        100.0 * t.dates as f64 / t.dated.max(1) as f64,
        t.dated,
    );
    println!(
        "{} of {} non-listing pages left alone (no items)",
        t.left_alone, t.negatives
    );
}
