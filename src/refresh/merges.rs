//! Merged feeds and the OPML list, built from the store once the run's inputs are in.

use std::collections::HashSet;

use url::Url;

use super::apply::{load_limit, publish_feed};
use super::{RefreshError, Report, feed_title};
use crate::config::{Config, Input, Merge, feed_key};
use crate::merge;
use crate::model::{Feed, Provenance, Warning};
use crate::publish;
use crate::render::opml::{self, Outline};
use crate::store::Store;

/// The OPML file's name in the output folder.
pub const OPML_FILE: &str = "feeds.opml";

/// Where a source's entries say they came from: its own published feed.
fn source_provenance(
    config: &Config,
    store: &Store,
    name: &str,
) -> Result<Provenance, RefreshError> {
    let source = config
        .source(name)
        .ok_or_else(|| RefreshError::Internal(format!("no source {name}")))?;
    let state = store.state(name)?;
    let format = config.output.formats[0];
    Ok(Provenance {
        title: feed_title(source, state.heading.as_deref()),
        feed_url: Some(format.self_url(&config.output.base_url, name)),
        home: source
            .page_url()
            .cloned()
            .or_else(|| state.home.and_then(|h| Url::parse(&h).ok())),
    })
}

fn feed_provenance(store: &Store, input: &Input) -> Result<Provenance, RefreshError> {
    let state = store.state(&feed_key(input))?;
    Ok(Provenance {
        title: state.heading.unwrap_or_else(|| input.to_string()),
        feed_url: match input {
            Input::Url(u) => Some(u.clone()),
            Input::Path(_) => None,
        },
        home: state.home.and_then(|h| Url::parse(&h).ok()),
    })
}

/// Builds one merged feed from what the store holds for its inputs, and writes it. `failed` are
/// the inputs that failed in this run: their stored entries are still used, and the report says so.
pub(super) fn build(
    config: &Config,
    store: &mut Store,
    m: &Merge,
    failed: &HashSet<String>,
) -> Result<Report, RefreshError> {
    let mut report = Report::new(&m.name);
    let max = m.max_items(&config.output);
    let mut inputs = Vec::new();
    for name in &m.sources {
        let source = config
            .source(name)
            .ok_or_else(|| RefreshError::Internal(format!("no source {name}")))?;
        let entries = store.entries(name, load_limit(max, true))?;
        inputs.push(merge::Input {
            provenance: source_provenance(config, store, name)?,
            entries: source.filter.apply(entries),
        });
        if failed.contains(name) {
            report.warnings.push(Warning {
                origin: None,
                message: format!("input {name} failed this run; its stored entries were used"),
            });
        }
    }
    for input in &m.feeds {
        let key = feed_key(input);
        inputs.push(merge::Input {
            provenance: feed_provenance(store, input)?,
            entries: store.entries(&key, load_limit(max, true))?,
        });
        if failed.contains(&input.to_string()) {
            report.warnings.push(Warning {
                origin: None,
                message: format!("input {input} failed this run; its stored entries were used"),
            });
        }
    }
    report.found = inputs.iter().map(|i| i.entries.len()).sum();
    let entries = merge::merge(inputs, &m.filter, max);
    report.entries = entries.len();
    if entries.is_empty() {
        return Err(RefreshError::Empty(format!(
            "merge {}: no entries from its inputs (after filters)",
            m.name
        )));
    }
    let feed = Feed {
        name: m.name.clone(),
        title: m.title.clone(),
        description: m.description.clone().unwrap_or_else(|| {
            let names: Vec<String> = m
                .sources
                .iter()
                .cloned()
                .chain(m.feeds.iter().map(ToString::to_string))
                .collect();
            format!("{}: merged from {}", m.title, names.join(", "))
        }),
        home_page: None,
        author: m.author.clone().unwrap_or_else(|| m.title.clone()),
        entries,
    };
    report.files = publish_feed(config, &feed)?;
    store.record_published(&m.name, feed.entries.len(), feed.updated().to_utc())?;
    Ok(report)
}

/// Writes the OPML list of every source and merge, in the preferred format.
pub(super) fn write_opml(
    config: &Config,
    store: &Store,
) -> Result<(std::path::PathBuf, publish::WriteOutcome), RefreshError> {
    let format = config.output.formats[0];
    let mut outlines = Vec::new();
    for s in &config.sources {
        let p = source_provenance(config, store, &s.name)?;
        outlines.push(Outline {
            description: s.description.clone().unwrap_or_else(|| p.title.clone()),
            title: p.title,
            xml_url: format.self_url(&config.output.base_url, &s.name),
            html_url: p.home,
        });
    }
    for m in &config.merges {
        outlines.push(Outline {
            title: m.title.clone(),
            description: m.description.clone().unwrap_or_else(|| m.title.clone()),
            xml_url: format.self_url(&config.output.base_url, &m.name),
            html_url: None,
        });
    }
    let body = opml::render(&config.output.title, &outlines);
    let path = config.output.dir.join(OPML_FILE);
    let outcome = publish::write_if_changed(&path, body.as_bytes())?;
    Ok((path, outcome))
}
