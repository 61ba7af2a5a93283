//! The SQLite store: every entry ever seen per source, so feeds keep items after they fall off the
//! listing's first page, undated items keep their first-seen date forever, and an edited item
//! keeps its id. Also per-source run state and HTTP validators. Schema: [`schema`].

mod schema;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use url::Url;

use crate::model::Entry;

pub use schema::VERSION as SCHEMA_VERSION;

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error(
        "cannot open the store {path}: {source}; check `[store] path` and that its folder is writable"
    )]
    Open {
        /// The store file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The store comes from a newer tagfeed.
    #[error(
        "the store was written by a newer tagfeed (schema {found}, this one knows {supported}); \
         upgrade tagfeed or point `[store] path` elsewhere"
    )]
    TooNew {
        /// The store's schema version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// A query failed.
    #[error("store error: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// How long a source keeps entries that are no longer on its listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// Drop entries older than this many days.
    pub keep_days: Option<u32>,
    /// Keep at most this many entries, newest first.
    pub keep_items: Option<usize>,
}

/// What a merge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct MergeStats {
    /// Entries seen for the first time.
    pub new: usize,
    /// Known entries whose title or summary changed.
    pub changed: usize,
    /// Known entries as they were.
    pub unchanged: usize,
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

/// A source's run history, for `tagfeed status` and for deciding when to back-fill.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SourceState {
    /// The source, merge or `feed:` key.
    pub name: String,
    /// When it last succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// When it last failed.
    pub last_failure: Option<DateTime<Utc>>,
    /// Why it last failed.
    pub last_error: Option<String>,
    /// The first failure of the current run of failures.
    pub failing_since: Option<DateTime<Utc>>,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// Entries on the pages last read.
    pub last_item_count: Option<usize>,
    /// Whether the archive's older pages were walked (then only page 1 is polled).
    pub backfilled: bool,
    /// The listing's heading (or external feed's title) as last read.
    pub heading: Option<String>,
    /// The page the listing or feed belongs to, as last read.
    pub home: Option<String>,
    /// Entries stored for the source.
    pub stored: usize,
    /// Entries in the feed as last published.
    pub feed_entries: Option<usize>,
    /// The published feed's own date (its newest entry).
    pub feed_updated: Option<DateTime<Utc>>,
}

/// What a successful read of a listing found, for the run state.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadSummary<'a> {
    /// Entries on the pages read.
    pub items: usize,
    /// Whether the archive's older pages were walked.
    pub backfilled: bool,
    /// The listing's heading or feed's title.
    pub heading: Option<&'a str>,
    /// The page the listing or feed belongs to.
    pub home: Option<&'a str>,
}

/// A feed's health in one word, for `tagfeed status`, the index page and `/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    /// The last run succeeded, recently enough.
    Ok,
    /// The last run failed.
    Failing,
    /// No success for longer than `[store] stale_after`.
    Stale,
    /// No run yet.
    NeverRun,
}

impl Health {
    /// The word shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Failing => "failing",
            Health::Stale => "stale",
            Health::NeverRun => "never run",
        }
    }
}

impl SourceState {
    /// How the source is doing at `now`.
    pub fn health(&self, now: DateTime<Utc>, stale_after: std::time::Duration) -> Health {
        let stale = chrono::Duration::from_std(stale_after).unwrap_or(chrono::Duration::MAX);
        match self.last_success {
            _ if self.consecutive_failures > 0 => Health::Failing,
            None => Health::NeverRun,
            Some(ok) if now - ok > stale => Health::Stale,
            Some(_) => Health::Ok,
        }
    }
}

/// An open store.
pub struct Store {
    conn: Connection,
}

fn ts(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_ts(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc))
}

fn parse_fixed(s: Option<String>) -> Option<DateTime<FixedOffset>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
}

fn content_hash(e: &Entry) -> String {
    let mut h = blake3::Hasher::new();
    h.update(e.title.as_bytes());
    h.update(&[0]);
    h.update(e.summary.as_deref().unwrap_or("").as_bytes());
    h.finalize().to_hex()[..32].to_string()
}

