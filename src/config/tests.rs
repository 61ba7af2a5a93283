use super::*;
use url::Url;

use crate::source::Format;

use crate::schedule::Schedule;

const GOOD: &str = r#"
[output]
dir = "../feeds"
base_url = "https://feeds.example.org/sub"
max_items = 20

[[source]]
name = "partnerships"
title = "Partnerships"
path = "samples/partnerships.txt"
page_url = "https://www.defense.gov/News/Tag/2/"
timezone = "America/New_York"
categories = ["Partnerships"]

[[source]]
name = "defense-html"
path = "samples/partnerships.html"
max_items = 5

[source.select]
item = "listing-with-preview"
title = "@article-title"
link = "@article-url"
date = "@publish-date-ap"
summary = "@article-summary"
categories = ".tags a"
"#;

#[test]
fn parses_a_full_config() {
    let c = parse(GOOD).unwrap();
    assert_eq!(c.output.dir, PathBuf::from("../feeds"));
    // A base URL without a trailing slash still joins file names under it.
    assert_eq!(c.output.base_url.as_str(), "https://feeds.example.org/sub/");
    assert_eq!(c.sources.len(), 2);
    let p = &c.sources[0];
    assert_eq!(p.rules.timezone, chrono_tz::America::New_York);
    assert_eq!(p.format, None);
    assert_eq!(c.max_items(p), 20);
    let h = &c.sources[1];
    assert_eq!(h.format, Some(Format::Html), "a select table implies html");
    assert_eq!(c.max_items(h), 5);
    assert_eq!(
        h.select.as_ref().unwrap().item.as_str(),
        "listing-with-preview"
    );
    assert_eq!(h.rules.timezone, chrono_tz::Tz::UTC);
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

fn with_source(extra: &str) -> String {
    format!(
        "[output]\nbase_url = \"https://f.org/\"\n\n[[source]]\nname = \"a\"\npath = \"a.txt\"\n{extra}"
    )
}

#[test]
fn unknown_key_names_line_column_and_key() {
    let e = err(&with_source("titel = \"x\"\n"));
    assert!(
        e.starts_with("config:7:1: source[0].titel: unknown key `titel`"),
        "{e}"
    );
    assert!(e.contains("help: did you mean `title`?"), "{e}");
    let e = err(&with_source(
        "[source.select]\nitem = \"li\"\nsumary = \".s\"\n",
    ));
    assert!(
        e.contains(
            "source[0].select.sumary: unknown key `sumary`\n  help: did you mean `summary`?"
        ),
        "{e}"
    );
}

#[test]
fn presets_are_named_and_written_over() {
    // No selectors at all: an HTML page's items are detected.
    let c = parse(&with_source("format = \"html\"\n")).unwrap();
    assert!(c.sources[0].select.is_none() && c.sources[0].preset.is_none());
    let c = parse(&with_source(
        "preset = \"wordpress\"\n[source.select]\ndate = \"span.when\"\n",
    ))
    .unwrap();
    let s = &c.sources[0];
    assert_eq!(s.format, Some(Format::Html), "a preset implies html");
    assert!(s.select.is_none());
    let p = s.preset.as_ref().unwrap();
    assert_eq!(p.name, "wordpress");
    assert_eq!(p.over.date.as_ref().map(|f| f.as_str()), Some("span.when"));
    assert!(p.over.item.is_none(), "item comes from the preset");
    let e = err(&with_source("preset = \"wordpres\"\n"));
    assert!(
        e.contains("source[0].preset: unknown preset \"wordpres\""),
        "{e}"
    );
    assert!(e.contains("did you mean \"wordpress\"?"), "{e}");
    assert!(e.contains("The presets are: defense-gov,"), "{e}");
    let c = parse(&with_source("preset = \"WordPress\"\n")).unwrap();
    assert_eq!(c.sources[0].preset.as_ref().unwrap().name, "wordpress");
}

#[test]
fn select_errors() {
    let e = err(&with_source("[source.select]\ntitle = \"h2\"\n"));
    assert!(e.contains("source[0].select: missing key item"), "{e}");
    let e = err(&with_source("[source.select]\nitem = \"div[\"\n"));
    assert!(
        e.contains(":8:8: source[0].select.item: invalid CSS selector \"div[\""),
        "{e}"
    );
    let e = err(&with_source("[source.select]\nitem = \"div[[[\"\n"));
    assert!(
        e.contains("source[0].select.item: invalid CSS selector \"div[[[\": at character 4: an attribute test"),
        "{e}"
    );
    let e = err(&with_source("format = \"text\"\npreset = \"wordpress\"\n"));
    assert!(e.contains("are for HTML listings"), "{e}");
    let e = err(&with_source("format = \"rss\"\n"));
    assert!(
        e.contains("source[0].format: unknown format \"rss\""),
        "{e}"
    );
}

#[test]
fn bad_values_are_named() {
    let e = err(&with_source("timezone = \"Mars/Olympus\"\n"));
    assert!(
        e.contains("config:7:12: source[0].timezone: unknown time zone \"Mars/Olympus\""),
        "{e}"
    );
    assert!(e.contains("America/New_York"), "{e}");
    let e = err(&with_source("page_url = \"/news/\"\n"));
    assert!(
        e.contains("source[0].page_url: \"/news/\" is not an absolute http(s) URL"),
        "{e}"
    );
    let e = err(&with_source("max_items = 0\n"));
    assert!(
        e.contains("source[0].max_items: must be at least 1, not 0"),
        "{e}"
    );
    let e = err(&with_source("day_first = \"yes\"\n"));
    assert!(
        e.contains("source[0].day_first: expected true or false; found string \"yes\""),
        "{e}"
    );
    let e = err("[output]\nbase_url = \"feeds/\"\n[[source]]\nname = \"a\"\npath = \"a\"\n");
    assert!(e.contains("config:2:12: output.base_url"), "{e}");
    assert!(e.contains("the public URL of the feed folder"), "{e}");
    let e = err(&with_source("categories = \"News\"\n"));
    assert!(
        e.contains("expected a list, e.g. [\"a\", \"b\"]; found string \"News\""),
        "{e}"
    );
    let e = err(&format!("{}timeout = 0\n", with_source("")));
    assert!(e.contains("source[0].timeout: must be more than 0"), "{e}");
    // A merge of a source whose name is invalid is not pointed to that invalid name.
    let e = parse(
        "[output]\nbase_url = \"https://f.org/\"\n[[source]]\nname = \"Bad Name\"\npath = \"a\"\n\
         [[merge]]\nname = \"m\"\nsources = [\"bad-name\"]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(!e.contains("did you mean \"Bad Name\""), "{e}");
}

