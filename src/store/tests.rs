use super::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn entry(id: &str, title: &str, published: Option<&str>, seen: &str) -> Entry {
    Entry {
        id: id.into(),
        title: title.into(),
        link: None,
        published: published.map(|p| DateTime::parse_from_rfc3339(p).unwrap()),
        first_seen: at(seen).fixed_offset(),
        updated: None,
        summary: Some(format!("about {title}")),
        categories: vec!["T".into()],
        via: None,
    }
}

#[test]
fn entries_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/tagfeed.db");
    {
        let mut s = Store::open(&path).unwrap();
        let e = entry(
            "a",
            "A",
            Some("2020-10-09T00:00:00-04:00"),
            "2026-01-01T00:00:00Z",
        );
        s.merge("src", &[e], at("2026-01-01T00:00:00Z")).unwrap();
    }
    let s = Store::open(&path).unwrap();
    let got = s.entries("src", 10).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].published.unwrap().to_rfc3339(),
        "2020-10-09T00:00:00-04:00"
    );
    assert_eq!(got[0].categories, ["T"]);
    assert_eq!(s.entries("other", 10).unwrap(), []);
}

#[test]
fn undated_entries_keep_their_first_seen_date() {
    let mut s = Store::in_memory().unwrap();
    let first = entry("u", "Undated", None, "2026-01-01T10:00:00Z");
    s.merge("src", &[first], at("2026-01-01T10:00:00Z"))
        .unwrap();
    // Seen again a week later: the new read dates it "now", the store keeps the first date.
    let again = entry("u", "Undated", None, "2026-01-08T10:00:00Z");
    let stats = s
        .merge("src", &[again], at("2026-01-08T10:00:00Z"))
        .unwrap();
    assert_eq!(
        stats,
        MergeStats {
            new: 0,
            changed: 0,
            unchanged: 1
        }
    );
    let got = &s.entries("src", 10).unwrap()[0];
    assert_eq!(got.date(), at("2026-01-01T10:00:00Z"));
    assert_eq!(got.updated, None);
}

#[test]
fn an_edited_entry_keeps_its_id_and_moves_updated() {
    let mut s = Store::in_memory().unwrap();
    let e = entry(
        "x",
        "Old title",
        Some("2020-10-09T00:00:00Z"),
        "2026-01-01T00:00:00Z",
    );
    s.merge("src", std::slice::from_ref(&e), at("2026-01-01T00:00:00Z"))
        .unwrap();
    let mut edited = e.clone();
    edited.title = "New title".into();
    edited.categories = vec!["U".into()];
    let stats = s
        .merge("src", &[edited], at("2026-01-02T00:00:00Z"))
        .unwrap();
    assert_eq!(stats.changed, 1);
    let got = s.entries("src", 10).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].id.as_str(), got[0].title.as_str()),
        ("x", "New title")
    );
    assert_eq!(got[0].updated.unwrap(), at("2026-01-02T00:00:00Z"));
    assert_eq!(got[0].categories, ["T", "U"], "categories accumulate");
    assert_eq!(got[0].first_seen, at("2026-01-01T00:00:00Z"));
}

#[test]
fn order_is_newest_first_then_page_order() {
    let mut s = Store::in_memory().unwrap();
    let day = Some("2020-10-09T00:00:00Z");
    let page = [
        entry("b1", "B1", day, "2026-01-01T00:00:00Z"),
        entry("b2", "B2", day, "2026-01-01T00:00:00Z"),
        entry(
            "a",
            "A",
            Some("2020-10-01T00:00:00Z"),
            "2026-01-01T00:00:00Z",
        ),
        entry(
            "c",
            "C",
            Some("2020-11-01T00:00:00Z"),
            "2026-01-01T00:00:00Z",
        ),
    ];
    s.merge("src", &page, at("2026-01-01T00:00:00Z")).unwrap();
    let ids: Vec<String> = s
        .entries("src", 3)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, ["c", "b1", "b2"]);
}

