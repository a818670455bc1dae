//! Command-line interface: argument parsing and the script-facing commands.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use jiff::Timestamp;

mod backfill;
mod export;
mod history;
pub mod out;
mod people;
mod time;

pub use time::effort_table;

use crate::boot::Paths;
use crate::config::{self, Config};
use crate::model::{Clock, ExportFormat, SystemClock};

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
    /// Simulated accounts with a year of history (no config, no network): the dashboard, or `status`, `export`, `effort` on them
    #[arg(long, global = true)]
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
        /// Serve Prometheus metrics at http://ADDR/metrics while polling: PORT (on
        /// loopback), or IP:PORT (0.0.0.0:PORT for every interface). Default: the
        /// config's metrics_listen
        #[arg(long, value_name = "ADDR", value_parser = config::parse_listen, conflicts_with = "once")]
        metrics: Option<std::net::SocketAddr>,
        /// With --once: write the metrics to PATH, atomically, for node_exporter's
        /// textfile collector (name it *.prom)
        #[arg(long, value_name = "PATH", requires = "once")]
        textfile: Option<PathBuf>,
    },
    /// Show the latest known state of every account
    Status {
        /// table for people; json and csv for scripts (same fields)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Log time spent on an account
    Log {
        /// The account: its id, handle or label, or a unique start of its id
        id: String,
        /// How long, 1s to 24h: 25m, 1h30m, 90s
        duration: String,
        /// When it started: RFC 3339, YYYY-MM-DD, 90m (ago), yesterday, today, now (default: it ends now)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// A note kept with the entry
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Import time spent (timewarrior, Watson, Toggl, Clockify, ActivityWatch) or a history (`export --history` output)
    #[command(subcommand)]
    Import(ImportCmd),
    /// Does a bigger audience take more of your time? The verdict from your own data
    Effort {
        /// table for people; json (numbers unrounded) for scripts
        #[arg(long, value_enum, default_value_t = EffortFormat::Table)]
        format: EffortFormat,
        /// on one person's time (their config's `user`); without it, the
        /// team's: everyone's time on the accounts
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
    },
    /// Export a snapshot (JSON, CSV, Markdown, SVG chart) or the whole history
    Export {
        /// json, csv, md (a report to paste into notes) or svg (a chart); without it,
        /// every format of the config's export_formats (as `e` in the dashboard)
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
        /// Every sample instead of a snapshot (csv or json, streamed)
        #[arg(long, requires = "format")]
        history: bool,
        /// From when: RFC 3339, YYYY-MM-DD, 7d (ago), yesterday, today (SVG default: 30 days ago; history default: all)
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Where to write; - for standard output (default: <data dir>/exports/socialtop-<time>.<ext>)
        #[arg(long, value_name = "PATH", requires = "format")]
        out: Option<String>,
        /// With --format json: the people too (each account's followers and their changes)
        #[arg(long)]
        people: bool,
        /// With --format svg: only these accounts, side by side (ids, handles or labels, comma-separated; as Space marks them in the dashboard)
        #[arg(long, value_name = "ID,ID", value_delimiter = ',', num_args = 1..)]
        accounts: Vec<String>,
        /// With --format svg: each account indexed to 100 at the chart's start (as `i` in the dashboard)
        #[arg(long)]
        indexed: bool,
    },
    /// List the alerts that fired (milestones, drops, silent accounts), oldest first
    Alerts {
        /// From when: RFC 3339, YYYY-MM-DD, 7d (ago), yesterday, today (default: all)
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// table for people; json for scripts
        #[arg(long, value_enum, default_value_t = EffortFormat::Table)]
        format: EffortFormat,
    },
    /// Who followed and who left an account (Mastodon, Bluesky, GitHub, Misskey), oldest first
    Followers {
        /// Account id, as in `socialtop status` (a unique prefix will do)
        id: String,
        /// From when: RFC 3339, YYYY-MM-DD, 7d (ago), yesterday, today (default: all)
        #[arg(long, value_name = "TIME", conflicts_with = "current")]
        since: Option<String>,
        /// table for people; json and csv for scripts
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Who follows now (as of the last complete read of the list) instead of the changes
        #[arg(long)]
        current: bool,
    },
    /// Copy the whole history into an empty one elsewhere: a PostgreSQL
    /// database (postgres://…) or a data dir (SQLite), all or nothing
    Migrate {
        /// Where to: a postgres:// URL (the password may come from
        /// SOCIALTOP_DATABASE_URL instead), or a data dir
        #[arg(long, value_name = "URL|DIR")]
        to: String,
    },
    /// Delete an account's people data (its followers and their changes) from the history
    Forget {
        /// Account id (a unique prefix will do; an id no longer in the config too)
        id: String,
    },
    /// Add a sample by hand (backfill, or manual accounts such as LinkedIn)
    Record {
        /// The account: its id, handle or label, or a unique start of its id
        id: String,
        /// The count (followers, stars, members...)
        count: i64,
        /// When: RFC 3339, YYYY-MM-DD, 36h (ago), yesterday, today, now (default: now)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// Read an account's counts from before its first poll from its platform
    /// (Misskey, GitHub stars, Twitch, Mailchimp);
    /// idempotent, never changes a polled sample
    #[command(group(clap::ArgGroup::new("which").required(true).args(["id", "all"])))]
    Backfill {
        /// Account id, as in `socialtop status` (a unique prefix will do)
        id: Option<String>,
        /// Every account whose platform keeps its past
        #[arg(long)]
        all: bool,
        /// From when: RFC 3339, YYYY-MM-DD, 90d (ago) (default and limit: 10 years ago)
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
    },
    /// Write the starter config (at --config, or the default path) and print where
    Init {
        /// Overwrite an existing config
        #[arg(long)]
        force: bool,
        /// Print the example config instead (every key, an account of each
        /// platform, with comments) and write nothing
        #[arg(long, conflicts_with = "force")]
        example: bool,
    },
    /// Print a shell completion script (e.g. `socialtop completions bash > ~/.local/share/bash-completion/completions/socialtop`)
    Completions {
        /// bash, zsh, fish, elvish or powershell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, in roff (e.g. `socialtop man > socialtop.1`)
    Man,
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
        /// From when: RFC 3339, YYYY-MM-DD, 7d (ago), yesterday, today (default: 30 days ago)
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
    },
    /// Samples from `export --history` (CSV or NDJSON), matched by account id;
    /// or with --account, a two-column date,count CSV (a spreadsheet, another
    /// tracker); samples already there are skipped; all or nothing
    History {
        /// The file, or - for standard input
        #[arg(default_value = "-")]
        file: String,
        /// Read FILE as date,count rows for this account (header optional;
        /// dates YYYY-MM-DD, the end of that day, or RFC 3339 times)
        #[arg(long, value_name = "ID")]
        account: Option<String>,
    },
    /// The JSON `watson log --json` prints (add --all for every frame); projects and tags name accounts
    Watson {
        /// The log file, or - for standard input
        #[arg(default_value = "-")]
        file: String,
    },
    /// Toggl Track time entries (API v9, token in TOGGL_API_TOKEN); tags and projects name accounts
    Toggl {
        /// The API's root
        #[arg(long, default_value = crate::import::toggl::DEFAULT_URL)]
        url: String,
        /// From when: RFC 3339, YYYY-MM-DD, 7d (ago), yesterday, today (default: 30 days ago)
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
    },
    /// Clockify time entries (key in CLOCKIFY_API_KEY); tags and projects name accounts
    Clockify {
        /// The API's root
        #[arg(long, default_value = crate::import::clockify::DEFAULT_URL)]
        url: String,
        /// From when: RFC 3339, YYYY-MM-DD, 7d (ago), yesterday, today (default: 30 days ago)
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
    },
}

/// `effort --format` and `alerts --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EffortFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Entry point used by `main`. Exit status: 0 on success, 1 on an error, and
/// 141 (as if killed by SIGPIPE) when standard output was closed under us,
/// which is not reported unless a write was done that the user must know of.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => match out::stdout_error(&e) {
            Some(s) if s.is_broken_pipe() => {
                if s.note.is_some() {
                    eprintln!("socialtop: error: {s}");
                }
                ExitCode::from(out::BROKEN_PIPE_STATUS)
            }
            _ => {
                // the last net: no error text reaches the terminal with control characters
                eprintln!(
                    "socialtop: error: {}",
                    crate::text::clean(&format!("{e:#}"))
                );
                ExitCode::FAILURE
            }
        },
    }
}