#[test]
fn names_are_slugs_and_unique() {
    let e = err(&with_source("[[source]]\nname = \"a\"\npath = \"b.txt\"\n"));
    assert!(
        e.contains("config:8:8: source[1].name: duplicate name \"a\""),
        "{e}"
    );
    assert!(e.contains("the first is on line 5"), "{e}");
    let e = err(
        "[output]\nbase_url = \"https://f.org/\"\n[[source]]\nname = \"Bad Name\"\npath = \"a\"\n",
    );
    assert!(
        e.contains("source[0].name: \"Bad Name\" is not a valid name"),
        "{e}"
    );
}

#[test]
fn missing_pieces() {
    let e = err("[[source]]\nname = \"a\"\npath = \"a\"\n");
    assert!(e.contains("output: missing [output] table"), "{e}");
    let e = err("[output]\nbase_url = \"https://f.org/\"\n");
    assert!(e.contains("no [[source]] defined"), "{e}");
    let e = err("[output]\nbase_url = \"https://f.org/\"\n[[source]]\nname = \"a\"\n");
    assert!(e.contains("source[0].path: missing key path or url"), "{e}");
    let e = err("[output]\nbase_url = \"https://f.org/\"\n[[source]]\npath = \"a\"\n");
    assert!(e.contains("missing key name"), "{e}");
    let e = err("[output\n");
    assert!(e.starts_with("config:1:"), "{e}");
}

