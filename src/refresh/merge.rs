//! One merge's job, once its inputs are in: what the store holds for each input → merge (with the
//! ids this merge gave before) → feed → publish. Also the OPML list of every feed. A merge never
//! fetches: its sources run on their own schedules, its external feeds in [`super::external`].

use std::collections::HashSet;

use url::Url;

use super::{RefreshError, Report, feed_key};
use crate::config::{Config, Merge};
use crate::merge;
use crate::model::{Provenance, Warning};
use crate::pipeline::{self, feed_title};
use crate::publish::{self, WriteOutcome};
use crate::render::opml::{self, Outline};
use crate::source::Input;
use crate::store::Store;

/// Where a source's entries say they came from: its own published feed.
fn source_provenance(
    config: &Config,
    store: &Store,
    name: &str,
) -> Result<Provenance, RefreshError> {
    let source = config
        .source(name)
        .ok_or_else(|| RefreshError::Internal(format!("no source {name}")))?;
    let state = store.run_state(name)?;
    let file = config.output.preferred().file_name(name);
    Ok(Provenance {
        title: feed_title(source, state.heading.as_deref()),
        feed_url: Some(config.output.url_of(&file)),
        home: source
            .page_url()
            .cloned()
            .or_else(|| state.home.and_then(|h| Url::parse(&h).ok())),
    })
}

fn feed_provenance(store: &Store, input: &Input) -> Result<Provenance, RefreshError> {
    let state = store.run_state(&feed_key(input))?;
    Ok(Provenance {
        title: state.heading.unwrap_or_else(|| input.to_string()),
        feed_url: match input {
            Input::Url(u) => Some(u.clone()),
            Input::Path(_) => None,
        },
        home: state.home.and_then(|h| Url::parse(&h).ok()),
    })
}

/// The merge's inputs as stored, in config order (sources, then feeds).
fn inputs(
    config: &Config,
    store: &Store,
    m: &Merge,
    failed: &HashSet<String>,
    report: &mut Report,
) -> Result<Vec<merge::Input>, RefreshError> {
    // Every stored entry: merging, filters and `max_items` decide what shows.
    let all = usize::MAX;
    let mut inputs = Vec::new();
    for name in &m.sources {
        let source = config
            .source(name)
            .ok_or_else(|| RefreshError::Internal(format!("no source {name}")))?;
        inputs.push(merge::Input {
            provenance: source_provenance(config, store, name)?,
            entries: source.filter.apply(store.entries(name, all)?),
        });
        if failed.contains(name) {
            report.warnings.push(Warning::page(format!(
                "input {name} failed this run; its stored entries were used"
            )));
        }
    }
    for input in &m.feeds {
        inputs.push(merge::Input {
            provenance: feed_provenance(store, input)?,
            entries: store.entries(&feed_key(input), all)?,
        });
        if failed.contains(&input.to_string()) {
            report.warnings.push(Warning::page(format!(
                "input {input} failed this run; its stored entries were used"
            )));
        }
    }
    Ok(inputs)
}

/// Builds one merged feed from what the store holds for its inputs, and writes it. `failed` are
/// the inputs that failed in this run: their stored entries are still used, and the report says
/// so.
pub(super) fn build(
    config: &Config,
    store: &mut Store,
    m: &Merge,
    failed: &HashSet<String>,
) -> Result<Report, RefreshError> {
    let mut report = Report::new(&m.name);
    let inputs = inputs(config, store, m, failed, &mut report)?;
    report.found = inputs.iter().map(|i| i.entries.len()).sum();
    let merged = merge::merge(inputs, &store.aliases(&m.name)?);
    let feed = pipeline::merged_feed(m, config.output.max_items, merged.entries);
    report.entries = feed.entries.len();
    let Some(updated) = feed.updated() else {
        return Err(RefreshError::empty(format!(
            "merge {}: no entries from its inputs (after filters)",
            m.name
        )));
    };
    let entries = feed.entries.len();
    report.files = publish::feed(&config.output, feed)?;
    store.add_aliases(&m.name, &merged.new_aliases)?;
    store.record_published(&m.name, entries, updated.to_utc())?;
    Ok(report)
}

/// Writes the OPML list of every source and merge, in the preferred format.
pub(super) fn write_opml(
    config: &Config,
    store: &Store,
) -> Result<(std::path::PathBuf, WriteOutcome), RefreshError> {
    let url_of = |name: &str| {
        config
            .output
            .url_of(&config.output.preferred().file_name(name))
    };
    // Only feeds that have been written: a reader must not subscribe to a 404.
    let written = |name: &str| {
        let file = config.output.preferred().file_name(name);
        config.output.dir.join(file).is_file()
    };
    let mut outlines = Vec::new();
    for s in config.sources.iter().filter(|s| written(&s.name)) {
        let p = source_provenance(config, store, &s.name)?;
        outlines.push(Outline {
            description: s.description.clone().unwrap_or_else(|| p.title.clone()),
            title: p.title,
            xml_url: url_of(&s.name),
            html_url: p.home,
        });
    }
    for m in config.merges.iter().filter(|m| written(&m.name)) {
        outlines.push(Outline {
            title: m.title.clone(),
            description: m.description.clone().unwrap_or_else(|| m.title.clone()),
            xml_url: url_of(&m.name),
            html_url: None,
        });
    }
    let file = config.output.opml();
    if outlines.is_empty() {
        // OPML needs at least one outline; with no feed written yet there is nothing to list.
        return Ok((file.path, WriteOutcome::Unchanged));
    }
    let body = opml::render(&config.output.title, &outlines)
        .map_err(|e| RefreshError::Publish(e.into()))?;
    let outcome = publish::write_if_changed(&file.path, body.as_bytes())?;
    Ok((file.path, outcome))
}
