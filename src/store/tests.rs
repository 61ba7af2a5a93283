use super::*;
use crate::fetch::Validators;

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
        s.upsert("src", &[e], at("2026-01-01T00:00:00Z")).unwrap();
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
    s.upsert("src", &page, at("2026-01-01T00:00:00Z")).unwrap();
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
    s.upsert("src", &old, run1).unwrap();
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
    s.upsert("src", &page, run2).unwrap();
    s.upsert("other", &old, run1).unwrap();
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
        fingerprint: Some("abc"),
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
    assert_eq!(
        st.fingerprint.as_deref(),
        Some("abc"),
        "a run that read nothing keeps the fingerprint"
    );
    let read = ReadSummary {
        fingerprint: None,
        ..read
    };
    s.record_success("src", Some(read), at("2026-01-05T00:00:00Z"))
        .unwrap();
    assert_eq!(
        s.state("src").unwrap().fingerprint,
        None,
        "a read without one forgets it"
    );
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
fn item_counts_of_older_stores_are_forgotten_for_the_guard() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    drop(Store::open(&path).unwrap());
    {
        // A schema-5 store whose count is a back-fill's total over many pages.
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO sources (name, last_success, last_item_count) VALUES ('s', '2026-01-01T00:00:00Z', 200)",
            [],
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 5).unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.run_state("s").unwrap().last_item_count, None);
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
    s.add_aliases("m", &[("a".into(), "b".into())]).unwrap();
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

#[test]
fn upserts_keep_ids_first_seen_and_page_order() {
    let mut s = Store::in_memory().unwrap();
    let day = Some("2020-10-09T00:00:00Z");
    let first = [
        entry("b", "B", day, "2026-01-01T00:00:00Z"),
        entry("a", "A", day, "2026-01-01T00:00:00Z"),
    ];
    s.upsert("src", &first, at("2026-01-01T00:00:00Z")).unwrap();
    // A later read that lists them the other way round and edits A.
    let mut a = entry("a", "A (edited)", day, "2026-01-05T00:00:00Z");
    a.updated = Some(at("2026-01-05T00:00:00Z").fixed_offset());
    let later = [a, entry("b", "B", day, "2026-01-05T00:00:00Z")];
    s.upsert("src", &later, at("2026-01-05T00:00:00Z")).unwrap();
    let got = s.entries("src", 10).unwrap();
    let ids: Vec<&str> = got.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["b", "a"], "page order of first sight");
    assert_eq!(got[1].title, "A (edited)");
    assert_eq!(
        got[1].updated,
        Some(at("2026-01-05T00:00:00Z").fixed_offset())
    );
    assert_eq!(
        got[1].first_seen,
        at("2026-01-01T00:00:00Z"),
        "the first-seen date is written once"
    );
    let known = s.get("src", ["a", "nope"]).unwrap();
    assert_eq!(known.len(), 1);
    assert_eq!(known["a"].title, "A (edited)");
    let mut titles = s.known("src").unwrap();
    titles.sort();
    assert_eq!(
        titles,
        [
            ("a".to_string(), "A (edited)".to_string()),
            ("b".into(), "B".into())
        ]
    );
}

#[test]
fn damaged_rows_are_errors_that_name_the_entry() {
    let mut s = Store::in_memory().unwrap();
    let e = entry(
        "x",
        "X",
        Some("2020-10-09T00:00:00Z"),
        "2026-01-01T00:00:00Z",
    );
    s.upsert("src", &[e], at("2026-01-01T00:00:00Z")).unwrap();
    for (column, value, field) in [
        ("published", "not a date", "published date"),
        ("first_seen", "", "first-seen date"),
        ("categories", "[oops", "categories"),
        ("link", "not a url", "link"),
    ] {
        let fresh = entry(
            "x",
            "X",
            Some("2020-10-09T00:00:00Z"),
            "2026-01-01T00:00:00Z",
        );
        s.upsert("src", &[fresh], at("2026-01-01T00:00:00Z"))
            .unwrap();
        s.conn
            .execute(&format!("UPDATE entries SET {column} = ?1"), [value])
            .unwrap();
        let err = s.entries("src", 10).unwrap_err().to_string();
        assert!(
            err.contains(&format!("the {field} of entry x of src is damaged"))
                && err.contains(value),
            "{err}"
        );
        assert!(s.get("src", ["x"]).is_err());
    }
}

#[test]
fn aliases_keep_the_first_id() {
    let mut s = Store::in_memory().unwrap();
    s.add_aliases("m", &[("copy-1".into(), "id-1".into())])
        .unwrap();
    s.add_aliases(
        "m",
        &[
            ("copy-1".into(), "other".into()),
            ("copy-2".into(), "id-1".into()),
        ],
    )
    .unwrap();
    let a = s.aliases("m").unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a["copy-1"], "id-1");
    assert!(s.aliases("n").unwrap().is_empty());
}

#[test]
fn read_only_stores_never_create_or_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/tagfeed.db");
    assert!(matches!(
        Store::open_read_only(&path),
        Err(StoreError::Missing(_))
    ));
    assert!(!path.exists() && !dir.path().join("state").exists());
    // What tagfeed with schema 1 left behind is not migrated by a read-only open.
    let old = dir.path().join("old.db");
    {
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    let err = Store::open_read_only(&old).err().unwrap().to_string();
    assert!(err.contains("next `tagfeed run` migrates it"), "{err}");
    let mut rw = Store::open(&path).unwrap();
    rw.record_success("src", None, at("2026-01-01T00:00:00Z"))
        .unwrap();
    let ro = Store::open_read_only(&path).unwrap();
    assert!(ro.state("src").unwrap().last_success.is_some());
}

#[test]
fn a_check_counts_as_the_last_success_and_touches_nothing_else() {
    let mut s = Store::in_memory().unwrap();
    let read = ReadSummary {
        items: 3,
        fingerprint: Some("fp"),
        ..ReadSummary::default()
    };
    s.record_success("src", Some(read), at("2026-01-01T00:00:00Z"))
        .unwrap();
    s.record_check("src", at("2026-01-02T00:00:00Z")).unwrap();
    let st = s.state("src").unwrap();
    assert_eq!(st.last_success, Some(at("2026-01-02T00:00:00Z")));
    assert_eq!(
        (st.fingerprint.as_deref(), st.last_item_count),
        (Some("fp"), Some(3))
    );
    // A damaged check time is no check, not a failure.
    s.conn
        .execute("UPDATE checks SET at = 'soon' WHERE name = 'src'", [])
        .unwrap();
    assert_eq!(
        s.state("src").unwrap().last_success,
        Some(at("2026-01-01T00:00:00Z"))
    );
    // A later read wins again.
    s.record_success("src", Some(read), at("2026-01-03T00:00:00Z"))
        .unwrap();
    assert_eq!(
        s.run_state("src").unwrap().last_success,
        Some(at("2026-01-03T00:00:00Z"))
    );
}
