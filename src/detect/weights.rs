//! The weights of the detection model, in the order of `features::NAMES`. Written by
//! `benches/accuracy/fit.py` from the labelled pages in `benches/accuracy/pages/`; do not edit by
//! hand: change the features or the pages and fit again.

/// Logistic-regression weights.
pub(crate) const WEIGHTS: [f64; 17] = [
    -3.0, 0.5, 2.0, 2.0, 1.0, 2.0, 1.5, 1.0, 1.0, -2.0, 0.5, 1.0, -1.0, 1.0, -3.0, 0.0, 1.0,
];
