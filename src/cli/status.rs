//! `tagfeed status`: how each source has been doing, from the store.

use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::json;
use tagfeed::source::Input;
use tagfeed::store::{SourceState, Store, StoreError};

use super::out::outln;
use super::{Exit, Global, load_config, name_width, print_json};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON instead of one line per source
    #[arg(long)]
    pub json: bool,
}

pub fn status(g: &Global, a: &StatusArgs) -> anyhow::Result<Exit> {
    let config = load_config(g)?;
    // Looking never creates or migrates the store: with none yet, nothing has run.
    let store = match Store::open_read_only(&config.store.path) {
        Ok(s) => Some(s),
        Err(StoreError::Missing(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let now = Utc::now();
    let mut rows = Vec::new();
    let mut unhealthy = 0;
    for name in config.feed_names() {
        let st = match &store {
            Some(s) => s.state(name)?,
            None => SourceState {
                name: name.to_string(),
                ..SourceState::default()
            },
        };
        let h = st.health(now, config.store.stale_after).as_str();
        if h != "ok" {
            unhealthy += 1;
        }
        // The HTTP validators a web source will send next time.
        let validators = match (config.source(name).map(|s| &s.input), &store) {
            (Some(Input::Url(u)), Some(s)) => Some(s.validators(u.as_str())?),
            (Some(Input::Url(_)), None) => Some(Default::default()),
            _ => None,
        };
        rows.push((st, h, validators));
    }
    if a.json {
        let v: Vec<_> = rows
            .iter()
            .map(|(st, h, validators)| json!({"status": h, "state": st, "validators": validators}))
            .collect();
        print_json(&json!({"ok": unhealthy == 0, "sources": v}))?;
    } else {
        let width = name_width(&config);
        for (st, h, _) in &rows {
            let since = |d: Option<DateTime<Utc>>| d.map_or("-".to_string(), |d| d.to_rfc3339());
            let detail = match *h {
                "failing" => format!(
                    "failing since {} ({} failed run{}): {}",
                    since(st.failing_since),
                    st.consecutive_failures,
                    if st.consecutive_failures == 1 {
                        ""
                    } else {
                        "s"
                    },
                    st.last_error.as_deref().unwrap_or("")
                ),
                "stale" => format!("stale: last success {}", since(st.last_success)),
                "never run" => "never run".to_string(),
                _ => format!("ok: last success {}", since(st.last_success)),
            };
            let mut counts = Vec::new();
            if let Some(n) = st.feed_entries {
                counts.push(format!("{n} in the feed"));
            }
            if st.stored > 0 {
                counts.push(format!("{} entries stored", st.stored));
            }
            let counts = if counts.is_empty() {
                String::new()
            } else {
                format!("; {}", counts.join(", "))
            };
            if !g.quiet {
                outln!("{:<width$}  {detail}{counts}", st.name);
            }
        }
    }
    Ok(if unhealthy == 0 {
        Exit::Ok
    } else {
        Exit::Failed
    })
}
