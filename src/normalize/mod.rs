//! Raw entries → [`Entry`] values: text cleaned, links absolute, dates read, ids assigned.

pub mod date;
mod date_words;
pub mod id;
pub mod text;

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use url::Url;

use crate::extract::{Listing, RawEntry, RawSummary};
use crate::model::{Entry, Origin, Warning};
use date::DateRules;

/// What normalization needs to know about the source, and the moment of the run (passed in, never
/// read from the clock here, so results are reproducible).
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// Source name, part of hashed ids.
    pub source: &'a str,
    /// The listing's public address, to resolve relative links.
    pub page_url: Option<&'a Url>,
    /// How to read the source's dates.
    pub rules: DateRules,
    /// Added to every entry's own categories.
    pub categories: &'a [String],
    /// Dates after `now` + 1 day are implausible.
    pub now: DateTime<Utc>,
    /// First-seen time given to this run's entries; undated entries are dated by it.
    pub seen_at: DateTime<FixedOffset>,
}

/// Dates before this are placeholders or parse accidents, not listing dates.
fn earliest_plausible() -> DateTime<Utc> {
    DateTime::from_timestamp(788_918_400, 0).unwrap_or_default() // 1995-01-01T00:00:00Z
}

/// Normalized entries in listing order, with what went wrong along the way.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// Entries in page order.
    pub entries: Vec<Entry>,
    /// Entries skipped or changed, and why.
    pub warnings: Vec<Warning>,
    /// Entries that appeared more than once on the page and were folded into the first.
    pub duplicates: usize,
}

/// The URL relative links of this listing resolve against: `<base href>` (itself resolved against
/// the page URL), else the configured page URL, else an absolute `<link rel=canonical>`.
pub fn base_url(listing: &Listing, page_url: Option<&Url>) -> Option<Url> {
    let absolute = |s: &str, base: Option<&Url>| {
        match base {
            Some(b) => b.join(s),
            None => Url::parse(s),
        }
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
    };
    listing
        .base_href
        .as_deref()
        .and_then(|b| absolute(b, page_url))
        .or_else(|| page_url.cloned())
        .or_else(|| listing.canonical.as_deref().and_then(|c| absolute(c, None)))
}

/// Turns raw entries into entries, reporting every entry it had to skip or change.
pub fn normalize(listing: &Listing, ctx: &Context<'_>) -> Normalized {
    let base = base_url(listing, ctx.page_url);
    let mut warnings = listing.warnings.clone();
    let entries: Vec<Entry> = listing
        .entries
        .iter()
        .enumerate()
        .filter_map(|(position, raw)| entry(raw, position, base.as_ref(), ctx, &mut warnings))
        .collect();
    let (entries, duplicates) = dedupe(entries);
    Normalized {
        entries,
        warnings,
        duplicates,
    }
}

/// Folds entries with the same id into the first one, which gains the others' categories.
/// Returns the entries in their order and how many were folded.
pub fn dedupe(entries: impl IntoIterator<Item = Entry>) -> (Vec<Entry>, usize) {
    let mut out: Vec<Entry> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut folded = 0;
    for e in entries {
        match index.get(&e.id) {
            Some(&i) => {
                folded += 1;
                out[i].categories = union_categories(&out[i].categories, &e.categories);
            }
            None => {
                index.insert(e.id.clone(), out.len());
                out.push(e);
            }
        }
    }
    (out, folded)
}

