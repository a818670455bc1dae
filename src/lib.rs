//! socialtop: htop for followers. A library so tests and benches reach everything;
//! `main.rs` only calls [`cli::main`].
//!
//! Data flows one way: [`platforms`] → [`poller`] → [`store`] → [`status`] / views / exports.

pub mod alerts;
pub mod boot;
pub mod cli;
pub mod config;
pub mod demo;
pub mod effort;
pub mod export;
pub mod followers;
pub mod forecast;
pub mod http;
pub mod import;
pub mod lease;
pub mod logging;
pub mod metrics;
pub mod model;
pub mod platforms;
pub mod poller;
pub mod service;
pub mod status;
pub mod store;
pub mod text;
pub mod tracking;
pub mod tui;
pub mod util;