#[test]
fn load_resolves_paths_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tagfeed.toml");
    std::fs::write(&path, GOOD).unwrap();
    let c = load(&path).unwrap();
    assert_eq!(c.output.dir, dir.path().join("../feeds"));
    assert_eq!(
        c.sources[0].input,
        Input::Path(dir.path().join("samples/partnerships.txt"))
    );
    std::fs::write(&path, with_source("bogus = 1\n")).unwrap();
    let e = load(&path).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}:7:1: source[0].bogus", path.display())),
        "{e}"
    );
    let e = load(&dir.path().join("nope.toml")).unwrap_err().to_string();
    assert!(
        e.contains("cannot read the config file") && e.contains("--config"),
        "{e}"
    );
}

#[test]
fn web_sources_fetch_store_and_pagination() {
    let text = r#"
[output]
base_url = "https://f.org/"
[store]
path = "/var/lib/tagfeed/db.sqlite"
[fetch]
user_agent = "MyFeeds/1.0 (+mailto:me@example.org)"
timeout = 10
min_delay = 2.5
concurrency = 4
retries = 0
max_body = 1000000
[[source]]
name = "dod"
url = "https://www.defense.gov/News/Tag/2/"
page_param = "Page"
max_pages = 2
keep_days = 365
keep_items = 500
respect_robots = false
timeout = 60
[source.select]
item = "listing-with-preview"
next_page = "a.next@href"
"#;
    let c = parse(text).unwrap();
    assert_eq!(c.store.path, PathBuf::from("/var/lib/tagfeed/db.sqlite"));
    assert_eq!(c.fetch.user_agent, "MyFeeds/1.0 (+mailto:me@example.org)");
    assert_eq!(c.fetch.timeout, std::time::Duration::from_secs(10));
    assert_eq!(c.fetch.min_delay, std::time::Duration::from_millis(2500));
    assert_eq!(
        (c.fetch.concurrency, c.fetch.retries, c.fetch.max_body),
        (4, 0, 1_000_000)
    );
    let s = &c.sources[0];
    assert_eq!(
        s.input,
        Input::Url(Url::parse("https://www.defense.gov/News/Tag/2/").unwrap())
    );
    assert_eq!(
        s.page_url().unwrap().as_str(),
        "https://www.defense.gov/News/Tag/2/"
    );
    assert_eq!(s.pagination.page_param.as_deref(), Some("Page"));
    assert_eq!(
        (s.pagination.max_pages, s.pagination.backfill_pages),
        (2, 10)
    );
    assert_eq!(s.retention.keep_days, Some(365));
    assert_eq!(s.retention.keep_items, Some(500));
    assert!(!s.fetch.respect_robots);
    assert_eq!(s.fetch.timeout, Some(std::time::Duration::from_secs(60)));
    assert!(s.select.as_ref().unwrap().next_page.is_some());
    // Defaults: the store next to the config, polite fetching.
    let d = parse(&with_source("")).unwrap();
    assert_eq!(d.store.path, PathBuf::from("state/tagfeed.db"));
    assert!(d.fetch.user_agent.starts_with("tagfeed/"));
    assert_eq!(d.fetch.min_delay, std::time::Duration::from_secs(1));
    assert!(d.sources[0].fetch.respect_robots);
}

#[test]
fn web_source_errors() {
    let e = err(&with_source("url = \"https://e.org/\"\n"));
    assert!(
        e.contains("source[0].url: give either path or url, not both"),
        "{e}"
    );
    let e = err(&with_source("").replace("path = \"a.txt\"", "url = \"ftp://e.org/\""));
    assert!(
        e.contains("source[0].url: \"ftp://e.org/\" is not an absolute http(s) URL"),
        "{e}"
    );
    let e =
        err(&format!("{}[fetch]\nretries = -1\n", with_source(""))
            .replace("[[source]]", "[[source]]"));
    assert!(e.contains("retries: must be 0 or more, not -1"), "{e}");
    let e = err(
        "[output]\nbase_url = \"https://f.org/\"\n[fetch]\ntimeout = -3\n[[source]]\nname = \"a\"\npath = \"a\"\n",
    );
    assert!(
        e.contains("fetch.timeout: expected a duration: seconds as a number (30) or text such as \"30s\", \"10m\" or \"1h 30m\"; found integer `-3`"),
        "{e}"
    );
    let e = err(
        "[output]\nbase_url = \"https://f.org/\"\n[fetch]\nuser_agent = \"a\\nb\"\n[[source]]\nname = \"a\"\npath = \"a\"\n",
    );
    assert!(
        e.contains("fetch.user_agent: the User-Agent must be one non-empty line"),
        "{e}"
    );
    let e = err(&with_source(
        "[source.select]\nitem = \"li\"\nnext_page = \"a[\"\n",
    ));
    assert!(
        e.contains("source[0].select.next_page: invalid CSS selector"),
        "{e}"
    );
}

