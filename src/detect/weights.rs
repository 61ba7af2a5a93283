//! The weights of the detection model, in the order of `features::NAMES`. Written by
//! `benches/accuracy/fit.py` from the labelled pages in `benches/accuracy/pages/` (1476
//! candidate lists on 45 pages); do not edit by hand: change the features or the pages and fit
//! again.

// Fitted numbers: one may come out close to a mathematical constant without being one.
#![allow(clippy::approx_constant)]

/// The weights: fitted to rank each page's right list first, the bias to make the score a
/// probability.
pub(crate) const WEIGHTS: [f64; 18] = [
    -6.5530, // bias
    1.7290,  // log_records
    0.0146,  // link_frac
    0.8769,  // title_words
    0.1882,  // distinct_titles
    0.3390,  // distinct_links
    1.3403,  // date_frac
    1.1213,  // heading_frac
    0.9055,  // in_main
    -0.7895, // in_chrome
    0.2067,  // same_host_frac
    0.1488,  // path_depth
    -0.6888, // link_density
    1.0395,  // log_text_len
    -0.3250, // utility_frac
    -0.6847, // position
    0.8151,  // summary_frac
    0.9375,  // alike
];

/// The score below which a page's best list is taken for no list of articles at all (a page
/// that is no listing): midway between the best such page and the right lists just above it.
pub(crate) const THRESHOLD: f64 = 0.537;
