//! `socialtop backfill`: an account's counts from before its first poll, read
//! from its platform where the platform keeps them ([`crate::platforms::Platform::past`]).
//!
//! - Exact counts ([`PastKind::Counts`]: Misskey's chart, Mailchimp's growth
//!   history) become `backfilled` samples, one per UTC day (or month), at the
//!   day's (month's) last second.
//! - The dates of current followers (GitHub's star dates, Twitch's follow
//!   dates, newsletter sign-ups) become `reconstructed` samples: the count at
//!   the end of each day is the number of current followers who came by
//!   then, a lower bound (those who left are not listed). They are counted
//!   per day while the pages stream by, so memory stays flat however many
//!   followers there are.
//! - Newsletter subscriber lists (Kit, beehiiv, Buttondown) give when each
//!   subscriber came and, where dated, when they unsubscribed, in any order:
//!   the changes are summed per day (at most one number per day of the
//!   window, whatever the number of subscribers) and the counts written when
//!   the last page is read; also `reconstructed`, a lower bound.
//! - Only days before the first polled sample (or before now, when the
//!   account was never polled) are recorded, at most ten years back, and only
//!   where no sample is: a polled, imported or hand-entered sample is never
//!   changed, and a second run adds nothing.
//! - A rate limit stops the run after the last page read: its samples and
//!   where to go on are kept in the store (in the page's transaction), the
//!   host is held until the reset like after a poll, and the next run goes on
//!   from there.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::http::Http;
use crate::model::{Account, Sample, SampleSource, Secrets};
use crate::platforms::{self, FetchError, PastKind, PastPage, PastSource};
use crate::store::{self, SharedStore};

const DAY: i64 = 86_400;
/// The furthest back a backfill reaches.
pub const MAX_DAYS_BACK: i64 = 3_653;
/// Pages read in one run at most (a server that never stops paging).
pub const MAX_PAGES: usize = 10_000;

/// Why a backfill stopped before its end.
#[derive(Debug, Clone, PartialEq)]
pub enum Stopped {
    /// The platform said to wait (now or before this run): progress is kept.
    RateLimited { until: Timestamp, detail: String },
    /// [`MAX_PAGES`] pages read in this run: progress is kept.
    Pages,
}

/// What a backfill of one account did.
#[derive(Debug, Clone, PartialEq)]
pub struct Backfilled {
    pub id: String,
    pub source: PastSource,
    /// `backfilled` (exact) or `reconstructed` (a lower bound).
    pub kind: SampleSource,
    /// Samples added (0 on a second run).
    pub added: usize,
    /// The oldest and newest sample times (ms) the source gave, recorded or
    /// already there.
    pub span_ms: Option<(i64, i64)>,
    /// Where the recorded history stops: the first polled sample (ms).
    pub first_polled_ms: Option<i64>,
    pub pages: usize,
    pub stopped: Option<Stopped>,
    /// What the platform said about its pages (a cap on paging).
    pub notes: Vec<String>,
    /// Whether this run went on from where an earlier one stopped.
    pub resumed: bool,
}

/// The sample kind a source gives.
pub fn sample_source(source: &PastSource) -> SampleSource {
    match source.kind {
        PastKind::Counts => SampleSource::Backfilled,
        PastKind::JoinedOldestFirst | PastKind::JoinedNewestFirst | PastKind::JoinedAndLeft => {
            SampleSource::Reconstructed
        }
    }
}

/// The last second of the UTC day starting at `day`, in ms.
fn day_end_ms(day: i64) -> i64 {
    (day + DAY - 1) * 1000
}

/// The last second of the UTC month starting at `month`, in ms.
fn month_end_ms(month: i64) -> Option<i64> {
    let start = jiff::Timestamp::from_second(month)
        .ok()?
        .to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let next = start.checked_add(jiff::Span::new().months(1)).ok()?;
    Some((next.timestamp().as_second() - 1) * 1000)
}

/// The days a reconstruction may record: `[since_day, last_day]`.
#[derive(Debug, Clone, Copy)]
struct Window {
    since_day: i64,
    last_day: i64,
}

impl Window {
    /// Every day of `[from, to]` inside the window, with `count`.
    fn emit(&self, from: i64, to: i64, count: i64, out: &mut Vec<Sample>) {
        let mut d = from.max(self.since_day);
        let to = to.min(self.last_day);
        while d <= to {
            out.push(Sample {
                at_ms: day_end_ms(d),
                followers: count.clamp(0, store::MAX_COUNT),
                following: None,
                posts: None,
            });
            d += DAY;
        }
    }
}