#[test]
fn schedules() {
    let text = format!(
        "{}[schedule]\nevery = \"15m\"\njitter = 0.2\nmax_backoff = \"2h\"\ngrace = 5\n",
        with_source("schedule = \"*/5 * * * *\"\n")
    );
    let c = parse(&text).unwrap();
    assert_eq!(c.schedule.default, Schedule::every("15m").unwrap());
    assert_eq!(c.schedule.jitter, 0.2);
    assert_eq!(c.schedule.max_backoff, std::time::Duration::from_secs(7200));
    assert_eq!(
        c.sources[0].schedule,
        Some(Schedule::cron("*/5 * * * *").unwrap())
    );
    // Defaults: every 30 minutes, 10 % jitter.
    let d = parse(&with_source("")).unwrap();
    assert_eq!(d.schedule.default, Schedule::every("30m").unwrap());
    assert_eq!(d.schedule.jitter, 0.1);

    let e = err(&with_source("schedule = \"*/61 * * *\"\n"));
    assert!(
        e.contains("source[0].schedule: invalid cron expression"),
        "{e}"
    );
    let e = err(&with_source("every = \"often\"\n"));
    assert!(
        e.contains("source[0].every: expected a duration") && e.contains("found string \"often\""),
        "{e}"
    );
    let e = err(&with_source("schedule = \"* * * * *\"\nevery = \"1h\"\n"));
    assert!(e.contains("either a cron schedule or every"), "{e}");
    let e = err(&format!("{}[schedule]\njitter = 2\n", with_source("")));
    assert!(
        e.contains("schedule.jitter: jitter must be between 0 and 1"),
        "{e}"
    );
}

#[test]
fn since_is_read_in_the_source_time_zone() {
    let c = parse(&with_source(
        "timezone = \"America/New_York\"\nsince = \"2020-10-09\"\n",
    ))
    .unwrap();
    assert_eq!(
        c.sources[0].filter.since.unwrap().to_rfc3339(),
        "2020-10-09T00:00:00-04:00"
    );
}

#[test]
fn files_are_listed_once_for_every_command() {
    let c = parse(
        "[output]\nbase_url = \"https://f.org/feeds\"\nformats = [\"json\", \"atom\"]\n\
         [[source]]\nname = \"a\"\npath = \"a\"\n[[merge]]\nname = \"m\"\nsources = [\"a\"]\n",
    )
    .unwrap();
    let urls: Vec<String> = c.files().map(|f| f.url.to_string()).collect();
    assert_eq!(
        urls,
        [
            "https://f.org/feeds/a.json",
            "https://f.org/feeds/a.atom.xml",
            "https://f.org/feeds/m.json",
            "https://f.org/feeds/m.atom.xml",
            "https://f.org/feeds/feeds.opml"
        ]
    );
    assert_eq!(c.file("m.atom.xml").unwrap().0, Some("m"));
    assert_eq!(c.file("feeds.opml").unwrap().0, None);
    assert!(
        c.file("a.rss.xml").is_none(),
        "rss is not among the formats"
    );
    assert!(c.file("../a.json").is_none());
    assert_eq!(c.output.preferred(), OutputFormat::Json);
}

