//! Filters on any feed: keep entries matching an `include` pattern, drop those matching an
//! `exclude` pattern, drop those older than `since`. Patterns are regular expressions (the `regex`
//! crate's syntax, `(?i)` for case-insensitive) matched against the title, the summary's text and
//! the categories, one per line.

use chrono::{DateTime, FixedOffset};
use regex::Regex;

use crate::model::Entry;
use crate::text::strip_tags;

/// A compiled filter. The default keeps everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// When not empty, an entry must match at least one.
    pub include: Vec<Regex>,
    /// An entry matching any is dropped.
    pub exclude: Vec<Regex>,
    /// Entries dated before this are dropped.
    pub since: Option<DateTime<FixedOffset>>,
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        let pats = |v: &[Regex]| v.iter().map(|r| r.as_str().to_string()).collect::<Vec<_>>();
        pats(&self.include) == pats(&other.include)
            && pats(&self.exclude) == pats(&other.exclude)
            && self.since == other.since
    }
}

impl Filter {
    /// Whether the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty() && self.since.is_none()
    }

    /// Whether `e` passes.
    pub fn keep(&self, e: &Entry) -> bool {
        if self.since.is_some_and(|since| e.date() < since) {
            return false;
        }
        if self.include.is_empty() && self.exclude.is_empty() {
            return true;
        }
        let mut text = e.title.clone();
        if let Some(s) = &e.summary {
            text.push('\n');
            text.push_str(&strip_tags(s));
        }
        for c in &e.categories {
            text.push('\n');
            text.push_str(c);
        }
        (self.include.is_empty() || self.include.iter().any(|r| r.is_match(&text)))
            && !self.exclude.iter().any(|r| r.is_match(&text))
    }

    /// The entries that pass, in order.
    pub fn apply(&self, entries: Vec<Entry>) -> Vec<Entry> {
        if self.is_empty() {
            return entries;
        }
        entries.into_iter().filter(|e| self.keep(e)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(title: &str, summary: &str, cats: &[&str], date: &str) -> Entry {
        let d = DateTime::parse_from_rfc3339(date).unwrap();
        Entry {
            id: title.into(),
            title: title.into(),
            link: None,
            published: Some(d),
            first_seen: d,
            updated: None,
            summary: Some(summary.into()),
            categories: cats.iter().map(|c| c.to_string()).collect(),
            via: None,
        }
    }

    #[test]
    fn include_exclude_since() {
        let f = Filter {
            include: vec![Regex::new("(?i)nato|alliance").unwrap()],
            exclude: vec![Regex::new("(?i)obituary").unwrap()],
            since: DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z").ok(),
        };
        let keep = |e: &Entry| f.keep(e);
        assert!(keep(&entry(
            "NATO ministers meet",
            "",
            &[],
            "2020-04-15T00:00:00Z"
        )));
        assert!(keep(&entry(
            "Ministers meet",
            "<p>The <b>Alliance</b> met</p>",
            &[],
            "2020-04-15T00:00:00Z"
        )));
        assert!(
            keep(&entry(
                "Ministers meet",
                "",
                &["NATO"],
                "2020-04-15T00:00:00Z"
            )),
            "categories count"
        );
        assert!(
            !keep(&entry(
                "Ministers meet",
                "",
                &["Trade"],
                "2020-04-15T00:00:00Z"
            )),
            "no include matched"
        );
        assert!(!keep(&entry(
            "NATO general: obituary",
            "",
            &[],
            "2020-04-15T00:00:00Z"
        )));
        assert!(
            !keep(&entry("NATO in 2019", "", &[], "2019-12-31T23:59:59Z")),
            "before since"
        );
        assert!(Filter::default().keep(&entry("x", "", &[], "1999-01-01T00:00:00Z")));
    }
}
