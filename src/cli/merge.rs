//! `tagfeed merge INPUT… -o FILE`: an ad hoc merge of feed files and URLs, without a config.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use tagfeed::config::FetchSettings;
use tagfeed::extract::feed::{self, ParsedFeed};
use tagfeed::fetch::{Fetcher, Request, Response};
use tagfeed::filter::Filter;
use tagfeed::merge;
use tagfeed::model::{Feed, Provenance};
use tagfeed::normalize::date::{self, DateRules};
use tagfeed::publish::{self, WriteOutcome};
use tagfeed::render::{self, OutputFormat};
use url::Url;

use super::{Exit, Global};

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Feed files or URLs (RSS 0.9x/1.0/2.0, Atom, JSON Feed)
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Where to write the merged feed ("-" for stdout)
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Output format; default from the file name (.json → json, .atom.xml/.atom → atom, else rss)
    #[arg(long, value_parser = ["rss", "atom", "json"])]
    pub format: Option<String>,
    /// Title of the merged feed
    #[arg(long, default_value = "Merged feed")]
    pub title: String,
    /// Keep at most this many entries, newest first
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_items: u32,
    /// Public URL the merged feed will live at (its self link); default: the output file's file: URL
    #[arg(long, value_name = "URL")]
    pub self_url: Option<Url>,
    /// Keep only entries matching this regular expression (repeatable)
    #[arg(long, value_name = "REGEX")]
    pub include: Vec<regex::Regex>,
    /// Drop entries matching this regular expression (repeatable)
    #[arg(long, value_name = "REGEX")]
    pub exclude: Vec<regex::Regex>,
    /// Drop entries dated before this (e.g. 2020-01-01)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
}

fn format_for(a: &MergeArgs) -> OutputFormat {
    if let Some(f) = a.format.as_deref().and_then(|f| f.parse().ok()) {
        return f;
    }
    let name = a.output.to_string_lossy();
    if name.ends_with(".json") {
        OutputFormat::Json
    } else if name.ends_with(".atom.xml") || name.ends_with(".atom") {
        OutputFormat::Atom
    } else {
        OutputFormat::Rss
    }
}

pub fn merge(g: &Global, a: &MergeArgs) -> anyhow::Result<Exit> {
    let since = match a
        .since
        .as_deref()
        .map(|s| date::parse(s, &DateRules::default()))
    {
        Some(Err(e)) => {
            eprintln!("error: --since {:?}: {e}", a.since.as_deref().unwrap_or(""));
            return Ok(Exit::Usage);
        }
        Some(Ok(d)) => Some(d),
        None => None,
    };
    let filter = Filter {
        include: a.include.clone(),
        exclude: a.exclude.clone(),
        since,
    };
    let fetcher = Fetcher::new(FetchSettings::default())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let now = chrono::Utc::now();
    let mut inputs = Vec::new();
    let mut failed = 0;
    for input in &a.inputs {
        match runtime.block_on(read(&fetcher, input, now)) {
            Ok((parsed, feed_url)) => {
                if !g.quiet {
                    for w in &parsed.warnings {
                        eprintln!("warning: {input}: {w}");
                    }
                }
                inputs.push(merge::Input {
                    provenance: Provenance {
                        title: parsed.title.clone().unwrap_or_else(|| input.clone()),
                        feed_url: feed_url.or(parsed.self_url.clone()),
                        home: parsed.home.clone(),
                    },
                    entries: parsed.entries,
                });
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {e:#}");
            }
        }
    }
    if inputs.is_empty() {
        eprintln!("error: no input could be read; nothing written");
        return Ok(Exit::SourcesFailed);
    }
    let entries = merge::merge(inputs, &filter, a.max_items as usize);
    let format = format_for(a);
    let self_url = match &a.self_url {
        Some(u) => u.clone(),
        None => file_url(&a.output)?,
    };
    let feed = Feed {
        name: "merge".into(),
        title: a.title.clone(),
        description: format!(
            "{}: merged by tagfeed from {} feeds",
            a.title,
            a.inputs.len()
        ),
        home_page: None,
        author: a.title.clone(),
        entries,
    };
    let body = render::render(&feed, format, &self_url);
    if a.output.as_os_str() == "-" {
        print!("{body}");
    } else {
        let outcome = publish::write_if_changed(&a.output, body.as_bytes())?;
        if !g.quiet {
            let what = match outcome {
                WriteOutcome::Written => "written",
                WriteOutcome::Unchanged => "unchanged",
            };
            println!(
                "{}: {} entries, {what}",
                a.output.display(),
                feed.entries.len()
            );
        }
    }
    Ok(if failed == 0 {
        Exit::Ok
    } else {
        Exit::SourcesFailed
    })
}

fn file_url(path: &std::path::Path) -> anyhow::Result<Url> {
    if path.as_os_str() == "-" {
        return Url::parse("file:///dev/stdout").context("file URL");
    }
    let abs = std::path::absolute(path).context("resolving the output path")?;
    Url::from_file_path(&abs)
        .map_err(|()| anyhow::anyhow!("{} has no file: URL; pass --self-url", abs.display()))
}

/// Reads one input: a URL fetched politely (robots.txt honoured), or a file.
async fn read(
    fetcher: &Fetcher,
    input: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(ParsedFeed, Option<Url>)> {
    match Url::parse(input) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            let settings = fetcher.settings();
            let req = Request {
                url: &url,
                user_agent: &settings.user_agent,
                timeout: settings.timeout,
                validators: None,
                respect_robots: true,
            };
            let Response::Page(page) = fetcher.get(req).await? else {
                anyhow::bail!("{url}: unexpected 304 Not Modified");
            };
            Ok((
                feed::parse(&page.bytes, input, Some(&page.url), now)?,
                Some(url),
            ))
        }
        _ => {
            let bytes = std::fs::read(input).with_context(|| {
                format!("cannot read {input}; give a feed file or an http(s) URL")
            })?;
            Ok((feed::parse(&bytes, input, None, now)?, None))
        }
    }
}
