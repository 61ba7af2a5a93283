//! `tagfeed suggest URL|FILE`: finds a listing's items without selectors and prints a ready
//! `[[source]]` block for the config, with what was found and how sure it is, as TOML comments, so
//! `tagfeed suggest URL >> tagfeed.toml` works.

use std::time::SystemTime;

use anyhow::Context as _;
use clap::Args;
use scraper::Html;
use serde_json::json;
use tagfeed::detect::{self, Detection, FeedLink, Method, presets};
use tagfeed::extract::ExtractError;
use tagfeed::fetch::Fetcher;
use tagfeed::model::Entry;
use tagfeed::normalize::Ids;
use tagfeed::pipeline::{self, PageContext};
use tagfeed::source::{Format, Input, Source, charset};
use url::Url;

use super::out::{errln, out};
use super::preview::{entry_json, load_with, table};
use super::{Exit, Global, UsageError, print_json, print_warnings};

#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The URL of a listing page, or a saved copy of one
    #[arg(value_name = "URL|FILE")]
    pub input: String,
    /// The listing's public address, for a saved copy (to resolve its relative links)
    #[arg(long, value_name = "URL")]
    pub page_url: Option<Url>,
    /// Another page of the listing (its page 2, or another tag of the site), to tell the listing
    /// (new links on every page) from navigation (the same links); for a URL, the page's own next
    /// link is followed when this is left out
    #[arg(long, value_name = "URL|FILE")]
    pub next: Option<String>,
    /// Read one page only: do not follow the page's next link
    #[arg(long, conflicts_with = "next")]
    pub one_page: bool,
    /// List the top 3 candidates, not only the best (the runners-up commented out)
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of a config block
    #[arg(long)]
    pub json: bool,
}

/// One candidate, read as a source with its selectors would read the page.
struct Suggestion {
    detection: Detection,
    timezone: Option<String>,
    /// What reading the page with it had to say.
    warnings: Vec<tagfeed::model::Warning>,
    /// Entries found on the page, of which `entries` are the first 5.
    found: usize,
    entries: Vec<Entry>,
    toml: String,
}

pub fn suggest(g: &Global, a: &SuggestArgs) -> anyhow::Result<Exit> {
    let input = Input::parse(&a.input).map_err(|e| UsageError(e.to_string()))?;
    let mut source = Source::new(unique_name(g, name_for(&input)), input.clone());
    source.page_url = a.page_url.clone();
    source.categories = Some(Vec::new());
    // One fetcher for both pages: robots.txt is read once.
    let fetcher = Fetcher::new(Default::default())?;
    let loaded = load_with(&fetcher, &source)?;
    let page_url = source.page_url.clone().or_else(|| loaded.url.clone());
    let html = charset::decode(&loaded.bytes, loaded.charset.as_deref()).text;
    if Format::guess(&html) == Format::Text {
        return suggest_text(g, a, &source, &loaded);
    }
    let doc = tagfeed::extract::dom::parse(&html)?;
    let next = second_page(&fetcher, a, &source, &doc, page_url.as_ref())?;
    let k = if a.all { 3 } else { 1 };
    let found = match (&next, a.all) {
        (Some((next, url)), true) => {
            detect::ranked_pair(&doc, next, page_url.as_ref(), url.as_ref(), k)
        }
        (Some((next, url)), false) => {
            detect::detect_pair(&doc, next, page_url.as_ref(), url.as_ref(), k)
        }
        (None, true) => detect::ranked(&doc, page_url.as_ref(), k),
        (None, false) => detect::detect(&doc, page_url.as_ref(), k),
    };
    // With --all the candidates are shown even when none is sure enough; then every block is
    // commented out and the exit code says nothing was found.
    let sure = found.first().is_some_and(detect::sure_enough);
    let feeds = detect::feeds(&doc, page_url.as_ref());
    let mut suggestions = Vec::new();
    for (i, d) in found.into_iter().enumerate() {
        suggestions.push(suggestion(a, &source, &loaded, d, i > 0 || !sure)?);
    }
    if let Some(best) = suggestions.first() {
        print_warnings(g, &a.input, &best.warnings);
    }
    if a.json {
        print_json(&to_json(a, page_url.as_ref(), &feeds, &suggestions)).context("writing JSON")?;
    } else {
        let own = detect::own_feed(&feeds, page_url.as_ref());
        out!("{}", text(a, own, &suggestions, g.quiet));
    }
    if sure {
        return Ok(Exit::Ok);
    }
    let e = anyhow::Error::from(ExtractError::NothingFound).context(a.input.clone());
    match suggestions.is_empty() && !a.json {
        true => Err(e),
        false => {
            errln!("error: {e:#}");
            Ok(Exit::Failed)
        }
    }
}

