//! Field selectors: `"CSS"`, `"CSS@attr"` or `"@attr"`, compiled once when the config loads.
//!
//! Each field is looked up inside one item element, never across the page, so fields can't drift
//! apart when one item lacks a date (the bug of tools that pair separate lists by position).

use scraper::{ElementRef, Selector};

/// A selector that cannot be used, and how to write it instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// Nothing written.
    #[error("the selector is empty")]
    Empty,
    /// Not CSS the parser understands.
    #[error("invalid CSS selector {css:?}: {why}")]
    Css {
        /// The CSS as written.
        css: String,
        /// What the parser said.
        why: String,
    },
    /// Something after `@` that is no attribute name.
    #[error("{0:?} after '@' is not an attribute name; write \"CSS@attribute\", e.g. \"a@href\"")]
    Attribute(String),
}

/// One compiled field selector.
#[derive(Debug, Clone)]
pub struct Field {
    /// Written with a leading `+`: looked up in the element right after the item, not inside it
    /// (Hacker News's second table row, a `<dd>` after its `<dt>`).
    next: bool,
    /// `None` for `"@attr"`: the item element itself (or, with `next`, the one after it).
    css: Option<Selector>,
    attr: Option<String>,
    /// As written, for messages.
    source: String,
}

impl PartialEq for Field {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Field {
    /// Compiles `"CSS"`, `"CSS@attr"` or `"@attr"`, each optionally after a `+` ("in the element
    /// right after the item"). The `@` splits only outside brackets and quotes, so
    /// `a[href^="mailto:x@y"]` stays one selector.
    pub fn parse(spec: &str) -> Result<Field, SelectorError> {
        let spec_trim = spec.trim();
        let next = spec_trim.starts_with('+');
        let spec_trim = spec_trim.trim_start_matches('+').trim_start();
        if spec_trim.is_empty() && !next {
            return Err(SelectorError::Empty);
        }
        let (css, attr) = match split_attr(spec_trim) {
            Some(at) => (spec_trim[..at].trim(), Some(spec_trim[at + 1..].trim())),
            None => (spec_trim, None),
        };
        if let Some(a) = attr
            && !is_attr_name(a)
        {
            return Err(SelectorError::Attribute(a.to_string()));
        }
        let css = if css.is_empty() {
            if attr.is_none() && !next {
                return Err(SelectorError::Empty);
            }
            None
        } else {
            Some(compile(css)?)
        };
        Ok(Field {
            next,
            css,
            attr: attr.map(str::to_string),
            source: spec.to_string(),
        })
    }

    /// The selector as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The attribute this field reads, if any.
    pub fn attr(&self) -> Option<&str> {
        self.attr.as_deref()
    }

    /// Elements this field matches inside `item` (the item itself for `"@attr"`); with a leading
    /// `+`, in the element right after the item, that element included.
    pub fn elements<'a>(&self, item: ElementRef<'a>) -> Vec<ElementRef<'a>> {
        let scope = match self.next {
            false => item,
            true => match item.next_siblings().find_map(ElementRef::wrap) {
                Some(after) => after,
                None => return Vec::new(),
            },
        };
        match &self.css {
            None => vec![scope],
            Some(sel) if self.next && sel.matches(&scope) => {
                std::iter::once(scope).chain(scope.select(sel)).collect()
            }
            Some(sel) => scope.select(sel).collect(),
        }
    }

    /// The first element's attribute (when `@attr` is given) or `None` when there is no match.
    pub fn first_attr<'a>(
        &self,
        item: ElementRef<'a>,
    ) -> Option<(ElementRef<'a>, Option<&'a str>)> {
        let el = self.elements(item).into_iter().next()?;
        Some((el, self.attr.as_deref().and_then(|a| el.attr(a))))
    }
}

/// Compiles a CSS selector with the parser's message on failure.
pub fn compile(css: &str) -> Result<Selector, SelectorError> {
    Selector::parse(css).map_err(|e| SelectorError::Css {
        css: css.to_string(),
        why: e.to_string(),
    })
}

fn split_attr(spec: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut at = None;
    for (i, c) in spec.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => depth -= 1,
            (None, '@') if depth == 0 => at = Some(i),
            _ => {}
        }
    }
    at
}

fn is_attr_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
}

/// The compiled `[source.select]` table of an HTML source.
#[derive(Debug, Clone, PartialEq)]
pub struct Selectors {
    /// Each match is one entry.
    pub item: Field,
    /// Default: the first heading (`h1`–`h6`) in the item, else its first link.
    pub title: Option<Field>,
    /// Default: the item's own `href` if it is a link, else its first `a[href]`.
    pub link: Option<Field>,
    /// Default: the first `time` element (its `datetime`, else its text).
    pub date: Option<Field>,
    /// An element's inner HTML, or an attribute read as plain text.
    pub summary: Option<Field>,
    /// Every match is one category.
    pub categories: Option<Field>,
    /// The link to the next (older) page of the archive, searched in the whole page.
    pub next_page: Option<Field>,
}

