//! Commands on the history: `poll`, `status`, `record`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use jiff::Timestamp;

use super::{EffortFormat, Format, account, out, parse_entry_time, parse_time_arg};
use crate::boot::{Paths, open, open_handle, runtime, shutdown_signal};
use crate::config::Config;
use crate::metrics;
use crate::model::Sample;
use crate::model::{Clock, EnvSecrets, SystemClock};
use crate::poller::{Event, Outcome};
use crate::service::{self, Role, Service, ServiceEvent};
use crate::status;
use crate::store;

pub(super) fn poll_once(paths: &Paths, textfile: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (config, _) = Config::load_or_init(&paths.config)?;
    let store = open_handle(paths, &config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let rt = runtime()?;
    let report = rt.block_on(service::poll_once(
        &config,
        &store,
        clock,
        Arc::new(EnvSecrets),
    ))?;
    report_alerts(&report.fired);
    let delivered = report_deliveries(&report);
    // the textfile is written before the report, which a closed stdout cuts
    let written = textfile.map(|path| {
        let text = metrics::Exporter::open(
            &crate::boot::location(paths, &config),
            Arc::new(config.clone()),
        )?
        .scrape(metrics::Format::Text)?;
        metrics::write_textfile(path, &text)
    });
    // the samples are recorded; a closed standard output only cuts the report
    let mut failed = 0;
    for r in &report.results {
        if let Outcome::Failed(e) = &r.outcome {
            failed += 1;
            eprintln!("socialtop: {}: {}", r.account, crate::text::clean(e));
        }
    }
    let lines = service::Lines::new(Arc::new(config.clone()));
    let printed = out::with_stdout(|w| {
        for r in &report.results {
            writeln!(w, "{}", lines.describe(r))?;
        }
        // a list read, hidden or not read is news; a paused scan (it
        // resumes later) is in the log and in `followers ID`, never a failure
        for s in report.scans.iter().filter(|s| s.is_news()) {
            writeln!(w, "{}", s.describe())?;
        }
        Ok(())
    });
    printed?;
    written.transpose()?;
    if failed > 0 {
        eprintln!(
            "socialtop: {failed} of {} accounts failed",
            report.results.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    if !delivered {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// What `poll --once` says about alerts it could not evaluate or deliver,
/// one line each on standard error. Returns whether all went well.
fn report_deliveries(report: &service::OnceReport) -> bool {
    let mut ok = true;
    if let Some(e) = &report.not_evaluated {
        ok = false;
        eprintln!(
            "socialtop: the alert rules could not run: {}; the samples stay queued for the next run",
            crate::text::clean(e)
        );
    }
    for d in report.deliveries.not_delivered() {
        ok = false;
        eprintln!(
            "socialtop: alert delivery failed: {} ({}): {}",
            d.alert.kind,
            d.alert.account,
            crate::text::clean(&d.describe())
        );
    }
    let left = report.deliveries.left;
    if left > 0 {
        ok = false;
        eprintln!(
            "socialtop: {left} alert {} due but not tried within {} (three tries of [notify] timeout and the waits between them); pending, for the next `poll`, dashboard or `poll --once`",
            if left == 1 { "delivery" } else { "deliveries" },
            crate::util::format_duration(report.bound)
        );
    }
    ok
}

/// `poll`: starts the service and prints what it says, until a signal (or a
/// closed standard output) stops it.
pub(super) fn poll_forever(
    paths: &Paths,
    metrics_addr: Option<SocketAddr>,
) -> anyhow::Result<ExitCode> {
    let (config, _) = Config::load_or_init(&paths.config)?;
    let store = open_handle(paths, &config)?;
    let rt = runtime()?;
    rt.block_on(async move {
        let config = Arc::new(config);
        let opts = service::Options {
            clock: Arc::new(SystemClock),
            secrets: Arc::new(EnvSecrets),
            history: crate::boot::location(paths, &config),
            metrics: metrics_addr.or(config.metrics_listen),
            watch_changes: None,
        };
        let n = config.accounts.len();
        let (service, mut events) = Service::start(config, store, opts).await?;
        if let Some(addr) = service.metrics_addr() {
            eprintln!("socialtop: serving metrics on http://{addr}/metrics");
        }
        eprintln!("socialtop: polling {n} accounts; Ctrl-C to stop");
        let mut lines = service::Lines::new(service.config());
        let mut result = Ok(());
        loop {
            let ev = tokio::select! {
                _ = shutdown_signal() => break,
                ev = events.recv() => ev,
            };
            let Some(ev) = ev else { break };
            match ev {
                ServiceEvent::Poll(Event::Finished(r)) => {
                    lines.follow(service.config());
                    let line = format!("{}  {}", crate::util::utc_time(r.at), lines.describe(&r));
                    // nobody reads any more (`poll | head`): stop polling
                    if let Err(e) = out::println(&line) {
                        result = Err(e);
                        break;
                    }
                }
                ServiceEvent::Poll(_) | ServiceEvent::Changed(_) | ServiceEvent::AlertsChanged => {}
                ServiceEvent::Scanned(r) if !r.is_news() => {}
                ServiceEvent::Scanned(r) => {
                    let line = format!("{}  {}", crate::util::utc_time(r.at), r.describe());
                    if let Err(e) = out::println(&line) {
                        result = Err(e);
                        break;
                    }
                }
                ServiceEvent::Fired(fired) => report_alerts(&fired),
                ServiceEvent::Delivery(done) => {
                    if done.outcome != store::TryOutcome::Delivered {
                        eprintln!(
                            "socialtop: alert delivery failed: {} ({}): {}",
                            done.alert.kind,
                            done.alert.account,
                            crate::text::clean(&done.describe())
                        );
                    }
                }
                ServiceEvent::Role(Role::Polling) => {}
                ServiceEvent::Role(Role::Sharing) => eprintln!(
                    "socialtop: the history is shared: polling this machine's share of the accounts"
                ),
                ServiceEvent::Role(Role::Watching) => {
                    eprintln!(
                        "socialtop: another socialtop polls this data dir; waiting to take over"
                    );
                }
                ServiceEvent::Role(Role::Unreachable(e)) => eprintln!(
                    "socialtop: cannot renew the polling lease: {}; not polling until it can",
                    crate::text::clean(&e)
                ),
                ServiceEvent::Config(Ok(c)) => eprintln!(
                    "socialtop: config reloaded: polling {} accounts",
                    c.accounts.len()
                ),
                ServiceEvent::Config(Err(e)) => eprintln!(
                    "socialtop: config not reloaded, the old one stays: {}",
                    crate::text::clean(&e)
                ),
            }
        }
        // deliveries under way get a moment to finish
        service.stop(std::time::Duration::from_secs(5)).await;
        result.map(|()| ExitCode::SUCCESS)
    })
}

/// One line on standard error per alert that fired.
fn report_alerts(fired: &[store::AlertRow]) {
    for a in fired {
        eprintln!(
            "socialtop: alert: {} ({}): {}",
            a.kind, a.account, a.message
        );
    }
}

/// `socialtop alerts`: what fired, oldest first.
pub(super) fn alerts_cmd(
    paths: &Paths,
    since: Option<&str>,
    format: EffortFormat,
) -> anyhow::Result<ExitCode> {
    let since = since.map(parse_time_arg).transpose()?;
    let (_config, store) = open(paths)?;
    let rows = store::lock(&store).alerts_since(since.unwrap_or(Timestamp::MIN))?;
    out::with_stdout(|w| {
        match format {
            EffortFormat::Json => {
                let items: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "at": crate::util::ts_ms(a.at_ms).to_string(),
                            "account": a.account,
                            "kind": a.kind,
                            "value": a.value,
                            "message": a.message,
                            "delivery_error": a.delivery_error,
                            "delivery": a.delivery.name(),
                            "tries": a.tries,
                            "next_try": a.next_try_ms.map(|t| crate::util::ts_ms(t).to_string()),
                            "last_error": a.last_error,
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *w, &items)?;
                writeln!(w)?;
            }
            EffortFormat::Table if rows.is_empty() => {
                writeln!(w, "no alert has fired (rules are [[alerts]] in the config)")?;
            }
            EffortFormat::Table => {
                let width = rows
                    .iter()
                    .map(|a| a.account.chars().count())
                    .max()
                    .unwrap_or(7);
                writeln!(
                    w,
                    "{:<20}  {:<9}  {:<width$}  {:<9}  MESSAGE",
                    "TIME", "KIND", "ACCOUNT", "DELIVERY"
                )?;
                for a in &rows {
                    let at = crate::util::utc_time(crate::util::ts_ms(a.at_ms));
                    write!(
                        w,
                        "{at:<20}  {:<9}  {:<width$}  {:<9}  {}",
                        a.kind,
                        a.account,
                        a.delivery.name(),
                        a.message
                    )?;
                    match (a.delivery, &a.delivery_error, &a.last_error) {
                        (store::Delivery::Pending, _, Some(e)) => {
                            let next = a.next_try_ms.map_or(String::new(), |t| {
                                format!(
                                    "; next try {}",
                                    crate::util::ts_ms(t).strftime("%Y-%m-%dT%H:%M:%SZ")
                                )
                            });
                            write!(
                                w,
                                "  [{} {}: {}{next}]",
                                a.tries,
                                if a.tries == 1 { "try" } else { "tries" },
                                crate::text::clean(e)
                            )?;
                        }
                        (_, Some(e), _) => {
                            write!(w, "  [delivery failed: {}]", crate::text::clean(e))?;
                        }
                        _ => {}
                    }
                    writeln!(w)?;
                }
            }
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn status_cmd(paths: &Paths, format: Format) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let now = super::clock().now();
    let (rows, holds) = {
        let s = store::lock(&store);
        let rows = status::collect(&s, &config.accounts, now)?;
        (rows, s.host_holds_after(now.as_second())?)
    };
    out::with_stdout(|out| {
        match format {
            Format::Table => {
                out.write_all(status::table(&rows, now).as_bytes())?;
                // hosts that said "stop": not called before then, by any process
                for (host, until, reason) in &holds {
                    writeln!(
                        out,
                        "held: {} until {} ({})",
                        crate::text::clean(host),
                        crate::platforms::short_time(crate::util::ts(*until)),
                        crate::text::short(reason, 80)
                    )?;
                }
            }
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, &rows)?;
                writeln!(out)?;
            }
            Format::Csv => status::write_csv(&rows, &mut *out)?,
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn record(
    paths: &Paths,
    id: &str,
    count: i64,
    at: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let account = account(&config, id)?;
    if count < 0 {
        bail!("COUNT must not be negative (got {count})");
    }
    let at = match at {
        Some(t) => parse_entry_time(t)?,
        None => super::clock().now(),
    };
    let replaced = store::lock(&store).insert_sample_from(
        &account.id,
        Sample {
            at_ms: at.as_millisecond(),
            followers: count,
            following: None,
            posts: None,
        },
        crate::model::SampleSource::Manual,
    )?;
    out::confirm(
        &format!(
            "recorded {} {} for {} at {}{}",
            crate::util::thousands(count),
            account.metric(),
            account.id,
            crate::util::utc_time(at),
            if replaced {
                " (replacing the sample recorded for that time)"
            } else {
                ""
            }
        ),
        "the sample WAS recorded",
    )?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn import_history(
    paths: &Paths,
    file: &str,
    account_id: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let now = super::clock().now();
    let account_id = account_id
        .map(|id| account(&config, id).map(|a| a.id.clone()))
        .transpose()?;
    let tz = crate::util::local_tz();
    let read = |input: &mut dyn std::io::BufRead, name: &str| match &account_id {
        Some(id) => {
            crate::import::counts::import(&mut store::lock(&store), input, name, id, now, &tz)
        }
        None => crate::import::history::import(&mut store::lock(&store), input, name, now),
    };
    let imported = if file == "-" {
        let stdin = std::io::stdin();
        read(&mut stdin.lock(), "<stdin>")?
    } else {
        let f =
            std::fs::File::open(file).map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?;
        let mut input = std::io::BufReader::with_capacity(1 << 16, f);
        read(&mut input, file)?
    };
    out::confirm(
        &format!(
            "imported {} new samples ({} already there)",
            crate::util::thousands(i64::try_from(imported.added).unwrap_or(i64::MAX)),
            crate::util::thousands(i64::try_from(imported.present).unwrap_or(i64::MAX))
        ),
        "the samples WERE imported",
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `migrate --to`: copies the history (where the config or
/// `SOCIALTOP_DATABASE_URL` puts it) into an empty one at `to`, saying how
/// far it is as it goes.
pub(super) fn migrate_cmd(paths: &Paths, to: &str) -> anyhow::Result<ExitCode> {
    use crate::store::{DB_FILE, DatabaseUrl, Location};
    let (config, _) = Config::load_or_init(&paths.config)?;
    let from = crate::boot::history(paths, &config)?;
    let target = if to.contains("://") {
        Location::Url(DatabaseUrl::parse(to).map_err(|why| anyhow::anyhow!("--to {why}"))?)
    } else {
        Location::Dir(std::path::PathBuf::from(to))
    };
    let same = match (&from, &target) {
        (Location::Url(a), Location::Url(b)) => a == b,
        (Location::Dir(a), Location::Dir(b)) => {
            let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            canon(a) == canon(b)
        }
        _ => false,
    };
    if same {
        bail!("--to is where the history is already");
    }
    let shown = |l: &Location| match l {
        Location::Url(u) => u.shown(),
        Location::Dir(d) => d.join(DB_FILE).display().to_string(),
    };
    let source = from.open()?;
    let mut dest = target.open()?;
    eprintln!(
        "socialtop: copying {} into {}",
        shown(&from),
        shown(&target)
    );
    let started = std::time::Instant::now();
    let mut said = std::time::Instant::now();
    let copied = source.copy_into(&mut dest, |table, done, total| {
        if said.elapsed() >= std::time::Duration::from_secs(1) || done == total {
            said = std::time::Instant::now();
            let pct = (done * 100).checked_div(total).unwrap_or(100);
            eprintln!(
                "socialtop: {} of {} rows ({pct}%), now {table}",
                crate::util::thousands(i64::try_from(done).unwrap_or(i64::MAX)),
                crate::util::thousands(i64::try_from(total).unwrap_or(i64::MAX)),
            );
        }
    })?;
    let n = |t: &str| crate::util::thousands(i64::try_from(copied.rows(t)).unwrap_or(i64::MAX));
    let how = match &target {
        Location::Url(_) => "database_url (or SOCIALTOP_DATABASE_URL) names it".to_string(),
        Location::Dir(d) => format!("--data-dir {} without a database_url", d.display()),
    };
    out::confirm(
        &format!(
            "copied {} accounts, {} samples, {} time entries, {} alerts and {} follower changes into {} in {:.1} s; socialtop uses it when {how}",
            n("accounts"),
            n("samples"),
            n("time_entries"),
            n("alerts"),
            n("follower_events"),
            shown(&target),
            started.elapsed().as_secs_f64()
        ),
        "the history WAS copied",
    )?;
    Ok(ExitCode::SUCCESS)
}