/// One candidate read the way a source with its selectors would read the page.
fn suggestion(
    a: &SuggestArgs,
    source: &Source,
    loaded: &tagfeed::source::Loaded,
    d: Detection,
    muted: bool,
) -> anyhow::Result<Suggestion> {
    let at = PageContext::at(SystemTime::now().into());
    let mut s = source.clone();
    s.select = d.selectors().cloned();
    let timezone = match &d.method {
        Method::Preset(name) => presets::named(name).and_then(|p| p.timezone.clone()),
        _ => None,
    };
    if let Some(tz) = timezone.as_deref().and_then(|t| t.parse().ok()) {
        s.rules.timezone = tz;
    }
    let read = pipeline::read_page(&s, loaded, &mut Ids::default(), at)
        .with_context(|| a.input.clone())?;
    let found = read.normalized.entries.len();
    let entries: Vec<Entry> = read.normalized.entries.into_iter().take(5).collect();
    let toml = block(&s, &d, timezone.as_deref(), muted);
    Ok(Suggestion {
        detection: d,
        timezone,
        warnings: read.normalized.warnings,
        found,
        entries,
        toml,
    })
}

/// `name`, or `name-2`, `name-3`… when the config (if there is one) already has it.
fn unique_name(g: &Global, name: String) -> String {
    let Ok(config) = tagfeed::config::load(&g.config) else {
        return name;
    };
    let taken: Vec<&str> = config.feed_names().collect();
    (1..)
        .map(|n| match n {
            1 => name.clone(),
            n => format!("{name}-{n}"),
        })
        .find(|candidate| !taken.contains(&candidate.as_str()))
        .unwrap_or(name)
}

/// The second page to compare with: `--next`, else (for a URL) the page's own next link. A next
/// link that cannot be fetched only means reading one page.
fn second_page(
    fetcher: &Fetcher,
    a: &SuggestArgs,
    source: &Source,
    doc: &Html,
    page_url: Option<&Url>,
) -> anyhow::Result<Option<(Html, Option<Url>)>> {
    let parse = |loaded: tagfeed::source::Loaded, url: Option<Url>| {
        let text = charset::decode(&loaded.bytes, loaded.charset.as_deref()).text;
        tagfeed::extract::dom::parse(&text).map(|doc| (doc, loaded.url.or(url)))
    };
    if let Some(next) = &a.next {
        let input = Input::parse(next).map_err(|e| UsageError(format!("--next: {e}")))?;
        let mut s = source.clone();
        s.input = input;
        let loaded = load_with(fetcher, &s).with_context(|| format!("--next {next}"))?;
        // A saved copy's relative links read as the first page's site.
        let parsed = parse(loaded, page_url.cloned()).with_context(|| format!("--next {next}"))?;
        return Ok(Some(parsed));
    }
    if a.one_page || !matches!(source.input, Input::Url(_)) {
        return Ok(None);
    }
    let Some(url) = detect::next_link(doc, page_url) else {
        return Ok(None);
    };
    let mut s = source.clone();
    s.input = Input::Url(url.clone());
    // A second page that cannot be read only means detection uses the first alone.
    Ok(load_with(fetcher, &s)
        .ok()
        .and_then(|loaded| parse(loaded, Some(url)).ok()))
}

/// The config block, with its explanation as comments; commented out entirely when `muted`
/// (a runner-up of `--all`).
fn text(a: &SuggestArgs, own: Option<&FeedLink>, all: &[Suggestion], quiet: bool) -> String {
    let mut out = String::new();
    for (i, s) in all.iter().enumerate() {
        let d = &s.detection;
        let mut notes = format!(
            "tagfeed suggest {}: {}found by {} ({:.0} % sure): {}\n",
            a.input,
            if all.len() > 1 {
                format!("candidate {} of {}, ", i + 1, all.len())
            } else {
                String::new()
            },
            d.method,
            d.confidence * 100.0,
            d.reasons.join("; ")
        );
        if !detect::sure_enough(d) {
            notes.push_str(
                "Too unsure to be used without selectors: a source without [source.select] would \
                 not take this list. Check the entries below before you use the block.\n",
            );
        }
        if i == 0
            && let Some(f) = own
        {
            notes.push_str(&format!(
                "The page links its own feed {} ({}): the site's feed may be the better source.\n",
                f.url, f.media_type
            ));
        }
        if !quiet {
            notes.push_str(&format!(
                "First {} of the {} entries found:\n",
                s.entries.len(),
                s.found
            ));
            notes.push_str(&table(&s.entries));
        }
        for line in notes.lines() {
            out.push_str(&format!("# {line}\n").replace("# \n", "#\n"));
        }
        out.push_str(&s.toml);
        out.push('\n');
    }
    out
}

/// `[[source]]` with the detected selectors; every line commented out when `muted`.
fn block(s: &Source, d: &Detection, timezone: Option<&str>, muted: bool) -> String {
    let mut lines = head(s);
    if let Some(tz) = timezone {
        lines.push(format!("timezone = {}", q(tz)));
    }
    match (d.selectors(), &d.method) {
        (Some(select), method) => {
            if let Method::Preset(name) = method {
                lines.push(format!(
                    "# or, to follow the {name} preset as it is improved: preset = {}",
                    q(name)
                ));
            }
            lines.push("[source.select]".into());
            for (k, v) in select.written() {
                lines.push(format!("{k} = {}", q(v)));
            }
        }
        (None, _) => lines.push(
            "# no [source.select]: the items come from the page's JSON-LD, found on each run"
                .into(),
        ),
    }
    let prefix = if muted { "# " } else { "" };
    lines.iter().map(|l| format!("{prefix}{l}\n")).collect()
}

