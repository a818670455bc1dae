//! Time spent: what the effort model and the "this week" column read from the
//! history. The statistics themselves live in [`crate::effort`], free of I/O.

use jiff::tz::TimeZone;

use crate::config::Config;

use crate::effort::{self, Effort, Point};
use crate::model::Account;
use crate::model::Clock;
use crate::store::{Result, Store};

/// One account's model points: its time entries in one ordered read, merged
/// (overlaps count once) and summed per week, every week of its tracked span
/// (see [`effort::span_weeks`]), and each week's fresh follower count (a
/// sample at most 7 days older than the week's end) in one statement; with
/// how many of the points rest on a backfilled or reconstructed count.
pub fn sourced_points_of(
    store: &Store,
    account: &Account,
    tz: &TimeZone,
    now: i64,
    person: Option<&str>,
) -> Result<(Vec<Point>, usize)> {
    let minutes = effort::minutes_of(&week_seconds(store, &account.id, tz, person)?);
    let weeks = effort::span_weeks(&minutes, tz, account.tracked_since, now);
    let ends: Vec<i64> = effort::week_ends(&weeks, tz)
        .into_iter()
        .map(|t| t.saturating_mul(1000))
        .collect();
    let sourced =
        store.fresh_sourced_followers_at_each(&account.id, &ends, effort::FRESH_SECS * 1000)?;
    let followers: Vec<Option<i64>> = sourced.iter().map(|v| v.map(|(f, _)| f)).collect();
    let past = sourced
        .iter()
        .filter(|v| v.is_some_and(|(f, s)| f > 0 && s.is_from_past()))
        .count();
    Ok((effort::points_from(&weeks, &minutes, &followers), past))
}

/// An account's time per week in `tz` (`person`'s, or everyone's): as an
/// earlier read kept it when the zone has a name, else worked out from every
/// entry (and kept).
fn week_seconds(
    store: &Store,
    key: &str,
    tz: &TimeZone,
    person: Option<&str>,
) -> Result<Vec<(i64, i64)>> {
    // a zone name has no spaces: "Europe/Paris" for the team, "Europe/Paris
    // alice" for one person
    let zone = tz.iana_name().map(|zone| match person {
        Some(p) => format!("{zone} {p}"),
        None => zone.to_string(),
    });
    if let Some(zone) = &zone
        && let Some(weeks) = store.kept_week_seconds(key, zone)?
    {
        return Ok(weeks);
    }
    let weeks = effort::weekly_seconds(&store.time_entries_of(key, person)?, tz);
    if let Some(zone) = &zone {
        store.keep_week_seconds(key, zone, &weeks)?;
    }
    Ok(weeks)
}

/// [`sourced_points_of`] without the count.
#[cfg(any(test, feature = "test-util"))]
pub fn points_of(store: &Store, account: &Account, tz: &TimeZone, now: i64) -> Result<Vec<Point>> {
    Ok(sourced_points_of(store, account, tz, now, None)?.0)
}

/// Each account's id and model points.
pub type AccountPoints = Vec<(String, Vec<Point>)>;

