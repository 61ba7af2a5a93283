#![warn(missing_docs)]
//! tagfeed: archive listing pages → RSS 2.0, Atom 1.0 and JSON Feed.
//!
//! The modules follow the data: [`config`] → [`source`] → [`extract`] → [`normalize`] →
//! [`render`] → [`publish`], joined by [`refresh`], the one place where I/O meets the pure core.

pub mod config;
pub mod daemon;
pub mod extract;
pub mod fetch;
pub mod filter;
pub mod lock;
pub mod merge;
pub mod model;
pub mod normalize;
pub mod publish;
pub mod refresh;
pub mod render;
pub mod schedule;
pub mod serve;
pub mod source;
pub mod store;
