//! `tagfeed preview FILE`: what tagfeed extracts from a saved listing, to develop selectors.

use std::time::SystemTime;

use anyhow::Context as _;
use clap::Args;
use serde_json::json;
use tagfeed::detect::{hint, presets};
use tagfeed::fetch::{FetchSettings, Fetcher, Response};
use tagfeed::model::Entry;
use tagfeed::normalize::Ids;
use tagfeed::pipeline::{self, Meta, PageContext};
use tagfeed::source::{Field, Format, Input, Loaded, Partial, PresetChoice, Selectors, Source};
use url::Url;

use super::out::{errln, out, outln};
use super::{Exit, Global, UsageError, load_config, print_json, print_warnings, runtime};

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// A saved listing (HTML or text), or the URL of a listing page to fetch; with --source and
    /// no input, that source's own file or URL
    #[arg(value_name = "FILE|URL", required_unless_present = "source")]
    pub input: Option<String>,
    /// Start from this source's settings in the config (selectors, time zone, page_url)
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// How the listing is written; guessed from the content when left out
    #[arg(long = "input-format", alias = "format", value_name = "FORMAT", value_parser = ["text", "html"])]
    pub format: Option<String>,
    /// Read with a preset (wordpress, drupal-views, hugo…; `tagfeed suggest` names the one that fits)
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// CSS selector matching one entry (HTML)
    #[arg(long, value_name = "CSS")]
    pub item: Option<String>,
    /// Title selector: "CSS", "CSS@attr" or "@attr"
    #[arg(long, value_name = "SEL")]
    pub title: Option<String>,
    /// Link selector
    #[arg(long, value_name = "SEL")]
    pub link: Option<String>,
    /// Date selector
    #[arg(long, value_name = "SEL")]
    pub date: Option<String>,
    /// Summary selector
    #[arg(long, value_name = "SEL")]
    pub summary: Option<String>,
    /// Categories selector (every match is one category)
    #[arg(long, value_name = "SEL")]
    pub categories: Option<String>,
    /// Next-page link selector, e.g. "a.next@href"
    #[arg(long, value_name = "SEL")]
    pub next_page: Option<String>,
    /// The listing's public address, to resolve relative links
    #[arg(long, value_name = "URL")]
    pub page_url: Option<Url>,
    /// Time zone of dates without an offset (IANA name)
    #[arg(long, value_name = "TZ")]
    pub timezone: Option<chrono_tz::Tz>,
    /// Read 10/09/2020 as 10 September
    #[arg(long)]
    pub day_first: bool,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

