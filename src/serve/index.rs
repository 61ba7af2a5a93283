//! `GET /`: a page listing every feed, readable in a browser and with discovery links for feed
//! readers; `GET /status`: the same facts as JSON for monitors; `GET /health`: liveness.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ServeState;
use crate::config::Config;
use crate::model::OutputFormat;
use crate::pipeline::feed_title;
use crate::render::opml;
use crate::store::{Health, SourceState, Store, StoreError};
use crate::text::escape_html;

/// One feed as the index shows it.
#[derive(Debug, Serialize)]
struct Row {
    name: String,
    kind: &'static str,
    title: String,
    status: Health,
    entries: Option<usize>,
    /// The feed's own date (its newest entry). Times are RFC 3339 in the JSON.
    updated: Option<DateTime<Utc>>,
    last_success: Option<DateTime<Utc>>,
    failing_since: Option<DateTime<Utc>>,
    error: Option<String>,
    files: Vec<FileLink>,
}

/// One of a feed's files, linked relative to the index.
#[derive(Debug, Serialize)]
struct FileLink {
    format: OutputFormat,
    href: String,
}

/// A time as the index page shows it.
fn shown(d: Option<DateTime<Utc>>) -> String {
    d.map_or_else(
        || "-".into(),
        |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// Every feed's state from the store (`None`: nothing has run yet).
fn rows(config: &Config, store: Option<&Store>) -> Result<Vec<Row>, StoreError> {
    let now = Utc::now();
    let mut out = Vec::new();
    let feeds = config
        .sources
        .iter()
        .map(|s| (s.name.as_str(), "source", s.title.clone()))
        .chain(
            config
                .merges
                .iter()
                .map(|m| (m.name.as_str(), "merge", Some(m.title.clone()))),
        );
    for (name, kind, title) in feeds {
        let st: SourceState = match store {
            Some(s) => s.state(name)?,
            None => SourceState::default(),
        };
        let title = match config.source(name) {
            Some(s) => feed_title(s, st.heading.as_deref()),
            None => title.unwrap_or_else(|| name.to_string()),
        };
        out.push(Row {
            name: name.to_string(),
            kind,
            title,
            status: st.health(now, config.store.stale_after),
            entries: st.feed_entries,
            updated: st.feed_updated,
            last_success: st.last_success,
            failing_since: st.failing_since,
            error: st.last_error.filter(|_| st.consecutive_failures > 0),
            // Relative to the index, so it works on localhost as well as behind base_url.
            files: config
                .output
                .files(name)
                .filter_map(|f| {
                    Some(FileLink {
                        format: f.format?,
                        href: f.path.file_name()?.to_str()?.to_string(),
                    })
                })
                .collect(),
        });
    }
    Ok(out)
}

/// Why the index cannot show the feeds' state.
type LoadError = Box<dyn std::error::Error + Send + Sync>;

async fn load(state: Arc<ServeState>) -> (Arc<Config>, Result<Vec<Row>, LoadError>) {
    let config = state.config();
    let c = config.clone();
    let rows = tokio::task::spawn_blocking(move || {
        state.with_store(&c.store.path, |store| rows(&c, store))
    })
    .await
    .map_err(LoadError::from)
    .and_then(|r| r.map_err(LoadError::from));
    (config, rows)
}

/// `GET /health`: liveness. 200 while the process serves, whatever the feeds do: a failing
/// source is no reason to restart the server.
pub(crate) async fn health() -> Response {
    axum::Json(serde_json::json!({"ok": true, "version": env!("CARGO_PKG_VERSION")}))
        .into_response()
}

/// `GET /status`: every feed's state as JSON, `ok` false while one is failing, stale or never
/// run. 200 unless `serve --status-503` asked for 503 then (a load balancer that should route
/// around a server whose feeds are not fresh); a store that cannot be read is always 503.
pub(crate) async fn status(State(state): State<Arc<ServeState>>) -> Response {
    let strict = state.status_503;
    let (_, rows) = load(state).await;
    match rows {
        Ok(rows) => {
            let ok = rows.iter().all(|r| r.status == Health::Ok);
            let failing = rows.iter().filter(|r| r.status != Health::Ok).count();
            let code = if ok || !strict {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            (
                code,
                axum::Json(serde_json::json!({"ok": ok, "not_ok": failing, "feeds": rows})),
            )
                .into_response()
        }
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"ok": false, "error": e.to_string()})),
        )
            .into_response(),
    }
}

/// `GET /`.
pub(crate) async fn index(State(state): State<Arc<ServeState>>) -> Response {
    let (config, rows) = load(state).await;
    let rows = match rows {
        Ok(r) => r,
        Err(e) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot read the store: {e}\n"),
            )
                .into_response();
        }
    };
    let page = render(&config, &rows);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

fn render(config: &Config, rows: &[Row]) -> String {
    let e = |s: &str| escape_html(s);
    let title = e(&config.output.title);
    let mut links = String::new();
    let mut body = String::new();
    for r in rows {
        for f in &r.files {
            links.push_str(&format!(
                "<link rel=\"alternate\" type=\"{}\" title=\"{} ({})\" href=\"{}\">\n",
                f.format.media_type(),
                e(&r.title),
                f.format.label(),
                e(&f.href)
            ));
        }
        let formats: Vec<String> = r
            .files
            .iter()
            .map(|f| format!("<a href=\"{}\">{}</a>", e(&f.href), f.format.label()))
            .collect();
        let status = match (&r.status, &r.error) {
            (Health::Failing, Some(err)) => {
                format!("failing since {}: {}", shown(r.failing_since), e(err))
            }
            (s, _) => s.as_str().to_string(),
        };
        body.push_str(&format!(
            "<tr class=\"{}\"><td>{}<br><small>{} · {}</small></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            r.status.as_str().replace(' ', "-"),
            e(&r.title),
            e(&r.name),
            r.kind,
            formats.join(" · "),
            r.entries.map_or("-".into(), |n| n.to_string()),
            shown(r.updated),
            shown(r.last_success),
            status,
        ));
    }
    let opml = opml::FILE;
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n{links}\
         <style>body{{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}}\
         table{{border-collapse:collapse;width:100%}}th,td{{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}}\
         small{{color:#666}}tr.failing td:last-child{{color:#b00020}}tr.stale td:last-child{{color:#b36b00}}</style>\n\
         </head>\n<body>\n<h1>{title}</h1>\n<table>\n<tr><th>Feed</th><th>Formats</th><th>Entries</th>\
         <th>Newest entry</th><th>Last successful run</th><th>Status</th></tr>\n{body}</table>\n\
         <p><a href=\"{}\">All feeds as OPML</a> · <a href=\"status\">status</a> · generated by tagfeed {}</p>\n</body>\n</html>\n",
        e(opml),
        env!("CARGO_PKG_VERSION")
    )
}
