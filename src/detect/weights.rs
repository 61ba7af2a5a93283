//! The weights of the detection model, in the order of `features::NAMES`. Written by
//! `benches/accuracy/fit.py` from the labelled pages in `benches/accuracy/pages/` (1459
//! candidate lists on 45 pages); do not edit by hand: change the features or the pages and fit
//! again.

/// The weights: fitted to rank each page's right list first, the bias to make the score a
/// probability.
pub(crate) const WEIGHTS: [f64; 18] = [
    -6.0863, // bias
    1.7033,  // log_records
    0.0178,  // link_frac
    0.9168,  // title_words
    0.1659,  // distinct_titles
    0.3341,  // distinct_links
    1.2131,  // date_frac
    0.8988,  // heading_frac
    0.9548,  // in_main
    -0.9683, // in_chrome
    0.3393,  // same_host_frac
    0.0369,  // path_depth
    -0.7763, // link_density
    1.0162,  // log_text_len
    -0.7140, // utility_frac
    -0.6100, // position
    0.6939,  // summary_frac
    0.7154,  // alike
];

/// The score below which a page's best list is taken for no list of articles at all (a page
/// that is no listing): midway between the best such page and the right lists just above it.
pub(crate) const THRESHOLD: f64 = 0.385;
