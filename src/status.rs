//! The latest known state of every account: what `status`, the dashboard and
//! exports show. Field names are a contract scripts rely on.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::model::Account;
use crate::model::Sample;
use crate::store::{Result, Store};
use crate::util::ts;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountStatus {
    pub id: String,
    pub platform: String,
    pub handle: String,
    pub label: Option<String>,
    pub metric: String,
    pub followers: Option<i64>,
    pub following: Option<i64>,
    pub posts: Option<i64>,
    /// RFC 3339 time of the latest good sample.
    pub updated_at: Option<Timestamp>,
    /// RFC 3339 time of the last poll attempt.
    pub checked_at: Option<Timestamp>,
    pub change_24h: Option<i64>,
    pub change_7d: Option<i64>,
    pub change_30d: Option<i64>,
    /// The last poll's failure, when it came after the latest good sample.
    pub error: Option<String>,
}

/// The fields of a status row, in order: JSON keys and CSV columns.
pub const FIELDS: [&str; 14] = [
    "id",
    "platform",
    "handle",
    "label",
    "metric",
    "followers",
    "following",
    "posts",
    "updated_at",
    "checked_at",
    "change_24h",
    "change_7d",
    "change_30d",
    "error",
];

pub const WINDOWS: [(&str, i64); 3] = [("24h", 86_400), ("7d", 7 * 86_400), ("30d", 30 * 86_400)];

/// An account's newest and oldest samples, read once for every window.
pub fn ends(store: &Store, key: &str) -> Result<Option<(Sample, Sample)>> {
    Ok(store.latest(key)?.zip(store.earliest(key)?))
}

/// Latest value minus the value at or before `window` ago (or the earliest
/// sample when history is shorter); `None` with fewer than two samples.
/// `ends` is what [`ends`] read for the account.
pub fn change(
    store: &Store,
    key: &str,
    ends: Option<(Sample, Sample)>,
    now: Timestamp,
    window_secs: i64,
) -> Result<Option<i64>> {
    let Some((latest, earliest)) = ends else {
        return Ok(None);
    };
    if latest.at_ms == earliest.at_ms {
        return Ok(None);
    }
    let base = store
        .at_or_before(key, before(now, window_secs))?
        .unwrap_or(earliest);
    Ok(Some(latest.followers - base.followers))
}

pub fn of_account(store: &Store, a: &Account, now: Timestamp) -> Result<AccountStatus> {
    let ends = ends(store, &a.id)?;
    let latest = ends.map(|(latest, _)| latest);
    let state = store.state(&a.id)?;
    let error = match (&state.error, state.error_at_ms, latest) {
        // a success clears the error, so an error as recent as the sample is newer
        (Some(e), Some(at), Some(s)) if at >= s.at_ms => Some(e.clone()),
        (Some(e), _, None) => Some(e.clone()),
        _ => None,
    };
    let [c24, c7, c30] = WINDOWS.map(|(_, w)| change(store, &a.id, ends, now, w));
    Ok(AccountStatus {
        id: a.id.clone(),
        platform: a.platform.name().to_string(),
        handle: a.handle.clone(),
        label: a.label.clone(),
        metric: a.metric().to_string(),
        followers: latest.map(|s| s.followers),
        following: latest.and_then(|s| s.following),
        posts: latest.and_then(|s| s.posts),
        updated_at: latest.map(|s| s.time()),
        checked_at: state.checked_at_ms.map(crate::util::ts_ms),
        change_24h: c24?,
        change_7d: c7?,
        change_30d: c30?,
        error,
    })
}

/// The status of every configured account, in config order.
pub fn collect(store: &Store, accounts: &[Account], now: Timestamp) -> Result<Vec<AccountStatus>> {
    store.read(|store| accounts.iter().map(|a| of_account(store, a, now)).collect())
}

/// An account's count between `from` and `to` as `(epoch seconds, count)`,
/// oldest first, at most about `max_points` of them: every sample when there are
/// few, else the value at or before evenly spaced times (one index seek each, so
/// years of history cost what a day does). The first point is the value at
/// `from` when history reaches back that far.
pub fn series(
    store: &Store,
    key: &str,
    from: i64,
    to: i64,
    max_points: usize,
) -> Result<Vec<(i64, i64)>> {
    let mut points: Vec<(i64, i64)> = store
        .samples_since_limit(key, ts(from), max_points + 1)?
        .into_iter()
        .filter(|s| s.at_secs() <= to)
        .map(|s| (s.at_secs(), s.followers))
        .collect();
    if points.len() > max_points {
        points.clear();
        let n = max_points as i64;
        for i in 0..=n {
            let t = from + (to - from) * i / n;
            if let Some(s) = store.at_or_before(key, ts(t))?
                && s.at_secs() >= from.min(t)
                && points.last().is_none_or(|p| p.0 != s.at_secs())
            {
                points.push((s.at_secs(), s.followers));
            }
        }
    }
    if let Some(before) = store.at_or_before(key, ts(from))?
        && points.first().is_none_or(|p| p.0 > from)
    {
        points.insert(0, (from, before.followers));
    }
    Ok(points)
}

