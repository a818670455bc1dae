//! What the views show, read from the store. Every read here is bounded by
//! the number of points drawn, not by the length of the history: sparklines and
//! charts pick "the value at or before t" for evenly spaced t (one index seek
//! each), so five years of 5-minute polls cost the same as a week.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::model::Account;
use crate::model::{Sample, SampleSource};
use crate::status::{self, AccountStatus};
use crate::store::{Result, Store};

/// Points kept for a row's sparkline (30 days); views downsample to their width.
pub const SPARK_POINTS: usize = 60;
/// Points drawn in the detail chart at most.
pub const CHART_POINTS: usize = 240;
const DAY: i64 = 86_400;

/// One line of the accounts table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub account: Account,
    pub status: AccountStatus,
    /// The count over the last 30 days, oldest first; `None` before the first sample.
    pub spark: Vec<Option<i64>>,
    /// Seconds spent on the account this ISO week, a running timer included.
    pub week_secs: i64,
    /// People who followed and who left over 7 days; `None` where no
    /// follower list was read.
    pub people_7d: Option<(i64, i64)>,
}

impl Row {
    pub fn name(&self) -> &str {
        self.account.display_name()
    }
}

pub fn load_row(store: &Store, account: &Account, now: Timestamp, tz: &TimeZone) -> Result<Row> {
    let status = status::of_account(store, account, now)?;
    let from = now.as_second() - 30 * DAY;
    let spark = (1..=SPARK_POINTS as i64)
        .map(|i| {
            let t = from + i * 30 * DAY / SPARK_POINTS as i64;
            store
                .at_or_before(&account.id, crate::util::ts(t))
                .map(|s| s.map(|s| s.followers))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Row {
        account: account.clone(),
        status,
        spark,
        week_secs: crate::tracking::this_week(store, &account.id, now.as_second(), tz)?,
        people_7d: store.people_changes(
            &account.id,
            now.as_millisecond().saturating_sub(7 * DAY * 1000),
        )?,
    })
}

pub fn load_rows(
    store: &Store,
    accounts: &[Account],
    now: Timestamp,
    tz: &TimeZone,
) -> Result<Vec<Row>> {
    // one read transaction for every account's reads
    store.read(|store| {
        accounts
            .iter()
            .map(|a| load_row(store, a, now, tz))
            .collect()
    })
}

/// What the Effort view shows: the model and the points behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct EffortData {
    /// Boxed: the model's figures would make every event as large.
    pub effort: Box<crate::effort::Effort>,
    pub points: Vec<(String, Vec<crate::effort::Point>)>,
}

pub fn load_effort(
    store: &Store,
    config: &crate::config::Config,
    tz: &TimeZone,
) -> Result<EffortData> {
    let (points, past) = crate::tracking::sourced_account_points(store, config, tz, None)?;
    let effort = crate::effort::analyze(&points, config.effort_margin).with_backfilled(past);
    // the scatter is on log scales: weeks with time and a fresh count
    let points = points
        .into_iter()
        .map(|(id, p)| {
            let drawn = p.into_iter().filter(|p| p.minutes > 0.0 && p.followers > 0);
            (id, drawn.collect())
        })
        .collect();
    Ok(EffortData {
        effort: Box::new(effort),
        points,
    })
}

/// The detail view's time ranges (keys `1`–`5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    Day,
    Week,
    Month,
    Year,
    All,
}

impl Range {
    pub const ALL: [Range; 5] = [
        Range::Day,
        Range::Week,
        Range::Month,
        Range::Year,
        Range::All,
    ];

    pub fn secs(self) -> Option<i64> {
        match self {
            Range::Day => Some(DAY),
            Range::Week => Some(7 * DAY),
            Range::Month => Some(30 * DAY),
            Range::Year => Some(365 * DAY),
            Range::All => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Range::Day => "24 h",
            Range::Week => "7 d",
            Range::Month => "30 d",
            Range::Year => "1 y",
            Range::All => "all",
        }
    }
}

/// The selected account in depth.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub id: String,
    pub range: Range,
    /// (epoch seconds, count), oldest first.
    pub points: Vec<(i64, i64)>,
    /// Start of the range shown.
    pub from: i64,
    pub to: i64,
    /// Average change per day over the range.
    pub per_day: Option<f64>,
    /// When the next milestone comes, from the last 30 days' daily counts.
    pub forecast: Option<crate::forecast::Forecast>,
    pub last_error: Option<(String, Timestamp)>,
    /// Who followed and who left (the People view).
    pub people: People,
    /// Where the history comes from: "since 2019 from GitHub's star dates (a
    /// lower bound); polled since 2026-12-04".
    pub origin: Option<String>,
    /// Stretches (epoch seconds, `[from, to)`) whose counts are reconstructed
    /// lower bounds: the chart draws them dimmed and dotted.
    pub lower: Vec<(i64, i64)>,
    /// The other marked accounts over the same range, for the side-by-side
    /// chart (empty: the chart shows this account alone).
    pub overlay: Vec<Overlay>,
}

/// A marked account's series beside the selected one.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub id: String,
    pub name: String,
    /// (epoch seconds, count), oldest first, over the detail's range.
    pub points: Vec<(i64, i64)>,
}

/// The marked `accounts`' series over the detail's range, beside it.
pub fn load_overlay(store: &Store, d: &mut Detail, accounts: &[&Account]) -> Result<()> {
    d.overlay.clear();
    for a in accounts.iter().filter(|a| a.id != d.id) {
        d.overlay.push(Overlay {
            id: a.id.clone(),
            name: a.display_name().to_string(),
            points: crate::status::series(store, &a.id, d.from, d.to, CHART_POINTS)?,
        });
    }
    Ok(())
}

