//! robots.txt (RFC 9309): fetched once per site and user agent, then asked for every URL.
//!
//! A missing robots.txt (4xx) allows everything; one that cannot be read (5xx, network error)
//! disallows everything until it can, as the RFC says.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OnceCell;
use url::Url;

use super::{FetchError, Fetcher, Overrides, Response};

/// What a site's robots.txt says for our agent.
pub(crate) enum Rules {
    AllowAll,
    Parsed(texting_robots::Robot),
}

impl Rules {
    /// Whether `url` may be fetched.
    pub(crate) fn allowed(&self, url: &Url) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::Parsed(r) => r.allowed(url.as_str()),
        }
    }

    /// The `Crawl-delay` for our agent, if any.
    pub(crate) fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::AllowAll => None,
            Rules::Parsed(r) => r
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(3600.0))),
        }
    }
}

/// The product token robots.txt groups are matched against: "tagfeed" of "tagfeed/0.1 (+…)".
pub(crate) fn agent_token(user_agent: &str) -> &str {
    user_agent
        .split(|c: char| c == '/' || c.is_whitespace())
        .next()
        .unwrap_or(user_agent)
}

type Cell = Arc<OnceCell<Result<Arc<Rules>, FetchError>>>;

/// robots.txt rules per site and agent, for the life of a fetcher.
#[derive(Default)]
pub(crate) struct RobotsCache {
    cells: Mutex<HashMap<String, Cell>>,
}

impl RobotsCache {
    /// The rules for `url`'s site, fetching its robots.txt the first time.
    /// `private_ok` is the page request's: robots.txt and its redirects may reach private
    /// addresses only when the page may.
    pub(crate) async fn rules(
        &self,
        fetcher: &Fetcher,
        url: &Url,
        user_agent: &str,
        private_ok: bool,
    ) -> Result<Arc<Rules>, FetchError> {
        let mut robots = url.clone();
        robots.set_path("/robots.txt");
        robots.set_query(None);
        robots.set_fragment(None);
        let agent = agent_token(user_agent);
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells
                .entry(format!("{robots} {agent}"))
                .or_default()
                .clone()
        };
        let rules = cell.get_or_init(|| fetch(fetcher, robots, user_agent, agent, private_ok));
        rules.await.clone().map_err(|e| match e {
            // A host that cannot be reached is the page's problem, not robots.txt's: say so
            // with the page's address. (A robots.txt that is slow to answer stays named.)
            FetchError::Connect { why, .. } => FetchError::Connect {
                url: url.clone(),
                why,
            },
            other => other,
        })
    }
}

/// How much of a robots.txt is read: RFC 9309 asks crawlers to parse at least 500 KiB.
const ROBOTS_MAX: u64 = 512 * 1024;

async fn fetch(
    fetcher: &Fetcher,
    robots: Url,
    user_agent: &str,
    agent: &str,
    private_ok: bool,
) -> Result<Arc<Rules>, FetchError> {
    let how = Overrides {
        user_agent: Some(user_agent.to_string()),
        timeout: None,
        respect_robots: false,
        private_ok,
    };
    let req = super::Request {
        body: super::BodyLimit::Truncate(ROBOTS_MAX),
        paced: false,
        ..fetcher.request(&robots, &how, None)
    };
    // The same retries and redirects as a page, but not counted as the host's first request.
    let result = fetcher.follow_robots_txt(req).await;
    let unreachable = |why: String| FetchError::RobotsUnreachable {
        robots: robots.clone(),
        why,
    };
    match result {
        Ok(Response::Page(page)) => Ok(Arc::new(parse(agent, &page.bytes))),
        Ok(Response::NotModified) => Ok(Arc::new(Rules::AllowAll)),
        Err(FetchError::Status { status, .. }) if (400..500).contains(&status) => {
            Ok(Arc::new(Rules::AllowAll))
        }
        Err(
            FetchError::Status { status, .. }
            | FetchError::RetryLater { status, .. }
            | FetchError::StillBusy { status, .. },
        ) => Err(unreachable(format!("HTTP {status}"))),
        // The host itself cannot be reached: say what happened to it, as for a page.
        Err(e) => Err(e),
    }
}

/// The rules for `agent` in `bytes`, cut after the last whole line (a file longer than
/// [`ROBOTS_MAX`] ends mid-line).
fn parse(agent: &str, bytes: &[u8]) -> Rules {
    let whole = if bytes.len() as u64 >= ROBOTS_MAX {
        bytes
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(bytes, |i| &bytes[..=i])
    } else {
        bytes
    };
    texting_robots::Robot::new(agent, whole)
        .map(Rules::Parsed)
        .unwrap_or(Rules::AllowAll)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_tokens() {
        assert_eq!(agent_token("tagfeed/0.1.0 (+https://x)"), "tagfeed");
        assert_eq!(agent_token("MyBot"), "MyBot");
    }

    #[test]
    fn an_oversized_robots_txt_is_read_up_to_its_limit() {
        let mut txt = b"User-agent: *\nDisallow: /\n".to_vec();
        while (txt.len() as u64) < ROBOTS_MAX {
            txt.extend_from_slice(b"# padding padding padding padding padding padding\n");
        }
        txt.truncate(ROBOTS_MAX as usize);
        let r = parse("tagfeed", &txt);
        assert!(!r.allowed(&Url::parse("https://e.org/news/").unwrap()));
    }

    #[test]
    fn rules_follow_the_agent_group() {
        let txt = b"User-agent: tagfeed\nDisallow: /private/\nCrawl-delay: 2\n\nUser-agent: *\nDisallow: /\n";
        let r = Rules::Parsed(texting_robots::Robot::new("tagfeed", txt).unwrap());
        assert!(r.allowed(&Url::parse("https://e.org/news/").unwrap()));
        assert!(!r.allowed(&Url::parse("https://e.org/private/x").unwrap()));
        assert_eq!(r.crawl_delay(), Some(Duration::from_secs(2)));
        let other = Rules::Parsed(texting_robots::Robot::new("otherbot", txt).unwrap());
        assert!(!other.allowed(&Url::parse("https://e.org/news/").unwrap()));
    }
}
