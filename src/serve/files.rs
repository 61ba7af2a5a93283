//! Feed files: lookup by exact name, conditional requests, content negotiation.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::ServeState;
use crate::config::Config;

/// How a body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    fn token(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }
}

/// A body's content hash and how it is encoded.
type Variant = (String, Encoding);

/// Compressed bodies by content hash, so a popular feed is compressed once per change.
#[derive(Default)]
pub(crate) struct Cache(Mutex<HashMap<Variant, Arc<Vec<u8>>>>);

impl Cache {
    fn get_or(
        &self,
        key: Variant,
        make: impl FnOnce() -> std::io::Result<Vec<u8>>,
    ) -> std::io::Result<Arc<Vec<u8>>> {
        if let Some(hit) = self.0.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(hit);
        }
        let body = Arc::new(make()?);
        if let Ok(mut m) = self.0.lock() {
            // Feeds are few and small; an old variant is simply dropped when the cache fills.
            if m.len() >= 256 {
                m.clear();
            }
            m.insert(key, body.clone());
        }
        Ok(body)
    }
}

/// A file tagfeed writes: where it is, how to label it, and how long readers may cache it.
struct Served {
    path: PathBuf,
    media_type: String,
    max_age: Duration,
}

/// Looks a request name up in the files the config produces; anything else does not exist.
fn lookup(config: &Config, file: &str) -> Option<Served> {
    let (feed, f) = config.file(file)?;
    let interval = config.schedule_of(feed.unwrap_or("")).interval(Utc::now());
    let media = f.format.map_or("text/x-opml", |f| f.media_type());
    Some(Served {
        path: f.path,
        media_type: format!("{media}; charset=utf-8"),
        max_age: (interval / 2).clamp(Duration::from_secs(60), Duration::from_secs(3600)),
    })
}

