//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use std::sync::Arc;

use tagfeed::config::{self, Config};
use tagfeed::fetch::Fetcher;
use tagfeed::model::Entry;
use tagfeed::normalize::Ids;
use tagfeed::pipeline::{self, PageContext, Read};
use tagfeed::refresh;
use tagfeed::refresh::{Outcome, Report, RunOptions};
use tagfeed::source::{self, Input};
use tagfeed::store::Store;

/// A file under tests/fixtures/.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// The built `tagfeed` binary.
pub fn tagfeed() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tagfeed"))
}

/// Runs `tagfeed` with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    tagfeed()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tagfeed")
}

/// stdout and stderr of a finished command, for assertions and failure messages.
pub fn texts(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A project folder: `config/tagfeed.toml` with `[output]` pointing at `feeds/` plus the given
/// source tables, and the two seed listings copied into `config/samples/`.
pub fn project(sources: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("config/samples");
    std::fs::create_dir_all(&samples).unwrap();
    for f in ["partnerships.txt", "partnerships.html"] {
        std::fs::copy(fixture(&format!("listings/{f}")), samples.join(f)).unwrap();
    }
    let config = format!(
        "[output]\ndir = \"../feeds\"\nbase_url = \"https://feeds.example.org/\"\n\n{sources}"
    );
    std::fs::write(dir.path().join("config/tagfeed.toml"), config).unwrap();
    dir
}

/// The seed listing as a text source.
pub const TEXT_SOURCE: &str = r#"
[[source]]
name = "partnerships"
path = "samples/partnerships.txt"
page_url = "https://www.defense.gov/News/Tag/2/partnerships/"
timezone = "America/New_York"
"#;

/// The seed entries as defense.gov's HTML.
pub const HTML_SOURCE: &str = r#"
[[source]]
name = "partnerships-html"
path = "samples/partnerships.html"
page_url = "https://www.defense.gov/News/Tag/2/partnerships/"
timezone = "America/New_York"
[source.select]
item = "listing-with-preview"
title = "@article-title"
link = "@article-url"
date = "@publish-date-ap"
summary = "@article-summary"
"#;

/// Reads one source of a config the way `tagfeed run` does, returning entries in page order.
pub fn read_source(config: &Config, name: &str) -> Read {
    let s = config
        .source(name)
        .unwrap_or_else(|| panic!("no source {name}"));
    let Input::Path(path) = &s.input else {
        panic!("{name} is not a file source")
    };
    let loaded = source::read_file(path, 10_000_000).unwrap();
    let at = PageContext::at("2026-11-28T12:00:00Z".parse().unwrap());
    pipeline::read_page(s, &loaded, &mut Ids::default(), at).unwrap()
}

/// Loads tests/fixtures/listings/sources.toml.
pub fn corpus_config() -> Config {
    config::load(&fixture("listings/sources.toml")).unwrap()
}

/// Titles of entries, for compact assertions.
pub fn titles(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.title.as_str()).collect()
}

/// Runs every source of `config` once, as `tagfeed run` does, with `opts`.
pub fn run_with(config: &Config, opts: &RunOptions) -> Vec<Outcome> {
    let mut store = Store::open(&config.store.path).unwrap();
    let fetcher = Arc::new(Fetcher::new(config.fetch.clone()).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt.block_on(refresh::run(config, &mut store, fetcher, opts, |_| {}));
    report.opml.expect("feeds.opml written");
    report.outcomes
}

/// Runs every source once and returns the reports, failing the test on any error.
pub fn run_ok(config: &Config) -> Vec<Report> {
    run_with(config, &RunOptions::default())
        .into_iter()
        .map(|o| o.result.unwrap_or_else(|e| panic!("{}: {e}", o.name)))
        .collect()
}
