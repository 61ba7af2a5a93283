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
    item: String,
    title: Option<String>,
    link: Option<String>,
    date: Option<String>,
    summary: Option<String>,
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
    /// How to read its items.
    pub select: Selectors,
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
    let field = |s: &Option<String>| s.as_deref().map(Field::parse).transpose();
    let select = Selectors {
        item: Field::parse(&raw.select.item).map_err(err)?,
        title: field(&raw.select.title).map_err(err)?,
        link: field(&raw.select.link).map_err(err)?,
        date: field(&raw.select.date).map_err(err)?,
        summary: field(&raw.select.summary).map_err(err)?,
        categories: None,
        next_page: None,
    };
    let detect = crate::source::select::compile(&raw.detect).map_err(err)?;
    Ok(Preset {
        name: raw.name,
        system: raw.system,
        generator: raw.generator,
        detect,
        timezone: raw.timezone,
        select,
    })
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

/// The preset called `name`.
pub fn named(name: &str) -> Option<&'static Preset> {
    all().iter().find(|p| p.name == name)
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
            let listing = html::extract_doc(doc, &p.select);
            let linked = listing.entries.iter().filter(|e| e.link.is_some()).count();
            (linked > 0).then_some((named, linked, p))
        })
        .max_by_key(|(named, linked, _)| (*named, *linked))
        .map(|(named, linked, p)| Detection {
            method: Method::Preset(p.name.clone()),
            recipe: Recipe::Selectors(Box::new(p.select.clone())),
            confidence: if named { 0.95 } else { 0.8 },
            reasons: vec![
                format!("{} markup", p.system),
                format!("{linked} items with links"),
            ],
        })
}
