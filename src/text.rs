//! Text and HTML clean-up for titles and summaries (pure, shared by extraction, normalization,
//! filters and renderers).
//!
//! Scraped text carries stray whitespace, double-encoded entities and control characters that make
//! XML invalid; scraped HTML carries scripts, event handlers and relative links. Everything that
//! reaches a feed passes through here.

use std::borrow::Cow;

use url::Url;

/// Collapses whitespace runs (including non-breaking spaces) to one space, trims, and drops
/// characters XML 1.0 cannot carry.
pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Stretches of printable ASCII whose spaces are single and between words, the bulk of
        // most text, come out as they are: they are copied whole.
        let printable = |b: u8| (0x21..=0x7E).contains(&b);
        if printable(bytes[i]) {
            let mut end = i + 1;
            while end < bytes.len() {
                if printable(bytes[end]) {
                    end += 1;
                } else if bytes[end] == b' ' && bytes.get(end + 1).is_some_and(|&b| printable(b)) {
                    end += 2;
                } else {
                    break;
                }
            }
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push_str(&s[i..end]);
            i = end;
            continue;
        }
        // Here a space, a control or a non-ASCII character starts (always a char boundary).
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else if xml_char(c) {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
        i += c.len_utf8();
    }
    out
}

/// Characters allowed in XML 1.0 documents, minus the discouraged C1 controls.
fn xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of `s` that an XML feed cannot carry, if any (tabs and line breaks are
/// fine). Everything tagfeed extracts is cleaned of them; a renderer that meets one anyway (a
/// damaged store) refuses instead of writing a feed no reader can parse.
pub fn non_xml_char(s: &str) -> Option<char> {
    // Every such character starts with one of these bytes in UTF-8 (C0 controls and DEL, C1
    // controls, U+FFFE/U+FFFF), so most text is passed over a byte at a time.
    // Those bytes are ASCII or lead bytes, never inside a character, so each is where one starts.
    let suspect = |b: &u8| *b < 0x20 || matches!(*b, 0x7F | 0xC2 | 0xEF);
    let bytes = s.as_bytes();
    // Clean text is passed over 32 bytes at a time (a branch-free test per block).
    let clean = bytes
        .chunks(32)
        .take_while(|block| !block.iter().fold(false, |any, b| any | suspect(b)))
        .count()
        * 32;
    let mut from = clean.min(bytes.len());
    while let Some(p) = bytes[from..].iter().position(suspect) {
        let c = s[from + p..].chars().next()?;
        if !xml_char(c) && !matches!(c, '\t' | '\n' | '\r') {
            return Some(c);
        }
        from += p + c.len_utf8();
    }
    None
}

/// `s` cut to at most `max` characters at a word boundary, ending in "…" when something was cut
/// (a single word longer than `max` is cut inside).
pub fn shorten(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let room: String = s.chars().take(max.saturating_sub(1)).collect();
    // Cut at the last space when the next character does not already start a word.
    let next_starts_word = s[room.len()..].starts_with(char::is_whitespace);
    let cut = match room.rfind(char::is_whitespace) {
        _ if next_starts_word => room.as_str(),
        Some(at) if at > 0 => &room[..at],
        _ => room.as_str(),
    };
    let cut = cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—".contains(c));
    format!("{cut}…")
}

/// The first sentence of `s`: up to the first `.`, `!` or `?` followed by a space (or `。！？`), or
/// all of it.
pub fn first_sentence(s: &str) -> &str {
    let s = s.trim();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        let ends = match c {
            '。' | '！' | '？' => true,
            '.' | '!' | '?' => chars.peek().is_none_or(|(_, n)| n.is_whitespace()),
            _ => false,
        };
        if ends {
            return &s[..end];
        }
    }
    s
}

/// Plain text for titles: entities a CMS left encoded ("Esper&#39;s", "AT&amp;T") decoded once,
/// whitespace collapsed.
pub fn plain(s: &str) -> String {
    collapse(&decode_entities(s))
}

/// Decodes HTML character references with the HTML parser's own tables (so every named entity
/// works), leaving text without references untouched.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    // Escape markup so the parser only decodes references and never builds elements.
    let escaped = s.replace('<', "&lt;");
    let fragment = scraper::Html::parse_fragment(&escaped);
    Cow::Owned(fragment.root_element().text().collect())
}

/// Escapes text for inclusion in HTML.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Turns plain-text paragraphs into HTML: one paragraph stays bare text, several become `<p>`s.
pub fn paragraphs_to_html(paragraphs: &[String]) -> Option<String> {
    let paras: Vec<String> = paragraphs
        .iter()
        .map(|p| collapse(p))
        .filter(|p| !p.is_empty())
        .map(|p| escape_html(&p))
        .collect();
    match paras.len() {
        0 => None,
        1 => paras.into_iter().next(),
        _ => Some(paras.iter().map(|p| format!("<p>{p}</p>")).collect()),
    }
}

