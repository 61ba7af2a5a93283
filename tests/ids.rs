//! Entry identity across rows and runs: rows that share a link, and ids that never move.

use serde_json::Value;

use crate::support::{run_in, texts};

/// A vendor's security-release table: two different releases point at one advisory, and one
/// release is listed twice.
fn releases(rows: &[(&str, &str)]) -> String {
    let trs: String = rows
        .iter()
        .map(|(title, doc)| {
            format!(
                "<tr><td><a href=\"/security/{doc}.html\">{title}</a></td><td>2024-03-01</td></tr>\n"
            )
        })
        .collect();
    format!(
        "<html><head><title>Security releases</title></head><body><h1>Security releases</h1>\
         <table><thead><tr><th>Release</th><th>Date</th></tr></thead><tbody>\n{trs}</tbody></table></body></html>"
    )
}

fn project(page: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("releases.html"), page).unwrap();
    std::fs::write(
        dir.path().join("tagfeed.toml"),
        "[output]\ndir = \"feeds\"\nbase_url = \"https://feeds.example.org/\"\n\
         [[source]]\nname = \"sec\"\npath = \"releases.html\"\npage_url = \"https://vendor.example/security/\"\n\
         [source.select]\nitem = \"tbody tr\"\ntitle = \"td a\"\ndate = \"td:nth-child(2)\"\n",
    )
    .unwrap();
    dir
}

fn items(dir: &std::path::Path) -> Vec<(String, String)> {
    let v: Value =
        serde_json::from_slice(&std::fs::read(dir.join("feeds/sec.json")).unwrap()).unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap().to_string(),
                i["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn rows_sharing_a_link_under_different_titles_are_separate_entries() {
    let rows = [
        ("Widget 1.2.9 security update", "advisory-17"),
        ("Widget 2.0.4 security update", "advisory-17"),
        ("Gadget 5.1 security update", "advisory-16"),
        ("Gadget 5.1 security update", "advisory-16"),
    ];
    let dir = project(&releases(&rows));
    let out = run_in(dir.path(), &["run", "-c", "tagfeed.toml"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let first = items(dir.path());
    let titles: Vec<&str> = first.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Widget 1.2.9 security update",
            "Widget 2.0.4 security update",
            "Gadget 5.1 security update"
        ],
        "identical rows are one entry, different titles are two: {stdout}"
    );
    let advisory = "https://vendor.example/security/advisory-17.html";
    assert_eq!(
        first[0].1, advisory,
        "the first row keeps the link as its id"
    );
    assert!(first[1].1.starts_with("urn:uuid:"), "{first:?}");
    // One warning names both rows.
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains("items 1 and 2") && warnings[0].contains(advisory),
        "{stderr}"
    );

    // The rows move: every entry keeps its id, nothing is new, and the warning is not repeated.
    let moved = [rows[1], rows[2], rows[0]];
    std::fs::write(dir.path().join("releases.html"), releases(&moved)).unwrap();
    let out = run_in(dir.path(), &["run", "-c", "tagfeed.toml"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("3 found, 0 new"), "{stdout}");
    assert!(!stderr.contains("warning:"), "{stderr}");
    let mut again = items(dir.path());
    let mut before = first.clone();
    again.sort();
    before.sort();
    assert_eq!(again, before);
}
