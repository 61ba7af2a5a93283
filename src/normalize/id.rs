//! Stable entry ids.
//!
//! Feed readers decide "new or already read" by id, so an id must never change for the same
//! article, and two articles must never share one. The rules, in order:
//!
//! 1. An entry whose input gives it an id (a feed's guid) keeps it when it is an absolute URI
//!    (`tag:`, `urn:`, `http:`…); a bare guid like "12345", not unique across feeds, becomes a hash
//!    of the feed and the guid.
//! 2. An entry with a link gets its **canonical link**: scheme and host lowercased (the URL parser
//!    does this), default port dropped, fragment removed, and tracking parameters (`utm_*`,
//!    `fbclid`, `gclid`, `dclid`, `msclkid`, `mc_cid`, `mc_eid`, `igshid`) removed.
//! 3. An entry without one gets `urn:uuid:` + a UUID-shaped BLAKE3 hash of the source name, the
//!    title key (lowercase, whitespace collapsed) and the published date in UTC (empty when
//!    undated). The prefix makes it a valid Atom id and RSS guid.
//! 4. Rows that share a link under different titles (a table of releases pointing at one
//!    advisory) are different articles: the one stored under the link keeps it (else the first on
//!    the page), each other one gets a hash of the link and its title ([`Ids`]). Rows the same in
//!    title and link are one entry.
//!
//! The hash never includes mutable text beyond the title, and never the first-seen time.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use url::Url;

use crate::model::title_key;

const TRACKING: &[&str] = &[
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid",
];

fn is_tracking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING.contains(&key.as_str())
}

