use scraper::Html;

use super::*;

#[test]
fn the_compiled_in_presets_are_valid() {
    let presets = presets::load().unwrap();
    assert!(presets.len() >= 10);
    let mut names: Vec<&str> = presets.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), presets.len(), "preset names are unique");
}

#[test]
fn feeds_the_page_links() {
    let doc = Html::parse_document(
        r#"<html><head><link rel="alternate" type="application/rss+xml" title="Tag X" href="/tag/x/feed/">
        <link rel="alternate" hreflang="de" href="/de/"></head></html>"#,
    );
    let page = Url::parse("https://e.org/tag/x/").unwrap();
    let f = feeds(&doc, Some(&page));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].url.as_str(), "https://e.org/tag/x/feed/");
    assert_eq!(f[0].title.as_deref(), Some("Tag X"));
}

#[test]
fn a_plain_list_of_articles_is_found() {
    let items: String = (1..=6)
        .map(|i| {
            format!(
                "<div class=\"teaser\"><h3><a href=\"/news/2024/story-{i}\">Story number {i} about the long weekend plans</a></h3>\
                 <span class=\"when\">Posted on {i} March 2024 by admin</span><p>Some words about story {i}, long enough to be a summary of it.</p></div>"
            )
        })
        .collect();
    let html = format!(
        "<html><body><nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/about\">About</a></li><li><a href=\"/tag/x\">X</a></li></ul></nav>\
         <main><div id=\"stories\">{items}</div></main><footer><a href=\"/imprint\">Imprint</a><a href=\"/privacy\">Privacy</a></footer></body></html>"
    );
    let doc = Html::parse_document(&html);
    let page = Url::parse("https://e.org/news/").unwrap();
    let found = detect(&doc, Some(&page), 3);
    let best = &found[0];
    assert_eq!(best.method, Method::Generic);
    let select = best.selectors().unwrap();
    assert_eq!(select.item.as_str(), "div.teaser");
    // The one date in each item's text is found without a selector.
    assert_eq!(select.date, None);
    let listing = crate::extract::html::extract_doc(&doc, select);
    assert_eq!(listing.entries.len(), 6);
    let date = listing.entries[2].date.as_deref().unwrap();
    let day = crate::date::find(date, &Default::default()).unwrap();
    assert_eq!(day.date_naive().to_string(), "2024-03-03", "{date}");
    assert_eq!(select.summary.as_ref().map(|f| f.as_str()), Some("p"));
    assert!(best.confidence > 0.5, "{best:?}");
}

#[test]
fn detections_survive_the_store() {
    let select = Selectors::from_written([("item", "li.post"), ("date", "span.when")]).unwrap();
    let d = Detection {
        method: Method::Preset("wordpress".into()),
        recipe: Recipe::Selectors(Box::new(select)),
        confidence: 0.8765,
        reasons: vec!["why".into()],
    };
    let back = Detection::from_json(&d.to_json()).unwrap();
    assert_eq!(back.method, d.method);
    assert_eq!(back.recipe, d.recipe);
    assert_eq!(back.confidence, 0.877);
    assert_eq!(d.describe(), "item \"li.post\", date \"span.when\"");
    let ld = Detection {
        method: Method::JsonLd,
        recipe: Recipe::JsonLd,
        confidence: 0.95,
        reasons: Vec::new(),
    };
    assert_eq!(
        Detection::from_json(&ld.to_json()).unwrap().recipe,
        Recipe::JsonLd
    );
    assert_eq!(Detection::from_json("{\"method\":1}"), None);
}

#[test]
fn items_split_over_two_elements_are_read_whole() {
    // arXiv's listing: the link in a <dt>, the title and subjects in the <dd> after it.
    let pairs: String = (1..=6)
        .map(|i| {
            format!(
                "<dt><a href=\"/abs/2111.0{i}\">arXiv:2111.0{i}</a> [<a href=\"/pdf/2111.0{i}\">pdf</a>]</dt>\
                 <dd><div class=\"list-title\">A study of spaces number {i} and their convergence</div>\
                 <div class=\"list-authors\"><a href=\"/a/{i}\">Author {i}</a></div>\
                 <p>Some words on the paper {i}, long enough to be read as its summary by anyone.</p></dd>"
            )
        })
        .collect();
    let html =
        format!("<html><body><main><h3>Wed, 10 Nov 2021</h3><dl>{pairs}</dl></main></body></html>");
    let doc = Html::parse_document(&html);
    let page = Url::parse("https://e.org/list/").unwrap();
    let found = generic(&doc, Some(&page), 1);
    let select = found[0].selectors().unwrap();
    assert_eq!(select.item.as_str(), "dt");
    assert_eq!(
        select.title.as_ref().map(|f| f.as_str()),
        Some("+ div.list-title")
    );
    let listing = crate::extract::html::extract_doc(&doc, select);
    let e = &listing.entries[1];
    assert_eq!(e.link.as_deref(), Some("/abs/2111.02"));
    assert_eq!(
        e.title.as_deref(),
        Some("A study of spaces number 2 and their convergence")
    );
    assert_eq!(e.date.as_deref(), Some("Wed, 10 Nov 2021"));
}