/// The day of a time in ms, `2026-12-04` (UTC, as backfilled days are).
fn day_of(ms: i64) -> String {
    crate::util::ts_ms(ms).strftime("%Y-%m-%d").to_string()
}

/// Where an account's history comes from, in words, and the stretches that
/// are lower bounds; no words for a history that starts with polls.
fn origin_of(account: &Account, o: &crate::store::Origin) -> (Option<String>, Vec<(i64, i64)>) {
    let lower = o
        .runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.0 == SampleSource::Reconstructed)
        .map(|(i, r)| {
            let to = o.runs.get(i + 1).map_or(i64::MAX, |next| next.1);
            (r.1.div_euclid(1000), to.div_euclid(1000))
        })
        .collect();
    let Some((first, source)) = o.earliest() else {
        return (None, lower);
    };
    let polled = o.first_polled_ms();
    let year = crate::util::ts_ms(first).strftime("%Y").to_string();
    let what = crate::platforms::platform(account.platform)
        .past(account)
        .map_or("the platform's past", |p| p.what);
    let head = match source {
        // a history of polls says nothing more than the chart
        SampleSource::Polled => return (None, lower),
        SampleSource::Backfilled => format!("since {year} from {what}"),
        SampleSource::Reconstructed => format!("since {year} from {what} (a lower bound)"),
        SampleSource::Imported => format!("since {year} imported"),
        SampleSource::Manual => format!("since {year} entered by hand"),
    };
    let text = match polled {
        Some(p) => format!("{head}; polled since {}", day_of(p)),
        None if o.more => head,
        None => format!("{head}; not polled yet"),
    };
    (Some(text), lower)
}

/// Changes shown in the People view at most.
pub const PEOPLE_SHOWN: usize = 500;

/// What the People view shows of one account.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct People {
    /// Whether the account's follower list is read at all.
    pub listed: bool,
    /// (followed, left) over 7 and 30 days; `None` before a list was read.
    pub week: Option<(i64, i64)>,
    pub month: Option<(i64, i64)>,
    /// The last 30 days' changes, newest first.
    pub events: Vec<crate::model::PeopleEvent>,
    /// Where the list stands ("followers list hidden", a pause...).
    pub state: Option<String>,
}

pub fn load_people(store: &Store, account: &Account, now: Timestamp) -> Result<People> {
    let key = &account.id;
    let ago = |days: i64| now.as_millisecond().saturating_sub(days * DAY * 1000);
    Ok(People {
        listed: crate::followers::scanned(account),
        week: store.people_changes(key, ago(7))?,
        month: store.people_changes(key, ago(30))?,
        events: store.recent_people_events(key, ago(30), PEOPLE_SHOWN)?,
        state: crate::followers::state_line(&store.scan_state(key)?),
    })
}

/// Average change per day between the sample at or before `now - window`
/// (else the earliest) and the latest; `ends` as [`crate::status::ends`] read them.
fn rate(
    store: &Store,
    key: &str,
    ends: Option<(Sample, Sample)>,
    now: i64,
    window: Option<i64>,
) -> Result<Option<f64>> {
    let Some((latest, earliest)) = ends else {
        return Ok(None);
    };
    let base = match window {
        Some(w) => store
            .at_or_before(key, crate::util::ts(now - w))?
            .unwrap_or(earliest),
        None => earliest,
    };
    let days = (latest.at_ms - base.at_ms) as f64 / (DAY * 1000) as f64;
    Ok((days > 1.0 / 24.0).then(|| (latest.followers - base.followers) as f64 / days))
}

/// The count at the end of each of the last [`crate::forecast::MAX_DAYS`]
/// days (the latest at or before each day boundary, counted back from `to`),
/// from the first boundary the history reaches; the last one is the count now.
fn daily_counts(store: &Store, key: &str, to: i64) -> Result<Vec<i64>> {
    let days = crate::forecast::MAX_DAYS as i64;
    let mut counts = Vec::new();
    for k in (0..=days).rev() {
        if let Some(s) = store.at_or_before(key, crate::util::ts(to - k * DAY))? {
            counts.push(s.followers);
        }
    }
    Ok(counts)
}

pub fn load_detail(
    store: &Store,
    account: &Account,
    range: Range,
    now: Timestamp,
) -> Result<Detail> {
    let key = &account.id;
    let to = now.as_second();
    let ends = crate::status::ends(store, key)?;
    let from = match (range.secs(), ends) {
        (Some(s), _) => to - s,
        (None, Some((_, earliest))) => earliest.at_secs(),
        (None, None) => to - DAY,
    };
    let points = crate::status::series(store, key, from, to, CHART_POINTS)?;
    let per_day = rate(store, key, ends, to, range.secs())?;
    let forecast = match ends {
        Some(_) => crate::forecast::forecast(&daily_counts(store, key, to)?),
        None => None,
    };
    let state = store.state(key)?;
    let last_error = match (state.error, state.error_at_ms) {
        (Some(e), Some(at)) => Some((e, crate::util::ts_ms(at))),
        _ => None,
    };
    let (origin, lower) = origin_of(account, &store.origin(key)?);
    let people = load_people(store, account, now)?;
    Ok(Detail {
        origin,
        lower,
        people,
        overlay: Vec::new(),
        id: key.clone(),
        range,
        points,
        from,
        to,
        per_day,
        forecast,
        last_error,
    })
}
