//! The rough edges a new user meets (issue 12): pipes, colours, messages and what each command
//! prints. Every test runs the binary as a user would.

use std::process::{Output, Stdio};

use crate::support::{HTML_SOURCE, TEXT_SOURCE, fixture, project, tagfeed, texts};

/// Runs tagfeed in `dir` with its stdout's reader already gone, as in `tagfeed … | head -1` once
/// head has exited.
fn with_stdout_closed(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut child = tagfeed()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let listing = fixture("listings/hfeed-adactio-links.html");
    let listing = listing.to_str().unwrap();
    let feed = fixture("feeds/feed-rs-atom-atom_example_1.xml");
    let feed = feed.to_str().unwrap();
    let commands: [&[&str]; 9] = [
        &["--help"],
        &["check"],
        &["check", "--json"],
        &["run"],
        &["status"],
        &["preview", listing],
        &["preview", listing, "--json"],
        &["suggest", listing],
        &["merge", feed, "-o", "-"],
    ];
    for args in commands {
        let out = with_stdout_closed(dir.path(), args);
        let (_, stderr) = texts(&out);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
    // The run itself was not cut short by its reader going away.
    assert!(dir.path().join("feeds/partnerships.rss.xml").exists());
}

#[test]
fn logs_are_coloured_only_when_asked_or_on_a_terminal() {
    let dir = project(TEXT_SOURCE);
    let logs = |extra: &[&str]| {
        let mut args = vec!["run", "-v"];
        args.extend_from_slice(extra);
        let out = tagfeed()
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        texts(&out).1
    };
    // In a pipe (as here) plain text.
    let plain = logs(&[]);
    assert!(plain.contains("file read"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    assert!(!logs(&["--color", "never"]).contains('\u{1b}'));
    let coloured = logs(&["--color", "always"]);
    assert!(coloured.contains("\u{1b}["), "{coloured:?}");
    // NO_COLOR does not override an explicit --color always, and auto stays plain in a pipe.
    let out = tagfeed()
        .args(["run", "-v"])
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!texts(&out).1.contains('\u{1b}'));
}

#[test]
fn verbose_says_what_happened_to_a_file_source() {
    let dir = project(TEXT_SOURCE);
    let first = tagfeed()
        .args(["run", "-v"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (_, stderr) = texts(&first);
    assert!(
        stderr.contains("file read") && stderr.contains("entries=11"),
        "{stderr}"
    );
    let again = tagfeed()
        .args(["run", "-v"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (_, stderr) = texts(&again);
    assert!(
        stderr.contains("file unchanged since the last run"),
        "{stderr}"
    );
}
