//! Serving the feeds to readers over HTTP.
//!
//! Only the files tagfeed writes are served: each request path is looked up in the list of
//! `<name>.<format>` files the config produces (and `feeds.opml`), never joined onto the folder,
//! so no traversal, no listings, no dotfiles. Responses carry the right media type, a strong ETag
//! computed from the bytes sent (so gzip and brotli variants have their own), the file's
//! Last-Modified, and a Cache-Control max-age of half the feed's schedule interval (1 min to 1 h);
//! `If-None-Match` (first) and `If-Modified-Since` give 304s. `/` is an HTML index with discovery
//! links; `/health` says the process serves (liveness), `/status` how every feed is doing (JSON,
//! 503 while one is not ok only with `serve --status-503`), `/metrics` the Prometheus counters. Absolute URLs all come from `base_url`, never from the
//! request, so they stay right behind a reverse proxy.

mod files;
mod index;
mod listen;

pub use listen::{Limits, serve};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// What the handlers share: the current config (replaced on reload), the feed files as last read,
/// and the store, opened once, read-only.
pub struct ServeState {
    config: watch::Receiver<Arc<Config>>,
    files: files::Files,
    store: Mutex<Option<(PathBuf, Store)>>,
    metrics: Arc<Metrics>,
    /// `/status` answers 503 while a feed is not ok.
    status_503: bool,
}

impl ServeState {
    /// State that follows `config` as it is reloaded, counting requests in `metrics`.
    pub fn new(
        config: watch::Receiver<Arc<Config>>,
        metrics: Arc<Metrics>,
        status_503: bool,
    ) -> Arc<ServeState> {
        Arc::new(ServeState {
            config,
            files: files::Files::default(),
            store: Mutex::new(None),
            metrics,
            status_503,
        })
    }

    fn config(&self) -> Arc<Config> {
        self.config.borrow().clone()
    }

    /// Runs `read` on the store at `path`, opened read-only the first time (and again when the
    /// config names another store). `read` gets `None` while there is no store yet, or only one an
    /// older tagfeed wrote: nothing has run with this version. Blocking: call from
    /// `spawn_blocking`.
    fn with_store<T>(
        &self,
        path: &Path,
        read: impl FnOnce(Option<&Store>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut held = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if held.as_ref().is_none_or(|(p, _)| p != path) {
            *held = match Store::open_read_only(path) {
                Ok(store) => Some((path.to_path_buf(), store)),
                Err(StoreError::Missing(_) | StoreError::Outdated { .. }) => None,
                Err(e) => return Err(e),
            };
        }
        read(held.as_ref().map(|(_, s)| s))
    }
}

/// The HTTP routes, every answer counted for `/metrics`.
pub fn router(state: Arc<ServeState>) -> Router {
    Router::new()
        .route("/", get(index::index))
        .route("/index.html", get(index::index))
        .route("/health", get(index::health))
        .route("/status", get(index::status))
        .route("/metrics", get(metrics))
        .route("/{file}", get(files::file))
        .fallback(files::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), counted))
        .with_state(state)
}

/// `GET /metrics`: the Prometheus text format.
async fn metrics(State(state): State<Arc<ServeState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

/// Counts a request and how long its answer took.
async fn counted(State(state): State<Arc<ServeState>>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    state
        .metrics
        .request(response.status().as_u16(), started.elapsed());
    response
}
