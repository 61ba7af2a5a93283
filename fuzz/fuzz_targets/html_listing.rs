//! An HTML listing through fixed selectors and the whole pipeline to a rendered feed.
#![no_main]
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tagfeed::config::{self, Config};
use tagfeed::model::OutputFormat;
use tagfeed::source::Loaded;

static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    config::parse(
        "[output]\nbase_url = \"https://feeds.example.org/\"\n[[source]]\nname = \"f\"\n\
         path = \"f.html\"\npage_url = \"https://site.example.org/tag/x/\"\n[source.select]\n\
         item = \"li, article, .item\"\ntitle = \"h2, a\"\nlink = \"a@href\"\ndate = \"time\"\n\
         summary = \"p\"\ncategories = \".tag\"\n",
    )
    .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let loaded = Loaded {
        bytes: data.to_vec(),
        charset: None,
        modified: None,
        url: None,
    };
    let now = chrono::DateTime::UNIX_EPOCH;
    if let Ok(built) = tagfeed::pipeline::build(&CONFIG, &CONFIG.sources[0], &loaded, now) {
        let self_url = url::Url::parse("https://feeds.example.org/f.xml").unwrap();
        for f in [OutputFormat::Rss, OutputFormat::Atom, OutputFormat::Json] {
            let _ = tagfeed::render::render(&built.feed, f, &self_url);
        }
    }
});
