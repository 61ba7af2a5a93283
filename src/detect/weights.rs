//! The weights of the detection model, in the order of `features::NAMES`. Written by
//! `benches/accuracy/fit.py` from the labelled pages in `benches/accuracy/pages/` (1476
//! candidate lists on 45 pages); do not edit by hand: change the features or the pages and fit
//! again.

// Fitted numbers: one may come out close to a mathematical constant without being one.
#![allow(clippy::approx_constant)]

/// The weights: fitted to rank each page's right list first, the bias to make the score a
/// probability.
pub(crate) const WEIGHTS: [f64; 19] = [
    -6.8131, // bias
    1.6170,  // log_records
    0.0116,  // link_frac
    0.8705,  // title_words
    0.1676,  // distinct_titles
    0.2529,  // distinct_links
    1.1807,  // date_frac
    0.9737,  // heading_frac
    0.9745,  // in_main
    -0.6492, // in_chrome
    0.1957,  // same_host_frac
    0.1717,  // path_depth
    -0.5660, // link_density
    0.8219,  // log_text_len
    -0.3561, // utility_frac
    -0.4895, // position
    0.5514,  // summary_frac
    1.0399,  // alike
    1.1906,  // text_share
];

/// The score below which a page's best list is taken for no list of articles at all (a page
/// that is no listing): midway between the best such page and the right lists just above it.
pub(crate) const THRESHOLD: f64 = 0.573;
