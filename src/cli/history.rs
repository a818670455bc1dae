//! Commands on the history: `poll`, `status`, `record`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use jiff::Timestamp;

use super::{Format, account, out, parse_entry_time};
use crate::boot::{Paths, open, runtime, shutdown_signal};
use crate::metrics;
use crate::poller::{self, Command, Event, Outcome, Poller};
use crate::status;
use crate::store;
use crate::store::Sample;

pub(super) fn poll_once(paths: &Paths, textfile: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let poller = Arc::new(Poller::new(&config, Arc::clone(&store))?);
    let results = runtime()?.block_on(poller.poll_all(None));
    // the textfile is written before the report, which a closed stdout cuts
    let written = textfile.map(|path| {
        let text = metrics::Exporter::new(store, Arc::new(config.clone()))
            .scrape(metrics::Format::Text)?;
        metrics::write_textfile(path, &text)
    });
    // the samples are recorded; a closed standard output only cuts the report
    let mut failed = 0;
    for r in &results {
        if let Outcome::Failed(e) = &r.outcome {
            failed += 1;
            eprintln!("socialtop: {}: {e}", r.account);
        }
    }
    out::with_stdout(|w| {
        for r in &results {
            let metric = config
                .account(&r.account)
                .map_or("followers", |a| a.metric());
            writeln!(w, "{}", poller::describe(r, metric))?;
        }
        Ok(())
    })?;
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
    let poller = Arc::new(Poller::new(&config, store)?);
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
                Some(ev) = ev_rx.recv() => {
                    if let Event::Finished(r) = ev {
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
        lease.release();
        result
    });
    drop(server);
    result.map(|()| ExitCode::SUCCESS)
}

pub(super) fn status_cmd(paths: &Paths, format: Format) -> anyhow::Result<ExitCode> {
    let (config, store) = open(paths)?;
    let now = Timestamp::now();
    let rows = status::collect(&store::lock(&store), &config.accounts, now)?;
    out::with_stdout(|out| {
        match format {
            Format::Table => out.write_all(status::table(&rows, now).as_bytes())?,
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
