//! Presets: the listing markup of common publishing systems, kept as data in `presets.toml` (compiled
//! in) so a system is added by writing selectors, not code.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use serde::Deserialize;

use super::{Detection, Method};
use crate::extract::{Recipe, html};
use crate::source::{Field, SelectorError, Selectors};

/// The presets as written in `presets.toml`.
const TOML: &str = include_str!("presets.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    preset: Vec<Raw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    system: String,
    #[serde(default)]
    generator: Vec<String>,
    detect: String,
    timezone: Option<String>,
    select: RawSelect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelect {
    item: OneOrMore,
    #[serde(default)]
    title: OneOrMore,
    #[serde(default)]
    link: OneOrMore,
    #[serde(default)]
    date: OneOrMore,
    #[serde(default)]
    summary: OneOrMore,
}

/// A field's selector, or its alternatives in order of preference.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum OneOrMore {
    #[default]
    None,
    One(String),
    More(Vec<String>),
}

impl OneOrMore {
    fn compile(&self) -> Result<Vec<Field>, SelectorError> {
        match self {
            OneOrMore::None => Ok(Vec::new()),
            OneOrMore::One(s) => Ok(vec![Field::parse(s)?]),
            OneOrMore::More(v) => v.iter().map(|s| Field::parse(s)).collect(),
        }
    }
}

/// One publishing system's listing markup.
#[derive(Debug, Clone)]
pub struct Preset {
    /// What `preset = "…"` names.
    pub name: String,
    /// The system, for people.
    pub system: String,
    /// Lowercase words one of which `<meta name="generator">` holds on the system's pages.
    generator: Vec<String>,
    /// Markup that only the system writes.
    detect: Selector,
    /// The zone its dates are written in, when the system is one site's.
    pub timezone: Option<String>,
    /// Per field, the selectors its themes use, most specific first; a page's own selectors are
    /// chosen from these by [`Preset::resolve`].
    item: Vec<Field>,
    title: Vec<Field>,
    link: Vec<Field>,
    date: Vec<Field>,
    summary: Vec<Field>,
}

/// Why the compiled-in presets cannot be read: a bug, caught by the tests.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    /// Not valid TOML of the expected shape.
    #[error("presets.toml: {0}")]
    Toml(#[from] toml::de::Error),
    /// A selector that does not compile.
    #[error("presets.toml: preset {0}: {1}")]
    Selector(String, SelectorError),
}

fn compile(raw: Raw) -> Result<Preset, PresetError> {
    let err = |e| PresetError::Selector(raw.name.clone(), e);
    let s = &raw.select;
    let item = s.item.compile().map_err(err)?;
    if item.is_empty() {
        return Err(err(SelectorError::Empty));
    }
    Ok(Preset {
        item,
        title: s.title.compile().map_err(err)?,
        link: s.link.compile().map_err(err)?,
        date: s.date.compile().map_err(err)?,
        summary: s.summary.compile().map_err(err)?,
        detect: crate::source::select::compile(&raw.detect).map_err(err)?,
        name: raw.name,
        system: raw.system,
        generator: raw.generator,
        timezone: raw.timezone,
    })
}

impl Preset {
    /// The preset's selectors for this page: the item alternative that matches most often, then
    /// per field the first alternative that finds something in at least half of those items
    /// (none: the field's default), and the page's next link when it has a recognisable one.
    /// `None` when no item matches.
    pub fn resolve(&self, doc: &Html) -> Option<Selectors> {
        let root = doc.root_element();
        let (item, items) = self
            .item
            .iter()
            .map(|f| (f, f.elements(root)))
            .rev()
            .max_by_key(|(_, items)| items.len())?;
        if items.is_empty() {
            return None;
        }
        let pick = |alternatives: &[Field]| {
            alternatives
                .iter()
                .find(|f| {
                    let found = items
                        .iter()
                        .filter(|i| {
                            f.first_attr(**i)
                                .is_some_and(|(_, attr)| f.attr().is_none() || attr.is_some())
                        })
                        .count();
                    2 * found >= items.len()
                })
                .cloned()
        };
        Some(Selectors {
            title: pick(&self.title),
            link: pick(&self.link),
            date: pick(&self.date),
            summary: pick(&self.summary),
            next_page: super::derive::next_page(root),
            ..Selectors::with_item(item.clone())
        })
    }
}

/// Reads `presets.toml`.
pub fn load() -> Result<Vec<Preset>, PresetError> {
    let file: File = toml::from_str(TOML)?;
    file.preset.into_iter().map(compile).collect()
}

/// The presets (none if `presets.toml` were broken, which a test rules out).
pub fn all() -> &'static [Preset] {
    static PRESETS: LazyLock<Vec<Preset>> = LazyLock::new(|| load().unwrap_or_default());
    &PRESETS
}

/// The presets' names, for messages: "defense-gov, dnn-articlecs, wordpress, …".
pub fn names() -> String {
    all()
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The preset called `name` (whatever its case: "WordPress" is "wordpress").
pub fn named(name: &str) -> Option<&'static Preset> {
    all()
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
}

/// Why `name` names no preset, and what to write instead: the closest name, then all of them.
pub fn unknown(name: &str) -> String {
    let wanted = name.trim().to_lowercase();
    let closest = all()
        .iter()
        .map(|p| (strsim::levenshtein(&p.name, &wanted), p.name.as_str()))
        .filter(|(d, _)| *d <= 3)
        .min();
    match closest {
        Some((_, best)) => format!("did you mean {best:?}? The presets are: {}", names()),
        None => format!("the presets are: {}", names()),
    }
}

/// The page's `<meta name="generator">`, lowercase.
fn generator(doc: &Html) -> String {
    let Ok(sel) = Selector::parse("meta[name][content]") else {
        return String::new();
    };
    doc.select(&sel)
        .filter(|m| {
            m.attr("name")
                .is_some_and(|n| n.eq_ignore_ascii_case("generator"))
        })
        .filter_map(|m| m.attr("content"))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The preset that reads `doc` best: its system named by the generator and its markup present
/// (or its markup present twice), and its selectors finding the most items with links.
pub fn detect(doc: &Html) -> Option<Detection> {
    let meta = generator(doc);
    all()
        .iter()
        .filter_map(|p| {
            let marks = doc.select(&p.detect).count();
            let named = p.generator.iter().any(|g| meta.contains(g.as_str()));
            if marks == 0 || !(named || marks >= 2) {
                return None;
            }
            let select = p.resolve(doc)?;
            let listing = html::extract_doc(doc, &select);
            let linked = listing.entries.iter().filter(|e| e.link.is_some()).count();
            (linked > 0).then_some((named, linked, p, select))
        })
        .max_by_key(|(named, linked, _, _)| (*named, *linked))
        .map(|(named, linked, p, select)| Detection {
            method: Method::Preset(p.name.clone()),
            recipe: Recipe::Selectors(Box::new(select)),
            confidence: if named { 0.95 } else { 0.8 },
            reasons: vec![
                format!("{} markup", p.system),
                format!("{linked} items with links"),
            ],
        })
}
