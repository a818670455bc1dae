//! Time spent: what the effort model and the "this week" column read from the
//! history. The statistics themselves live in [`crate::effort`], free of I/O.

use jiff::tz::TimeZone;

use crate::config::Config;
use crate::effort::{self, Effort, Point};
use crate::store::{Result, Store};

/// Every account's model points (weeks with time and followers).
pub fn account_points(
    store: &Store,
    config: &Config,
    tz: &TimeZone,
) -> Result<Vec<(String, Vec<Point>)>> {
    config
        .accounts
        .iter()
        .map(|a| {
            let minutes = effort::weekly_minutes(&store.time_entries(&a.id)?, tz);
            let mut lookup_error = None;
            let points = effort::points(&minutes, tz, |t| {
                match store.at_or_before(&a.id, crate::util::ts(t)) {
                    Ok(s) => s.map(|s| s.followers),
                    Err(e) => {
                        lookup_error = Some(e);
                        None
                    }
                }
            });
            match lookup_error {
                Some(e) => Err(e),
                None => Ok((a.id.clone(), points)),
            }
        })
        .collect()
}

/// The effort model over the whole history.
pub fn effort(store: &Store, config: &Config, tz: &TimeZone) -> Result<Effort> {
    Ok(effort::analyze(
        &account_points(store, config, tz)?,
        config.effort_margin,
    ))
}

/// Seconds spent on `key` in the ISO week containing `now`, the running timer included.
pub fn this_week(store: &Store, key: &str, now: i64, tz: &TimeZone) -> Result<i64> {
    let start = effort::week_start(now, tz);
    let logged = store.time_between(key, start, now)?;
    let running = match store.timer()? {
        Some((k, started)) if k == key => now - started.max(start),
        _ => 0,
    };
    Ok(logged + running.max(0))
}
