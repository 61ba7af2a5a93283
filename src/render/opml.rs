//! OPML 2.0 (<http://opml.org/spec2.opml>): the list of every feed tagfeed writes, for importing
//! into a feed reader in one go. One outline per feed, in its preferred format (the first of
//! `[output] formats`), so a reader subscribes to each feed once.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use url::Url;

use super::{RenderError, utf8};

/// The OPML file's name in the output folder.
pub const FILE: &str = "feeds.opml";

/// One feed in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The feed's title.
    pub title: String,
    /// One line about it.
    pub description: String,
    /// The feed's public URL.
    pub xml_url: Url,
    /// The page the feed mirrors.
    pub html_url: Option<Url>,
}

/// Renders an OPML 2.0 document. No dates, so the same feeds give the same bytes.
pub fn render(title: &str, outlines: &[Outline]) -> Result<String, RenderError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut w, title, outlines).map_err(|e| RenderError::Write {
        format: "OPML",
        why: e.to_string(),
    })?;
    let mut out = utf8("OPML", w.into_inner())?;
    out.push('\n');
    Ok(out)
}

fn write(w: &mut Writer<Vec<u8>>, title: &str, outlines: &[Outline]) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("opml")
        .with_attribute(("version", "2.0"))
        .write_inner_content(|w| {
            w.create_element("head").write_inner_content(|w| {
                w.create_element("title")
                    .write_text_content(BytesText::new(title))?;
                w.create_element("docs")
                    .write_text_content(BytesText::new("http://opml.org/spec2.opml"))?;
                Ok(())
            })?;
            w.create_element("body").write_inner_content(|w| {
                for o in outlines {
                    let mut el = w
                        .create_element("outline")
                        .with_attribute(("type", "rss"))
                        .with_attribute(("text", o.title.as_str()))
                        .with_attribute(("title", o.title.as_str()))
                        .with_attribute(("description", o.description.as_str()))
                        .with_attribute(("xmlUrl", o.xml_url.as_str()));
                    if let Some(h) = &o.html_url {
                        el = el.with_attribute(("htmlUrl", h.as_str()));
                    }
                    el.write_empty()?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(())
}
