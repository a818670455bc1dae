//! The integration tests, as one test binary (one link instead of one per file).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod alerts;
mod all_platforms;
mod backfill;
mod backfill_newsletters;
mod cli_poll;
mod common;
mod config_cli;
mod creator_platforms;
mod dashboard;
mod edit_config;
mod effort_cli;
mod export;
mod followers;
mod forecast;
mod hostile;
mod imports;
mod layers;
mod lease;
mod locked_db;
mod meta_platforms;
mod metrics;
mod newsletter_platforms;
mod oauth_platforms;
mod platforms;
mod platforms_more;
mod postgres;
mod side_by_side;
mod trust;
mod unix_cli;
mod watching;
