//! Delivering alerts from the history: every alert that fired has a delivery
//! per target (the command, the webhook) in the history, `pending` until it
//! is `delivered` or `failed`.
//!
//! - A [`Deliverer`] claims due pending deliveries in one statement (so two
//!   processes never try the same one at once) for one try, at most
//!   [`PARALLEL`] per target at a time, and records each try's outcome right
//!   after it: delivered; or the error and the next try, [`FIRST_RETRY`]
//!   doubled per try up to [`MAX_RETRY_WAIT`]; or failed, for a refusal (a
//!   4xx, a redirect, which is never followed) or once the next try would
//!   fall more than [`GIVE_UP_AFTER`] after the alert fired.
//! - A claim lasts one try's longest time plus [`CLAIM_SLACK`]: a process
//!   killed during a try leaves a claim that runs out, and any process tries
//!   again after it.
//! - Exactly once as far as a crash allows: a process killed after the
//!   receiver took an alert and before the outcome is recorded (one small
//!   write, right after the answer) leaves it pending, and it is sent again.
//!   The webhook request carries the event key as `Idempotency-Key`, for
//!   receivers that want to drop such a repeat.
//! - `poll`, the dashboard and `poll --once` each run one: the first two for
//!   as long as they run, `poll --once` for at most [`once_bound`], starting
//!   only tries that can end by then.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::{Notify as Kick, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{describe_send_error, resolve_url, run_command, webhook_body};
use crate::config::Notify;
use crate::model::{Clock, Secrets};
use crate::store::{AlertRow, Claimed, Handle, Target, TryOutcome};
use crate::util::format_duration;

/// Tries running at once per target (commands, webhook requests).
pub const PARALLEL: usize = 4;
/// No try starts later than this after the alert fired: then it failed.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);
/// The wait after a first failed try; doubled after each later one.
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between two tries.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(3600);
/// A claim lasts a try's longest time plus this (recording its outcome).
pub const CLAIM_SLACK: Duration = Duration::from_secs(10);
/// The longest a running deliverer waits before it looks at the history
/// again (for what other processes left pending).
pub const IDLE_CHECK: Duration = Duration::from_secs(15);
/// The same for a bounded run (`poll --once`).
const BOUNDED_CHECK: Duration = Duration::from_millis(250);
/// The wait before claiming again when a claim failed.
const CLAIM_AGAIN: Duration = Duration::from_secs(1);
/// How many times the outcome of a try is written before giving up on it.
const RECORD_TRIES: u32 = 4;

/// How long `poll --once` gives deliveries: three tries of `timeout` each,
/// the waits between them (1 s, 2 s) and a little for starting commands and
/// recording outcomes.
pub fn once_bound(notify: &Notify) -> Duration {
    notify
        .timeout
        .saturating_mul(3)
        .saturating_add(Duration::from_secs(5))
}

