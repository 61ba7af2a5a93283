//! Several feeds into one (pure): the same article reached through several tags or feeds appears
//! once, with all their categories.
//!
//! Two entries are the same article when they share an id, else a canonical link, else the same
//! normalized title (lowercase, whitespace collapsed) published on the same day (in the offset
//! each gives, so a date-only "Oct. 9, 2020" meets "2020-10-09T10:07:00-04:00"). The first input that has the article wins its fields;
//! the merged entry gets the union of categories, the earliest first-seen date, and fields the first
//! lacked (date, link, summary) from the others. Each entry says where it came from.

use std::collections::HashMap;

use crate::filter::Filter;
use crate::model::{Entry, Provenance};
use crate::normalize::{self, id};

/// One input of a merge: entries newest first, and the feed they came from.
#[derive(Debug, Clone)]
pub struct Input {
    /// The feed the entries come from.
    pub provenance: Provenance,
    /// Its entries, newest first.
    pub entries: Vec<Entry>,
}

/// The keys an entry is recognized by, strongest first.
fn keys(e: &Entry) -> Vec<String> {
    let mut k = vec![format!("id {}", e.id)];
    if let Some(l) = &e.link {
        k.push(format!("link {}", id::canonical(l)));
    }
    if let Some(d) = e.published {
        // The day as published: one source may give "Oct. 9, 2020", another 10:07 that day.
        let title: Vec<&str> = e.title.split_whitespace().collect();
        k.push(format!(
            "title {} {}",
            title.join(" ").to_lowercase(),
            d.date_naive()
        ));
    }
    k
}

/// Merges `inputs` (in order of preference), filters, and keeps the newest `max_items`.
pub fn merge(inputs: Vec<Input>, filter: &Filter, max_items: usize) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for input in inputs {
        for mut e in input.entries {
            let keys = keys(&e);
            let i = match keys.iter().find_map(|k| index.get(k).copied()) {
                Some(i) => {
                    fold(&mut out[i], e);
                    i
                }
                None => {
                    e.via.get_or_insert_with(|| input.provenance.clone());
                    out.push(e);
                    out.len() - 1
                }
            };
            // Every key of every copy now leads to the merged entry.
            for k in keys {
                index.entry(k).or_insert(i);
            }
        }
    }
    normalize::newest_first(filter.apply(out), max_items)
}

fn fold(kept: &mut Entry, other: Entry) {
    kept.categories = normalize::union_categories(&kept.categories, &other.categories);
    kept.first_seen = kept.first_seen.min(other.first_seen);
    if kept.published.is_none() {
        kept.published = other.published;
    }
    if kept.link.is_none() {
        kept.link = other.link;
    }
    if kept.summary.is_none() {
        kept.summary = other.summary;
    }
    kept.updated = kept.updated.max(other.updated);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use url::Url;

    fn entry(id: &str, title: &str, link: Option<&str>, date: &str, cats: &[&str]) -> Entry {
        let d = DateTime::parse_from_rfc3339(date).unwrap();
        Entry {
            id: id.into(),
            title: title.into(),
            link: link.map(|l| Url::parse(l).unwrap()),
            published: Some(d),
            first_seen: d,
            updated: None,
            summary: None,
            categories: cats.iter().map(|c| c.to_string()).collect(),
            via: None,
        }
    }

    fn input(name: &str, entries: Vec<Entry>) -> Input {
        Input {
            provenance: Provenance {
                title: name.into(),
                feed_url: None,
                home: None,
            },
            entries,
        }
    }

    #[test]
    fn one_article_in_three_tags_appears_once_with_three_categories() {
        let art = |cat: &str| {
            entry(
                "https://e.org/a",
                "A",
                Some("https://e.org/a"),
                "2020-10-09T00:00:00Z",
                &[cat],
            )
        };
        let merged = merge(
            vec![
                input(
                    "Partnerships",
                    vec![
                        art("Partnerships"),
                        entry(
                            "https://e.org/p",
                            "P",
                            Some("https://e.org/p"),
                            "2020-10-01T00:00:00Z",
                            &["Partnerships"],
                        ),
                    ],
                ),
                input("NATO", vec![art("NATO")]),
                input(
                    "Allies",
                    vec![
                        art("Allies"),
                        entry(
                            "https://e.org/q",
                            "Q",
                            Some("https://e.org/q"),
                            "2020-10-10T00:00:00Z",
                            &["Allies"],
                        ),
                    ],
                ),
            ],
            &Filter::default(),
            10,
        );
        let got: Vec<(&str, Vec<&str>, &str)> = merged
            .iter()
            .map(|e| {
                (
                    e.title.as_str(),
                    e.categories.iter().map(String::as_str).collect(),
                    e.via.as_ref().unwrap().title.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Q", vec!["Allies"], "Allies"),
                ("A", vec!["Partnerships", "NATO", "Allies"], "Partnerships"),
                ("P", vec!["Partnerships"], "Partnerships"),
            ]
        );
    }

    #[test]
    fn matched_by_link_then_by_title_and_date() {
        let a = entry(
            "urn:uuid:1",
            "Same",
            Some("https://e.org/x?utm_source=feed"),
            "2020-01-02T00:00:00Z",
            &["a"],
        );
        let b = entry(
            "tag:e.org,2020:x",
            "Same (feed)",
            Some("https://e.org/x#top"),
            "2020-01-02T00:00:00Z",
            &["b"],
        );
        let c = entry(
            "urn:uuid:2",
            "  the  title ",
            None,
            "2020-01-01T00:00:00Z",
            &["c"],
        );
        let mut d = entry(
            "urn:uuid:3",
            "The Title",
            None,
            "2020-01-01T00:00:00Z",
            &["d"],
        );
        d.first_seen = DateTime::parse_from_rfc3339("2019-12-31T00:00:00Z").unwrap();
        let e = entry(
            "urn:uuid:4",
            "The Title",
            None,
            "2020-01-05T00:00:00Z",
            &["e"],
        );
        let merged = merge(
            vec![input("1", vec![a, c]), input("2", vec![b, d, e])],
            &Filter::default(),
            10,
        );
        assert_eq!(merged.len(), 3, "{merged:#?}");
        assert_eq!(merged[1].categories, ["a", "b"]);
        assert_eq!(merged[2].categories, ["c", "d"]);
        assert_eq!(
            merged[2].first_seen.to_rfc3339(),
            "2019-12-31T00:00:00+00:00",
            "earliest first-seen kept"
        );
    }

    #[test]
    fn filters_and_limits_apply_after_merging() {
        let f = Filter {
            include: vec![regex::Regex::new("(?i)nato").unwrap()],
            ..Filter::default()
        };
        let merged = merge(
            vec![
                input(
                    "1",
                    vec![entry("1", "NATO one", None, "2020-01-03T00:00:00Z", &[])],
                ),
                input(
                    "2",
                    vec![
                        entry("2", "Other", None, "2020-01-04T00:00:00Z", &["NATO"]),
                        entry("3", "Other", None, "2020-01-05T00:00:00Z", &[]),
                        entry("4", "NATO old", None, "2020-01-01T00:00:00Z", &[]),
                    ],
                ),
            ],
            &f,
            2,
        );
        let ids: Vec<&str> = merged.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["2", "1"]);
    }
}
