//! Command-line interface: argument parsing and the script-facing commands.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use jiff::Timestamp;

use crate::config::{self, Config};
use crate::poller::{self, Command, Event, Outcome, Poller, SharedStore};
use crate::status;
use crate::store::{Sample, Store};

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
        #[arg(long, value_enum, default_value_t = EffortFormat::Table)]
        format: EffortFormat,
    },
    /// Export a snapshot (JSON, CSV, Markdown, SVG chart) or the whole history
    Export {
        #[arg(long, value_enum)]
        format: crate::export::Format,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Resolved locations.
pub struct Paths {
    pub config: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    pub fn from_cli(cli: &Cli) -> Paths {
        Paths {
            config: cli
                .config
                .clone()
                .unwrap_or_else(config::default_config_path),
            data_dir: cli
                .data_dir
                .clone()
                .unwrap_or_else(config::default_data_dir),
        }
    }
}

/// Loads the config (writing the starter one if there is none) and opens the history.
pub fn open(paths: &Paths) -> anyhow::Result<(Config, SharedStore)> {
    let (config, created) = Config::load_or_init(&paths.config)?;
    if created {
        eprintln!(
            "socialtop: no config found; wrote a starter config to {}\n           edit it to add your own accounts.",
            paths.config.display()
        );
    }
    let store = open_store(paths, &config)?;
    Ok((config, store))
}

/// Opens the history in the data dir and registers the configured accounts.
pub fn open_store(paths: &Paths, config: &Config) -> anyhow::Result<SharedStore> {
    let mut store = Store::open_dir(&paths.data_dir)?;
    store.sync_accounts(&config.accounts)?;
    Ok(Arc::new(Mutex::new(store)))
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
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
    let paths = Paths::from_cli(&cli);
    let Some(cmd) = cli.command else {
        return crate::tui::run(&paths, cli.demo);
    };
    if cli.demo {
        bail!("--demo opens the dashboard on simulated data; it takes no command");
    }
    let _log = crate::logging::init(&paths.data_dir);
    match cmd {
        Cmd::Poll { once: true } => poll_once(&paths),
        Cmd::Poll { once: false } => poll_forever(&paths),
        Cmd::Status { format } => status_cmd(&paths, format),
        Cmd::Record { id, count, at } => record(&paths, &id, count, at.as_deref()),
        Cmd::Log {
            id,
            duration,
            at,
            note,
        } => log_time(&paths, &id, &duration, at.as_deref(), note),
        Cmd::Import(ImportCmd::Timewarrior { file }) => import_timewarrior(&paths, &file),
        Cmd::Import(ImportCmd::Activitywatch { url, since }) => {
            import_activitywatch(&paths, &url, since.as_deref())
        }
        Cmd::Effort { format } => effort_cmd(&paths, format),
        Cmd::Export {
            format,
            history,
            since,
            out,
        } => export_cmd(&paths, format, history, since.as_deref(), out.as_deref()),
    }
}

fn poll_once(paths: &Paths) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let poller = Arc::new(Poller::new(&config, store)?);
    let results = runtime()?.block_on(poller.poll_all(None));
    let mut failed = 0;
    let mut out = std::io::stdout().lock();
    for r in &results {
        let metric = config
            .account(&r.account)
            .map_or("followers", |a| a.metric());
        writeln!(out, "{}", poller::describe(r, metric))?;
        if let Outcome::Failed(e) = &r.outcome {
            failed += 1;
            eprintln!("socialtop: {}: {e}", r.account);
        }
    }
    if failed > 0 {
        eprintln!("socialtop: {failed} of {} accounts failed", results.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn poll_forever(paths: &Paths) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let lease = crate::lease::Lease::new(&paths.data_dir)?;
    let poller = Arc::new(Poller::new(&config, store)?);
    let rt = runtime()?;
    rt.block_on(async move {
        let (cmd_tx, cmd_rx) = tokio::sync::mpsc::unbounded_channel::<Command>();
        let (ev_tx, mut ev_rx) = tokio::sync::mpsc::unbounded_channel();
        let active = lease.gate();
        let sched = tokio::spawn(Arc::clone(&poller).run(cmd_rx, ev_tx, active));
        let mut was_active = None;
        let mut lease_tick = tokio::time::interval(crate::lease::RENEW_EVERY);
        eprintln!(
            "socialtop: polling {} accounts; Ctrl-C to stop",
            config.accounts.len()
        );
        loop {
            tokio::select! {
                _ = shutdown_signal() => break,
                _ = lease_tick.tick() => {
                    let held = lease.renew();
                    if was_active != Some(held) {
                        was_active = Some(held);
                        if !held {
                            eprintln!("socialtop: another socialtop polls this data dir; waiting to take over");
                        }
                    }
                }
                Some(ev) = ev_rx.recv() => {
                    if let Event::Finished(r) = ev {
                        let metric = config.account(&r.account).map_or("followers", |a| a.metric());
                        println!("{}  {}", r.at.strftime("%Y-%m-%dT%H:%M:%SZ"), poller::describe(&r, metric));
                    }
                }
            }
        }
        drop(cmd_tx);
        let _ = sched.await;
        lease.release();
    });
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C (SIGINT), or on Unix SIGTERM and SIGHUP (the terminal went away).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let wait = |kind| async move {
            match signal(kind) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = wait(SignalKind::terminate()) => {}
            _ = wait(SignalKind::hangup()) => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn status_cmd(paths: &Paths, format: Format) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let now = Timestamp::now();
    let rows = status::collect(&poller::lock(&store), &config.accounts, now)?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Table => out.write_all(status::table(&rows, now).as_bytes())?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for r in &rows {
                w.serialize(r)?;
            }
            if rows.is_empty() {
                w.write_record(status::FIELDS)?;
            }
            w.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
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

fn record(paths: &Paths, id: &str, count: i64, at: Option<&str>) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let account = account(&config, id)?;
    if count < 0 {
        bail!("COUNT must not be negative (got {count})");
    }
    let at = match at {
        Some(t) => crate::util::parse_time(t).map_err(anyhow::Error::msg)?,
        None => Timestamp::now(),
    };
    poller::lock(&store).insert_sample(
        &account.id,
        Sample {
            at: at.as_second(),
            followers: count,
            following: None,
            posts: None,
        },
    )?;
    println!(
        "recorded {} {} for {} at {}",
        crate::util::thousands(count),
        account.metric(),
        account.id,
        at
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_time_arg(t: &str) -> anyhow::Result<Timestamp> {
    crate::util::parse_time(t).map_err(anyhow::Error::msg)
}

fn log_time(
    paths: &Paths,
    id: &str,
    duration: &str,
    at: Option<&str>,
    note: Option<String>,
) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let account = account(&config, id)?;
    let d = config::Dur::parse(duration).map_err(anyhow::Error::msg)?;
    let seconds = d.0.as_secs() as i64;
    let start = match at {
        Some(t) => parse_time_arg(t)?.as_second(),
        None => Timestamp::now().as_second() - seconds,
    };
    let entry = crate::store::TimeEntry {
        start,
        seconds,
        source: "log".into(),
        note,
        external_id: None,
    };
    poller::lock(&store).add_time_entries(&account.id, &[entry])?;
    println!(
        "logged {} on {} from {}",
        d,
        account.id,
        crate::util::ts(start)
    );
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &crate::import::Report, what: &str) {
    for w in &report.warnings {
        eprintln!("socialtop: warning: {w}");
    }
    print!("{}", report.summary(what));
}

fn import_timewarrior(paths: &Paths, file: &str) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let (text, name) = if file == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .context("cannot read standard input")?;
        (s, "<stdin>".to_string())
    } else {
        (
            std::fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?,
            file.to_string(),
        )
    };
    let report =
        crate::import::timewarrior::import(&mut poller::lock(&store), &config, &text, &name)?;
    print_report(&report, "intervals");
    Ok(ExitCode::SUCCESS)
}

fn import_activitywatch(paths: &Paths, url: &str, since: Option<&str>) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let now = Timestamp::now();
    let since = match since {
        Some(t) => parse_time_arg(t)?,
        None => status::before(now, 30 * 86_400),
    };
    let http = crate::http::Http::new(
        config
            .request_timeout
            .max(std::time::Duration::from_secs(30)),
    )?
    .with_max_body(64 * 1024 * 1024);
    let tz = jiff::tz::TimeZone::system();
    use crate::import::activitywatch;
    let collected =
        runtime()?.block_on(activitywatch::collect(&config, &http, url, since, now, &tz))?;
    let report = activitywatch::record(&mut poller::lock(&store), collected)?;
    print_report(&report, "account-days of browsing");
    Ok(ExitCode::SUCCESS)
}

fn effort_cmd(paths: &Paths, format: EffortFormat) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let tz = jiff::tz::TimeZone::system();
    let e = crate::tracking::effort(&poller::lock(&store), &config, &tz)?;
    let mut out = std::io::stdout().lock();
    match format {
        EffortFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &e)?;
            writeln!(out)?;
        }
        EffortFormat::Table => out.write_all(effort_table(&e).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `socialtop effort` for people.
pub fn effort_table(e: &crate::effort::Effort) -> String {
    use crate::util::thousands;
    let mut out = format!(
        "{}
",
        e.sentence
    );
    if let (Some(b), Some([lo, hi])) = (e.elasticity, e.ci95) {
        out.push_str(&format!(
            "elasticity {b:.3} (95% CI {lo:.3} to {hi:.3}) · {} account-weeks · df {} · margin {}\n",
            e.n, e.df, e.margin
        ));
    }
    if e.accounts.is_empty() {
        out.push_str("\nNo account has weeks with both time spent and followers yet:\nlog time with `socialtop log ID 25m` or import it (`socialtop import timewarrior`).\n");
        return out;
    }
    let mut rows = vec![[
        "ACCOUNT".to_string(),
        "WEEKS".into(),
        "MIN/WEEK".into(),
        "FOLLOWERS".into(),
        "ELASTICITY".into(),
        "MIN/1K".into(),
        "FOLLOWERS/HOUR".into(),
    ]];
    for a in &e.accounts {
        rows.push([
            a.id.clone(),
            a.weeks.to_string(),
            format!("{:.1}", a.minutes_per_week),
            format!(
                "{} → {}",
                thousands(a.followers_first),
                thousands(a.followers_last)
            ),
            a.elasticity.map_or("-".into(), |v| format!("{v:.3}")),
            format!("{:.1}", a.minutes_per_1k_followers),
            format!("{:.1}", a.followers_per_hour),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    out.push('\n');
    for r in &rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            let pad = " ".repeat(widths[c] - cell.chars().count());
            if c == 0 || c == 3 {
                line.push_str(&format!("{cell}{pad}  "));
            } else {
                line.push_str(&format!("{pad}{cell}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn export_cmd(
    paths: &Paths,
    format: crate::export::Format,
    history: bool,
    since: Option<&str>,
    out: Option<&str>,
) -> anyhow::Result<ExitCode> {
    use crate::export::{self, Format};
    if history && matches!(format, Format::Md | Format::Svg) {
        bail!(
            "--history exports csv or json (newline-delimited), not {}",
            format.ext()
        );
    }
    let (config, store) = open(paths)?;
    let now = Timestamp::now();
    let tz = jiff::tz::TimeZone::system();
    let since = since.map(parse_time_arg).transpose()?;
    let store = poller::lock(&store);
    let write = |w: &mut dyn Write| -> anyhow::Result<()> {
        if history {
            let from = since.map_or(i64::MIN, |t| t.as_second());
            export::write_history(&store, from, format, w).map(|_| ())
        } else {
            let snap = export::snapshot(&store, &config, now, &tz)?;
            let window = since.unwrap_or_else(|| status::before(now, 30 * 86_400));
            export::write_snapshot(format, &snap, &store, &config, window, &tz, w)
        }
    };
    match out {
        Some("-") => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut stdout)?;
            stdout.flush()?;
        }
        Some(path) => {
            export::write_new_file(std::path::Path::new(path), write)?;
            println!("{path}");
        }
        None => {
            let ext = match (history, format) {
                (true, Format::Json) => "ndjson",
                _ => format.ext(),
            };
            let path = export::default_path(&paths.data_dir, now, &tz, ext);
            export::write_new_file(&path, write)?;
            println!("{}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
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
