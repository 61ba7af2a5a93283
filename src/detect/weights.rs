//! The weights of the detection model, in the order of `features::NAMES`. Written by
//! `benches/accuracy/fit.py` from the labelled pages in `benches/accuracy/pages/` (1476
//! candidate lists on 45 pages); do not edit by hand: change the features or the pages and fit
//! again.

// Fitted numbers: one may come out close to a mathematical constant without being one.
#![allow(clippy::approx_constant)]

/// The weights: fitted to rank each page's right list first, the bias to make the score a
/// probability.
pub(crate) const WEIGHTS: [f64; 18] = [
    -6.1625, // bias
    1.7082,  // log_records
    0.0180,  // link_frac
    0.9420,  // title_words
    0.1972,  // distinct_titles
    0.3228,  // distinct_links
    1.2072,  // date_frac
    0.8983,  // heading_frac
    0.9263,  // in_main
    -0.9007, // in_chrome
    0.3502,  // same_host_frac
    0.0600,  // path_depth
    -0.7879, // link_density
    1.0184,  // log_text_len
    -0.7062, // utility_frac
    -0.6051, // position
    0.7071,  // summary_frac
    0.7282,  // alike
];

/// The score below which a page's best list is taken for no list of articles at all (a page
/// that is no listing): midway between the best such page and the right lists just above it.
pub(crate) const THRESHOLD: f64 = 0.537;
