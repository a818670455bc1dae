//! Follower-list scans: who follows each account, read page by page from
//! the platforms that publish it (Mastodon, Bluesky, GitHub, Misskey), kept
//! as events by the store.
//!
//! - **Due** every `followers_scan` after the last scan ended (a scan that
//!   was abandoned is tried again after [`RETRY`]); a paused scan resumes
//!   from its cursor when its pause ends. An account is scanned only once a
//!   poll read its count: a list longer than `followers_list_max` is not
//!   read ("list not read: 34.5M followers, over followers_list_max"), and
//!   an empty list while the count says otherwise is a hidden list.
//! - **Flat memory.** Each page is staged in the history as it arrives,
//!   with the cursor after it; the comparison is SQL
//!   ([`crate::store::Store::finish_scan`]). Nothing but one page is held.
//! - **Never a false "left".** Only a scan read to its last page compares
//!   anything. A 429, a 5xx, a page that does not parse, a process that is
//!   killed: the scan pauses and resumes from its cursor later (a paused
//!   scan older than a day, or than `followers_scan`, starts again). A
//!   cursor that does not advance abandons the scan (nothing is compared).
//!   A hidden or refused list is a state, never "everyone left".
//! - **Never starves the count polls.** Scans share the host's holds with
//!   the poller (a hold stops a scan; a 429 during a scan holds the host
//!   for both), run one page at a time, spread their pages over the host's
//!   rate-limit window, and pause while the host's remaining budget is
//!   below a quarter of its limit, leaving that to the polls.
//! - **Why they left**: after a completed scan, up to [`LOOKUPS`] people who
//!   left are looked up once ([`crate::platforms::Platform::why_gone`]).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::{mpsc, watch};

use crate::config::Config;

use crate::http::Http;
use crate::model::Account;
use crate::model::{Clock, Secrets};
use crate::platforms::{self, FetchError, Platform, host_of};
use crate::store::{Handle, RunningScan, ScanDiff, ScanState};

/// The longest a server's "stop" is honoured (as the poller's).
const MAX_HOLD: Duration = Duration::from_secs(31 * 86_400);
/// The least time between two pages of one scan.
pub const PACE: Duration = Duration::from_millis(250);
/// The most a scan waits between two pages to spread them over a window.
const MAX_SPREAD: Duration = Duration::from_secs(30);
/// How long after a failed page a paused scan resumes.
pub const RETRY_FAILED_PAGE: Duration = Duration::from_secs(15 * 60);
/// How long after an abandoned scan the next one starts.
pub const RETRY: Duration = Duration::from_secs(3600);
/// How many people who left are looked up for a reason, per scan.
pub const LOOKUPS: usize = 20;
/// A paused scan older than this (or than `followers_scan`) starts again.
const MAX_SCAN_AGE: Duration = Duration::from_secs(86_400);
/// How often the background loop looks for due scans, at most.
const CHECK_EVERY: Duration = Duration::from_secs(60);
/// How long after start the background loop waits before its first scan,
/// so the first round of count polls has the hosts (and the history's
/// writer) to itself.
pub const START_DELAY: Duration = Duration::from_secs(30);

