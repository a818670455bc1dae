//! Polling: when to call each account, and recording what came back.
//!
//! - Each account is due `interval` after its last attempt, ±10% jitter so a
//!   hundred accounts do not fire in the same second.
//! - After a failure the delay doubles with each consecutive failure
//!   (interval, 2×, 4×, ...) up to six hours (or the interval, if longer).
//!   A hidden count ([`FetchError::is_hidden`]) is an answer, not a failure:
//!   it is recorded as the account's state and the next poll is an interval on.
//! - A host that said "stop" (429, `Retry-After`, an exhausted rate-limit
//!   header) is not called again before the time it gave. The hold is kept in
//!   the database, so a cron job or a second dashboard honours it too.
//! - At most [`MAX_IN_FLIGHT`] polls run at once, and [`crate::http::PER_HOST`]
//!   per host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::config::{Account, Config};
use crate::http::Http;
use crate::model::{Clock, EnvSecrets, Secrets, SystemClock};
use crate::platforms::{self, Counts, FetchError, Fetched, host_of};
use crate::store::{AccountState, Sample, SharedStore, lock};

pub const MAX_IN_FLIGHT: usize = 64;
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// The longest a server's "stop" is honoured; a `Retry-After` of ten years is
/// a mistake, not a plan.
pub const MAX_HOLD: Duration = Duration::from_secs(31 * 86_400);
/// The longest delay between two polls of an account, whatever the config or
/// the arithmetic says.
pub const MAX_DELAY: Duration = Duration::from_secs(30 * 86_400);

/// What one poll of one account came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ok(Counts),
    Failed(String),
    /// Not polled by design (manual accounts).
    Skipped(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PollResult {
    pub account: String,
    pub at: Timestamp,
    pub outcome: Outcome,
}

/// What the scheduler tells its listeners (the dashboard, `poll`).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started(String),
    Finished(PollResult),
    /// When the next poll is due, after any change of schedule.
    NextDue(Option<Timestamp>),
}

/// Requests to a running scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    PollNow(String),
    PollAll,
}

pub struct Poller {
    http: Http,
    store: SharedStore,
    accounts: Vec<Account>,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn Secrets>,
    /// When each account was last tried and how many tries in a row failed
    /// (a failed write counts): the schedule's own memory, so that a history
    /// that cannot be read or written never makes an account due at once.
    tries: Mutex<HashMap<String, (Timestamp, u32)>>,
    /// Good values fetched while the history could not be written, oldest
    /// first; written before anything else as soon as it can be.
    pending: Mutex<Vec<(String, Sample)>>,
}

/// What a poll came to before it was recorded.
enum Attempt {
    Fetched(Result<Fetched, FetchError>),
    /// The host is on hold from an earlier answer: nothing was sent.
    Held {
        until: Timestamp,
        reason: String,
    },
    /// The history could not be read, so nothing was sent.
    Unreadable(String),
}

impl Poller {
    /// A poller on the system clock, reading secrets from the environment.
    pub fn new(config: &Config, store: SharedStore) -> anyhow::Result<Poller> {
        Poller::with_seams(config, store, Arc::new(SystemClock), Arc::new(EnvSecrets))
    }

    /// A poller on the given clock and secrets (tests pass fixed ones).
    pub fn with_seams(
        config: &Config,
        store: SharedStore,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn Secrets>,
    ) -> anyhow::Result<Poller> {
        Ok(Poller {
            http: Http::new(config.request_timeout)?,
            store,
            accounts: config.accounts.clone(),
            clock,
            secrets,
            tries: Mutex::new(HashMap::new()),
            pending: Mutex::new(Vec::new()),
        })
    }