#[test]
fn retention_prunes_exactly_what_it_should() {
    let mut s = Store::in_memory().unwrap();
    let run1 = at("2026-01-01T00:00:00Z");
    let old: Vec<Entry> = (1..=5)
        .map(|d| {
            entry(
                &format!("old{d}"),
                "Old",
                Some(&format!("2025-06-0{d}T00:00:00Z")),
                "2026-01-01T00:00:00Z",
            )
        })
        .collect();
    s.merge("src", &old, run1).unwrap();
    // Next run: the page now shows one old entry (old1) and two recent ones.
    let run2 = at("2026-01-10T00:00:00Z");
    let page = vec![
        entry(
            "new1",
            "New",
            Some("2026-01-09T00:00:00Z"),
            "2026-01-10T00:00:00Z",
        ),
        entry(
            "new2",
            "New",
            Some("2026-01-08T00:00:00Z"),
            "2026-01-10T00:00:00Z",
        ),
        entry(
            "old1",
            "Old",
            Some("2025-06-01T00:00:00Z"),
            "2026-01-10T00:00:00Z",
        ),
    ];
    s.merge("src", &page, run2).unwrap();
    s.merge("other", &old, run1).unwrap();
    // keep_days = 30: the four old entries off the page go; old1 stays because it is on the page.
    let removed = s
        .prune(
            "src",
            Retention {
                keep_days: Some(30),
                keep_items: None,
            },
            run2,
            run2,
        )
        .unwrap();
    assert_eq!(removed, 4);
    let ids: Vec<String> = s
        .entries("src", 10)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, ["new1", "new2", "old1"]);
    // keep_items = 2 on the other source: the newest two stay.
    let removed = s
        .prune(
            "other",
            Retention {
                keep_days: None,
                keep_items: Some(2),
            },
            run2,
            run2,
        )
        .unwrap();
    assert_eq!(removed, 3);
    let ids: Vec<String> = s
        .entries("other", 10)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, ["old5", "old4"]);
    // No policy: nothing goes.
    assert_eq!(s.prune("src", Retention::default(), run2, run2).unwrap(), 0);
}

#[test]
fn validators_and_state() {
    let mut s = Store::in_memory().unwrap();
    let v = Validators {
        etag: Some("\"abc\"".into()),
        last_modified: None,
    };
    s.set_validators("https://e.org/", &v).unwrap();
    assert_eq!(s.validators("https://e.org/").unwrap(), v);
    s.set_validators("https://e.org/", &Validators::default())
        .unwrap();
    assert!(s.validators("https://e.org/").unwrap().is_empty());

    assert_eq!(s.state("src").unwrap().consecutive_failures, 0);
    s.record_failure("src", "boom", at("2026-01-01T00:00:00Z"))
        .unwrap();
    s.record_failure("src", "boom again", at("2026-01-02T00:00:00Z"))
        .unwrap();
    let st = s.state("src").unwrap();
    assert_eq!(st.consecutive_failures, 2);
    assert_eq!(st.failing_since, Some(at("2026-01-01T00:00:00Z")));
    assert_eq!(st.last_error.as_deref(), Some("boom again"));
    let read = ReadSummary {
        items: 7,
        backfilled: true,
        heading: Some("Tag: X"),
        home: Some("https://e.org/tag/x/"),
    };
    s.record_success("src", Some(read), at("2026-01-03T00:00:00Z"))
        .unwrap();
    let st = s.state("src").unwrap();
    assert_eq!(
        (
            st.consecutive_failures,
            st.failing_since,
            st.last_item_count
        ),
        (0, None, Some(7))
    );
    assert!(st.backfilled);
    s.record_success("src", None, at("2026-01-04T00:00:00Z"))
        .unwrap();
    let st = s.state("src").unwrap();
    assert!(st.backfilled, "back-fill is remembered");
    assert_eq!(
        st.heading.as_deref(),
        Some("Tag: X"),
        "and so is the heading"
    );
    assert_eq!(st.last_item_count, Some(7));
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let err = Store::open(&path).err().unwrap().to_string();
    assert!(err.contains("newer tagfeed"), "{err}");
}

#[test]
fn a_version_1_store_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // What tagfeed with schema 1 left behind.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO sources (name, last_success) VALUES ('src', '2026-01-01T00:00:00Z')",
            [],
        )
        .unwrap();
    }
    let mut s = Store::open(&path).unwrap();
    let version: i64 = s
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(
        s.state("src").unwrap().last_success,
        Some(at("2026-01-01T00:00:00Z"))
    );
    s.record_published("src", 12, at("2026-01-02T00:00:00Z"))
        .unwrap();
    let st = s.state("src").unwrap();
    assert_eq!(
        (st.feed_entries, st.feed_updated),
        (Some(12), Some(at("2026-01-02T00:00:00Z")))
    );
}

#[test]
fn concurrent_opens_migrate_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.db");
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let p = path.clone();
            std::thread::spawn(move || Store::open(&p).map(|_| ()).map_err(|e| e.to_string()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
}
