//! Raw entries → [`Entry`] values: text cleaned, links absolute, dates read, ids assigned, first-seen
//! times set, duplicates folded (pure).
//!
//! The one normalizer: text listings, HTML listings and external feeds all come through
//! [`normalize`], and entries read again are reconciled with their stored copy by
//! [`stored::reconcile`]. Nothing else sets ids, links, dates or first-seen times.

pub mod id;
pub mod stored;
pub mod term;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset, Utc};
use url::Url;

use crate::date::{self, DateRules};
use crate::extract::{Listing, RawEntry, RawSummary};
use crate::model::{Entry, LinkError, Origin, Warning, web_url};
use crate::text;
pub use id::Ids;

/// What normalization needs to know about the source, and the moment of the run (passed in, never
/// read from the clock here, so results are reproducible).
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The source name or external feed's key: part of hashed ids.
    pub scope: &'a str,
    /// The listing's public address, to resolve relative links.
    pub page_url: Option<&'a Url>,
    /// How to read the source's dates.
    pub rules: DateRules,
    /// Added to every entry's own categories.
    pub categories: &'a [String],
    /// Dates after `now` + 1 day are implausible.
    pub now: DateTime<Utc>,
    /// First-seen time of the page's first entry; each further one is a second older, so undated
    /// entries keep the page's order in readers that sort by date.
    pub seen_at: DateTime<FixedOffset>,
    /// What to do about a relative link nothing resolves: the advice differs for a configured
    /// source and a feed given to `tagfeed merge`.
    pub relative_hint: &'a str,
}

/// The advice for a configured source's unresolvable relative links.
pub const SET_PAGE_URL: &str =
    "set `page_url` for this source (`--page-url URL` with preview and suggest)";

