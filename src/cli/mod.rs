//! Command-line interface: argument parsing and the script-facing commands.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Parser, Subcommand, ValueEnum};
use jiff::Timestamp;

mod export;
mod history;
mod time;

pub use time::effort_table;

use crate::boot::Paths;
use crate::config::{self, Config};

#[derive(Debug, Parser)]
#[command(
    name = "socialtop",
    version,
    about = "htop for your followers: live follower counts, growth and time spent, kept locally",
    after_help = "Without a command, opens the dashboard."
)]
pub struct Cli {
    /// Config file (default: the platform's config dir, e.g. ~/.config/socialtop/config.toml)
    #[arg(long, global = true, env = "SOCIALTOP_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Directory of the history database and logs
    #[arg(long, global = true, env = "SOCIALTOP_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Open the dashboard on simulated accounts with a year of history (no config, no network)
    #[arg(long)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Poll accounts and record their counts
    Poll {
        /// Poll every account once, print a line each, and exit (non-zero if any failed)
        #[arg(long)]
        once: bool,
    },
    /// Show the latest known state of every account
    Status {
        /// table for people; json and csv for scripts (same fields)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Log time spent on an account
    Log {
        /// Account id, as in `socialtop status`
        id: String,
        /// How long: 25m, 1h30m, 90s
        duration: String,
        /// When it started: RFC 3339 or YYYY-MM-DD (default: it ends now)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// A note kept with the entry
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Import time spent from timewarrior or ActivityWatch
    #[command(subcommand)]
    Import(ImportCmd),
    /// Does a bigger audience take more of your time? The verdict from your own data
    Effort {
        /// table for people; json (numbers unrounded) for scripts
        #[arg(long, value_enum, default_value_t = EffortFormat::Table)]
        format: EffortFormat,
    },
    /// Export a snapshot (JSON, CSV, Markdown, SVG chart) or the whole history
    Export {
        /// json, csv, md (a report to paste into notes) or svg (a chart)
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Every sample instead of a snapshot (csv or json, streamed)
        #[arg(long)]
        history: bool,
        /// From when: RFC 3339 or YYYY-MM-DD (SVG default: 30 days ago; history default: all)
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Where to write; - for standard output (default: <data dir>/exports/socialtop-<time>.<ext>)
        #[arg(long, value_name = "PATH")]
        out: Option<String>,
    },
    /// Add a sample by hand (backfill, or manual accounts such as LinkedIn)
    Record {
        /// Account id, as in `socialtop status`
        id: String,
        /// The count (followers, stars, members...)
        count: i64,
        /// When: RFC 3339 or YYYY-MM-DD (default: now)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// The JSON `timew export` prints; tags name accounts (id or time_tags)
    Timewarrior {
        /// The export file, or - for standard input
        #[arg(default_value = "-")]
        file: String,
    },
    /// Browser time from ActivityWatch's aw-watcher-web, AFK time removed
    Activitywatch {
        /// aw-server's address
        #[arg(long, default_value = crate::import::activitywatch::DEFAULT_URL)]
        url: String,
        /// From when: RFC 3339 or YYYY-MM-DD (default: 30 days ago)
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EffortFormat {
    Table,
    Json,
}

/// `export --format`: the export module's formats, as clap parses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
    Md,
    Svg,
}

impl From<ExportFormat> for crate::export::Format {
    fn from(f: ExportFormat) -> crate::export::Format {
        use crate::export::Format;
        match f {
            ExportFormat::Json => Format::Json,
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Md => Format::Md,
            ExportFormat::Svg => Format::Svg,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Entry point used by `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("socialtop: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let paths = Paths::resolve(cli.config.clone(), cli.data_dir.clone());
    let Some(cmd) = cli.command else {
        return crate::tui::run(&paths, cli.demo);
    };
    if cli.demo {
        bail!("--demo opens the dashboard on simulated data; it takes no command");
    }
    let _log = crate::logging::init(&paths.data_dir);
    match cmd {
        Cmd::Poll { once: true } => history::poll_once(&paths),
        Cmd::Poll { once: false } => history::poll_forever(&paths),
        Cmd::Status { format } => history::status_cmd(&paths, format),
        Cmd::Record { id, count, at } => history::record(&paths, &id, count, at.as_deref()),
        Cmd::Log {
            id,
            duration,
            at,
            note,
        } => time::log_time(&paths, &id, &duration, at.as_deref(), note),
        Cmd::Import(ImportCmd::Timewarrior { file }) => time::import_timewarrior(&paths, &file),
        Cmd::Import(ImportCmd::Activitywatch { url, since }) => {
            time::import_activitywatch(&paths, &url, since.as_deref())
        }
        Cmd::Effort { format } => time::effort_cmd(&paths, format),
        Cmd::Export {
            format,
            history,
            since,
            out,
        } => export::export_cmd(
            &paths,
            format.into(),
            history,
            since.as_deref(),
            out.as_deref(),
        ),
    }
}

/// Finds a configured account, or says which ids exist.
pub fn account<'a>(config: &'a Config, id: &str) -> anyhow::Result<&'a config::Account> {
    config.account(id).ok_or_else(|| {
        let ids: Vec<&str> = config.accounts.iter().map(|a| a.id.as_str()).collect();
        anyhow::anyhow!(
            "unknown account `{id}` in {} (known: {})",
            config.path.display(),
            if ids.is_empty() {
                "none".to_string()
            } else {
                ids.join(", ")
            }
        )
    })
}

pub(super) fn parse_time_arg(t: &str) -> anyhow::Result<Timestamp> {
    crate::util::parse_time(t).map_err(anyhow::Error::msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn global_paths_go_before_or_after_the_command() {
        let cli = Cli::try_parse_from([
            "socialtop",
            "--config",
            "a.toml",
            "status",
            "--data-dir",
            "d",
        ])
        .unwrap();
        assert_eq!(cli.config.as_deref(), Some(std::path::Path::new("a.toml")));
        assert_eq!(cli.data_dir.as_deref(), Some(std::path::Path::new("d")));
        let cli = Cli::try_parse_from(["socialtop", "--demo"]).unwrap();
        assert!(cli.demo && cli.command.is_none());
        let with_command = Cli::try_parse_from(["socialtop", "--demo", "status"]).unwrap();
        let err = run(with_command).unwrap_err().to_string();
        assert!(err.contains("--demo"), "{err}");
    }
}
