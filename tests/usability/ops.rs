//! Install and operations: `init`, `forget`, completions, the man page, the JSON Schema, the
//! README's config reference.

use serde_json::Value;

use crate::support::{HTML_SOURCE, TEXT_SOURCE, project, tagfeed, texts};

use super::TAG_PAGE;

#[test]
fn init_writes_a_starter_config_that_passes_check_and_never_overwrites() {
    use crate::server::{Resp, Server};
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = tagfeed()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (stdout, stderr) = texts(&out);
        (out.status.code(), stdout, stderr)
    };
    let (code, stdout, stderr) = run(&["init"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("wrote config/tagfeed.toml"), "{stdout}");
    let (code, _, stderr) = run(&["check"]);
    assert_eq!(code, Some(0), "{stderr}");
    // Valid, but the placeholder address is worth a word.
    assert!(
        stderr.contains("warning: base_url https://feeds.example.org/ is an example address"),
        "{stderr}"
    );
    let before = std::fs::read(dir.path().join("config/tagfeed.toml")).unwrap();
    let (code, _, stderr) = run(&["init"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("never overwrites"), "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("config/tagfeed.toml")).unwrap(),
        before
    );
    // With a URL: the source is the one `suggest` detects, and a run builds its feed.
    let server = Server::start(|req| match req.target.as_str() {
        "/robots.txt" => Resp::status(404),
        _ => Resp::html(TAG_PAGE),
    });
    let url = server.url("/tag/x/");
    let (code, _, stderr) = run(&["init", "-c", "site.toml", url.as_str()]);
    assert_eq!(code, Some(0), "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("site.toml")).unwrap();
    assert!(text.contains(&format!("url = \"{url}\"")), "{text}");
    let (code, stdout, stderr) = run(&["run", "-c", "site.toml"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("3 entries"), "{stdout}");
}

#[test]
fn a_source_removed_from_the_config_is_kept_until_forgotten() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    let run = |args: &[&str]| {
        let out = tagfeed()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (stdout, stderr) = texts(&out);
        (out.status.code(), stdout, stderr)
    };
    assert_eq!(run(&["run"]).0, Some(0));
    let toml = dir.path().join("config/tagfeed.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, text.replace(HTML_SOURCE, "")).unwrap();
    let (code, _, stderr) = run(&["run"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning: partnerships-html is no longer in the config; 11 stored entries and its files \
             feeds/partnerships-html.rss.xml, feeds/partnerships-html.atom.xml, feeds/partnerships-html.json \
             are kept. `tagfeed forget partnerships-html` removes them"
        ),
        "{stderr}"
    );
    assert!(
        dir.path().join("feeds/partnerships-html.rss.xml").exists(),
        "a run never removes"
    );
    let (_, json, _) = run(&["run", "--json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["orphans"][0]["name"], "partnerships-html");
    assert_eq!(v["orphans"][0]["entries"], 11);
    // forget refuses what the config still has, and names what it does not know.
    assert_eq!(run(&["forget", "partnerships"]).0, Some(2));
    assert_eq!(run(&["forget", "never-was"]).0, Some(1));
    let (code, _, stderr) = run(&["forget", "partnership-html"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("did you mean partnerships-html?"),
        "{stderr}"
    );
    let (code, stdout, stderr) = run(&["forget", "partnerships-html"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with(
            "partnerships-html: forgot 11 stored entries, removed feeds/partnerships-html.rss.xml"
        ),
        "{stdout}"
    );
    assert!(!dir.path().join("feeds/partnerships-html.rss.xml").exists());
    assert!(
        dir.path().join("feeds/partnerships.rss.xml").exists(),
        "the others stay"
    );
    let (_, _, stderr) = run(&["run"]);
    assert!(!stderr.contains("no longer in the config"), "{stderr}");
}

#[test]
fn the_readme_config_reference_is_a_valid_config() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## Config reference").expect("the section")..];
    let block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a toml block");
    let config = tagfeed::config::parse(block).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.sources.len(), 2);
    assert_eq!(config.merges.len(), 1);
    // Every table it shows is the one a run reads.
    assert!(config.sources[0].select.is_some() || config.sources[0].preset.is_some());
}

#[test]
fn completions_and_the_man_page_cover_every_command() {
    let commands = [
        "run",
        "check",
        "preview",
        "suggest",
        "status",
        "merge",
        "daemon",
        "serve",
        "init",
        "forget",
        "completions",
        "man",
    ];
    let out = tagfeed().arg("man").output().unwrap();
    let man = texts(&out).0;
    assert!(man.contains(".TH tagfeed 1"), "{man}");
    for c in commands {
        assert!(
            man.contains(&format!("tagfeed\\-{c}(1)")),
            "{c} missing from the man page"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let out = tagfeed().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let script = texts(&out).0;
        for c in commands {
            assert!(script.contains(c), "{shell}: {c}");
        }
        assert!(script.contains("config"), "{shell}");
    }
    // The bash script is valid bash.
    let out = tagfeed().args(["completions", "bash"]).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tagfeed.bash");
    std::fs::write(&path, &out.stdout).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output();
    match check {
        Ok(check) => assert!(check.status.success(), "{:?}", texts(&check)),
        Err(e) => eprintln!("bash not found ({e}); the completion script was not syntax-checked"),
    }
}

/// The keys the config parser takes in one table: what its error for an unknown key lists.
fn keys_the_parser_takes(config: &str) -> Vec<String> {
    let e = tagfeed::config::parse(config).unwrap_err().to_string();
    let list = e
        .split("this table takes: ")
        .nth(1)
        .and_then(|l| l.split("; README.md").next())
        .unwrap_or_else(|| panic!("{e}"));
    let mut keys: Vec<String> = list.split(", ").map(str::to_string).collect();
    keys.sort();
    keys
}

#[test]
fn the_json_schema_has_exactly_the_keys_the_parser_takes() {
    let out = tagfeed().arg("schema").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema, tagfeed::config::schema());
    assert!(
        !out.stdout.windows(6).any(|w| w == b"\"null\""),
        "TOML has no null"
    );
    let table = |def: &str| -> (Vec<String>, Value) {
        let t = &schema["$defs"][def];
        assert_eq!(t["additionalProperties"], false, "{def}");
        let mut keys: Vec<String> = t["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        (keys, t.clone())
    };
    let base = "[output]\nbase_url = \"https://f.example/\"\n";
    let source = "[[source]]\nname = \"a\"\npath = \"a.txt\"\n";
    let bogus = "zzzzzzzzzzzz = 1\n";
    let cases = [
        ("RawOutput", format!("{base}{bogus}{source}")),
        ("RawFetch", format!("{base}[fetch]\n{bogus}{source}")),
        ("RawStore", format!("{base}[store]\n{bogus}{source}")),
        ("RawSchedule", format!("{base}[schedule]\n{bogus}{source}")),
        ("RawSource", format!("{base}{source}{bogus}")),
        (
            "RawSelect",
            format!("{base}{source}[source.select]\n{bogus}"),
        ),
        ("RawMerge", format!("{base}{source}[[merge]]\n{bogus}")),
    ];
    for (def, config) in cases {
        let (keys, t) = table(def);
        assert_eq!(keys, keys_the_parser_takes(&config), "{def}");
        for (key, prop) in t["properties"].as_object().unwrap() {
            assert!(
                prop["description"].is_string(),
                "{def}.{key} has no description"
            );
        }
    }
    let mut top: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    top.sort();
    assert_eq!(
        top,
        ["fetch", "merge", "output", "schedule", "source", "store"]
    );
    // Durations take both spellings.
    let any = schema["$defs"]["Duration"]["anyOf"].as_array().unwrap();
    assert_eq!(any[0]["type"], "number");
    assert_eq!(any[1]["type"], "string");
}

#[test]
fn the_systemd_unit_runs_serve_as_written_and_reloads_on_sighup() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/tagfeed.service"
    ))
    .unwrap();
    let key = |k: &str| -> String {
        unit.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k}= in the unit"))
            .to_string()
    };
    assert_eq!(key("User"), "tagfeed");
    assert_eq!(key("ReadWritePaths"), "/var/lib/tagfeed");
    assert_eq!(key("ExecReload"), "/bin/kill -HUP $MAINPID");
    assert!(
        unit.contains("install -d -o tagfeed -g tagfeed -m 755 /var/lib/tagfeed"),
        "the user owns its folder"
    );
    let exec = key("ExecStart");
    let args: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(args[0], "/usr/local/bin/tagfeed");
    // The command line as the unit gives it, with a config and port of this test's own.
    let dir = project(TEXT_SOURCE);
    let config = dir.path().join("config/tagfeed.toml");
    let args: Vec<String> = args[1..]
        .iter()
        .map(|a| match *a {
            "/etc/tagfeed/tagfeed.toml" => config.to_string_lossy().into_owned(),
            "127.0.0.1:8080" => "127.0.0.1:0".to_string(),
            a => a.to_string(),
        })
        .collect();
    let mut child = tagfeed()
        .args(&args)
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    // ExecReload: SIGHUP reloads a changed config; the process goes on.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("[[source]]", "[schedule]\nevery = \"2h\"\n\n[[source]]"),
    )
    .unwrap();
    std::process::Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGHUP must not stop the server"
    );
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        texts(&out).1.contains("config reloaded"),
        "{:?}",
        texts(&out)
    );
    // systemd itself accepts the unit, when it is here to ask.
    let copy = dir.path().join("tagfeed.service");
    std::fs::write(
        &copy,
        unit.replace("/usr/local/bin/tagfeed", env!("CARGO_BIN_EXE_tagfeed")),
    )
    .unwrap();
    match std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
    {
        Ok(v) => assert!(v.status.success(), "{:?}", texts(&v)),
        Err(e) => {
            eprintln!("systemd-analyze not found ({e}); the unit was not verified by systemd")
        }
    }
}

