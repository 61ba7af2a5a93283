//! Reading a source's pages: one saved file, or page 1 of a web listing and, when back-filling,
//! the older pages after it.
//!
//! The walk stops at the page limit, at a page with no items or nothing new, at a page already
//! seen (by URL or by content: the loop guard), and at a page without a next link.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use url::Url;

use super::{Read, RefreshError, read};
use crate::config::{Input, Source};
use crate::extract::Listing;
use crate::fetch::{Fetcher, Request, Response};
use crate::model::Warning;
use crate::normalize::{self, id};
use crate::source::{self, Loaded};
use crate::store::Validators;

/// What the walk needs to know from the store.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Ids already stored: a page with none but these ends the walk.
    pub ids: HashSet<String>,
    /// Validators of page 1, for a conditional GET.
    pub validators: Validators,
}

/// The pages read for one source.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// Page 1 answered 304: nothing changed, nothing was read.
    pub not_modified: bool,
    /// The pages read, newest first.
    pub pages: Vec<Read>,
    /// The URL and validators of page 1, to store once the source succeeded.
    pub validators: Option<(String, Validators)>,
    /// Whether the walk ended as planned (false when an older page failed, so that the next run
    /// back-fills again).
    pub backfilled: bool,
    /// Problems that ended the walk early without failing the source.
    pub warnings: Vec<Warning>,
}

/// The next page's URL: the `next_page` link when the source has that selector, else the
/// `page_param` query parameter set to `next` on the current URL.
pub fn next_page_url(
    source: &Source,
    listing: &Listing,
    current: &Url,
    next: usize,
) -> Option<Url> {
    if source
        .select
        .as_ref()
        .is_some_and(|s| s.next_page.is_some())
    {
        let href = listing.next_page.as_deref()?;
        let base = normalize::base_url(listing, Some(current))?;
        return base.join(href.trim()).ok();
    }
    let param = source.pagination.page_param.as_deref()?;
    let mut url = current.clone();
    let others: Vec<(String, String)> = current
        .query_pairs()
        .filter(|(k, _)| k != param)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(others)
        .append_pair(param, &next.to_string());
    Some(url)
}

