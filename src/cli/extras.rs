//! `tagfeed completions SHELL`, `tagfeed man` and `tagfeed schema`: generated from the CLI
//! definition and the config's types themselves, so they never fall behind.

use clap::{Args, CommandFactory as _};

use super::out::out;
use super::{Cli, Exit};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script, e.g. `tagfeed completions bash > /etc/bash_completion.d/tagfeed`.
pub fn completions(a: &CompletionsArgs) -> anyhow::Result<Exit> {
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "tagfeed", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    Ok(Exit::Ok)
}

/// Prints the config's JSON Schema, for editors.
pub fn schema() -> anyhow::Result<Exit> {
    out!(
        "{}\n",
        serde_json::to_string_pretty(&tagfeed::config::schema())?
    );
    Ok(Exit::Ok)
}

/// Prints the man page (roff), e.g. `tagfeed man > /usr/local/share/man/man1/tagfeed.1`.
pub fn man() -> anyhow::Result<Exit> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    out!("{}", String::from_utf8_lossy(&page));
    Ok(Exit::Ok)
}
