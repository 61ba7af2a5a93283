//! The seed listing (defense.gov "Tag: Partnerships"), as text and as HTML.

use tagfeed::config;
use tagfeed::source::Format;

use crate::support::{fixture, read_source, titles};

const TITLES: [&str; 11] = [
    "DOD Uses International Contacts to Help Allies, Partners Combat COVID-19",
    "U.S., Bulgaria Chart 10-Year Road Map for Military Cooperation",
    "Esper Visit Highlights Long U.S. Friendship With Malta",
    "U.S., Morocco Chart Defense Cooperation Through 2030",
    "New Policy Makes U.S. More Competitive Partner",
    "U.S. Works With Allies, Partners to Minimize Civilian Casualties",
    "DSCA Encourages Partners to Look Beyond Gear to Multi-Domain Ops",
    "Military Alliances, Partnerships Strengthened Through Defense Strategy Execution",
    "Unheralded DOD Agency is Key to Building International Partners",
    "NATO Defense Ministers Discuss Alliance's COVID-19 Response",
    "European Command Works With Allies, Partners in Fight Against COVID-19",
];

/// Dates as the page prints them, read as midnight in New York.
const DATES: [&str; 11] = [
    "2020-10-09T00:00:00-04:00",
    "2020-10-06T00:00:00-04:00",
    "2020-10-05T00:00:00-04:00",
    "2020-10-02T00:00:00-04:00",
    "2020-09-30T00:00:00-04:00",
    "2020-09-23T00:00:00-04:00",
    "2020-09-10T00:00:00-04:00",
    "2020-08-05T00:00:00-04:00",
    "2020-08-04T00:00:00-04:00",
    "2020-04-15T00:00:00-04:00",
    "2020-03-27T00:00:00-04:00",
];

fn config() -> config::Config {
    let text = format!(
        "[output]\nbase_url = \"https://f.org/\"\n{}{}",
        crate::support::TEXT_SOURCE.replace("samples/", "listings/"),
        crate::support::HTML_SOURCE.replace("samples/", "listings/")
    );
    let mut c = config::parse(&text).unwrap();
    c.resolve_paths(&fixture(""));
    c
}

#[test]
fn text_seed_yields_its_eleven_entries() {
    let read = read_source(&config(), "partnerships");
    assert_eq!(
        read.format,
        Format::Text,
        "format is guessed from the content"
    );
    assert_eq!(read.listing.heading.as_deref(), Some("Tag: Partnerships"));
    assert!(
        read.normalized.warnings.is_empty(),
        "{:?}",
        read.normalized.warnings
    );
    let entries = &read.normalized.entries;
    assert_eq!(titles(entries), TITLES);
    let dates: Vec<String> = entries
        .iter()
        .map(|e| e.published.unwrap().to_rfc3339())
        .collect();
    assert_eq!(dates, DATES);
    // Text entries have no link of their own; their ids are hashed and distinct.
    assert!(
        entries
            .iter()
            .all(|e| e.link.is_none() && e.id.starts_with("urn:uuid:"))
    );
    let mut ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 11);
    // The first summary in full; the last one, cut off mid-sentence in the listing, kept as is.
    assert_eq!(
        entries[0].summary.as_deref(),
        Some(
            "The Defense Department has provided more than $105 million to 139 countries to aid \
             testing, diagnostic support, infection control, personal protective equipment, \
             contact tracing and more."
        )
    );
    assert!(
        entries[10]
            .summary
            .as_deref()
            .unwrap()
            .ends_with("Eucom officials said. The command also"),
        "{:?}",
        entries[10].summary
    );
    // Apostrophes survive as text (escaped only when rendered).
    assert!(
        entries[2]
            .summary
            .as_deref()
            .unwrap()
            .contains("Esper's trip")
    );
}

#[test]
fn html_seed_yields_the_same_entries_with_links() {
    let c = config();
    let text = read_source(&c, "partnerships").normalized.entries;
    let html = read_source(&c, "partnerships-html").normalized.entries;
    assert_eq!(titles(&html), TITLES);
    for (t, h) in text.iter().zip(&html) {
        assert_eq!(t.published, h.published, "{}", t.title);
        assert_eq!(t.summary, h.summary, "{}", t.title);
        let link = h.link.as_ref().expect("every HTML entry has a link");
        assert!(
            link.as_str()
                .starts_with("https://www.defense.gov/News/News-Stories/Article/Article/")
        );
        assert_eq!(
            h.id,
            link.as_str(),
            "linked entries are identified by their link"
        );
    }
}

#[test]
fn crlf_and_extra_blank_lines_read_the_same() {
    let seed = std::fs::read_to_string(fixture("listings/partnerships.txt")).unwrap();
    let messy = format!("\u{feff}\n\n{}\n\n\n", seed.replace('\n', "\r\n\r\n"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("messy.txt"), messy).unwrap();
    let text = "[output]\nbase_url = \"https://f.org/\"\n[[source]]\nname = \"m\"\npath = \"messy.txt\"\ntimezone = \"America/New_York\"\n";
    let mut c = config::parse(text).unwrap();
    c.resolve_paths(dir.path());
    let read = read_source(&c, "m");
    assert_eq!(titles(&read.normalized.entries), TITLES);
}

#[test]
fn a_bad_date_line_is_reported_and_the_rest_kept() {
    let seed = std::fs::read_to_string(fixture("listings/partnerships.txt")).unwrap();
    let broken = seed.replace("Sept. 30, 2020", "Sept. 31, 2020");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.txt"), broken).unwrap();
    let mut c = config::parse(
        "[output]\nbase_url = \"https://f.org/\"\n[[source]]\nname = \"b\"\npath = \"b.txt\"\n",
    )
    .unwrap();
    c.resolve_paths(dir.path());
    let read = read_source(&c, "b");
    assert_eq!(titles(&read.normalized.entries), TITLES);
    let w: Vec<String> = read
        .normalized
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with(
            "line 27: could not read date \"Sept. 31, 2020\": September 2020 has no day 31"
        ),
        "{w:?}"
    );
    assert_eq!(read.normalized.entries[4].published, None);
}
