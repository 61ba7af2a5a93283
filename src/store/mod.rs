//! The SQLite store: every entry ever seen per source, so feeds keep items after they fall off the
//! listing's first page and undated items keep their first-seen date; the ids merged feeds gave
//! their entries; per-source run state and HTTP validators ([`state`]). Schema: [`schema`].
//!
//! The store only stores. What an entry read again becomes is decided by
//! `normalize::stored::reconcile`; the store writes the result.

mod schema;
pub mod state;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use url::Url;

use crate::model::Entry;
use crate::source::Retention;
pub use schema::VERSION as SCHEMA_VERSION;
pub use state::{Health, ReadSummary, SourceState};

/// Why the store could not be used. Every message says which store operation failed.
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
        source: rusqlite::Error,
    },
    /// Read-only use of a store that does not exist yet (nothing has run).
    #[error("there is no store at {0} yet: nothing has run")]
    Missing(PathBuf),
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
    /// Read-only use of a store an older tagfeed wrote, not migrated yet.
    #[error(
        "the store has schema {found}, older than this tagfeed's {supported}; the next `tagfeed run` \
         migrates it"
    )]
    Outdated {
        /// The store's schema version.
        found: i64,
        /// The version this build writes.
        supported: i64,
    },
    /// A query failed.
    #[error("store: cannot {op}: {source}")]
    Query {
        /// What tagfeed was doing.
        op: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored value that cannot be read back (a damaged or hand-edited store).
    #[error(
        "store: the {field} of entry {id} of {feed} is damaged ({value:?}); delete that entry \
         (or the store) and run again"
    )]
    Corrupt {
        /// The source or feed.
        feed: String,
        /// The entry's id.
        id: String,
        /// The column.
        field: &'static str,
        /// What it holds.
        value: String,
    },
}

/// Adds the operation to SQLite's errors.
trait Op<T> {
    fn op(self, what: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> Op<T> for rusqlite::Result<T> {
    fn op(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query { op: what(), source })
    }
}

/// An open store.
pub struct Store {
    conn: Connection,
}

fn ts(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An entry's columns as stored, before they are checked.
struct Row {
    id: String,
    title: String,
    link: Option<String>,
    summary: Option<String>,
    categories: String,
    published: Option<String>,
    first_seen: String,
    updated: Option<String>,
}

const ENTRY_COLUMNS: &str = "id, title, link, summary, categories, published, first_seen, updated";

impl Row {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        Ok(Row {
            id: r.get(0)?,
            title: r.get(1)?,
            link: r.get(2)?,
            summary: r.get(3)?,
            categories: r.get(4)?,
            published: r.get(5)?,
            first_seen: r.get(6)?,
            updated: r.get(7)?,
        })
    }

    /// The entry, or which column is damaged.
    fn entry(self, feed: &str) -> Result<Entry, StoreError> {
        let corrupt = |field: &'static str, value: &str| StoreError::Corrupt {
            feed: feed.to_string(),
            id: self.id.clone(),
            field,
            value: value.to_string(),
        };
        let date = |field, v: &str| {
            DateTime::<FixedOffset>::parse_from_rfc3339(v).map_err(|_| corrupt(field, v))
        };
        let optional = |field, v: &Option<String>| v.as_deref().map(|v| date(field, v)).transpose();
        Ok(Entry {
            link: self
                .link
                .as_deref()
                .map(|l| Url::parse(l).map_err(|_| corrupt("link", l)))
                .transpose()?,
            categories: serde_json::from_str(&self.categories)
                .map_err(|_| corrupt("categories", &self.categories))?,
            published: optional("published date", &self.published)?,
            first_seen: date("first-seen date", &self.first_seen)?,
            updated: optional("updated date", &self.updated)?,
            summary: self.summary.clone(),
            title: self.title.clone(),
            id: self.id.clone(),
            via: None,
        })
    }
}

