//! `tagfeed check`: validate the config and show what a run would write, without writing.

use std::time::SystemTime;

use clap::Args;
use serde_json::json;
use tagfeed::config::{Config, FeedFile};
use tagfeed::model::Warning;
use tagfeed::pipeline::{self, PipelineError};
use tagfeed::source::{self, Input, Source};

use super::out::{errln, outln};
use super::{Exit, Global, load_config, print_json, print_warnings};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print a JSON report on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn check(g: &Global, a: &CheckArgs) -> anyhow::Result<Exit> {
    let config = load_config(g)?;
    let now = SystemTime::now();
    let mut failed = 0;
    let mut out = Vec::new();
    let human = !a.json && !g.quiet;
    if human {
        outln!(
            "{}: valid, {} source(s), {} merge(s), feeds go to {} ({})",
            g.config.display(),
            config.sources.len(),
            config.merges.len(),
            super::shown(&config.output.dir),
            config.output.base_url
        );
    }
    if !g.quiet && is_example(&config.output.base_url) {
        errln!(
            "warning: base_url {} is an example address (RFC 2606): feed readers find no feed \
             there; set it to the public URL of {}",
            config.output.base_url,
            super::shown(&config.output.dir)
        );
    }
    for s in &config.sources {
        let (report, ok) = check_source(g, a, &config, s, now);
        failed += usize::from(!ok);
        out.push(report);
    }
    let merges = merges(&config, human);
    let opml = files_json(std::iter::once(config.output.opml()));
    if human {
        outln!("feeds.opml: the list of every feed");
        print_files(&opml);
    }
    if a.json {
        print_json(&json!({
            "ok": failed == 0, "config": g.config, "sources": out, "merges": merges,
            "opml": opml[0],
        }))?;
    }
    Ok(if failed == 0 { Exit::Ok } else { Exit::Failed })
}

/// Reads one source's saved listing as a run would, and says what it would write.
fn check_source(
    g: &Global,
    a: &CheckArgs,
    config: &Config,
    s: &Source,
    now: SystemTime,
) -> (serde_json::Value, bool) {
    let human = !a.json && !g.quiet;
    let files = files_json(config.output.files(&s.name));
    let path = match &s.input {
        Input::Path(p) => p,
        Input::Url(u) => {
            if human {
                outln!(
                    "{}: fetched from {u} at run time; to see what it gives now: {}",
                    s.name,
                    preview_command(g, &s.name)
                );
                print_files(&files);
            }
            let report =
                json!({"name": s.name, "status": "not fetched", "url": u.as_str(), "files": files});
            return (report, true);
        }
    };
    let built = source::read_file(path, config.fetch.max_body)
        .map_err(anyhow::Error::from)
        .and_then(|loaded| {
            pipeline::build(config, s, &loaded, now.into()).map_err(|e: PipelineError| e.into())
        });
    let built = match built {
        Ok(b) => b,
        Err(e) => {
            errln!("error: {}: {e}", s.name);
            let report =
                json!({"name": s.name, "status": "failed", "error": e.to_string(), "files": files});
            return (report, false);
        }
    };
    let mut built = built;
    if let Some(why) = s.pagination_ignored() {
        built.read.normalized.warnings.push(Warning::page(why));
    }
    let read = &built.read;
    if !a.json {
        print_warnings(g, &s.name, &read.normalized.warnings);
    }
    if human {
        outln!(
            "{}: {} listing {} ({}): {} entries → {:?}",
            s.name,
            format!("{:?}", read.format).to_lowercase(),
            super::shown(path),
            read.encoding,
            built.feed.entries.len(),
            built.feed.title
        );
        print_files(&files);
    }
    let report = json!({
        "name": s.name, "status": "ok", "format": read.format,
        "encoding": read.encoding, "title": built.feed.title,
        "found": read.listing.entries.len(), "entries": built.feed.entries.len(),
        "warnings": read.normalized.warnings, "files": files,
    });
    (report, true)
}

/// Whether `url` is on a name reserved for examples (`example.org`, `feeds.example.com`, `x.test`…):
/// a config still holding `init`'s placeholder.
fn is_example(url: &url::Url) -> bool {
    let host = url.host_str().unwrap_or_default().trim_end_matches('.');
    ["example.org", "example.com", "example.net"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        || [".example", ".test", ".invalid", ".localhost"]
            .iter()
            .any(|t| host.ends_with(t))
}

/// The command that previews source `name` as configured, runnable as printed.
fn preview_command(g: &Global, name: &str) -> String {
    format!("{} preview --source {name}", super::command(g))
}

/// What each merge will write (merges are built from the store, so there is nothing to read).
fn merges(config: &Config, human: bool) -> Vec<serde_json::Value> {
    config
        .merges
        .iter()
        .map(|m| {
            let files = files_json(config.output.files(&m.name));
            if human {
                let inputs: Vec<String> = m
                    .sources
                    .iter()
                    .cloned()
                    .chain(m.feeds.iter().map(ToString::to_string))
                    .collect();
                outln!("{}: merge of {} → {:?}", m.name, inputs.join(", "), m.title);
                print_files(&files);
            }
            json!({"name": m.name, "title": m.title, "files": files})
        })
        .collect()
}

fn files_json(files: impl Iterator<Item = FeedFile>) -> Vec<serde_json::Value> {
    files
        .map(|f| json!({"format": f.format, "path": f.path, "url": f.url.as_str()}))
        .collect()
}

/// The files a feed will have, and where they are published.
fn print_files(files: &[serde_json::Value]) {
    for f in files {
        outln!(
            "  {} <{}>",
            super::shown(std::path::Path::new(f["path"].as_str().unwrap_or_default())),
            f["url"].as_str().unwrap_or_default()
        );
    }
}