/// The canonical form of an article URL (rule 2 above).
pub fn canonical(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else if kept.len() != url.query_pairs().count() {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url
}

/// The id of an entry without a link (rule 3 above).
pub fn hashed(source: &str, title: &str, published: Option<DateTime<FixedOffset>>) -> String {
    let date = published
        .map(|d| {
            d.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        })
        .unwrap_or_default();
    let mut hasher = blake3::Hasher::new();
    for part in ["tagfeed-id-v1", source, &title_key(title), &date] {
        hasher.update(part.as_bytes());
        hasher.update(&[0]);
    }
    let mut b = [0u8; 16];
    b.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
    // Mark it as a version-8 (custom) RFC 9562 UUID so strict URN checkers accept it.
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hex: String = b
        .iter()
        .flat_map(|x| [HEX[usize::from(x >> 4)], HEX[usize::from(x & 15)]])
        .map(char::from)
        .collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The id an input's own id gives (rule 1), or `None` when it gives none.
pub fn own(scope: &str, given: Option<&str>) -> Option<String> {
    let own = given.map(str::trim).filter(|s| !s.is_empty())?;
    Some(if Url::parse(own).is_ok() && valid_uuid_urn(own) {
        own.to_string()
    } else {
        hashed(scope, &format!("guid {own}"), None)
    })
}

/// A `urn:uuid:` id must hold a real UUID (8-4-4-4-12 hex digits); other ids pass.
fn valid_uuid_urn(id: &str) -> bool {
    let Some(uuid) = id
        .get(..9)
        .filter(|p| p.eq_ignore_ascii_case("urn:uuid:"))
        .map(|_| &id[9..])
    else {
        return true;
    };
    let groups: Vec<&str> = uuid.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The id of a row that shares `link` with another article (rule 4).
fn split(scope: &str, link: &str, title: &str) -> String {
    hashed(scope, &format!("link {link} {}", title_key(title)), None)
}

/// What rule 4 needs to remember: the ids already stored for this source (with the title key each
/// was stored under) and which links this read has handed out so far. One per read of a source,
/// carried from page to page.
#[derive(Debug, Clone, Default)]
pub struct Ids {
    stored: HashMap<String, String>,
    claimed: HashMap<String, String>,
}

/// What rule 4 decided for one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The row is the article the link stands for: its id is the link.
    Link,
    /// The row is another article at that link: its id is this hash.
    Split {
        /// The row's id.
        id: String,
        /// Whether the row was split off before (it is stored under this id).
        known: bool,
    },
}

impl Ids {
    /// Ids for a read of a source whose stored entries are `stored` (id → title).
    pub fn new(stored: impl IntoIterator<Item = (String, String)>) -> Ids {
        Ids {
            stored: stored
                .into_iter()
                .map(|(id, title)| (id, title_key(&title)))
                .collect(),
            claimed: HashMap::new(),
        }
    }

    /// Whether `id` is stored already.
    pub fn is_stored(&self, id: &str) -> bool {
        self.stored.contains_key(id)
    }

    /// Decides rule 4 for a row with link id `link` and `title`. `on_page` says whether a row with
    /// `link` and the given title key is on the same page (so the stored owner is still there).
    pub(crate) fn claim(
        &mut self,
        scope: &str,
        link: &str,
        title: &str,
        on_page: impl Fn(&str) -> bool,
    ) -> Claim {
        let key = title_key(title);
        let split_off = |ids: &Ids| {
            let id = split(scope, link, title);
            let known = ids.is_stored(&id);
            Claim::Split { id, known }
        };
        match self.claimed.get(link) {
            Some(owner) if *owner == key => return Claim::Link,
            Some(_) => return split_off(self),
            None => {}
        }
        match self.stored.get(link) {
            // The article stored under the link, as before: every later read's common case.
            Some(owner) if *owner == key => {}
            Some(owner) if on_page(owner) => return split_off(self),
            // Not the link's stored article: it may have been split off before (and its owner
            // since edited or pruned).
            _ if !self.stored.is_empty() => {
                if let split @ Claim::Split { known: true, .. } = split_off(self) {
                    return split;
                }
            }
            _ => {}
        }
        self.claimed.insert(link.to_string(), key);
        Claim::Link
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonical(&Url::parse(s).unwrap()).to_string()
    }

    #[test]
    fn canonical_strips_tracking_and_fragment() {
        assert_eq!(
            canon("HTTPS://WWW.Example.ORG:443/a/B?utm_source=x&id=3&UTM_medium=y#top"),
            "https://www.example.org/a/B?id=3"
        );
        assert_eq!(canon("https://e.org/a?fbclid=1"), "https://e.org/a");
        // Parameters that are not tracking keep their order and spelling.
        assert_eq!(
            canon("https://e.org/a?b=1&a=%20"),
            "https://e.org/a?b=1&a=%20"
        );
    }

    #[test]
    fn hashed_ids_are_stable_and_distinct() {
        let d = DateTime::parse_from_rfc3339("2020-10-09T00:00:00-04:00").ok();
        let a = hashed("partnerships", "DOD  Uses Contacts", d);
        assert_eq!(a, hashed("partnerships", "dod uses contacts", d));
        assert!(a.starts_with("urn:uuid:") && a.len() == 45, "{a}");
        assert_ne!(a, hashed("nato", "DOD Uses Contacts", d));
        assert_ne!(a, hashed("partnerships", "DOD Uses Contacts", None));
        // The same instant written in another offset is the same entry.
        let utc = DateTime::parse_from_rfc3339("2020-10-09T04:00:00Z").ok();
        assert_eq!(a, hashed("partnerships", "DOD Uses Contacts", utc));
        // Ids already published never change: this one is in every sample feed since 0.1.0.
        assert_eq!(
            hashed(
                "partnerships",
                "DOD Uses International Contacts to Help Allies, Partners Combat COVID-19",
                d
            ),
            "urn:uuid:b7d33dd2-d870-8df9-a4bd-61df8de80592"
        );
    }

    #[test]
    fn own_ids() {
        assert_eq!(
            own("f", Some(" tag:e.org,2020:1 ")).as_deref(),
            Some("tag:e.org,2020:1")
        );
        assert!(own("f", Some("12345")).unwrap().starts_with("urn:uuid:"));
        assert_ne!(own("f", Some("12345")), own("g", Some("12345")));
        assert_eq!(own("f", Some("  ")), None);
        assert!(valid_uuid_urn(
            "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
        ));
        assert!(!valid_uuid_urn("urn:uuid:988EF5C55CDEA24EDE1251744888912"));
        assert!(
            own("f", Some("urn:uuid:988EF5C55CDEA24EDE1251744888912"))
                .unwrap()
                .starts_with("urn:uuid:")
        );
    }

    #[test]
    fn a_shared_link_stays_with_its_stored_owner() {
        let link = "https://v.example/a";
        let none = |_: &str| false;
        // A first read: the first row takes the link, the second is split off.
        let mut ids = Ids::default();
        assert_eq!(ids.claim("s", link, "One", none), Claim::Link);
        assert_eq!(
            ids.claim("s", link, "one ", none),
            Claim::Link,
            "same title"
        );
        let Claim::Split { id: two, known } = ids.claim("s", link, "Two", none) else {
            panic!("Two shares the link")
        };
        assert!(!known);
        // A later read with the rows swapped: ids follow the titles, not the positions.
        let stored = [
            (link.to_string(), "One".to_string()),
            (two.clone(), "Two".into()),
        ];
        let mut ids = Ids::new(stored);
        let on_page = |t: &str| t == "one";
        assert_eq!(
            ids.claim("s", link, "Two", on_page),
            Claim::Split {
                id: two,
                known: true
            }
        );
        assert_eq!(ids.claim("s", link, "One", on_page), Claim::Link);
        // The owner's title was edited and it is alone at the link: it keeps the link.
        let mut ids = Ids::new([(link.to_string(), "One".to_string())]);
        assert_eq!(ids.claim("s", link, "One (updated)", none), Claim::Link);
    }
}
