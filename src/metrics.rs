//! What a long-running tagfeed counts for `GET /metrics` (Prometheus text format): refresh runs,
//! fetches by outcome, entries and feed files, and the server's requests and latencies. One
//! registry per process (or per test), handed to the parts that count; nothing global.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// One label: what a run, fetch or request ended with.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: String,
}

/// One label: the HTTP status code sent.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Code {
    code: u16,
}

/// One label: the feed.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedName {
    feed: String,
}

/// The counters; cheap to update from any thread.
pub struct Metrics {
    registry: Registry,
    runs: Family<Outcome, Counter>,
    fetches: Family<Outcome, Counter>,
    entries_new: Counter,
    feed_entries: Family<FeedName, Gauge>,
    files_written: Counter,
    requests: Family<Code, Counter>,
    latency: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut m = Metrics {
            registry: Registry::default(),
            runs: Family::default(),
            fetches: Family::default(),
            entries_new: Counter::default(),
            feed_entries: Family::default(),
            files_written: Counter::default(),
            requests: Family::default(),
            // 0.1 ms to about 1.6 s.
            latency: Histogram::new(exponential_buckets(0.0001, 2.0, 15)),
        };
        let r = &mut m.registry;
        r.register(
            "tagfeed_runs",
            "Refresh jobs run, by outcome (ok, failed)",
            m.runs.clone(),
        );
        r.register(
            "tagfeed_fetches",
            "HTTP fetches of listings, robots.txt excluded, by outcome (2xx, 304, 4xx, 5xx, network)",
            m.fetches.clone(),
        );
        r.register(
            "tagfeed_entries_new",
            "Entries stored for the first time",
            m.entries_new.clone(),
        );
        r.register(
            "tagfeed_feed_entries",
            "Entries in each feed after its last refresh",
            m.feed_entries.clone(),
        );
        r.register(
            "tagfeed_feed_files_written",
            "Feed files written because their content changed",
            m.files_written.clone(),
        );
        r.register(
            "tagfeed_http_requests",
            "Requests answered by `tagfeed serve`, by status code",
            m.requests.clone(),
        );
        r.register(
            "tagfeed_http_request_duration_seconds",
            "Time `tagfeed serve` took to answer a request",
            m.latency.clone(),
        );
        m
    }
}

impl Metrics {
    /// A refresh job ended.
    pub fn run(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        self.count(&self.runs, outcome);
    }

    /// A fetch ended with HTTP `status`, or with no answer (`None`).
    pub fn fetch(&self, status: Option<u16>) {
        let outcome = match status {
            Some(304) => "304",
            Some(s) if s < 300 => "2xx",
            Some(s) if s < 500 => "4xx",
            Some(_) => "5xx",
            None => "network",
        };
        self.count(&self.fetches, outcome);
    }

    /// A feed was refreshed: its entries, how many were new, how many of its files were written.
    pub fn feed(&self, name: &str, entries: usize, new: usize, written: usize) {
        let label = FeedName {
            feed: name.to_string(),
        };
        self.feed_entries
            .get_or_create(&label)
            .set(i64::try_from(entries).unwrap_or(i64::MAX));
        self.entries_new.inc_by(new as u64);
        self.files_written.inc_by(written as u64);
    }

    /// The server answered a request with `status` after `took`.
    pub fn request(&self, status: u16, took: Duration) {
        // A number label: counting a request allocates nothing.
        self.requests.get_or_create(&Code { code: status }).inc();
        self.latency.observe(took.as_secs_f64());
    }

    fn count(&self, family: &Family<Outcome, Counter>, outcome: &str) {
        family
            .get_or_create(&Outcome {
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// Everything in the Prometheus text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_come_out_in_the_text_format() {
        let m = Metrics::default();
        m.run(true);
        m.run(false);
        m.run(true);
        m.fetch(Some(200));
        m.fetch(Some(304));
        m.fetch(None);
        m.feed("news", 20, 3, 2);
        m.request(200, Duration::from_millis(2));
        let text = m.encode();
        for line in [
            "tagfeed_runs_total{outcome=\"ok\"} 2",
            "tagfeed_runs_total{outcome=\"failed\"} 1",
            "tagfeed_fetches_total{outcome=\"304\"} 1",
            "tagfeed_fetches_total{outcome=\"network\"} 1",
            "tagfeed_entries_new_total 3",
            "tagfeed_feed_entries{feed=\"news\"} 20",
            "tagfeed_feed_files_written_total 2",
            "tagfeed_http_requests_total{code=\"200\"} 1",
            "tagfeed_http_request_duration_seconds_count 1",
        ] {
            assert!(text.contains(line), "{line}:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
