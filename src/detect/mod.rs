//! Finding a listing's items without selectors (pure): what `tagfeed suggest` shows, and what a
//! source without `[source.select]` uses.
//!
//! In this order, the first that yields a plausible list wins:
//! 1. structured data the page carries ([`structured`]: JSON-LD lists, microformats2 `h-entry`,
//!    schema.org microdata);
//! 2. a preset for the markup of a known publishing system ([`presets`]);
//! 3. generic detection: candidate lists from repeated sibling structures ([`candidates`]), scored
//!    by a model fitted on labelled pages ([`features`]), turned into ordinary selectors
//!    ([`derive`]); with the listing's next page at hand, lists that repeat there with new links
//!    are preferred over navigation that repeats the same ones ([`detect_pair`]).
//!
//! The result is explicit: selectors a person could have written (or "the page's JSON-LD"), with
//! a confidence and the reasons, so a user can pin them in the config.

mod candidates;
mod derive;
mod features;
pub mod hint;
mod pair;
pub mod presets;
pub mod structured;
mod weights;

use std::collections::{HashMap, HashSet};

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Selector};
use serde::Serialize;
use url::Url;

use crate::date::DateRules;
use crate::extract::Recipe;
use crate::model::web_url;
use crate::source::Selectors;
use candidates::Group;
use features::{Features, Reader};
pub use pair::{detect_pair, next_link, ranked_pair};

/// How a listing's items were found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "method", content = "name")]
pub enum Method {
    /// The page's JSON-LD (`ItemList`, lists of `BlogPosting`, `CollectionPage.hasPart`).
    JsonLd,
    /// microformats2 `h-entry` elements.
    Microformats,
    /// schema.org microdata (`itemscope` articles).
    Microdata,
    /// The preset of a publishing system.
    Preset(String),
    /// Repeated structures scored by the model.
    Generic,
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Method::JsonLd => f.write_str("JSON-LD"),
            Method::Microformats => f.write_str("microformats (h-entry)"),
            Method::Microdata => f.write_str("schema.org microdata"),
            Method::Preset(name) => write!(f, "preset {name}"),
            Method::Generic => f.write_str("generic detection"),
        }
    }
}

/// What detection found: how to extract the items, how sure it is, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// How it was found.
    pub method: Method,
    /// How to read the items: selectors, or the page's JSON-LD.
    pub recipe: Recipe,
    /// From 0 to 1.
    pub confidence: f64,
    /// What speaks for it, for people.
    pub reasons: Vec<String>,
}

impl Detection {
    /// The selectors, when the items are read with selectors.
    pub fn selectors(&self) -> Option<&Selectors> {
        match &self.recipe {
            Recipe::Selectors(s) => Some(s),
            Recipe::JsonLd => None,
        }
    }

    /// The selectors in one line, for messages: `item "li.post", date "time"`, or "the page's
    /// JSON-LD".
    pub fn describe(&self) -> String {
        match self.selectors() {
            Some(s) => s
                .written()
                .iter()
                .map(|(k, v)| format!("{k} {v:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            None => "the page's JSON-LD".into(),
        }
    }

    /// The detection as the store keeps it (a source's later runs use it as it is).
    pub fn to_json(&self) -> String {
        let select: Option<serde_json::Map<String, serde_json::Value>> =
            self.selectors().map(|s| {
                s.written()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.into()))
                    .collect()
            });
        serde_json::json!({
            "method": self.method,
            "select": select,
            "confidence": (self.confidence * 1000.0).round() / 1000.0,
            "reasons": self.reasons,
        })
        .to_string()
    }

    /// Reads what [`Detection::to_json`] wrote; `None` when it no longer compiles.
    pub fn from_json(text: &str) -> Option<Detection> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let method = match v.get("method")?.get("method")?.as_str()? {
            "json-ld" => Method::JsonLd,
            "microformats" => Method::Microformats,
            "microdata" => Method::Microdata,
            "preset" => Method::Preset(v["method"].get("name")?.as_str()?.to_string()),
            "generic" => Method::Generic,
            _ => return None,
        };
        let recipe = match v.get("select")?.as_object() {
            None => Recipe::JsonLd,
            Some(map) => Recipe::Selectors(Box::new(
                Selectors::from_written(
                    map.iter()
                        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))),
                )
                .ok()?,
            )),
        };
        Some(Detection {
            method,
            recipe,
            confidence: v.get("confidence")?.as_f64()?,
            reasons: v
                .get("reasons")?
                .as_array()?
                .iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect(),
        })
    }
}

