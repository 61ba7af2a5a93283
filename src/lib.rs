#![warn(missing_docs, unreachable_pub)]
//! tagfeed: archive listing pages → RSS 2.0, Atom 1.0 and JSON Feed.
//!
//! The modules are listed in the order the data flows, and each uses only modules listed above it
//! (`tests/layers.rs` checks this), so the graph has no cycle and no stage reaches into a later
//! one:
//!
//! - the vocabulary every stage shares: [`model`] (entries, feeds, formats, the rules for links,
//!   titles and dates), [`text`] and [`date`] (clean-up and date reading), [`filter`] and
//!   [`schedule`] (settings types that sources and merges share), [`metrics`] (the counters a
//!   long-running process keeps);
//! - the stages, in flow order: [`fetch`] and [`source`] (bytes of a page, and what a source is) →
//!   [`extract`] (raw entries) → [`normalize`] (entries: ids, links, dates), with [`detect`]
//!   finding the selectors of pages that come without → [`store`] → [`merge`] → [`render`];
//! - [`config`], which gathers every stage's settings from the TOML file;
//! - [`pipeline`], the pure assembly from a page's bytes to a feed, and [`publish`], which writes
//!   feed files;
//! - [`refresh`], the one place where I/O meets the pure core, one job at a time; [`lock`], which
//!   keeps runs from overlapping;
//! - [`serve`] and [`daemon`], the long-running side.
//!
//! `model`, `text`, `date`, `filter`, `extract`, `normalize`, `detect`, `merge`, `render` and
//! `pipeline` are pure: no network, filesystem, store or clock inside.

pub mod model;
pub mod text;

pub mod date;
pub mod filter;
pub mod metrics;
pub mod schedule;

pub mod fetch;
pub mod source;

pub mod extract;
pub mod normalize;

pub mod detect;

pub mod store;

pub mod merge;
pub mod render;

pub mod config;
pub mod pipeline;
pub mod publish;

pub mod refresh;

pub mod lock;
pub mod serve;

pub mod daemon;