/// A TOML string.
fn q(v: &str) -> String {
    toml::Value::String(v.to_string()).to_string()
}

/// The block's first lines: `[[source]]`, its name, where the page is.
fn head(s: &Source) -> Vec<String> {
    let mut lines = vec!["[[source]]".to_string(), format!("name = {}", q(&s.name))];
    match &s.input {
        Input::Url(u) => lines.push(format!("url = {}", q(u.as_str()))),
        Input::Path(p) => {
            // Absolute: the config reads relative paths from its own folder, not from here.
            let p = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            lines.push(format!("path = {}", q(&p.display().to_string())));
            match &s.page_url {
                Some(page) => lines.push(format!("page_url = {}", q(page.as_str()))),
                // A saved page's relative links need the address it was saved from.
                None => lines.push(
                    "# page_url = \"https://…\"   # the listing's address: its relative links resolve against it"
                        .into(),
                ),
            }
        }
    }
    lines
}

/// A plain-text listing (a date line, a title line, a summary, repeated) needs no selectors:
/// its block says `format = "text"`.
fn suggest_text(
    g: &Global,
    a: &SuggestArgs,
    source: &Source,
    loaded: &tagfeed::source::Loaded,
) -> anyhow::Result<Exit> {
    let mut s = source.clone();
    s.format = Some(Format::Text);
    let at = PageContext::at(SystemTime::now().into());
    let read = pipeline::read_page(&s, loaded, &mut Ids::default(), at)
        .with_context(|| a.input.clone())?;
    print_warnings(g, &a.input, &read.normalized.warnings);
    let entries = &read.normalized.entries;
    if entries.is_empty() {
        anyhow::bail!(
            "{}: a text listing, but no line of it reads as a date: each entry starts with a date \
             line (\"Oct. 9, 2020\"), then its title",
            a.input
        );
    }
    let mut lines = head(&s);
    lines.push("format = \"text\"".into());
    let toml: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let first: Vec<Entry> = entries.iter().take(5).cloned().collect();
    if a.json {
        print_json(&json!({
            "input": a.input,
            "format": "text",
            "found": entries.len(),
            "entries": first.iter().map(entry_json).collect::<Vec<_>>(),
            "toml": toml,
        }))
        .context("writing JSON")?;
        return Ok(Exit::Ok);
    }
    let mut notes = format!(
        "tagfeed suggest {}: a text listing (a date line starts each entry): {} entries\n",
        a.input,
        entries.len()
    );
    if !g.quiet {
        notes.push_str(&format!(
            "First {} entries:\n{}",
            first.len(),
            table(&first)
        ));
    }
    for line in notes.lines() {
        out!("{}", format!("# {line}\n").replace("# \n", "#\n"));
    }
    out!("{toml}");
    Ok(Exit::Ok)
}

fn to_json(
    a: &SuggestArgs,
    page_url: Option<&Url>,
    feeds: &[FeedLink],
    all: &[Suggestion],
) -> serde_json::Value {
    let candidates: Vec<_> = all
        .iter()
        .map(|s| {
            let d = &s.detection;
            json!({
                "method": d.method.to_string(),
                "preset": match &d.method { Method::Preset(n) => Some(n.as_str()), _ => None },
                "confidence": d.confidence,
                "sure_enough": detect::sure_enough(d),
                "reasons": d.reasons,
                "found": s.found,
                "select": d.selectors().map(|sel| sel.written().into_iter()
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect::<serde_json::Map<_, _>>()),
                "timezone": s.timezone,
                "toml": s.toml,
                "entries": s.entries.iter().map(entry_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "input": a.input,
        "page_url": page_url.map(Url::as_str),
        "feeds": feeds,
        "candidates": candidates,
    })
}

/// A source name from the address ("whizzy.org/category/iot/" → "whizzy-org-category-iot") or
/// the file's name: lowercase letters, digits and '-', at most 40 characters.
fn name_for(input: &Input) -> String {
    let raw = match input {
        Input::Url(u) => {
            let host = u.host_str().unwrap_or_default();
            let host = host.strip_prefix("www.").unwrap_or(host);
            format!("{host}{}", u.path())
        }
        Input::Path(p) => p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let mut name = String::new();
    for c in raw.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let mut name: String = name.trim_end_matches('-').chars().take(40).collect();
    name = name.trim_end_matches('-').to_string();
    if name.is_empty() {
        name = "listing".into();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_address() {
        let url = |u: &str| Input::Url(Url::parse(u).unwrap());
        assert_eq!(
            name_for(&url("https://www.whizzy.org/category/iot/")),
            "whizzy-org-category-iot"
        );
        assert_eq!(
            name_for(&Input::Path("Saved Page (2).html".into())),
            "saved-page-2"
        );
        assert_eq!(name_for(&Input::Path("!!!.html".into())), "listing");
    }
}
