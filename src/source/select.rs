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

/// Compiles a CSS selector; on failure, says where in it and what is wrong in a user's words
/// (the parser's own message for several mistakes is "Unexpected error occurred. Please report
/// this to the developer", and it gives no position).
pub fn compile(css: &str) -> Result<Selector, SelectorError> {
    Selector::parse(css).map_err(|_| {
        let (at, why) = diagnose(css);
        SelectorError::Css {
            css: css.to_string(),
            why: format!("at character {at}: {why}"),
        }
    })
}

/// Where the CSS parser stopped (1-based, in characters) and what it expected there. Parses again
/// with the parser scraper uses, which keeps its position.
fn diagnose(css: &str) -> (usize, &'static str) {
    use cssparser::{BasicParseErrorKind as B, ParseErrorKind as K};
    use selectors::parser::{ParseRelative, SelectorList, SelectorParseErrorKind as S};
    let mut parser = cssparser::Parser::new(css);
    let parsed = SelectorList::parse(&scraper::selector::Parser, &mut parser, ParseRelative::No);
    let offset = parser.position().byte_index().min(css.len());
    let consumed = css.get(..offset).unwrap_or(css);
    let mut pseudo = false;
    let why = match parsed {
        Ok(_) => "not a selector",
        Err(e) => match e.kind {
            K::Basic(B::EndOfInput) => {
                "the selector ends too early (is a `[`, `(` or quote left open?)"
            }
            K::Basic(_) => "unexpected character; write tags, .classes, #ids and [attributes]",
            K::Custom(kind) => match kind {
                S::NoQualifiedNameInAttributeSelector
                | S::UnexpectedTokenInAttributeSelector
                | S::ExpectedBarInAttr
                | S::BadValueInAttr
                | S::InvalidQualNameInAttr => {
                    "an attribute test is written [name], [name=value], [name~=value] or \
                     [name*=\"value with spaces\"]"
                }
                S::EmptySelector => "a selector is missing (two commas, or one at the end?)",
                S::DanglingCombinator => "nothing after `>`, `+` or `~`",
                S::ClassNeedsIdent => "`.` must be followed by a class name",
                S::NoIdentForPseudo
                | S::UnsupportedPseudoClassOrElement
                | S::PseudoElementExpectedColon
                | S::PseudoElementExpectedIdent
                | S::NonPseudoElementAfterSlotted
                | S::InvalidPseudoElementAfterSlotted
                | S::InvalidPseudoElementInsideWhere
                | S::InvalidState => {
                    pseudo = true;
                    "unsupported pseudo-class or element: pages are read as static HTML, so \
                     :hover or ::before cannot match; :nth-child(), :not(), :has() and \
                     :first-child can"
                }
                S::UnexpectedIdent | S::ExpectedNamespace | S::ExplicitNamespaceUnexpectedToken => {
                    "unexpected name; write tags, .classes, #ids and [attributes]"
                }
                S::NonCompoundSelector => "not a simple selector here",
            },
        },
    };
    let at = if pseudo {
        consumed
            .rfind(':')
            .map(|i| i - consumed[..i].ends_with(':') as usize)
    } else {
        block_start(consumed)
    };
    let at = at.unwrap_or(consumed.len());
    (css[..at].chars().count() + 1, why)
}

/// Where the bracket block that the parser was in when it stopped opens: the outermost one left
/// open, else the one that ends the text read (the parser reads a block whole before judging it).
fn block_start(consumed: &str) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    let mut last_closed = None;
    let mut quote = None;
    for (i, c) in consumed.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => open.push(i),
            (None, ']' | ')') => last_closed = open.pop(),
            _ => {}
        }
    }
    if let Some(first) = open.first() {
        return Some(*first);
    }
    consumed
        .trim_end()
        .ends_with([']', ')'])
        .then_some(last_closed)
        .flatten()
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

    #[test]
    fn selector_errors_give_the_place_and_the_fix_not_the_parsers_internals() {
        let err = |s: &str| compile(s).unwrap_err().to_string();
        for (css, place, words) in [
            (
                "div[[[",
                "at character 4",
                "an attribute test is written [name]",
            ),
            ("div.", "at character 5", "the selector ends too early"),
            ("ul >", "at character 5", "nothing after `>`"),
            ("a:hover", "at character 2", "unsupported pseudo-class"),
            ("a::before", "at character 2", "unsupported pseudo-class"),
            ("li:nth-child(x)", "at character 13", "unexpected"),
            ("h2,,p", "at character 4", "a selector is missing"),
            ("div[a=b c]", "at character 4", "unexpected character"),
        ] {
            let e = err(css);
            assert!(
                e.contains(&format!("{css:?}: {place}: {words}")),
                "{css}: {e}"
            );
            assert!(!e.contains("report this to the developer"), "{e}");
        }
        assert!(compile("article.post > h2 a[href]").is_ok());
    }
}
