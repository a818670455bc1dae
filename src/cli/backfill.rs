//! `socialtop backfill ID|--all [--since TIME]`.

use std::process::ExitCode;

use super::{account, out, parse_time_arg};
use crate::boot::{Paths, open, runtime};
use crate::import::backfill::{self, Backfilled, Stopped};
use crate::model::{EnvSecrets, SampleSource};
use crate::platforms;

fn day(ms: i64) -> String {
    crate::util::ts_ms(ms).strftime("%Y-%m-%d").to_string()
}

/// One line on what a backfill did.
fn describe(b: &Backfilled) -> String {
    let exact = match b.kind {
        SampleSource::Reconstructed => "reconstructed, a lower bound",
        _ => "backfilled, exact",
    };
    let per = if b.source.monthly { "monthly" } else { "daily" };
    let polled = b
        .first_polled_ms
        .map(|p| format!("; polled since {}", day(p)))
        .unwrap_or_default();
    let mut line = match (b.added, b.span_ms) {
        (0, _) if b.stopped.is_none() => format!(
            "{}: nothing new from {}{}",
            b.id,
            b.source.what,
            b.span_ms
                .map(|(lo, hi)| format!(" ({} to {} already recorded)", day(lo), day(hi)))
                .unwrap_or_else(|| " (it has no days before the first poll)".into())
        ),
        (n, Some((lo, hi))) => format!(
            "{}: {} {per} samples from {} ({exact}), {} to {}{polled}",
            b.id,
            crate::util::thousands(n as i64),
            b.source.what,
            day(lo),
            day(hi)
        ),
        (n, None) => format!(
            "{}: {} {per} samples from {} ({exact}){polled}",
            b.id,
            crate::util::thousands(n as i64),
            b.source.what
        ),
    };
    if b.resumed {
        line.push_str(" (going on from where an earlier run stopped)");
    }
    match &b.stopped {
        Some(Stopped::RateLimited { until, detail }) => line.push_str(&format!(
            "; stopped by the rate limit until {} ({}): what was read is kept, and `socialtop backfill {}` goes on from there after then",
            platforms::short_time(*until),
            crate::text::short(detail, 80),
            b.id
        )),
        Some(Stopped::Pages) => line.push_str(&format!(
            "; stopped after {} pages: what was read is kept, and `socialtop backfill {}` goes on from there",
            crate::util::thousands(backfill::MAX_PAGES as i64),
            b.id
        )),
        None => {}
    }
    line
}

pub(super) fn backfill_cmd(
    paths: &Paths,
    id: Option<&str>,
    all: bool,
    since: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let since = since.map(parse_time_arg).transpose()?;
    let (config, store) = open(paths)?;
    let now = super::clock().now();
    let accounts: Vec<&crate::model::Account> = match id {
        Some(id) if !all => vec![account(&config, id)?],
        _ => {
            let (with, without): (Vec<_>, Vec<_>) = config
                .accounts
                .iter()
                .partition(|a| platforms::platform(a.platform).past(a).is_some());
            if !without.is_empty() {
                let ids: Vec<&str> = without.iter().map(|a| a.id.as_str()).collect();
                eprintln!(
                    "socialtop: no platform record of past counts for {}; a spreadsheet or another tracker's export can be read with `socialtop import history FILE --account ID`",
                    ids.join(", ")
                );
            }
            with
        }
    };
    let http = crate::http::Http::new(
        config
            .request_timeout
            .max(std::time::Duration::from_secs(30)),
    )?
    .with_max_body(16 * 1024 * 1024);
    let rt = runtime()?;
    let mut failed = 0;
    for a in &accounts {
        let result = rt.block_on(backfill::backfill(
            &store,
            &http,
            a,
            &EnvSecrets,
            since,
            now,
        ));
        match result {
            Ok(b) => {
                for n in &b.notes {
                    eprintln!("socialtop: {}: {}", b.id, crate::text::clean(n));
                }
                out::println(&describe(&b))?;
            }
            Err(e) if accounts.len() == 1 => return Err(e),
            Err(e) => {
                failed += 1;
                eprintln!(
                    "socialtop: {}: {}",
                    a.id,
                    crate::text::clean(&format!("{e:#}"))
                );
            }
        }
    }
    if failed > 0 {
        eprintln!("socialtop: {failed} of {} backfills failed", accounts.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
