use super::*;
use crate::model::Origin;

fn raw(n: usize, title: &str, link: Option<&str>, date: Option<&str>) -> RawEntry {
    let mut e = RawEntry::new(Origin::Item(n));
    e.title = Some(title.into());
    e.link = link.map(Into::into);
    e.date = date.map(Into::into);
    e
}

fn run(listing: &Listing, page: Option<&str>) -> Normalized {
    let page = page.map(|p| Url::parse(p).unwrap());
    let now: DateTime<Utc> = "2026-11-28T12:00:00Z".parse().unwrap();
    let ctx = Context {
        scope: "s",
        page_url: page.as_ref(),
        rules: DateRules::default(),
        categories: &["Tag".to_string()],
        now,
        seen_at: now.fixed_offset(),
        relative_hint: super::SET_PAGE_URL,
    };
    normalize(listing, &ctx, &mut Ids::default())
}

#[test]
fn links_resolve_against_page_url_and_base_href() {
    let mut l = Listing {
        entries: vec![raw(1, "A", Some("../b/c?utm_source=x#f"), None)],
        ..Listing::default()
    };
    let n = run(&l, Some("https://Example.org/tag/x/"));
    assert_eq!(
        n.entries[0].link.as_ref().unwrap().as_str(),
        "https://example.org/tag/b/c?utm_source=x#f"
    );
    assert_eq!(n.entries[0].id, "https://example.org/tag/b/c");
    l.base_href = Some("/root/".into());
    let n = run(&l, Some("https://example.org/tag/x/"));
    assert_eq!(n.entries[0].id, "https://example.org/b/c");
}

#[test]
fn relative_link_without_base_is_reported() {
    let l = Listing {
        entries: vec![
            raw(1, "A", Some("welcome"), None),
            raw(2, "B", Some("javascript:x()"), None),
        ],
        ..Listing::default()
    };
    let n = run(&l, None);
    assert_eq!(n.entries.len(), 2);
    assert!(n.entries.iter().all(|e| e.link.is_none()));
    assert!(
        n.warnings[0]
            .to_string()
            .contains("item 1: link \"welcome\" is relative"),
        "{:?}",
        n.warnings
    );
    assert!(
        n.warnings[1].to_string().contains("javascript"),
        "{:?}",
        n.warnings
    );
    // Without a link the id is hashed, and stays a valid URN.
    assert!(n.entries[0].id.starts_with("urn:uuid:"));
}

#[test]
fn implausible_and_bad_dates_become_undated_with_a_warning() {
    let l = Listing {
        entries: vec![
            raw(1, "Future", None, Some("2030-01-01")),
            raw(2, "Ancient", None, Some("0001-01-01")),
            raw(3, "Bad", None, Some("Oct. 32, 2020")),
            raw(4, "Good", None, Some("Oct. 9, 2020")),
        ],
        ..Listing::default()
    };
    let n = run(&l, None);
    let dated: Vec<bool> = n.entries.iter().map(|e| e.published.is_some()).collect();
    assert_eq!(dated, [false, false, false, true]);
    let w: Vec<String> = n.warnings.iter().map(ToString::to_string).collect();
    assert!(
        w[0].contains("future") && w[1].contains("1995") && w[2].contains("no day 32"),
        "{w:?}"
    );
    // Undated entries keep page order one second apart, newest first.
    assert!(n.entries[0].date() > n.entries[1].date());
    assert!(n.entries[1].date() > n.entries[2].date());
}

#[test]
fn duplicates_fold_into_one_with_all_categories() {
    let mut a = raw(1, "A", Some("https://e.org/a"), None);
    a.categories = vec!["x".into()];
    // The same article again (a "comments" link to it): same title, same canonical link.
    let mut b = raw(2, " a ", Some("https://e.org/a#comments"), None);
    b.categories = vec!["X".into(), "y".into()];
    let l = Listing {
        entries: vec![a, b],
        ..Listing::default()
    };
    let n = run(&l, None);
    assert_eq!(n.entries.len(), 1);
    assert_eq!(n.duplicates, 1);
    assert_eq!(n.entries[0].title, "A");
    assert_eq!(n.entries[0].categories, ["x", "Tag", "y"]);
}

#[test]
fn an_entry_with_a_link_is_never_dropped_for_lack_of_a_title() {
    let mut e = raw(1, "  ", Some("https://e.org/notes/42/"), None);
    e.title = Some(" \n ".into());
    let mut empty = raw(2, "", None, None);
    empty.title = None;
    let n = run(
        &Listing {
            entries: vec![e, empty],
            ..Listing::default()
        },
        None,
    );
    assert_eq!(n.entries.len(), 1);
    assert_eq!(n.entries[0].title, "e.org/notes/42");
    assert_eq!(
        n.warnings[0].to_string(),
        "item 2: no title, text or link found; entry skipped"
    );
}

