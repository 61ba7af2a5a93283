//! `tagfeed run`: refresh every source and write the feeds that changed.

use std::io::IsTerminal;
use std::sync::Arc;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use tagfeed::fetch::Fetcher;
use tagfeed::publish::WriteOutcome;
use tagfeed::refresh::{self, Kind, Outcome, Report, RunOptions};
use tagfeed::render::opml;
use tagfeed::store::Store;

use super::out::{errln, outln};
use super::{
    Exit, Global, UsageError, load_config, lock, name_width, print_json, print_warnings, runtime,
};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Refresh only this source or merge (repeat for several). A merge is rebuilt from what is
    /// stored and reads its external feeds; its sources are fetched only when named too
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
    /// Walk the archive's older pages again (up to each source's backfill_pages)
    #[arg(long)]
    pub backfill: bool,
    /// Print a JSON report on stdout instead of one line per source
    #[arg(long)]
    pub json: bool,
    /// Publish this source even with far fewer items than its last good run (the
    /// layout-change guard: min_items, min_ratio); repeat for several
    #[arg(long, value_name = "NAME")]
    pub force: Vec<String>,
}

pub fn run(g: &Global, a: &RunArgs) -> anyhow::Result<Exit> {
    let config = load_config(g)?;
    let known: Vec<&str> = config.feed_names().collect();
    let sources: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
    for (flag, names, among) in [("only", &a.only, &known), ("force", &a.force, &sources)] {
        if let Some(unknown) = names.iter().find(|n| !among.contains(&n.as_str())) {
            return Err(UsageError(format!(
                "--{flag} {unknown}: no source of that name in {}; they are: {}",
                g.config.display(),
                among.join(", ")
            ))
            .into());
        }
    }
    let _lock = lock(&config)?;
    let mut store = Store::open(&config.store.path)?;
    let fetcher = Arc::new(Fetcher::new(config.fetch.clone())?);
    let opts = RunOptions {
        only: a.only.clone(),
        backfill: a.backfill,
        force: a.force.clone(),
    };
    let selected = if opts.only.is_empty() {
        config.sources.len() + config.external_feeds().len() + config.merges.len()
    } else {
        opts.only.len()
    };
    let bar = progress_bar(g, a, selected);
    let width = name_width(&config);
    // On a terminal each line shows as its source finishes; elsewhere (cron, pipes) all lines
    // come at the end in the config's order, so two identical runs print the same.
    let live = std::io::stdout().is_terminal();
    let report = runtime()?.block_on(refresh::run(&config, &mut store, fetcher, &opts, |o| {
        bar.inc(1);
        if live {
            bar.suspend(|| print_outcome(g, a, o, width));
        }
    }));
    bar.finish_and_clear();
    if !live {
        report
            .outcomes
            .iter()
            .for_each(|o| print_outcome(g, a, o, width));
    }
    let failed = report.failed();
    if let Err(e) = &report.opml {
        errln!("error: {}: {e}", opml::FILE);
    }
    if !g.quiet && !a.json {
        outln!("{}", where_files_went(&config, &report));
    }
    // Feeds gone from the config keep their history until `forget`; say so, never act on it.
    let orphans = match g.quiet && !a.json {
        true => Vec::new(),
        false => refresh::orphans(&config, &store).unwrap_or_else(|e| {
            errln!("warning: cannot look for feeds gone from the config: {e}");
            Vec::new()
        }),
    };
    if !a.json {
        for o in &orphans {
            errln!("warning: {}", orphan_line(g, o));
        }
    }
    if a.json {
        let sources: Vec<_> = report
            .outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(r) => json!({"name": o.name, "kind": o.kind, "status": "ok", "report": r}),
                Err(e) => json!({"name": o.name, "kind": o.kind, "status": "failed", "error": e.to_string()}),
            })
            .collect();
        let opml = match &report.opml {
            Ok((path, outcome)) => json!({"path": path, "outcome": outcome}),
            Err(e) => json!({"error": e.to_string()}),
        };
        let orphans: Vec<_> = orphans
            .iter()
            .map(|o| json!({"name": o.name, "entries": o.entries, "files": o.files}))
            .collect();
        print_json(&json!({
            "ok": failed == 0, "failed": failed, "sources": sources, "opml": opml,
            "orphans": orphans,
        }))?;
    }
    Ok(if failed == 0 { Exit::Ok } else { Exit::Failed })
}

/// The run's last line: where the files are and how many were written,
/// `feeds/: 9 files, 3 written (feeds.opml unchanged)`.
fn where_files_went(config: &tagfeed::config::Config, report: &refresh::RunReport) -> String {
    let files = report
        .outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .flat_map(|r| &r.files);
    let (mut total, mut written) = (0, 0);
    for f in files {
        total += 1;
        written += usize::from(f.outcome == WriteOutcome::Written);
    }
    let opml = match &report.opml {
        Ok((_, WriteOutcome::Written)) => format!("{} written", opml::FILE),
        Ok((_, WriteOutcome::Unchanged)) => format!("{} unchanged", opml::FILE),
        Err(_) => format!("{} failed", opml::FILE),
    };
    let dir = super::shown(&config.output.dir);
    let dir = dir.trim_end_matches('/');
    format!("{dir}/: {total} feed files, {written} written; {opml}")
}

/// What is kept of a feed gone from the config, and how to remove it.
fn orphan_line(g: &Global, o: &refresh::Orphan) -> String {
    let mut kept = Vec::new();
    if o.entries > 0 {
        kept.push(format!("{} stored entries", o.entries));
    }
    if !o.files.is_empty() {
        let files: Vec<String> = o.files.iter().map(|f| super::shown(f)).collect();
        kept.push(format!("its files {}", files.join(", ")));
    }
    if kept.is_empty() {
        kept.push("its run state".into());
    }
    format!(
        "{} is no longer in the config; {} are kept. `{} forget {}` removes them",
        o.name,
        kept.join(" and "),
        super::command(g),
        o.name
    )
}

/// A progress bar on stderr for interactive runs only: never under cron, `-q`, `--json` or a pipe.
fn progress_bar(g: &Global, a: &RunArgs, sources: usize) -> ProgressBar {
    if g.quiet || a.json || sources < 2 || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(sources as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} sources {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn print_outcome(g: &Global, a: &RunArgs, o: &Outcome, width: usize) {
    match &o.result {
        Ok(r) => {
            if !a.json {
                print_warnings(g, &r.name, &r.warnings);
                if !g.quiet {
                    outln!("{}", summary_line(o.kind, r, width));
                }
            }
        }
        Err(e) => errln!("error: {}: {e}", o.name),
    }
}

fn summary_line(kind: Kind, r: &Report, width: usize) -> String {
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
    let read = if r.not_modified {
        "not modified, 304".to_string()
    } else if r.unchanged {
        "page unchanged".to_string()
    } else if kind == Kind::Merge {
        format!("merged from {} input entries", r.found)
    } else {
        let pages = if r.pages > 1 {
            format!(" on {} pages", r.pages)
        } else {
            String::new()
        };
        let warn = match r.warnings.len() {
            0 => String::new(),
            1 => ", 1 warning".into(),
            n => format!(", {n} warnings"),
        };
        format!("{} found{pages}, {} new{warn}", r.found, r.stored.new)
    };
    let name = match kind {
        Kind::Feed => format!("feed {}", r.name),
        _ => r.name.clone(),
    };
    format!(
        "{name:<width$}  {} entries ({read})  {}",
        r.entries,
        files.join(", ")
    )
    .trim_end()
    .to_string()
}
