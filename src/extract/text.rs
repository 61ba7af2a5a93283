//! Plain-text listings, as a browser's "save as text" or a copy-paste gives them:
//!
//! ```text
//! Tag: Partnerships          <- optional heading
//!
//! Oct. 9, 2020               <- date line: starts an entry
//!
//! DOD Uses International …   <- the next block is the title
//!
//! The Defense Department …   <- every further block until the next date line is summary
//! ```
//!
//! Blocks are separated by blank lines; a block's lines are joined with spaces. A date line that
//! looks like a date but does not parse ("Oct. 32, 2020", "2020-W53-7", "99999999999999") still
//! starts an entry (the date is reported with its line at normalization), so one bad date never
//! glues two articles together. Relative dates ("yesterday") are date lines.

use super::{Listing, RawEntry, RawSummary};
use crate::date::{self, DateRules};
use crate::model::{Origin, Warning};

struct Block {
    line: usize,
    text: String,
}

/// Splits the listing into blank-line separated blocks, and splits a date line off the front of
/// its block so that "date\ntitle" without a blank line between reads like the spaced layout.
fn blocks(content: &str, rules: &DateRules) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut open = false;
    let content = content.trim_start_matches('\u{feff}');
    for (i, raw) in content.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            open = false;
            continue;
        }
        let after_date = out
            .last()
            .is_some_and(|b| b.line == i && date::looks_like_date(&b.text, rules));
        match out.last_mut() {
            Some(b) if open && !after_date => {
                b.text.push(' ');
                b.text.push_str(line);
            }
            _ => out.push(Block {
                line: i + 1,
                text: line.to_string(),
            }),
        }
        open = true;
    }
    out
}

/// Extracts entries from a text listing.
pub fn extract(content: &str, rules: &DateRules) -> Listing {
    let blocks = blocks(content, rules);
    let mut listing = Listing::default();
    let mut current: Option<(RawEntry, Vec<String>)> = None;
    let finish = |cur: Option<(RawEntry, Vec<String>)>, listing: &mut Listing| {
        if let Some((mut e, summary)) = cur {
            if !summary.is_empty() {
                e.summary = Some(RawSummary::Text(summary));
            }
            listing.entries.push(e);
        }
    };
    for (i, block) in blocks.iter().enumerate() {
        if date::looks_like_date(&block.text, rules) {
            finish(current.take(), &mut listing);
            let mut e = RawEntry::new(Origin::Line(block.line));
            e.date = Some(block.text.clone());
            current = Some((e, Vec::new()));
        } else if let Some((e, summary)) = current.as_mut() {
            if e.title.is_none() && summary.is_empty() {
                e.title = Some(block.text.clone());
            } else {
                summary.push(block.text.clone());
            }
        } else if i == 0 {
            listing.heading = Some(block.text.clone());
        } else {
            listing.warnings.push(Warning::at(
                Origin::Line(block.line),
                "text before the first date line is not part of any entry; ignored",
            ));
        }
    }
    finish(current, &mut listing);
    listing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(l: &Listing) -> Vec<&str> {
        l.entries
            .iter()
            .map(|e| e.title.as_deref().unwrap_or("-"))
            .collect()
    }

    #[test]
    fn crlf_blank_lines_and_missing_summary() {
        let text = "Tag: X\r\n\r\n\r\nOct. 9, 2020\r\n\r\nFirst\r\n\r\nSum one\r\nwraps\r\n\r\n\
                    Oct. 8, 2020\r\n\r\nSecond\r\n\r\n\r\nOct. 7, 2020\r\nThird\r\n";
        let l = extract(text, &DateRules::default());
        assert_eq!(l.heading.as_deref(), Some("Tag: X"));
        // A date line directly followed by its title, without a blank line, works too.
        assert_eq!(titles(&l), ["First", "Second", "Third"]);
        assert_eq!(
            l.entries[0].summary,
            Some(RawSummary::Text(vec!["Sum one wraps".into()]))
        );
        assert_eq!(l.entries[1].summary, None);
        assert_eq!(l.entries[2].date.as_deref(), Some("Oct. 7, 2020"));
    }

    #[test]
    fn bad_date_line_still_starts_an_entry() {
        let text = "Oct. 9, 2020\n\nA\n\nsum\n\nOct. 32, 2020\n\nB\n\nsum b\n\nSept. 1, 2020\n\nC";
        let l = extract(text, &DateRules::default());
        assert_eq!(titles(&l), ["A", "B", "C"]);
        assert_eq!(l.entries[1].date.as_deref(), Some("Oct. 32, 2020"));
        assert_eq!(l.entries[1].origin, Origin::Line(7));
    }

    #[test]
    fn stray_text_is_reported() {
        let l = extract(
            "Heading\n\nStray\n\nOct. 9, 2020\n\nA",
            &DateRules::default(),
        );
        assert_eq!(titles(&l), ["A"]);
        assert_eq!(l.warnings.len(), 1);
        assert_eq!(l.warnings[0].origin, Some(Origin::Line(3)));
    }
}