/// A feed the page itself links (`<link rel="alternate" type="application/rss+xml">`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedLink {
    /// Its address.
    pub url: Url,
    /// Its title, if the page gives one.
    pub title: Option<String>,
    /// `application/rss+xml`, `application/atom+xml` or `application/feed+json`.
    pub media_type: String,
}

/// The feeds a page links in its head: the site's own feed may be the better source.
pub fn feeds(doc: &Html, page: Option<&Url>) -> Vec<FeedLink> {
    let Ok(sel) = Selector::parse("link[rel~=alternate][href][type]") else {
        return Vec::new();
    };
    let base = base_url(doc, page);
    doc.select(&sel)
        .filter_map(|l| {
            let media_type = l.attr("type")?.trim().to_ascii_lowercase();
            if !matches!(
                media_type.as_str(),
                "application/rss+xml" | "application/atom+xml" | "application/feed+json"
            ) {
                return None;
            }
            Some(FeedLink {
                url: web_url(l.attr("href")?, base.as_ref()).ok()?,
                title: l.attr("title").map(str::to_string),
                media_type,
            })
        })
        .collect()
}

/// Which of `feeds` is the listing's own: the one under the listing's address (WordPress's
/// `/category/x/feed/`, `/links/rss` beside `/links/`), else the only one the page links.
pub fn own_feed<'f>(feeds: &'f [FeedLink], page: Option<&Url>) -> Option<&'f FeedLink> {
    let under = |f: &&FeedLink| {
        page.is_some_and(|p| {
            let path = p.path().trim_end_matches('/');
            f.url.host() == p.host() && !path.is_empty() && f.url.path().starts_with(path)
        })
    };
    let only = match feeds {
        [only] => Some(only),
        _ => None,
    };
    feeds.iter().find(under).or(only)
}

/// The address relative links of `doc` resolve against.
fn base_url(doc: &Html, page: Option<&Url>) -> Option<Url> {
    let attr = |css: &str| {
        let sel = Selector::parse(css).ok()?;
        doc.select(&sel).next()?.attr("href").map(str::to_string)
    };
    attr("base[href]")
        .and_then(|b| web_url(&b, page).ok())
        .or_else(|| page.cloned())
        .or_else(|| attr("link[rel~=canonical][href]").and_then(|c| web_url(&c, None).ok()))
}

/// The best ways to read `doc`'s items, best first (at most `k`), or none when the page holds no
/// list worth the name.
pub fn detect(doc: &Html, page: Option<&Url>, k: usize) -> Vec<Detection> {
    if let Some(d) = structured::detect(doc) {
        return vec![d];
    }
    if let Some(d) = presets::detect(doc) {
        return vec![d];
    }
    generic(doc, page, k)
        .into_iter()
        .filter(sure_enough)
        .collect()
}

/// Whether a generic detection is sure enough to be used without a person looking (below, a
/// page is taken for no listing: an article page's "related links" score about as high).
pub fn sure_enough(d: &Detection) -> bool {
    d.method != Method::Generic || d.confidence >= weights::THRESHOLD
}

/// Every way found to read `doc`'s items, best first (at most `k`): structured data, then the
/// preset, then the generic detector's lists, even those not [`sure_enough`]. For people choosing
/// (`tagfeed suggest --all`); [`detect`] gives the one a source uses.
pub fn ranked(doc: &Html, page: Option<&Url>, k: usize) -> Vec<Detection> {
    let mut all: Vec<Detection> = structured::detect(doc)
        .into_iter()
        .chain(presets::detect(doc))
        .collect();
    for d in generic(doc, page, k) {
        if !all.iter().any(|a| a.recipe == d.recipe) {
            all.push(d);
        }
    }
    all.truncate(k);
    all
}

