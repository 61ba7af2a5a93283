//! `tagfeed forget NAME…`: removes what tagfeed keeps for feeds that are gone from the config,
//! their stored entries and run state, and their feed files. Never done by a run.

use clap::Args;
use tagfeed::store::Store;

use super::out::outln;
use super::{Exit, Global, UsageError, load_config, lock, shown};

#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// Feeds removed from the config (as `tagfeed run` names them)
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
}

pub fn forget(g: &Global, a: &ForgetArgs) -> anyhow::Result<Exit> {
    let config = load_config(g)?;
    if let Some(kept) = a
        .names
        .iter()
        .find(|n| config.feed_names().any(|f| f == n.as_str()))
    {
        return Err(UsageError(format!(
            "{kept} is still in {}; remove it from the config first",
            g.config.display()
        ))
        .into());
    }
    let _lock = lock(&config)?;
    let mut store = Store::open(&config.store.path)?;
    let stored = store.names()?;
    let mut missing = 0;
    for name in &a.names {
        let files = tagfeed::refresh::files_of(&config.output.dir, name);
        if files.is_empty() && !stored.contains(name) {
            let gone = tagfeed::refresh::orphans(&config, &store)?;
            let near = tagfeed::text::nearest(name, gone.iter().map(|o| o.name.as_str()), 0.7);
            let hint = match near {
                Some(n) => format!("; did you mean {n}?"),
                None if gone.is_empty() => "; no feed gone from the config is kept".into(),
                None => {
                    let names: Vec<&str> = gone.iter().map(|o| o.name.as_str()).collect();
                    format!(
                        "; kept for feeds gone from the config: {}",
                        names.join(", ")
                    )
                }
            };
            super::out::errln!("error: {name}: nothing is kept under this name{hint}");
            missing += 1;
            continue;
        }
        let entries = store.forget(name)?;
        for f in &files {
            std::fs::remove_file(f)
                .map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", shown(f)))?;
        }
        if !g.quiet {
            let files: Vec<String> = files.iter().map(|f| shown(f)).collect();
            outln!(
                "{name}: forgot {entries} stored entries{}",
                match files.is_empty() {
                    true => String::new(),
                    false => format!(", removed {}", files.join(", ")),
                }
            );
        }
    }
    Ok(if missing == 0 { Exit::Ok } else { Exit::Failed })
}