/// The wait after `tries` failed tries.
pub fn retry_wait(tries: i64) -> Duration {
    let doublings = u32::try_from(tries.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    FIRST_RETRY
        .saturating_mul(1u32 << doublings)
        .min(MAX_RETRY_WAIT)
}

/// `1 try`, `3 tries`.
fn count_tries(n: i64) -> String {
    if n == 1 {
        "1 try".into()
    } else {
        format!("{n} tries")
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// `[notify]` and the HTTP client made for it.
struct Setup {
    notify: Notify,
    client: Result<reqwest::Client, String>,
}

impl Setup {
    fn new(notify: &Notify) -> Setup {
        let client = reqwest::Client::builder()
            .user_agent(crate::http::USER_AGENT)
            .timeout(notify.timeout)
            .connect_timeout(notify.timeout)
            // a redirect could carry the URL's token to another host
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .map_err(|e| format!("webhook: cannot make an HTTP client: {e}"));
        Setup {
            notify: notify.clone(),
            client,
        }
    }

    /// The longest one try takes: the timeout, and a command's kill.
    fn try_bound(&self) -> Duration {
        self.notify.timeout.saturating_add(Duration::from_secs(1))
    }

    async fn command(&self, alert: &AlertRow) -> Result<(), Fail> {
        let Some(cmd) = self.notify.command.clone() else {
            return Err(Fail::Final(
                "command: no longer in [notify]; not run".into(),
            ));
        };
        let (alert, timeout) = (alert.clone(), self.notify.timeout);
        tokio::task::spawn_blocking(move || run_command(&cmd, &alert, timeout))
            .await
            .unwrap_or_else(|e| Err(format!("command: {e}")))
            .map_err(Fail::Retry)
    }

    async fn webhook(&self, secrets: &dyn Secrets, alert: &AlertRow) -> Result<(), Fail> {
        let Some(written) = self.notify.webhook.as_deref() else {
            return Err(Fail::Final(
                "webhook: no longer in [notify]; not sent".into(),
            ));
        };
        let client = self.client.as_ref().map_err(|e| Fail::Retry(e.clone()))?;
        // a variable missing here may be set for the next run
        let url = resolve_url(written, secrets).map_err(Fail::Retry)?;
        let (body, content_type) = webhook_body(self.notify.webhook_format, alert);
        let mut request = client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        if let Ok(key) = reqwest::header::HeaderValue::from_str(&alert.key) {
            request = request.header("Idempotency-Key", key);
        }
        match request.send().await {
            Ok(resp) if resp.status().is_success() => Ok(()),
            Ok(resp) => {
                let status = resp.status().as_u16();
                match status {
                    300..=399 => Err(Fail::Final(format!(
                        "webhook: HTTP {status} (redirects are not followed)"
                    ))),
                    // the receiver refused it: trying again changes nothing
                    400..=499 if status != 408 && status != 429 => {
                        Err(Fail::Final(format!("webhook: HTTP {status}")))
                    }
                    _ => Err(Fail::Retry(format!("webhook: HTTP {status}"))),
                }
            }
            Err(e) => Err(Fail::Retry(format!(
                "webhook: {}",
                describe_send_error(e, self.notify.timeout, url.as_str())
            ))),
        }
    }
}

/// Why a try did not deliver.
enum Fail {
    /// Worth another try later.
    Retry(String),
    /// Not worth one.
    Final(String),
}

/// One try, as it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryDone {
    pub alert: AlertRow,
    pub target: Target,
    /// Tries of this target so far, this one included.
    pub tries: i64,
    pub outcome: TryOutcome,
}

impl TryDone {
    /// The outcome in a few words: `webhook: HTTP 503; next try at …`.
    pub fn describe(&self) -> String {
        let tries = count_tries(self.tries);
        match &self.outcome {
            TryOutcome::Delivered => format!("{}: delivered ({tries})", self.target.name()),
            TryOutcome::Retry { error, next_ms } => format!(
                "{error} ({tries}; pending: tried again from {}, by this or the next `poll`, dashboard or `poll --once`)",
                crate::util::ts_ms(*next_ms).strftime("%Y-%m-%dT%H:%M:%SZ")
            ),
            TryOutcome::Failed(error) => format!("{error} ({tries}; failed, not tried again)"),
        }
    }
}

/// What a run of a deliverer did.
#[derive(Debug, Default)]
pub struct Report {
    /// The last try of each delivery (alert id, target) it tried.
    pub last: BTreeMap<(i64, Target), TryDone>,
    /// Deliveries due when it stopped that it did not get to (a bounded run).
    pub left: usize,
}

impl Report {
    /// Deliveries it tried that are not delivered (pending or failed).
    pub fn not_delivered(&self) -> impl Iterator<Item = &TryDone> {
        self.last
            .values()
            .filter(|d| d.outcome != TryOutcome::Delivered)
    }
}

/// Delivers what the history has pending (see the module's notes).
pub struct Deliverer {
    setup: RwLock<Arc<Setup>>,
    secrets: Arc<dyn Secrets>,
    clock: Arc<dyn Clock>,
    /// Who claims: this process, this deliverer.
    me: String,
    kick: Kick,
    stop: watch::Sender<bool>,
}

impl Deliverer {
    pub fn new(notify: &Notify, secrets: Arc<dyn Secrets>, clock: Arc<dyn Clock>) -> Deliverer {
        Deliverer {
            setup: RwLock::new(Arc::new(Setup::new(notify))),
            secrets,
            clock,
            me: format!("{}-{:016x}", std::process::id(), fastrand::u64(..)),
            kick: Kick::new(),
            stop: watch::channel(false).0,
        }
    }

    /// Uses `notify` for tries that start from now on (a reloaded config).
    pub fn set_notify(&self, notify: &Notify) {
        *self.setup.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Setup::new(notify));
    }

    fn setup(&self) -> Arc<Setup> {
        Arc::clone(&self.setup.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Looks at the history now (alerts just fired).
    pub fn kick(&self) {
        self.kick.notify_one();
    }

    /// Starts no more tries; [`Deliverer::run`] returns once those under way
    /// have ended.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Delivers what is due, at most [`PARALLEL`] tries per target at once,
    /// until [`Deliverer::stop`], or (`deadline`) until no try that can end
    /// by `deadline` is left to start. `on_try` hears of each try as it ends.
    pub async fn run(
        self: Arc<Self>,
        store: Handle,
        deadline: Option<Instant>,
        on_try: impl Fn(&TryDone) + Send,
    ) -> Report {
        let mut stop = self.stop.subscribe();
        let mut stopping = *stop.borrow_and_update();
        let mut tries: JoinSet<TryDone> = JoinSet::new();
        let mut running: HashMap<tokio::task::Id, Target> = HashMap::new();
        let mut report = Report::default();
        let mut warned = false;
        loop {
            let setup = self.setup();
            let try_bound = setup.try_bound();
            let may_start = !stopping && deadline.is_none_or(|d| Instant::now() + try_bound <= d);
            if may_start {
                for target in Target::ALL {
                    let busy = running.values().filter(|t| **t == target).count();
                    let free = PARALLEL.saturating_sub(busy);
                    if free == 0 {
                        continue;
                    }
                    let now = self.clock.now().as_millisecond();
                    let until = now.saturating_add(millis(try_bound + CLAIM_SLACK));
                    let me = self.me.clone();
                    let claimed = store
                        .write(move |s| s.claim_deliveries(target, &me, now, until, free))
                        .await;
                    match claimed {
                        Ok(claimed) => {
                            for c in claimed {
                                let this = Arc::clone(&self);
                                let (store, setup) = (store.clone(), Arc::clone(&setup));
                                let task = tries.spawn(this.attempt(store, setup, c));
                                running.insert(task.id(), target);
                            }
                        }
                        Err(e) => {
                            if !warned {
                                warned = true;
                                tracing::warn!(error = %e, "cannot claim alert deliveries; trying again");
                            }
                        }
                    }
                }
            }
            if tries.is_empty() && (stopping || (deadline.is_some() && !may_start)) {
                break;
            }
            // when something is due next (for a bounded run: not counting
            // what other processes are trying)
            let now = self.clock.now().as_millisecond();
            let next = {
                let (me, others) = (self.me.clone(), deadline.is_none());
                store
                    .read(move |s| s.next_delivery_due(&me, now, others))
                    .await
                    .ok()
                    .flatten()
            };
            let cap = if deadline.is_some() {
                BOUNDED_CHECK
            } else {
                IDLE_CHECK
            };
            let wait = match next {
                None => cap,
                Some(t) if t > now => {
                    Duration::from_millis(u64::try_from(t - now).unwrap_or(0)).min(cap)
                }
                // due but not claimed: every slot is busy (a try that ends
                // wakes the loop), or claiming failed (a locked history)
                Some(_) if tries.is_empty() => CLAIM_AGAIN.min(cap),
                Some(_) => cap,
            };
            if let Some(d) = deadline
                && tries.is_empty()
            {
                // nothing under way: stop unless a try can still start and end in time
                let starts = next.map(|t| {
                    Instant::now()
                        + Duration::from_millis(u64::try_from(t.saturating_sub(now)).unwrap_or(0))
                });
                if starts.is_none_or(|s| s + try_bound > d) {
                    break;
                }
            }
            let wait = wait.max(Duration::from_millis(5));
            tokio::select! {
                done = tries.join_next_with_id(), if !tries.is_empty() => match done {
                    Some(Ok((id, done))) => {
                        running.remove(&id);
                        on_try(&done);
                        report.last.insert((done.alert.id, done.target), done);
                    }
                    Some(Err(e)) => {
                        running.remove(&e.id());
                        tracing::warn!(error = %e, "an alert delivery stopped");
                    }
                    None => {}
                },
                _ = self.kick.notified() => {}
                changed = stop.changed(), if !stopping => {
                    stopping = changed.is_err() || *stop.borrow();
                }
                _ = tokio::time::sleep(wait) => {}
            }
        }
        if deadline.is_some() {
            let now = self.clock.now().as_millisecond();
            report.left = store
                .read(move |s| s.due_deliveries(now))
                .await
                .unwrap_or(0);
        }
        report
    }

    /// One try of a claimed delivery, its outcome recorded right after.
    async fn attempt(self: Arc<Self>, store: Handle, setup: Arc<Setup>, c: Claimed) -> TryDone {
        let result = match c.target {
            Target::Command => setup.command(&c.alert).await,
            Target::Webhook => setup.webhook(&*self.secrets, &c.alert).await,
        };
        let now = self.clock.now().as_millisecond();
        let tries = c.tries.saturating_add(1);
        let outcome = match result {
            Ok(()) => TryOutcome::Delivered,
            Err(Fail::Final(e)) => TryOutcome::Failed(e),
            Err(Fail::Retry(e)) => {
                let next_ms = now.saturating_add(millis(retry_wait(tries)));
                if next_ms > c.give_up_ms {
                    TryOutcome::Failed(format!(
                        "{e} (given up after {} in {})",
                        count_tries(tries),
                        format_duration(GIVE_UP_AFTER)
                    ))
                } else {
                    TryOutcome::Retry { error: e, next_ms }
                }
            }
        };
        let (id, target) = (c.alert.id, c.target);
        let mut recorded = Err(String::new());
        for i in 0..RECORD_TRIES {
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(250 * u64::from(i))).await;
            }
            let o = outcome.clone();
            recorded = store
                .write(move |s| s.finish_delivery(id, target, now, &o))
                .await
                .map_err(|e| e.to_string());
            if recorded.is_ok() {
                break;
            }
        }
        let done = TryDone {
            alert: c.alert,
            target,
            tries,
            outcome,
        };
        if done.outcome != TryOutcome::Delivered {
            tracing::warn!(account = %done.alert.account, kind = %done.alert.kind, target = target.name(), error = %done.describe(), "alert delivery failed");
        }
        if let Err(e) = recorded {
            tracing::error!(account = %done.alert.account, kind = %done.alert.kind, target = target.name(), error = %e,
                "cannot record how an alert delivery went; once its claim runs out it is tried again");
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, MapSecrets, PlatformKind, SystemClock};
    use crate::store::{Delivery, NewAlert};

    #[test]
    fn the_wait_doubles_from_a_second_up_to_an_hour() {
        let secs: Vec<u64> = [0, 1, 2, 3, 12, 13, 40]
            .iter()
            .map(|n| retry_wait(*n).as_secs())
            .collect();
        assert_eq!(secs, [1, 1, 2, 4, 2048, 3600, 3600]);
        let n = Notify {
            timeout: Duration::from_secs(10),
            ..Notify::default()
        };
        assert_eq!(once_bound(&n), Duration::from_secs(35));
    }

    #[tokio::test]
    async fn a_delivery_still_failing_a_day_after_its_alert_fails_for_good() {
        let dir = tempfile::tempdir().unwrap();
        let store = Handle::open_dir(dir.path()).unwrap();
        store
            .sync_accounts(vec![Account::new(PlatformKind::Github, "a")])
            .await
            .unwrap();
        // nothing listens there
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let now = crate::model::SystemClock.now().as_millisecond();
        let fired = store
            .write(move |s| {
                s.alert_round(|s| {
                    let alert = NewAlert {
                        key: "milestone:github:a:1000".into(),
                        account: "github:a".into(),
                        kind: "milestone".into(),
                        at_ms: now,
                        value: Some(1_000),
                        message: "a reached 1,000 followers".into(),
                    };
                    // fired a day ago: its last chance is now
                    Ok((s.record_alert(&alert, &[Target::Webhook], now, now)?, true))
                })
            })
            .await
            .unwrap()
            .unwrap();
        let notify = Notify {
            webhook: Some(format!("http://127.0.0.1:{port}/hook")),
            timeout: Duration::from_secs(1),
            ..Notify::default()
        };
        let d = Arc::new(Deliverer::new(
            &notify,
            Arc::new(MapSecrets::default()),
            Arc::new(SystemClock),
        ));
        let deadline = Instant::now() + once_bound(&notify);
        let report = d.run(store.clone(), Some(deadline), |_| {}).await;
        let done = &report.last[&(fired.id, Target::Webhook)];
        let TryOutcome::Failed(e) = &done.outcome else {
            panic!("{done:?}")
        };
        assert!(
            e.starts_with("webhook: cannot connect") && e.ends_with("(given up after 1 try in 1d)"),
            "{e}"
        );
        assert!(report.not_delivered().next().is_some());
        let row = store.read(|s| s.recent_alerts(1)).await.unwrap().remove(0);
        assert_eq!(row.delivery, Delivery::Failed);
        assert_eq!(row.delivery_error.as_deref(), Some(e.as_str()));
    }
}
