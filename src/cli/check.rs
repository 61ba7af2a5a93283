//! `tagfeed check`: validate the config and show what a run would write, without writing.

use std::time::SystemTime;

use clap::Args;
use serde_json::json;
use tagfeed::config::Input;
use tagfeed::refresh;
use tagfeed::render::OutputFormat;
use tagfeed::source;

use super::{Exit, Global, load_config, print_json, print_warnings};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print a JSON report on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn check(g: &Global, a: &CheckArgs) -> anyhow::Result<Exit> {
    let config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let now = SystemTime::now();
    let mut failed = 0;
    let mut out = Vec::new();
    if !a.json && !g.quiet {
        println!(
            "{}: valid, {} source(s), feeds go to {} ({})",
            g.config.display(),
            config.sources.len(),
            config.output.dir.display(),
            config.output.base_url
        );
    }
    for s in &config.sources {
        let files: Vec<_> = OutputFormat::ALL
            .iter()
            .map(|f| {
                json!({
                    "format": f,
                    "path": config.output.dir.join(f.file_name(&s.name)),
                    "url": f.self_url(&config.output.base_url, &s.name).as_str(),
                })
            })
            .collect();
        let path = match &s.input {
            Input::Path(p) => p,
            Input::Url(u) => {
                if !a.json && !g.quiet {
                    println!(
                        "{}: fetched from {u} at run time (try `tagfeed preview {u}`)",
                        s.name
                    );
                    print_files(&files);
                }
                out.push(json!({"name": s.name, "status": "not fetched", "url": u.as_str(), "files": files}));
                continue;
            }
        };
        let result = source::read_file(path)
            .map_err(refresh::RefreshError::from)
            .and_then(|loaded| refresh::build(&config, s, &loaded, now.into()));
        match result {
            Ok(built) => {
                if !a.json {
                    print_warnings(g, &s.name, &built.read.normalized.warnings);
                }
                if !a.json && !g.quiet {
                    println!(
                        "{}: {} listing {} ({}): {} entries → \"{}\"",
                        s.name,
                        format!("{:?}", built.read.format).to_lowercase(),
                        path.display(),
                        built.read.encoding,
                        built.feed.entries.len(),
                        built.feed.title
                    );
                    print_files(&files);
                }
                out.push(json!({
                    "name": s.name, "status": "ok", "format": built.read.format,
                    "encoding": built.read.encoding, "title": built.feed.title,
                    "found": built.found, "entries": built.feed.entries.len(),
                    "warnings": built.read.normalized.warnings, "files": files,
                }));
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {}: {e}", s.name);
                out.push(json!({"name": s.name, "status": "failed", "error": e.to_string(), "files": files}));
            }
        }
    }
    if a.json {
        print_json(&json!({"ok": failed == 0, "config": g.config, "sources": out}))?;
    }
    Ok(if failed == 0 {
        Exit::Ok
    } else {
        Exit::SourcesFailed
    })
}

/// The files a source will have, and where they are published.
fn print_files(files: &[serde_json::Value]) {
    for f in files {
        println!(
            "  {} <{}>",
            f["path"].as_str().unwrap_or_default(),
            f["url"].as_str().unwrap_or_default()
        );
    }
}
