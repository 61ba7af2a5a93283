//! Serving the feeds to readers over HTTP.
//!
//! Only the files tagfeed writes are served: each request path is looked up in the list of
//! `<name>.<format>` files the config produces (and `feeds.opml`), never joined onto the folder,
//! so no traversal, no listings, no dotfiles. Responses carry the right media type, a strong ETag
//! computed from the bytes sent (so gzip and brotli variants have their own), the file's
//! Last-Modified, and a Cache-Control max-age of half the feed's schedule interval (1 min to 1 h);
//! `If-None-Match` (first) and `If-Modified-Since` give 304s. `/` is an HTML index with discovery
//! links; `/health` is JSON for monitors. Absolute URLs all come from `base_url`, never from the
//! request, so they stay right behind a reverse proxy.

mod files;
mod index;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::sync::watch;

use crate::config::Config;

/// What the handlers share: the current config (replaced on reload) and compressed bodies.
pub struct ServeState {
    config: watch::Receiver<Arc<Config>>,
    compressed: files::Cache,
}

impl ServeState {
    /// State that follows `config` as it is reloaded.
    pub fn new(config: watch::Receiver<Arc<Config>>) -> Arc<ServeState> {
        Arc::new(ServeState {
            config,
            compressed: files::Cache::default(),
        })
    }

    fn config(&self) -> Arc<Config> {
        self.config.borrow().clone()
    }
}

/// The HTTP routes.
pub fn router(state: Arc<ServeState>) -> Router {
    Router::new()
        .route("/", get(index::index))
        .route("/index.html", get(index::index))
        .route("/health", get(index::health))
        .route("/{file}", get(files::file))
        .fallback(files::not_found)
        .with_state(state)
}