#[test]
fn durations_take_seconds_or_text_in_every_key() {
    let keys = "[fetch]\ntimeout = \"30s\"\nconnect_timeout = 5\nmin_delay = 0.5\nretry_delay = \"1m\"\n\
        max_retry_after = \"1h 30m\"\nlock_wait = \"0\"\nmax_crawl_delay = 60\n\
        [store]\nstale_after = \"2 days\"\n[schedule]\nevery = 900\ngrace = \"10s\"\nmax_backoff = 21600\n";
    let c = parse(&format!(
        "{}every = \"2h\"\ntimeout = 7\n{keys}",
        with_source("")
    ))
    .unwrap();
    let secs = Duration::from_secs;
    assert_eq!(c.fetch.timeout, secs(30));
    assert_eq!(c.fetch.connect_timeout, secs(5));
    assert_eq!(c.fetch.min_delay, Duration::from_millis(500));
    assert_eq!(c.fetch.retry_delay, secs(60));
    assert_eq!(c.fetch.max_retry_after, secs(5400));
    assert_eq!(c.fetch.lock_wait, secs(0));
    assert_eq!(c.fetch.max_crawl_delay, secs(60));
    assert_eq!(c.store.stale_after, secs(2 * 86_400));
    assert_eq!(c.schedule.default, Schedule::every("15m").unwrap());
    assert_eq!(c.schedule.grace, secs(10));
    assert_eq!(c.schedule.max_backoff, secs(6 * 3600));
    assert_eq!(c.sources[0].schedule, Some(Schedule::every("2h").unwrap()));
    assert_eq!(c.sources[0].fetch.timeout, Some(secs(7)));
}

#[test]
fn wrong_kinds_of_value_say_what_the_key_takes() {
    let e = err(&with_source("max_items = \"fifty\"\n"));
    assert!(
        e.contains("source[0].max_items: expected a whole number, e.g. 50; found string \"fifty\""),
        "{e}"
    );
    let e = err(&format!("{}[fetch]\ntimeout = \"soon\"\n", with_source("")));
    assert!(e.contains("fetch.timeout: expected a duration"), "{e}");
    assert!(!e.contains("untagged") && !e.contains("i64"), "{e}");
    let e = err(&with_source("min_ratio = \"half\"\n"));
    assert!(
        e.contains("expected a number, e.g. 0.5; found string \"half\""),
        "{e}"
    );
}

#[test]
fn every_problem_of_a_file_is_reported_at_once_in_file_order() {
    let text = format!(
        "{}titel = 1\ntimezone = \"Europe/Londn\"\n\n[[source]]\nname = \"b\"\npath = \"b.txt\"\n\
         max_items = \"many\"\ntimezon = \"UTC\"\n\n[[merge]]\nname = \"m\"\nsources = [\"a\", \"c\"]\n",
        with_source("")
    );
    let e = parse(&text).unwrap_err();
    let all: Vec<String> = e.all().map(|one| one.to_string()).collect();
    assert_eq!(all.len(), 5, "{all:#?}");
    let starts: Vec<&str> = all.iter().map(|m| m.split(": ").next().unwrap()).collect();
    assert_eq!(
        starts,
        [
            "config:7:1",
            "config:8:12",
            "config:13:13",
            "config:14:1",
            "config:18:17"
        ],
        "{all:#?}"
    );
    assert!(all[0].contains("unknown key `titel`") && all[0].contains("did you mean `title`?"));
    assert!(
        all[1].contains("did you mean \"Europe/London\"?"),
        "{}",
        all[1]
    );
    assert!(all[3].contains("did you mean `timezone`?"), "{}", all[3]);
    assert!(all[4].contains("no source named \"c\""), "{}", all[4]);
    // A syntax error is reported alone: nothing after it can be read.
    let e = parse(&format!(
        "{}title = \"unclosed\n",
        with_source("max_items = \"x\"\n")
    ))
    .unwrap_err();
    assert_eq!(e.all().count(), 1, "{e}");
}

#[test]
fn every_problem_of_one_source_is_reported() {
    let e = parse(&with_source(
        "timezone = \"Mars/Olympus\"\nmax_items = 0\nmin_ratio = 3\ninclude = [\"(\"]\n",
    ))
    .unwrap_err();
    let all: Vec<String> = e.all().map(|one| one.to_string()).collect();
    assert_eq!(all.len(), 4, "{all:#?}");
    assert!(all[0].contains("source[0].timezone"), "{all:#?}");
    assert!(
        all[1].contains("source[0].max_items: must be at least 1"),
        "{all:#?}"
    );
    assert!(all[2].contains("source[0].min_ratio"), "{all:#?}");
    assert!(all[3].contains("invalid regular expression"), "{all:#?}");
}
