//! Command-line interface: argument parsing, logging and the human/JSON output of each command.

mod check;
mod daemon;
mod extras;
mod forget;
mod init;
mod merge;
pub mod out;
mod preview;
mod run;
mod status;
pub(crate) mod suggest;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use out::{errln, outln};
use tagfeed::config::{Config, ConfigError};
use tagfeed::lock::{LockError, RunLock};

/// Turns tag and category listing pages into RSS 2.0, Atom 1.0 and JSON feeds, and merges feeds.
///
/// Exit codes: 0 ok, 1 some source failed, 2 usage or config error, 3 another run holds the lock.
#[derive(Debug, Parser)]
#[command(name = "tagfeed", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, shown under their own heading in every `--help`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Config file; relative paths inside it start at its folder
    #[arg(long, short = 'c', global = true, default_value = tagfeed::config::DEFAULT_PATH)]
    pub config: PathBuf,
    /// Print only errors (for cron)
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More detail on stderr; repeat for debug logs
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Colour in logs: auto (only on a terminal, and not when NO_COLOR is set), always, never
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
    /// Logs as text, or as one JSON object per line (for log shippers)
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, value_name = "FORMAT")]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// When logs carry ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether stderr gets colours: `auto` means a terminal and no `NO_COLOR` (no-color.org: set
    /// and not empty).
    fn on_stderr(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::IsTerminal::is_terminal(&std::io::stderr())
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build every source's feeds and write the files that changed
    Run(run::RunArgs),
    /// Validate the config and show what a run would produce, writing nothing
    Check(check::CheckArgs),
    /// Show the entries tagfeed would extract from a saved listing or a URL (to develop selectors)
    Preview(Box<preview::PreviewArgs>),
    /// Find a listing's items without selectors and print a ready [[source]] block for the config
    ///
    /// The block goes to stdout, with what was found (method, confidence, first entries, the
    /// page's own feed) as TOML comments, so `tagfeed suggest URL >> tagfeed.toml` works; warnings
    /// go to stderr. Its name is kept unique among the config's sources. Exit 1 when the page
    /// holds no list tagfeed is sure of (with --all the candidates are then all commented out).
    Suggest(Box<suggest::SuggestArgs>),
    /// Show each source's state: ok, failing since when and why, or stale
    Status(status::StatusArgs),
    /// Merge feed files or URLs into one feed, without a config
    Merge(Box<merge::MergeArgs>),
    /// Refresh sources and merges on their schedules until stopped (SIGTERM/SIGINT; SIGHUP reloads)
    Daemon(daemon::DaemonArgs),
    /// Serve the feeds over HTTP, and refresh them on schedule unless --no-schedule
    Serve(daemon::ServeArgs),
    /// Remove what is kept for feeds gone from the config: stored entries and feed files
    Forget(forget::ForgetArgs),
    /// Write a starter config that passes `check` (with a URL: its source detected by `suggest`)
    Init(init::InitArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(extras::CompletionsArgs),
    /// Print the man page (roff), e.g. `tagfeed man > /usr/local/share/man/man1/tagfeed.1`
    Man,
    /// Print the config file's JSON Schema, for editors that validate and complete TOML
    Schema,
}

/// Process exit codes, documented in README.md. Errors map to them in one place, [`exit_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Ok = 0,
    /// Some source, feed or merge failed, or the command could not do its work (store, output
    /// folder, network address).
    Failed = 1,
    /// A usage or config error: nothing was done.
    Usage = 2,
    /// Another run holds the lock.
    Locked = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// A mistake in the command line that clap cannot see (an unknown `--only` name, a field selector
/// without `--item`). Exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code of a failed command: config and usage errors 2, a held lock 3, everything else
/// (store, files, network, the runtime) 1.
pub fn exit_code(e: &anyhow::Error) -> Exit {
    if e.is::<ConfigError>() || e.is::<UsageError>() {
        Exit::Usage
    } else if matches!(e.downcast_ref::<LockError>(), Some(LockError::Busy { .. })) {
        Exit::Locked
    } else {
        Exit::Failed
    }
}

/// An error and its causes in one line, each cause once (most of tagfeed's errors already name
/// their cause).
pub fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

/// Runs the chosen command.
pub fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Run(a) => run::run(&cli.global, &a),
        Command::Check(a) => check::check(&cli.global, &a),
        Command::Preview(a) => preview::preview(&cli.global, &a),
        Command::Suggest(a) => suggest::suggest(&cli.global, &a),
        Command::Status(a) => status::status(&cli.global, &a),
        Command::Merge(a) => merge::merge(&cli.global, &a),
        Command::Daemon(_) => daemon::run(&cli.global, None),
        Command::Serve(a) => daemon::run(&cli.global, Some(&a)),
        Command::Init(a) => init::init(&cli.global, &a),
        Command::Forget(a) => forget::forget(&cli.global, &a),
        Command::Completions(a) => extras::completions(&a),
        Command::Man => extras::man(),
        Command::Schema => extras::schema(),
    }
}