/// Dates before this are placeholders or parse accidents, not listing dates.
fn earliest_plausible() -> DateTime<Utc> {
    DateTime::from_timestamp(788_918_400, 0).unwrap_or(DateTime::<Utc>::MIN_UTC) // 1995-01-01
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
/// the page URL), else the configured page URL (or the address a feed was read from), else a
/// feed's own `<link>` (the site, which is what a WordPress feed's relative links mean), else an
/// absolute `<link rel=canonical>` (a feed's self link).
pub fn base_url(listing: &Listing, page_url: Option<&Url>) -> Option<Url> {
    listing
        .base_href
        .as_deref()
        .and_then(|b| web_url(b, page_url).ok())
        .or_else(|| page_url.cloned())
        .or_else(|| listing.home.as_deref().and_then(|h| web_url(h, None).ok()))
        .or_else(|| {
            listing
                .canonical
                .as_deref()
                .and_then(|c| web_url(c, None).ok())
        })
}

/// An entry being normalized: where it was, whether its id is its link (rule 4 of [`id`]), and
/// whether its date was relative ("3 hours ago").
struct Pending {
    entry: Entry,
    origin: Origin,
    by_link: bool,
    relative: bool,
}

/// Turns one page's raw entries into entries, reporting every entry it had to skip or change.
/// `ids` carries what is stored and what earlier pages of this read claimed.
pub fn normalize(listing: &Listing, ctx: &Context<'_>, ids: &mut Ids) -> Normalized {
    let base = base_url(listing, ctx.page_url);
    let mut warnings = listing.warnings.clone();
    let mut pending: Vec<Pending> = listing
        .entries
        .iter()
        .enumerate()
        .filter_map(|(position, raw)| {
            let seen_at = ctx.seen_at - Duration::seconds(position as i64);
            entry(raw, base.as_ref(), ctx, seen_at, &mut warnings)
        })
        .collect();
    warnings.extend(shared_links(&mut pending, ctx.scope, ids));
    for p in pending
        .iter_mut()
        .filter(|p| p.relative && ids.is_stored(&p.entry.id))
    {
        // A relative date meant something when the entry was first read; read again later it
        // would move the entry. The stored date stays (see `stored::reconcile`).
        p.entry.published = None;
    }
    let (entries, duplicates) = dedupe(pending.into_iter().map(|p| p.entry));
    Normalized {
        entries,
        warnings,
        duplicates,
    }
}

/// An entry's title: its own (cut at a word boundary past 300 characters), else the first sentence
/// of its text up to 100 characters (notes and status updates have no title, and readers need
/// one), else its address. `None` only for an entry with neither text nor link.
fn title(raw: &RawEntry, summary: Option<&str>, link: Option<&Url>) -> Option<String> {
    let own = raw.title.as_deref().map(text::plain).unwrap_or_default();
    if !own.is_empty() {
        return Some(text::shorten(&own, 300));
    }
    let body = summary.map(text::strip_tags).unwrap_or_default();
    let sentence = text::shorten(text::first_sentence(&body), 100);
    if !sentence.is_empty() {
        return Some(sentence);
    }
    let link = link?;
    let address = format!("{}{}", link.host_str().unwrap_or_default(), link.path());
    Some(address.trim_end_matches('/').to_string())
}

fn entry(
    raw: &RawEntry,
    base: Option<&Url>,
    ctx: &Context<'_>,
    seen_at: DateTime<FixedOffset>,
    warnings: &mut Vec<Warning>,
) -> Option<Pending> {
    let at = raw.origin;
    let summary = match &raw.summary {
        Some(RawSummary::Text(paras)) => {
            let paras: Vec<String> = paras.iter().map(|p| text::plain(p)).collect();
            text::paragraphs_to_html(&paras)
        }
        Some(RawSummary::Html(html)) => match crate::extract::dom::check(html) {
            Ok(()) => text::sanitize_html(html, base),
            Err(e) => {
                warnings.push(Warning::at(at, format!("summary dropped: {e}")));
                None
            }
        },
        None => None,
    };
    let link = raw
        .link
        .as_deref()
        .and_then(|href| resolve_link(href, base, ctx, at, warnings));
    let Some(title) = title(raw, summary.as_deref(), link.as_ref()) else {
        warnings.push(Warning::at(
            at,
            "no title, text or link found; entry skipped",
        ));
        return None;
    };
    let reading = raw
        .date
        .as_deref()
        .and_then(|d| read_date(d, ctx, at, warnings));
    let published = reading.map(|r| r.date);
    let relative = reading.is_some_and(|r| r.relative);
    let own = id::own(ctx.scope, raw.id.as_deref());
    let by_link = own.is_none() && link.is_some();
    let id = match (own, &link) {
        (Some(own), _) => own,
        (None, Some(l)) => id::canonical(l).to_string(),
        // A relative date is no part of an id: read tomorrow it would name another day.
        (None, None) => id::hashed(ctx.scope, &title, published.filter(|_| !relative)),
    };
    let own_categories: Vec<String> = raw.categories.iter().map(|c| text::plain(c)).collect();
    Some(Pending {
        entry: Entry {
            id,
            title,
            link,
            published,
            first_seen: seen_at,
            updated: None,
            summary,
            categories: union_categories(&own_categories, ctx.categories),
            via: None,
        },
        origin: at,
        by_link,
        relative,
    })
}

/// Rule 4 of [`id`]: rows of this page that share a link under different titles become separate
/// entries. Returns one warning per shared link, the first time its rows are split.
fn shared_links(pending: &mut [Pending], scope: &str, ids: &mut Ids) -> Vec<Warning> {
    // Whether a row with `link` and title key `owner` is on this page; asked only in the rare
    // case of a stored owner that is not this row.
    let on_page = |pending: &[Pending], link: &str, owner: &str| {
        pending.iter().any(|q| {
            q.by_link && q.entry.id == link && crate::model::title_key(&q.entry.title) == owner
        })
    };
    let claims: Vec<Option<id::Claim>> = pending
        .iter()
        .map(|p| {
            p.by_link.then(|| {
                let link = &p.entry.id;
                ids.claim(scope, link, &p.entry.title, |o| on_page(pending, link, o))
            })
        })
        .collect();
    if !claims
        .iter()
        .any(|c| matches!(c, Some(id::Claim::Split { .. })))
    {
        return Vec::new();
    }
    // Rows by link, in page order, and whether any of them was split off for the first time.
    let mut groups: Vec<(String, Vec<Origin>, bool)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (p, claim) in pending.iter_mut().zip(claims) {
        let Some(claim) = claim else { continue };
        let g = *index.entry(p.entry.id.clone()).or_insert_with(|| {
            groups.push((p.entry.id.clone(), Vec::new(), false));
            groups.len() - 1
        });
        groups[g].1.push(p.origin);
        if let id::Claim::Split { id, known } = claim {
            p.entry.id = id;
            groups[g].2 |= !known;
        }
    }
    groups
        .into_iter()
        .filter(|(_, origins, new_split)| *new_split && origins.len() > 1)
        .map(|(link, origins, _)| {
            Warning::page(format!(
                "{} link to {link} under different titles; each is kept as its own entry",
                origins_text(&origins)
            ))
        })
        .collect()
}

/// "items 1 and 2", "items 1, 4 and 7", "line 3 and item 5".
fn origins_text(origins: &[Origin]) -> String {
    let all_items = origins.iter().all(|o| matches!(o, Origin::Item(_)));
    let parts: Vec<String> = origins
        .iter()
        .map(|o| match o {
            Origin::Item(n) if all_items => n.to_string(),
            other => other.to_string(),
        })
        .collect();
    let list = match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.join(""),
    };
    if all_items {
        format!("items {list}")
    } else {
        list
    }
}