/// Sanitizes scraped HTML: no scripts, styles, event handlers or `javascript:` URLs; relative
/// links and image sources resolved against `base` (dropped when there is no base, since a
/// relative URL in a feed points nowhere). Returns `None` when nothing readable is left.
pub fn sanitize_html(html: &str, base: Option<&Url>) -> Option<String> {
    thread_local! {
        // Building a cleaner fills a dozen sets; one per thread serves every summary.
        static CLEANER: std::cell::RefCell<ammonia::Builder<'static>> =
            std::cell::RefCell::new(cleaner());
    }
    let cleaned = CLEANER.with_borrow_mut(|builder| {
        builder.url_relative(match base {
            Some(b) => ammonia::UrlRelative::RewriteWithBase(b.clone()),
            None => ammonia::UrlRelative::Deny,
        });
        builder.clean(html).to_string()
    });
    let cleaned = collapse(&cleaned);
    let has_content = has_text(&cleaned) || cleaned.contains("<img");
    has_content.then_some(cleaned)
}

/// The sanitizer's settings, but for the base URL each summary brings.
fn cleaner() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    // Feed readers render their own layout; ids and classes from the page only collide with it.
    builder.rm_generic_attributes(["id", "class"]);
    // Parsers keep `noscript` as raw text: its markup would show as text.
    builder.add_clean_content_tags(["noscript", "template"]);
    builder
}

/// Whether sanitized HTML shows any text. The sanitizer's output is serialized markup: text
/// between tags, attribute values always in double quotes, and in text only `&amp;`, `&lt;`,
/// `&gt;` and `&nbsp;` escaped (a non-breaking space is no text). So a scan finds the text without
/// parsing the fragment a second time.
fn has_text(serialized: &str) -> bool {
    let (mut in_tag, mut quoted) = (false, false);
    let mut rest = serialized;
    while let Some(c) = rest.chars().next() {
        match c {
            '"' if in_tag => quoted = !quoted,
            '>' if in_tag && !quoted => in_tag = false,
            _ if in_tag => {}
            '<' => in_tag = true,
            '&' if rest.starts_with("&nbsp;") => {
                rest = &rest["&nbsp;".len()..];
                continue;
            }
            c if !c.is_whitespace() && xml_char(c) => return true,
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    false
}

/// The text of an HTML fragment, for previews and emptiness checks.
pub fn strip_tags(html: &str) -> String {
    let fragment = scraper::Html::parse_fragment(html);
    collapse(&visible_text(fragment.root_element()))
}

/// The text a reader sees in `el`: without the contents of `script`, `style`, `noscript` and
/// `template` (which HTML parsers keep as raw text: `<img …>` markup inside `noscript` would
/// otherwise end up in titles), and with a space where a block or `<br>` separates two texts, as a
/// browser shows them ("Title<br>Teaser" is not "TitleTeaser").
pub fn visible_text(el: scraper::ElementRef<'_>) -> String {
    enum Step<'a> {
        Node(ego_tree::NodeRef<'a, scraper::Node>),
        Space,
    }
    let mut out = String::new();
    let mut stack = vec![Step::Node(*el)];
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Space => {
                out.push(' ');
                continue;
            }
            Step::Node(node) => node,
        };
        match node.value() {
            scraper::Node::Text(t) => out.push_str(t),
            scraper::Node::Element(e)
                if matches!(e.name(), "script" | "style" | "noscript" | "template") => {}
            scraper::Node::Element(e) if e.name() == "br" => out.push(' '),
            value => {
                let block = value.as_element().is_some_and(|e| is_block(e.name()));
                if block {
                    out.push(' ');
                    stack.push(Step::Space);
                }
                // Children pushed last-first so they come off the stack in page order.
                let children: Vec<_> = node.children().collect();
                stack.extend(children.into_iter().rev().map(Step::Node));
            }
        }
    }
    out
}

/// Elements a browser lays out as blocks (or table cells), whose text stands apart.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "dd"
            | "div"
            | "dl"
            | "dt"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "table"
            | "td"
            | "th"
            | "tr"
            | "ul"
    )
}

