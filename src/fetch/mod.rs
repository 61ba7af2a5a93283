//! Fetching listing pages over HTTP(S), politely.
//!
//! - one request at a time per host, at least `min_delay` (or the site's `Crawl-delay`) apart;
//!   different hosts in parallel, at most `concurrency` at once;
//! - robots.txt honoured for the configured User-Agent, fetched once per host and run;
//! - conditional GET (`If-None-Match` / `If-Modified-Since`): a 304 is [`Response::NotModified`];
//! - at most 5 redirects, a timeout for the whole request, bodies over `max_body` refused while
//!   streaming, gzip and brotli accepted;
//! - connection errors, timeouts and 5xx retried with exponential backoff and jitter; 429/503 with
//!   `Retry-After` waited out when short enough, otherwise reported.
//!
//! The settings live here too: `[fetch]` ([`FetchSettings`]), a source's own overrides
//! ([`Overrides`]) and the validators a conditional GET sends back ([`Validators`]).

mod polite;
mod robots;

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use serde::Serialize;
use url::Url;

use crate::model::PROJECT_URL;
use polite::Gates;
use robots::RobotsCache;

/// The default `User-Agent`: product, version and a URL where site owners can read about it.
pub fn default_user_agent() -> String {
    format!("tagfeed/{} (+{PROJECT_URL})", env!("CARGO_PKG_VERSION"))
}

/// `[fetch]`: how politely and how patiently pages are fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchSettings {
    /// Sent with every request; robots.txt rules are matched on its first word.
    pub user_agent: String,
    /// Whole request, headers to last body byte.
    pub timeout: Duration,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Bodies larger than this are refused without being read whole.
    pub max_body: u64,
    /// Minimum pause between two requests to one host.
    pub min_delay: Duration,
    /// Hosts fetched at the same time.
    pub concurrency: usize,
    /// Extra attempts after a connection error, timeout or 5xx.
    pub retries: u32,
    /// First pause before a retry; doubles each time, with jitter.
    pub retry_delay: Duration,
    /// The longest `Retry-After` tagfeed waits for; longer ones skip the source for this run.
    pub max_retry_after: Duration,
    /// How long a run waits for another run to finish before giving up.
    pub lock_wait: Duration,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            user_agent: default_user_agent(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(30),
            max_body: 10 * 1024 * 1024,
            min_delay: Duration::from_secs(1),
            concurrency: 8,
            retries: 2,
            retry_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(120),
            lock_wait: Duration::from_secs(60),
        }
    }
}

/// What one source changes about fetching: its own `user_agent`, `timeout` and
/// `respect_robots`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overrides {
    /// Overrides `[fetch] user_agent`.
    pub user_agent: Option<String>,
    /// Overrides `[fetch] timeout`.
    pub timeout: Option<Duration>,
    /// Whether robots.txt is obeyed; `false` only with the site's permission.
    pub respect_robots: bool,
}

impl Default for Overrides {
    /// Nothing overridden, robots.txt obeyed.
    fn default() -> Self {
        Overrides {
            user_agent: None,
            timeout: None,
            respect_robots: true,
        }
    }
}

/// HTTP validators for a conditional GET.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Validators {
    /// Sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// Sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

impl Validators {
    /// Whether there is anything to send.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// One request, as [`Fetcher::request`] builds it from the settings and a source's overrides.
#[derive(Debug, Clone, Copy)]
struct Request<'a> {
    /// The page.
    pub url: &'a Url,
    /// Sent as `User-Agent`, and matched against robots.txt.
    pub user_agent: &'a str,
    /// For the whole request.
    pub timeout: Duration,
    /// Sent as `If-None-Match` / `If-Modified-Since`.
    pub validators: Option<&'a Validators>,
    /// Whether to check robots.txt first.
    pub respect_robots: bool,
}

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The body as sent (decompressed), not yet decoded.
    pub bytes: Vec<u8>,
    /// `charset` of the `Content-Type` header.
    pub charset: Option<String>,
    /// Where the page was found after redirects.
    pub url: Url,
    /// To send next time.
    pub validators: Validators,
}

/// What the server answered.
#[derive(Debug, Clone)]
pub enum Response {
    /// 304: the page did not change since the validators were stored.
    NotModified,
    /// A 2xx answer with its body.
    Page(Page),
}