/// Every account's model points (the weeks of its tracked span; `person`'s
/// time, or everyone's), and how many of the points of the accounts the
/// model uses rest on backfilled or reconstructed counts.
pub fn sourced_account_points(
    store: &Store,
    config: &Config,
    tz: &TimeZone,
    person: Option<&str>,
) -> Result<(AccountPoints, usize)> {
    let now = crate::model::SystemClock.now().as_second();
    // one read transaction: one snapshot, locking paid once
    store.read(|store| {
        let mut past = 0;
        let points = config
            .accounts
            .iter()
            .map(|a| {
                let (points, from_past) = sourced_points_of(store, a, tz, now, person)?;
                if points.len() >= effort::MIN_POINTS {
                    past += from_past;
                }
                Ok((a.id.clone(), points))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((points, past))
    })
}

/// The effort model over the whole history: on `person`'s time, or on the
/// team's (everyone's).
pub fn effort(
    store: &Store,
    config: &Config,
    tz: &TimeZone,
    person: Option<&str>,
) -> Result<Effort> {
    let (points, past) = sourced_account_points(store, config, tz, person)?;
    Ok(effort::analyze(&points, config.effort_margin)
        .with_backfilled(past)
        .for_user(person))
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
    use crate::model::{PlatformKind, Sample, TimeEntry};

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
        // millisecond-second of a week, one a half second after it, one
        // exactly 7 days before a week's end, one 7 days and 1 ms before
        let end = |w: i64| BASE + (w + 1) * WEEK - 1;
        let samples = [
            (BASE * 1000 + 3_600_000, 100),
            (end(0) * 1000, 110),
            (end(0) * 1000 + 500, 999),
            ((BASE + 2 * WEEK) * 1000 + 10, 130),
            ((BASE + 3 * WEEK) * 1000, 0),
            (end(4) * 1000, 140),
            (end(6) * 1000 - 1, 150),
        ];
        // time in weeks 0 to 7 but 4
        let entries: Vec<(i64, i64, &str)> = (0..8)
            .filter(|w| *w != 4)
            .map(|w| (BASE + w * WEEK + 86_400, 1_800 + w * 60, "log"))
            .chain([(BASE + 3 * WEEK + 86_400, 600, "timewarrior")])
            .collect();
        let (_dir, s) = store_with(&samples, &entries);
        let tz = TimeZone::UTC;
        let now = BASE + 30 * WEEK;
        let mut account = Account {
            id: "a".into(),
            ..Account::new(PlatformKind::Manual, "a")
        };
        let fast = points_of(&s, &account, &tz, now).unwrap();
        let minutes = effort::weekly_minutes(&s.time_entries("a").unwrap(), &tz);
        let lookup = |t: i64| {
            s.at_or_before("a", crate::util::ts(t))
                .unwrap()
                .map(|x| (x.at_ms, x.followers))
        };
        assert_eq!(fast, effort::points(&minutes, &tz, None, now, lookup));
        let f: Vec<i64> = fast.iter().map(|p| p.followers).collect();
        assert_eq!(
            f,
            vec![110, 999, 130, 0, 140, 140, 150, 0],
            "week 3: a count of 0 and a stale one; week 5: exactly 7 days old; week 7: 7 days and 1 ms"
        );
        let m: Vec<f64> = fast.iter().map(|p| p.minutes).collect();
        // week 4 is in the span without time: 0 minutes; the imported 10
        // minutes lie inside the logged 33: counted once
        assert_eq!(m, vec![30.0, 31.0, 32.0, 33.0, 0.0, 35.0, 36.0, 37.0]);

        // tracked since two weeks before the first entry: the span runs from
        // then to the last week that ended (week 9 of now's week 10)
        account.tracked_since = Some(BASE - 2 * WEEK + 3_600);
        let now = BASE + 10 * WEEK + 3 * 86_400;
        let fast = points_of(&s, &account, &tz, now).unwrap();
        let weeks: Vec<i64> = fast.iter().map(|p| (p.week - BASE) / WEEK).collect();
        assert_eq!(weeks, (-2..=9).collect::<Vec<_>>());
        assert_eq!(
            fast,
            effort::points(&minutes, &tz, account.tracked_since, now, lookup)
        );
        let zero: Vec<i64> = fast
            .iter()
            .filter(|p| p.minutes == 0.0)
            .map(|p| (p.week - BASE) / WEEK)
            .collect();
        assert_eq!(zero, vec![-2, -1, 4, 8, 9]);
    }

    #[test]
    fn kept_answers_give_the_points_a_fresh_look_up_gives_after_the_history_changes() {
        let samples: Vec<(i64, i64)> = (0..10)
            .map(|w| ((BASE + w * WEEK + 3 * 86_400) * 1000, 100 + w * 10))
            .collect();
        let entries: Vec<(i64, i64, &str)> = (0..10)
            .map(|w| (BASE + w * WEEK + 86_400, 1_800 + w * 60, "log"))
            .collect();
        let (_dir, mut s) = store_with(&samples, &entries);
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let now = BASE + 12 * WEEK;
        let account = Account {
            id: "a".into(),
            ..Account::new(PlatformKind::Manual, "a")
        };
        let read = |s: &Store| s.read(|s| points_of(s, &account, &tz, now)).unwrap();
        let looked_up = |s: &Store| {
            let minutes = effort::weekly_minutes(&s.time_entries("a").unwrap(), &tz);
            effort::points(&minutes, &tz, None, now, |t: i64| {
                s.at_or_before("a", crate::util::ts(t))
                    .unwrap()
                    .map(|x| (x.at_ms, x.followers))
            })
        };
        let first = read(&s);
        assert_eq!(first, looked_up(&s));
        assert!(s.kept_week_seconds("a", "Europe/Paris").unwrap().is_some());
        assert_eq!(read(&s), first, "read back from what was kept");
        // the past changes: a backfilled count in the last hour of week 4
        // (Paris: weeks start an hour before UTC), fresher than the polled
        // one, and more time in week 2
        s.insert_samples_from(
            "a",
            &[Sample {
                at_ms: (BASE + 5 * WEEK - 7_200) * 1000,
                followers: 777,
                following: None,
                posts: None,
            }],
            crate::model::SampleSource::Backfilled,
        )
        .unwrap();
        s.add_time_entries(
            "a",
            &[TimeEntry {
                start: BASE + 2 * WEEK + 2 * 86_400,
                seconds: 900,
                source: "log".into(),
                note: None,
                external_id: None,
            }],
        )
        .unwrap();
        let after = read(&s);
        assert_ne!(after, first);
        assert_eq!(after, looked_up(&s));
        assert_eq!(after[4].followers, 777);
        assert_eq!(after[2].minutes, 32.0 + 15.0);
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
