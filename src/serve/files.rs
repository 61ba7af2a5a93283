//! Feed files: lookup by exact name, conditional requests, content negotiation.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::ServeState;
use crate::config::{Config, FeedFile};

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

/// What `serve` keeps between requests: the table of servable files for the current config, and
/// each file as last read with its validators and compressed forms. A request costs a hash
/// look-up and one `stat`; the file is read, hashed and compressed again only after it changed.
#[derive(Default)]
pub(crate) struct Files {
    index: Mutex<Option<(Arc<Config>, Arc<Table>)>>,
    read: Mutex<HashMap<PathBuf, Arc<Cached>>>,
}

/// The servable files by name.
type Table = HashMap<String, Arc<Served>>;

/// A file as last read.
struct Cached {
    /// Inode, modification time and length when it was read: a rename over it changes them.
    stamp: Stamp,
    modified: SystemTime,
    /// BLAKE3 of the bytes, shortened: the strong ETag's core.
    hash: String,
    identity: Bytes,
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
}

type Stamp = (u64, SystemTime, u64);

fn stamp(meta: &std::fs::Metadata) -> std::io::Result<Stamp> {
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    Ok((inode, meta.modified()?, meta.len()))
}

impl Cached {
    /// The body in `enc`, compressed on first use; `None` when compressing failed.
    fn body(&self, enc: Encoding) -> Option<Bytes> {
        let slot = match enc {
            Encoding::Identity => return Some(self.identity.clone()),
            Encoding::Gzip => &self.gzip,
            Encoding::Brotli => &self.brotli,
        };
        slot.get_or_init(|| match compress(&self.identity, enc) {
            Ok(b) => Some(Bytes::from(b)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot compress a feed; sending it plain");
                None
            }
        })
        .clone()
    }
}

impl Files {
    /// The servable file called `name` under `config`.
    fn lookup(&self, config: &Arc<Config>, name: &str) -> Option<Arc<Served>> {
        let mut held = self.index.lock().unwrap_or_else(|p| p.into_inner());
        let index = match held.as_ref() {
            Some((c, index)) if Arc::ptr_eq(c, config) => index.clone(),
            _ => {
                let index = Arc::new(servable(config));
                *held = Some((config.clone(), index.clone()));
                index
            }
        };
        drop(held);
        index.get(name).cloned()
    }

    /// The file at `path` as it is now: from memory while its stamp holds, else read again.
    /// `None` when it is not there (listed in the config but not written yet).
    async fn current(&self, path: &std::path::Path) -> Option<Arc<Cached>> {
        let now = std::fs::metadata(path).and_then(|m| stamp(&m)).ok()?;
        let held = self.read.lock().ok()?.get(path).cloned();
        if let Some(c) = held.filter(|c| c.stamp == now) {
            return Some(c);
        }
        let owned = path.to_path_buf();
        let read = tokio::task::spawn_blocking(move || {
            let real = inside_folder(&owned)?;
            let mut f = std::fs::File::open(&real)?;
            let meta = f.metadata()?;
            if !meta.is_file() {
                return Err(std::io::Error::other("not a regular file"));
            }
            let mut bytes = Vec::with_capacity(meta.len() as usize);
            std::io::Read::read_to_end(&mut f, &mut bytes)?;
            Ok::<_, std::io::Error>((stamp(&meta)?, meta.modified()?, bytes))
        })
        .await;
        let Ok(Ok((stamp, modified, bytes))) = read else {
            return None;
        };
        let cached = Arc::new(Cached {
            stamp,
            modified,
            hash: blake3::hash(&bytes).to_hex()[..20].to_string(),
            identity: Bytes::from(bytes),
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        });
        if let Ok(mut m) = self.read.lock() {
            m.insert(path.to_path_buf(), cached.clone());
        }
        Some(cached)
    }
}

/// The real path of the feed file `path`, when it is inside its folder. A symlink that another
/// user or a careless script put there (`evil.rss.xml -> /etc/passwd`) is refused, so serving
/// never reads outside the folder; one that stays inside it is fine.
fn inside_folder(path: &std::path::Path) -> std::io::Result<PathBuf> {
    let folder = path
        .parent()
        .ok_or_else(|| std::io::Error::other("a feed file has a folder"))?
        .canonicalize()?;
    let real = path.canonicalize()?;
    if real.starts_with(&folder) {
        Ok(real)
    } else {
        tracing::warn!(
            "not serving {}: it leads to {}, outside the feed folder",
            path.display(),
            real.display()
        );
        Err(std::io::Error::other("outside the feed folder"))
    }
}

/// A file tagfeed writes: where it is, how to label it, and how long readers may cache it.
struct Served {
    path: PathBuf,
    media_type: String,
    max_age: Duration,
}

impl Served {
    /// `file` of the feed `feed` (`None`: the OPML list).
    fn of(config: &Config, feed: Option<&str>, file: FeedFile) -> Served {
        let interval = config.schedule_of(feed.unwrap_or("")).interval(Utc::now());
        let media = file.format.map_or("text/x-opml", |f| f.media_type());
        Served {
            path: file.path,
            media_type: format!("{media}; charset=utf-8"),
            max_age: (interval / 2).clamp(Duration::from_secs(60), Duration::from_secs(3600)),
        }
    }
}

/// Every file the config produces, by name; anything else does not exist.
fn servable(config: &Config) -> Table {
    let feeds = config
        .feed_names()
        .flat_map(|name| config.output.files(name).map(move |f| (Some(name), f)));
    feeds
        .chain(std::iter::once((None, config.output.opml())))
        .filter_map(|(feed, f)| {
            let name = f.path.file_name()?.to_str()?.to_string();
            Some((name, Arc::new(Served::of(config, feed, f))))
        })
        .collect()
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
    let Some(served) = state.files.lookup(&config, &file) else {
        return not_found().await;
    };
    let Some(cached) = state.files.current(&served.path).await else {
        return not_found().await;
    };
    let (hash, modified) = (&cached.hash, cached.modified);
    // The body in the best encoding the client takes; should compressing fail, the plain one.
    let (enc, body) = match negotiate(&headers) {
        Encoding::Identity => (Encoding::Identity, cached.identity.clone()),
        other => match cached.body(other) {
            Some(body) => (other, body),
            None => (Encoding::Identity, cached.identity.clone()),
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
    set(header::CONTENT_TYPE, served.media_type.clone());
    if let Some(token) = enc.token() {
        set(header::CONTENT_ENCODING, token.into());
    }
    (StatusCode::OK, h, Body::from(body)).into_response()
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
        let files = servable(&config);
        let age = |f: &str| files.get(f).map(|s| s.max_age.as_secs());
        assert_eq!(age("fast.rss.xml"), Some(300));
        assert_eq!(age("hourly.json"), Some(1800));
        assert_eq!(age("both.rss.xml"), Some(3600), "capped at an hour");
        assert_eq!(age("feeds.opml"), Some(900), "the default schedule");
        assert_eq!(age("fast.atom.xml"), None, "atom is not among the formats");
        assert_eq!(age("../fast.rss.xml"), None);
        let served = &files["hourly.json"];
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
