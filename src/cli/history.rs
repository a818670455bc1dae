//! Commands on the history: `poll`, `status`, `record`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use jiff::Timestamp;

use super::{EffortFormat, Format, account, out, parse_entry_time, parse_time_arg};
use crate::alerts::{self, Alerts, Check};
use crate::boot::{Paths, open, runtime, shutdown_signal};
use crate::metrics;
use crate::model::EnvSecrets;
use crate::poller::{self, Command, Event, Outcome, Poller};
use crate::status;
use crate::store;
use crate::store::Sample;

pub(super) fn poll_once(paths: &Paths, textfile: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let poller = Arc::new(Poller::new(&config, Arc::clone(&store))?);
    let alerts = Arc::new(Alerts::new(&config, Arc::new(EnvSecrets))?);
    let rt = runtime()?;
    let results = rt.block_on(poller.poll_all(None));
    // alerts after every poll is done, so no poll waits on a delivery
    rt.block_on(async {
        for r in &results {
            report_alerts(&alerts.fire(&store, Check::poll(r)).await);
        }
        report_alerts(&alerts.fire(&store, Check::Stale(Timestamp::now())).await);
    });
    // the textfile is written before the report, which a closed stdout cuts
    let written = textfile.map(|path| {
        let text = metrics::Exporter::new(Arc::clone(&store), Arc::new(config.clone()))
            .scrape(metrics::Format::Text)?;
        metrics::write_textfile(path, &text)
    });
    // the samples are recorded; a closed standard output only cuts the report
    let mut failed = 0;
    for r in &results {
        if let Outcome::Failed(e) = &r.outcome {
            failed += 1;
            eprintln!("socialtop: {}: {}", r.account, crate::text::clean(e));
        }
    }
    let printed = out::with_stdout(|w| {
        for r in &results {
            let metric = config
                .account(&r.account)
                .map_or("followers", |a| a.metric());
            writeln!(w, "{}", poller::describe(r, metric))?;
        }
        Ok(())
    });
    // the deliveries are waited for (a while), so that they are not lost
    if !rt.block_on(alerts.drain(alerts::DRAIN_BOUND)) {
        eprintln!(
            "socialtop: alert deliveries still running after {}; not waiting longer",
            crate::util::format_duration(alerts::DRAIN_BOUND)
        );
    }
    printed?;
    written.transpose()?;
    if failed > 0 {
        eprintln!("socialtop: {failed} of {} accounts failed", results.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn poll_forever(
    paths: &Paths,
    metrics_addr: Option<SocketAddr>,
) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let lease = crate::lease::Lease::new(&paths.data_dir)?;
    let poller = Arc::new(Poller::new(&config, Arc::clone(&store))?);
    let alerts = Arc::new(Alerts::new(&config, Arc::new(EnvSecrets))?);
    let rt = runtime()?;
    // a busy or unusable address is an error before polling starts
    let server = metrics::serve(
        &rt,
        metrics_addr.or(config.metrics_listen),
        &paths.data_dir,
        Arc::new(config.clone()),
    )?;
    if let Some(s) = &server {
        eprintln!("socialtop: serving metrics on http://{}/metrics", s.addr);
    }
    let result = rt.block_on(async move {
        let mut result = Ok(());
        let (cmd_tx, cmd_rx) = tokio::sync::mpsc::unbounded_channel::<Command>();
        let (ev_tx, mut ev_rx) = tokio::sync::mpsc::unbounded_channel();
        let active = lease.gate();
        let sched = tokio::spawn(Arc::clone(&poller).run(cmd_rx, ev_tx, active));
        let mut was_active = None;
        let mut lease_tick = tokio::time::interval(crate::lease::RENEW_EVERY);
        let mut stale_tick = tokio::time::interval(STALE_CHECK);
        // alerts are evaluated off this loop: a slow history or delivery
        // delays neither polling nor the report
        let fire = |check| {
            let (alerts, store) = (Arc::clone(&alerts), Arc::clone(&store));
            tokio::spawn(async move { report_alerts(&alerts.fire(&store, check).await) });
        };
        eprintln!(
            "socialtop: polling {} accounts; Ctrl-C to stop",
            config.accounts.len()
        );
        loop {
            tokio::select! {
                _ = shutdown_signal() => break,
                _ = lease_tick.tick() => {
                    // None: the history could not be reached (a full disk is
                    // not "another socialtop polls")
                    let held = match lease.try_renew() {
                        Ok(h) => Some(h),
                        Err(e) => {
                            eprintln!("socialtop: cannot renew the polling lease: {e}; not polling until it can");
                            None
                        }
                    };
                    if was_active != held {
                        was_active = held;
                        if held == Some(false) {
                            eprintln!("socialtop: another socialtop polls this data dir; waiting to take over");
                        }
                    }
                }
                _ = stale_tick.tick() => fire(Check::Stale(Timestamp::now())),
                Some(ev) = ev_rx.recv() => {
                    if let Event::Finished(r) = ev {
                        fire(Check::poll(&r));
                        let metric = config.account(&r.account).map_or("followers", |a| a.metric());
                        let line = format!("{}  {}", r.at.strftime("%Y-%m-%dT%H:%M:%SZ"), poller::describe(&r, metric));
                        // nobody reads any more (`poll | head`): stop polling
                        if let Err(e) = out::println(&line) {
                            result = Err(e);
                            break;
                        }
                    }
                }
            }
        }
        drop(cmd_tx);
        let _ = sched.await;
        // deliveries under way get a moment to finish
        alerts.drain(std::time::Duration::from_secs(5)).await;
        lease.release();
        result
    });
    drop(server);
    result.map(|()| ExitCode::SUCCESS)
}

/// How often `poll` looks for silent accounts (besides after each poll).
const STALE_CHECK: std::time::Duration = std::time::Duration::from_secs(60);

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
                    "{:<20}  {:<9}  {:<width$}  MESSAGE",
                    "TIME", "KIND", "ACCOUNT"
                )?;
                for a in &rows {
                    let at = crate::util::ts_ms(a.at_ms).strftime("%Y-%m-%dT%H:%M:%SZ");
                    write!(
                        w,
                        "{at:<20}  {:<9}  {:<width$}  {}",
                        a.kind, a.account, a.message
                    )?;
                    if let Some(e) = &a.delivery_error {
                        write!(w, "  [delivery failed: {e}]")?;
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
    let now = Timestamp::now();
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
        None => Timestamp::now(),
    };
    let replaced = store::lock(&store).insert_sample(
        &account.id,
        Sample {
            at_ms: at.as_millisecond(),
            followers: count,
            following: None,
            posts: None,
        },
    )?;
    out::confirm(
        &format!(
            "recorded {} {} for {} at {}{}",
            crate::util::thousands(count),
            account.metric(),
            account.id,
            at,
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

pub(super) fn import_history(paths: &Paths, file: &str) -> anyhow::Result<ExitCode> {
    let (_config, store) = open(paths)?;
    let now = Timestamp::now();
    let imported = if file == "-" {
        let stdin = std::io::stdin();
        crate::import::history::import(&mut store::lock(&store), stdin.lock(), "<stdin>", now)?
    } else {
        let f =
            std::fs::File::open(file).map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?;
        let input = std::io::BufReader::with_capacity(1 << 16, f);
        crate::import::history::import(&mut store::lock(&store), input, file, now)?
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
