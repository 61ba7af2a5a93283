//! Run state in the store: each source's, merge's and external feed's health (for `status`, the
//! index page and deciding when to back-fill) and the HTTP validators of fetched pages.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Op, Store, StoreError, ts};
use crate::fetch::Validators;

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
    /// The listing's default title (its heading, else its `<title>`) or the external feed's
    /// title, as last read: what a 304 leaves nothing else to take it from.
    pub heading: Option<String>,
    /// The page the listing or feed belongs to, as last read.
    pub home: Option<String>,
    /// Entries stored for the source.
    pub stored: usize,
    /// Entries in the feed as last published.
    pub feed_entries: Option<usize>,
    /// The published feed's own date (its newest entry).
    pub feed_updated: Option<DateTime<Utc>>,
    /// How a source without selectors was read (`detect::Detection` as JSON).
    pub detected: Option<String>,
    /// The fingerprint of the page and settings last published (see `refresh`).
    #[serde(skip)]
    pub fingerprint: Option<String>,
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
    /// The fingerprint of what was read and published, when a later run may skip the same.
    pub fingerprint: Option<&'a str>,
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

fn parse_ts(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|d| d.with_timezone(&Utc))
}

impl Store {
    /// The validators last stored for `url`.
    pub fn validators(&self, url: &str) -> Result<Validators, StoreError> {
        let v = self
            .conn
            .prepare_cached("SELECT etag, last_modified FROM http_cache WHERE url = ?1")
            .op(|| format!("read the validators of {url}"))?
            .query_row([url], |r| {
                Ok(Validators {
                    etag: r.get(0)?,
                    last_modified: r.get(1)?,
                })
            })
            .optional()
            .op(|| format!("read the validators of {url}"))?;
        Ok(v.unwrap_or_default())
    }

    /// Remembers the validators of `url` (or forgets them when empty).
    pub fn set_validators(&mut self, url: &str, v: &Validators) -> Result<(), StoreError> {
        let what = || format!("write the validators of {url}");
        if v.is_empty() {
            self.exec("DELETE FROM http_cache WHERE url = ?1", [url], what)?;
        } else {
            self.exec(
                "INSERT INTO http_cache (url, etag, last_modified) VALUES (?1, ?2, ?3)
                     ON CONFLICT (url) DO UPDATE SET etag = ?2, last_modified = ?3
                     WHERE etag IS NOT ?2 OR last_modified IS NOT ?3",
                params![url, v.etag, v.last_modified],
                what,
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
        // A read without a fingerprint forgets the old one, so the next run reads the page again;
        // no read at all (a 304, a page skipped as unchanged) keeps it.
        let what = || format!("record the success of {source}");
        self.conn
            .prepare_cached(
                "INSERT INTO sources (name, last_success, consecutive_failures, last_item_count,
                     backfilled, heading, home, fingerprint)
                 VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (name) DO UPDATE SET last_success = ?2, consecutive_failures = 0,
                     failing_since = NULL, last_item_count = COALESCE(?3, last_item_count),
                     backfilled = MAX(backfilled, ?4), heading = COALESCE(?5, heading),
                     home = COALESCE(?6, home),
                     fingerprint = CASE WHEN ?8 THEN ?7 ELSE fingerprint END",
            )
            .op(what)?
            .execute(params![
                source,
                ts(now),
                items,
                r.backfilled,
                r.heading,
                r.home,
                r.fingerprint,
                read.is_some()
            ])
            .op(what)?;
        Ok(())
    }

    /// Records a failed refresh of `source`. It forgets the fingerprint: the next run reads the
    /// page again whatever it holds.
    pub fn record_failure(
        &mut self,
        source: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.exec(
                "INSERT INTO sources (name, last_failure, last_error, failing_since, consecutive_failures)
                 VALUES (?1, ?2, ?3, ?2, 1)
                 ON CONFLICT (name) DO UPDATE SET last_failure = ?2, last_error = ?3,
                     failing_since = COALESCE(failing_since, ?2),
                     consecutive_failures = consecutive_failures + 1, fingerprint = NULL",
                params![source, ts(now), error],
                || format!("record the failure of {source}"),
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
        self.exec(
            "INSERT INTO sources (name, feed_entries, feed_updated) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET feed_entries = ?2, feed_updated = ?3",
            params![name, entries as i64, ts(updated)],
            || format!("record what was published for {name}"),
        )?;
        Ok(())
    }

    /// Remembers how a source without selectors was read.
    pub fn set_detected(&mut self, source: &str, detected: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO sources (name, detected) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET detected = ?2",
            params![source, detected],
            || format!("record how {source} was read"),
        )?;
        Ok(())
    }

    /// Every feed name the store holds something for: entries, run state or merge ids. What the
    /// config no longer names is orphaned (`tagfeed forget` removes it).
    pub fn names(&self) -> Result<Vec<String>, StoreError> {
        let what = || "list the stored feeds".to_string();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT source FROM entries UNION SELECT name FROM sources \
                 UNION SELECT feed FROM aliases UNION SELECT name FROM checks ORDER BY 1",
            )
            .op(what)?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .op(what)?
            .collect::<Result<Vec<_>, _>>()
            .op(what)?;
        Ok(names)
    }

