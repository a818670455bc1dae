//! Commands on time spent: `log`, `import`, `effort`.

use std::process::ExitCode;

use anyhow::Context;
use jiff::Timestamp;

use super::{EffortFormat, account, out, parse_entry_time, parse_time_arg};
use crate::boot::{Paths, open, runtime};
use crate::config;
use crate::status;
use crate::store;

pub(super) fn log_time(
    paths: &Paths,
    id: &str,
    duration: &str,
    at: Option<&str>,
    note: Option<String>,
) -> anyhow::Result<ExitCode> {
    let d = config::Dur::parse_within(duration, LOG_BOUNDS).map_err(|e| {
        if e.contains("longer than the maximum") {
            // `7d` reads as a span here, and as "7 days ago" for --at
            anyhow::anyhow!(
                "{e}: log each day's time on its own; --at says when it started (--at 7d is 7 days ago)"
            )
        } else {
            anyhow::Error::msg(e)
        }
    })?;
    let at = at.map(parse_entry_time).transpose()?;
    let (config, store) = open(paths)?;
    let account = account(&config, id)?;
    let seconds = d.0.as_secs() as i64;
    let start = match at {
        Some(t) => t.as_second(),
        None => super::clock().now().as_second() - seconds,
    };
    let entry = crate::model::TimeEntry {
        start,
        seconds,
        source: "log".into(),
        note,
        external_id: None,
    };
    store::lock(&store).add_time_entries(&account.id, &[entry])?;
    // printed after the entry is stored: if that fails, say it is stored, so
    // that a script does not log it again
    out::confirm(
        &format!(
            "logged {} on {} from {}",
            d,
            account.id,
            crate::util::ts(start)
        ),
        "the time entry WAS recorded (do not log it again)",
    )?;
    Ok(ExitCode::SUCCESS)
}

/// How long one `log` entry may be.
const LOG_BOUNDS: (std::time::Duration, std::time::Duration) = (
    std::time::Duration::from_secs(1),
    std::time::Duration::from_secs(24 * 3_600),
);

pub(super) fn print_report(report: &crate::import::Report, what: &str) -> anyhow::Result<()> {
    for w in &report.warnings {
        eprintln!("socialtop: warning: {}", crate::text::clean(w));
    }
    out::confirm(
        report.summary(what).trim_end_matches('\n'),
        "the import WAS recorded",
    )
}

/// The text of `file`, or of standard input for `-`, and its name for
/// messages; at most [`crate::import::MAX_FILE`] bytes.
fn read_input(file: &str) -> anyhow::Result<(String, String)> {
    use std::io::Read;
    let max = crate::import::MAX_FILE;
    let (reader, name): (Box<dyn Read>, String) = if file == "-" {
        (Box::new(std::io::stdin()), "<stdin>".to_string())
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("cannot read {file}"))?;
        (Box::new(f), file.to_string())
    };
    let mut s = String::new();
    reader
        .take(max + 1)
        .read_to_string(&mut s)
        .with_context(|| format!("cannot read {name}"))?;
    if s.len() as u64 > max {
        anyhow::bail!(
            "{name} is larger than {} MiB, more than an import reads: import it in parts (a time range at a time); nothing was imported",
            max / (1024 * 1024)
        );
    }
    Ok((s, name))
}

pub(super) fn import_timewarrior(paths: &Paths, file: &str) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let (text, name) = read_input(file)?;
    let report = crate::import::timewarrior::import(
        &mut store::lock(&store),
        &config,
        &text,
        &name,
        super::clock().now(),
    )?;
    print_report(&report, "intervals")?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn import_watson(paths: &Paths, file: &str) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let (text, name) = read_input(file)?;
    let report = crate::import::watson::import(
        &mut store::lock(&store),
        &config,
        &text,
        &name,
        super::clock().now(),
    )?;
    print_report(&report, "frames")?;
    Ok(ExitCode::SUCCESS)
}

