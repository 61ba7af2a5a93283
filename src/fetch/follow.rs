//! One page from its URL: redirects followed here, hop by hop, so that every hop's host gets its
//! robots.txt check and its per-host pause (an HTTP client following redirects on its own would
//! skip both), a redirect to anything but http(s) is refused, and each hop's transient failures
//! are retried with backoff.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header;
use url::Url;

use super::{
    BodyLimit, FetchError, Fetcher, Page, Request, Response, Validators, charset, classify,
    header_str, retry_after, robots, status_hint,
};

/// Redirects followed before giving up (as browsers and RFC 9309 suggest, five).
const MAX_REDIRECTS: usize = 5;

/// What one HTTP exchange gave.
pub(super) enum Answer {
    /// A final answer: a page or a 304.
    Done(Response),
    /// A redirect to this URL (resolved against the one asked).
    Redirect(Url),
}

impl Fetcher {
    /// `req`, following redirects; robots.txt is asked for each hop when `req` respects it.
    pub(super) async fn follow(&self, req: Request<'_>) -> Result<Response, FetchError> {
        let mut current = req.url.clone();
        let mut seen = vec![current.clone()];
        loop {
            let hop = Request {
                url: &current,
                ..req
            };
            if !hop.private_ok {
                super::private::refuse_private(&current).await?;
            }
            if hop.respect_robots {
                self.obey_robots(&hop).await?;
            }
            match self.retrying(&hop).await? {
                Answer::Done(response) => return Ok(response),
                Answer::Redirect(to) => current = next_hop(&mut seen, req.url, current, to)?,
            }
        }
    }

    /// [`Fetcher::follow`] for robots.txt itself, which asks no robots.txt. (A function of its
    /// own: one that could call `obey_robots` would make the future contain itself.)
    pub(super) async fn follow_robots_txt(&self, req: Request<'_>) -> Result<Response, FetchError> {
        let mut current = req.url.clone();
        let mut seen = vec![current.clone()];
        loop {
            let hop = Request {
                url: &current,
                ..req
            };
            if !hop.private_ok {
                super::private::refuse_private(&current).await?;
            }
            match self.retrying(&hop).await? {
                Answer::Done(response) => return Ok(response),
                Answer::Redirect(to) => current = next_hop(&mut seen, req.url, current, to)?,
            }
        }
    }

    /// Fails when robots.txt forbids `req.url`; notes the host's crawl delay.
    async fn obey_robots(&self, req: &Request<'_>) -> Result<(), FetchError> {
        let rules = self
            .robots
            .rules(self, req.url, req.user_agent, req.private_ok)
            .await?;
        if !rules.allowed(req.url) {
            return Err(FetchError::Disallowed {
                url: req.url.clone(),
                agent: robots::agent_token(req.user_agent).to_string(),
            });
        }
        if let Some(asked) = rules.crawl_delay() {
            let cap = self.settings.max_crawl_delay;
            let delay = asked.min(cap);
            if self.gates.set_crawl_delay(req.url, delay) {
                if asked > cap {
                    tracing::info!(
                        host = req.url.host_str().unwrap_or(""),
                        "robots.txt asks for {} s between requests; waiting {} s ([fetch] max_crawl_delay)",
                        asked.as_secs_f32(),
                        cap.as_secs_f32()
                    );
                } else {
                    tracing::info!(
                        host = req.url.host_str().unwrap_or(""),
                        "robots.txt asks for {} s between requests",
                        asked.as_secs_f32()
                    );
                }
            }
        }
        Ok(())
    }

    /// One hop with retries: transient failures again after a backoff, a short `Retry-After`
    /// waited out.
    pub(super) async fn retrying(&self, req: &Request<'_>) -> Result<Answer, FetchError> {
        let mut attempt: u32 = 0;
        loop {
            let result = self
                .gates
                .polite(
                    req.url,
                    self.settings.min_delay,
                    req.paced,
                    self.attempt(req),
                )
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
                return result.map_err(|e| match e {
                    FetchError::RetryLater { url, status, .. } => FetchError::StillBusy {
                        url,
                        status,
                        tries: attempt + 1,
                    },
                    other => other,
                });
            }
            tracing::info!(url = %req.url, attempt = attempt + 1, wait_ms = wait.as_millis() as u64,
                error = %result.as_ref().err().map(ToString::to_string).unwrap_or_default(), "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One HTTP exchange.
    async fn attempt(&self, req: &Request<'_>) -> Result<Answer, FetchError> {
        let url = req.url;
        let mut rb = self
            .client(url)?
            .get(url.clone())
            .header(header::USER_AGENT, req.user_agent)
            .timeout(req.timeout);
        if let Some(v) = req.validators {
            rb = conditional(rb, v);
        }
        tracing::debug!(%url, "GET");
        let mut resp = rb
            .send()
            .await
            .map_err(|e| classify(e, url, req.timeout, self.settings.connect_timeout))?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Answer::Done(Response::NotModified));
        }
        if status.is_redirection() {
            let to = header_str(resp.headers(), header::LOCATION).and_then(|l| url.join(&l).ok());
            return match to {
                Some(to) => Ok(Answer::Redirect(to)),
                None => Err(FetchError::Status {
                    url: url.clone(),
                    status: status.as_u16(),
                    hint: "; a redirect without a usable Location header",
                }),
            };
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
        let (limit, truncate) = match req.body {
            BodyLimit::Refuse(n) => (n, false),
            BodyLimit::Truncate(n) => (n, true),
        };
        let too_large = || FetchError::TooLarge {
            url: url.clone(),
            limit,
        };
        if !truncate && resp.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let headers = resp.headers().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| classify(e, url, req.timeout, self.settings.connect_timeout))?
        {
            let room = usize::try_from(limit).unwrap_or(usize::MAX) - bytes.len();
            if chunk.len() > room {
                if !truncate {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk[..room]);
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Answer::Done(Response::Page(Page {
            bytes,
            charset: charset(&headers),
            url: url.clone(),
            validators: Validators {
                etag: header_str(&headers, header::ETAG),
                last_modified: header_str(&headers, header::LAST_MODIFIED),
            },
        })))
    }
}

/// The next hop after `current` redirected to `to`, unless it leaves the web, loops or is one
/// too many.
fn next_hop(seen: &mut Vec<Url>, start: &Url, current: Url, to: Url) -> Result<Url, FetchError> {
    if !matches!(to.scheme(), "http" | "https") {
        return Err(FetchError::RedirectScheme {
            url: current,
            to: to.to_string(),
        });
    }
    if seen.contains(&to) || seen.len() > MAX_REDIRECTS {
        return Err(FetchError::Redirects { url: start.clone() });
    }
    tracing::debug!(from = %current, to = %to, "following a redirect");
    seen.push(to.clone());
    Ok(to)
}

/// `rb` sent as a conditional GET.
fn conditional(mut rb: reqwest::RequestBuilder, v: &Validators) -> reqwest::RequestBuilder {
    if let Some(etag) = &v.etag {
        rb = rb.header(header::IF_NONE_MATCH, etag);
    }
    if let Some(lm) = &v.last_modified {
        rb = rb.header(header::IF_MODIFIED_SINCE, lm);
    }
    rb
}