/// One row's CSV cells, in [`FIELDS`] order: text cleaned of control
/// characters and neutralised where a spreadsheet would run it as a formula;
/// numbers as numbers, empty where unknown.
pub fn csv_cells(r: &AccountStatus) -> [String; 14] {
    let text = |t: &str| crate::text::csv_cell(&crate::text::clean(t)).into_owned();
    let num = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let time = |v: Option<Timestamp>| v.map(|v| v.to_string()).unwrap_or_default();
    [
        text(&r.id),
        text(&r.platform),
        text(&r.handle),
        r.label.as_deref().map_or(String::new(), text),
        text(&r.metric),
        num(r.followers),
        num(r.following),
        num(r.posts),
        time(r.updated_at),
        time(r.checked_at),
        num(r.change_24h),
        num(r.change_7d),
        num(r.change_30d),
        r.error.as_deref().map_or(String::new(), text),
    ]
}

/// `status --format csv`: a header row, then one row per account.
pub fn write_csv(rows: &[AccountStatus], out: impl std::io::Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(FIELDS)?;
    for r in rows {
        w.write_record(csv_cells(r))?;
    }
    w.flush()?;
    Ok(())
}

/// A fixed-width table for people.
pub fn table(rows: &[AccountStatus], now: Timestamp) -> String {
    use crate::util::{ago, signed, thousands};
    let opt = |v: Option<i64>, f: fn(i64) -> String| v.map_or_else(|| "-".to_string(), f);
    let mut lines: Vec<[String; 7]> = vec![[
        "ACCOUNT".into(),
        "METRIC".into(),
        "COUNT".into(),
        "24H".into(),
        "7D".into(),
        "30D".into(),
        "STATE".into(),
    ]];
    for r in rows {
        let state = match (&r.error, r.updated_at) {
            (Some(e), _) => format!("error: {e}"),
            (None, Some(t)) => ago(t, now),
            (None, None) => "never polled".into(),
        };
        lines.push([
            r.id.clone(),
            r.metric.clone(),
            opt(r.followers, thousands),
            opt(r.change_24h, signed),
            opt(r.change_7d, signed),
            opt(r.change_30d, signed),
            state,
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for l in &lines {
        let mut line = String::new();
        for (c, cell) in l.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if (2..=5).contains(&c) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if c < 6 {
                    line.push_str(&" ".repeat(pad));
                }
            }
            if c < 6 {
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `now - d`, for windows.
pub fn before(now: Timestamp, secs: i64) -> Timestamp {
    now.checked_sub(SignedDuration::from_secs(secs))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PlatformKind;

    fn acct() -> Account {
        Account::new(PlatformKind::Github, "a")
    }

    fn s(at: i64, f: i64) -> Sample {
        Sample {
            at_ms: at * 1000,
            followers: f,
            following: None,
            posts: None,
        }
    }

    #[test]
    fn changes_use_value_at_or_before_window_else_earliest() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = Store::open_dir(dir.path()).unwrap();
        st.sync_accounts(&[acct()]).unwrap();
        let day = 86_400;
        let now = ts(100 * day);
        st.record_success("github:a", s(100 * day - 10 * day, 500))
            .unwrap();
        let one = of_account(&st, &acct(), now).unwrap();
        assert_eq!(one.followers, Some(500));
        assert_eq!(one.change_24h, None, "one sample: no change");
        st.record_success("github:a", s(100 * day - 2 * day, 900))
            .unwrap();
        st.record_success("github:a", s(100 * day - 3600, 1000))
            .unwrap();
        let r = of_account(&st, &acct(), now).unwrap();
        assert_eq!(r.change_24h, Some(100)); // vs the sample 2 days ago
        assert_eq!(r.change_7d, Some(500)); // only 10 days of history: vs the one at day -10
        assert_eq!(r.change_30d, Some(500)); // history shorter: vs earliest
        assert_eq!(r.updated_at, Some(ts(100 * day - 3600)));
        st.record_failure("github:a", ts(100 * day - 60), "server error 500")
            .unwrap();
        let r = of_account(&st, &acct(), now).unwrap();
        assert_eq!(r.error.as_deref(), Some("server error 500"));
        assert_eq!(r.followers, Some(1000), "last good value stays");
        let json = serde_json::to_value(&r).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(keys.len(), 14);
        assert_eq!(json["label"], serde_json::Value::Null);
        assert_eq!(json["checked_at"], "1970-04-10T23:59:00Z");
    }

    #[test]
    fn table_aligns_and_shows_errors() {
        let now = ts(1_000_000);
        let rows = vec![AccountStatus {
            id: "github:a".into(),
            platform: "github".into(),
            handle: "a".into(),
            label: None,
            metric: "followers".into(),
            followers: Some(12_345),
            following: None,
            posts: None,
            updated_at: Some(ts(1_000_000 - 120)),
            checked_at: None,
            change_24h: Some(5),
            change_7d: None,
            change_30d: Some(-2),
            error: None,
        }];
        let t = table(&rows, now);
        assert!(t.contains("12,345"), "{t}");
        assert!(t.contains("+5"), "{t}");
        assert!(t.contains("2m ago"), "{t}");
    }
}
