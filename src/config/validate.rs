//! Raw config → typed config, one table at a time, every error with its place in the file.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;
use url::Url;

use super::error::{self, ConfigError};
use super::raw::{
    Dur, RawFetch, RawMerge, RawOutput, RawSchedule, RawSelect, RawSource, RawStore, S,
};
use super::values::{count, filter, positive, ratio, seconds};
use super::{
    Config, DEFAULT_MAX_ITEMS, DEFAULT_STORE, Merge, Output, ScheduleSettings, StoreSettings,
};
use crate::date::DateRules;
use crate::fetch::{FetchSettings, Overrides};
use crate::model::{OutputFormat, web_url as parse_web_url};
use crate::schedule::Schedule;
use crate::source::{
    DEFAULT_BACKFILL_PAGES, Field, Format, Guard, Input, Pagination, Partial, PresetChoice,
    Retention, Selectors, Source,
};

/// Validates the whole file, reporting every problem at once: each section and each source or
/// merge is checked on its own (the first problem of each), after every key serde refused.
pub(crate) fn config(text: &str) -> Result<Config, ConfigError> {
    let (raw, mut errors) = super::raw::parse(text)?;
    let output = match raw.output {
        Some(o) => keep(&mut errors, output(text, o)),
        None => keep(&mut errors, Err(ConfigError::at(text, 0..0, "missing [output] table")
            .key("output")
            .help("add [output] with base_url = \"https://…/\" (the public URL of the feed folder)"))),
    };
    let store = store(raw.store);
    let fetch = keep(&mut errors, fetch(text, raw.fetch));
    let schedule = keep(&mut errors, schedule_settings(text, raw.schedule));
    if raw.source.is_empty() {
        keep(
            &mut errors,
            Err::<(), _>(
                ConfigError::at(text, text.len()..text.len(), "no [[source]] defined")
                    .key("source")
                    .help("add a [[source]] with name and path (or url); see README.md"),
            ),
        );
    }
    // Merges are checked against every source named, valid or not, so a broken source is
    // reported once, not again by each merge that takes it.
    let source_names: Vec<String> = raw
        .source
        .iter()
        .filter_map(|s| s.get_ref().name.as_ref().map(|n| n.get_ref().clone()))
        .collect();
    // What a merge may be pointed to instead: names that are valid (a wrong one is reported).
    let valid: Vec<String> = source_names
        .iter()
        .filter(|n| is_slug(n))
        .cloned()
        .collect();
    // Checked with hashed look-ups: a config of thousands of sources loads in linear time.
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut sources: Vec<Source> = Vec::new();
    for (i, s) in raw.source.into_iter().enumerate() {
        if let Some((src, name_span)) = keep(&mut errors, source(text, s, i)) {
            keep(
                &mut errors,
                unique_name(text, &mut names, &src.name, name_span),
            );
            sources.push(src);
        }
    }
    let known: HashSet<&str> = source_names.iter().map(String::as_str).collect();
    let mut merges: Vec<Merge> = Vec::new();
    for (i, m) in raw.merge.into_iter().enumerate() {
        if let Some((merge, name_span)) = keep(&mut errors, merge(text, m, i, &valid, &known)) {
            keep(
                &mut errors,
                unique_name(text, &mut names, &merge.name, name_span),
            );
            merges.push(merge);
        }
    }
    if let Some(e) = ConfigError::many(errors) {
        return Err(e);
    }
    match (output, fetch, schedule) {
        (Some(output), Some(fetch), Some(schedule)) => Ok(Config {
            output,
            store,
            fetch,
            schedule,
            sources,
            merges,
        }),
        _ => Err(ConfigError::at(text, 0..0, "invalid config")),
    }
}

