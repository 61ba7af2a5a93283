//! Politeness: one request at a time per host, a minimum pause between requests to a host, and a
//! bound on how many hosts are fetched at once.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

/// The per-host gates of one fetcher.
pub(crate) struct Gates {
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Last>>>>>,
    crawl_delays: Mutex<HashMap<String, Duration>>,
    slots: Semaphore,
}

/// A host's last request: when it ended, and whether it was paced (a page, not robots.txt).
#[derive(Debug, Clone, Copy)]
struct Last {
    at: Instant,
    paced: bool,
}

/// Hosts are told apart by scheme, name and port: that is what a server sees as one client.
pub(crate) fn host_key(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

impl Gates {
    /// Gates allowing `concurrency` hosts at once.
    pub(crate) fn new(concurrency: usize) -> Self {
        Gates {
            hosts: Mutex::new(HashMap::new()),
            crawl_delays: Mutex::new(HashMap::new()),
            slots: Semaphore::new(concurrency.max(1)),
        }
    }

    /// Remembers a host's robots.txt `Crawl-delay`, which lengthens the minimum pause. True when
    /// it is new for the host (worth saying once).
    pub(crate) fn set_crawl_delay(&self, url: &Url, delay: Duration) -> bool {
        let Ok(mut m) = self.crawl_delays.lock() else {
            return false;
        };
        m.insert(host_key(url), delay) != Some(delay)
    }

    fn gate(&self, key: &str) -> Arc<tokio::sync::Mutex<Option<Last>>> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts.entry(key.to_string()).or_default().clone()
    }

    /// Runs `request` when the host is free and its pause is over, holding the host meanwhile.
    /// After a request that is not `paced` (robots.txt) only `min_delay` is kept, never the
    /// crawl delay, so that never holds back the first page of a host.
    pub(crate) async fn polite<T>(
        &self,
        url: &Url,
        min_delay: Duration,
        paced: bool,
        request: impl Future<Output = T>,
    ) -> T {
        let key = host_key(url);
        let gate = self.gate(&key);
        let mut last = gate.lock().await;
        let crawl = self
            .crawl_delays
            .lock()
            .ok()
            .and_then(|m| m.get(&key).copied())
            .unwrap_or_default();
        if let Some(prev) = *last {
            // A crawl delay spaces pages; after robots.txt only the usual pause is kept.
            let pause = if prev.paced {
                min_delay.max(crawl)
            } else {
                min_delay
            };
            tokio::time::sleep_until(prev.at + pause).await;
        }
        let out = {
            // The semaphore is never closed, so acquiring cannot fail.
            let _slot = self.slots.acquire().await.ok();
            request.await
        };
        *last = Some(Last {
            at: Instant::now(),
            paced,
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_host_waits_other_hosts_do_not() {
        let gates = Arc::new(Gates::new(8));
        let a = Url::parse("http://a.test/x").unwrap();
        let b = Url::parse("http://b.test/x").unwrap();
        let start = Instant::now();
        let delay = Duration::from_secs(1);
        let mut tasks = Vec::new();
        for url in [a.clone(), a.clone(), a, b] {
            let g = gates.clone();
            tasks.push(tokio::spawn(async move {
                g.polite(&url, delay, true, async { Instant::now() - start })
                    .await
            }));
        }
        let mut started = Vec::new();
        for t in tasks {
            started.push(t.await.unwrap().as_secs());
        }
        // Three requests to a.test one second apart; b.test right away.
        started.sort();
        assert_eq!(started, [0, 0, 1, 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_crawl_delay_holds_back_the_second_page_not_the_first() {
        let gates = Gates::new(8);
        let url = Url::parse("http://a.test/robots.txt").unwrap();
        let start = Instant::now();
        let pause = Duration::from_secs(1);
        gates.polite(&url, pause, false, async {}).await;
        assert!(gates.set_crawl_delay(&url, Duration::from_secs(30)));
        assert!(!gates.set_crawl_delay(&url, Duration::from_secs(30)));
        gates.polite(&url, pause, true, async {}).await;
        assert_eq!(
            start.elapsed().as_secs(),
            1,
            "the first page waits the usual pause only"
        );
        gates.polite(&url, pause, true, async {}).await;
        assert_eq!(start.elapsed().as_secs(), 31);
    }

    #[test]
    fn hosts_include_the_port() {
        let k = |s: &str| host_key(&Url::parse(s).unwrap());
        assert_eq!(k("https://E.org/a"), k("https://e.org:443/b"));
        assert_ne!(k("http://127.0.0.1:8080/"), k("http://127.0.0.1:8081/"));
    }
}