impl Store {
    /// Opens (creating if needed) the store at `path`, in WAL mode, migrated to this schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // A missing folder is created; if that fails, opening says why.
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path).map_err(open_err)?;
        Self::setup(conn).map_err(|e| match e {
            StoreError::Query { source, .. } => open_err(source),
            other => other,
        })
    }

    /// Opens an existing store for reading only: what `serve` and `status` use, so looking never
    /// creates, migrates or locks anything.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .op(|| "set the busy timeout".into())?;
        schema::check(&conn)?;
        Ok(Store { conn })
    }

    /// A store that lives in memory, for tests and previews.
    pub fn in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory().op(|| "open an in-memory store".into())?;
        Self::setup(conn)
    }

    fn setup(mut conn: Connection) -> Result<Store, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .op(|| "set the busy timeout".into())?;
        // A summary of a few KB fills half a 4 KB page and wastes the rest; 16 KB pages hold
        // several entries each, so a store takes less room and fewer writes. Only a new, empty
        // database takes it; an existing store keeps its page size.
        conn.pragma_update(None, "page_size", 16384)
            .op(|| "set the page size".into())?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .op(|| "switch to WAL mode".into())?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .op(|| "set synchronous mode".into())?;
        // A run writes each source in a savepoint inside one transaction: the copies of pages
        // it may have to undo stay in memory instead of a temp file (a few pages per source).
        conn.pragma_update(None, "temp_store", "MEMORY")
            .op(|| "keep temporary data in memory".into())?;
        schema::migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// Starts a batch: every write until [`Store::commit`] goes into one transaction, so a run of
    /// a thousand sources appends each page it touches to the log once, not once per statement.
    /// Writes that need their own transaction use savepoints, which nest inside it.
    pub fn begin(&mut self) -> Result<(), StoreError> {
        if self.conn.is_autocommit() {
            self.conn
                .execute_batch("BEGIN IMMEDIATE")
                .op(|| "start a transaction".into())?;
        }
        Ok(())
    }

    /// Ends a batch started by [`Store::begin`], keeping its writes.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        if !self.conn.is_autocommit() {
            self.conn
                .execute_batch("COMMIT")
                .op(|| "commit the run's writes".into())?;
        }
        Ok(())
    }

    /// Ends a batch started by [`Store::begin`], dropping its writes (their feeds could not be
    /// published, so the next run reads those pages again).
    pub fn rollback(&mut self) -> Result<(), StoreError> {
        if !self.conn.is_autocommit() {
            self.conn
                .execute_batch("ROLLBACK")
                .op(|| "roll back the run's writes".into())?;
        }
        Ok(())
    }

    /// Runs one statement, prepared once per connection.
    fn exec(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        what: impl Fn() -> String,
    ) -> Result<usize, StoreError> {
        self.conn
            .prepare_cached(sql)
            .op(&what)?
            .execute(params)
            .op(&what)
    }

    /// The ids stored for `source`, each with its title: what giving ids on the next read needs
    /// (`normalize::Ids`).
    pub fn known(&self, source: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.pairs(
            "SELECT id, title FROM entries WHERE source = ?1",
            source,
            || format!("read the ids of {source}"),
        )
    }

    /// The two text columns `sql` selects for `key`.
    fn pairs<C: FromIterator<(String, String)>>(
        &self,
        sql: &str,
        key: &str,
        what: impl Fn() -> String,
    ) -> Result<C, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).op(&what)?;
        let rows = stmt
            .query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))
            .op(&what)?;
        rows.collect::<Result<_, _>>().op(&what)
    }

    /// The stored copies of the entries of `source` with these `ids` (those that exist).
    pub fn get<'a>(
        &self,
        source: &str,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<String, Entry>, StoreError> {
        let what = || format!("read the entries of {source}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE source = ?1 AND id = ?2"
            ))
            .op(what)?;
        let mut out = HashMap::new();
        for id in ids {
            if let Some(row) = stmt
                .query_row([source, id], Row::read)
                .optional()
                .op(what)?
            {
                out.insert(id.to_string(), row.entry(source)?);
            }
        }
        Ok(out)
    }

    /// Writes the entries of one read of `source` as they are (in page order, so new entries keep
    /// it among equal dates), and marks them seen at `now`. Ids and first-seen dates already stored
    /// are never changed.
    pub fn upsert(
        &mut self,
        source: &str,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let what = || format!("write the entries of {source}");
        self.all_or_nothing(&what, |tx| {
            let mut seq: i64 = tx
                .query_row(
                    "SELECT COALESCE(MAX(seq), 0) FROM entries WHERE source = ?1",
                    [source],
                    |r| r.get(0),
                )
                .op(what)?;
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO entries (source, id, title, link, summary, categories, published,
                         first_seen, last_seen, updated, sort_at, seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                     ON CONFLICT (source, id) DO UPDATE SET title = excluded.title,
                         link = excluded.link, summary = excluded.summary,
                         categories = excluded.categories, published = excluded.published,
                         last_seen = excluded.last_seen, updated = excluded.updated,
                         sort_at = excluded.sort_at",
                )
                .op(what)?;
            for e in entries {
                seq += 1;
                let categories = serde_json::Value::from(e.categories.clone()).to_string();
                stmt.execute(params![
                    source,
                    e.id,
                    e.title,
                    e.link.as_ref().map(Url::as_str),
                    e.summary,
                    categories,
                    e.published.map(|d| d.to_rfc3339()),
                    e.first_seen.to_rfc3339(),
                    ts(now),
                    e.updated.map(|d| d.to_rfc3339()),
                    e.date().timestamp(),
                    seq,
                ])
                .op(what)?;
            }
            Ok(())
        })
    }

    /// The newest `limit` entries of `source`, newest first (page order among equal dates).
    pub fn entries(&self, source: &str, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let what = || format!("read the entries of {source}");
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE source = ?1
                 ORDER BY sort_at DESC, seq ASC LIMIT ?2"
            ))
            .op(what)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<Row> = stmt
            .query_map(params![source, limit], Row::read)
            .op(what)?
            .collect::<Result<_, _>>()
            .op(what)?;
        rows.into_iter().map(|r| r.entry(source)).collect()
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
        let what = || format!("prune the entries of {source}");
        let mut removed = 0;
        if let Some(days) = retention.keep_days {
            let cutoff = now - chrono::Duration::days(i64::from(days));
            removed += self.exec(
                "DELETE FROM entries WHERE source = ?1 AND sort_at < ?2 AND last_seen < ?3",
                params![source, cutoff.timestamp(), ts(seen_since)],
                what,
            )?;
        }
        if let Some(keep) = retention.keep_items {
            removed += self.exec(
                "DELETE FROM entries WHERE source = ?1 AND last_seen < ?3 AND id NOT IN (
                     SELECT id FROM entries WHERE source = ?1
                     ORDER BY sort_at DESC, seq ASC LIMIT ?2)",
                params![source, keep as i64, ts(seen_since)],
                what,
            )?;
        }
        Ok(removed)
    }

    /// The ids merged feed `feed` gave its entries: each id of a copy (alias) → the merged id.
    pub fn aliases(&self, feed: &str) -> Result<HashMap<String, String>, StoreError> {
        self.pairs(
            "SELECT alias, id FROM aliases WHERE feed = ?1",
            feed,
            || format!("read the entry ids of merge {feed}"),
        )
    }

    /// Remembers new ids of merged feed `feed` (alias → id); known aliases keep their id.
    pub fn add_aliases(
        &mut self,
        feed: &str,
        pairs: &[(String, String)],
    ) -> Result<(), StoreError> {
        if pairs.is_empty() {
            return Ok(());
        }
        let what = || format!("write the entry ids of merge {feed}");
        self.all_or_nothing(&what, |tx| {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO aliases (feed, alias, id) VALUES (?1, ?2, ?3)",
                )
                .op(what)?;
            for (alias, id) in pairs {
                stmt.execute(params![feed, alias, id]).op(what)?;
            }
            Ok(())
        })
    }

    /// Runs `write` inside a savepoint: all of its writes or none, also inside the run's open
    /// transaction. The savepoint statements are prepared once (a run takes one per source).
    fn all_or_nothing(
        &mut self,
        what: &impl Fn() -> String,
        write: impl FnOnce(&Connection) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.exec("SAVEPOINT write", [], what)?;
        match write(&self.conn) {
            Ok(()) => self.exec("RELEASE write", [], what).map(|_| ()),
            Err(e) => {
                // Undo, then end the savepoint; the error that counts is the first one.
                let _ = self.exec("ROLLBACK TO write", [], what);
                let _ = self.exec("RELEASE write", [], what);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests;
