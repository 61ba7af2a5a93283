//! Where a listing goes on: the next page's address, from its next link or the page parameter.

use url::Url;

use crate::extract::Listing;
use crate::model::web_url;
use crate::normalize;
use crate::source::Source;

/// The next page's URL: the page's next link (found by the `next_page` selector, a preset's or
/// detection's), else — unless the source's own `next_page` selector found none — the
/// `page_param` query parameter set to `next` on the current URL.
pub fn next_page_url(
    source: &Source,
    listing: &Listing,
    current: &Url,
    next: usize,
) -> Option<Url> {
    if let Some(href) = listing.next_page.as_deref() {
        let base = normalize::base_url(listing, Some(current))?;
        return web_url(href, Some(&base)).ok();
    }
    if source
        .select
        .as_ref()
        .is_some_and(|s| s.next_page.is_some())
    {
        return None;
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
        let mailto = Listing {
            next_page: Some("mailto:x@e.org".into()),
            ..Listing::default()
        };
        assert_eq!(next_page_url(&s, &mailto, &cur, 2), None, "only web pages");
    }
}
