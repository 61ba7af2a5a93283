//! The TOML config: a pure [`parse`] that validates everything into typed values (selectors
//! compiled, zones and URLs parsed), and a thin [`load`] that reads the file and resolves paths.
//!
//! Every error names the line, column and key, and most say what to write instead.

mod error;
mod raw;

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use url::Url;

pub use error::ConfigError;
use raw::{RawConfig, RawOutput, RawSelect, RawSource, S};

use crate::extract::{Field, Format, Selectors};
use crate::normalize::date::DateRules;

/// Default path of the config file, relative to the working directory.
pub const DEFAULT_PATH: &str = "config/tagfeed.toml";
/// Default `[output] max_items`.
pub const DEFAULT_MAX_ITEMS: usize = 50;

/// A validated config.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub output: Output,
    pub sources: Vec<Source>,
}

/// `[output]`: where feeds go and where they are published.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// Folder the feed files are written to.
    pub dir: PathBuf,
    /// Public URL of that folder, ending with `/`. Self links and feed ids are built on it.
    pub base_url: Url,
    pub max_items: usize,
}

/// One `[[source]]`: a listing that becomes one feed per format.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Slug: `[a-z0-9-]+`, the feed's file name.
    pub name: String,
    /// Feed title; `None` uses the listing's heading.
    pub title: Option<String>,
    pub description: Option<String>,
    pub author: Option<String>,
    /// The saved listing.
    pub path: PathBuf,
    /// The listing's public address: resolves relative links, and is the feed's home page.
    pub page_url: Option<Url>,
    /// `None`: guessed from the content.
    pub format: Option<Format>,
    pub rules: DateRules,
    /// Added to every entry; `None` means "the feed title".
    pub categories: Option<Vec<String>>,
    pub max_items: Option<usize>,
    pub select: Option<Selectors>,
}

impl Config {
    /// The source called `name`.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// Makes relative paths relative to `base` (the config file's folder).
    pub fn resolve_paths(&mut self, base: &Path) {
        self.output.dir = base.join(&self.output.dir);
        for s in &mut self.sources {
            s.path = base.join(&s.path);
        }
    }
}

impl Source {
    /// How many entries this source's feeds keep.
    pub fn max_items(&self, output: &Output) -> usize {
        self.max_items.unwrap_or(output.max_items)
    }
}

/// Reads and validates the config file at `path`; relative paths in it start at its folder.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: Some(path.to_path_buf()),
        location: None,
        key: String::new(),
        message: format!("cannot read the config file: {e}"),
        help: Some(format!(
            "create it (see README.md, \"Config reference\") or pass --config PATH; the default is {DEFAULT_PATH}"
        )),
    })?;
    let mut config = parse(&text).map_err(|mut e| {
        e.file = Some(path.to_path_buf());
        e
    })?;
    config.resolve_paths(path.parent().unwrap_or(Path::new("")));
    Ok(config)
}

/// Validates config text. Paths stay as written.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_string();
        let err = ConfigError::at(text, span, message.clone());
        if message.contains("unknown field") {
            err.help("check the spelling; README.md lists every key")
        } else {
            err
        }
    })?;
    let output = match raw.output {
        Some(o) => output(text, o)?,
        None => {
            return Err(ConfigError::at(text, 0..0, "missing [output] table")
                .key("output")
                .help("add [output] with base_url = \"https://…/\" (the public URL of the feed folder)"));
        }
    };
    if raw.source.is_empty() {
        return Err(
            ConfigError::at(text, text.len()..text.len(), "no [[source]] defined")
                .key("source")
                .help("add a [[source]] with name and path; see README.md"),
        );
    }
    let mut sources: Vec<Source> = Vec::new();
    let mut names: Vec<(String, usize)> = Vec::new();
    for s in raw.source {
        let src = source(text, s)?;
        let (name, start) = (src.source.name.clone(), src.name_span);
        if let Some((_, first)) = names.iter().find(|(n, _)| *n == name) {
            let (line, _) = error::line_col(text, *first);
            return Err(ConfigError::at(text, start, format!("duplicate source name {name:?}"))
                .help(format!("names must be unique (file names derive from them); the first is on line {line}")));
        }
        names.push((name, start.start));
        sources.push(src.source);
    }
    Ok(Config { output, sources })
}

fn output(text: &str, o: S<RawOutput>) -> Result<Output, ConfigError> {
    let span = o.span();
    let o = o.into_inner();
    let base_url = match o.base_url {
        Some(b) => {
            let mut url = web_url(text, &b)?;
            if !url.path().ends_with('/') {
                url.set_path(&format!("{}/", url.path()));
            }
            url
        }
        None => {
            return Err(ConfigError::at(text, span, "missing key base_url")
                .key("output.base_url")
                .help("the public URL of the feed folder, e.g. \"https://feeds.example.org/\"; feed readers need absolute self links"));
        }
    };
    Ok(Output {
        dir: o
            .dir
            .map(|d| PathBuf::from(d.into_inner()))
            .unwrap_or_else(|| PathBuf::from("feeds")),
        base_url,
        max_items: positive(text, o.max_items)?.unwrap_or(DEFAULT_MAX_ITEMS),
    })
}

