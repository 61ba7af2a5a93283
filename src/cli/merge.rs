//! `tagfeed merge INPUT… -o FILE`: an ad hoc merge of feed files and URLs, without a config.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use tagfeed::config::Merge;
use tagfeed::date::{self, DateRules};
use tagfeed::fetch::{FetchSettings, Fetcher, Overrides, Response};
use tagfeed::filter::Filter;
use tagfeed::merge;
use tagfeed::model::{Feed, OutputFormat, Provenance, Warning};
use tagfeed::normalize::Ids;
use tagfeed::pipeline;
use tagfeed::publish::{self, WriteOutcome};
use tagfeed::render;
use tagfeed::source::{self as input, Input};
use url::Url;

use super::out::{errln, out, outln};
use super::{Exit, Global, UsageError, runtime};

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Feed files or URLs (RSS 0.9x/1.0/2.0, Atom, JSON Feed)
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Where to write the merged feed ("-" for stdout)
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Output format; default from the file name (.json → json, .atom.xml/.atom → atom, else rss)
    #[arg(long = "output-format", alias = "format", value_name = "FORMAT", value_parser = ["rss", "atom", "json"])]
    pub format: Option<String>,
    /// Title of the merged feed
    #[arg(long, default_value = "Merged feed")]
    pub title: String,
    /// Keep at most this many entries, newest first
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_items: u32,
    /// Public URL the merged feed will live at (its self link and id); default: the output
    /// file's file: URL. Needed with `-o -`
    #[arg(long, value_name = "URL")]
    pub self_url: Option<Url>,
    /// Address relative links in feed files resolve against (after xml:base; without it, the
    /// feed's own <link>, then its self link); URL inputs use the address they were fetched from
    #[arg(long, value_name = "URL")]
    pub base_url: Option<Url>,
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
    if a.output.as_os_str() == "-" && a.self_url.is_none() {
        return Err(UsageError(
            "-o - needs --self-url URL: the address readers will fetch the merged feed from \
             (its self link and id); a file output defaults to its file: URL"
                .into(),
        )
        .into());
    }
    let mut spec = spec(a)?;
    let now = chrono::Utc::now();
    let mut inputs = Vec::new();
    let mut failed = 0;
    for (arg, read) in a
        .inputs
        .iter()
        .zip(read_all(&a.inputs, a.base_url.as_ref(), now)?)
    {
        match read {
            Ok((input, warnings)) => {
                super::print_warnings(g, arg, &warnings);
                inputs.push(input);
            }
            Err(e) => {
                failed += 1;
                errln!("error: {}", super::message(&e));
            }
        }
    }
    if inputs.is_empty() {
        anyhow::bail!("no input could be read; nothing written");
    }
    spec.description = Some(format!(
        "{}: merged by tagfeed from {} feeds",
        a.title,
        inputs.len()
    ));
    let merged = merge::merge(inputs, &HashMap::new());
    let feed = pipeline::merged_feed(&spec, a.max_items as usize, merged.entries);
    if feed.entries.is_empty() {
        anyhow::bail!("no entries left after the filters; nothing written");
    }
    write(g, a, &feed)?;
    Ok(if failed == 0 { Exit::Ok } else { Exit::Failed })
}

/// The merge the arguments describe, as a config's `[[merge]]` would.
fn spec(a: &MergeArgs) -> anyhow::Result<Merge> {
    let since = a
        .since
        .as_deref()
        .map(|s| {
            date::parse(s, &DateRules::default())
                .map_err(|e| UsageError(format!("--since {s:?}: {e}")))
        })
        .transpose()?;
    Ok(Merge {
        name: "merge".into(),
        title: a.title.clone(),
        description: None,
        author: None,
        sources: Vec::new(),
        feeds: Vec::new(),
        max_items: Some(a.max_items as usize),
        filter: Filter {
            include: a.include.clone(),
            exclude: a.exclude.clone(),
            since,
        },
        schedule: None,
    })
}

/// Renders the merged feed to the output file (only when it changed) or stdout.
fn write(g: &Global, a: &MergeArgs, feed: &Feed) -> anyhow::Result<()> {
    let self_url = match &a.self_url {
        Some(u) => u.clone(),
        None => file_url(&a.output)?,
    };
    let body = render::render(feed, format_for(a), &self_url)?;
    if a.output.as_os_str() == "-" {
        out!("{body}");
        return Ok(());
    }
    let outcome = publish::write_if_changed(&a.output, body.as_bytes())?;
    if !g.quiet {
        let what = match outcome {
            WriteOutcome::Written => "written",
            WriteOutcome::Unchanged => "unchanged",
        };
        outln!(
            "{}: {} entries, {what}",
            a.output.display(),
            feed.entries.len()
        );
    }
    Ok(())
}

fn file_url(path: &std::path::Path) -> anyhow::Result<Url> {
    let abs = std::path::absolute(path).context("resolving the output path")?;
    Url::from_file_path(&abs)
        .map_err(|()| anyhow::anyhow!("{} has no file: URL; pass --self-url", abs.display()))
}

/// One input as the merge takes it, with the warnings its reading gave.
type Read = (merge::Input, Vec<Warning>);

/// Every input read at once (the fetcher keeps its per-host politeness), each parsed on a worker
/// thread; results in the order given.
fn read_all(
    args: &[String],
    base: Option<&Url>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<anyhow::Result<Read>>> {
    let fetcher = Arc::new(Fetcher::new(FetchSettings::default())?);
    runtime()?.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, arg) in args.iter().enumerate() {
            let (fetcher, arg, base) = (fetcher.clone(), arg.clone(), base.cloned());
            tasks.spawn(async move { (i, read(&fetcher, &arg, base, now).await) });
        }
        let mut reads: Vec<Option<anyhow::Result<_>>> = args.iter().map(|_| None).collect();
        while let Some(done) = tasks.join_next().await {
            let (i, read) = done.context("a read stopped")?;
            reads[i] = Some(read);
        }
        Ok(reads.into_iter().flatten().collect())
    })
}

/// Reads one input through the pipeline: a URL fetched politely (robots.txt honoured), or a
/// file (its relative links resolved against `base` when the feed names no address). Returns its entries and where they came from (only what the merge needs is kept), and
/// the warnings.
async fn read(
    fetcher: &Fetcher,
    arg: &str,
    base: Option<Url>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Read> {
    let (bytes, url, fetched_from) = match Input::parse(arg)? {
        Input::Url(url) => match fetcher.get(&url, &Overrides::for_url(&url), None).await? {
            Response::Page(page) => (page.bytes, Some(page.url), Some(url)),
            Response::NotModified => anyhow::bail!("{url}: unexpected 304 Not Modified"),
        },
        Input::Path(path) => {
            let loaded = input::read_file(&path, fetcher.settings().max_body)
                .with_context(|| format!("give a feed file or an http(s) URL, not {arg:?}"))?;
            (loaded.bytes, base, None)
        }
    };
    let read = pipeline::read_feed(&bytes, arg, url.as_ref(), &mut Ids::default(), now)?;
    let provenance = Provenance {
        title: read
            .listing
            .heading
            .clone()
            .unwrap_or_else(|| arg.to_string()),
        feed_url: fetched_from.or_else(|| read.self_url()),
        home: read.home(),
    };
    let input = merge::Input {
        provenance,
        entries: read.normalized.entries,
    };
    Ok((input, read.normalized.warnings))
}