/// Why a page could not be fetched. Every message names the URL and what to do. Variants carry
/// the URL asked for and what the server or network said; messages are for people, callers match
/// on variants.
#[derive(Debug, Clone, thiserror::Error)]
#[allow(missing_docs)] // fields are the message's placeholders, named for what they hold
pub enum FetchError {
    /// robots.txt forbids the URL for our agent.
    #[error(
        "{url} is disallowed by robots.txt for the user agent {agent:?}; tagfeed does not fetch it \
         (set respect_robots = false for this source only if the site allows you)"
    )]
    Disallowed { url: Url, agent: String },
    /// robots.txt could not be read, which RFC 9309 treats as "disallow all".
    #[error(
        "{robots} could not be read ({why}), so the whole site counts as disallowed (RFC 9309); \
         try again later, or set respect_robots = false if the site allows you"
    )]
    RobotsUnreachable { robots: Url, why: String },
    /// An HTTP error status, with a hint on what it usually means.
    #[error("{url} answered HTTP {status}{hint}")]
    Status {
        url: Url,
        status: u16,
        hint: &'static str,
    },
    /// 429/503 with a Retry-After longer than we wait.
    #[error(
        "{url} answered HTTP {status} and asks to come back in {secs} s, longer than \
         [fetch] max_retry_after; skipped this run"
    )]
    RetryLater { url: Url, status: u16, secs: u64 },
    /// The body would exceed `max_body`.
    #[error("{url}: the body is larger than [fetch] max_body ({limit} bytes); refused")]
    TooLarge { url: Url, limit: u64 },
    /// No complete answer in time.
    #[error(
        "{url}: no complete answer within {secs} s; raise `timeout` for this source if the site is slow"
    )]
    Timeout { url: Url, secs: u64 },
    /// No connection (DNS, refused, TLS).
    #[error("{url}: cannot connect ({why}); check the address and the network")]
    Connect { url: Url, why: String },
    /// A redirect loop or chain longer than 5.
    #[error("{url}: more than 5 redirects; check the source's url")]
    Redirects { url: Url },
    /// Anything else the client reported (a broken body, a protocol error).
    #[error("{url}: {why}")]
    Other { url: Url, why: String },
}

impl FetchError {
    /// Failures worth another attempt: the network or the server may recover in seconds.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status >= 500 || *status == 429,
            FetchError::Timeout { .. } | FetchError::Connect { .. } | FetchError::Other { .. } => {
                true
            }
            _ => false,
        }
    }
}

/// The shared HTTP client with its politeness state. One per run (or per daemon).
pub struct Fetcher {
    /// Built at the first request: a run of saved files never pays for loading the system's
    /// certificates.
    client: std::sync::OnceLock<Result<reqwest::Client, String>>,
    settings: FetchSettings,
    gates: Gates,
    robots: RobotsCache,
}

/// An error building the HTTP client (TLS setup).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client: {0}")]
pub struct ClientError(String);