    /// The secrets this poller hands to platforms.
    pub fn secrets(&self) -> &dyn Secrets {
        &*self.secrets
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// Polls one account now (unless its host is on hold) and records the result.
    pub async fn poll_one(&self, account: &Account) -> PollResult {
        let at = self.clock.now();
        let platform = platforms::platform(account.platform);
        if !platform.polled() {
            return PollResult {
                account: account.id.clone(),
                at,
                outcome: Outcome::Skipped("manual account, not polled".into()),
            };
        }
        let host = host_of(account);
        let held = lock(&self.store).host_hold(&host);
        let known = lock(&self.store).remote_id(&account.id);
        let attempt = match (held, known) {
            (Ok(Some((until, reason))), _) if until > at.as_second() => Attempt::Held {
                until: crate::util::ts(until),
                reason,
            },
            (Err(e), _) | (_, Err(e)) => Attempt::Unreadable(e.to_string()),
            (Ok(_), Ok(known)) => {
                let fetched = platform
                    .fetch(
                        &self.http,
                        account,
                        known.as_deref(),
                        &*self.secrets,
                        self.clock.now(),
                    )
                    .await;
                Attempt::Fetched(fetched)
            }
        };
        let at = self.clock.now();
        let outcome = self.record(account, &host, at, attempt);
        // a hidden count is an answer, not a failure: no backoff for it
        let answered = match &outcome {
            Outcome::Ok(_) => true,
            Outcome::Failed(e) => e.starts_with(HIDDEN_PREFIX),
            Outcome::Skipped(_) => false,
        };
        self.remember_try(&account.id, at, answered);
        match &outcome {
            Outcome::Ok(c) => {
                tracing::info!(account = %account.id, followers = c.followers, "polled")
            }
            Outcome::Failed(e) => tracing::warn!(account = %account.id, error = %e, "poll failed"),
            Outcome::Skipped(_) => {}
        }
        PollResult {
            account: account.id.clone(),
            at,
            outcome,
        }
    }

    fn remember_try(&self, id: &str, at: Timestamp, ok: bool) {
        let mut tries = self.tries.lock().unwrap_or_else(|p| p.into_inner());
        let failures = match tries.get(id) {
            _ if ok => 0,
            Some((_, n)) => n.saturating_add(1),
            None => lock(&self.store)
                .state(id)
                .map_or(0, |s| s.failures)
                .saturating_add(1),
        };
        tries.insert(id.to_string(), (at, failures));
    }

    /// Writes the values kept while the history could not be written.
    fn flush_pending(&self, store: &mut crate::store::Store) -> crate::store::Result<()> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((id, sample)) = pending.first() {
            store.insert_sample(id, *sample)?;
            pending.remove(0);
        }
        Ok(())
    }

    fn record(&self, account: &Account, host: &str, at: Timestamp, attempt: Attempt) -> Outcome {
        let cap = at
            .checked_add(SignedDuration::try_from(MAX_HOLD).unwrap_or_default())
            .unwrap_or(at);
        // (what came of it, a new hold to keep: never one read from the history,
        // so a hold's reason never nests)
        let (result, hold) = match attempt {
            Attempt::Fetched(Ok(f)) => {
                let hold = f
                    .hold_until
                    .map(|t| (t.min(cap), "rate limit used up".to_string()));
                (Ok(f), hold)
            }
            Attempt::Fetched(Err(FetchError::RateLimited { until, detail })) => {
                let until = until.min(cap);
                let hold = Some((until, detail.clone()));
                (Err(FetchError::RateLimited { until, detail }), hold)
            }
            Attempt::Fetched(Err(e)) => {
                let hold = e.hold_until().map(|t| (t.min(cap), e.to_string()));
                (Err(e), hold)
            }
            Attempt::Held { until, reason } => (
                Err(FetchError::RateLimited {
                    until,
                    detail: format!("{reason}; not calling {host} before then"),
                }),
                None,
            ),
            Attempt::Unreadable(e) => {
                return Outcome::Failed(format!("not polled: cannot read the history: {e}"));
            }
        };
        let mut store = lock(&self.store);
        if let Some((until, reason)) = hold
            && let Err(e) = store.set_host_hold(host, until.as_second(), &reason)
        {
            tracing::error!(%host, error = %e, "could not record rate-limit hold");
        }
        if let Ok(Fetched {
            remember: Some(id), ..
        }) = &result
            && let Err(e) = store.set_remote_id(&account.id, Some(id))
        {
            tracing::warn!(account = %account.id, error = %e, "could not keep the resolved id");
        }
        let flushed = self.flush_pending(&mut store);
        let written = flushed.and_then(|()| match &result {
            Ok(f) => store.record_success(
                &account.id,
                Sample {
                    at_ms: at.as_millisecond(),
                    followers: f.counts.followers,
                    following: f.counts.following,
                    posts: f.counts.posts,
                },
            ),
            Err(e) => store.record_failure(&account.id, at, &e.to_string()),
        });
        match (result, written) {
            (Ok(f), Ok(())) => Outcome::Ok(f.counts),
            (Err(e), Ok(())) => Outcome::Failed(e.to_string()),
            (Ok(f), Err(e)) => {
                let sample = Sample {
                    at_ms: at.as_millisecond(),
                    followers: f.counts.followers,
                    following: f.counts.following,
                    posts: f.counts.posts,
                };
                self.pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((account.id.clone(), sample));
                Outcome::Failed(format!(
                    "could not record {} {}: {}; kept, and written when the history can be written",
                    crate::util::thousands(f.counts.followers),
                    account.metric(),
                    describe_store_error(&e)
                ))
            }
            (Err(fetch), Err(e)) => Outcome::Failed(format!(
                "{fetch}; and could not record it: {}",
                describe_store_error(&e)
            )),
        }
    }