    /// Removes everything stored for `name` (entries, run state, merge ids, checks) in one
    /// transaction; returns how many entries went.
    pub fn forget(&mut self, name: &str) -> Result<usize, StoreError> {
        let what = || format!("forget {name}");
        let tx = self.conn.transaction().op(what)?;
        let entries = tx
            .execute("DELETE FROM entries WHERE source = ?1", [name])
            .op(what)?;
        for sql in [
            "DELETE FROM sources WHERE name = ?1",
            "DELETE FROM aliases WHERE feed = ?1",
            "DELETE FROM checks WHERE name = ?1",
        ] {
            tx.execute(sql, [name]).op(what)?;
        }
        tx.commit().op(what)?;
        Ok(entries)
    }

    /// The run state of `source` (default when it never ran), with its count of stored entries.
    pub fn state(&self, source: &str) -> Result<SourceState, StoreError> {
        let what = || format!("read the state of {source}");
        let stored: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM entries WHERE source = ?1")
            .op(what)?
            .query_row([source], |r| r.get(0))
            .op(what)?;
        Ok(SourceState {
            stored: stored as usize,
            ..self.run_state(source)?
        })
    }

    /// The run state of `source` without counting its entries (`stored` is 0): what a run needs.
    pub fn run_state(&self, source: &str) -> Result<SourceState, StoreError> {
        let what = || format!("read the state of {source}");
        let state = self
            .conn
            .prepare_cached(
                "SELECT last_success, last_failure, last_error, failing_since,
                        consecutive_failures, last_item_count, backfilled, heading, home,
                        feed_entries, feed_updated, detected, fingerprint,
                        (SELECT at FROM checks WHERE checks.name = sources.name)
                 FROM sources WHERE name = ?1",
            )
            .op(what)?
            .query_row([source], |r| {
                // The later of the last read and the last check that found nothing changed.
                // Unix seconds; anything else there (a hand-edited row) counts as no check.
                let checked = match r.get_ref(13)? {
                    rusqlite::types::ValueRef::Integer(t) => DateTime::from_timestamp(t, 0),
                    _ => None,
                };
                let success = parse_ts(r.get(0)?);
                Ok(SourceState {
                    name: source.to_string(),
                    last_success: success.max(checked),
                    last_failure: parse_ts(r.get(1)?),
                    last_error: r.get(2)?,
                    failing_since: parse_ts(r.get(3)?),
                    consecutive_failures: r.get(4)?,
                    last_item_count: r.get::<_, Option<i64>>(5)?.map(|n| n as usize),
                    backfilled: r.get(6)?,
                    heading: r.get(7)?,
                    home: r.get(8)?,
                    stored: 0,
                    feed_entries: r.get::<_, Option<i64>>(9)?.map(|n| n as usize),
                    feed_updated: parse_ts(r.get(10)?),
                    detected: r.get(11)?,
                    fingerprint: r.get(12)?,
                })
            })
            .optional()
            .op(what)?;
        Ok(state.unwrap_or_else(|| SourceState {
            name: source.to_string(),
            ..SourceState::default()
        }))
    }

    /// Records that `source`'s page was found as last published: a success that changes nothing
    /// else. It goes to a narrow table of its own, so a run of a thousand unchanged pages writes a
    /// few pages of the store, not every source's row.
    pub fn record_check(&mut self, source: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO checks (name, at) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET at = ?2",
            params![source, now.timestamp()],
            || format!("record the check of {source}"),
        )?;
        Ok(())
    }
}
