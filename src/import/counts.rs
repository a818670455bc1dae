//! `socialtop import history FILE --account ID`: a plain two-column CSV of
//! `date,count` rows for one account, from a spreadsheet or another tracker.
//!
//! - The header is optional: a first row whose count is no number is taken
//!   as one.
//! - A date is `YYYY-MM-DD` (the count at the end of that day, local time:
//!   its last second) or an RFC 3339 time.
//! - Counts are whole numbers 0..=2^53; times lie between 2000 and a few
//!   minutes from now, like every sample.
//! - The samples are `imported`; those already there (same account and
//!   time) are left as they are, so importing twice adds nothing. All or
//!   nothing, streamed.

use std::io::BufRead;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::history::Imported;
use crate::model::{Sample, SampleSource};
use crate::store::{MAX_COUNT, Store};

/// The earliest time a sample may have (2000-01-01).
const EARLIEST_MS: i64 = 946_684_800_000;

/// A date cell: the last second of a local day, or an RFC 3339 time.
fn time_of(cell: &str, tz: &TimeZone) -> Result<Timestamp, String> {
    let cell = cell.trim();
    if let Ok(t) = cell.parse::<Timestamp>() {
        return Ok(t);
    }
    let date: jiff::civil::Date = cell.parse().map_err(|_| {
        format!(
            "`{}` is neither a date (YYYY-MM-DD) nor an RFC 3339 time",
            crate::text::short(cell, 40)
        )
    })?;
    date.at(23, 59, 59, 0)
        .to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| format!("{date}: {e}"))
}

/// One `date,count` row as a sample.
fn row(date: &str, count: &str, tz: &TimeZone, latest_ms: i64) -> Result<Sample, String> {
    let at = time_of(date, tz)?;
    let at_ms = at.as_millisecond();
    if !(EARLIEST_MS..=latest_ms).contains(&at_ms) {
        return Err(format!("{at} is not between 2000 and now"));
    }
    let count = count.trim();
    let followers: i64 = count.parse().map_err(|_| {
        format!(
            "count `{}` is not a whole number",
            crate::text::short(count, 40)
        )
    })?;
    if !(0..=MAX_COUNT).contains(&followers) {
        return Err(format!(
            "count {followers} is not between 0 and {MAX_COUNT}"
        ));
    }
    Ok(Sample {
        at_ms,
        followers,
        following: None,
        posts: None,
    })
}

/// Imports `input` (named `source` in messages) as samples of `account`.
pub fn import(
    store: &mut Store,
    input: impl BufRead,
    source: &str,
    account: &str,
    now: Timestamp,
    tz: &TimeZone,
) -> anyhow::Result<Imported> {
    let latest_ms = now.as_millisecond() + crate::store::FUTURE_SLACK_MS;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let at_line = |line: u64, e: String| anyhow::anyhow!("{source}:{line}: {e}");
    let rows = reader.records().enumerate().filter_map(|(i, rec)| {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => return Some(Err(anyhow::anyhow!("{source}: {e}"))),
        };
        let n = rec.position().map_or(i as u64 + 1, |p| p.line());
        // blank lines are nothing
        if rec.iter().all(str::is_empty) {
            return None;
        }
        let (date, count) = (rec.get(0).unwrap_or(""), rec.get(1).unwrap_or(""));
        // a header: a first row whose count is no number
        if i == 0 && count.parse::<i64>().is_err() && time_of(date, tz).is_err() {
            return None;
        }
        if rec.len() != 2 {
            return Some(Err(at_line(
                n,
                format!("{} columns; --account reads two, date,count", rec.len()),
            )));
        }
        Some(
            row(date, count, tz, latest_ms)
                .map(|s| (n, 0, s, SampleSource::Imported))
                .map_err(|e| at_line(n, e)),
        )
    });
    let keys = [account.to_string()];
    match store.import_samples(&keys, rows)? {
        Ok((added, present)) => Ok(Imported { added, present }),
        Err(c) => anyhow::bail!(
            "{source}:{}: {} at {} is {} here but {} already (in the history, or on an earlier line): nothing was imported",
            c.line,
            crate::text::clean(account),
            crate::util::utc_time(crate::util::ts_ms(c.ours.at_ms)),
            c.ours.followers,
            c.theirs.followers
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_the_end_of_the_local_day_and_times_are_as_given() {
        let utc = TimeZone::UTC;
        assert_eq!(
            time_of("2026-03-01", &utc).unwrap().to_string(),
            "2026-03-01T23:59:59Z"
        );
        assert_eq!(
            time_of("2026-03-01T12:00:00+01:00", &utc)
                .unwrap()
                .to_string(),
            "2026-03-01T11:00:00Z"
        );
        assert!(time_of("March 1", &utc).unwrap_err().contains("March 1"));
    }
}