    /// Polls the given accounts (all when `None`) concurrently, in config order.
    pub async fn poll_all(self: &Arc<Self>, only: Option<&[String]>) -> Vec<PollResult> {
        let sem = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
        let mut set = JoinSet::new();
        for (i, account) in self.accounts.iter().enumerate() {
            if only.is_some_and(|ids| !ids.contains(&account.id)) {
                continue;
            }
            let this = Arc::clone(self);
            let sem = Arc::clone(&sem);
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                (i, this.poll_one(&this.accounts[i]).await)
            });
        }
        let mut results: Vec<(usize, PollResult)> = set.join_all().await;
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, r)| r).collect()
    }

    /// When `account` is next due: its last try plus the interval (doubled
    /// per failure in a row, jittered), or later if its host is on hold. The
    /// last try is the later of what this process remembers and what the
    /// history says (another process may have polled); a history that cannot
    /// be read counts as a failure, never as "due now".
    pub fn due(&self, account: &Account) -> Timestamp {
        let now = self.clock.now();
        let remembered = self
            .tries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&account.id)
            .copied();
        let store = lock(&self.store);
        let recorded = store.state(&account.id);
        let hold = store.host_hold(&host_of(account));
        drop(store);
        let recorded = match recorded {
            Ok(state) => state
                .checked_at_ms
                .map(|ms| (crate::util::ts_ms(ms), effective_failures(&state))),
            Err(e) => {
                tracing::warn!(account = %account.id, error = %e, "cannot read the poll state");
                Some(remembered.map_or((now, 1), |(t, n)| (t, n.saturating_add(1))))
            }
        };
        let last = match (remembered, recorded) {
            (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
            (a, b) => a.or(b),
        };
        let base = match last {
            None => now,
            Some((at, failures)) => later(at, jitter(delay_after(account.interval, failures))),
        };
        match hold {
            Ok(Some((until, _))) if until > base.as_second() => crate::util::ts(until),
            _ => base,
        }
    }

    /// Runs the schedule until `commands` closes. `active` gates polling: while it
    /// reads false (another instance holds the polling lease) nothing is called.
    pub async fn run(
        self: Arc<Self>,
        mut commands: mpsc::UnboundedReceiver<Command>,
        events: mpsc::UnboundedSender<Event>,
        active: Arc<dyn Fn() -> bool + Send + Sync>,
    ) {
        let polled: Vec<usize> = (0..self.accounts.len())
            .filter(|&i| platforms::platform(self.accounts[i].platform).polled())
            .collect();
        let mut due: HashMap<usize, Timestamp> = polled
            .iter()
            .map(|&i| (i, self.due(&self.accounts[i])))
            .collect();
        let mut in_flight: JoinSet<(usize, PollResult)> = JoinSet::new();
        let mut busy: Vec<bool> = vec![false; self.accounts.len()];
        let sem = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
        let mut last_announced = None;
        let mut was_active = active();
        loop {
            let now = self.clock.now();
            let is_active = active();
            if is_active && !was_active {
                // taking over from another process: its polls count, so the
                // schedule is read again from what it recorded
                for &i in &polled {
                    if !busy[i] {
                        due.insert(i, self.due(&self.accounts[i]));
                    }
                }
            }
            was_active = is_active;
            // start whatever is due
            if is_active {
                for (&i, &when) in &due {
                    if when <= now && !busy[i] {
                        busy[i] = true;
                        let this = Arc::clone(&self);
                        let sem = Arc::clone(&sem);
                        let _ = events.send(Event::Started(self.accounts[i].id.clone()));
                        in_flight.spawn(async move {
                            let _permit = sem.acquire_owned().await;
                            (i, this.poll_one(&this.accounts[i]).await)
                        });
                    }
                }
            }
            let next = due
                .iter()
                .filter(|(i, _)| !busy[**i])
                .map(|(_, t)| *t)
                .min();
            if next != last_announced {
                last_announced = next;
                let _ = events.send(Event::NextDue(next));
            }
            // while passive, look again every few seconds for the lease
            let wake = if is_active {
                next.map(|t| t.duration_since(now))
            } else {
                Some(SignedDuration::from_secs(5))
            };
            let sleep = wake
                .and_then(|d| Duration::try_from(d).ok())
                .unwrap_or(Duration::from_secs(3600))
                .max(Duration::from_millis(5));
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    None => break,
                    Some(Command::PollAll) => {
                        for i in &polled { due.insert(*i, self.clock.now()); }
                    }
                    Some(Command::PollNow(id)) => {
                        if let Some(i) = self.accounts.iter().position(|a| a.id == id)
                            && due.contains_key(&i) {
                            due.insert(i, self.clock.now());
                        }
                    }
                },
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    if let Ok((i, result)) = done {
                        busy[i] = false;
                        due.insert(i, self.due(&self.accounts[i]));
                        let _ = events.send(Event::Finished(result));
                    }
                }
                _ = tokio::time::sleep(sleep) => {}
            }
        }
        in_flight.abort_all();
    }
}

