//! Fetching listing pages over HTTP(S), politely.
//!
//! - one request at a time per host, at least `min_delay` (or the site's `Crawl-delay`) apart;
//!   different hosts in parallel, at most `concurrency` at once;
//! - robots.txt honoured for the configured User-Agent, fetched once per host and run;
//! - conditional GET (`If-None-Match` / `If-Modified-Since`): a 304 is [`Response::NotModified`];
//! - at most 5 redirects, followed hop by hop (robots.txt and the pause for each hop's host; only
//!   http and https), a timeout for the whole request, bodies over `max_body` refused while
//!   streaming, gzip and brotli accepted;
//! - connection errors, timeouts and 5xx retried with exponential backoff and jitter; 429/503 with
//!   `Retry-After` waited out when short enough, otherwise reported.
//!
//! The settings live here too: `[fetch]` ([`FetchSettings`]), a source's own overrides
//! ([`Overrides`]) and the validators a conditional GET sends back ([`Validators`]).

mod follow;
mod polite;
mod private;
mod robots;

pub use private::is_private_url;

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
    /// The longest pause between requests to one host that a robots.txt `Crawl-delay` gets.
    pub max_crawl_delay: Duration,
    /// Let links from pages (next pages, redirects) reach private and loopback addresses.
    pub allow_private: bool,
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
            max_crawl_delay: Duration::from_secs(60),
            allow_private: false,
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
    /// Whether private and loopback addresses may be reached: the source's own URL is on one.
    pub private_ok: bool,
}

impl Overrides {
    /// The defaults for fetching `url`, which the user gave: private addresses are fine when it
    /// is on one itself.
    pub fn for_url(url: &Url) -> Overrides {
        Overrides {
            private_ok: is_private_url(url),
            ..Overrides::default()
        }
    }
}