fn entry(
    raw: &RawEntry,
    position: usize,
    base: Option<&Url>,
    ctx: &Context<'_>,
    warnings: &mut Vec<Warning>,
) -> Option<Entry> {
    let at = raw.origin;
    let title = raw.title.as_deref().map(text::plain).unwrap_or_default();
    if title.is_empty() {
        warnings.push(Warning::at(at, "no title found; entry skipped"));
        return None;
    }
    let link = raw
        .link
        .as_deref()
        .and_then(|href| resolve_link(href, base, at, warnings));
    let published = raw
        .date
        .as_deref()
        .and_then(|d| read_date(d, ctx, at, warnings));
    let summary = match &raw.summary {
        Some(RawSummary::Text(paras)) => {
            let paras: Vec<String> = paras.iter().map(|p| text::plain(p)).collect();
            text::paragraphs_to_html(&paras)
        }
        Some(RawSummary::Html(html)) => text::sanitize_html(html, base),
        None => None,
    };
    let own: Vec<String> = raw.categories.iter().map(|c| text::plain(c)).collect();
    let categories = union_categories(&own, ctx.categories);
    let id = match &link {
        Some(l) => id::canonical(l).to_string(),
        None => id::hashed(ctx.source, &title, published),
    };
    // Undated entries keep the page's order in readers that sort by date: each is a second
    // older than the one above it.
    let first_seen = ctx.seen_at - Duration::seconds(position as i64);
    Some(Entry {
        id,
        title,
        link,
        published,
        first_seen,
        updated: None,
        summary,
        categories,
        via: None,
    })
}

fn resolve_link(
    href: &str,
    base: Option<&Url>,
    at: Origin,
    warnings: &mut Vec<Warning>,
) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let parsed = match base {
        Some(b) => b.join(href),
        None => Url::parse(href),
    };
    match parsed {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Some(u),
        Ok(u) => {
            warnings.push(Warning::at(
                at,
                format!(
                    "link {href:?} is a {}: URL, not a web page; left out",
                    u.scheme()
                ),
            ));
            None
        }
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            warnings.push(Warning::at(
                at,
                format!(
                    "link {href:?} is relative and the page has no address to resolve it \
                     against; set `page_url` for this source"
                ),
            ));
            None
        }
        Err(e) => {
            warnings.push(Warning::at(
                at,
                format!("link {href:?} is not a URL ({e}); left out"),
            ));
            None
        }
    }
}

fn read_date(
    s: &str,
    ctx: &Context<'_>,
    at: Origin,
    warnings: &mut Vec<Warning>,
) -> Option<DateTime<FixedOffset>> {
    let s = text::collapse(s);
    let checked = date::parse(&s, &ctx.rules)
        .map_err(|e| format!("could not read date {s:?}: {e}; entry kept, dated when first seen"))
        .and_then(|d| plausible(d, ctx.now).map_err(|why| format!("date {s:?} {why}")));
    checked
        .map_err(|message| warnings.push(Warning::at(at, message)))
        .ok()
}

/// A date as a listing date, or why it is not one: more than a day in the future, or before 1995
/// (placeholders like 0001-01-01, parse accidents).
pub fn plausible(
    d: DateTime<FixedOffset>,
    now: DateTime<Utc>,
) -> Result<DateTime<FixedOffset>, &'static str> {
    let utc = d.with_timezone(&Utc);
    if utc > now + Duration::days(1) {
        Err("is in the future; entry treated as undated")
    } else if utc < earliest_plausible() {
        Err("is before 1995, likely a placeholder; entry treated as undated")
    } else {
        Ok(d)
    }
}

/// `a` then the members of `b` not already in `a`, compared case-insensitively; empty ones dropped.
pub fn union_categories(a: &[String], b: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(a.len() + b.len());
    for c in a.iter().chain(b) {
        let c = c.trim();
        if !c.is_empty() && !out.iter().any(|o| o.to_lowercase() == c.to_lowercase()) {
            out.push(c.to_string());
        }
    }
    out
}

/// Sorts newest first (ties keep listing order) and keeps at most `max` entries.
pub fn newest_first(mut entries: Vec<Entry>, max: usize) -> Vec<Entry> {
    entries.sort_by_key(|e| std::cmp::Reverse(e.date()));
    entries.truncate(max);
    entries
}

#[cfg(test)]
mod tests;
