//! Our [`Feed`] → bytes in each output format. Renderers are pure: same feed, same bytes.

pub mod atom;
pub mod json;
pub mod opml;
pub mod rss;

use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;
use url::Url;

use crate::model::{Entry, Feed};

/// Where the project lives, for generator elements.
pub const PROJECT_URL: &str = "https://github.com/tagfeed/tagfeed";

/// The output formats tagfeed writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "rss" => Ok(OutputFormat::Rss),
            "atom" => Ok(OutputFormat::Atom),
            "json" => Ok(OutputFormat::Json),
            other => Err(format!(
                "unknown format {other:?}: use \"rss\", \"atom\" or \"json\""
            )),
        }
    }
}

impl OutputFormat {
    /// Every format, in the order files are written and listed.
    pub const ALL: [OutputFormat; 3] = [OutputFormat::Rss, OutputFormat::Atom, OutputFormat::Json];

    /// File name suffix: `<name>.rss.xml`, `<name>.atom.xml`, `<name>.json`.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Rss => "rss.xml",
            OutputFormat::Atom => "atom.xml",
            OutputFormat::Json => "json",
        }
    }

    /// The media type the file must be served with.
    pub fn media_type(self) -> &'static str {
        match self {
            OutputFormat::Rss => "application/rss+xml",
            OutputFormat::Atom => "application/atom+xml",
            OutputFormat::Json => "application/feed+json",
        }
    }

    /// The file name of feed `name` in this format.
    pub fn file_name(self, name: &str) -> String {
        format!("{name}.{}", self.extension())
    }

    /// The public URL of feed `name` in this format under `base_url` (which ends with `/`).
    pub fn self_url(self, base_url: &Url, name: &str) -> Url {
        // A slug plus a fixed suffix always joins; fall back to the base rather than panic.
        base_url
            .join(&self.file_name(name))
            .unwrap_or_else(|_| base_url.clone())
    }
}

/// Renders `feed` in `format`, announcing `self_url` as its address.
pub fn render(feed: &Feed, format: OutputFormat, self_url: &Url) -> String {
    match format {
        OutputFormat::Rss => rss::render(feed, self_url),
        OutputFormat::Atom => atom::render(feed, self_url),
        OutputFormat::Json => json::render(feed, self_url),
    }
}

/// Entries' last-change dates made unique: where two entries share a timestamp (two articles
/// published the same day have the same midnight), the newer one in feed order gets one second
/// more, and so on. Atom's `updated` must differ between entries for validators and some readers;
/// the published date is left as the page gave it. Returned in the entries' order.
pub fn distinct_dates(entries: &[Entry]) -> Vec<DateTime<FixedOffset>> {
    let mut used = std::collections::HashSet::new();
    let mut out = vec![DateTime::<FixedOffset>::default(); entries.len()];
    for (i, e) in entries.iter().enumerate().rev() {
        let mut d = e.last_change();
        while !used.insert(d.timestamp()) {
            d += Duration::seconds(1);
        }
        out[i] = d;
    }
    out
}
