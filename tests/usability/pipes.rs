//! Output as scripts, cron and terminals see it: closed pipes, colours, logs, the address
//! `serve` prints, what `check` and `status` say and write.

use std::process::{Output, Stdio};

use serde_json::Value;

use crate::support::{HTML_SOURCE, TEXT_SOURCE, fixture, project, run_in, tagfeed, texts};

/// tagfeed started in `dir` with both outputs piped.
fn spawned(dir: &std::path::Path, args: &[&str]) -> std::process::Child {
    tagfeed()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs tagfeed in `dir` with its stdout's reader already gone, as in `tagfeed … | head -1` once
/// head has exited.
fn with_stdout_closed(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut child = spawned(dir, args);
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
        &[
            "merge",
            feed,
            "-o",
            "-",
            "--self-url",
            "https://me.example/m.xml",
        ],
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
    let first = run_in(dir.path(), &["run", "-v"]);
    let (_, stderr) = texts(&first);
    assert!(
        stderr.contains("file read") && stderr.contains("entries=11"),
        "{stderr}"
    );
    let again = run_in(dir.path(), &["run", "-v"]);
    let (_, stderr) = texts(&again);
    assert!(
        stderr.contains("file unchanged since the last run"),
        "{stderr}"
    );
}

/// Every path `check --json` says a run would write.
fn paths_check_lists(dir: &std::path::Path) -> Vec<String> {
    let out = tagfeed()
        .args(["check", "--json"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", texts(&out).1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = |feeds: &Value| -> Vec<String> {
        let feeds = feeds.as_array().unwrap();
        let files = feeds
            .iter()
            .flat_map(|f| f["files"].as_array().unwrap().clone());
        files
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    let mut paths = files(&v["sources"]);
    paths.extend(files(&v["merges"]));
    paths.push(v["opml"]["path"].as_str().unwrap().to_string());
    let mut names: Vec<String> = paths
        .iter()
        .map(|p| p.rsplit('/').next().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn check_lists_exactly_the_files_a_run_writes() {
    let merge =
        "\n[[merge]]\nname = \"everything\"\nsources = [\"partnerships\", \"partnerships-html\"]\n";
    let config = format!("{TEXT_SOURCE}{HTML_SOURCE}{merge}");
    for formats in [
        "",
        "formats = [\"atom\"]\n",
        "formats = [\"json\", \"rss\"]\n",
    ] {
        let dir = project(&config);
        let toml = dir.path().join("config/tagfeed.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        let text = text.replacen("[output]\n", &format!("[output]\n{formats}"), 1);
        std::fs::write(&toml, text).unwrap();
        let listed = paths_check_lists(dir.path());
        assert!(!dir.path().join("feeds").exists(), "check wrote nothing");
        let run = run_in(dir.path(), &["run"]);
        assert_eq!(run.status.code(), Some(0), "{}", texts(&run).1);
        let mut written: Vec<String> = std::fs::read_dir(dir.path().join("feeds"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        assert_eq!(listed, written, "{formats}");
    }
}

#[test]
fn status_only_reads_and_is_quiet_when_asked() {
    let dir = project(TEXT_SOURCE);
    let out = run_in(dir.path(), &["status"]);
    let (stdout, _) = texts(&out);
    assert!(stdout.contains("partnerships  never run"), "{stdout}");
    let quiet = run_in(dir.path(), &["status", "-q"]);
    assert!(quiet.stdout.is_empty(), "{:?}", texts(&quiet));
    assert_eq!(
        quiet.status.code(),
        out.status.code(),
        "-q changes the words, not the answer"
    );
    // Nothing was created beside the config: no store, no lock, no feed folder.
    let mut made: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    made.sort();
    assert_eq!(made, ["config"]);
    assert_eq!(
        std::fs::read_dir(dir.path().join("config"))
            .unwrap()
            .count(),
        2
    );
}

/// Spawns tagfeed in `dir`, returns the first stdout line (within 20 s) and the child.
fn first_line(dir: &std::path::Path, args: &[&str]) -> (String, std::process::Child) {
    use std::io::BufRead as _;
    let mut child = spawned(dir, args);
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .unwrap_or_default();
    (line, child)
}

#[test]
fn serve_prints_its_address_on_stdout_even_when_quiet() {
    let dir = project(TEXT_SOURCE);
    let (line, mut child) = first_line(
        dir.path(),
        &["serve", "-q", "--no-schedule", "--listen", "localhost:0"],
    );
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let rest = texts(&out);
    let addr = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|l| l.strip_suffix("/\n"))
        .unwrap_or_else(|| panic!("{line:?} {rest:?}"));
    assert!(addr.parse::<u16>().is_ok_and(|p| p > 0), "{line:?}");
    assert!(rest.0.is_empty() && rest.1.is_empty(), "{rest:?}");
    let bad = run_in(dir.path(), &["serve", "--listen", "nonsense"]);
    assert_eq!(bad.status.code(), Some(2), "{:?}", texts(&bad));
    assert!(
        texts(&bad).1.contains("localhost:8080"),
        "{:?}",
        texts(&bad)
    );
}

#[test]
fn the_daemon_logs_one_line_per_refresh_by_default() {
    let dir = project(&format!("{TEXT_SOURCE}\n[schedule]\nevery = 3600\n"));
    let mut child = tagfeed()
        .args(["daemon", "--color", "never"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !dir.path().join("feeds/feeds.opml").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.try_wait();
    let out = child.wait_with_output().unwrap();
    let (_, stderr) = texts(&out);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("refreshed")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    for field in [
        "job=partnerships",
        "entries=11",
        "new=11",
        "files_written=3",
        "next_run=20",
    ] {
        assert!(lines[0].contains(field), "{field}: {stderr}");
    }
    assert!(
        !stderr.contains("file read"),
        "page detail waits for -v: {stderr}"
    );
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = project(TEXT_SOURCE);
    let out = run_in(dir.path(), &["run", "-v", "--log-format", "json"]);
    let (_, stderr) = texts(&out);
    let lines: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let read = lines
        .iter()
        .find(|v| v["fields"]["message"] == "file read")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(read["level"], "INFO");
    assert_eq!(read["fields"]["source"], "partnerships");
    assert_eq!(read["fields"]["entries"], 11);
    assert!(read["timestamp"].is_string());
}

#[test]
fn check_quotes_titles_safely_and_shows_paths_as_people_write_them() {
    let titled = TEXT_SOURCE.replace(
        "timezone = \"America/New_York\"",
        "timezone = \"America/New_York\"\ntitle = 'The \"Best\" News'",
    );
    let dir = project(&titled);
    let out = run_in(dir.path(), &["check"]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains(r#"→ "The \"Best\" News""#), "{stdout}");
    // The config says ../feeds from config/: shown as feeds.
    assert!(stdout.contains("feeds go to feeds ("), "{stdout}");
    assert!(!stdout.contains(".."), "{stdout}");
    assert!(!stdout.contains("((") && !stdout.contains("))"), "{stdout}");
}
