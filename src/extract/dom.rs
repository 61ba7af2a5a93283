//! HTML text → a document tree, with a bound on nesting.
//!
//! html5ever's tree builder looks through the stack of open elements for many start tags
//! (`<div>`, `<p>`, `<ul>`, … ask whether a `<p>` is open "in button scope"), so its time grows
//! with the square of the nesting depth: 100,000 nested `<div>`s, a 1.1 MB page, take a minute.
//! No listing nests that deep (real pages stay under 100 levels), so a page is parsed in slices and
//! given up as soon as an element lands deeper than [`MAX_DEPTH`]: a hostile page costs
//! milliseconds and fails its source with a clear message, and the feed is kept.
//!
//! The depth is counted in a tree sink wrapped around scraper's: each element's depth is its
//! parent's plus one.
//!
//! The tokenizer has a second square: each attribute of a tag is compared with the ones before it
//! (duplicates are dropped), so one element with a million attributes takes many minutes. A
//! linear pass over the tags before parsing refuses a page with an element of more than
//! [`MAX_ATTRIBUTES`]; it reads tags as the tokenizer does (comments and the raw text of
//! `<script>`, `<style>` and the like skipped), so it counts what the tokenizer would.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use ego_tree::NodeId;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{Html, HtmlTreeSink};

/// The deepest an element may sit (Chromium's parser stops nesting at 512; real pages stay
/// far below either).
pub const MAX_DEPTH: u32 = 256;

/// Text fed to the parser at a time; the depth is checked between slices, so a hostile page
/// costs at most one slice of quadratic work.
const SLICE: usize = 16 * 1024;

/// The most attributes one element may have (real pages use a few dozen at most).
pub const MAX_ATTRIBUTES: usize = 1000;

/// A page whose markup would take minutes to parse: no listing looks like this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostileMarkup {
    /// Elements nested deeper than [`MAX_DEPTH`].
    #[error(
        "the HTML nests elements more than {MAX_DEPTH} deep (near byte {at}); no listing does, \
         and parsing it would take minutes, so it was not read (hostile or broken markup)"
    )]
    Nesting {
        /// Where in the text the limit was passed, give or take a slice.
        at: usize,
    },
    /// An element with more than [`MAX_ATTRIBUTES`].
    #[error(
        "an element at byte {at} has more than {MAX_ATTRIBUTES} attributes; no listing does, and \
         parsing it would take minutes, so it was not read (hostile or broken markup)"
    )]
    Attributes {
        /// Where the element starts.
        at: usize,
    },
}

/// Parses a whole HTML document, unless it nests deeper than [`MAX_DEPTH`] or has an element
/// with more than [`MAX_ATTRIBUTES`].
pub fn parse(html: &str) -> Result<Html, HostileMarkup> {
    if let Some(at) = attribute_bomb(html) {
        return Err(HostileMarkup::Attributes { at });
    }
    let too_deep = Rc::new(Cell::new(false));
    let sink = DepthSink {
        inner: HtmlTreeSink::new(Html::new_document()),
        depths: RefCell::new(HashMap::default()),
        too_deep: too_deep.clone(),
    };
    let mut parser = html5ever::parse_document(sink, Default::default());
    let mut start = 0;
    while start < html.len() {
        let mut end = (start + SLICE).min(html.len());
        while !html.is_char_boundary(end) {
            end += 1;
        }
        parser.process(StrTendril::from_slice(&html[start..end]));
        if too_deep.get() {
            return Err(HostileMarkup::Nesting { at: end });
        }
        start = end;
    }
    let doc = parser.finish();
    if too_deep.get() {
        return Err(HostileMarkup::Nesting { at: html.len() });
    }
    Ok(doc)
}

/// Fails when the HTML snippet `html` (a summary from a feed, say) is hostile in the same ways
/// as a page; the sanitizer parses it with no bound. Short snippets cannot nest deep enough to
/// matter and are passed at once.
pub fn check(html: &str) -> Result<(), HostileMarkup> {
    if html.len() < 8 * 1024 {
        return Ok(());
    }
    parse(html).map(drop)
}

/// Elements whose content is raw text up to their end tag: no tags inside to count.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];

/// Where the first element with more than [`MAX_ATTRIBUTES`] starts, if one does. One pass.
fn attribute_bomb(html: &str) -> Option<usize> {
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        let rest = &html[start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            i = start + 4 + comment.find("-->").map_or(comment.len(), |e| e + 3);
            continue;
        }
        let name_len = rest[1..]
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'-')
            .count();
        if name_len == 0 || !b[start + 1].is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
        let (end, attributes) = scan_tag(b, start + 1 + name_len);
        if attributes > MAX_ATTRIBUTES {
            return Some(start);
        }
        i = end;
        let name = &rest[1..1 + name_len];
        if RAW_TEXT.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            i = raw_text_end(html, i, name);
        }
    }
    None
}

/// Reads a tag's attributes from `j` (after its name) to its `>`: where it ends and how many
/// attributes it has.
fn scan_tag(b: &[u8], mut j: usize) -> (usize, usize) {
    let space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
    let mut count = 0;
    while j < b.len() {
        match b[j] {
            b'>' => return (j + 1, count),
            c if space(c) || c == b'/' => j += 1,
            _ => {
                let name = j;
                while j < b.len() && !space(b[j]) && !matches!(b[j], b'=' | b'>' | b'/') {
                    j += 1;
                }
                count += usize::from(j > name);
                j += usize::from(j == name);
                while j < b.len() && space(b[j]) {
                    j += 1;
                }
                if j < b.len() && b[j] == b'=' {
                    j = value_end(b, j + 1);
                }
                if count > MAX_ATTRIBUTES {
                    return (j, count);
                }
            }
        }
    }
    (j, count)
}