/// What one scan came to.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanOutcome {
    /// Read to the end and compared (the first: the baseline).
    Completed(ScanDiff),
    /// Stopped for now (a hold, a rate limit, a failed page, the host's
    /// budget kept for the polls); it resumes from where it stopped.
    Paused(String),
    /// The list is hidden or refused: a state, nothing compared.
    Hidden(String),
    /// Not read: over `followers_list_max`.
    Skipped(String),
    /// Given up (a cursor that does not advance); the next one starts over.
    Abandoned(String),
    /// Not scanned: no count yet, or the history could not be read or
    /// written.
    NotScanned(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScanReport {
    pub account: String,
    pub at: Timestamp,
    /// The scan's id (0 when none was started).
    pub scan: i64,
    pub outcome: ScanOutcome,
}

impl ScanReport {
    /// One line for people: `mastodon:me@x  followers list: +3 −2 (1,234 followers)`.
    pub fn describe(&self) -> String {
        let what = match &self.outcome {
            ScanOutcome::Completed(d) if d.baseline => format!(
                "{} followers read (the baseline: changes are kept from now on)",
                crate::util::thousands(d.current)
            ),
            ScanOutcome::Completed(d) => format!(
                "+{} −{} ({} followers)",
                d.followed,
                d.left,
                crate::util::thousands(d.current)
            ),
            ScanOutcome::Paused(m)
            | ScanOutcome::Hidden(m)
            | ScanOutcome::Skipped(m)
            | ScanOutcome::Abandoned(m)
            | ScanOutcome::NotScanned(m) => m.clone(),
        };
        crate::text::clean(&format!("{}  followers list: {what}", self.account))
    }

    /// Whether it is news for people (a list read, hidden or not read);
    /// a paused scan resumes later and says so in the log and in
    /// `followers ID`.
    pub fn is_news(&self) -> bool {
        matches!(
            self.outcome,
            ScanOutcome::Completed(_) | ScanOutcome::Hidden(_) | ScanOutcome::Skipped(_)
        )
    }
}

/// `34.5M`, `1.2K`, `950`.
pub fn compact(n: i64) -> String {
    let f = n as f64;
    match n {
        n if n >= 1_000_000_000 => format!("{:.1}B", f / 1e9),
        n if n >= 1_000_000 => format!("{:.1}M", f / 1e6),
        n if n >= 10_000 => format!("{:.1}K", f / 1e3),
        n => crate::util::thousands(n),
    }
}

/// Whether `account`'s follower list is read at all.
pub fn scanned(account: &Account) -> bool {
    let p = platforms::platform(account.platform);
    account.followers_list && p.polled() && p.lists_followers(account)
}

/// When the account's next scan is due, from its scan state.
pub fn due_at(account: &Account, state: &ScanState, now: Timestamp) -> Timestamp {
    if let Some(run) = &state.running {
        return run.resume_after_ms.map_or(now, crate::util::ts_ms);
    }
    match &state.last {
        None => now,
        Some((finished, outcome, _)) => {
            let wait = if outcome == "abandoned" {
                RETRY.min(account.followers_scan)
            } else {
                account.followers_scan
            };
            later(crate::util::ts_ms(*finished), wait)
        }
    }
}

fn later(at: Timestamp, d: Duration) -> Timestamp {
    let d = SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
    at.checked_add(d).unwrap_or(Timestamp::MAX)
}

fn short_time(t: Timestamp) -> String {
    platforms::short_time(t)
}

/// Reads follower lists for the configured accounts.
pub struct Scanner {
    http: Http,
    store: Handle,
    accounts: Vec<Account>,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn Secrets>,
    pace: Duration,
}

impl Scanner {
    pub fn with_seams(
        config: &Config,
        store: Handle,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn Secrets>,
    ) -> anyhow::Result<Scanner> {
        Ok(Scanner {
            http: Http::new(config.request_timeout)?,
            store,
            accounts: config
                .accounts
                .iter()
                .filter(|a| scanned(a))
                .cloned()
                .collect(),
            clock,
            secrets,
            pace: PACE,
        })
    }

    #[cfg(any(test, feature = "test-util"))]
    /// Sets the least time between two pages (tests and benches: zero).
    pub fn with_pace(mut self, pace: Duration) -> Scanner {
        self.pace = pace;
        self
    }

    #[cfg(any(test, feature = "test-util"))]
    /// The accounts whose lists are read.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// When each account's next scan is due (accounts the history cannot
    /// tell about are left out).
    pub async fn schedule(&self) -> Vec<(usize, Timestamp)> {
        let keys: Vec<String> = self.accounts.iter().map(|a| a.id.clone()).collect();
        let states = self
            .store
            .read(move |s| {
                Ok(keys
                    .iter()
                    .map(|k| s.scan_state(k).ok())
                    .collect::<Vec<_>>())
            })
            .await
            .unwrap_or_default();
        let now = self.clock.now();
        states
            .iter()
            .enumerate()
            .filter_map(|(i, st)| Some((i, due_at(&self.accounts[i], st.as_ref()?, now))))
            .collect()
    }

    /// Scans every account that is due, one after another.
    pub async fn run_due(&self) -> Vec<ScanReport> {
        let schedule = self.schedule().await;
        let now = self.clock.now();
        let mut reports = Vec::new();
        for (i, at) in schedule {
            if at <= now {
                reports.push(self.scan(&self.accounts[i]).await);
            }
        }
        reports
    }

    /// Runs due scans in the background while `active` reads true (this
    /// process holds the polling lease), reporting each on `reports`.
    pub async fn run(
        self: Arc<Self>,
        reports: mpsc::UnboundedSender<ScanReport>,
        mut active: watch::Receiver<bool>,
    ) {
        if self.accounts.is_empty() {
            return;
        }
        tokio::time::sleep(START_DELAY).await;
        loop {
            if *active.borrow_and_update() {
                for r in self.run_due().await {
                    // an account without a count yet is tried again quietly
                    if matches!(r.outcome, ScanOutcome::NotScanned(_)) {
                        continue;
                    }
                    if reports.send(r).is_err() {
                        return;
                    }
                }
            }
            // what is still due now could not start (no count yet, a
            // history that cannot be read): look again in a minute
            let now = self.clock.now();
            let next = self.schedule().await.into_iter().map(|(_, t)| t).min();
            let wait = next
                .and_then(|t| Duration::try_from(t.duration_since(now)).ok())
                .filter(|d| !d.is_zero())
                .unwrap_or(CHECK_EVERY)
                .clamp(Duration::from_secs(1), CHECK_EVERY);
            tokio::select! {
                changed = active.changed() => if changed.is_err() {
                    // the gate's sender is gone: the service stopped
                    return;
                },
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Scans `account` now, whatever its schedule (a paused scan resumes),
    /// honouring its host's holds and budget.
    pub async fn scan(&self, account: &Account) -> ScanReport {
        let at = self.clock.now();
        let (scan, outcome) = match self.scan_inner(account).await {
            Ok(done) => done,
            Err(e) => (
                0,
                ScanOutcome::NotScanned(format!("cannot use the history: {e}")),
            ),
        };
        match &outcome {
            ScanOutcome::Completed(d) => tracing::info!(
                account = %account.id, followed = d.followed, left = d.left,
                current = d.current, baseline = d.baseline, "follower list read"
            ),
            other => {
                tracing::info!(account = %account.id, outcome = ?other, "follower scan stopped")
            }
        }
        ScanReport {
            account: account.id.clone(),
            at,
            scan,
            outcome,
        }
    }

    async fn scan_inner(&self, account: &Account) -> crate::store::Result<(i64, ScanOutcome)> {
        let platform = platforms::platform(account.platform);
        let host = host_of(account);
        let key = account.id.clone();
        let now = self.clock.now();
        let (latest, state) = {
            let key = key.clone();
            self.store
                .read(move |s| Ok((s.latest(&key)?, s.scan_state(&key)?)))
                .await?
        };
        let Some(count) = latest.map(|s| s.followers) else {
            return Ok((
                0,
                ScanOutcome::NotScanned("not read until a poll reads the count".into()),
            ));
        };
        if count > account.followers_list_max {
            let note = format!(
                "list not read: {} followers, over followers_list_max",
                compact(count)
            );
            let (k, n, m) = (key.clone(), now.as_millisecond(), note.clone());
            // a scan under way is dropped too: nothing it staged is compared
            self.store
                .write(move |s| {
                    if let Some(run) = s.scan_state(&k)?.running {
                        s.end_scan(run.id, n, "skipped", &m)
                    } else {
                        s.skip_scan(&k, n, &m)
                    }
                })
                .await?;
            return Ok((0, ScanOutcome::Skipped(note)));
        }
        let max_age = MAX_SCAN_AGE.max(account.followers_scan);
        let run: RunningScan = {
            let (k, n) = (key.clone(), now.as_millisecond());
            let stale_before = now
                .as_millisecond()
                .saturating_sub(i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX));
            self.store
                .write(move |s| {
                    if let Some(old) = &state.running
                        && old.started_ms < stale_before
                    {
                        s.end_scan(
                            old.id,
                            n,
                            "abandoned",
                            "an unfinished scan too old to go on from",
                        )?;
                    }
                    s.start_scan(&k, n)
                })
                .await?
        };
        let mut staged = {
            let id = run.id;
            self.store.read(move |s| s.staged_count(id)).await?
        };
        let mut cursor = run.cursor.clone();
        // the last few cursors: one seen again means the list goes round
        let mut seen: VecDeque<String> = VecDeque::new();
        let mut first = true;
        loop {
            if !first {
                tokio::time::sleep(self.pace).await;
            }
            first = false;
            let now = self.clock.now();
            let hold = {
                let h = host.clone();
                self.store.read(move |s| s.host_hold(&h)).await?
            };
            if let Some((until, reason)) = hold
                && until > now.as_second()
            {
                let until = crate::util::ts(until);
                let note = format!(
                    "paused: {host} is on hold until {} ({})",
                    short_time(until),
                    crate::text::short(&reason, 80)
                );
                self.pause(run.id, until, &note).await?;
                return Ok((run.id, ScanOutcome::Paused(note)));
            }
            let fetched = platform
                .people(&self.http, account, cursor.as_deref(), &*self.secrets, now)
                .await;
            let page = match fetched {
                Ok(p) => p,
                Err(FetchError::RateLimited { until, detail }) => {
                    let cap = later(now, MAX_HOLD);
                    let until = until.min(cap);
                    let (h, d) = (host.clone(), detail.clone());
                    self.store
                        .write(move |s| s.set_host_hold(&h, until.as_second(), &d))
                        .await?;
                    let note = format!(
                        "paused: rate limited until {} ({detail})",
                        short_time(until)
                    );
                    self.pause(run.id, until, &note).await?;
                    return Ok((run.id, ScanOutcome::Paused(note)));
                }
                Err(FetchError::Hidden(_)) => {
                    let note = "followers list hidden".to_string();
                    self.end(run.id, "hidden", &note).await?;
                    return Ok((run.id, ScanOutcome::Hidden(note)));
                }
                Err(e) => {
                    let until = later(now, RETRY_FAILED_PAGE);
                    let note = format!(
                        "paused after page {}: {e}; resumes from there at {}",
                        run.pages + 1,
                        short_time(until)
                    );
                    self.pause(run.id, until, &note).await?;
                    return Ok((run.id, ScanOutcome::Paused(note)));
                }
            };
            if let Some(next) = &page.next
                && (Some(next) == cursor.as_ref() || seen.contains(next))
            {
                let note =
                    "scan abandoned: the list's cursor did not advance; nothing compared, it starts over later"
                        .to_string();
                self.end(run.id, "abandoned", &note).await?;
                return Ok((run.id, ScanOutcome::Abandoned(note)));
            }
            staged += page.people.len() as i64;
            if staged > account.followers_list_max {
                let note = format!(
                    "list not read: over {} followers, over followers_list_max",
                    compact(account.followers_list_max)
                );
                self.end(run.id, "skipped", &note).await?;
                return Ok((run.id, ScanOutcome::Skipped(note)));
            }
            let next = page.next.clone();
            let kept = {
                let (id, people, n) = (run.id, page.people, next.clone());
                self.store
                    .write(move |s| s.stage_page(id, &people, n.as_deref()))
                    .await?
            };
            if !kept {
                return Ok((
                    run.id,
                    ScanOutcome::Abandoned("the scan was ended elsewhere".into()),
                ));
            }
            if let Some(c) = cursor.take() {
                seen.push_back(c);
                if seen.len() > 8 {
                    seen.pop_front();
                }
            }
            let Some(next) = next else {
                break;
            };
            cursor = Some(next);
            if let Some(b) = page.budget {
                let reserve = b.limit.map_or(10, |l| l / 4).max(2);
                let reset = b
                    .reset
                    .unwrap_or_else(|| later(now, Duration::from_secs(60)));
                if b.remaining <= reserve {
                    let note = format!(
                        "paused: {host}'s rate limit is kept for the count polls until {}",
                        short_time(reset)
                    );
                    self.pause(run.id, reset, &note).await?;
                    return Ok((run.id, ScanOutcome::Paused(note)));
                }
                // spread what is left over the window, half of it for the polls
                let left = u32::try_from((b.remaining - reserve).max(1)).unwrap_or(u32::MAX);
                let window = Duration::try_from(reset.duration_since(now)).unwrap_or_default();
                let spread = (window / left).min(MAX_SPREAD);
                if spread > self.pace {
                    tokio::time::sleep(spread - self.pace).await;
                }
            }
        }
        // read to the end
        let now = self.clock.now();
        if staged == 0 && count > 0 {
            let note = "followers list hidden".to_string();
            self.end(run.id, "hidden", &note).await?;
            return Ok((run.id, ScanOutcome::Hidden(note)));
        }
        if count >= 20 && staged.saturating_mul(2) < count {
            let note = format!(
                "followers list hidden (it lists {} of {} followers; nothing compared)",
                crate::util::thousands(staged),
                crate::util::thousands(count)
            );
            self.end(run.id, "hidden", &note).await?;
            return Ok((run.id, ScanOutcome::Hidden(note)));
        }
        let diff = {
            let (k, id, n) = (key.clone(), run.id, now.as_millisecond());
            self.store.write(move |s| s.finish_scan(&k, id, n)).await?
        };
        let Some(diff) = diff else {
            return Ok((
                run.id,
                ScanOutcome::Abandoned("the scan was ended elsewhere".into()),
            ));
        };
        if diff.left > 0 {
            self.reasons(account, platform, &host, run.id).await?;
        }
        Ok((run.id, ScanOutcome::Completed(diff)))
    }

    /// Looks up why (some of) the people who left in scan `scan` are gone.
    async fn reasons(
        &self,
        account: &Account,
        platform: &dyn Platform,
        host: &str,
        scan: i64,
    ) -> crate::store::Result<()> {
        let gone = self
            .store
            .read(move |s| s.left_without_reason(scan, LOOKUPS))
            .await?;
        for e in gone {
            let now = self.clock.now();
            let hold = {
                let h = host.to_string();
                self.store.read(move |s| s.host_hold(&h)).await?
            };
            if hold.is_some_and(|(until, _)| until > now.as_second()) {
                break;
            }
            tokio::time::sleep(self.pace).await;
            match platform
                .why_gone(&self.http, account, &e.who, &*self.secrets, now)
                .await
            {
                Ok(Some(reason)) => {
                    let id = e.id;
                    self.store
                        .write(move |s| s.set_left_reason(id, reason))
                        .await?;
                }
                Ok(None) => {}
                Err(FetchError::RateLimited { until, detail }) => {
                    let (h, u) = (host.to_string(), until.min(later(now, MAX_HOLD)));
                    self.store
                        .write(move |s| s.set_host_hold(&h, u.as_second(), &detail))
                        .await?;
                    break;
                }
                Err(err) => {
                    tracing::debug!(account = %account.id, error = %err, "no reason for a follower who left");
                }
            }
        }
        Ok(())
    }

    async fn pause(&self, scan: i64, until: Timestamp, note: &str) -> crate::store::Result<()> {
        let note = note.to_string();
        self.store
            .write(move |s| s.pause_scan(scan, until.as_millisecond(), &note))
            .await
    }

    async fn end(&self, scan: i64, outcome: &'static str, note: &str) -> crate::store::Result<()> {
        let (note, now) = (note.to_string(), self.clock.now().as_millisecond());
        self.store
            .write(move |s| s.end_scan(scan, now, outcome, &note))
            .await
    }
}

/// The state line for an account's list: the paused scan's note, else how
/// the last scan ended; `None` before any scan.
pub fn state_line(state: &ScanState) -> Option<String> {
    if let Some(run) = &state.running {
        return Some(
            run.note
                .clone()
                .unwrap_or_else(|| format!("reading the list ({} pages so far)", run.pages)),
        );
    }
    state
        .last
        .as_ref()
        .map(|(_, outcome, note)| note.clone().unwrap_or_else(|| outcome.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_counts() {
        assert_eq!(compact(34_500_000), "34.5M");
        assert_eq!(compact(950), "950");
        assert_eq!(compact(12_345), "12.3K");
    }

    #[test]
    fn abandoned_scans_retry_sooner() {
        let a = Account::new(crate::model::PlatformKind::Github, "a");
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let done = ScanState {
            running: None,
            last: Some((now.as_millisecond(), "completed".into(), None)),
            baseline: true,
        };
        assert_eq!(due_at(&a, &done, now).as_second(), 1_700_086_400);
        let abandoned = ScanState {
            last: Some((now.as_millisecond(), "abandoned".into(), None)),
            ..done
        };
        assert_eq!(due_at(&a, &abandoned, now).as_second(), 1_700_003_600);
        assert_eq!(due_at(&a, &ScanState::default(), now), now);
    }
}