fn positive(text: &str, v: Option<S<i64>>) -> Result<Option<usize>, ConfigError> {
    match v {
        None => Ok(None),
        Some(v) if *v.get_ref() >= 1 => Ok(Some(*v.get_ref() as usize)),
        Some(v) => Err(ConfigError::at(
            text,
            v.span(),
            format!("must be at least 1, not {}", v.get_ref()),
        )),
    }
}

fn web_url(text: &str, s: &S<String>) -> Result<Url, ConfigError> {
    match Url::parse(s.get_ref().trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        Ok(_) | Err(_) => Err(ConfigError::at(
            text,
            s.span(),
            format!("{:?} is not an absolute http(s) URL", s.get_ref()),
        )
        .help("write the full address, e.g. \"https://www.example.org/news/tag/x/\"")),
    }
}

struct ParsedSource {
    source: Source,
    name_span: std::ops::Range<usize>,
}

/// `source[i]`, found from the span of the source's name.
fn table_key(text: &str, name_span: &std::ops::Range<usize>) -> String {
    error::key_at(text, name_span.start)
        .trim_end_matches(".name")
        .to_string()
}

fn source(text: &str, s: S<RawSource>) -> Result<ParsedSource, ConfigError> {
    let table_span = s.span();
    let s = s.into_inner();
    let name = s.name.ok_or_else(|| {
        ConfigError::at(text, table_span.clone(), "missing key name")
            .help("every source needs a name: lowercase letters, digits and '-', e.g. name = \"partnerships\"")
    })?;
    let name_span = name.span();
    let name = name.into_inner();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(
            ConfigError::at(text, name_span, format!("{name:?} is not a valid name")).help(
                "use lowercase letters, digits and '-' only (it becomes the feed's file name)",
            ),
        );
    }
    let path = s.path.ok_or_else(|| {
        ConfigError::at(text, table_span.clone(), "missing key path")
            .key(format!("{}.path", table_key(text, &name_span)))
            .help("give the saved listing file, e.g. path = \"samples/partnerships.txt\"")
    })?;
    let page_url = s.page_url.as_ref().map(|u| web_url(text, u)).transpose()?;
    let format = s
        .format
        .map(|f| {
            f.get_ref()
                .parse::<Format>()
                .map_err(|m| ConfigError::at(text, f.span(), m))
        })
        .transpose()?;
    let timezone = match &s.timezone {
        None => Tz::UTC,
        Some(t) => t.get_ref().parse::<Tz>().map_err(|_| {
            ConfigError::at(
                text,
                t.span(),
                format!("unknown time zone {:?}", t.get_ref()),
            )
            .help("use an IANA zone name such as \"America/New_York\", \"Europe/Paris\" or \"UTC\"")
        })?,
    };
    let select = s.select.map(|sel| selectors(text, sel)).transpose()?;
    match (format, &select) {
        (Some(Format::Html), None) => {
            return Err(ConfigError::at(
                text,
                table_span,
                "format = \"html\" needs a [source.select] table",
            )
            .key(format!("{}.select", table_key(text, &name_span)))
            .help("add [source.select] with at least item = \"CSS\""));
        }
        (Some(Format::Text), Some(_)) => {
            return Err(ConfigError::at(
                text,
                table_span,
                "[source.select] is for HTML listings, but format = \"text\"",
            )
            .help("remove the select table or set format = \"html\""));
        }
        _ => {}
    }
    let source = Source {
        name,
        title: s.title.map(S::into_inner),
        description: s.description.map(S::into_inner),
        author: s.author.map(S::into_inner),
        path: PathBuf::from(path.into_inner()),
        page_url,
        format: format.or(select.as_ref().map(|_| Format::Html)),
        rules: DateRules {
            timezone,
            day_first: s.day_first.unwrap_or(false),
        },
        categories: s
            .categories
            .map(|c| c.into_iter().map(S::into_inner).collect()),
        max_items: positive(text, s.max_items)?,
        select,
    };
    Ok(ParsedSource { source, name_span })
}

fn selectors(text: &str, sel: S<RawSelect>) -> Result<Selectors, ConfigError> {
    let span = sel.span();
    let sel = sel.into_inner();
    let field = |f: Option<S<String>>| -> Result<Option<Field>, ConfigError> {
        f.map(|f| Field::parse(f.get_ref()).map_err(|m| ConfigError::at(text, f.span(), m)))
            .transpose()
    };
    let item = field(sel.item)?.ok_or_else(|| {
        ConfigError::at(text, span, "missing key item")
            .help("item is the CSS selector that matches one entry, e.g. item = \"article\"")
    })?;
    Ok(Selectors {
        item,
        title: field(sel.title)?,
        link: field(sel.link)?,
        date: field(sel.date)?,
        summary: field(sel.summary)?,
        categories: field(sel.categories)?,
    })
}

#[cfg(test)]
mod tests;