/// The man page: clap's sections, then the commands (no separate pages are
/// shipped, so none is cited), the dashboard's keys from its keymap, files,
/// environment and exit status.
fn man_page() -> anyhow::Result<Vec<u8>> {
    use clap_mangen::roff::{Roff, bold, roman};
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    let mut roff = Roff::default();
    roff.control("SH", ["COMMANDS"]);
    for sub in cmd.get_subcommands() {
        roff.control("TP", []);
        roff.text([bold(format!("socialtop {}", sub.get_name()))]);
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        roff.text([roman(about)]);
        for inner in sub.get_subcommands() {
            roff.control("TP", []);
            roff.text([bold(format!(
                "socialtop {} {}",
                sub.get_name(),
                inner.get_name()
            ))]);
            let about = inner
                .get_about()
                .map(ToString::to_string)
                .unwrap_or_default();
            roff.text([roman(about)]);
        }
    }
    roff.text([roman("Each command's options: socialtop COMMAND --help.")]);
    roff.control("SH", ["KEYS"]);
    roff.text([roman("In the dashboard (socialtop without a command):")]);
    for (keys, help) in crate::tui::keys::help_lines() {
        roff.control("TP", []);
        roff.text([bold(keys)]);
        roff.text([roman(help)]);
    }
    roff.control("SH", ["FILES"]);
    for (file, what) in [
        (
            "~/.config/socialtop/config.toml",
            "the accounts and settings (Linux; the platform's config dir elsewhere); socialtop init writes a starter one",
        ),
        (
            "~/.local/share/socialtop/socialtop.db",
            "the history: one SQLite file (the platform's data dir elsewhere)",
        ),
        (
            "~/.local/share/socialtop/exports/",
            "snapshots written by export and by e in the dashboard",
        ),
        ("~/.local/share/socialtop/socialtop.log", "the log"),
    ] {
        roff.control("TP", []);
        roff.text([bold(file)]);
        roff.text([roman(what)]);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (var, what) in [
        ("SOCIALTOP_CONFIG", "the config file (as --config)"),
        ("SOCIALTOP_DATA_DIR", "the data dir (as --data-dir)"),
        (
            "SOCIALTOP_DATABASE_URL",
            "a postgres:// URL: the history is in that PostgreSQL database (over the config's database_url); its password is never shown",
        ),
        (
            "token_env variables",
            "each account's token comes from the variable its config names; secrets are never written anywhere",
        ),
        ("VISUAL, EDITOR", "the editor E opens the config in"),
        ("NO_COLOR", "no colours (charts use markers)"),
        (
            "COLORFGBG",
            "tells a light terminal from a dark one (theme = auto)",
        ),
        ("TZ", "the time zone of weeks and times shown"),
    ] {
        roff.control("TP", []);
        roff.text([bold(var)]);
        roff.text([roman(what)]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, what) in [
        ("0", "success"),
        (
            "1",
            "an error (named on stderr); for poll --once, a failed account",
        ),
        ("2", "the command line could not be read"),
        ("130", "interrupted (Ctrl-C)"),
        ("141", "standard output was closed (| head)"),
    ] {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(what)]);
    }
    roff.to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// Exit status of a command line that cannot be read (clap's convention).
pub const USAGE_STATUS: u8 = 2;

/// `--help` and `--version` print and succeed; a command line that cannot be
/// read is said on stderr like every other error, and exits 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    eprint!("socialtop: error: {}", crate::text::clean_lines(text));
    ExitCode::from(USAGE_STATUS)
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let paths = Paths::resolve(cli.config.clone(), cli.data_dir.clone());
    let Some(cmd) = cli.command else {
        return crate::tui::run(&paths, cli.demo);
    };
    // --demo: the commands that read the history read the simulated one
    let cli_demo = cli.demo;
    let _demo_dir;
    let (paths, cmd) = if cli.demo {
        if !matches!(
            cmd,
            Cmd::Status { .. } | Cmd::Export { .. } | Cmd::Effort { .. }
        ) {
            bail!("--demo works with the dashboard (no command), `status`, `export` and `effort`");
        }
        let dir = tempfile::Builder::new()
            .prefix("socialtop-demo-")
            .tempdir()?;
        let demo_paths = crate::demo::prepare(dir.path(), clock().now(), None)?;
        _demo_dir = dir;
        (demo_paths, demo_export_here(cmd))
    } else {
        (paths, cmd)
    };
    // commands that touch neither history nor log
    match cmd {
        Cmd::Init { example: true, .. } => {
            out::with_stdout(|w| Ok(w.write_all(config::EXAMPLE_CONFIG.as_bytes())?))?;
            return Ok(ExitCode::SUCCESS);
        }
        Cmd::Init { force, .. } => return init(&paths, force),
        Cmd::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "socialtop", &mut script);
            out::with_stdout(|w| Ok(w.write_all(&script)?))?;
            return Ok(ExitCode::SUCCESS);
        }
        Cmd::Man => {
            let page = man_page()?;
            out::with_stdout(|w| Ok(w.write_all(&page)?))?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    // a mistyped --config: say so before the data dir and its log are created
    if !paths.config.exists() && paths.config != config::default_config_path() {
        return Err(config::ConfigError::Missing {
            path: paths.config.clone(),
        }
        .into());
    }
    let _log = crate::logging::init(&paths.data_dir);
    match cmd {
        Cmd::Poll {
            once: true,
            textfile,
            ..
        } => history::poll_once(&paths, textfile.as_deref()),
        Cmd::Poll {
            once: false,
            metrics,
            ..
        } => history::poll_forever(&paths, metrics),
        Cmd::Status { format } => history::status_cmd(&paths, format),
        Cmd::Record { id, count, at } => history::record(&paths, &id, count, at.as_deref()),
        Cmd::Log {
            id,
            duration,
            at,
            note,
        } => time::log_time(&paths, &id, &duration, at.as_deref(), note),
        Cmd::Import(ImportCmd::Timewarrior { file }) => time::import_timewarrior(&paths, &file),
        Cmd::Import(ImportCmd::History { file, account }) => {
            history::import_history(&paths, &file, account.as_deref())
        }
        Cmd::Import(ImportCmd::Activitywatch { url, since }) => {
            time::import_activitywatch(&paths, &url, since.as_deref())
        }
        Cmd::Import(ImportCmd::Watson { file }) => time::import_watson(&paths, &file),
        Cmd::Import(ImportCmd::Toggl { url, since }) => {
            time::import_service(&paths, time::Service::Toggl, &url, since.as_deref())
        }
        Cmd::Import(ImportCmd::Clockify { url, since }) => {
            time::import_service(&paths, time::Service::Clockify, &url, since.as_deref())
        }
        Cmd::Effort { format, user } => time::effort_cmd(&paths, format, user.as_deref()),
        Cmd::Backfill { id, all, since } => {
            backfill::backfill_cmd(&paths, id.as_deref(), all, since.as_deref())
        }
        Cmd::Alerts { since, format } => history::alerts_cmd(&paths, since.as_deref(), format),
        Cmd::Followers {
            id,
            since,
            format,
            current,
        } => people::followers_cmd(&paths, &id, since.as_deref(), format, current),
        Cmd::Forget { id } => people::forget_cmd(&paths, &id),
        Cmd::Migrate { to } => history::migrate_cmd(&paths, &to),
        Cmd::Init { .. } | Cmd::Completions { .. } | Cmd::Man => Ok(ExitCode::SUCCESS),
        Cmd::Export {
            format,
            history,
            since,
            out,
            people,
            accounts,
            indexed,
        } => export::export_cmd(
            &paths,
            export::Asked {
                format,
                history,
                since: since.as_deref(),
                out: out.as_deref(),
                demo_here: cli_demo,
                people,
                accounts: &accounts,
                indexed,
            },
        ),
    }
}