#[test]
fn help_puts_global_options_apart_and_names_formats_for_what_they_are() {
    let help = |args: &[&str]| texts(&tagfeed().args(args).output().unwrap()).0;
    let preview = help(&["preview", "--help"]);
    assert!(preview.contains("--input-format <FORMAT>"), "{preview}");
    let merge = help(&["merge", "--help"]);
    assert!(merge.contains("--output-format <FORMAT>"), "{merge}");
    for text in [&preview, &merge, &help(&["run", "--help"])] {
        let (own, global) = text
            .split_once("Global options:")
            .expect("a Global options heading");
        assert!(
            global.contains("--config") && global.contains("--quiet"),
            "{text}"
        );
        assert!(!own.contains("--config"), "{text}");
    }
    // The old names still work, for scripts written before.
    let out = tagfeed()
        .args(["preview", "--format", "html", "--help"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn hints_name_the_config_they_need_and_opml_lists_only_written_feeds() {
    // A config away from the default path: the hints carry `-c`, so they work as written.
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    std::fs::rename(dir.path().join("config"), dir.path().join("conf")).unwrap();
    let c = ["-c", "conf/tagfeed.toml"];
    let run = |args: &[&str]| {
        let out = tagfeed()
            .args(c)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        texts(&out)
    };
    run(&["run"]);
    let toml = dir.path().join("conf/tagfeed.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, text.replace(HTML_SOURCE, "")).unwrap();
    let (_, stderr) = run(&["run"]);
    assert!(
        stderr.contains("`tagfeed -c conf/tagfeed.toml forget partnerships-html` removes them"),
        "{stderr}"
    );
    // A source that never worked is not offered to feed readers in feeds.opml.
    let broken = format!(
        "{}\n[[source]]\nname = \"missing\"\npath = \"nowhere.html\"\n",
        text.replace(HTML_SOURCE, "")
    );
    std::fs::write(&toml, broken).unwrap();
    run(&["run"]);
    let opml = std::fs::read_to_string(dir.path().join("feeds/feeds.opml")).unwrap();
    assert!(opml.contains("partnerships.rss.xml"), "{opml}");
    assert!(!opml.contains("missing.rss.xml"), "{opml}");
}

#[test]
fn suggest_on_a_saved_page_leaves_room_for_its_address() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tag.html"), TAG_PAGE).unwrap();
    let out = tagfeed()
        .args(["suggest", "tag.html"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("# page_url = \"https://…\""), "{stdout}");
    assert!(stderr.contains("--page-url URL"), "{stderr}");
    // The block, with the placeholder as it is, is a valid source.
    let block = &stdout[stdout.find("[[source]]").unwrap()..];
    let config = format!("[output]\nbase_url = \"https://f.example/\"\n{block}");
    tagfeed::config::parse(&config).unwrap_or_else(|e| panic!("{e}\n{config}"));
}
