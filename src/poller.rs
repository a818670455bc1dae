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
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use crate::config::Config;

use crate::http::Http;
use crate::model::Account;
use crate::model::Counts;
use crate::model::{AccountState, Sample};
use crate::model::{Clock, Secrets};
use crate::platforms::{self, FetchError, Fetched, host_of};
use crate::store::Handle;

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
    /// The platform answered that the count is hidden: a state, not a
    /// failure (no backoff).
    Hidden(String),
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
    store: Handle,
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
    /// A run that ends after one round (`poll --once`) has no later write
    /// to keep values for: it says they were not recorded.
    one_shot: bool,
    /// On a history other machines share: who this poller is in its claims
    /// ([`crate::store::Store::claim_poll`]), and how long a claim lasts.
    sharing: Option<(String, Duration)>,
}

/// A claim outlives a poll's requests by this much.
const CLAIM_SLACK: Duration = Duration::from_secs(5);

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
    #[cfg(any(test, feature = "test-util"))]
    /// A poller on the system clock, reading secrets from the environment.
    pub fn new(config: &Config, store: Handle) -> anyhow::Result<Poller> {
        Poller::with_seams(
            config,
            store,
            Arc::new(crate::model::SystemClock),
            Arc::new(crate::model::EnvSecrets),
        )
    }

    /// A poller on the given clock and secrets (tests pass fixed ones).
    pub fn with_seams(
        config: &Config,
        store: Handle,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn Secrets>,
    ) -> anyhow::Result<Poller> {
        Ok(Poller {
            http: Http::new(config.request_timeout)?,
            accounts: config.accounts.clone(),
            clock,
            secrets,
            tries: Mutex::new(HashMap::new()),
            pending: Mutex::new(Vec::new()),
            one_shot: false,
            sharing: store.shared().then(|| {
                (
                    format!("{}-{:016x}", std::process::id(), fastrand::u64(..)),
                    config.request_timeout.saturating_add(CLAIM_SLACK),
                )
            }),
            store,
        })
    }

    /// For one round only (`poll --once`): a value that cannot be written is
    /// said to be lost, not kept.
    pub fn one_shot(mut self) -> Poller {
        self.one_shot = true;
        self
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
        let looked = {
            let (host, id) = (host.clone(), account.id.clone());
            self.store
                .read(move |s| Ok((s.host_hold(&host), s.remote_id(&id))))
                .await
        };
        let (held, known) = match looked {
            Ok(both) => both,
            Err(e) => (Err(e), Ok(None)),
        };
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
        let outcome = self.record(account, &host, at, attempt).await;
        // a hidden count is an answer, not a failure: no backoff for it
        let answered = match &outcome {
            Outcome::Ok(_) | Outcome::Hidden(_) => true,
            Outcome::Failed(_) | Outcome::Skipped(_) => false,
        };
        self.remember_try(&account.id, at, answered).await;
        match &outcome {
            Outcome::Ok(c) => {
                tracing::info!(account = %account.id, platform = platform.kind().name(), followers = c.followers, "polled")
            }
            Outcome::Failed(e) => tracing::warn!(account = %account.id, error = %e, "poll failed"),
            Outcome::Hidden(_) | Outcome::Skipped(_) => {}
        }
        PollResult {
            account: account.id.clone(),
            at,
            outcome,
        }
    }

    async fn remember_try(&self, id: &str, at: Timestamp, ok: bool) {
        let known = self
            .tries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .map(|(_, n)| *n);
        let failures = match known {
            _ if ok => 0,
            Some(n) => n.saturating_add(1),
            None => {
                let key = id.to_string();
                self.store
                    .read(move |s| s.state(&key))
                    .await
                    .map_or(0, |s| s.failures)
                    .saturating_add(1)
            }
        };
        self.tries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_string(), (at, failures));
    }

    async fn record(
        &self,
        account: &Account,
        host: &str,
        at: Timestamp,
        attempt: Attempt,
    ) -> Outcome {
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
        // the values kept while the history could not be written go first
        let pending: Vec<(String, Sample)> =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        let write = Write {
            key: account.id.clone(),
            host: host.to_string(),
            hold,
            remember: match &result {
                Ok(Fetched {
                    remember: Some(id), ..
                }) => Some(id.clone()),
                _ => None,
            },
            pending,
            outcome: match &result {
                Ok(f) => Ok(Sample {
                    at_ms: at.as_millisecond(),
                    followers: f.counts.followers,
                    following: f.counts.following,
                    posts: f.counts.posts,
                }),
                Err(e) => Err(e.to_string()),
            },
            at,
        };
        let (written, unwritten) = match self.store.write(move |s| Ok(write.apply(s))).await {
            Ok(done) => done,
            Err(e) => (Err(e), Vec::new()),
        };
        if !unwritten.is_empty() {
            let mut kept = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            let newer = std::mem::replace(&mut *kept, unwritten);
            kept.extend(newer);
        }
        match (result, written) {
            (Ok(f), Ok(())) => Outcome::Ok(f.counts),
            (Err(e), Ok(())) if e.is_hidden() => Outcome::Hidden(e.to_string()),
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
                    "could not record {} {}: {}; {}",
                    crate::util::thousands(f.counts.followers),
                    account.metric(),
                    describe_store_error(&e),
                    if self.one_shot {
                        "NOT recorded (poll --once ends here; run it again once the history can be written)"
                    } else {
                        "kept, and written when the history can be written"
                    }
                ))
            }
            (Err(fetch), Err(e)) => Outcome::Failed(format!(
                "{fetch}; and could not record it: {}",
                describe_store_error(&e)
            )),
        }
    }

    /// On a shared history, claims account `i`'s poll; `None` when this
    /// process may poll it (always, on a history of its own), else when to
    /// ask again. A person's poll (`forced`) waits only for another poll of
    /// it under way. A history that cannot be reached does not stop a poll:
    /// its value is kept until it can be written.
    async fn claim(&self, i: usize, forced: bool) -> Option<Timestamp> {
        let (me, ttl) = self.sharing.clone()?;
        let account = self.accounts.get(i)?;
        let now = self.clock.now();
        let until = later(now, ttl).as_millisecond();
        let gap = if forced {
            0
        } else {
            // half an interval: another poller's poll of it was this one's
            i64::try_from(account.interval.as_millis() / 2).unwrap_or(i64::MAX)
        };
        let (key, at) = (account.id.clone(), now.as_millisecond());
        match self
            .store
            .write(move |s| s.claim_poll(&key, &me, at, gap, until))
            .await
        {
            Ok(None) => None,
            Ok(Some(retry)) => Some(crate::util::ts_ms(retry)),
            Err(e) => {
                tracing::warn!(account = %account.id, error = %e, "cannot claim the poll; polling anyway");
                None
            }
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
                if this.claim(i, true).await.is_some() {
                    let result = PollResult {
                        account: this.accounts[i].id.clone(),
                        at: this.clock.now(),
                        outcome: Outcome::Skipped("another poller is polling it now".into()),
                    };
                    return (i, result);
                }
                (i, this.poll_one(&this.accounts[i]).await)
            });
        }
        let mut results: Vec<(usize, PollResult)> = set.join_all().await;
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, r)| r).collect()
    }

    #[cfg(any(test, feature = "test-util"))]
    /// When `account` is next due: its last try plus the interval (doubled
    /// per failure in a row, jittered), or later if its host is on hold. The
    /// last try is the later of what this process remembers and what the
    /// history says (another process may have polled); a history that cannot
    /// be read counts as a failure, never as "due now".
    pub async fn due(&self, account: &Account) -> Timestamp {
        let i = self.accounts.iter().position(|a| a.id == account.id);
        match i {
            Some(i) => self
                .due_many(&[i])
                .await
                .remove(&i)
                .unwrap_or_else(|| self.clock.now()),
            None => self.clock.now(),
        }
    }

    /// [`Poller::due`] of the accounts at these indices, read in one call.
    async fn due_many(&self, indices: &[usize]) -> HashMap<usize, Timestamp> {
        let asked: Vec<(usize, String, String)> = indices
            .iter()
            .filter_map(|&i| self.accounts.get(i).map(|a| (i, a.id.clone(), host_of(a))))
            .collect();
        let read = {
            let asked = asked.clone();
            self.store
                .read(move |s| {
                    Ok(asked
                        .iter()
                        .map(|(_, id, host)| (s.state(id), s.host_hold(host)))
                        .collect::<Vec<_>>())
                })
                .await
        };
        let now = self.clock.now();
        let tries = self.tries.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut out = HashMap::new();
        for (n, (i, id, _)) in asked.iter().enumerate() {
            let (recorded, hold) = match &read {
                Ok(rows) => match rows.get(n) {
                    Some((r, h)) => (r.as_ref().map_err(ToString::to_string), h.as_ref().ok()),
                    None => (Err("no answer".to_string()), None),
                },
                Err(e) => (Err(e.to_string()), None),
            };
            let account = &self.accounts[*i];
            let at = due_at(
                account,
                now,
                tries.get(id).copied(),
                recorded,
                hold.cloned().flatten(),
            );
            out.insert(*i, at);
        }
        out
    }

    /// Runs the schedule until `commands` closes. `active` gates polling: while it
    /// reads false (another instance holds the polling lease) nothing is
    /// called; the moment it turns true, what is due starts.
    pub async fn run(
        self: Arc<Self>,
        mut commands: mpsc::UnboundedReceiver<Command>,
        events: mpsc::UnboundedSender<Event>,
        mut active: watch::Receiver<bool>,
    ) {
        let polled: Vec<usize> = (0..self.accounts.len())
            .filter(|&i| platforms::platform(self.accounts[i].platform).polled())
            .collect();
        let mut due: HashMap<usize, Timestamp> = self.due_many(&polled).await;
        // a poll's result, or (on a shared history) when to ask for it again
        let mut in_flight: JoinSet<(usize, Result<PollResult, Timestamp>)> = JoinSet::new();
        // asked for by a person: polled even if another poller just did
        let mut forced: std::collections::HashSet<usize> = Default::default();
        let mut busy: Vec<bool> = vec![false; self.accounts.len()];
        let sem = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
        let mut last_announced = None;
        let mut was_active = *active.borrow_and_update();
        let mut gate_open = true;
        loop {
            let now = self.clock.now();
            let is_active = *active.borrow_and_update();
            if is_active && !was_active {
                // taking over from another process: its polls count, so the
                // schedule is read again from what it recorded
                let idle: Vec<usize> = polled.iter().copied().filter(|&i| !busy[i]).collect();
                due.extend(self.due_many(&idle).await);
            }
            was_active = is_active;
            // start whatever is due
            if is_active {
                for (&i, &when) in &due {
                    if when <= now && !busy[i] {
                        busy[i] = true;
                        let this = Arc::clone(&self);
                        let sem = Arc::clone(&sem);
                        let force = forced.remove(&i);
                        let events = events.clone();
                        in_flight.spawn(async move {
                            let _permit = sem.acquire_owned().await;
                            if let Some(retry) = this.claim(i, force).await {
                                return (i, Err(retry));
                            }
                            let _ = events.send(Event::Started(this.accounts[i].id.clone()));
                            (i, Ok(this.poll_one(&this.accounts[i]).await))
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
            // while passive, wait for the lease
            let wake = if is_active {
                next.map(|t| t.duration_since(now))
            } else {
                None
            };
            let sleep = wake
                .and_then(|d| Duration::try_from(d).ok())
                .unwrap_or(Duration::from_secs(3600))
                .max(Duration::from_millis(5));
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    None => break,
                    Some(Command::PollAll) => {
                        for i in &polled {
                            due.insert(*i, self.clock.now());
                            forced.insert(*i);
                        }
                    }
                    Some(Command::PollNow(id)) => {
                        if let Some(i) = self.accounts.iter().position(|a| a.id == id)
                            && due.contains_key(&i) {
                            due.insert(i, self.clock.now());
                            forced.insert(i);
                        }
                    }
                },
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    if let Ok((i, result)) = done {
                        busy[i] = false;
                        due.extend(self.due_many(&[i]).await);
                        match result {
                            Ok(result) => {
                                let _ = events.send(Event::Finished(result));
                            }
                            // another poller has it: after its claim, or
                            // when the schedule says (from what it records)
                            Err(retry) => {
                                if let Some(when) = due.get_mut(&i) {
                                    *when = (*when).max(retry);
                                }
                            }
                        }
                    }
                }
                changed = active.changed(), if gate_open => {
                    // the sender went away: the gate stays as it was
                    gate_open = changed.is_ok();
                }
                _ = tokio::time::sleep(sleep) => {}
            }
        }
        in_flight.abort_all();
    }
}

/// When `account` is next due, from what this process remembers of its
/// tries, what the history recorded (or why it could not be read) and its
/// host's hold.
fn due_at(
    account: &Account,
    now: Timestamp,
    remembered: Option<(Timestamp, u32)>,
    recorded: Result<&AccountState, String>,
    hold: Option<(i64, String)>,
) -> Timestamp {
    let recorded = match recorded {
        Ok(state) => state
            .checked_at_ms
            .map(|ms| (crate::util::ts_ms(ms), effective_failures(state))),
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
        Some((until, _)) if until > base.as_second() => crate::util::ts(until),
        _ => base,
    }
}

/// What one poll writes, in one call on the writer's thread: a new hold, a
/// resolved id, the values kept from earlier, and the sample or failure.
struct Write {
    key: String,
    host: String,
    hold: Option<(Timestamp, String)>,
    remember: Option<String>,
    pending: Vec<(String, Sample)>,
    outcome: Result<Sample, String>,
    at: Timestamp,
}

impl Write {
    /// Writes it; returns the result of the sample's (or failure's) write and
    /// the samples that could not be written (kept for the next time).
    fn apply(
        self,
        store: &mut crate::store::Store,
    ) -> (crate::store::Result<()>, Vec<(String, Sample)>) {
        if let Some((until, reason)) = &self.hold
            && let Err(e) = store.set_host_hold(&self.host, until.as_second(), reason)
        {
            tracing::error!(host = %self.host, error = %e, "could not record rate-limit hold");
        }
        if let Some(id) = &self.remember
            && let Err(e) = store.set_remote_id(&self.key, Some(id))
        {
            tracing::warn!(account = %self.key, error = %e, "could not keep the resolved id");
        }
        let mut pending = self.pending.into_iter();
        let mut unwritten = Vec::new();
        // queued for the alert rules like any polled sample, so a value
        // written late still fires what it crossed
        for (id, sample) in pending.by_ref() {
            if let Err(e) = store.insert_polled(&id, sample) {
                unwritten.push((id, sample));
                unwritten.extend(pending);
                return (Err(e), unwritten);
            }
        }
        let written = match &self.outcome {
            Ok(sample) => store.record_success(&self.key, *sample),
            Err(e) => store.record_failure(&self.key, self.at, e),
        };
        (written, unwritten)
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
    match e {
        crate::store::StoreError::DiskFull { path } => format!("disk full: {}", path.display()),
        e => e.to_string(),
    }
}

/// One line for a result: `github:octocat  1,234 followers` or the error,
/// the account padded to `width` columns so that lines align.
pub fn describe(result: &PollResult, metric: &str, width: usize) -> String {
    let account = crate::text::clean(&result.account);
    let pad = width.saturating_sub(account.chars().count());
    let what = match &result.outcome {
        Outcome::Ok(c) => format!("{} {metric}", crate::util::thousands(c.followers)),
        Outcome::Failed(e) | Outcome::Hidden(e) => format!("error: {e}"),
        Outcome::Skipped(why) => format!("skipped: {why}"),
    };
    format!(
        "{account}{}  {}",
        " ".repeat(pad),
        crate::text::clean(&what)
    )
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