/// Logs go to stderr: errors only with `-q`, warnings by default, `-v` info, `-vv` debug. The
/// daemon and the server log one info line per refresh by default (`-q`: errors only).
pub fn init_logging(cli: &Cli) {
    use tracing::level_filters::LevelFilter;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let g = &cli.global;
    let long_running = matches!(cli.command, Command::Daemon(_) | Command::Serve(_));
    let level = match (g.quiet, g.verbose) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::WARN,
        (false, 1) => LevelFilter::INFO,
        (false, _) => LevelFilter::DEBUG,
    };
    // The daemon's own lines (one per refresh, reloads, stopping) show by default; what a
    // refresh did page by page waits for -v.
    let mut filter = Targets::new().with_default(level);
    if long_running && !g.quiet && g.verbose == 0 {
        filter = filter
            .with_target("tagfeed::schedule", LevelFilter::INFO)
            .with_target("tagfeed::daemon", LevelFilter::INFO)
            .with_target("tagfeed::serve", LevelFilter::INFO);
    }
    let logs = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_writer(std::io::stderr)
        .with_target(false);
    match g.log_format {
        // A time on every line: a log shipper orders and keeps them.
        LogFormat::Json => logs.json().with_ansi(false).finish().with(filter).init(),
        LogFormat::Text => logs
            .with_ansi(g.color.on_stderr())
            .without_time()
            .finish()
            .with(filter)
            .init(),
    }
}

/// Loads the config named by `--config`.
fn load_config(g: &Global) -> Result<Config, ConfigError> {
    tagfeed::config::load(&g.config)
}

/// Takes the run lock next to the store, waiting up to `[fetch] lock_wait`.
fn lock(config: &Config) -> Result<RunLock, LockError> {
    let mut path = config.store.path.clone().into_os_string();
    path.push(".lock");
    tagfeed::lock::acquire(std::path::Path::new(&path), config.fetch.lock_wait)
}

/// The async runtime for commands that fetch.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Prints warnings about a source unless `-q`; warnings alike (the same problem on many items)
/// are one line with a count.
fn print_warnings(g: &Global, source: &str, warnings: &[tagfeed::model::Warning]) {
    if g.quiet {
        return;
    }
    for line in grouped(warnings) {
        errln!("warning: {source}: {line}");
    }
}

/// Warnings as lines, those that differ only in a quoted value or a number folded into the first
/// of them: `item 1 and 19 more (to item 20): link "/a" is relative…`.
fn grouped(warnings: &[tagfeed::model::Warning]) -> Vec<String> {
    let mut groups: Vec<(String, Vec<&tagfeed::model::Warning>)> = Vec::new();
    for w in warnings {
        let key = shape(&w.message);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(w),
            None => groups.push((key, vec![w])),
        }
    }
    groups
        .into_iter()
        .map(|(_, members)| match (members.as_slice(), members.last()) {
            ([first, _, ..], Some(last)) => match (first.origin, last.origin) {
                (Some(from), Some(to)) => format!(
                    "{from} and {} more (to {to}): {}",
                    members.len() - 1,
                    first.message
                ),
                _ => format!("{} ({} times)", first.message, members.len()),
            },
            _ => members[0].to_string(),
        })
        .collect()
}

/// A message with its quoted values and numbers blanked: what makes two warnings alike.
fn shape(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                out.push('"');
            }
            _ if quoted => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('#') {
                    out.push('#');
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Prints a JSON value on stdout.
fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `tagfeed`, with `-c CONFIG` when the config is not the default one: the start of a command to
/// suggest that works as written (the path quoted for the shell when it needs it).
fn command(g: &Global) -> String {
    let config = g.config.to_string_lossy();
    if config == tagfeed::config::DEFAULT_PATH {
        return "tagfeed".into();
    }
    let plain = config
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:,=@".contains(c));
    match plain {
        true => format!("tagfeed -c {config}"),
        false => format!("tagfeed -c '{}'", config.replace('\'', r"'\''")),
    }
}

/// A path as people read it: `config/../feeds` shown as `feeds`. Lexical only, for messages;
/// the path used stays as configured.
fn shown(path: &std::path::Path) -> String {
    use std::path::Component;
    let mut parts: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let clean: std::path::PathBuf = parts.iter().collect();
    if clean.as_os_str().is_empty() {
        ".".into()
    } else {
        clean.display().to_string()
    }
}

/// Width of the name column: the longest source or merge name.
fn name_width(config: &Config) -> usize {
    config.feed_names().map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use tagfeed::model::{Origin, Warning};

    #[test]
    fn warnings_alike_are_one_line_with_a_count() {
        let mut ws: Vec<Warning> = (1..=20)
            .map(|i| {
                Warning::at(
                    Origin::Item(i),
                    format!(
                        "link \"/links/{i}\" is relative and there is nothing to resolve it against"
                    ),
                )
            })
            .collect();
        ws.insert(3, Warning::at(Origin::Item(4), "no date found"));
        let lines = super::grouped(&ws);
        assert_eq!(
            lines,
            [
                "item 1 and 19 more (to item 20): link \"/links/1\" is relative and there is nothing to resolve it against",
                "item 4: no date found",
            ]
        );
    }
}