impl Fetcher {
    /// Builds the client. Installs rustls' ring crypto provider if none is installed yet.
    pub fn new(settings: FetchSettings) -> Result<Fetcher, ClientError> {
        // Only fails when a provider is already installed, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Ok(Fetcher {
            client: std::sync::OnceLock::new(),
            gates: Gates::new(settings.concurrency),
            robots: RobotsCache::default(),
            settings,
        })
    }

    /// The HTTP client, built on first use.
    fn client(&self, url: &Url) -> Result<&reqwest::Client, FetchError> {
        let built = self.client.get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::limited(5))
                .connect_timeout(self.settings.connect_timeout)
                .gzip(true)
                .brotli(true)
                .build()
                .map_err(|e| format!("cannot set up the HTTP client: {e}"))
        });
        built.as_ref().map_err(|why| FetchError::Other {
            url: url.clone(),
            why: why.clone(),
        })
    }

    /// The settings this fetcher was built with.
    pub fn settings(&self) -> &FetchSettings {
        &self.settings
    }

    /// The one place a request is put together: `[fetch]` settings, then the source's overrides.
    fn request<'a>(
        &'a self,
        url: &'a Url,
        how: &'a Overrides,
        validators: Option<&'a Validators>,
    ) -> Request<'a> {
        Request {
            url,
            user_agent: how
                .user_agent
                .as_deref()
                .unwrap_or(&self.settings.user_agent),
            timeout: how.timeout.unwrap_or(self.settings.timeout),
            validators: validators.filter(|v| !v.is_empty()),
            respect_robots: how.respect_robots,
        }
    }

    /// Fetches one page (conditionally when `validators` are given): robots.txt first, then the
    /// page, retrying transient failures.
    pub async fn get(
        &self,
        url: &Url,
        how: &Overrides,
        validators: Option<&Validators>,
    ) -> Result<Response, FetchError> {
        let req = self.request(url, how, validators);
        if req.respect_robots {
            let rules = self.robots.rules(self, req.url, req.user_agent).await?;
            if !rules.allowed(req.url) {
                return Err(FetchError::Disallowed {
                    url: req.url.clone(),
                    agent: robots::agent_token(req.user_agent).to_string(),
                });
            }
            if let Some(d) = rules.crawl_delay() {
                self.gates.set_crawl_delay(req.url, d);
            }
        }
        let mut attempt: u32 = 0;
        loop {
            let result = self
                .gates
                .polite(req.url, self.settings.min_delay, self.attempt(&req))
                .await;
            let wait = match &result {
                Err(FetchError::RetryLater { secs, .. })
                    if Duration::from_secs(*secs) <= self.settings.max_retry_after =>
                {
                    Duration::from_secs(*secs)
                }
                Err(e) if e.is_transient() => self.backoff(attempt),
                _ => return result,
            };
            if attempt >= self.settings.retries {
                return result;
            }
            tracing::info!(url = %req.url, attempt = attempt + 1, wait_ms = wait.as_millis() as u64,
                error = %result.as_ref().err().map(ToString::to_string).unwrap_or_default(), "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// `retry_delay` × 2^attempt, plus up to 50 % jitter so retries from many runs spread out.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.settings.retry_delay * 2u32.saturating_pow(attempt);
        base + base.mul_f64(fastrand::f64() * 0.5)
    }

    async fn attempt(&self, req: &Request<'_>) -> Result<Response, FetchError> {
        let url = req.url;
        let mut rb = self
            .client(url)?
            .get(url.clone())
            .header(header::USER_AGENT, req.user_agent)
            .timeout(req.timeout);
        if let Some(v) = req.validators {
            if let Some(etag) = &v.etag {
                rb = rb.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                rb = rb.header(header::IF_MODIFIED_SINCE, lm);
            }
        }
        tracing::debug!(%url, "GET");
        let mut resp = rb.send().await.map_err(|e| classify(e, url, req.timeout))?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Response::NotModified);
        }
        if (status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE)
            && let Some(secs) = retry_after(resp.headers())
        {
            return Err(FetchError::RetryLater {
                url: url.clone(),
                status: status.as_u16(),
                secs,
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.clone(),
                status: status.as_u16(),
                hint: status_hint(status),
            });
        }
        let limit = self.settings.max_body;
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge {
                url: url.clone(),
                limit,
            });
        }
        let headers = resp.headers().clone();
        let final_url = resp.url().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| classify(e, url, req.timeout))?
        {
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge {
                    url: url.clone(),
                    limit,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Response::Page(Page {
            bytes,
            charset: charset(&headers),
            url: final_url,
            validators: Validators {
                etag: header_str(&headers, header::ETAG),
                last_modified: header_str(&headers, header::LAST_MODIFIED),
            },
        }))
    }
}

fn classify(e: reqwest::Error, url: &Url, timeout: Duration) -> FetchError {
    let url = url.clone();
    if e.is_timeout() {
        FetchError::Timeout {
            url,
            secs: timeout.as_secs().max(1),
        }
    } else if e.is_redirect() {
        FetchError::Redirects { url }
    } else if e.is_connect() {
        FetchError::Connect {
            url,
            why: root_cause(&e),
        }
    } else {
        FetchError::Other {
            url,
            why: root_cause(&e),
        }
    }
}

/// The innermost error message, which says what actually happened ("connection refused").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn status_hint(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 | 410 => "; the page is gone: check the source's url",
        401 | 403 => {
            "; the site refuses this client (some sites block non-browser user agents; see `user_agent`)"
        }
        429 => "; too many requests: raise [fetch] min_delay",
        500..=599 => "; the site has a problem: tried again and gave up, the next run will retry",
        _ => "",
    }
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The `charset` parameter of `Content-Type`.
fn charset(h: &HeaderMap) -> Option<String> {
    let ct = header_str(h, header::CONTENT_TYPE)?;
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset")).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// `Retry-After` as seconds from now: either a number or an HTTP date.
fn retry_after(h: &HeaderMap) -> Option<u64> {
    let v = header_str(h, header::RETRY_AFTER)?;
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs);
    }
    let when = chrono::DateTime::parse_from_rfc2822(&v).ok()?;
    let secs = (when.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
    Some(secs.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            "text/html; Charset=\"windows-1251\"".parse().unwrap(),
        );
        h.insert(header::RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(charset(&h).as_deref(), Some("windows-1251"));
        assert_eq!(retry_after(&h), Some(120));
        h.insert(
            header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(0), "a date in the past means now");
        h.insert(header::CONTENT_TYPE, "text/html".parse().unwrap());
        assert_eq!(charset(&h), None);
    }

    #[test]
    fn backoff_grows_with_bounded_jitter() {
        let f = Fetcher::new(FetchSettings {
            retry_delay: Duration::from_millis(100),
            ..FetchSettings::default()
        })
        .unwrap();
        for attempt in 0..4 {
            let base = 100 * 2u64.pow(attempt);
            let d = f.backoff(attempt).as_millis() as u64;
            assert!(
                (base..=base * 3 / 2).contains(&d),
                "attempt {attempt}: {d} ms"
            );
        }
    }
}