/// Where an attribute value that starts at (or after spaces from) `j` ends.
fn value_end(b: &[u8], mut j: usize) -> usize {
    while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
        j += 1;
    }
    match b.get(j) {
        Some(&q @ (b'"' | b'\'')) => b[j + 1..]
            .iter()
            .position(|c| *c == q)
            .map_or(b.len(), |p| j + 2 + p),
        _ => {
            while j < b.len() && !matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>') {
                j += 1;
            }
            j
        }
    }
}

/// Where the raw text of element `name` that starts at `from` ends (after its end tag).
fn raw_text_end(html: &str, from: usize, name: &str) -> usize {
    let mut i = from;
    while let Some(off) = html[i..].find("</") {
        let at = i + off + 2;
        let candidate = html.as_bytes().get(at..at + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes())) {
            return at + name.len();
        }
        i = at;
    }
    html.len()
}

/// scraper's sink, plus every element's depth.
struct DepthSink {
    inner: HtmlTreeSink,
    depths: RefCell<HashMap<NodeId, u32, foldhash::fast::RandomState>>,
    too_deep: Rc<Cell<bool>>,
}

impl DepthSink {
    fn depth(&self, node: &NodeId) -> u32 {
        self.depths.borrow().get(node).copied().unwrap_or(0)
    }

    fn place(&self, child: &NodeOrText<NodeId>, depth: u32) {
        if let NodeOrText::AppendNode(id) = child {
            self.depths.borrow_mut().insert(*id, depth);
            if depth > MAX_DEPTH {
                self.too_deep.set(true);
            }
        }
    }
}

impl TreeSink for DepthSink {
    type Output = Html;
    type Handle = NodeId;
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Html {
        self.inner.finish()
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg);
    }

    fn get_document(&self) -> NodeId {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        self.inner.create_element(name, attrs, flags)
    }

    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.inner.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.inner.create_pi(target, data)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.place(&child, self.depth(parent) + 1);
        self.inner.append(parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        let depth = self.depth(element).max(self.depth(prev_element) + 1);
        self.place(&child, depth);
        self.inner
            .append_based_on_parent_node(element, prev_element, child);
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id);
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.inner.get_template_contents(target)
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.place(&new_node, self.depth(sibling));
        self.inner.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }

    fn remove_from_parent(&self, target: &NodeId) {
        self.inner.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        // Moved children keep the depth noted when they were placed: the adoption agency moves
        // them one level at most, never deeper than the elements around them.
        self.inner.reparent_children(node, new_parent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!(
            "<html><body>{}<p class=x>deep</p>{}</body></html>",
            "<div>".repeat(n),
            "</div>".repeat(n)
        )
    }

    #[test]
    fn pages_parse_as_scraper_parses_them() {
        for page in [
            "<ul><li><a href=/a>A</a><li>B</ul><p>one<p>two<b><i>x</b>y</i>",
            "<table><tr><td>1<td>2</table><template><p>t</p></template>",
            &nested(200),
        ] {
            let ours = parse(page).unwrap();
            assert_eq!(ours.html(), Html::parse_document(page).html());
        }
    }

    #[test]
    fn a_page_nested_deeper_than_the_limit_is_refused_early() {
        let err = parse(&nested(100_000)).unwrap_err();
        // Given up within the first slices, not after reading the whole page.
        assert!(
            matches!(err, HostileMarkup::Nesting { at } if at <= 2 * SLICE),
            "{err:?}"
        );
        assert!(err.to_string().contains("more than 256 deep"));
        assert!(parse(&nested(250)).is_ok());
    }

    #[test]
    fn snippets_are_checked_the_same_way() {
        assert!(check(&nested(20_000)).is_err());
        assert!(check(&nested(100)).is_ok());
        assert!(check("<p>short</p>").is_ok());
    }

    #[test]
    fn an_element_with_a_million_attributes_is_refused_before_parsing() {
        let attrs: String = (0..1_000_000).map(|i| format!(" a{i}=v")).collect();
        let page = format!("<html><body><p>x</p><li class=item{attrs}>y</li></body></html>");
        assert_eq!(
            parse(&page).unwrap_err(),
            HostileMarkup::Attributes { at: 20 }
        );
        // What the tokenizer sees as text or values is not counted: quoted values with spaces,
        // comments, scripts and styles.
        let quoted = format!("<p title=\"{}\">x</p>", "w ".repeat(5000));
        let script = format!("<script>if (a <b {}) {{}}</script>", "c ".repeat(5000));
        let comment = format!("<!-- <b {} -->", "d ".repeat(5000));
        let style = format!("<STYLE>a <b {}</STYLE>", "e ".repeat(5000));
        for page in [quoted, script, comment, style] {
            assert!(parse(&format!("<html><body>{page}<p>z</p></body></html>")).is_ok());
        }
        let many: String = (0..999).map(|i| format!(" data-a{i}='v v'")).collect();
        assert!(parse(&format!("<div{many}>ok</div>")).is_ok());
    }
}