/// The value of `r`, or `None` with its error kept for the report.
fn keep<T>(errors: &mut Vec<ConfigError>, r: Result<T, ConfigError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// Sources and merges share one namespace: their names are their file names.
fn unique_name(
    text: &str,
    names: &mut HashMap<String, usize>,
    name: &str,
    span: Range<usize>,
) -> Result<(), ConfigError> {
    if let Some(first) = names.get(name) {
        let (line, _) = error::line_col(text, *first);
        return Err(
            ConfigError::at(text, span, format!("duplicate name {name:?}")).help(format!(
                "source and merge names must be unique (file names derive from them); the first is on line {line}"
            )),
        );
    }
    names.insert(name.to_string(), span.start);
    Ok(())
}

/// Lowercase letters, digits and '-': what a feed's file name may be made of.
fn is_slug(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A `name` key: present and a slug.
fn slug(
    text: &str,
    name: Option<S<String>>,
    table: Range<usize>,
) -> Result<(String, Range<usize>), ConfigError> {
    let name = name.ok_or_else(|| {
        ConfigError::at(text, table, "missing key name").help(
            "every source and merge needs a name: lowercase letters, digits and '-', e.g. name = \"partnerships\"",
        )
    })?;
    let span = name.span();
    let name = name.into_inner();
    if !is_slug(&name) {
        return Err(
            ConfigError::at(text, span, format!("{name:?} is not a valid name")).help(
                "use lowercase letters, digits and '-' only (it becomes the feed's file name)",
            ),
        );
    }
    Ok((name, span))
}

fn merge(
    text: &str,
    m: S<RawMerge>,
    index: usize,
    sources: &[String],
    source_names: &HashSet<&str>,
) -> Result<(Merge, Range<usize>), ConfigError> {
    let table = m.span();
    let m = m.into_inner();
    let (name, name_span) = slug(text, m.name, table.clone())?;
    let mut names = Vec::new();
    for s in m.sources {
        if !source_names.contains(s.get_ref().as_str()) {
            let err = ConfigError::at(text, s.span(), format!("no source named {:?}", s.get_ref()));
            return Err(
                match error::nearest(s.get_ref(), sources.iter().map(String::as_str)) {
                    Some(near) => err.help(format!("did you mean {near:?}?")),
                    None => err.help(format!(
                        "merges take sources of this config: {}",
                        sources.join(", ")
                    )),
                },
            );
        }
        names.push(s.into_inner());
    }
    let mut feeds = Vec::new();
    for f in m.feeds {
        feeds.push(
            Input::parse(f.get_ref())
                .map_err(|e| ConfigError::at(text, f.span(), e.to_string()))?,
        );
    }
    if names.is_empty() && feeds.is_empty() {
        return Err(ConfigError::at(text, table, "a merge needs `sources`, `feeds` or both")
            .key(format!("merge[{index}].sources"))
            .help("e.g. sources = [\"partnerships\", \"nato\"] or feeds = [\"https://example.org/atom.xml\"]"));
    }
    let merge = Merge {
        title: m.title.map_or_else(|| name.clone(), S::into_inner),
        name,
        description: m.description.map(S::into_inner),
        author: m.author.map(S::into_inner),
        sources: names,
        feeds,
        max_items: positive(text, m.max_items)?,
        filter: filter(text, m.include, m.exclude, m.since, &DateRules::default())?,
        schedule: when(text, m.schedule, m.every)?,
    };
    Ok((merge, name_span))
}

fn output(text: &str, o: S<RawOutput>) -> Result<Output, ConfigError> {
    let span = o.span();
    let o = o.into_inner();
    let Some(b) = o.base_url else {
        return Err(ConfigError::at(text, span, "missing key base_url")
            .key("output.base_url")
            .help("the public URL of the feed folder, e.g. \"https://feeds.example.org/\"; feed readers need absolute self links"));
    };
    let mut base_url = web_url(text, &b).map_err(|e| {
        e.help("the public URL of the feed folder, e.g. \"https://feeds.example.org/\"")
    })?;
    if !base_url.path().ends_with('/') {
        base_url.set_path(&format!("{}/", base_url.path()));
    }
    Ok(Output {
        dir: o
            .dir
            .map(|d| PathBuf::from(d.into_inner()))
            .unwrap_or_else(|| PathBuf::from("feeds")),
        base_url,
        max_items: positive(text, o.max_items)?.unwrap_or(DEFAULT_MAX_ITEMS),
        formats: formats(text, o.formats)?,
        title: o
            .title
            .map_or_else(|| "tagfeed feeds".to_string(), S::into_inner),
    })
}

fn formats(text: &str, f: Option<Vec<S<String>>>) -> Result<Vec<OutputFormat>, ConfigError> {
    let Some(list) = f else {
        return Ok(OutputFormat::ALL.to_vec());
    };
    let mut out = Vec::new();
    for item in &list {
        let fmt = item
            .get_ref()
            .parse::<OutputFormat>()
            .map_err(|e| ConfigError::at(text, item.span(), e.to_string()))?;
        if !out.contains(&fmt) {
            out.push(fmt);
        }
    }
    if out.is_empty() {
        return Err(
            ConfigError::at(text, 0..0, "formats is empty: no feed would be written")
                .key("output.formats")
                .help("list at least one of \"rss\", \"atom\", \"json\""),
        );
    }
    Ok(out)
}

fn store(s: Option<S<RawStore>>) -> StoreSettings {
    let s = s.map(S::into_inner);
    let (path, stale) = match s {
        Some(s) => (s.path, s.stale_after),
        None => (None, None),
    };
    StoreSettings {
        path: PathBuf::from(path.map_or_else(|| DEFAULT_STORE.to_string(), S::into_inner)),
        stale_after: seconds(stale).unwrap_or(Duration::from_secs(86_400)),
    }
}

fn fetch(text: &str, f: Option<S<RawFetch>>) -> Result<FetchSettings, ConfigError> {
    let d = FetchSettings::default();
    let Some(f) = f.map(S::into_inner) else {
        return Ok(d);
    };
    Ok(FetchSettings {
        user_agent: user_agent(text, f.user_agent)?.unwrap_or(d.user_agent),
        timeout: not_zero(text, f.timeout)?.unwrap_or(d.timeout),
        connect_timeout: not_zero(text, f.connect_timeout)?.unwrap_or(d.connect_timeout),
        max_body: positive(text, f.max_body)?.map_or(d.max_body, |n| n as u64),
        min_delay: seconds(f.min_delay).unwrap_or(d.min_delay),
        concurrency: positive(text, f.concurrency)?.unwrap_or(d.concurrency),
        retries: count(text, f.retries)?.map_or(d.retries, |n| n as u32),
        retry_delay: seconds(f.retry_delay).unwrap_or(d.retry_delay),
        max_retry_after: seconds(f.max_retry_after).unwrap_or(d.max_retry_after),
        max_crawl_delay: seconds(f.max_crawl_delay).unwrap_or(d.max_crawl_delay),
        allow_private: f.allow_private.unwrap_or(d.allow_private),
        lock_wait: seconds(f.lock_wait).unwrap_or(d.lock_wait),
    })
}

fn schedule_settings(
    text: &str,
    s: Option<S<RawSchedule>>,
) -> Result<ScheduleSettings, ConfigError> {
    let d = ScheduleSettings::default();
    let Some(s) = s.map(S::into_inner) else {
        return Ok(d);
    };
    let jitter = match s.jitter {
        Some(j) if !(0.0..=1.0).contains(&j.get_ref().as_f64()) => {
            return Err(
                ConfigError::at(text, j.span(), "jitter must be between 0 and 1")
                    .help("it is the share of the interval added at random: 0.1 is up to 10 %"),
            );
        }
        Some(j) => j.get_ref().as_f64(),
        None => d.jitter,
    };
    let max_backoff = seconds(s.max_backoff).unwrap_or(d.max_backoff);
    Ok(ScheduleSettings {
        default: when(text, s.cron, s.every)?.unwrap_or(d.default),
        jitter,
        max_backoff,
        grace: seconds(s.grace).unwrap_or(d.grace),
    })
}

/// A cron expression or an interval, not both.
fn when(
    text: &str,
    cron: Option<S<String>>,
    every: Option<S<Dur>>,
) -> Result<Option<Schedule>, ConfigError> {
    match (cron, every) {
        (Some(_), Some(e)) => Err(ConfigError::at(
            text,
            e.span(),
            "give either a cron schedule or every, not both",
        )),
        (Some(c), None) => Schedule::cron(c.get_ref()).map(Some).map_err(|err| {
            ConfigError::at(text, c.span(), err.to_string()).help(
                "five fields: minute hour day-of-month month day-of-week, e.g. \"*/30 * * * *\"",
            )
        }),
        (None, Some(e)) => Schedule::every_of(e.get_ref().0)
            .map(Some)
            .map_err(|err| ConfigError::at(text, e.span(), err.to_string())),
        (None, None) => Ok(None),
    }
}

fn user_agent(text: &str, ua: Option<S<String>>) -> Result<Option<String>, ConfigError> {
    match ua {
        Some(u) if u.get_ref().trim().is_empty() || u.get_ref().contains(['\r', '\n']) => Err(
            ConfigError::at(text, u.span(), "the User-Agent must be one non-empty line"),
        ),
        other => Ok(other.map(|u| u.into_inner().trim().to_string())),
    }
}

fn web_url(text: &str, s: &S<String>) -> Result<Url, ConfigError> {
    parse_web_url(s.get_ref(), None).map_err(|_| {
        ConfigError::at(
            text,
            s.span(),
            format!("{:?} is not an absolute http(s) URL", s.get_ref()),
        )
        .help("write the full address, e.g. \"https://www.example.org/news/tag/x/\"")
    })
}

/// A timeout: 0 would fail every request at once.
fn not_zero(text: &str, v: Option<S<Dur>>) -> Result<Option<Duration>, ConfigError> {
    match v {
        Some(v) if v.get_ref().0.is_zero() => {
            Err(ConfigError::at(text, v.span(), "must be more than 0")
                .help("a timeout of 0 fails every request at once; e.g. 30 or \"30s\""))
        }
        other => Ok(seconds(other)),
    }
}

/// `path` or `url`, exactly one.
fn input(
    text: &str,
    path: Option<S<String>>,
    url: Option<S<String>>,
    table: Range<usize>,
    key: &str,
) -> Result<Input, ConfigError> {
    match (path, url) {
        (Some(p), None) => Ok(Input::Path(PathBuf::from(p.into_inner()))),
        (None, Some(u)) => Ok(Input::Url(web_url(text, &u)?)),
        (Some(_), Some(u)) => Err(ConfigError::at(
            text,
            u.span(),
            "give either path or url, not both",
        )
        .help("path reads a saved listing; url fetches the page")),
        (None, None) => Err(ConfigError::at(text, table, "missing key path or url")
            .key(format!("{key}.path"))
            .help("give the saved listing, e.g. path = \"samples/partnerships.txt\", or the page, url = \"https://…\"")),
    }
}

fn timezone(text: &str, tz: Option<&S<String>>) -> Result<Tz, ConfigError> {
    let Some(t) = tz else {
        return Ok(Tz::UTC);
    };
    t.get_ref().parse::<Tz>().map_err(|_| {
        let err = ConfigError::at(
            text,
            t.span(),
            format!("unknown time zone {:?}", t.get_ref()),
        );
        let zones = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name());
        match error::nearest(t.get_ref().trim(), zones) {
            Some(near) => err.help(format!("did you mean {near:?}?")),
            None => err.help(
                "use an IANA zone name such as \"America/New_York\", \"Europe/Paris\" or \"UTC\"",
            ),
        }
    })
}

/// The listing's format: as given, HTML when there are selectors or a preset, else guessed later
/// (an HTML page without selectors has its items detected). Text takes no selectors.
fn listing_format(
    text: &str,
    format: Option<S<String>>,
    selects: bool,
    table: Range<usize>,
) -> Result<Option<Format>, ConfigError> {
    let format = format
        .map(|f| {
            f.get_ref()
                .parse::<Format>()
                .map_err(|e| ConfigError::at(text, f.span(), e.to_string()))
        })
        .transpose()?;
    match (format, selects) {
        (Some(Format::Text), true) => Err(ConfigError::at(
            text,
            table,
            "[source.select] and preset are for HTML listings, but format = \"text\"",
        )
        .help("remove them or set format = \"html\"")),
        (None, true) => Ok(Some(Format::Html)),
        (f, _) => Ok(f),
    }
}

/// The source's selectors: a complete `[source.select]`, or a preset with the keys written over it.
fn choice(
    text: &str,
    preset: Option<S<String>>,
    select: Option<S<RawSelect>>,
) -> Result<(Option<Selectors>, Option<PresetChoice>), ConfigError> {
    let span = select.as_ref().map(|s| s.span());
    let partial = select.map(|sel| selectors(text, sel)).transpose()?;
    let Some(preset) = preset else {
        return match (partial, span) {
            (Some(p), Some(span)) => match p.complete() {
                Some(s) => Ok((Some(s), None)),
                None => Err(ConfigError::at(text, span, "missing key item").help(
                    "item is the CSS selector that matches one entry, e.g. item = \"article\" \
                     (or name a preset: preset = \"wordpress\")",
                )),
            },
            _ => Ok((None, None)),
        };
    };
    let Some(known) = crate::detect::presets::named(preset.get_ref()) else {
        let name = preset.get_ref().trim();
        return Err(
            ConfigError::at(text, preset.span(), format!("unknown preset {name:?}"))
                .help(crate::detect::presets::unknown(name)),
        );
    };
    let name = known.name.as_str();
    let choice = PresetChoice {
        name: name.to_string(),
        over: partial.unwrap_or_default(),
    };
    Ok((None, Some(choice)))
}

/// One `[[source]]`, every problem in it reported (each key on its own; a key that is wrong
/// leaves its default in place so the others can still be checked).
fn source(
    text: &str,
    s: S<RawSource>,
    index: usize,
) -> Result<(Source, Range<usize>), ConfigError> {
    let table_span = s.span();
    let s = s.into_inner();
    let mut errs = Vec::new();
    let e = &mut errs;
    let named = keep(e, slug(text, s.name, table_span.clone()));
    let key = format!("source[{index}]");
    let input = keep(e, input(text, s.path, s.url, table_span.clone(), &key));
    let page_url = keep(e, s.page_url.as_ref().map(|u| web_url(text, u)).transpose()).flatten();
    let rules = DateRules {
        timezone: keep(e, timezone(text, s.timezone.as_ref())).unwrap_or(Tz::UTC),
        day_first: s.day_first.unwrap_or(false),
    };
    let (select, preset) = keep(e, choice(text, s.preset, s.select)).unwrap_or_default();
    let selects = select.is_some() || preset.is_some();
    let format = keep(e, listing_format(text, s.format, selects, table_span)).flatten();
    let max_pages = keep(e, positive(text, s.max_pages)).flatten().unwrap_or(1);
    let max_items = keep(e, positive(text, s.max_items)).flatten();
    let user_agent = keep(e, user_agent(text, s.user_agent)).flatten();
    let timeout = keep(e, not_zero(text, s.timeout)).flatten();
    let backfill_pages = keep(e, positive(text, s.backfill_pages)).flatten();
    let keep_days = keep(e, positive(text, s.keep_days)).flatten();
    let keep_items = keep(e, positive(text, s.keep_items)).flatten();
    let min_items = keep(e, count(text, s.min_items)).flatten();
    let min_ratio = keep(e, ratio(text, s.min_ratio)).flatten();
    let filter = keep(e, filter(text, s.include, s.exclude, s.since, &rules)).unwrap_or_default();
    let schedule = keep(e, when(text, s.schedule, s.every)).flatten();
    let problems = ConfigError::many(errs);
    let (Some((name, name_span)), Some(input), None) = (named, input, &problems) else {
        return Err(problems.unwrap_or_else(|| ConfigError::at(text, 0..0, "invalid source")));
    };
    let defaults = Source::new(name, input);
    let source = Source {
        title: s.title.map(S::into_inner),
        description: s.description.map(S::into_inner),
        author: s.author.map(S::into_inner),
        page_url,
        format,
        rules,
        guess_day_first: s.day_first.is_none(),
        categories: s
            .categories
            .map(|c| c.into_iter().map(S::into_inner).collect()),
        max_items,
        select,
        preset,
        fetch: Overrides {
            user_agent,
            timeout,
            respect_robots: s.respect_robots.unwrap_or(defaults.fetch.respect_robots),
            private_ok: defaults.fetch.private_ok,
        },
        pagination: Pagination {
            page_param: s.page_param.map(S::into_inner),
            max_pages,
            backfill_pages: backfill_pages.unwrap_or(max_pages.max(DEFAULT_BACKFILL_PAGES)),
        },
        retention: Retention {
            keep_days: keep_days.map(|d| d as u32),
            keep_items,
        },
        guard: Guard {
            min_items,
            min_ratio: min_ratio.unwrap_or(defaults.guard.min_ratio),
        },
        filter,
        schedule,
        ..defaults
    };
    Ok((source, name_span))
}

fn selectors(text: &str, sel: S<RawSelect>) -> Result<Partial, ConfigError> {
    let sel = sel.into_inner();
    let field = |f: Option<S<String>>| -> Result<Option<Field>, ConfigError> {
        f.map(|f| {
            Field::parse(f.get_ref()).map_err(|e| ConfigError::at(text, f.span(), e.to_string()))
        })
        .transpose()
    };
    Ok(Partial {
        item: field(sel.item)?,
        title: field(sel.title)?,
        link: field(sel.link)?,
        date: field(sel.date)?,
        summary: field(sel.summary)?,
        categories: field(sel.categories)?,
        next_page: field(sel.next_page)?,
    })
}
