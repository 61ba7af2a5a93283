//! `tagfeed run`: build every source's feeds.

use std::time::SystemTime;

use clap::Args;
use serde_json::json;
use tagfeed::publish::WriteOutcome;
use tagfeed::refresh::{self, Report};

use super::{Exit, Global, load_config, print_json, print_warnings};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Build only this source (repeat for several)
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
    /// Print a JSON report on stdout instead of one line per source
    #[arg(long)]
    pub json: bool,
}

pub fn run(g: &Global, a: &RunArgs) -> anyhow::Result<Exit> {
    let config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if let Some(unknown) = a.only.iter().find(|n| config.source(n).is_none()) {
        let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
        eprintln!(
            "error: --only {unknown}: no source of that name in {}; the sources are: {}",
            g.config.display(),
            names.join(", ")
        );
        return Ok(Exit::Usage);
    }
    let now = SystemTime::now();
    let width = config
        .sources
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    let mut reports = Vec::new();
    let mut failed = 0;
    for source in config
        .sources
        .iter()
        .filter(|s| a.only.is_empty() || a.only.contains(&s.name))
    {
        tracing::info!(source = %source.name, path = %source.path.display(), "refreshing");
        match refresh::refresh_source(&config, source, now) {
            Ok(report) => {
                if !a.json {
                    print_warnings(g, &report.name, &report.warnings);
                    if !g.quiet {
                        println!("{}", summary_line(&report, width));
                    }
                }
                reports.push(json!({"name": source.name, "status": "ok", "report": report}));
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {}: {e}", source.name);
                reports
                    .push(json!({"name": source.name, "status": "failed", "error": e.to_string()}));
            }
        }
    }
    if a.json {
        print_json(&json!({"ok": failed == 0, "failed": failed, "sources": reports}))?;
    }
    Ok(if failed == 0 {
        Exit::Ok
    } else {
        Exit::SourcesFailed
    })
}

fn summary_line(r: &Report, width: usize) -> String {
    let files: Vec<String> = r
        .files
        .iter()
        .map(|f| {
            let what = match f.outcome {
                WriteOutcome::Written => "written",
                WriteOutcome::Unchanged => "unchanged",
            };
            format!("{} {what}", f.format.extension())
        })
        .collect();
    let warn = match r.warnings.len() {
        0 => String::new(),
        1 => ", 1 warning".into(),
        n => format!(", {n} warnings"),
    };
    format!(
        "{:<width$}  {} entries ({} found{warn})  {}",
        r.name,
        r.entries,
        r.found,
        files.join(", ")
    )
}
