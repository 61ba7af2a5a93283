//! Feeds the config no longer names: what the store still holds for them, and their files in the
//! feed folder. A run reports them; only `tagfeed forget NAME` removes them, never a run (a source
//! commented out for a day must not lose its history).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::model::OutputFormat;
use crate::store::{Store, StoreError};

use super::feed_key;

/// One feed that is gone from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// Its name (a source or merge), or `feed:URL` for an external feed no merge reads any more.
    pub name: String,
    /// Entries the store keeps for it.
    pub entries: usize,
    /// Its feed files still in the folder.
    pub files: Vec<PathBuf>,
}

/// Every feed the store or the feed folder has and the config does not name, by name.
pub fn orphans(config: &Config, store: &Store) -> Result<Vec<Orphan>, StoreError> {
    let known: HashSet<String> = config
        .feed_names()
        .map(str::to_string)
        .chain(config.external_feeds().into_iter().map(feed_key))
        .collect();
    let mut found: BTreeMap<String, Orphan> = BTreeMap::new();
    for name in store.names()? {
        if !known.contains(&name) {
            let entries = store.state(&name)?.stored;
            found.insert(name.clone(), orphan(&config.output.dir, name, entries));
        }
    }
    for stem in feed_stems(&config.output.dir) {
        if !known.contains(&stem) && !found.contains_key(&stem) {
            found.insert(stem.clone(), orphan(&config.output.dir, stem, 0));
        }
    }
    Ok(found.into_values().collect())
}

fn orphan(dir: &Path, name: String, entries: usize) -> Orphan {
    let files = files_of(dir, &name);
    Orphan {
        name,
        entries,
        files,
    }
}

/// The feed files of `name` in `dir`, in any format (the config may have dropped one).
pub fn files_of(dir: &Path, name: &str) -> Vec<PathBuf> {
    OutputFormat::ALL
        .iter()
        .map(|f| dir.join(format!("{name}.{}", f.extension())))
        .filter(|p| p.is_file())
        .collect()
}

/// Names of the feed files in `dir` (`x` for `x.rss.xml`, `x.atom.xml`, `x.json`).
fn feed_stems(dir: &Path) -> Vec<String> {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    listing
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|file| {
            OutputFormat::ALL.iter().find_map(|f| {
                file.strip_suffix(&format!(".{}", f.extension()))
                    .filter(|stem| !stem.is_empty() && !stem.starts_with('.'))
                    .map(str::to_string)
            })
        })
        .collect()
}