impl Store {
    /// Opens (creating if needed) the store at `path`, in WAL mode, migrated to this schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
            path: path.to_path_buf(),
            source: e,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_err(e.into()))?;
        }
        let conn = Connection::open(path).map_err(|e| open_err(e.into()))?;
        Self::setup(conn)
    }

    /// A store that lives in memory, for tests and previews.
    pub fn in_memory() -> Result<Store, StoreError> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Store, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        schema::migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// Ids already stored for `source`: pagination stops at a page with nothing new.
    pub fn known_ids(&self, source: &str) -> Result<HashSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM entries WHERE source = ?1")?;
        let ids = stmt
            .query_map([source], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Records the entries of one read of a listing (in page order). New entries are inserted as
    /// they are; known ones keep their id, first-seen date and stored date when the page has none,
    /// take the page's title, summary, link and date, gain its categories, and move `updated` when
    /// title or summary changed.
    pub fn merge(
        &mut self,
        source: &str,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> Result<MergeStats, StoreError> {
        let tx = self.conn.transaction()?;
        let mut stats = MergeStats::default();
        let mut seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM entries WHERE source = ?1",
            [source],
            |r| r.get(0),
        )?;
        for e in entries {
            let hash = content_hash(e);
            let old: Option<(String, String, Option<String>)> = tx
                .query_row(
                    "SELECT content_hash, categories, published FROM entries WHERE source = ?1 AND id = ?2",
                    params![source, e.id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let published = e.published.map(|d| d.to_rfc3339());
            match old {
                None => {
                    seq += 1;
                    tx.execute(
                        "INSERT INTO entries (source, id, title, link, summary, categories, published,
                             first_seen, last_seen, updated, sort_at, seq, content_hash)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10, ?11, ?12)",
                        params![
                            source,
                            e.id,
                            e.title,
                            e.link.as_ref().map(Url::as_str),
                            e.summary,
                            serde_json::to_string(&e.categories).unwrap_or_else(|_| "[]".into()),
                            published,
                            ts(e.first_seen.with_timezone(&Utc)),
                            ts(now),
                            e.date().timestamp(),
                            seq,
                            hash,
                        ],
                    )?;
                    stats.new += 1;
                }
                Some((old_hash, old_categories, old_published)) => {
                    let changed = old_hash != hash;
                    let stored: Vec<String> =
                        serde_json::from_str(&old_categories).unwrap_or_default();
                    let categories = crate::normalize::union_categories(&stored, &e.categories);
                    let published = published.or(old_published);
                    tx.execute(
                        "UPDATE entries SET title = ?3, link = COALESCE(?4, link), summary = ?5,
                             categories = ?6, published = ?7, last_seen = ?8,
                             updated = CASE WHEN ?9 THEN ?8 ELSE updated END,
                             sort_at = COALESCE(unixepoch(?7), unixepoch(first_seen)),
                             content_hash = ?10
                         WHERE source = ?1 AND id = ?2",
                        params![
                            source,
                            e.id,
                            e.title,
                            e.link.as_ref().map(Url::as_str),
                            e.summary,
                            serde_json::to_string(&categories).unwrap_or_else(|_| "[]".into()),
                            published,
                            ts(now),
                            changed,
                            hash,
                        ],
                    )?;
                    if changed {
                        stats.changed += 1;
                    } else {
                        stats.unchanged += 1;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(stats)
    }

    /// The newest `limit` entries of `source`, newest first (page order among equal dates).
    pub fn entries(&self, source: &str, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, title, link, summary, categories, published, first_seen, updated
             FROM entries WHERE source = ?1 ORDER BY sort_at DESC, seq ASC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![source, limit as i64], |r| {
            let link: Option<String> = r.get(2)?;
            let categories: String = r.get(4)?;
            Ok(Entry {
                id: r.get(0)?,
                title: r.get(1)?,
                link: link.and_then(|l| Url::parse(&l).ok()),
                summary: r.get(3)?,
                categories: serde_json::from_str(&categories).unwrap_or_default(),
                published: parse_fixed(r.get(5)?),
                first_seen: parse_fixed(r.get(6)?).unwrap_or_default(),
                updated: parse_fixed(r.get(7)?),
                via: None,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Applies a retention policy to `source`. Entries seen at or after `seen_since` (the current
    /// run) are never pruned: they are still on the listing and would come back as new.
    pub fn prune(
        &mut self,
        source: &str,
        retention: Retention,
        now: DateTime<Utc>,
        seen_since: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut removed = 0;
        if let Some(days) = retention.keep_days {
            let cutoff = now - chrono::Duration::days(i64::from(days));
            removed += self.conn.execute(
                "DELETE FROM entries WHERE source = ?1 AND sort_at < ?2 AND last_seen < ?3",
                params![source, cutoff.timestamp(), ts(seen_since)],
            )?;
        }
        if let Some(keep) = retention.keep_items {
            removed += self.conn.execute(
                "DELETE FROM entries WHERE source = ?1 AND last_seen < ?3 AND id NOT IN (
                     SELECT id FROM entries WHERE source = ?1
                     ORDER BY sort_at DESC, seq ASC LIMIT ?2)",
                params![source, keep as i64, ts(seen_since)],
            )?;
        }
        Ok(removed)
    }

    /// The validators last stored for `url`.
    pub fn validators(&self, url: &str) -> Result<Validators, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT etag, last_modified FROM http_cache WHERE url = ?1",
                [url],
                |r| {
                    Ok(Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    /// Remembers the validators of `url` (or forgets them when empty).
    pub fn set_validators(&mut self, url: &str, v: &Validators) -> Result<(), StoreError> {
        if v.is_empty() {
            self.conn
                .execute("DELETE FROM http_cache WHERE url = ?1", [url])?;
        } else {
            self.conn.execute(
                "INSERT INTO http_cache (url, etag, last_modified) VALUES (?1, ?2, ?3)
                 ON CONFLICT (url) DO UPDATE SET etag = ?2, last_modified = ?3",
                params![url, v.etag, v.last_modified],
            )?;
        }
        Ok(())
    }

    /// Records a successful refresh of `source`; `read` is what the listing said, `None` after a
    /// 304 (nothing was read).
    pub fn record_success(
        &mut self,
        source: &str,
        read: Option<ReadSummary<'_>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let r = read.unwrap_or_default();
        let items = read.map(|r| r.items as i64);
        self.conn.execute(
            "INSERT INTO sources (name, last_success, consecutive_failures, last_item_count,
                 backfilled, heading, home)
             VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6)
             ON CONFLICT (name) DO UPDATE SET last_success = ?2, consecutive_failures = 0,
                 failing_since = NULL, last_item_count = COALESCE(?3, last_item_count),
                 backfilled = MAX(backfilled, ?4), heading = COALESCE(?5, heading),
                 home = COALESCE(?6, home)",
            params![source, ts(now), items, r.backfilled, r.heading, r.home],
        )?;
        Ok(())
    }

    /// Records a failed refresh of `source`.
    pub fn record_failure(
        &mut self,
        source: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sources (name, last_failure, last_error, failing_since, consecutive_failures)
             VALUES (?1, ?2, ?3, ?2, 1)
             ON CONFLICT (name) DO UPDATE SET last_failure = ?2, last_error = ?3,
                 failing_since = COALESCE(failing_since, ?2),
                 consecutive_failures = consecutive_failures + 1",
            params![source, ts(now), error],
        )?;
        Ok(())
    }

    /// Records what was just published for feed `name` (a source or merge).
    pub fn record_published(
        &mut self,
        name: &str,
        entries: usize,
        updated: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sources (name, feed_entries, feed_updated) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET feed_entries = ?2, feed_updated = ?3",
            params![name, entries as i64, ts(updated)],
        )?;
        Ok(())
    }

    /// The run state of `source` (default when it never ran).
    pub fn state(&self, source: &str) -> Result<SourceState, StoreError> {
        let stored: usize = self.conn.query_row(
            "SELECT COUNT(*) FROM entries WHERE source = ?1",
            [source],
            |r| r.get::<_, i64>(0),
        )? as usize;
        let state = self
            .conn
            .query_row(
                "SELECT last_success, last_failure, last_error, failing_since,
                        consecutive_failures, last_item_count, backfilled, heading, home,
                        feed_entries, feed_updated
                 FROM sources WHERE name = ?1",
                [source],
                |r| {
                    Ok(SourceState {
                        name: source.to_string(),
                        last_success: parse_ts(r.get(0)?),
                        last_failure: parse_ts(r.get(1)?),
                        last_error: r.get(2)?,
                        failing_since: parse_ts(r.get(3)?),
                        consecutive_failures: r.get(4)?,
                        last_item_count: r.get::<_, Option<i64>>(5)?.map(|n| n as usize),
                        backfilled: r.get(6)?,
                        heading: r.get(7)?,
                        home: r.get(8)?,
                        stored,
                        feed_entries: r.get::<_, Option<i64>>(9)?.map(|n| n as usize),
                        feed_updated: parse_ts(r.get(10)?),
                    })
                },
            )
            .optional()?;
        Ok(state.unwrap_or_else(|| SourceState {
            name: source.to_string(),
            stored,
            ..SourceState::default()
        }))
    }
}

#[cfg(test)]
mod tests;
