//! Parse-only floor: reads every `*.html` in a folder, parses it with html5ever
//! (`scraper::Html::parse_document`) and selects what tagfeed extracts from each `article.post`
//! item (title text, link href, `time@datetime`, the summary's inner HTML), on one thread.
//! usage: parse-floor PAGES_DIR   → prints pages, items and bytes on stdout
use scraper::{Html, Selector};
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: parse-floor PAGES_DIR");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("read_dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    paths.sort();
    let sel = |s: &str| Selector::parse(s).expect("selector");
    let (item, title, link, date, summary) =
        (sel("article.post"), sel("h1, h2, h3, h4, h5, h6"), sel("a[href]"), sel("time[datetime], [datetime]"), sel(".summary"));
    let (mut items, mut bytes, mut chars, mut parse_s) = (0usize, 0usize, 0usize, 0f64);
    let start = Instant::now();
    for path in &paths {
        let raw = std::fs::read(path).expect("read page");
        bytes += raw.len();
        let text = String::from_utf8_lossy(&raw);
        let t = Instant::now();
        let doc = Html::parse_document(&text);
        parse_s += t.elapsed().as_secs_f64();
        for it in doc.select(&item) {
            items += 1;
            if let Some(h) = it.select(&title).next() {
                chars += h.text().map(str::len).sum::<usize>();
            }
            if let Some(a) = it.select(&link).next() {
                chars += a.value().attr("href").map_or(0, str::len);
            }
            if let Some(d) = it.select(&date).next() {
                chars += d.value().attr("datetime").map_or(0, str::len);
            }
            if let Some(s) = it.select(&summary).next() {
                chars += s.inner_html().len();
            }
        }
    }
    println!(
        "pages {} items {} bytes {} extracted_chars {} parse_s {:.3} total_s {:.3}",
        paths.len(), items, bytes, chars, parse_s, start.elapsed().as_secs_f64()
    );
}