/// A `[source.select]` table written over a preset: every key optional, each one given replacing
/// what the preset found on the page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Partial {
    /// Replaces the preset's item selector.
    pub item: Option<Field>,
    /// Replaces the preset's title selector.
    pub title: Option<Field>,
    /// Replaces the preset's link selector.
    pub link: Option<Field>,
    /// Replaces the preset's date selector.
    pub date: Option<Field>,
    /// Replaces the preset's summary selector.
    pub summary: Option<Field>,
    /// Adds a categories selector.
    pub categories: Option<Field>,
    /// Adds a next-page selector.
    pub next_page: Option<Field>,
}

impl Partial {
    /// `base` with every field this table gives replaced.
    pub fn over(&self, base: Selectors) -> Selectors {
        let pick = |mine: &Option<Field>, theirs: Option<Field>| mine.clone().or(theirs);
        Selectors {
            item: self.item.clone().unwrap_or(base.item),
            title: pick(&self.title, base.title),
            link: pick(&self.link, base.link),
            date: pick(&self.date, base.date),
            summary: pick(&self.summary, base.summary),
            categories: pick(&self.categories, base.categories),
            next_page: pick(&self.next_page, base.next_page),
        }
    }

    /// `base` with every field this table gives replaced.
    pub fn over_partial(&self, base: &Partial) -> Partial {
        let pick = |mine: &Option<Field>, theirs: &Option<Field>| mine.clone().or(theirs.clone());
        Partial {
            item: pick(&self.item, &base.item),
            title: pick(&self.title, &base.title),
            link: pick(&self.link, &base.link),
            date: pick(&self.date, &base.date),
            summary: pick(&self.summary, &base.summary),
            categories: pick(&self.categories, &base.categories),
            next_page: pick(&self.next_page, &base.next_page),
        }
    }

    /// Complete selectors, when the table names an item.
    pub fn complete(self) -> Option<Selectors> {
        Some(Selectors {
            item: self.item?,
            title: self.title,
            link: self.link,
            date: self.date,
            summary: self.summary,
            categories: self.categories,
            next_page: self.next_page,
        })
    }
}

/// The keys of `[source.select]`, in the order configs write them.
pub const KEYS: [&str; 7] = [
    "item",
    "title",
    "link",
    "date",
    "summary",
    "categories",
    "next_page",
];

impl Selectors {
    /// Selectors with only `item` set: the defaults above fill in the rest.
    pub fn with_item(item: Field) -> Self {
        Selectors {
            item,
            title: None,
            link: None,
            date: None,
            summary: None,
            categories: None,
            next_page: None,
        }
    }

    /// The selectors as written, by key, in [`KEYS`] order: for configs, the store and messages.
    pub fn written(&self) -> Vec<(&'static str, &str)> {
        let optional = [
            ("title", &self.title),
            ("link", &self.link),
            ("date", &self.date),
            ("summary", &self.summary),
            ("categories", &self.categories),
            ("next_page", &self.next_page),
        ];
        std::iter::once(("item", self.item.as_str()))
            .chain(
                optional
                    .into_iter()
                    .filter_map(|(k, f)| f.as_ref().map(|f| (k, f.as_str()))),
            )
            .collect()
    }

    /// Compiles selectors written by key (the inverse of [`Selectors::written`]); unknown keys
    /// are ignored, `item` is required.
    pub fn from_written<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Selectors, SelectorError> {
        let mut item = None;
        let mut s = Selectors::with_item(Field::parse("*")?);
        for (key, value) in pairs {
            let f = Some(Field::parse(value)?);
            match key {
                "item" => item = f,
                "title" => s.title = f,
                "link" => s.link = f,
                "date" => s.date = f,
                "summary" => s.summary = f,
                "categories" => s.categories = f,
                "next_page" => s.next_page = f,
                _ => {}
            }
        }
        s.item = item.ok_or(SelectorError::Empty)?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        let f = Field::parse("@article-title").unwrap();
        assert!(f.css.is_none());
        assert_eq!(f.attr(), Some("article-title"));
        let f = Field::parse("h2 a@href").unwrap();
        assert!(f.css.is_some());
        assert_eq!(f.attr(), Some("href"));
        let f = Field::parse(".title").unwrap();
        assert_eq!(f.attr(), None);
        let f = Field::parse(r#"a[href*="@"]"#).unwrap();
        assert_eq!(f.attr(), None, "an @ inside brackets is part of the CSS");
    }

    #[test]
    fn bad_selectors_say_why() {
        let err = |s: &str| Field::parse(s).unwrap_err().to_string();
        assert!(err("").contains("empty"));
        assert!(err("div[").contains("invalid CSS selector"));
        assert!(err("a@").contains("attribute name"));
        assert!(err("a@ b c").contains("attribute name"));
    }
}
