//! The store's schema and its migrations, applied in order on open.
//!
//! `PRAGMA user_version` holds the number of migrations applied. A database from a newer tagfeed
//! (a higher version than this build knows) is refused rather than guessed at.
//!
//! Version 1:
//! - `entries`: every entry ever seen per source. `id` is the entry id; `published` the page's
//!   date (RFC 3339 with its offset, NULL when undated); `first_seen`, `last_seen`, `updated`
//!   (when title or summary changed; NULL if never) are RFC 3339 UTC; `sort_at` is the Unix time
//!   feeds sort by (published, else first_seen); `content_hash` is BLAKE3 of title and summary;
//!   `categories` a JSON array; `seq` keeps page order among equal `sort_at`.
//! - `sources`: per-source run state: last success and failure, the failure's text, consecutive
//!   failures, entries on the last page read, whether the archive was back-filled, and the
//!   listing's heading (the default feed title, needed when a 304 leaves nothing to read) and
//!   home page (for external feeds: where a merged entry came from).
//! - `http_cache`: per URL, the `ETag` and `Last-Modified` to send next time.
//!
//! Version 2 adds to `sources` what was last published for each feed (source or merge):
//! `feed_entries` and `feed_updated` (the feed's own date), shown by `tagfeed serve`'s index.
//!
//! Version 3 drops `entries.content_hash` (normalization compares an entry with its stored copy
//! itself) and adds `aliases`: for each merged feed, the id of every copy of an article it merged
//! → the id the merged entry was first published with, so that id never changes.
//!
//! Version 4 adds `sources.detected`: for a source without selectors, how its items were found
//! (method, selectors, confidence as JSON), so later runs read it the same way.
//!
//! Version 5 adds `sources.fingerprint`: a hash of the first page's bytes and of every setting
//! the feed depends on, as last published, so a run that would read the same page the same way
//! skips it (no parse, no feed file); and `checks`: when each such skip last happened (a success;
//! Unix seconds, in a narrow table of its own so that a run of unchanged pages rewrites a page or
//! two of it and nothing else).

use rusqlite::{Connection, TransactionBehavior};

use super::{Op, StoreError};

/// Migrations, in order; index + 1 is the version each one brings the database to.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE entries (
    source       TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    link         TEXT,
    summary      TEXT,
    categories   TEXT    NOT NULL DEFAULT '[]',
    published    TEXT,
    first_seen   TEXT    NOT NULL,
    last_seen    TEXT    NOT NULL,
    updated      TEXT,
    sort_at      INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    content_hash TEXT    NOT NULL,
    PRIMARY KEY (source, id)
);
CREATE INDEX entries_newest ON entries (source, sort_at DESC, seq);
CREATE TABLE sources (
    name                 TEXT    PRIMARY KEY,
    last_success         TEXT,
    last_failure         TEXT,
    last_error           TEXT,
    failing_since        TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_item_count      INTEGER,
    backfilled           INTEGER NOT NULL DEFAULT 0,
    heading              TEXT,
    home                 TEXT
);
CREATE TABLE http_cache (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT
);
"#,
    r#"
ALTER TABLE sources ADD COLUMN feed_entries INTEGER;
ALTER TABLE sources ADD COLUMN feed_updated TEXT;
"#,
    r#"
ALTER TABLE entries DROP COLUMN content_hash;
CREATE TABLE aliases (
    feed  TEXT NOT NULL,
    alias TEXT NOT NULL,
    id    TEXT NOT NULL,
    PRIMARY KEY (feed, alias)
);
"#,
    r#"
ALTER TABLE sources ADD COLUMN detected TEXT;
"#,
    r#"
ALTER TABLE sources ADD COLUMN fingerprint TEXT;
CREATE TABLE checks (
    name TEXT PRIMARY KEY,
    at   INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    // The layout-change guard compares page 1's items; older stores counted every page of a
    // back-fill, so their counts are forgotten and the next run records page 1's.
    r#"
UPDATE sources SET last_item_count = NULL;
"#,
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`VERSION`], one migration per transaction. Each transaction takes
/// the write lock first and reads the version inside it, so processes opening the store at the
/// same moment (daemon jobs, a cron run) never apply a migration twice.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    loop {
        let what = || "migrate the store".to_string();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .op(what)?;
        let current = version(&tx)?;
        if current > VERSION {
            return Err(StoreError::TooNew {
                found: current,
                supported: VERSION,
            });
        }
        let Some(sql) = MIGRATIONS.get(current as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql).op(what)?;
        tx.pragma_update(None, "user_version", current + 1)
            .op(what)?;
        tx.commit().op(what)?;
    }
}

/// Checks that a store opened read-only has exactly this build's schema.
pub(crate) fn check(conn: &Connection) -> Result<(), StoreError> {
    match version(conn)? {
        v if v > VERSION => Err(StoreError::TooNew {
            found: v,
            supported: VERSION,
        }),
        v if v < VERSION => Err(StoreError::Outdated {
            found: v,
            supported: VERSION,
        }),
        _ => Ok(()),
    }
}

fn version(conn: &Connection) -> Result<i64, StoreError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .op(|| "read the schema version".into())
}
