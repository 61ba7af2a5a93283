//! `tagfeed daemon` (the scheduler) and `tagfeed serve` (the HTTP server, with the scheduler
//! unless `--no-schedule`).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use tagfeed::daemon::{self, Options};
use tagfeed::serve::Limits;

use super::out::outln;
use super::{Exit, Global, load_config, lock, runtime};

#[derive(Debug, Args)]
pub struct DaemonArgs {}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on: 127.0.0.1:8080, localhost:8080, [::1]:8080, or :8080 for every
    /// interface. Port 0 picks a free port; the address is printed on stdout either way
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR", value_parser = listen_addr)]
    pub listen: SocketAddr,
    /// Only serve the feed folder; refresh nothing
    #[arg(long)]
    pub no_schedule: bool,
    /// Answer /status with 503 while a feed is failing, stale or never run (for a load balancer
    /// that should route around this server); default 200 with the details in the JSON
    #[arg(long)]
    pub status_503: bool,
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
        status_503: serve.is_some_and(|s| s.status_503),
    };
    // Printed even with -q: a script that asked for port 0 needs to know which one it got.
    runtime()?.block_on(daemon::run(config, opts, |addr| {
        outln!("listening on http://{addr}/");
    }))?;
    Ok(Exit::Ok)
}

/// `--listen`: an IP address and port, a host name and port (`localhost:8080`, the first address
/// it resolves to), or `:PORT` for every interface.
fn listen_addr(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Some(port) = s.strip_prefix(':') {
        let port: u16 = port
            .parse()
            .map_err(|_| format!("{port:?} is not a port number"))?;
        return Ok(SocketAddr::from(([0, 0, 0, 0], port)));
    }
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    use std::net::ToSocketAddrs as _;
    s.to_socket_addrs()
        .map_err(|e| {
            format!("{e}; write e.g. 127.0.0.1:8080, localhost:8080, [::1]:8080 or :8080")
        })?
        .next()
        .ok_or_else(|| format!("{s} resolves to no address"))
}

#[cfg(test)]
mod tests {
    use super::listen_addr;

    #[test]
    fn listen_takes_the_usual_spellings() {
        assert_eq!(
            listen_addr("127.0.0.1:8080").unwrap().to_string(),
            "127.0.0.1:8080"
        );
        assert_eq!(listen_addr(":8080").unwrap().to_string(), "0.0.0.0:8080");
        assert_eq!(listen_addr("[::1]:8080").unwrap().to_string(), "[::1]:8080");
        assert!(listen_addr("localhost:8080").unwrap().ip().is_loopback());
        assert!(listen_addr("localhost").is_err());
        assert!(listen_addr(":http").is_err());
    }
}
