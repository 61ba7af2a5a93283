//! `tagfeed init [URL]`: a starter config that passes `tagfeed check`; with a URL, its source is
//! the block `tagfeed suggest URL` prints for the page.

use std::io::Write as _;

use anyhow::Context as _;
use clap::Args;

use super::out::{capture, outln};
use super::suggest::{self, SuggestArgs};
use super::{Exit, Global, UsageError};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// A listing page: its items are detected and become the config's first source
    #[arg(value_name = "URL")]
    pub url: Option<String>,
}

/// The config's head: where feeds go and their public address.
const HEAD: &str = "\
# tagfeed config, written by `tagfeed init`. Every key: README.md, \"Config reference\".
# Relative paths start at this file's folder.

[output]
dir = \"feeds\"                              # where the feed files go
base_url = \"https://feeds.example.org/\"    # the public URL of that folder: change it to yours

";

/// A source to edit when no URL is given.
const EXAMPLE: &str = "\
# One [[source]] per listing page; `tagfeed suggest URL >> THIS_FILE` adds one with its items
# detected, `tagfeed preview --source NAME` shows what a source gives.
[[source]]
name = \"example\"                                    # the feed's file name: example.rss.xml…
url = \"https://www.example.org/news/tag/example/\"   # the listing page: replace with yours
";

pub fn init(g: &Global, a: &InitArgs) -> anyhow::Result<Exit> {
    let path = &g.config;
    if path.exists() {
        return Err(UsageError(format!(
            "{} exists; tagfeed init never overwrites a config: pass -c NEW_PATH, or add a \
             source with `tagfeed suggest URL >> {}`",
            path.display(),
            path.display()
        ))
        .into());
    }
    let source = match &a.url {
        None => EXAMPLE.to_string(),
        Some(url) => detected(g, url)?,
    };
    let text = format!("{HEAD}{source}");
    // What is written must pass `check`: parse it as a run would.
    tagfeed::config::parse(&text).context("the starter config does not validate (a bug)")?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut file =
        std::fs::File::create_new(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    if !g.quiet {
        let c = super::command(g);
        outln!(
            "wrote {}; next: set base_url, then `{c} check` and `{c} run`",
            path.display()
        );
    }
    Ok(Exit::Ok)
}

/// The `[[source]]` block `suggest` prints for `url`, or why there is none.
fn detected(g: &Global, url: &str) -> anyhow::Result<String> {
    let args = SuggestArgs {
        input: url.to_string(),
        page_url: None,
        next: None,
        one_page: false,
        all: false,
        json: false,
    };
    let (result, block) = capture(|| suggest::suggest(g, &args));
    match result? {
        Exit::Ok => Ok(block),
        _ => anyhow::bail!(
            "{url}: no list tagfeed is sure of; nothing written. Try `tagfeed suggest --all {url}` \
             and `tagfeed init` without a URL"
        ),
    }
}
