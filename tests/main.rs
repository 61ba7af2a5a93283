//! Integration tests: one binary, one module per topic. Fixtures live in tests/fixtures/.

mod cli;
mod corpus;
mod daemon;
mod detection;
mod external;
mod faults;
mod feeds;
mod http;
mod ids;
mod kill;
mod layers;
mod merge;
mod properties;
mod runs;
mod seed;
mod serve;
mod server;
mod support;
mod unchanged;
mod usability;
mod xss;