/// The candidate most like a misspelt `word` (case-insensitive edit distance, normalized to 0–1),
/// when it is at least `min` alike: the one rule behind every "did you mean" (config keys, time
/// zones, feed names, selectors). Ties go to the first in sort order, so the answer is the same
/// whatever order the candidates come in.
pub fn nearest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
    min: f64,
) -> Option<&'a str> {
    let word = word.trim().to_lowercase();
    candidates
        .map(|c| {
            (
                strsim::normalized_damerau_levenshtein(&word, &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score >= min)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule `collapse` implements, a character at a time.
    fn collapse_slowly(s: &str) -> String {
        let mut out = String::new();
        let mut pending = false;
        for c in s.chars() {
            if c.is_whitespace() {
                pending = !out.is_empty();
            } else if xml_char(c) {
                if pending {
                    out.push(' ');
                    pending = false;
                }
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn collapse_copies_runs_as_the_rule_says() {
        for s in [
            "",
            " ",
            "plain",
            "  two  words  ",
            "a\u{7f}b\u{0}c\u{1}",
            "\u{a0}é\u{2003}ü\u{3000}日本 語\u{85}",
            "<p class=\"x\">Hello,\r\n\tworld!</p>\u{feff}\u{fffe}\u{1f600}",
            "one two  three \u{a0}four\tfive six ",
            " a b\u{7f} c\u{0}d é f  ",
        ] {
            assert_eq!(collapse(s), collapse_slowly(s), "{s:?}");
        }
    }

    #[test]
    fn sanitized_html_without_text_is_none() {
        // The scan agrees with parsing the fragment again.
        for (html, text) in [
            ("<p> </p><div>\n</div>", false),
            ("<p>&nbsp; \u{a0}</p>", false),
            ("<a title=\"a > b\"> </a>", false),
            ("<script>alert(1)</script><noscript>x</noscript>", false),
            ("<p>x</p>", true),
            ("<a title=\"&quot;>\">&amp;</a>", true),
            ("a &lt; b", true),
            ("<b>\u{1}</b>", false),
        ] {
            let out = sanitize_html(html, None);
            let parsed = out.as_deref().is_some_and(|o| !strip_tags(o).is_empty());
            assert_eq!(out.is_some(), text, "{html:?} gave {out:?}");
            assert_eq!(parsed, text, "{html:?}");
        }
        assert!(sanitize_html("<img src=\"https://e.org/i.png\">", None).is_some());
    }

    #[test]
    fn collapse_whitespace_and_controls() {
        assert_eq!(collapse("  a\u{a0}\n\t b\u{0}c \u{b}"), "a bc");
        assert_eq!(non_xml_char("a\tb\nc é € \u{a0}"), None);
        assert_eq!(non_xml_char("a\u{1}b"), Some('\u{1}'));
        assert_eq!(non_xml_char("é\u{85}"), Some('\u{85}'));
        assert_eq!(non_xml_char("€\u{ffff}"), Some('\u{ffff}'));
        assert_eq!(non_xml_char("x\u{7f}"), Some('\u{7f}'));
        assert_eq!(non_xml_char("«\u{a0}» ok \u{1b}"), Some('\u{1b}'));
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
        assert_eq!(shorten("the quick brown fox", 12), "the quick…");
        assert_eq!(shorten("the quick brown fox", 10), "the quick…");
        assert_eq!(shorten("the quick, brown fox", 13), "the quick…");
        assert_eq!(first_sentence("Hi there. More text."), "Hi there.");
        assert_eq!(first_sentence("v1.2 is out! Get it"), "v1.2 is out!");
        assert_eq!(first_sentence("No end"), "No end");
        assert_eq!(first_sentence("今日は晴れ。明日は雨"), "今日は晴れ。");
    }

    #[test]
    fn plain_decodes_double_encoded_entities() {
        assert_eq!(
            plain("Esper&#39;s  trip &amp; AT&amp;T"),
            "Esper's trip & AT&T"
        );
        assert_eq!(plain("a < b & c"), "a < b & c");
        assert_eq!(plain("x &hellip;"), "x …");
    }

    #[test]
    fn text_paragraphs_are_escaped() {
        let one = paragraphs_to_html(&["Tom & <Jerry>".into()]);
        assert_eq!(one.as_deref(), Some("Tom &amp; &lt;Jerry&gt;"));
        let two = paragraphs_to_html(&["a".into(), " ".into(), "b".into()]);
        assert_eq!(two.as_deref(), Some("<p>a</p><p>b</p>"));
        assert_eq!(paragraphs_to_html(&[" ".into()]), None);
    }

    #[test]
    fn sanitize_removes_scripts_and_resolves_links() {
        let base = Url::parse("https://example.org/news/tag/x/").unwrap();
        let html = r#"<p onclick="evil()" class="c">Hi <a href="../post-1">post</a>
            <script>alert(1)</script><a href="javascript:alert(1)">x</a>
            <img src="/img/a.png"></p>"#;
        let out = sanitize_html(html, Some(&base)).unwrap();
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(!out.contains("class="), "{out}");
        assert!(
            out.contains(r#"href="https://example.org/news/tag/post-1""#),
            "{out}"
        );
        assert!(
            out.contains(r#"src="https://example.org/img/a.png""#),
            "{out}"
        );
    }

    #[test]
    fn sanitize_without_base_drops_relative_links() {
        let out = sanitize_html(r#"<a href="/x">x</a> <a href="https://a.org/">y</a>"#, None);
        let out = out.unwrap();
        assert!(!out.contains(r#"href="/x""#), "{out}");
        assert!(out.contains("https://a.org/"), "{out}");
    }

    #[test]
    fn sanitize_empty_is_none() {
        assert_eq!(sanitize_html("<script>x</script> <p> </p>", None), None);
    }
}
