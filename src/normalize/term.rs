//! What a listing is about, from its heading and `<title>`: the tag term every entry gets as its
//! default category ("Partnerships", not "Tag: Partnerships" or "RaspberryPi – whizzy.org"), and
//! the default feed title.
//!
//! A listing's first `<h1>` is not always the page's heading: on blog indexes it is often the first
//! post's title. It counts as the page's own when it has a taxonomy form ("Tag: X"), or when it is
//! part of the `<title>`, or when there is no `<title>`. Otherwise the `<title>` speaks for the
//! page, without its site name ("X – Site", "X | Site") and page numbers ("Page 2").

use crate::text::collapse;

/// Words that introduce a tag or category name, lowercase (a space before the colon is allowed:
/// "Categoría : X"). Longest first, so "posts tagged" wins over "tagged".
const PREFIXES: &[&str] = &[
    "posts tagged with",
    "articles tagged",
    "entries tagged",
    "stories tagged",
    "posts tagged",
    "tagged with",
    "browsing category",
    "posts in category",
    "posts filed under",
    "filed under",
    "archive for",
    "catégorie:",
    "categoría:",
    "categoria:",
    "categories:",
    "category:",
    "kategorie:",
    "schlagwort:",
    "étiquette:",
    "etiqueta:",
    "archives:",
    "archive:",
    "tagged:",
    "tagged",
    "topics:",
    "topic:",
    "thema:",
    "label:",
    "tags:",
    "tag:",
];

/// Words that follow a category name in WordPress-style titles ("Alexa Archives").
const SUFFIXES: &[&str] = &["archives", "archivos", "archivi", "archiv", "archive"];

/// Separators between a page's own title and the site's name in `<title>`.
const SEPARATORS: &[&str] = &[
    " – ", " — ", " | ", " - ", " · ", " • ", " > ", " » ", " :: ",
];

/// Quotes and stray punctuation around a term.
const TRIM: &[char] = &[
    '"', '\'', '“', '”', '‘', '’', '«', '»', '「', '」', ':', '|', '•', '-', '–', '—', '>', '»',
    '·', ' ',
];

/// The tag a listing is about, from its `heading` (first `<h1>`, a text listing's first line) and
/// its `<title>`; `None` when neither says.
pub fn tag_term(heading: Option<&str>, title: Option<&str>) -> Option<String> {
    let heading = heading.map(collapse).filter(|h| !h.is_empty());
    let title = title.map(collapse).filter(|t| !t.is_empty());
    if let Some(term) = heading.as_deref().and_then(taxonomy) {
        return Some(term);
    }
    let first = title.as_deref().and_then(first_segment);
    if let Some(term) = first.as_deref().and_then(taxonomy) {
        return Some(term);
    }
    if let Some(h) = heading.as_deref().filter(|h| owns(h, title.as_deref())) {
        return clean(h);
    }
    first.and_then(|f| clean(&f))
}

/// The default feed title: the heading when it is the page's own, else the whole `<title>`, else
/// whatever heading there is.
pub fn default_title(heading: Option<&str>, title: Option<&str>) -> Option<String> {
    let heading = heading.map(collapse).filter(|h| !h.is_empty());
    let title = title.map(collapse).filter(|t| !t.is_empty());
    match (heading, title) {
        (Some(h), t) if taxonomy(&h).is_some() || owns(&h, t.as_deref()) => Some(h),
        (_, Some(t)) => Some(t),
        (h, None) => h,
    }
}

/// Whether `heading` is the page's own rather than, say, the first post's title.
fn owns(heading: &str, title: Option<&str>) -> bool {
    match title {
        None => true,
        Some(t) => t.to_lowercase().contains(&heading.to_lowercase()),
    }
}

/// The name in "Tag: X", "Posts tagged X", "X Archives"; `None` when `s` has no such form.
fn taxonomy(s: &str) -> Option<String> {
    let probe = s.replace(" :", ":").replace('\u{a0}', " ");
    for p in PREFIXES {
        if let Some(rest) = strip_prefix_ci(&probe, p)
            && (p.ends_with(':') || rest.starts_with([' ', '"', '“', '\'', '«']))
        {
            return clean(rest);
        }
    }
    SUFFIXES
        .iter()
        .filter_map(|s| strip_suffix_ci(&probe, s))
        .find(|rest| rest.ends_with(' '))
        .and_then(clean)
}

/// `s` without `prefix` (lowercase ASCII or Latin), compared case-insensitively.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let mut chars = s.char_indices();
    for p in prefix.chars() {
        let (_, c) = chars.next()?;
        if !c.to_lowercase().eq(std::iter::once(p)) {
            return None;
        }
    }
    Some(chars.as_str())
}