/// `--demo export` without `--out` writes to the current directory: the demo's
/// data dir is deleted when the command ends.
fn demo_export_here(cmd: Cmd) -> Cmd {
    match cmd {
        Cmd::Export {
            format: Some(format),
            history,
            since,
            out: None,
            people,
            accounts,
            indexed,
        } => {
            let ext = format.ext();
            let stamp = clock()
                .now()
                .to_zoned_datetime(crate::util::local_tz())
                .strftime("%Y%m%d-%H%M%S")
                .to_string();
            Cmd::Export {
                format: Some(format),
                history,
                since,
                out: Some(format!("socialtop-demo-{stamp}.{ext}")),
                people,
                accounts,
                indexed,
            }
        }
        cmd => cmd,
    }
}

/// `socialtop init`: the starter config at `paths.config`.
fn init(paths: &Paths, force: bool) -> anyhow::Result<ExitCode> {
    config::write_starter(&paths.config, force)?;
    out::println(&format!("{}", paths.config.display()))?;
    eprintln!("socialtop: wrote a starter config; edit it to add your own accounts.");
    Ok(ExitCode::SUCCESS)
}

/// Finds a configured account by its id, or by a unique prefix of an id
/// (case-sensitive; an exact id wins), or says which ids exist or match.
pub fn account<'a>(config: &'a Config, id: &str) -> anyhow::Result<&'a crate::model::Account> {
    if let Some(a) = config.account(id) {
        return Ok(a);
    }
    let want = crate::text::nfc(id);
    let bare = want.trim_start_matches('@').to_lowercase();
    let unique = |pick: &dyn Fn(&crate::model::Account) -> bool| -> Vec<&'a crate::model::Account> {
        config.accounts.iter().filter(|a| pick(a)).collect()
    };
    // the id (however its accents are encoded), then the handle or the label
    // as shown, then the start of an id: whichever names one account
    let steps: [&dyn Fn(&crate::model::Account) -> bool; 3] = [
        &|a| crate::text::nfc(&a.id) == want,
        &|a| {
            !bare.is_empty()
                && (crate::text::nfc(&a.handle).to_lowercase() == bare
                    || a.label
                        .as_deref()
                        .is_some_and(|l| crate::text::nfc(l).to_lowercase() == bare))
        },
        &|a| !want.is_empty() && crate::text::nfc(&a.id).starts_with(&want),
    ];
    for step in steps {
        match unique(step).as_slice() {
            [] => continue,
            [one] => return Ok(one),
            many => {
                let ids: Vec<String> = many.iter().map(|a| crate::text::clean(&a.id)).collect();
                bail!(
                    "account `{}` is ambiguous: it names {} accounts ({}); give the id",
                    crate::text::clean(id),
                    ids.len(),
                    ids.join(", ")
                )
            }
        }
    }
    let known: Vec<String> = config
        .accounts
        .iter()
        .map(|a| match &a.label {
            Some(l) => format!("{} ({})", a.id, l),
            None => a.id.clone(),
        })
        .map(|s| crate::text::clean(&s))
        .collect();
    bail!(
        "unknown account `{}` in {} (known: {})",
        crate::text::clean(id),
        config.path.display(),
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    )
}

/// The clock every command reads the time from (once, where it starts).
pub(super) fn clock() -> &'static dyn Clock {
    &SystemClock
}

/// A time for a query (`--since`): any time the parser reads.
pub(super) fn parse_time_arg(t: &str) -> anyhow::Result<Timestamp> {
    crate::util::parse_time_at(t, clock().now(), &crate::util::local_tz())
        .map_err(anyhow::Error::msg)
}

/// A time for a new entry (`--at`): from 2000-01-01 to 5 minutes from now.
pub(super) fn parse_entry_time(t: &str) -> anyhow::Result<Timestamp> {
    let at = parse_time_arg(t)?;
    crate::util::check_entry_time(t, at, clock().now()).map_err(anyhow::Error::msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
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
        let with_command = Cli::try_parse_from(["socialtop", "--demo", "poll"]).unwrap();
        let err = run(with_command).unwrap_err().to_string();
        assert!(err.contains("--demo"), "{err}");
    }
}