/// The best encoding the client accepts: brotli, then gzip, then none.
fn negotiate(headers: &HeaderMap) -> Encoding {
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let accepts = |name: &str| {
        accept.split(',').any(|part| {
            let mut bits = part.split(';');
            let token = bits.next().unwrap_or("").trim();
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (token.eq_ignore_ascii_case(name) || token == "*") && q > 0.0
        })
    };
    if accepts("br") {
        Encoding::Brotli
    } else if accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn compress(body: &[u8], enc: Encoding) -> std::io::Result<Vec<u8>> {
    match enc {
        Encoding::Identity => Ok(body.to_vec()),
        Encoding::Gzip => {
            let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            w.write_all(body)?;
            w.finish()
        }
        Encoding::Brotli => {
            let mut w = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
            w.write_all(body)?;
            w.flush()?;
            Ok(w.into_inner())
        }
    }
}

/// An HTTP date (IMF-fixdate).
fn http_date(t: SystemTime) -> String {
    DateTime::<Utc>::from(t)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Whether `If-None-Match` lists `etag` (weak comparison, as RFC 9110 asks for GET).
fn none_match(headers: &HeaderMap, etag: &str) -> Option<bool> {
    let v = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    Some(
        v.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*"),
    )
}

/// Whether the file is unchanged since `If-Modified-Since`.
fn not_modified_since(headers: &HeaderMap, modified: SystemTime) -> bool {
    let Some(since) = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
    else {
        return false;
    };
    DateTime::<Utc>::from(modified).timestamp() <= since.timestamp()
}

/// `GET /<file>`.
pub(crate) async fn file(
    State(state): State<Arc<ServeState>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let config = state.config();
    let Some(served) = lookup(&config, &file) else {
        return not_found().await;
    };
    let path = served.path.clone();
    let read = tokio::task::spawn_blocking(move || {
        let bytes = std::fs::read(&path)?;
        let modified = std::fs::metadata(&path)?.modified()?;
        Ok::<_, std::io::Error>((bytes, modified))
    })
    .await;
    let Ok(Ok((bytes, modified))) = read else {
        // Listed in the config but not written yet.
        return not_found().await;
    };
    let hash = blake3::hash(&bytes).to_hex()[..20].to_string();
    // The body in the best encoding the client takes; should compressing fail, the plain one.
    let (enc, body) = match negotiate(&headers) {
        Encoding::Identity => (Encoding::Identity, Arc::new(bytes)),
        other => match state
            .compressed
            .get_or((hash.clone(), other), || compress(&bytes, other))
        {
            Ok(body) => (other, body),
            Err(e) => {
                tracing::warn!(file = %file, error = %e, "cannot compress; sending it plain");
                (Encoding::Identity, Arc::new(bytes))
            }
        },
    };
    let etag = match enc.token() {
        Some(t) => format!("\"{hash}-{t}\""),
        None => format!("\"{hash}\""),
    };
    let mut h = HeaderMap::new();
    let mut set = |name, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set(header::ETAG, etag.clone());
    set(header::LAST_MODIFIED, http_date(modified));
    set(
        header::CACHE_CONTROL,
        format!("public, max-age={}", served.max_age.as_secs()),
    );
    set(header::VARY, "Accept-Encoding".into());
    let unchanged =
        none_match(&headers, &etag).unwrap_or_else(|| not_modified_since(&headers, modified));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    set(header::CONTENT_TYPE, served.media_type);
    if let Some(token) = enc.token() {
        set(header::CONTENT_ENCODING, token.into());
    }
    (StatusCode::OK, h, Body::from(body.as_ref().clone())).into_response()
}

/// Everything that is not a feed, the index or the health check.
pub(crate) async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_configured_files_with_cache_lifetimes_from_their_schedules() {
        let config = crate::config::parse(
            "[output]\nbase_url = \"https://f.org/\"\nformats = [\"rss\", \"json\"]\n\
             [[source]]\nname = \"fast\"\npath = \"a\"\nevery = \"10m\"\n\
             [[source]]\nname = \"hourly\"\npath = \"b\"\nschedule = \"0 * * * *\"\n\
             [[merge]]\nname = \"both\"\nsources = [\"fast\", \"hourly\"]\nevery = \"1d\"\n",
        )
        .unwrap();
        let age = |f: &str| lookup(&config, f).map(|s| s.max_age.as_secs());
        assert_eq!(age("fast.rss.xml"), Some(300));
        assert_eq!(age("hourly.json"), Some(1800));
        assert_eq!(age("both.rss.xml"), Some(3600), "capped at an hour");
        assert_eq!(age("feeds.opml"), Some(900), "the default schedule");
        assert_eq!(age("fast.atom.xml"), None, "atom is not among the formats");
        assert_eq!(age("../fast.rss.xml"), None);
        let served = lookup(&config, "hourly.json").unwrap();
        assert_eq!(served.media_type, "application/feed+json; charset=utf-8");
    }

    #[test]
    fn encodings_by_preference_and_q() {
        assert_eq!(
            negotiate(&headers(&[("accept-encoding", "gzip, deflate, br")])),
            Encoding::Brotli
        );
        assert_eq!(
            negotiate(&headers(&[("accept-encoding", "gzip, br;q=0")])),
            Encoding::Gzip
        );
        assert_eq!(
            negotiate(&headers(&[("accept-encoding", "identity")])),
            Encoding::Identity
        );
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn compressed_bodies_decompress() {
        let body = b"<rss>hello hello hello</rss>".repeat(20);
        let gz = compress(&body, Encoding::Gzip).unwrap();
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz.as_slice()), &mut out)
            .unwrap();
        assert_eq!(out, body);
        let br = compress(&body, Encoding::Brotli).unwrap();
        let mut out = Vec::new();
        std::io::Read::read_to_end(
            &mut brotli::Decompressor::new(br.as_slice(), 4096),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, body);
        assert!(br.len() < body.len());
    }

    #[test]
    fn conditional_headers() {
        let h = headers(&[("if-none-match", "\"x\", W/\"abc\"")]);
        assert_eq!(none_match(&h, "\"abc\""), Some(true));
        assert_eq!(none_match(&h, "\"abd\""), Some(false));
        assert_eq!(none_match(&HeaderMap::new(), "\"abc\""), None);
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
        let h = headers(&[("if-modified-since", &http_date(t))]);
        assert!(not_modified_since(&h, t));
        assert!(!not_modified_since(&h, t + Duration::from_secs(1)));
        assert_eq!(http_date(t), "Sun, 13 Sep 2020 12:26:40 GMT");
    }
}
