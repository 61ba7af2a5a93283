//! Bytes → text, honouring the page's declared encoding.
//!
//! The order follows the HTML standard's encoding sniffing: a byte-order mark wins, then the
//! transport's `charset` (HTTP `Content-Type`, when fetched), then a `<meta charset>` or
//! `<meta http-equiv="Content-Type">` in the first 4 KiB (or an XML declaration), then UTF-8.
//! Bytes that are not valid UTF-8 and declare nothing are read as windows-1252, as browsers do.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// Decoded text and the encoding it was read with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The decoded text.
    pub text: String,
    /// The encoding's name (WHATWG label).
    pub encoding: &'static str,
    /// Bytes that did not fit the encoding and became U+FFFD.
    pub had_errors: bool,
}

/// Decodes `bytes`; `transport` is the HTTP `charset` parameter when known.
pub fn decode(bytes: &[u8], transport: Option<&str>) -> Decoded {
    let declared = Encoding::for_bom(bytes)
        .map(|(e, _)| e)
        .or_else(|| transport.and_then(|l| Encoding::for_label(l.trim().as_bytes())))
        .or_else(|| {
            // A page cannot be UTF-16 if its meta was readable as ASCII; the standard says UTF-8.
            // (A UTF-16 label from the transport or a BOM is believed.)
            prescan(bytes).map(|e| match e {
                e if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => UTF_8,
                e => e,
            })
        });
    let encoding = match declared {
        Some(e) => e,
        None if std::str::from_utf8(bytes).is_ok() => UTF_8,
        None => WINDOWS_1252,
    };
    let (text, used, had_errors) = encoding.decode(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: used.name(),
        had_errors,
    }
}

/// Finds a charset declared in a `<meta>` tag or XML declaration near the start of the page.
fn prescan(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let at = from + pos;
        from = at + 7;
        // Only inside a <meta ...> tag or an <?xml ...?> declaration.
        let tag_start = lower[..at].iter().rposition(|&b| b == b'<')?;
        let tag_closed = lower[tag_start..at].contains(&b'>');
        let is_decl =
            lower[tag_start..].starts_with(b"<meta") || lower[tag_start..].starts_with(b"<?xml");
        if tag_closed || !is_decl {
            continue;
        }
        let rest = &lower[from..];
        let rest = rest.strip_prefix(b"=").or_else(|| {
            let t = rest.iter().position(|&b| !b.is_ascii_whitespace())?;
            rest[t..].strip_prefix(b"=")
        })?;
        let value: Vec<u8> = rest
            .iter()
            .copied()
            .skip_while(|&b| b.is_ascii_whitespace() || b == b'"' || b == b'\'')
            .take_while(|&b| {
                !matches!(b, b'"' | b'\'' | b';' | b'>' | b'/' | b'?') && !b.is_ascii_whitespace()
            })
            .collect();
        if let Some(e) = Encoding::for_label(&value) {
            return Some(e);
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_charset_is_honoured() {
        let (bytes, _, _) =
            encoding_rs::WINDOWS_1251.encode("<meta charset=\"windows-1251\"><p>Привет</p>");
        let d = decode(&bytes, None);
        assert_eq!(d.encoding, "windows-1251");
        assert!(d.text.contains("Привет"));
    }

    #[test]
    fn http_equiv_and_transport_and_bom() {
        let page =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">caf\xe9";
        assert!(decode(page, None).text.ends_with("café"));
        // The transport header wins over the meta tag.
        assert_eq!(decode(page, Some("utf-8")).encoding, "UTF-8");
        let bom = b"\xef\xbb\xbf<meta charset=windows-1252>\xc3\xa9";
        let d = decode(bom, None);
        assert_eq!(
            (d.encoding, d.text.as_str()),
            ("UTF-8", "<meta charset=windows-1252>é")
        );
    }

    #[test]
    fn utf16_from_the_transport_without_a_bom_is_believed_from_a_meta_it_is_not() {
        let page = "<html><body><ul><li>Статья</li></ul></body></html>";
        let le: Vec<u8> = page.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let d = decode(&le, Some("utf-16le"));
        assert_eq!((d.encoding, d.text.as_str()), ("UTF-16LE", page));
        let be: Vec<u8> = page.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&be, Some("UTF-16BE")).text, page);
        // A meta that says UTF-16 was itself read as ASCII: the page is UTF-8.
        let meta = "<meta charset=\"utf-16\"><p>é</p>";
        assert_eq!(decode(meta.as_bytes(), None).encoding, "UTF-8");
    }

    #[test]
    fn undeclared_bytes_fall_back_sensibly() {
        assert_eq!(decode("plain é".as_bytes(), None).encoding, "UTF-8");
        let d = decode(b"caf\xe9", None);
        assert_eq!((d.encoding, d.text.as_str()), ("windows-1252", "café"));
        // "charset" in body text is not a declaration.
        assert_eq!(decode(b"<p>charset=koi8-r</p>", None).encoding, "UTF-8");
    }
}