pub fn preview(g: &Global, a: &PreviewArgs) -> anyhow::Result<Exit> {
    let (source, fetch) = chosen(g, a)?;
    let label = a.input.clone().unwrap_or_else(|| source.input.to_string());
    let loaded = load(&source, fetch)?;
    let at = PageContext::at(SystemTime::now().into());
    let read = pipeline::read_page(&source, &loaded, &mut Ids::default(), at)
        .map_err(|e| anyhow::Error::from(e).context(label.clone()))?;
    let entries = &read.normalized.entries;
    let title = Meta::of(&source, &read.listing).title;
    let next = next_page(&source, &read.listing);
    let counts = selector_counts(&source, &loaded, &read);
    if a.json {
        let items: Vec<_> = entries.iter().map(entry_json).collect();
        let detection = read.detection.as_ref().map(|d| {
            json!({
                "method": d.method.to_string(), "confidence": d.confidence,
                "select": d.selectors().map(|s| s.written().into_iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>()),
                "reasons": d.reasons,
            })
        });
        print_json(&json!({
            "input": label, "format": read.format, "encoding": read.encoding,
            "heading": title, "found": read.listing.entries.len(),
            "next_page": next, "detection": detection,
            "selectors": counts.as_ref().map(|(c, _)| c),
            "entries": items, "warnings": read.normalized.warnings,
        }))
        .context("writing JSON")?;
    } else {
        // The detection is the table's headline here, not a warning.
        let warnings: Vec<_> = read
            .normalized
            .warnings
            .iter()
            .filter(|w| !w.message.starts_with("no selectors given"))
            .cloned()
            .collect();
        print_warnings(g, &label, &warnings);
        outln!(
            "{label}: {} listing, {}, heading {:?}: {} entries",
            format!("{:?}", read.format).to_lowercase(),
            read.encoding,
            title.as_deref().unwrap_or("-"),
            entries.len()
        );
        if let Some(d) = &read.detection {
            outln!(
                "found by {} ({:.0} % sure): {}",
                d.method,
                d.confidence * 100.0,
                d.describe()
            );
        }
        out!("{}", table(entries));
        if let Some(next) = &next {
            outln!("next page: {next}");
        }
    }
    // A selector that matches nothing is a mistake to fix: say which, and what would match.
    let unmatched = counts.map(|(_, hints)| hints).unwrap_or_default();
    for line in &unmatched {
        errln!("error: {label}: {line}");
    }
    Ok(if unmatched.is_empty() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

/// The source to preview: the flags over a configured source (`--source`), or over a bare one;
/// read from the input given, else from the source's own file or URL.
fn chosen(g: &Global, a: &PreviewArgs) -> anyhow::Result<(Source, FetchSettings)> {
    let input = a
        .input
        .as_deref()
        .map(Input::parse)
        .transpose()
        .map_err(|e| UsageError(e.to_string()))?;
    let (mut source, fetch) = match (&a.source, input) {
        (Some(name), input) => {
            let config = load_config(g)?;
            let Some(s) = config.source(name) else {
                let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
                return Err(UsageError(format!(
                    "--source {name}: no source of that name in {}; they are: {}",
                    g.config.display(),
                    names.join(", ")
                ))
                .into());
            };
            let mut s = s.clone();
            if let Some(input) = input {
                s.input = input;
            }
            (s, config.fetch)
        }
        (None, Some(input)) => {
            let mut s = Source::new("preview", input);
            s.categories = Some(Vec::new());
            (s, FetchSettings::default())
        }
        (None, None) => {
            return Err(
                UsageError("give a FILE or URL to preview, or --source NAME".into()).into(),
            );
        }
    };
    apply_flags(&mut source, a).map_err(UsageError)?;
    Ok((source, fetch))
}

/// The next-page link the listing gave, resolved against the page's address and trimmed (as
/// written, trimmed, when a saved file has no address).
fn next_page(source: &Source, listing: &tagfeed::extract::Listing) -> Option<String> {
    let href = listing.next_page.as_deref()?.trim();
    let page = match &source.input {
        Input::Url(u) => Some(u),
        Input::Path(_) => source.page_url.as_ref(),
    };
    let base = tagfeed::normalize::base_url(listing, page);
    Some(
        tagfeed::model::web_url(href, base.as_ref())
            .map_or_else(|_| href.to_string(), |u| u.to_string()),
    )
}

/// For an HTML listing read with selectors: how often each matched, and for each that matched
/// nothing, a line saying so with what would match instead.
fn selector_counts(
    source: &Source,
    loaded: &Loaded,
    read: &pipeline::Read,
) -> Option<(Vec<hint::SelectorCount>, Vec<String>)> {
    let select = source.select.as_ref()?;
    if read.format != Format::Html {
        return None;
    }
    let text = tagfeed::source::charset::decode(&loaded.bytes, loaded.charset.as_deref()).text;
    let doc = tagfeed::extract::dom::parse(&text).ok()?;
    let counts = hint::counts(&doc, select);
    let items = counts.first().map_or(0, |c| c.matches);
    let mut lines = Vec::new();
    for c in counts.iter().filter(|c| c.matches == 0) {
        let found = match c.field {
            "item" => hint::for_item(&doc, &c.selector),
            // Fields are looked for inside items: with none, the item is the mistake.
            _ if items == 0 => continue,
            "next_page" => hint::Hint::default(),
            _ => hint::for_field(&doc, &select.item, &c.selector),
        };
        let place = match c.field {
            "item" | "next_page" => "on the page",
            _ => "in any item",
        };
        let mut line = format!(
            "{} selector {:?} matches nothing {place}",
            c.field, c.selector
        );
        let count = |n: usize| match c.field {
            "item" => format!("{n} elements"),
            _ => format!("in {n} items"),
        };
        if let Some((near, n)) = &found.nearest {
            line.push_str(&format!(
                "\n  help: did you mean {near:?}? It matches {}",
                count(*n)
            ));
        }
        if !found.seen.is_empty() {
            let seen: Vec<String> = found
                .seen
                .iter()
                .map(|(s, n)| format!("{s} ({n})"))
                .collect();
            let what = if c.field == "item" {
                "lists on the page"
            } else {
                "in most items"
            };
            line.push_str(&format!("\n  help: {what}: {}", seen.join(", ")));
        }
        lines.push(line);
    }
    Some((counts, lines))
}

/// Reads the file, or fetches the page (politely, honouring robots.txt, like a run).
pub(super) fn load(source: &Source, fetch: FetchSettings) -> anyhow::Result<Loaded> {
    load_with(&Fetcher::new(fetch)?, source)
}

/// [`load`] with a fetcher that lives longer (robots.txt is then read once for several pages).
pub(super) fn load_with(fetcher: &Fetcher, source: &Source) -> anyhow::Result<Loaded> {
    let url = match &source.input {
        Input::Path(p) => {
            // A file named on the command line: relative to here, not to a config's folder.
            return tagfeed::source::read_file(p, fetcher.settings().max_body).map_err(
                |e| match e {
                    tagfeed::source::SourceError::Read { path, source } => {
                        anyhow::anyhow!("cannot read {}: {source}", path.display())
                    }
                    other => other.into(),
                },
            );
        }
        Input::Url(u) => u,
    };
    match runtime()?.block_on(fetcher.get(url, &source.fetch, None))? {
        Response::Page(p) => Ok(p.into()),
        Response::NotModified => anyhow::bail!("{url}: unexpected 304 Not Modified"),
    }
}

fn apply_flags(s: &mut Source, a: &PreviewArgs) -> Result<(), String> {
    if let Some(f) = &a.format {
        s.format = Some(f.parse::<Format>().map_err(|e| e.to_string())?);
    }
    if let Some(u) = &a.page_url {
        s.page_url = Some(u.clone());
    }
    if let Some(tz) = a.timezone {
        s.rules.timezone = tz;
    }
    if a.day_first {
        s.rules.day_first = true;
        s.guess_day_first = false;
    }
    let field = |flag: &str, v: &Option<String>| -> Result<Option<Field>, String> {
        v.as_deref()
            .map(|v| Field::parse(v).map_err(|e| format!("--{flag}: {e}")))
            .transpose()
    };
    if let Some(name) = &a.preset {
        let Some(known) = presets::named(name) else {
            return Err(format!(
                "--preset: unknown preset {name:?}; {}",
                presets::unknown(name)
            ));
        };
        s.select = None;
        s.preset = Some(PresetChoice {
            name: known.name.clone(),
            over: Partial::default(),
        });
    }
    let flags = Partial {
        item: field("item", &a.item)?,
        title: field("title", &a.title)?,
        link: field("link", &a.link)?,
        date: field("date", &a.date)?,
        summary: field("summary", &a.summary)?,
        categories: field("categories", &a.categories)?,
        next_page: field("next-page", &a.next_page)?,
    };
    if flags == Partial::default() {
        return Ok(());
    }
    if let Some(preset) = s.preset.as_mut() {
        preset.over = flags.over_partial(&preset.over);
        return Ok(());
    }
    let base = match (s.select.take(), flags.item.clone()) {
        (_, Some(item)) => Selectors::with_item(item),
        (Some(sel), None) => sel,
        (None, None) => {
            return Err(
                "field selectors need --item CSS (the element that holds one entry)".into(),
            );
        }
    };
    s.select = Some(flags.over(base));
    Ok(())
}

pub(super) fn entry_json(e: &Entry) -> serde_json::Value {
    json!({
        "id": e.id, "title": e.title, "link": e.link.as_ref().map(url::Url::as_str),
        "date": e.published.map(|d| d.to_rfc3339()), "summary": e.summary,
        "categories": e.categories,
    })
}

/// A fixed-width table: date, title, link, categories (when any entry has some), start of the
/// summary.
pub(super) fn table(entries: &[Entry]) -> String {
    let cut = |s: &str, n: usize| -> String {
        if s.chars().count() <= n {
            format!("{s:<n$}")
        } else {
            format!("{}…", s.chars().take(n - 1).collect::<String>())
        }
    };
    let tagged = entries.iter().any(|e| !e.categories.is_empty());
    let categories = |e: &Entry| match tagged {
        true => format!("{}  ", cut(&e.categories.join(", "), 24)),
        false => String::new(),
    };
    let mut out = format!(
        "{:>3}  {:<16}  {:<44}  {:<50}  {}{}\n",
        "#",
        "DATE",
        "TITLE",
        "LINK",
        if tagged {
            format!("{:<24}  ", "CATEGORIES")
        } else {
            String::new()
        },
        "SUMMARY"
    );
    for (i, e) in entries.iter().enumerate() {
        let date = e
            .published
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "(undated)".into());
        let link = e.link.as_ref().map(url::Url::as_str).unwrap_or("-");
        let summary = e
            .summary
            .as_deref()
            .map(tagfeed::text::strip_tags)
            .unwrap_or_default();
        let line = format!(
            "{:>3}  {:<16}  {}  {}  {}{}",
            i + 1,
            date,
            cut(&e.title, 44),
            cut(link, 50),
            categories(e),
            cut(&summary, 40)
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