/// Consecutive failures for backoff: none while the last answer was a hidden
/// count (recorded like a failure, so that its state shows, but the server
/// answered fine).
fn effective_failures(state: &AccountState) -> u32 {
    let hidden = state
        .error
        .as_deref()
        .is_some_and(|e| e.starts_with(HIDDEN_PREFIX));
    if hidden { 0 } else { state.failures }
}

/// How a [`FetchError::Hidden`] reads once recorded.
const HIDDEN_PREFIX: &str = "hidden: ";

/// The delay before the next poll after `failures` consecutive failures.
pub fn delay_after(interval: Duration, failures: u32) -> Duration {
    let interval = interval.min(MAX_DELAY);
    if failures == 0 {
        return interval;
    }
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF.max(interval))
}

/// ±10% of `d`, so accounts with one interval spread out.
fn jitter(d: Duration) -> Duration {
    let f = 0.9 + fastrand::f64() * 0.2;
    Duration::try_from_secs_f64(d.as_secs_f64() * f).unwrap_or(MAX_DELAY)
}

/// `at + d`, with `d` capped at [`MAX_DELAY`]: never earlier than `at`.
fn later(at: Timestamp, d: Duration) -> Timestamp {
    let d = SignedDuration::try_from(d.min(MAX_DELAY)).unwrap_or(SignedDuration::MAX);
    at.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// A store error in a few words: a full disk says so and where.
fn describe_store_error(e: &crate::store::StoreError) -> String {
    let text = e.to_string();
    if text.contains("database or disk is full") {
        format!(
            "disk full: {}",
            e.path().map_or(String::new(), |p| p.display().to_string())
        )
    } else {
        text
    }
}

/// One line for a result: `github:octocat  followers 1,234` or the error.
pub fn describe(result: &PollResult, metric: &str) -> String {
    let line = match &result.outcome {
        Outcome::Ok(c) => format!(
            "{}  {} {}",
            result.account,
            crate::util::thousands(c.followers),
            metric
        ),
        Outcome::Failed(e) => format!("{}  error: {e}", result.account),
        Outcome::Skipped(why) => format!("{}  skipped: {why}", result.account),
    };
    crate::text::clean(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let m = Duration::from_secs(60);
        assert_eq!(delay_after(m * 15, 0), m * 15);
        assert_eq!(delay_after(m * 15, 1), m * 15);
        assert_eq!(delay_after(m * 15, 2), m * 30);
        assert_eq!(delay_after(m * 15, 3), m * 60);
        assert_eq!(delay_after(m * 15, 30), MAX_BACKOFF);
        // an interval longer than the cap is never shortened
        assert_eq!(delay_after(m * 60 * 24, 5), m * 60 * 24);
    }

    #[test]
    fn a_hidden_count_does_not_back_off() {
        let hidden = FetchError::Hidden("x hides its follower count".into());
        assert!(hidden.is_hidden());
        let state = AccountState {
            checked_at_ms: Some(0),
            failures: 5,
            error: Some(hidden.to_string()),
            error_at_ms: Some(0),
        };
        assert_eq!(effective_failures(&state), 0);
        let failed = AccountState {
            error: Some("server error 500".into()),
            ..state
        };
        assert_eq!(effective_failures(&failed), 5);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..1000 {
            let j = jitter(Duration::from_secs(1000)).as_secs_f64();
            assert!((900.0..=1100.0).contains(&j), "{j}");
        }
    }
}