/// Counting followers listed oldest first: the count at the end of a day is
/// how many came on or before it. Serialized as a run's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
struct Ascending {
    /// The day of the followers being counted.
    day: Option<i64>,
    /// Followers who came before `day`.
    before: i64,
    /// Followers who came on `day` so far.
    on: i64,
}

impl Ascending {
    fn push(&mut self, t: i64, w: &Window, out: &mut Vec<Sample>) {
        let d = platforms::utc_day(t);
        match self.day {
            Some(cur) if d > cur => {
                w.emit(cur, d - DAY, self.before + self.on, out);
                self.before += self.on;
                self.on = 1;
                self.day = Some(d);
            }
            // the same day, or out of order: it counts from the day under way
            Some(_) => self.on += 1,
            None => {
                self.day = Some(d);
                self.on = 1;
            }
        }
    }

    fn finish(&self, w: &Window, out: &mut Vec<Sample>) {
        if let Some(cur) = self.day {
            w.emit(cur, w.last_day, self.before + self.on, out);
        }
    }
}

/// Counting followers listed newest first, from the current total: the count
/// at the end of a day is the total less those who came after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
struct Descending {
    /// The total when the run began.
    total: i64,
    /// The day of the followers being counted.
    day: Option<i64>,
    /// Followers who came after `day`.
    after: i64,
    /// Followers who came on `day` so far.
    on: i64,
    /// The newest day not recorded yet.
    high: Option<i64>,
}

impl Descending {
    fn push(&mut self, t: i64, w: &Window, out: &mut Vec<Sample>) {
        let d = platforms::utc_day(t);
        match self.day {
            Some(cur) if d < cur => {
                let high = self.high.unwrap_or(w.last_day);
                w.emit(cur, high, self.total - self.after, out);
                self.after += self.on;
                self.high = Some(high.min(cur - DAY));
                self.on = 1;
                self.day = Some(d);
            }
            Some(_) => self.on += 1,
            None => {
                self.day = Some(d);
                self.on = 1;
            }
        }
    }

    fn finish(&self, w: &Window, out: &mut Vec<Sample>) {
        if let Some(cur) = self.day {
            let high = self.high.unwrap_or(w.last_day);
            w.emit(cur, high, self.total - self.after, out);
        }
    }
}

/// Counting subscribers listed in any order, with the dated unsubscribes:
/// the net change per day of the window, summed at the end. Memory is one
/// number per day (at most [`MAX_DAYS_BACK`] of them), whatever the number
/// of subscribers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
struct Tally {
    /// The day of the earliest subscriber.
    first: Option<i64>,
    /// The net change before the window.
    before: i64,
    /// The net change on each day of the window (day start → change).
    days: BTreeMap<i64, i64>,
}

impl Tally {
    fn push(&mut self, t: i64, change: i64, w: &Window) {
        let d = platforms::utc_day(t);
        if change > 0 {
            self.first = Some(self.first.map_or(d, |f| f.min(d)));
        }
        if d < w.since_day {
            self.before += change;
        } else if d <= w.last_day {
            *self.days.entry(d).or_default() += change;
        }
    }

    fn finish(&self, w: &Window, out: &mut Vec<Sample>) {
        let Some(first) = self.first else {
            return;
        };
        let mut d = first.max(w.since_day);
        let mut count = self.before + self.days.range(..d).map(|(_, c)| c).sum::<i64>();
        for (&day, &change) in self.days.range(d..) {
            w.emit(d, day - DAY, count, out);
            count += change;
            d = day;
        }
        w.emit(d, w.last_day, count, out);
    }
}

/// A run's progress, kept between pages and runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
struct State {
    #[serde(default)]
    up: Ascending,
    #[serde(default)]
    down: Descending,
    #[serde(default)]
    tally: Tally,
    /// Followers read so far (for messages).
    #[serde(default)]
    read: i64,
}

/// Turns one page into samples; `last` finishes the count.
fn page_samples(
    source: &PastSource,
    page: &PastPage,
    state: &mut State,
    w: &Window,
    last: bool,
) -> Vec<Sample> {
    let mut out = Vec::new();
    match source.kind {
        PastKind::Counts => {
            for &(start, count) in &page.counts {
                let at_ms = if source.monthly {
                    match month_end_ms(start) {
                        Some(ms) => ms,
                        None => continue,
                    }
                } else {
                    day_end_ms(platforms::utc_day(start))
                };
                let day = platforms::utc_day(at_ms / 1000);
                if day < w.since_day || day > w.last_day {
                    continue;
                }
                out.push(Sample {
                    at_ms,
                    followers: count,
                    following: None,
                    posts: None,
                });
            }
        }
        PastKind::JoinedOldestFirst => {
            for &t in &page.joined {
                state.up.push(t, w, &mut out);
            }
            if last {
                state.up.finish(w, &mut out);
            }
        }
        PastKind::JoinedNewestFirst => {
            if state.read == 0
                && let Some(total) = page.total
            {
                state.down.total = total;
            }
            for &t in &page.joined {
                state.down.push(t, w, &mut out);
            }
            if last {
                state.down.finish(w, &mut out);
            }
        }
        PastKind::JoinedAndLeft => {
            for &t in &page.joined {
                state.tally.push(t, 1, w);
            }
            for &t in &page.left {
                state.tally.push(t, -1, w);
            }
            if last {
                state.tally.finish(w, &mut out);
            }
        }
    }
    state.read += page.joined.len() as i64;
    out
}

