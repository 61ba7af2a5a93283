//! `tagfeed daemon` (the scheduler) and `tagfeed serve` (the HTTP server, with the scheduler
//! unless `--no-schedule`).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use tagfeed::daemon::{self, Options};
use tagfeed::serve::Limits;

use super::out::errln;
use super::{Exit, Global, load_config, lock, runtime};

#[derive(Debug, Args)]
pub struct DaemonArgs {}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port and prints it)
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Only serve the feed folder; refresh nothing
    #[arg(long)]
    pub no_schedule: bool,
    /// Most client connections open at once (kept under the open-file limit)
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_connections: usize,
    /// Seconds a client has to send a request's head; also ends idle keep-alive connections
    #[arg(long, default_value_t = 10, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a connection may move no byte before it is closed (a reader that stopped reading)
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
}

/// Runs the daemon; `serve` adds the HTTP server.
pub fn run(g: &Global, serve: Option<&ServeArgs>) -> anyhow::Result<Exit> {
    let config = load_config(g)?;
    let schedule = serve.is_none_or(|s| !s.no_schedule);
    // A scheduling daemon owns the run lock, so a cron `tagfeed run` beside it waits or exits 3.
    let _lock = schedule.then(|| lock(&config)).transpose()?;
    let opts = Options {
        config_path: g.config.clone(),
        listen: serve.map(|s| s.listen),
        limits: serve.map_or_else(Limits::default, |s| Limits {
            max_connections: s.max_connections.max(1),
            header_timeout: Duration::from_secs(s.header_timeout),
            idle_timeout: Duration::from_secs(s.idle_timeout),
        }),
        schedule,
        watch_every: Duration::from_secs(2),
    };
    let quiet = g.quiet;
    runtime()?.block_on(daemon::run(config, opts, |addr| {
        if !quiet {
            errln!("listening on http://{addr}/");
        }
    }))?;
    Ok(Exit::Ok)
}