impl Default for Overrides {
    /// Nothing overridden, robots.txt obeyed.
    fn default() -> Self {
        Overrides {
            user_agent: None,
            timeout: None,
            respect_robots: true,
            private_ok: false,
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

/// What to do with a body longer than a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyLimit {
    /// Fail: a page that large is no listing (`max_body`).
    Refuse(u64),
    /// Keep the first bytes (robots.txt: RFC 9309 asks to parse at least 500 KiB).
    Truncate(u64),
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
    /// How much body is read.
    pub body: BodyLimit,
    /// Whether private and loopback addresses may be reached.
    pub private_ok: bool,
    /// Whether a crawl delay follows the request (robots.txt: no, so a crawl delay never holds
    /// back the first page of a host).
    pub paced: bool,
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
    /// 429/503 with a short Retry-After, waited out on every try.
    #[error(
        "{url} answered HTTP {status} (come back later) on each of {tries} tries, each time \
         waited out as its Retry-After asked; skipped this run, the next run tries again"
    )]
    StillBusy { url: Url, status: u16, tries: u32 },
    /// A URL from a page that leads to a private or loopback address.
    #[error(
        "{url} leads to {addr}, a private or loopback address, and the link came from a page, not \
         from the config; refused (set [fetch] allow_private = true if that is intended)"
    )]
    Private { url: Url, addr: String },
    /// A redirect to a `file:`, `javascript:`, `ftp:` or other non-web URL.
    #[error(
        "{url} redirects to {to:?}, which is not an http(s) URL; refused (check the source's url)"
    )]
    RedirectScheme { url: Url, to: String },
    /// The body would exceed `max_body`.
    #[error("{url}: the body is larger than [fetch] max_body ({limit} bytes); refused")]
    TooLarge { url: Url, limit: u64 },
    /// No complete answer in time.
    #[error(
        "{url}: no complete answer within {secs} s; raise `timeout` for this source if the site is slow"
    )]
    Timeout { url: Url, secs: u64 },
    /// No connection (DNS, refused, TLS).
    #[error("{url}: cannot connect: {why}")]
    Connect { url: Url, why: String },
    /// A redirect loop or chain longer than 5.
    #[error("{url}: a redirect loop or more than 5 redirects; check the source's url")]
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
    /// Where fetches are counted, in a long-running process.
    metrics: Option<std::sync::Arc<crate::metrics::Metrics>>,
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
            metrics: None,
        })
    }

    /// Counts every fetch in `metrics` (for `serve`'s /metrics).
    pub fn with_metrics(mut self, metrics: std::sync::Arc<crate::metrics::Metrics>) -> Fetcher {
        self.metrics = Some(metrics);
        self
    }

    /// The HTTP client, built on first use.
    fn client(&self, url: &Url) -> Result<&reqwest::Client, FetchError> {
        let built = self.client.get_or_init(|| {
            reqwest::Client::builder()
                // Redirects are followed in `follow`, hop by hop.
                .redirect(reqwest::redirect::Policy::none())
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
            body: BodyLimit::Refuse(self.settings.max_body),
            paced: true,
            private_ok: how.private_ok || self.settings.allow_private,
        }
    }

    /// Fetches one page (conditionally when `validators` are given): robots.txt first, then the
    /// page, retrying transient failures and following redirects (each hop checked the same way).
    pub async fn get(
        &self,
        url: &Url,
        how: &Overrides,
        validators: Option<&Validators>,
    ) -> Result<Response, FetchError> {
        let result = self.follow(self.request(url, how, validators)).await;
        if let Some(m) = &self.metrics {
            match &result {
                Ok(Response::Page(_)) | Err(FetchError::TooLarge { .. }) => m.fetch(Some(200)),
                Ok(Response::NotModified) => m.fetch(Some(304)),
                Err(
                    FetchError::Status { status, .. }
                    | FetchError::RetryLater { status, .. }
                    | FetchError::StillBusy { status, .. },
                ) => m.fetch(Some(*status)),
                Err(
                    FetchError::Timeout { .. }
                    | FetchError::Connect { .. }
                    | FetchError::Other { .. },
                ) => m.fetch(None),
                // Refused before asking (robots.txt, a private address, a bad redirect).
                Err(_) => {}
            }
        }
        result
    }

    /// `retry_delay` × 2^attempt, plus up to 50 % jitter so retries from many runs spread out.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.settings.retry_delay * 2u32.saturating_pow(attempt);
        base + base.mul_f64(fastrand::f64() * 0.5)
    }
}

/// A client error in the user's terms; a connection that timed out says after how long.
fn classify(e: reqwest::Error, url: &Url, timeout: Duration, connect: Duration) -> FetchError {
    let url = url.clone();
    if e.is_connect() && e.is_timeout() {
        FetchError::Connect {
            url,
            why: format!(
                "no connection within {} s; raise [fetch] connect_timeout if the site is slow to answer",
                connect.as_secs_f32()
            ),
        }
    } else if e.is_timeout() {
        FetchError::Timeout {
            url,
            secs: timeout.as_secs().max(1),
        }
    } else if e.is_redirect() {
        FetchError::Redirects { url }
    } else if e.is_connect() {
        let why = connect_failure(&e, &url);
        FetchError::Connect { url, why }
    } else {
        FetchError::Other {
            url,
            why: root_cause(&e),
        }
    }
}

/// The innermost error message, which says what actually happened ("connection refused").
/// Why a connection failed, in the words of the failure: refused (the host is up, nothing
/// listens), a name that does not resolve, a reset; else what the network said.
fn connect_failure(e: &(dyn std::error::Error + 'static), url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(0);
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    return format!(
                        "connection refused: nothing answers at {host}:{port}, so the site is down or the address is wrong"
                    );
                }
                std::io::ErrorKind::ConnectionReset => {
                    return format!("{host}:{port} reset the connection");
                }
                _ => {}
            }
        }
        if err.to_string().starts_with("dns error") {
            return format!("the name {host} does not resolve in DNS; check its spelling");
        }
        cur = err.source();
    }
    format!("{}; check the address and the network", root_cause(e))
}

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
