//! `socialtop import timewarrior [FILE|-]`: the JSON array `timew export` prints:
//! `[{"id":1,"start":"20260302T090000Z","end":"20260302T101500Z","tags":["..."],"annotation":"..."}]`.
//! An interval counts for an account when one of its tags is the account's id
//! or one of its `time_tags`. Open intervals (no `end`) are skipped.

use serde::Deserialize;

use super::Report;
use crate::config::Config;
use crate::store::{Store, TimeEntry};

#[derive(Debug, Deserialize)]
struct Interval {
    id: Option<i64>,
    start: String,
    end: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    annotation: Option<String>,
}

/// `20260302T090000Z` → epoch seconds.
fn parse_time(s: &str) -> Result<i64, String> {
    jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", s)
        .and_then(|dt| dt.to_zoned_datetime(jiff::tz::TimeZone::UTC))
        .map(|z| z.timestamp().as_second())
        .map_err(|_| format!("`{s}` is not a timewarrior time (like 20260302T090000Z)"))
}

/// Imports `text` (named `source` in messages) into the history.
pub fn import(
    store: &mut Store,
    config: &Config,
    text: &str,
    source: &str,
) -> anyhow::Result<Report> {
    let intervals: Vec<Interval> = serde_json::from_str(text).map_err(|e| {
        let what = e.to_string();
        let what = what.split(" at line ").next().unwrap_or_default();
        anyhow::anyhow!(
            "{source}:{}:{}: not a timewarrior export (the JSON array `timew export` prints): {what}",
            e.line(),
            e.column().max(1)
        )
    })?;
    let mut report = Report::default();
    let mut unmatched = 0;
    let now = jiff::Timestamp::now().as_second();
    let mut batches: std::collections::BTreeMap<String, Vec<TimeEntry>> = Default::default();
    for iv in &intervals {
        let label = iv
            .id
            .map_or_else(|| iv.start.clone(), |id| format!("@{id}"));
        let Some(end) = &iv.end else {
            report.warnings.push(format!(
                "skipped open interval {label} started {} (still running)",
                iv.start
            ));
            continue;
        };
        let (start_s, end_s) = (
            parse_time(&iv.start)
                .map_err(|e| anyhow::anyhow!("{source}: interval {label}: {e}"))?,
            parse_time(end).map_err(|e| anyhow::anyhow!("{source}: interval {label}: {e}"))?,
        );
        if end_s <= start_s {
            report.warnings.push(format!(
                "skipped interval {label}: it ends before it starts"
            ));
            continue;
        }
        let accounts: Vec<&str> = config
            .accounts
            .iter()
            .filter(|a| {
                iv.tags
                    .iter()
                    .any(|t| *t == a.id || a.time_tags.contains(t))
            })
            .map(|a| a.id.as_str())
            .collect();
        if accounts.is_empty() {
            unmatched += 1;
            continue;
        }
        let seconds = end_s - start_s;
        if seconds > crate::store::MAX_ENTRY_SECS {
            report.warnings.push(format!(
                "skipped interval {label}: {} is longer than a day, the longest entry socialtop keeps",
                crate::util::format_duration(std::time::Duration::from_secs(seconds.unsigned_abs()))
            ));
            continue;
        }
        if start_s < crate::store::EARLIEST || end_s > now + 300 {
            anyhow::bail!(
                "{source}: interval {label}: {} to {end} is not between 2000 and now",
                iv.start
            );
        }
        for id in accounts {
            let entry = TimeEntry {
                start: start_s,
                seconds,
                source: "timewarrior".into(),
                note: iv.annotation.as_deref().map(crate::text::clean),
                external_id: Some(format!("{}/{end}", iv.start)),
            };
            batches.entry(id.to_string()).or_default().push(entry);
        }
    }
    // all or nothing: one transaction for the whole import
    let batches: Vec<(String, Vec<TimeEntry>)> = batches.into_iter().collect();
    let news = store.add_time_entries_many(&batches)?;
    for ((id, entries), new) in batches.iter().zip(news) {
        let slot = report.per_account.entry(id.clone()).or_default();
        slot.0 += new;
        slot.1 += entries.iter().map(|e| e.seconds).sum::<i64>();
        report.unchanged += entries.len() - new;
    }
    if unmatched > 0 {
        report.warnings.push(format!(
            "{unmatched} interval(s) had no tag naming an account (its id or one of its time_tags)"
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_utc() {
        assert_eq!(parse_time("20260302T090000Z").unwrap(), 1_772_442_000);
        assert!(parse_time("2026-03-02").is_err());
    }
}
