//! `socialtop import timewarrior [FILE|-]`: the JSON array `timew export` prints:
//! `[{"id":1,"start":"20260302T090000Z","end":"20260302T101500Z","tags":["..."],"annotation":"..."}]`.
//! An interval counts for an account when one of its tags is the account's id
//! or one of its `time_tags`. Open intervals (no `end`) are skipped.

use serde::Deserialize;

use super::{Foreign, Report};
use crate::config::Config;
use crate::store::Store;

#[derive(Debug, Deserialize)]
struct Interval {
    id: Option<i64>,
    start: String,
    end: Option<String>,
    #[serde(default, deserialize_with = "super::few_tags")]
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
    now: jiff::Timestamp,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let mut entries = Vec::new();
    super::each_in_json_array(
        text,
        source,
        "a timewarrior export (the JSON array `timew export` prints)",
        |iv: Interval| {
            let label = iv
                .id
                .map_or_else(|| crate::text::short(&iv.start, 40), |id| format!("@{id}"));
            let Some(end) = &iv.end else {
                report.warnings.push(format!(
                    "skipped open interval {label} started {} (still running)",
                    crate::text::short(&iv.start, 40)
                ));
                return Ok(());
            };
            let (start_s, end_s) = (
                parse_time(&iv.start)
                    .map_err(|e| anyhow::anyhow!("{source}: interval {label}: {e}"))?,
                parse_time(end).map_err(|e| anyhow::anyhow!("{source}: interval {label}: {e}"))?,
            );
            let external_id = format!("{}/{end}", iv.start);
            if let Some(f) = Foreign::bounded(
                config,
                &label,
                (start_s, end_s),
                iv.tags,
                iv.annotation.as_deref(),
                &external_id,
            ) {
                entries.push(f);
            }
            Ok(())
        },
    )?;
    let now = now.as_second();
    super::record(
        store,
        config,
        "timewarrior",
        "interval",
        entries,
        now,
        report,
    )
    .map_err(|e| anyhow::anyhow!("{source}: {e:#}"))
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
