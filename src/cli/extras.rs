//! `tagfeed completions SHELL` and `tagfeed man`: generated from the CLI definition itself, so
//! they never fall behind the options.

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

/// Prints the man page (roff), e.g. `tagfeed man > /usr/local/share/man/man1/tagfeed.1`.
pub fn man() -> anyhow::Result<Exit> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    out!("{}", String::from_utf8_lossy(&page));
    Ok(Exit::Ok)
}