/// `s` without `suffix` (lowercase), compared case-insensitively.
fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let mut chars = s.char_indices().rev();
    let mut cut = s.len();
    for p in suffix.chars().rev() {
        let (i, c) = chars.next()?;
        if !c.to_lowercase().eq(std::iter::once(p)) {
            return None;
        }
        cut = i;
    }
    Some(&s[..cut])
}

/// The `<title>`'s first part that is not a page number: "RaspberryPi" of
/// "RaspberryPi – whizzy.org", "IoT" of "IoT – Page 2 – whizzy.org".
fn first_segment(title: &str) -> Option<String> {
    let mut parts = vec![title.to_string()];
    for sep in SEPARATORS {
        parts = parts
            .iter()
            .flat_map(|p| p.split(sep).map(str::to_string))
            .collect();
    }
    parts
        .into_iter()
        .map(|p| p.trim_matches(TRIM).to_string())
        .find(|p| !p.is_empty() && !is_page_number(p))
}

/// "Page 2", "Page 2 of 158", "Página 62 de 66", "Seite 3", "Part 2".
fn is_page_number(s: &str) -> bool {
    let lower = s.to_lowercase();
    let mut words = lower.split_whitespace();
    let first = words.next().unwrap_or("");
    [
        "page", "página", "pagina", "seite", "part", "strona", "sida",
    ]
    .contains(&first)
        && words
            .next()
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

fn clean(s: &str) -> Option<String> {
    let t = s.trim_matches(TRIM).trim();
    (!t.is_empty()).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (`<h1>`, `<title>`, tag term) of real listing pages (shared/corpus/listings).
    #[rustfmt::skip]
    const PAGES: &[(Option<&str>, Option<&str>, Option<&str>)] = &[
        (Some("Tag: Partnerships"), Some("Tag: Partnerships > U.S. Department of Defense > News"), Some("Partnerships")),
        (None, Some("RaspberryPi – whizzy.org"), Some("RaspberryPi")),
        (Some("bravialib"), Some("IoT – Page 2 – whizzy.org"), Some("IoT")),
        (Some("Tagged \"Aegir\""), Some("Tagged \"Aegir\" | community.aegirproject.org"), Some("Aegir")),
        (Some("Getting Started"), Some("Getting Started - Antony's blog"), Some("Getting Started")),
        (Some("Links"), Some("Adactio: Links"), Some("Links")),
        (None, Some("Hacking Tube 2.0 - Page 2"), Some("Hacking Tube 2.0")),
        (Some("Categoría : Disfraces Jarana"), Some("Disfraces Jarana Archivos - Página 62 de 66 - Blog Disfraces Jarana"), Some("Disfraces Jarana")),
        (None, Some("Categoria: Notizia del giorno"), Some("Notizia del giorno")),
        (Some("Notizie horror"), Some("Notizie horror | DarkVeins.com"), Some("Notizie horror")),
        (Some("Jurassic Park Wedding Cake"), Some("The Geek's Guide To Weddings - When Geeks Wed"), Some("The Geek's Guide To Weddings")),
        (Some("Books Essential for HTML5 Game Development"), Some("Blog | MightyFingers | HTML5 Game Editor | Web Based | MightyFingers | Page 4"), Some("Blog")),
        (Some("iContact Blog"), Some("iContact Blog - Page 2 of 158 | iContact"), Some("iContact Blog")),
        (None, Some("Alexa Archives - whizzy.org"), Some("Alexa")),
        (None, Some(":: Up and to the Right — Jonathan Borichevskiy"), Some("Up and to the Right")),
        (None, Some("Все о лепке из полимерной глины"), Some("Все о лепке из полимерной глины")),
        (Some("Posts tagged “rust”"), None, Some("rust")),
        (Some("Tagging guidelines"), None, Some("Tagging guidelines")),
        (None, Some("•"), None),
        (None, None, None),
    ];

    #[test]
    fn tag_terms_of_real_pages() {
        for (h1, title, want) in PAGES {
            assert_eq!(
                tag_term(*h1, *title).as_deref(),
                *want,
                "{h1:?} / {title:?}"
            );
        }
    }

    #[test]
    fn default_titles() {
        let t = |h: Option<&str>, t: Option<&str>| default_title(h, t);
        assert_eq!(
            t(Some("Tag: Partnerships"), None).as_deref(),
            Some("Tag: Partnerships")
        );
        assert_eq!(
            t(
                Some("Jurassic Park Wedding Cake"),
                Some("The Geek's Guide To Weddings - When Geeks Wed")
            )
            .as_deref(),
            Some("The Geek's Guide To Weddings - When Geeks Wed"),
            "a post's heading is not the page's"
        );
        assert_eq!(
            t(Some("Links"), Some("Adactio: Links")).as_deref(),
            Some("Links")
        );
        assert_eq!(t(None, None), None);
    }
}
