//! Several feeds into one (pure): the same article reached through several tags or feeds appears
//! once, with all their categories, built field by field from its richest copy.
//!
//! Two entries are the same article when they share an id, else a canonical link, else the same
//! title key published on the same day (in the offset each gives, so a date-only "Oct. 9, 2020"
//! meets "2020-10-09T10:07:00-04:00"). A link that several entries of one input share (the
//! listing page that linkless entries point at) is not an article's identity and is never matched
//! on.
//!
//! The merged entry takes: the first own link of its copies (over a shared link or none), the
//! first date with a time of day (over a date alone), the longest summary, the union of
//! categories, the earliest first-seen date and the latest edit. Its title and origin come from the
//! copy whose link it takes, else the first. Its id is fixed the first time it is merged and
//! remembered (`aliases`: each copy's id → the merged id), so richer copies arriving later never
//! change it.

use std::collections::HashMap;

/// Maps keyed by strings from the inputs. A merge of 100,000 entries hashes ~400,000 keys, so
/// they use foldhash (seeded at random per process, as std's SipHash is) rather than SipHash,
/// which was a quarter of the merge's own time.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use crate::model::{Entry, Provenance, has_time, title_key};
use crate::normalize::{id, union_categories};

/// One input of a merge: entries newest first, and the feed they came from.
#[derive(Debug, Clone)]
pub struct Input {
    /// The feed the entries come from.
    pub provenance: Provenance,
    /// Its entries, newest first.
    pub entries: Vec<Entry>,
}

/// Every article of the inputs once, and the ids given to articles merged for the first time.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    /// Merged entries, in the order the inputs first give them.
    pub entries: Vec<Entry>,
    /// New `(copy id, merged id)` pairs to remember.
    pub new_aliases: Vec<(String, String)>,
}

/// A copy of an article in one input.
struct Copy {
    entry: Entry,
    input: usize,
    /// Whether its link is its own (not shared with other entries of its input).
    own_link: bool,
}

/// The keys an entry is recognized by, strongest first. `link` is its canonical link when that
/// is its own.
fn keys(e: &Entry, link: Option<&str>) -> Vec<String> {
    let mut k = vec![format!("id {}", e.id)];
    if let Some(l) = link {
        k.push(format!("link {l}"));
    }
    if let Some(d) = e.published {
        // The day as published: one source may give "Oct. 9, 2020", another 10:07 that day.
        k.push(format!("title {} {}", title_key(&e.title), d.date_naive()));
    }
    k
}

/// Each entry's canonical link, when several entries of the input do not share it.
fn own_links(entries: &[Entry]) -> Vec<Option<String>> {
    let links: Vec<Option<String>> = entries
        .iter()
        .map(|e| e.link.as_ref().map(|l| id::canonical(l).to_string()))
        .collect();
    let mut count: FastMap<&str, usize> = FastMap::default();
    for l in links.iter().flatten() {
        *count.entry(l).or_default() += 1;
    }
    let shared: FastSet<String> = count
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(l, _)| l.to_string())
        .collect();
    links
        .into_iter()
        .map(|l| l.filter(|l| !shared.contains(l)))
        .collect()
}

/// Merges `inputs` (in order of preference). `aliases` are the ids this merge gave before.
pub fn merge(inputs: Vec<Input>, aliases: &HashMap<String, String>) -> Merged {
    let keyed = keyed(inputs);
    let mut groups: Vec<Vec<Copy>> = Vec::new();
    let mut index: FastMap<String, usize> = FastMap::default();
    let mut provenance = Vec::with_capacity(keyed.len());
    for (n, (input, keys)) in keyed.into_iter().enumerate() {
        provenance.push(std::sync::Arc::new(input.provenance));
        for (entry, (keys, own_link)) in input.entries.into_iter().zip(keys) {
            let g = match keys.iter().find_map(|k| index.get(k).copied()) {
                Some(g) => g,
                None => {
                    // Most articles have one copy: no room for four (a Vec's first growth).
                    groups.push(Vec::with_capacity(1));
                    groups.len() - 1
                }
            };
            groups[g].push(Copy {
                entry,
                input: n,
                own_link,
            });
            // Every key of every copy now leads to the merged entry.
            for k in keys {
                index.entry(k).or_insert(g);
            }
        }
    }
    drop(index);
    let mut out = Merged::default();
    let mut used = FastSet::default();
    for copies in groups {
        let id = merged_id(&copies, aliases, &mut used, &mut out.new_aliases);
        let (mut entry, origin) = combine(copies);
        entry.id = id;
        entry.via = Some(provenance[origin].clone());
        out.entries.push(entry);
    }
    out
}

/// Each entry's keys, and whether its link is its own.
type Keys = Vec<(Vec<String>, bool)>;