/// What the importers that call an API share: `--since` (default 30 days
/// ago), and a client that waits longer and takes larger answers than polls.
fn import_client(
    config: &crate::config::Config,
    since: Option<&str>,
    now: Timestamp,
) -> anyhow::Result<(Timestamp, crate::http::Http)> {
    let since = match since {
        Some(t) => parse_time_arg(t)?,
        None => status::before(now, 30 * 86_400),
    };
    let http = crate::http::Http::new(
        config
            .request_timeout
            .max(std::time::Duration::from_secs(30)),
    )?
    .with_max_body(crate::import::api::MAX_BODY);
    Ok((since, http))
}

/// The time trackers with an API.
#[derive(Debug, Clone, Copy)]
pub(super) enum Service {
    Toggl,
    Clockify,
}

pub(super) fn import_service(
    paths: &Paths,
    service: Service,
    url: &str,
    since: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let now = super::clock().now();
    let (since, http) = import_client(&config, since, now)?;
    let secrets = crate::model::EnvSecrets;
    use crate::import::{clockify, toggl};
    let (entries, warnings) = runtime()?.block_on(async {
        match service {
            Service::Toggl => toggl::collect(&config, &http, url, &secrets, since, now).await,
            Service::Clockify => clockify::collect(&config, &http, url, &secrets, since, now).await,
        }
    })?;
    let source = match service {
        Service::Toggl => "toggl",
        Service::Clockify => "clockify",
    };
    let report = crate::import::Report {
        warnings,
        ..Default::default()
    };
    let report = crate::import::record(
        &mut store::lock(&store),
        &config,
        source,
        "time entry",
        entries,
        now.as_second(),
        report,
    )?;
    print_report(&report, "time entries")?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn import_activitywatch(
    paths: &Paths,
    url: &str,
    since: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let now = super::clock().now();
    let (since, http) = import_client(&config, since, now)?;
    let tz = crate::util::local_tz();
    use crate::import::activitywatch;
    let collected =
        runtime()?.block_on(activitywatch::collect(&config, &http, url, since, now, &tz))?;
    let report = activitywatch::record(&mut store::lock(&store), collected)?;
    print_report(&report, "account-days of browsing")?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn effort_cmd(
    paths: &Paths,
    format: EffortFormat,
    user: Option<&str>,
) -> anyhow::Result<ExitCode> {
    if let Some(u) = user {
        crate::config::check_user(u).map_err(|why| anyhow::anyhow!("--user {why}"))?;
    }
    let (config, store) = open(paths)?;
    let tz = crate::util::local_tz();
    let e = crate::tracking::effort(&store::lock(&store), &config, &tz, user)?;
    out::with_stdout(|out| {
        match format {
            EffortFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &e)?;
                writeln!(out)?;
            }
            EffortFormat::Table => out.write_all(effort_table(&e).as_bytes())?,
        }
        Ok(())
    })?;
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
    let end = |v: f64| {
        if v.is_finite() {
            format!("{v:.3}")
        } else {
            "none".into()
        }
    };
    if let (Some(b), Some([lo, hi])) = (e.elasticity, e.ci95) {
        out.push_str(&format!(
            "elasticity {b:.3} (95% CI {} to {}: Poisson with account effects, weeks without time included, score test at the margin, weeks shared by accounts, EWC t df {:.0}) · {} account-weeks ({} without time) over {} calendar weeks · df {} · margin {} ({:+.0}% per doubling)\n",
            end(lo),
            end(hi),
            e.t_df.unwrap_or(f64::NAN),
            e.n,
            e.zero_weeks,
            e.calendar_weeks.unwrap_or(0),
            e.df,
            e.margin,
            e.margin_pct * 100.0
        ));
    }
    if let (Some(b), Some([olo, ohi])) = (e.elasticity_ols, e.ci95_ols) {
        out.push_str(&format!(
            "(weeks with time only, log-log OLS: {b:.3}; the plain OLS interval, which assumes independent weeks: {olo:.3} to {ohi:.3})\n"
        ));
    }
    if e.accounts.is_empty() {
        out.push_str("\nNo account has weeks with time spent and a fresh follower count yet:\nlog time with `socialtop log ID 25m` or import it (`socialtop import timewarrior`,\n`toggl`, `clockify`, `watson` or `activitywatch`).\n");
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
            format!("{:.0}", a.minutes_per_week),
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
    out.push('\n');
    for line in crate::effort::EXPLANATION {
        out.push_str(line);
        out.push('\n');
    }
    out
}