#[test]
fn newest_first_keeps_listing_order_on_ties() {
    let l = Listing {
        entries: vec![
            raw(1, "Old", None, Some("2020-01-01")),
            raw(2, "Same day 1", None, Some("2020-02-01")),
            raw(3, "Same day 2", None, Some("2020-02-01")),
        ],
        ..Listing::default()
    };
    let entries = newest_first(run(&l, None).entries, 2);
    let titles: Vec<&str> = entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Same day 1", "Same day 2"]);
}

#[test]
fn an_entry_without_a_title_borrows_its_first_sentence() {
    let note = |html: &str| {
        let mut e = raw(1, "", None, None);
        e.title = None;
        e.summary = Some(RawSummary::Html(html.into()));
        e
    };
    let long = "<p>A note without a title and without a full stop for a long while, long enough to be cut somewhere sensible for readers</p>";
    let n = run(
        &Listing {
            entries: vec![
                note("<p>Short note. With a second sentence that is not needed.</p>"),
                note(long),
                note("<p>Line one</p><p>line two.</p>"),
            ],
            ..Listing::default()
        },
        None,
    );
    let titles: Vec<&str> = n.entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Short note.",
            "A note without a title and without a full stop for a long while, long enough to be cut somewhere…",
            "Line one line two.",
        ]
    );
    assert!(titles[1].chars().count() <= 100);
}

#[test]
fn titles_over_300_characters_are_cut_at_a_word() {
    let long = "word ".repeat(100);
    let n = run(
        &Listing {
            entries: vec![raw(1, &long, None, None)],
            ..Listing::default()
        },
        None,
    );
    let title = &n.entries[0].title;
    assert!(
        title.chars().count() <= 300 && title.ends_with("word…"),
        "{title}"
    );
}

#[test]
fn feed_ids_and_relative_links_against_the_self_link() {
    // An external feed read from a file: its own guid, and a link only its self link resolves.
    let mut a = raw(
        1,
        "One",
        Some("/posts/1"),
        Some("2020-10-09T14:30:00+00:00"),
    );
    a.id = Some("tag:blog.example,2020:1".into());
    let mut b = raw(2, "Two", None, None);
    b.id = Some("12345".into());
    let l = Listing {
        canonical: Some("https://blog.example/feed.xml".into()),
        entries: vec![a, b],
        ..Listing::default()
    };
    let n = run(&l, None);
    assert_eq!(n.entries[0].id, "tag:blog.example,2020:1");
    assert_eq!(
        n.entries[0].link.as_ref().unwrap().as_str(),
        "https://blog.example/posts/1"
    );
    assert!(
        n.entries[1].id.starts_with("urn:uuid:"),
        "a bare guid is scoped to its feed"
    );
}

#[test]
fn rows_sharing_a_link_are_split_and_named_once() {
    let l = Listing {
        entries: vec![
            raw(1, "Widget 1 fix", Some("https://v.example/adv"), None),
            raw(2, "Widget 2 fix", Some("https://v.example/adv"), None),
            raw(3, "Widget 1 fix", Some("https://v.example/adv"), None),
        ],
        ..Listing::default()
    };
    let n = run(&l, None);
    let ids: Vec<&str> = n.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_eq!(ids[0], "https://v.example/adv");
    assert!(ids[1].starts_with("urn:uuid:"));
    assert_eq!(n.duplicates, 1);
    assert_eq!(
        n.warnings[0].to_string(),
        "items 1, 2 and 3 link to https://v.example/adv under different titles; each is kept as \
         its own entry"
    );
    assert_eq!(
        origins_text(&[Origin::Line(3), Origin::Item(5)]),
        "line 3 and item 5"
    );
}

#[test]
fn relative_dates_are_read_once() {
    let l = Listing {
        entries: vec![
            raw(1, "Linked", Some("https://e.org/a"), Some("3 hours ago")),
            raw(2, "Linkless", None, Some("vor 2 Tagen")),
        ],
        ..Listing::default()
    };
    let first = run(&l, None);
    assert_eq!(
        first.entries[0].published.unwrap().to_rfc3339(),
        "2026-11-28T09:00:00+00:00"
    );
    // The linkless entry's id does not depend on when "vor 2 Tagen" was read.
    let linkless = first.entries[1].id.clone();
    assert_eq!(linkless, id::hashed("s", "Linkless", None));
    // Read again once stored: no date from the page, so the stored one stays.
    let now: DateTime<Utc> = "2026-11-29T12:00:00Z".parse().unwrap();
    let ctx = Context {
        scope: "s",
        page_url: None,
        rules: DateRules::default(),
        categories: &[],
        now,
        seen_at: now.fixed_offset(),
        relative_hint: super::SET_PAGE_URL,
    };
    let stored = [
        ("https://e.org/a".to_string(), "Linked".to_string()),
        (linkless.clone(), "Linkless".to_string()),
    ];
    let again = normalize(&l, &ctx, &mut Ids::new(stored));
    assert_eq!(again.entries[0].published, None);
    assert_eq!(again.entries[1].published, None);
    assert_eq!(again.entries[1].id, linkless);
}