/// Every candidate list of `doc` measured with `reader` (which reads each record once, whatever
/// lists it belongs to): `each` gets its group, its features and the reader.
fn measured<'d, T>(
    doc: &'d Html,
    reader: &mut Reader<'_>,
    base: Option<&Url>,
    mut each: impl FnMut(Group<'d>, Features, &mut Reader<'_>) -> T,
) -> Vec<T> {
    let root = doc.root_element();
    let order: HashMap<NodeId, usize> = root
        .descendent_elements()
        .enumerate()
        .map(|(i, e)| (e.id(), i))
        .collect();
    let total = order.len().max(1) as f64;
    let page_text = crate::text::collapse(&crate::text::visible_text(root))
        .chars()
        .count();
    candidates::groups(root, 2)
        .into_iter()
        .map(|g| {
            let first = g.records.first().and_then(|r| order.get(&r.id())).copied();
            let at = features::Where {
                position: first.unwrap_or(0) as f64 / total,
                page_text,
            };
            let f = features::measure(&g, reader, base, at);
            each(g, f, reader)
        })
        .collect()
}

/// Generic detection: candidate lists, scored, the best `k` turned into selectors.
pub fn generic(doc: &Html, page: Option<&Url>, k: usize) -> Vec<Detection> {
    let root = doc.root_element();
    let base = base_url(doc, page);
    let mut reader = Reader::new(base.as_ref(), page);
    let mut scored = measured(doc, &mut reader, base.as_ref(), |g, f, _| {
        (features::score(&f, &weights::WEIGHTS), f, g)
    });
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut taken: Vec<HashSet<NodeId>> = Vec::new();
    let mut out = Vec::new();
    for (score, f, g) in scored {
        if out.len() >= k || score < 0.05 {
            break;
        }
        let ids: HashSet<NodeId> = g.records.iter().map(|r| r.id()).collect();
        if taken.iter().any(|t| overlaps(t, &ids, &g.records)) {
            continue;
        }
        let Some(item) = derive::item_selector(root, &g) else {
            continue;
        };
        let Some(mut select) = derive::selectors(&item, &g, &mut reader, &DateRules::default())
        else {
            continue;
        };
        select.next_page = derive::next_page(root);
        taken.push(ids);
        out.push(Detection {
            method: Method::Generic,
            recipe: Recipe::Selectors(Box::new(select)),
            confidence: score,
            reasons: reasons(&f, g.records.len()),
        });
    }
    out
}

/// Every candidate list of a page with its features (in the order of [`FEATURES`]) and the main
/// link of each record: what `benches/accuracy` labels against the expected items to fit the
/// model's weights.
pub fn training_rows(doc: &Html, page: Option<&Url>) -> Vec<(Vec<f64>, Vec<Url>)> {
    let base = base_url(doc, page);
    let mut reader = Reader::new(base.as_ref(), page);
    measured(doc, &mut reader, base.as_ref(), |g, f, reader| {
        let (records, reading) = reader.read(&g);
        let links = records
            .iter()
            .zip(&reading.main)
            .filter_map(|(r, m)| m.map(|i| r.links[i].url.clone()))
            .collect();
        (f.values.to_vec(), links)
    })
}

/// The names of the detection model's features, in order.
pub const FEATURES: [&str; features::NAMES.len()] = features::NAMES;

/// Whether a lower-ranked group is the same list as a better one: it shares records, or its
/// records sit inside (or around) the better one's.
fn overlaps(better: &HashSet<NodeId>, ids: &HashSet<NodeId>, records: &[ElementRef<'_>]) -> bool {
    if better.intersection(ids).count() * 2 >= ids.len().min(better.len()).max(1) {
        return true;
    }
    let nested = records
        .iter()
        .filter(|r| r.ancestors().any(|a| better.contains(&a.id())))
        .count();
    nested * 2 >= records.len()
}

/// The features that speak most for a candidate, in words.
fn reasons(f: &Features, records: usize) -> Vec<String> {
    let v = &f.values;
    let pct = |x: f64| format!("{:.0} %", x * 100.0);
    let mut out = vec![format!("{records} similar items")];
    if v[2] > 0.9 {
        out.push(format!("a link in {}", pct(v[2])));
    }
    if v[6] > 0.5 {
        out.push(format!("a date in {}", pct(v[6])));
    }
    if v[7] > 0.5 {
        out.push(format!("a heading in {}", pct(v[7])));
    }
    if v[8] > 0.5 {
        out.push("inside the page's main content".into());
    }
    if v[9] > 0.5 {
        out.push("inside navigation, a sidebar or a footer".into());
    }
    out
}

#[cfg(test)]
mod tests;
