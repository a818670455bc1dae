//! Time spent: what the effort model and the "this week" column read from the
//! history. The statistics themselves live in [`crate::effort`], free of I/O.

use jiff::tz::TimeZone;

use crate::config::Config;
use crate::effort::{self, Effort, Point};
use crate::store::{Result, Store};

/// One account's model points: its time entries in one ordered read, merged
/// (overlaps count once) and summed per week, and the follower count at the
/// end of each of those weeks in one statement.
#[cfg(any(test, feature = "test-util"))]
pub fn points_of(store: &Store, id: &str, tz: &TimeZone) -> Result<Vec<Point>> {
    Ok(sourced_points_of(store, id, tz)?.0)
}

/// [`points_of`], and how many of the points rest on a backfilled or
/// reconstructed count (read in the same statement).
pub fn sourced_points_of(store: &Store, id: &str, tz: &TimeZone) -> Result<(Vec<Point>, usize)> {
    let minutes = effort::weekly_minutes(&store.time_entries(id)?, tz);
    let ends: Vec<i64> = effort::week_ends(&minutes, tz)
        .into_iter()
        .map(|t| t.saturating_mul(1000))
        .collect();
    let sourced = store.sourced_followers_at_or_before_each(id, &ends)?;
    let followers: Vec<Option<i64>> = sourced.iter().map(|v| v.map(|(f, _)| f)).collect();
    // the points are the weeks with followers (see effort::points_from)
    let past = sourced
        .iter()
        .filter(|v| v.is_some_and(|(f, s)| f > 0 && s.is_from_past()))
        .count();
    Ok((effort::points_from(&minutes, &followers), past))
}

/// Each account's id and model points.
pub type AccountPoints = Vec<(String, Vec<Point>)>;

/// Every account's model points (weeks with time and followers), and how
/// many of the points the model uses (those of accounts with two or more)
/// rest on backfilled or reconstructed counts.
pub fn sourced_account_points(
    store: &Store,
    config: &Config,
    tz: &TimeZone,
) -> Result<(AccountPoints, usize)> {
    // one read transaction: one snapshot, locking paid once
    store.read(|store| {
        let mut past = 0;
        let points = config
            .accounts
            .iter()
            .map(|a| {
                let (points, from_past) = sourced_points_of(store, &a.id, tz)?;
                if points.len() >= 2 {
                    past += from_past;
                }
                Ok((a.id.clone(), points))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((points, past))
    })
}

/// The effort model over the whole history.
pub fn effort(store: &Store, config: &Config, tz: &TimeZone) -> Result<Effort> {
    let (points, past) = sourced_account_points(store, config, tz)?;
    Ok(effort::analyze(&points, config.effort_margin).with_backfilled(past))
}

/// Seconds spent on `key` in the ISO week containing `now`, the running timer
/// included; time logged twice (by hand and imported, say) counts once.
pub fn this_week(store: &Store, key: &str, now: i64, tz: &TimeZone) -> Result<i64> {
    let start = effort::week_start(now, tz);
    let mut entries = store.time_entries_overlapping(key, start, now)?;
    if let Some((k, started)) = store.timer()?
        && k == key
        && now > started
    {
        entries.push((started, now - started));
    }
    Ok(effort::seconds_between(&entries, start, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, PlatformKind, Sample, TimeEntry};

    /// Monday 2026-01-05 00:00 UTC.
    const BASE: i64 = 1_767_571_200;
    const WEEK: i64 = 604_800;

    fn store_with(
        samples: &[(i64, i64)],
        entries: &[(i64, i64, &str)],
    ) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_dir(dir.path()).unwrap();
        let a = Account {
            id: "a".into(),
            ..Account::new(PlatformKind::Manual, "a")
        };
        s.sync_accounts(&[a]).unwrap();
        let samples: Vec<Sample> = samples
            .iter()
            .map(|&(at_ms, followers)| Sample {
                at_ms,
                followers,
                following: None,
                posts: None,
            })
            .collect();
        s.insert_samples("a", &samples).unwrap();
        for (i, &(start, seconds, source)) in entries.iter().enumerate() {
            let entry = TimeEntry {
                start,
                seconds,
                source: source.into(),
                note: None,
                external_id: (source != "log").then(|| i.to_string()),
            };
            s.add_time_entries("a", &[entry]).unwrap();
        }
        (dir, s)
    }

    #[test]
    fn one_read_per_account_gives_the_points_the_lookups_gave() {
        // samples on both sides of week ends, one exactly at the last
        // millisecond-second of a week, one a half second after it
        let end0 = BASE + WEEK - 1;
        let samples = [
            (BASE * 1000 + 3_600_000, 100),
            (end0 * 1000, 110),
            (end0 * 1000 + 500, 999),
            ((BASE + 2 * WEEK) * 1000 + 10, 130),
            ((BASE + 5 * WEEK) * 1000, 0),
        ];
        let entries: Vec<(i64, i64, &str)> = (0..8)
            .map(|w| (BASE + w * WEEK + 86_400, 1_800 + w * 60, "log"))
            .chain([(BASE + 3 * WEEK + 86_400, 600, "timewarrior")])
            .collect();
        let (_dir, s) = store_with(&samples, &entries);
        let tz = TimeZone::UTC;
        let fast = points_of(&s, "a", &tz).unwrap();
        let minutes = effort::weekly_minutes(&s.time_entries("a").unwrap(), &tz);
        let slow = effort::points(&minutes, &tz, |t| {
            s.at_or_before("a", crate::util::ts(t))
                .unwrap()
                .map(|x| x.followers)
        });
        assert_eq!(fast, slow);
        let f: Vec<i64> = fast.iter().map(|p| p.followers).collect();
        assert_eq!(
            f,
            vec![110, 999, 130, 130, 130],
            "week 5 on has 0 followers: no points"
        );
        // the imported 10 minutes lie inside the logged 33: counted once
        assert_eq!(fast[3].minutes, 33.0);
    }

    #[test]
    fn this_week_counts_overlapping_time_and_the_timer_once() {
        let now = BASE + 2 * 86_400;
        let (_dir, mut s) = store_with(
            &[],
            &[
                (BASE - 1_800, 3_600, "log"),         // half of it this week
                (BASE + 3_600, 3_600, "log"),         // an hour
                (BASE + 3_600, 3_600, "timewarrior"), // the same hour, imported
                (BASE + 5_400, 600, "toggl"),         // inside it
            ],
        );
        let tz = TimeZone::UTC;
        assert_eq!(this_week(&s, "a", now, &tz).unwrap(), 1_800 + 3_600);
        s.start_timer("a", now - 600).unwrap();
        assert_eq!(this_week(&s, "a", now, &tz).unwrap(), 1_800 + 3_600 + 600);
    }
}
