//! Commands on the history: `poll`, `status`, `record`.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use jiff::Timestamp;

use super::{Format, account, parse_time_arg};
use crate::boot::{Paths, open, runtime, shutdown_signal};
use crate::poller::{self, Command, Event, Outcome, Poller};
use crate::status;
use crate::store;
use crate::store::Sample;

pub(super) fn poll_once(paths: &Paths) -> anyhow::Result<ExitCode> {
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

pub(super) fn poll_forever(paths: &Paths) -> anyhow::Result<ExitCode> {
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
pub(super) fn status_cmd(paths: &Paths, format: Format) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let now = Timestamp::now();
    let rows = status::collect(&store::lock(&store), &config.accounts, now)?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Table => out.write_all(status::table(&rows, now).as_bytes())?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Csv => status::write_csv(&rows, out)?,
    }
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
        Some(t) => parse_time_arg(t)?,
        None => Timestamp::now(),
    };
    store::lock(&store).insert_sample(
        &account.id,
        Sample {
            at_ms: at.as_millisecond(),
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