/// Backfills one account: reads its past page by page, recording each page's
/// samples and progress in one transaction.
pub async fn backfill(
    store: &SharedStore,
    http: &Http,
    account: &Account,
    secrets: &dyn Secrets,
    since: Option<Timestamp>,
    now: Timestamp,
) -> anyhow::Result<Backfilled> {
    let platform = platforms::platform(account.platform);
    let Some(source) = platform.past(account) else {
        return Err(platforms::no_past(account).into());
    };
    let kind = sample_source(&source);
    let now_s = now.as_second();
    let oldest = now_s - MAX_DAYS_BACK * DAY;
    let since_s = since.map_or(oldest, |s| s.as_second().max(oldest));
    let host = platforms::host_of(account);
    let (first_polled_ms, progress, hold) = {
        let s = store::lock(store);
        (
            s.first_polled_ms(&account.id)?,
            s.backfill_progress(&account.id)?,
            s.host_hold(&host)?,
        )
    };
    let before_ms = first_polled_ms.map_or(now.as_millisecond(), |p| p.min(now.as_millisecond()));
    let w = Window {
        since_day: platforms::utc_day(since_s),
        last_day: platforms::utc_day((before_ms - 1).div_euclid(1000) - (DAY - 1)),
    };
    let resumed = progress.is_some();
    let (mut cursor, mut state) = match progress {
        Some((c, st)) => (Some(c), serde_json::from_str(&st).unwrap_or_default()),
        None => (None, State::default()),
    };
    let mut done = Backfilled {
        id: account.id.clone(),
        source,
        kind,
        added: 0,
        span_ms: None,
        first_polled_ms,
        pages: 0,
        stopped: None,
        notes: Vec::new(),
        resumed,
    };
    if let Some((until, reason)) = hold
        && until > now_s
    {
        done.stopped = Some(Stopped::RateLimited {
            until: crate::util::ts(until),
            detail: reason,
        });
        return Ok(done);
    }
    loop {
        if done.pages >= MAX_PAGES {
            done.stopped = Some(Stopped::Pages);
            return Ok(done);
        }
        let page = match platform
            .fetch_past(
                http,
                account,
                secrets,
                cursor.as_deref(),
                crate::util::ts(since_s),
                now,
            )
            .await
        {
            Ok(page) => page,
            Err(FetchError::RateLimited { until, detail }) => {
                store::lock(store).set_host_hold(&host, until.as_second(), &detail)?;
                done.stopped = Some(Stopped::RateLimited { until, detail });
                return Ok(done);
            }
            Err(e) => return Err(e.into()),
        };
        done.pages += 1;
        done.notes.extend(page.note.clone());
        if page.next.is_some() && page.next == cursor {
            anyhow::bail!("the platform named the same page again; stopped");
        }
        let last = page.next.is_none();
        let samples = page_samples(&source, &page, &mut state, &w, last);
        for s in &samples {
            let (lo, hi) = done.span_ms.unwrap_or((s.at_ms, s.at_ms));
            done.span_ms = Some((lo.min(s.at_ms), hi.max(s.at_ms)));
        }
        let state_text = serde_json::to_string(&state)?;
        let progress = page.next.as_deref().map(|c| (c, state_text.as_str()));
        done.added +=
            store::lock(store).add_backfill(&account.id, &samples, kind, before_ms, progress)?;
        let Some(next) = page.next else {
            return Ok(done);
        };
        if let Some(until) = page.hold_until.filter(|u| *u > now) {
            let detail = format!("{} rate limit", account.platform.name());
            store::lock(store).set_host_hold(&host, until.as_second(), &detail)?;
            done.stopped = Some(Stopped::RateLimited { until, detail });
            return Ok(done);
        }
        cursor = Some(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn counts(out: &[Sample]) -> Vec<(i64, i64)> {
        out.iter()
            .map(|s| ((s.at_ms / 1000 - D0) / DAY, s.followers))
            .collect()
    }

    #[test]
    fn oldest_first_counts_each_day_and_fills_quiet_days() {
        let w = Window {
            since_day: D0,
            last_day: D0 + 5 * DAY,
        };
        let mut up = Ascending::default();
        let mut out = Vec::new();
        // two before the window, two on day 1, one on day 3
        for t in [
            D0 - 3 * DAY,
            D0 - DAY + 5,
            D0 + DAY + 1,
            D0 + DAY + 2,
            D0 + 3 * DAY,
        ] {
            up.push(t, &w, &mut out);
        }
        up.finish(&w, &mut out);
        assert_eq!(
            counts(&out),
            vec![(0, 2), (1, 4), (2, 4), (3, 5), (4, 5), (5, 5)]
        );
    }

    #[test]
    fn newest_first_counts_down_from_the_total() {
        let w = Window {
            since_day: D0,
            last_day: D0 + 4 * DAY,
        };
        // 10 now; one came after the window, two on day 3, one on day 1
        let mut down = Descending {
            total: 10,
            ..Descending::default()
        };
        let mut out = Vec::new();
        for t in [D0 + 9 * DAY, D0 + 3 * DAY + 9, D0 + 3 * DAY + 1, D0 + DAY] {
            down.push(t, &w, &mut out);
        }
        down.finish(&w, &mut out);
        let mut c = counts(&out);
        c.sort();
        assert_eq!(c, vec![(1, 7), (2, 7), (3, 9), (4, 9)]);
    }

    #[test]
    fn a_count_split_over_pages_is_the_count_in_one() {
        let w = Window {
            since_day: D0,
            last_day: D0 + 30 * DAY,
        };
        let times: Vec<i64> = (0..300).map(|i| D0 + i * 7_919).collect();
        let source = PastSource {
            kind: PastKind::JoinedOldestFirst,
            what: "",
            monthly: false,
        };
        let whole = page_samples(
            &source,
            &PastPage {
                joined: times.clone(),
                ..PastPage::default()
            },
            &mut State::default(),
            &w,
            true,
        );
        let mut state = State::default();
        let mut paged = Vec::new();
        for (i, chunk) in times.chunks(7).enumerate() {
            // the state goes through the store as text between pages
            let text = serde_json::to_string(&state).unwrap();
            state = serde_json::from_str(&text).unwrap();
            let page = PastPage {
                joined: chunk.to_vec(),
                ..PastPage::default()
            };
            let last = (i + 1) * 7 >= times.len();
            paged.extend(page_samples(&source, &page, &mut state, &w, last));
        }
        assert_eq!(whole, paged);
        assert_eq!(whole.last().map(|s| s.followers), Some(300));
    }

    #[test]
    fn joined_and_left_in_any_order_counts_each_day_from_the_changes() {
        let w = Window {
            since_day: D0,
            last_day: D0 + 5 * DAY,
        };
        let source = PastSource {
            kind: PastKind::JoinedAndLeft,
            what: "",
            monthly: false,
        };
        // three before the window (one left on day 2), two on day 1, one on
        // day 4 who left on day 5, one after the window; out of order
        let pages = [
            PastPage {
                joined: vec![D0 + 4 * DAY + 9, D0 - 9 * DAY, D0 + DAY + 1],
                left: vec![D0 + 5 * DAY + 3],
                next: Some("2".into()),
                ..PastPage::default()
            },
            PastPage {
                joined: vec![D0 + 40 * DAY, D0 + DAY + 7, D0 - DAY, D0 - 3 * DAY],
                left: vec![D0 + 2 * DAY],
                ..PastPage::default()
            },
        ];
        let mut state = State::default();
        let mut out = Vec::new();
        for (i, page) in pages.iter().enumerate() {
            let text = serde_json::to_string(&state).unwrap();
            state = serde_json::from_str(&text).unwrap();
            out.extend(page_samples(&source, page, &mut state, &w, i == 1));
        }
        assert_eq!(
            counts(&out),
            vec![(0, 3), (1, 5), (2, 4), (3, 4), (4, 5), (5, 4)]
        );
        // nobody before the window: the count starts on the first day
        let mut late = State::default();
        let page = PastPage {
            joined: vec![D0 + 3 * DAY],
            ..PastPage::default()
        };
        let out = page_samples(&source, &page, &mut late, &w, true);
        assert_eq!(counts(&out), vec![(3, 1), (4, 1), (5, 1)]);
    }

    #[test]
    fn months_end_on_their_last_second() {
        assert_eq!(
            month_end_ms(D0).map(|ms| crate::util::ts_ms(ms).to_string()),
            Some("2026-01-31T23:59:59Z".to_string())
        );
    }
}