#[test]
fn rows_of_a_classless_table_among_others_get_a_selector() {
    // An old forum: tables in tables, not a class anywhere; a layout attribute tells the topic
    // table from the navigation table beside it.
    let nav: String = (1..=4)
        .map(|i| format!("<tr><td><a href=\"/nav/{i}\">Section {i}</a></td></tr>"))
        .collect();
    let topics: String = (1..=8)
        .map(|i| format!("<tr><td><a href=\"/thread?id={i}\">Topic {i}</a></td><td>{i}</td></tr>"))
        .collect();
    let html = format!(
        "<html><body><table width=\"100%\"><tr><td><table>{nav}</table></td></tr>\
         <tr><td><table cellpadding=\"3\">{topics}</table></td></tr></table></body></html>"
    );
    let doc = Html::parse_document(&html);
    let root = doc.root_element();
    let rows = Selector::parse("table[cellpadding] tr").unwrap();
    let group = candidates::Group {
        tag: "tr",
        classes: Vec::new(),
        records: root.select(&rows).collect(),
        paired: false,
    };
    let css = derive::item_selector(root, &group).expect("a selector for the topic rows");
    let picked = root.select(&Selector::parse(&css).unwrap()).count();
    assert_eq!(picked, 8, "{css}");
}

#[test]
fn a_menu_of_links_is_no_summary() {
    // A forum's topic: its author's pop-up menu holds more text than the teaser, all of it links.
    let items: String = (1..=6)
        .map(|i| {
            format!(
                "<li class=\"topic\"><h3><a href=\"/t/{i}\">Topic {i} about something</a></h3>\
                 <div class=\"menu\"><a href=\"/u/{i}\">View the profile of author number {i}</a>\
                 <a href=\"/pm/{i}\">Send a private message to author {i}</a>\
                 <a href=\"/find/{i}\">Find every post by author number {i}</a></div>\
                 <p>The opening words of topic {i}, which is what a reader wants.</p></li>"
            )
        })
        .collect();
    let html = format!("<html><body><main><ul>{items}</ul></main></body></html>");
    let doc = Html::parse_document(&html);
    let page = Url::parse("https://forum.example.org/").unwrap();
    let found = generic(&doc, Some(&page), 1);
    let select = found[0].selectors().unwrap();
    assert_eq!(select.summary.as_ref().map(|f| f.as_str()), Some("p"));
}

#[test]
fn a_featured_slider_is_not_the_list() {
    // A category page shows the site's featured stories in a slider above its own list; the
    // slider has more and richer records, but it is the same on every page of the site.
    let slides: String = (1..=12)
        .map(|i| {
            format!(
                "<li><h2><a href=\"/featured/story-{i}\">Featured story {i} that the editors picked for the front</a></h2>\
                 <p>The opening lines of featured story {i}, a long teaser written for the slider of the site.</p></li>"
            )
        })
        .collect();
    let items: String = (1..=8)
        .map(|i| {
            format!(
                "<article class=\"item\"><h2><a href=\"/news/item-{i}\">Local news item {i} from the town hall meeting</a></h2>\
                 <p>What happened in item {i}, told in the few words of a teaser on a category page.</p></article>"
            )
        })
        .collect();
    let html = format!(
        "<html><body><div class=\"flexslider\"><ul class=\"slides\">{slides}</ul></div>\
         <div class=\"content\">{items}</div></body></html>"
    );
    let doc = Html::parse_document(&html);
    let page = Url::parse("https://e.org/category/local/").unwrap();
    let found = detect(&doc, Some(&page), 3);
    let select = found[0].selectors().unwrap();
    assert_eq!(select.item.as_str(), "article.item", "{found:?}");
}