/// Every input with its entries' keys, worked out on all cores (canonical links and title keys
/// are most of a large merge's work; only the grouping after them must run in order).
fn keyed(inputs: Vec<Input>) -> Vec<(Input, Keys)> {
    let key = |input: Input| {
        let own = own_links(&input.entries);
        let keys = input
            .entries
            .iter()
            .zip(own)
            .map(|(e, link)| (keys(e, link.as_deref()), link.is_some()))
            .collect();
        (input, keys)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || inputs.len() < 2 {
        return inputs.into_iter().map(key).collect();
    }
    let mut slots: Vec<Option<Input>> = inputs.into_iter().map(Some).collect();
    let per = slots.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = slots
            .chunks_mut(per)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter_mut()
                        .filter_map(Option::take)
                        .map(key)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// Which copy the merged entry takes its link, title and origin from: the first with a link of
/// its own, else the first with any link, else the first.
fn primary(copies: &[Copy]) -> usize {
    copies
        .iter()
        .position(|c| c.own_link)
        .or_else(|| copies.iter().position(|c| c.entry.link.is_some()))
        .unwrap_or(0)
}

/// One entry from its copies, field by field; and which input it is said to come from.
fn combine(mut copies: Vec<Copy>) -> (Entry, usize) {
    let p = primary(&copies);
    if copies.len() == 1 {
        let only = copies.swap_remove(p);
        return (only.entry, only.input);
    }
    let dated = || copies.iter().filter_map(|c| c.entry.published);
    let published = dated().find(has_time).or_else(|| dated().next());
    let longest = copies
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, c.entry.summary.as_ref()?.len())))
        .fold(None::<(usize, usize)>, |best, (i, len)| match best {
            Some((_, b)) if b >= len => best,
            _ => Some((i, len)),
        });
    let summary = longest.and_then(|(i, _)| copies[i].entry.summary.take());
    let mut categories: Vec<String> = Vec::new();
    for c in &copies {
        categories = union_categories(&categories, &c.entry.categories);
    }
    let first_seen = copies.iter().map(|c| c.entry.first_seen).min();
    let updated = copies.iter().filter_map(|c| c.entry.updated).max();
    let origin = copies[p].input;
    let mut entry = copies.swap_remove(p).entry;
    entry.published = published;
    entry.summary = summary;
    entry.categories = categories;
    entry.first_seen = first_seen.unwrap_or(entry.first_seen);
    entry.updated = updated;
    (entry, origin)
}

/// The merged entry's id: the one it was given before (through any copy), else the id of the
/// copy whose link it takes, else the first copy's; never one another entry already has.
fn merged_id(
    copies: &[Copy],
    aliases: &HashMap<String, String>,
    used: &mut FastSet<String>,
    new_aliases: &mut Vec<(String, String)>,
) -> String {
    let primary = primary(copies);
    let remembered = copies.iter().filter_map(|c| aliases.get(&c.entry.id));
    let own = std::iter::once(&copies[primary].entry.id).chain(copies.iter().map(|c| &c.entry.id));
    let id = remembered
        .chain(own)
        .find(|id| !used.contains(*id))
        .cloned()
        .unwrap_or_else(|| {
            let e = &copies[primary].entry;
            id::hashed("merge", &e.title, e.published)
        });
    used.insert(id.clone());
    for c in copies {
        if !aliases.contains_key(&c.entry.id) {
            new_aliases.push((c.entry.id.clone(), id.clone()));
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Filter;
    use crate::normalize::newest_first;
    use chrono::DateTime;
    use url::Url;

    /// What a merged feed shows: merged, filtered, newest first, cut.
    fn merged_feed(inputs: Vec<Input>, filter: &Filter, max: usize) -> Vec<Entry> {
        newest_first(filter.apply(merge(inputs, &HashMap::new()).entries), max)
    }

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
        let merged = merged_feed(
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
        let merged = merged_feed(
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
        let merged = merged_feed(
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

    #[test]
    fn the_richest_copy_of_each_field_and_a_fixed_id() {
        // The text copy: no link, a date alone, a short summary; the HTML copy: all three better.
        let mut text = entry(
            "urn:uuid:t",
            "Article",
            None,
            "2020-10-09T00:00:00-04:00",
            &["T"],
        );
        text.summary = Some("Short.".into());
        let mut html = entry(
            "https://e.org/a",
            "Article",
            Some("https://e.org/a"),
            "2020-10-09T10:07:00-04:00",
            &["H"],
        );
        html.summary = Some("The longer summary.".into());
        let both = || {
            vec![
                input("text", vec![text.clone()]),
                input("html", vec![html.clone()]),
            ]
        };
        let m = merge(both(), &HashMap::new());
        let e = &m.entries[0];
        assert_eq!(
            e.id, "https://e.org/a",
            "the id of the copy whose link it takes"
        );
        assert_eq!(e.link, html.link);
        assert_eq!(e.published, html.published);
        assert_eq!(e.summary, html.summary);
        assert_eq!(e.categories, ["T", "H"]);
        assert_eq!(e.via.as_ref().unwrap().title, "html");
        assert_eq!(m.new_aliases.len(), 2);
        // First merged when only the text copy existed: that id stays.
        let first = merge(vec![input("text", vec![text.clone()])], &HashMap::new());
        assert_eq!(first.entries[0].id, "urn:uuid:t");
        let aliases: HashMap<String, String> = first.new_aliases.into_iter().collect();
        let later = merge(both(), &aliases);
        assert_eq!(later.entries[0].id, "urn:uuid:t");
        assert_eq!(later.entries[0].link, html.link);
        assert_eq!(
            later.new_aliases,
            [("https://e.org/a".to_string(), "urn:uuid:t".to_string())]
        );
    }

    #[test]
    fn a_link_shared_within_one_input_is_no_identity() {
        // Linkless entries written out as RSS point at the listing page.
        let home = Some("https://e.org/tag/x/");
        let rss = vec![
            entry("urn:uuid:1", "One", home, "2020-01-02T00:00:00Z", &[]),
            entry("urn:uuid:2", "Two", home, "2020-01-01T00:00:00Z", &[]),
        ];
        let atom = rss.clone();
        let m = merge(
            vec![input("rss", rss), input("atom", atom)],
            &HashMap::new(),
        );
        let titles: Vec<&str> = m.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["One", "Two"]);
    }
}