/// Folds entries with the same id into the first one, which gains the others' categories.
/// Returns the entries in their order and how many were folded.
pub(crate) fn dedupe(entries: impl IntoIterator<Item = Entry>) -> (Vec<Entry>, usize) {
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

fn resolve_link(
    href: &str,
    base: Option<&Url>,
    ctx: &Context<'_>,
    at: Origin,
    warnings: &mut Vec<Warning>,
) -> Option<Url> {
    if href.trim().is_empty() {
        return None;
    }
    let why = match web_url(href, base) {
        Ok(u) => return Some(u),
        Err(e @ LinkError::NotWeb { .. }) => format!("link {e}; left out"),
        Err(e @ LinkError::Relative { .. }) => {
            format!("link {e}; {}", ctx.relative_hint)
        }
        Err(e @ LinkError::Invalid { .. }) => format!("link {e}; left out"),
    };
    warnings.push(Warning::at(at, why));
    None
}

fn read_date(
    s: &str,
    ctx: &Context<'_>,
    at: Origin,
    warnings: &mut Vec<Warning>,
) -> Option<date::Reading> {
    let s = text::collapse(s);
    let checked = date::read(&s, &ctx.rules, ctx.now)
        .map_err(|e| format!("could not read date {s:?}: {e}; entry kept, dated when first seen"))
        .and_then(|r| {
            plausible(r.date, ctx.now)
                .map(|_| r)
                .map_err(|why| format!("date {s:?} {why}"))
        });
    checked
        .map_err(|message| warnings.push(Warning::at(at, message)))
        .ok()
}

/// A date as a listing date, or why it is not one: more than a day in the future, or before 1995
/// (placeholders like 0001-01-01, parse accidents).
fn plausible(
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
    let mut seen: HashSet<String> = HashSet::with_capacity(a.len() + b.len());
    for c in a.iter().chain(b) {
        let c = c.trim();
        if !c.is_empty() && seen.insert(c.to_lowercase()) {
            out.push(c.to_string());
        }
    }
    out
}

/// Sorts newest first by [`Entry::date`] (ties keep their order) and keeps at most `max`.
pub fn newest_first(mut entries: Vec<Entry>, max: usize) -> Vec<Entry> {
    entries.sort_by_key(|e| std::cmp::Reverse(e.date()));
    entries.truncate(max);
    entries
}

#[cfg(test)]
mod tests;
