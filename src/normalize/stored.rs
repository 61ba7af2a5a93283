//! An entry read again, against its stored copy: what the store keeps, what the page changes.
//!
//! The store only stores; the rules for a known entry live here. It keeps its id and first-seen
//! date for good, keeps its date when the page stops giving one, takes the page's title, summary,
//! link and date, gains the page's categories, and moves `updated` when title or summary changed.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::union_categories;
use crate::model::Entry;

/// How an entry of this read compares with its stored copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Seen for the first time.
    New,
    /// Known, with a new title or summary.
    Changed,
    /// Known, as it was.
    Unchanged,
}

/// How many entries of a read were new, changed or unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Changes {
    /// Entries seen for the first time.
    pub new: usize,
    /// Known entries whose title or summary changed.
    pub changed: usize,
    /// Known entries as they were.
    pub unchanged: usize,
}

impl Changes {
    /// Counts one entry.
    pub fn add(&mut self, change: Change) {
        match change {
            Change::New => self.new += 1,
            Change::Changed => self.changed += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }
}

/// The entry to store for `fresh` (as this read found it), given its stored copy, and how it
/// changed. `now` dates an edit.
pub fn reconcile(stored: Option<Entry>, fresh: Entry, now: DateTime<Utc>) -> (Entry, Change) {
    let Some(old) = stored else {
        return (fresh, Change::New);
    };
    let changed = old.title != fresh.title || old.summary != fresh.summary;
    let entry = Entry {
        categories: union_categories(&old.categories, &fresh.categories),
        link: fresh.link.or(old.link),
        published: fresh.published.or(old.published),
        updated: if changed {
            Some(now.fixed_offset())
        } else {
            old.updated
        },
        first_seen: old.first_seen,
        id: old.id,
        title: fresh.title,
        summary: fresh.summary,
        via: None,
    };
    let change = if changed {
        Change::Changed
    } else {
        Change::Unchanged
    };
    (entry, change)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn entry(title: &str, published: Option<&str>, seen: &str) -> Entry {
        Entry {
            id: "x".into(),
            title: title.into(),
            link: None,
            published: published.map(|p| chrono::DateTime::parse_from_rfc3339(p).unwrap()),
            first_seen: at(seen).fixed_offset(),
            updated: None,
            summary: Some(format!("about {title}")),
            categories: vec!["T".into()],
            via: None,
        }
    }

    #[test]
    fn undated_entries_keep_their_first_seen_date() {
        let first = entry("Undated", None, "2026-01-01T10:00:00Z");
        // Seen again a week later: the new read dates it "now", the stored date stays.
        let again = entry("Undated", None, "2026-01-08T10:00:00Z");
        let (kept, change) = reconcile(Some(first), again, at("2026-01-08T10:00:00Z"));
        assert_eq!(change, Change::Unchanged);
        assert_eq!(kept.date(), at("2026-01-01T10:00:00Z"));
        assert_eq!(kept.updated, None);
    }

    #[test]
    fn an_edited_entry_keeps_its_id_and_moves_updated() {
        let old = entry(
            "Old title",
            Some("2020-10-09T00:00:00Z"),
            "2026-01-01T00:00:00Z",
        );
        let mut edited = entry("New title", None, "2026-01-02T00:00:00Z");
        edited.categories = vec!["U".into()];
        let (got, change) = reconcile(Some(old), edited, at("2026-01-02T00:00:00Z"));
        assert_eq!(change, Change::Changed);
        assert_eq!((got.id.as_str(), got.title.as_str()), ("x", "New title"));
        assert_eq!(got.updated.unwrap(), at("2026-01-02T00:00:00Z"));
        assert_eq!(got.categories, ["T", "U"], "categories accumulate");
        assert_eq!(got.first_seen, at("2026-01-01T00:00:00Z"));
        assert_eq!(
            got.published.unwrap().to_rfc3339(),
            "2020-10-09T00:00:00+00:00",
            "the page stopped giving a date: the stored one stays"
        );
        let (_, change) = reconcile(
            None,
            entry("A", None, "2026-01-01T00:00:00Z"),
            at("2026-01-01T00:00:00Z"),
        );
        assert_eq!(change, Change::New);
    }
}
