//! The weights of the detection model, in the order of `features::NAMES`. Written by
//! `benches/accuracy/fit.py` from the labelled pages in `benches/accuracy/pages/` (1476
//! candidate lists on 45 pages); do not edit by hand: change the features or the pages and fit
//! again.

// Fitted numbers: one may come out close to a mathematical constant without being one.
#![allow(clippy::approx_constant)]

/// The weights: fitted to rank each page's right list first, the bias to make the score a
/// probability.
pub(crate) const WEIGHTS: [f64; 19] = [
    -6.9394, // bias
    1.6255,  // log_records
    0.0090,  // link_frac
    1.0023,  // title_words
    0.0469,  // distinct_titles
    0.1924,  // distinct_links
    1.1704,  // date_frac
    0.9092,  // heading_frac
    0.9623,  // in_main
    -0.6013, // in_chrome
    0.1668,  // same_host_frac
    0.1681,  // path_depth
    -0.4751, // link_density
    0.7678,  // log_text_len
    -0.2649, // utility_frac
    -0.3989, // position
    0.8737,  // summary_frac
    1.0227,  // alike
    1.2661,  // text_share
];

/// The score below which a page's best list is taken for no list of articles at all (a page
/// that is no listing): midway between the best such page and the right lists just above it.
pub(crate) const THRESHOLD: f64 = 0.602;