/// Reads a source's pages. `backfill` walks up to `backfill_pages`, else up to `max_pages`, and
/// skips the conditional GET so the walk really happens.
pub async fn walk(
    fetcher: Arc<Fetcher>,
    source: &Source,
    known: Known,
    backfill: bool,
    now: DateTime<Utc>,
) -> Result<Walk, RefreshError> {
    let start = match &source.input {
        Input::Path(p) => {
            let loaded = source::read_file(p)?;
            return Ok(Walk {
                pages: vec![read(source, &loaded, now)?],
                ..Walk::default()
            });
        }
        Input::Url(u) => u.clone(),
    };
    let limit = if backfill {
        source.pagination.backfill_pages
    } else {
        source.pagination.max_pages
    };
    let mut out = Walk {
        backfilled: true,
        ..Walk::default()
    };
    let mut url = start;
    let mut visited: HashSet<String> = HashSet::new();
    let mut bodies: HashSet<blake3::Hash> = HashSet::new();
    let mut seen = known.ids;
    let mut offset = 0i64;
    for n in 1..=limit {
        if !visited.insert(id::canonical(&url).to_string()) {
            break;
        }
        let settings = fetcher.settings();
        let req = Request {
            url: &url,
            user_agent: source.user_agent.as_deref().unwrap_or(&settings.user_agent),
            timeout: source.timeout.unwrap_or(settings.timeout),
            validators: (n == 1 && !backfill && !known.validators.is_empty())
                .then_some(&known.validators),
            respect_robots: source.respect_robots,
        };
        let page = match fetcher.get(req).await {
            Ok(Response::Page(p)) => p,
            Ok(Response::NotModified) => {
                out.not_modified = n == 1;
                break;
            }
            Err(e) if n == 1 => return Err(e.into()),
            Err(e) => {
                // Keep what was read; the back-fill is tried again on the next run.
                out.backfilled = false;
                out.warnings.push(Warning {
                    origin: None,
                    message: format!("page {n} failed, the walk stops there: {e}"),
                });
                return Ok(out);
            }
        };
        if !bodies.insert(blake3::hash(&page.bytes)) {
            break;
        }
        if n == 1 {
            out.validators = Some((url.to_string(), page.validators.clone()));
        }
        let loaded = Loaded {
            bytes: page.bytes,
            charset: page.charset,
            modified: None,
            url: Some(page.url.clone()),
        };
        let mut r = read(source, &loaded, now)?;
        // Older pages hold older entries: undated ones keep page order across pages too.
        for e in &mut r.normalized.entries {
            e.first_seen -= Duration::seconds(offset);
        }
        offset += r.listing.entries.len() as i64;
        let fresh = r
            .normalized
            .entries
            .iter()
            .filter(|e| seen.insert(e.id.clone()))
            .count();
        let next = next_page_url(source, &r.listing, &page.url, n + 1);
        let done = r.listing.entries.is_empty() || fresh == 0;
        out.pages.push(r);
        match next {
            Some(u) if !done => url = u,
            _ => break,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn source(extra: &str) -> Source {
        let text = format!(
            "[output]\nbase_url = \"https://f.org/\"\n[[source]]\nname = \"s\"\nurl = \"https://e.org/news/?Page=1&x=y\"\n{extra}"
        );
        config::parse(&text).unwrap().sources.remove(0)
    }

    #[test]
    fn page_param_replaces_the_page_number() {
        let s = source("page_param = \"Page\"\n");
        let cur = Url::parse("https://e.org/news/?Page=1&x=y").unwrap();
        let next = next_page_url(&s, &Listing::default(), &cur, 2).unwrap();
        assert_eq!(next.as_str(), "https://e.org/news/?x=y&Page=2");
        assert_eq!(
            next_page_url(&source(""), &Listing::default(), &cur, 2),
            None
        );
    }

    #[test]
    fn next_page_link_resolves_against_the_page() {
        let s = source("[source.select]\nitem = \"li\"\nnext_page = \"a.next@href\"\n");
        let cur = Url::parse("https://e.org/news/page/1/").unwrap();
        let listing = Listing {
            next_page: Some("../2/".into()),
            ..Listing::default()
        };
        let next = next_page_url(&s, &listing, &cur, 2).unwrap();
        assert_eq!(next.as_str(), "https://e.org/news/page/2/");
        assert_eq!(next_page_url(&s, &Listing::default(), &cur, 2), None);
    }
}

/// An external feed, read.
#[derive(Debug, Clone, Default)]
pub struct FeedRead {
    /// `None` when the server answered 304.
    pub parsed: Option<crate::extract::feed::ParsedFeed>,
    /// The feed URL's validators, to store once it was read.
    pub validators: Option<(String, Validators)>,
}

/// Reads an external feed from its URL (politely, conditionally) or file.
pub async fn fetch_feed(
    fetcher: Arc<Fetcher>,
    input: &Input,
    validators: Validators,
    now: DateTime<Utc>,
) -> Result<FeedRead, RefreshError> {
    let key = input.to_string();
    let (bytes, base, validators) = match input {
        Input::Path(p) => (source::read_file(p)?.bytes, None, None),
        Input::Url(url) => {
            let settings = fetcher.settings();
            let req = Request {
                url,
                user_agent: &settings.user_agent,
                timeout: settings.timeout,
                validators: (!validators.is_empty()).then_some(&validators),
                respect_robots: true,
            };
            match fetcher.get(req).await? {
                Response::NotModified => return Ok(FeedRead::default()),
                Response::Page(p) => (p.bytes, Some(p.url), Some((url.to_string(), p.validators))),
            }
        }
    };
    let parsed = crate::extract::feed::parse(&bytes, &key, base.as_ref(), now)?;
    Ok(FeedRead {
        parsed: Some(parsed),
        validators,
    })
}
