//! Alerts: milestones, sudden drops and silent accounts, from the `[[alerts]]`
//! rules of the config, delivered through `[notify]`.
//!
//! - Evaluation runs where poll results are handled (`poll --once`, `poll`,
//!   the dashboard), never inside the poller: after a good poll, the rules of
//!   kind `milestone` and `drop` look at the account's new sample; every
//!   minute and after each poll, the rules of kind `stale` look at every
//!   account's latest sample.
//! - A sample fires only if it is the account's latest, compared with the
//!   sample before it: a backfilled sample (`record --at`) is never the newest
//!   and fires nothing, and an account's first sample crosses nothing.
//! - Each event has a key (`milestone:<account>:<value>`,
//!   `drop:<account>:<peak time>:<threshold>`, `stale:<account>:<last sample
//!   time>`) that the store keeps unique, so an event fires once across polls,
//!   restarts and processes; a count going back and forth over a milestone
//!   keeps its key.
//! - Delivery runs in background tasks: the command (`sh -c`, the alert only in
//!   `SOCIALTOP_*` environment variables) and the webhook (POST with a
//!   timeout, three tries with backoff). A failure is logged and kept in the
//!   alert's `delivery_error`; the webhook URL is never logged nor shown.

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use tokio::task::JoinHandle;

use crate::config::{Account, AlertKind, AlertRule, Config, Notify, WebhookFormat};
use crate::model::Secrets;
use crate::poller::{Outcome, PollResult};
use crate::store::{AlertRow, Handle, NewAlert, Store};
use crate::text::{clean, short};
use crate::util::{format_duration, thousands};

/// How many times a webhook is tried.
pub const WEBHOOK_TRIES: u32 = 3;
/// The wait before the second try; doubled before each later one.
pub const WEBHOOK_BACKOFF: Duration = Duration::from_secs(1);
/// The longest a notify command may run before it is killed.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `poll --once` waits for deliveries before it exits.
pub const DRAIN_BOUND: Duration = Duration::from_secs(30);

/// What to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// A good poll recorded `account`'s sample at `at`: that sample
    /// (milestone, drop), then every account's silence (stale) at `at`.
    Sample { account: String, at: Timestamp },
    /// Every account's silence at this time.
    Stale(Timestamp),
    /// A follower-list scan of `account` completed as scan `scan` at `at`:
    /// its new followers (follower), then every account's silence.
    Followed {
        account: String,
        scan: i64,
        at: Timestamp,
    },
}

impl Check {
    /// What a finished poll asks for: its sample if it recorded one, else
    /// (a failure) only the silences.
    pub fn poll(r: &PollResult) -> Check {
        match r.outcome {
            Outcome::Ok(_) => Check::Sample {
                account: r.account.clone(),
                at: r.at,
            },
            _ => Check::Stale(r.at),
        }
    }
}

/// The rules, the accounts they watch, and where alerts are delivered.
pub struct Alerts {
    rules: Vec<AlertRule>,
    accounts: Vec<Account>,
    notify: Notify,
    secrets: Arc<dyn Secrets>,
    client: reqwest::Client,
    /// Deliveries still running (for [`Alerts::drain`]).
    pending: Mutex<Vec<JoinHandle<()>>>,
}

impl Alerts {
    pub fn new(config: &Config, secrets: Arc<dyn Secrets>) -> anyhow::Result<Alerts> {
        let client = reqwest::Client::builder()
            .user_agent(crate::http::USER_AGENT)
            .timeout(config.notify.timeout)
            .connect_timeout(config.notify.timeout)
            // a redirect could carry the URL's token to another host
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()?;
        Ok(Alerts {
            rules: config.alerts.clone(),
            accounts: config.accounts.clone(),
            notify: config.notify.clone(),
            secrets,
            client,
            pending: Mutex::new(Vec::new()),
        })
    }

    /// Whether any rule is configured.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Evaluates `check` on the blocking pool, records what fired, and starts
    /// delivering it in the background. Returns what fired (never waits for
    /// a delivery).
    pub async fn fire(self: &Arc<Self>, store: &Handle, check: Check) -> Vec<AlertRow> {
        if self.is_empty() {
            return Vec::new();
        }
        let this = Arc::clone(self);
        let fired = store
            .write(move |s| Ok(this.evaluate(s, &check)))
            .await
            .unwrap_or_default();
        for alert in &fired {
            tracing::info!(account = %alert.account, kind = %alert.kind, message = %alert.message, "alert fired");
            self.spawn_delivery(store, alert.clone());
        }
        fired
    }

    /// Evaluates `check` and records what fired; a history that cannot be
    /// read or written is logged and fires nothing.
    pub fn evaluate(&self, store: &mut Store, check: &Check) -> Vec<AlertRow> {
        let mut fired = Vec::new();
        let now = match check {
            Check::Sample { account, at } => {
                if let Some(account) = self.accounts.iter().find(|a| a.id == *account) {
                    match self.sample_alerts(store, account, *at) {
                        Ok(new) => fired.extend(self.record(store, new)),
                        Err(e) => {
                            tracing::warn!(account = %account.id, error = %e, "cannot evaluate alerts")
                        }
                    }
                }
                *at
            }
            Check::Stale(now) => *now,
            Check::Followed { account, scan, at } => {
                match self.follower_alerts(store, account, *scan) {
                    Ok(new) => fired.extend(self.record(store, new)),
                    Err(e) => {
                        tracing::warn!(account = %account, error = %e, "cannot evaluate follower alerts")
                    }
                }
                *at
            }
        };
        match self.stale_alerts(store, now) {
            Ok(new) => fired.extend(self.record(store, new)),
            Err(e) => tracing::warn!(error = %e, "cannot evaluate stale alerts"),
        }
        fired
    }

    fn record(&self, store: &mut Store, new: Vec<NewAlert>) -> Vec<AlertRow> {
        let mut fired = Vec::new();
        for alert in new {
            match store.insert_alert(&alert) {
                Ok(Some(row)) => fired.push(row),
                Ok(None) => {}
                Err(e) => tracing::warn!(key = %alert.key, error = %e, "cannot record an alert"),
            }
        }
        fired
    }

    /// Milestones and drops of `account`'s sample at `at`, if it is the latest.
    fn sample_alerts(
        &self,
        store: &Store,
        account: &Account,
        at: Timestamp,
    ) -> crate::store::Result<Vec<NewAlert>> {
        let rules: Vec<&AlertRule> = self
            .rules
            .iter()
            .filter(|r| {
                matches!(r.kind, AlertKind::Milestone | AlertKind::Drop) && r.watches(&account.id)
            })
            .collect();
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let id = &account.id;
        // only the newest sample fires, and only against the one before it
        let Some(new) = store.latest(id)? else {
            return Ok(Vec::new());
        };
        if new.at_ms != at.as_millisecond() {
            return Ok(Vec::new());
        }
        let before = crate::util::ts_ms(new.at_ms.saturating_sub(1));
        let Some(prev) = store.at_or_before(id, before)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for rule in rules {
            match rule.kind {
                AlertKind::Milestone => {
                    if let Some(m) = milestone_crossed(prev.followers, new.followers, &rule.at) {
                        out.push(NewAlert {
                            key: format!("milestone:{id}:{m}"),
                            account: id.clone(),
                            kind: AlertKind::Milestone.name().into(),
                            at_ms: new.at_ms,
                            value: Some(m),
                            message: clean(&format!(
                                "{} reached {} {}",
                                account.display_name(),
                                thousands(m),
                                account.metric()
                            )),
                        });
                    }
                }
                AlertKind::Drop => {
                    let within =
                        SignedDuration::try_from(rule.within).unwrap_or(SignedDuration::MAX);
                    let from = new.time().checked_sub(within).unwrap_or(Timestamp::MIN);
                    let Some(peak) = store.peak_between(id, from, new.time())? else {
                        continue;
                    };
                    if !dropped(peak.followers, new.followers, rule.percent, rule.count) {
                        continue;
                    }
                    let fall = peak.followers - new.followers;
                    let pct = if peak.followers > 0 {
                        fall as f64 * 100.0 / peak.followers as f64
                    } else {
                        0.0
                    };
                    out.push(NewAlert {
                        key: format!(
                            "drop:{id}:{}:{}",
                            peak.at_ms,
                            threshold(rule.percent, rule.count, rule.within)
                        ),
                        account: id.clone(),
                        kind: AlertKind::Drop.name().into(),
                        at_ms: new.at_ms,
                        value: Some(new.followers),
                        message: clean(&format!(
                            "{} fell {:.1}% ({} to {} {}) within {}",
                            account.display_name(),
                            pct,
                            thousands(peak.followers),
                            thousands(new.followers),
                            account.metric(),
                            format_duration(rule.within)
                        )),
                    });
                }
                AlertKind::Stale | AlertKind::Follower => {}
            }
        }
        Ok(out)
    }

    /// New followers of scan `scan` with at least a rule's `min_followers`
    /// followers (a follower whose count the list does not give fires only
    /// rules with `min_followers = 0`). One alert per follow event.
    fn follower_alerts(
        &self,
        store: &Store,
        id: &str,
        scan: i64,
    ) -> crate::store::Result<Vec<NewAlert>> {
        let Some(account) = self.accounts.iter().find(|a| a.id == id) else {
            return Ok(Vec::new());
        };
        let rules: Vec<&AlertRule> = self
            .rules
            .iter()
            .filter(|r| r.kind == AlertKind::Follower && r.watches(id))
            .collect();
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for e in store.followed_in_scan(scan)? {
            let enough = rules.iter().any(|r| {
                r.min_followers == 0 || e.who.followers.is_some_and(|n| n >= r.min_followers)
            });
            if !enough {
                continue;
            }
            let who = match &e.who.name {
                Some(n) => format!("{n} ({})", e.who.handle),
                None => e.who.handle.clone(),
            };
            let with = e
                .who
                .followers
                .map_or(String::new(), |n| format!(", {} followers,", thousands(n)));
            out.push(NewAlert {
                key: format!("follower:{id}:{}", e.id),
                account: id.to_string(),
                kind: AlertKind::Follower.name().into(),
                at_ms: e.at_ms,
                value: e.who.followers,
                message: clean(&format!("{who}{with} followed {}", account.display_name())),
            });
        }
        Ok(out)
    }

    /// Accounts watched by a stale rule whose latest good sample is older than
    /// the rule's `after` at `now`.
    fn stale_alerts(&self, store: &Store, now: Timestamp) -> crate::store::Result<Vec<NewAlert>> {
        let mut out = Vec::new();
        for rule in self.rules.iter().filter(|r| r.kind == AlertKind::Stale) {
            for account in self.accounts.iter().filter(|a| rule.watches(&a.id)) {
                let Some(last) = store.latest(&account.id)? else {
                    continue;
                };
                let silent = now.as_millisecond().saturating_sub(last.at_ms);
                if silent <= i64::try_from(rule.after.as_millis()).unwrap_or(i64::MAX) {
                    continue;
                }
                let key = format!("stale:{}:{}", account.id, last.at_ms);
                if out.iter().any(|a: &NewAlert| a.key == key) {
                    continue;
                }
                out.push(NewAlert {
                    key,
                    account: account.id.clone(),
                    kind: AlertKind::Stale.name().into(),
                    at_ms: now.as_millisecond(),
                    value: Some(last.followers),
                    message: clean(&format!(
                        "{}: no good sample for {} (last {} {} at {})",
                        account.display_name(),
                        format_duration(Duration::from_secs(
                            u64::try_from(silent / 1000).unwrap_or(0)
                        )),
                        thousands(last.followers),
                        account.metric(),
                        last.time().strftime("%Y-%m-%dT%H:%M:%SZ")
                    )),
                });
            }
        }
        Ok(out)
    }

    /// Starts delivering `alert` (command and webhook at once) in the
    /// background; failures are logged and kept with the alert.
    fn spawn_delivery(self: &Arc<Self>, store: &Handle, alert: AlertRow) {
        if self.notify.command.is_none() && self.notify.webhook.is_none() {
            return;
        }
        let (this, store) = (Arc::clone(self), store.clone());
        let handle = tokio::spawn(async move {
            let errors = this.deliver(&alert).await;
            if errors.is_empty() {
                return;
            }
            let text = errors.join("; ");
            tracing::warn!(account = %alert.account, kind = %alert.kind, error = %text, "alert delivery failed");
            let id = alert.id;
            if let Err(e) = store
                .write(move |s| s.set_alert_delivery_error(id, &text))
                .await
            {
                tracing::warn!(error = %e, "cannot record an alert's delivery error");
            }
        });
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.retain(|h| !h.is_finished());
        pending.push(handle);
    }

    /// Waits for the deliveries started so far, at most `bound`. Returns
    /// whether they all finished.
    pub async fn drain(&self, bound: Duration) -> bool {
        let handles: Vec<JoinHandle<()>> = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending.drain(..).collect()
        };
        tokio::time::timeout(bound, futures_util::future::join_all(handles))
            .await
            .is_ok()
    }

    /// Delivers one alert to the command and the webhook; returns what failed.
    pub async fn deliver(&self, alert: &AlertRow) -> Vec<String> {
        let command = async {
            let cmd = self.notify.command.clone()?;
            let alert = alert.clone();
            tokio::task::spawn_blocking(move || run_command(&cmd, &alert, COMMAND_TIMEOUT).err())
                .await
                .unwrap_or_else(|e| Some(format!("command: {e}")))
        };
        let webhook = async {
            let url = self.notify.webhook.as_deref()?;
            self.post_webhook(url, alert).await.err()
        };
        let (a, b) = tokio::join!(command, webhook);
        a.into_iter().chain(b).collect()
    }

    async fn post_webhook(&self, written: &str, alert: &AlertRow) -> Result<(), String> {
        let url = resolve_url(written, &*self.secrets)?;
        let (body, content_type) = webhook_body(self.notify.webhook_format, alert);
        let mut wait = WEBHOOK_BACKOFF;
        let mut last = String::new();
        for attempt in 1..=WEBHOOK_TRIES {
            if attempt > 1 {
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
            let sent = self
                .client
                .post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(resp) if resp.status().is_success() => return Ok(()),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    last = format!("HTTP {status}");
                    // the receiver refused it: trying again changes nothing
                    if (400..500).contains(&status) && status != 408 && status != 429 {
                        return Err(format!("webhook: {last}"));
                    }
                }
                Err(e) => last = describe_send_error(e, self.notify.timeout, url.as_str()),
            }
        }
        Err(format!("webhook: {last} ({WEBHOOK_TRIES} tries)"))
    }
}

/// The highest milestone in `(prev, now]`: among `at` when given, else the
/// round numbers 1, 2, 5 × 10^n. A fall crosses nothing.
pub fn milestone_crossed(prev: i64, now: i64, at: &[i64]) -> Option<i64> {
    if now <= prev {
        return None;
    }
    let m = if at.is_empty() {
        round_at_or_below(now)?
    } else {
        at.iter().copied().filter(|v| *v <= now).max()?
    };
    (m > prev).then_some(m)
}

/// The highest of 1, 2, 5 × 10^n that is at most `v`.
pub fn round_at_or_below(v: i64) -> Option<i64> {
    if v < 1 {
        return None;
    }
    let p = 10i64.pow(v.ilog10());
    let lead = v / p;
    Some(match lead {
        5.. => 5 * p,
        2..=4 => 2 * p,
        _ => p,
    })
}

/// Whether a fall from `peak` to `now` is at least `percent` of the peak or
/// at least `count`.
pub fn dropped(peak: i64, now: i64, percent: Option<f64>, count: Option<i64>) -> bool {
    let fall = peak - now;
    if fall <= 0 {
        return false;
    }
    let by_percent = percent.is_some_and(|p| peak > 0 && fall as f64 >= peak as f64 * p / 100.0);
    let by_count = count.is_some_and(|c| fall >= c);
    by_percent || by_count
}

/// A drop rule's threshold, for its event key: `2%`, `50`, or `2%|50`, and the window.
fn threshold(percent: Option<f64>, count: Option<i64>, within: Duration) -> String {
    let parts: Vec<String> = percent
        .map(|p| format!("{p}%"))
        .into_iter()
        .chain(count.map(|c| c.to_string()))
        .collect();
    format!("{}/{}s", parts.join("|"), within.as_secs())
}

/// The webhook URL with each `${VAR}` replaced from the secrets.
pub fn resolve_url(written: &str, secrets: &dyn Secrets) -> Result<reqwest::Url, String> {
    let names = crate::config::placeholders(written).map_err(|e| format!("webhook: {e}"))?;
    let mut url = written.to_string();
    for name in names {
        let Some(value) = secrets.get(&name) else {
            return Err(format!(
                "webhook: environment variable {name} is not set; not sent"
            ));
        };
        url = url.replace(&format!("${{{name}}}"), &value);
    }
    reqwest::Url::parse(&url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| "webhook: the URL is not an http(s) URL once its variables are set".into())
}

/// The body of a webhook request and its content type.
pub fn webhook_body(format: WebhookFormat, alert: &AlertRow) -> (String, &'static str) {
    const JSON: &str = "application/json";
    match format {
        WebhookFormat::Text => (alert.message.clone(), "text/plain; charset=utf-8"),
        WebhookFormat::Json => (
            serde_json::json!({
                "account": alert.account,
                "kind": alert.kind,
                "value": alert.value,
                "message": alert.message,
                "at": crate::util::ts_ms(alert.at_ms).to_string(),
            })
            .to_string(),
            JSON,
        ),
        WebhookFormat::Slack => (
            serde_json::json!({ "text": alert.message }).to_string(),
            JSON,
        ),
        WebhookFormat::Discord => (
            serde_json::json!({ "content": alert.message }).to_string(),
            JSON,
        ),
    }
}

/// A failed webhook request in a few words, with no URL in them.
fn describe_send_error(e: reqwest::Error, timeout: Duration, url: &str) -> String {
    if e.is_timeout() {
        return format!("timed out after {}", format_duration(timeout));
    }
    let connect = e.is_connect();
    let e = e.without_url();
    let mut cur: &(dyn std::error::Error + 'static) = &e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let root = cur.to_string().replace(url, "<webhook>");
    if connect {
        format!("cannot connect: {root}")
    } else {
        root
    }
}

/// Runs the notify command through `sh -c` (the user's own string), with the
/// alert only in the environment. Kills it after `timeout`.
pub fn run_command(command: &str, alert: &AlertRow, timeout: Duration) -> Result<(), String> {
    use std::process::{Command, Stdio};
    #[cfg(unix)]
    let mut cmd = {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        c
    };
    #[cfg(not(unix))]
    let mut cmd = {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(command);
        c
    };
    cmd.env("SOCIALTOP_ACCOUNT", &alert.account)
        .env("SOCIALTOP_KIND", &alert.kind)
        .env(
            "SOCIALTOP_VALUE",
            alert.value.map(|v| v.to_string()).unwrap_or_default(),
        )
        .env("SOCIALTOP_MESSAGE", &alert.message)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("command: cannot start: {e}"))?;
    // read what it says on stderr (a little of it) so it never blocks on a full pipe
    let (said_tx, said_rx) = std::sync::mpsc::channel();
    if let Some(mut pipe) = child.stderr.take() {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if kept.len() < 4096 {
                    kept.extend_from_slice(&buf[..n]);
                }
            }
            let _ = said_tx.send(kept);
        });
    }
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "command: still running after {}; killed",
                    format_duration(timeout)
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => break Err(format!("command: {e}")),
        }
    };
    // a child it left running may hold the pipe open: not waited for
    let said = said_rx
        .recv_timeout(Duration::from_millis(200))
        .map(|b| short(&String::from_utf8_lossy(&b), 200))
        .unwrap_or_default();
    match status? {
        s if s.success() => Ok(()),
        s => {
            let code = s
                .code()
                .map_or_else(|| "a signal".to_string(), |c| format!("status {c}"));
            if said.is_empty() {
                Err(format!("command exited with {code}"))
            } else {
                Err(format!("command exited with {code}: {said}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Counts;
    use crate::model::MapSecrets;
    use crate::store::Sample;

    #[test]
    fn round_milestones_are_1_2_5_times_powers_of_ten() {
        assert_eq!(round_at_or_below(0), None);
        assert_eq!(round_at_or_below(1), Some(1));
        assert_eq!(round_at_or_below(4), Some(2));
        assert_eq!(round_at_or_below(999), Some(500));
        assert_eq!(round_at_or_below(1_000), Some(1_000));
        assert_eq!(round_at_or_below(1_999), Some(1_000));
        assert_eq!(round_at_or_below(73_000), Some(50_000));
        assert_eq!(milestone_crossed(990, 1_010, &[]), Some(1_000));
        assert_eq!(milestone_crossed(1_000, 1_010, &[]), None);
        assert_eq!(milestone_crossed(1_010, 990, &[]), None);
        // a jump over several fires the highest
        assert_eq!(milestone_crossed(900, 2_100, &[]), Some(2_000));
        assert_eq!(milestone_crossed(0, 1, &[]), Some(1));
        // `at` replaces the round numbers
        assert_eq!(milestone_crossed(990, 1_010, &[1_005, 1_500]), Some(1_005));
        assert_eq!(milestone_crossed(990, 1_010, &[1_500]), None);
    }

    #[test]
    fn a_drop_is_a_percent_or_a_count_of_the_peak() {
        assert!(dropped(1_000, 980, Some(2.0), None));
        assert!(!dropped(1_000, 981, Some(2.0), None));
        assert!(dropped(1_000, 950, None, Some(50)));
        assert!(!dropped(1_000, 951, None, Some(50)));
        assert!(dropped(1_000, 951, Some(1.0), Some(100)));
        assert!(!dropped(1_000, 1_000, Some(0.0001), Some(1)));
        assert!(!dropped(0, 0, Some(1.0), None));
    }

    fn config(rules: &str, notify: &str) -> Config {
        Config::parse(
            &format!(
                "[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nmetric = \"followers\"\n\n[[accounts]]\nplatform = \"manual\"\nhandle = \"b\"\n{rules}\n{notify}"
            ),
            std::path::Path::new("c.toml"),
        )
        .unwrap()
    }

    const ALL_RULES: &str = "[[alerts]]\nkind = \"milestone\"\n[[alerts]]\nkind = \"drop\"\npercent = 5.0\nwithin = \"24h\"\n[[alerts]]\nkind = \"stale\"\naccounts = [\"manual:a\"]\nafter = \"1h\"\n";

    const T0: i64 = 1_700_000_000_000;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millisecond(T0 + ms).unwrap()
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Store,
        alerts: Alerts,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let c = config(ALL_RULES, "");
        let mut store = Store::open_dir(dir.path()).unwrap();
        store.sync_accounts(&c.accounts).unwrap();
        let alerts = Alerts::new(&c, Arc::new(MapSecrets::default())).unwrap();
        Fixture {
            _dir: dir,
            store,
            alerts,
        }
    }

    impl Fixture {
        /// A good poll of `id` at `ms` reading `n`.
        fn poll(&mut self, id: &str, ms: i64, n: i64) -> Vec<String> {
            let t = at(ms);
            self.store
                .record_success(
                    id,
                    Sample {
                        at_ms: t.as_millisecond(),
                        followers: n,
                        following: None,
                        posts: None,
                    },
                )
                .unwrap();
            let r = PollResult {
                account: id.into(),
                at: t,
                outcome: Outcome::Ok(Counts {
                    followers: n,
                    following: None,
                    posts: None,
                }),
            };
            self.keys(Check::poll(&r))
        }

        fn keys(&mut self, check: Check) -> Vec<String> {
            self.alerts
                .evaluate(&mut self.store, &check)
                .into_iter()
                .map(|a| a.key)
                .collect()
        }
    }

    #[test]
    fn crossing_dropping_and_going_silent_fire_once_each() {
        let mut f = fixture();
        let hour = 3_600_000;
        assert!(
            f.poll("manual:a", 0, 990).is_empty(),
            "a first sample crosses nothing"
        );
        assert_eq!(
            f.poll("manual:a", 60_000, 1_010),
            ["milestone:manual:a:1000"]
        );
        // back and forth over 1,000 fires nothing new
        assert!(f.poll("manual:a", 120_000, 999).is_empty());
        assert!(f.poll("manual:a", 180_000, 1_001).is_empty());
        // 5% below the peak (1,010 at 1 min) within 24h
        let drop = f.poll("manual:a", 240_000, 959);
        assert_eq!(drop, [format!("drop:manual:a:{}:5%/86400s", T0 + 60_000)]);
        // falling further in the same episode fires nothing new
        assert!(f.poll("manual:a", 300_000, 900).is_empty());
        // silence: an hour after the last sample fires once
        assert!(f.keys(Check::Stale(at(300_000 + hour))).is_empty());
        let stale = f.keys(Check::Stale(at(300_000 + hour + 1)));
        assert_eq!(stale, [format!("stale:manual:a:{}", T0 + 300_000)]);
        assert!(f.keys(Check::Stale(at(300_000 + 2 * hour))).is_empty());
        // the rule watches only manual:a
        f.poll("manual:b", 0, 5);
        assert!(f.keys(Check::Stale(at(10 * hour))).is_empty());
        let rows = f.store.alerts_since(Timestamp::MIN).unwrap();
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds, ["milestone", "drop", "stale"]);
        assert_eq!(rows[0].message, "a reached 1,000 followers");
        assert_eq!(
            rows[1].message,
            "a fell 5.0% (1,010 to 959 followers) within 1d"
        );
        assert!(
            rows[2].message.starts_with("a: no good sample for 1h"),
            "{}",
            rows[2].message
        );
    }

    #[test]
    fn a_sample_older_than_the_latest_fires_nothing() {
        let mut f = fixture();
        f.poll("manual:a", 1_000_000, 5_100);
        // backfill from 0 to 5,000 before the latest: nothing fires
        for (i, n) in [0, 10, 100, 1_000, 5_000].iter().enumerate() {
            let ms = i as i64 * 1_000;
            f.store
                .insert_sample(
                    "manual:a",
                    Sample {
                        at_ms: T0 + ms,
                        followers: *n,
                        following: None,
                        posts: None,
                    },
                )
                .unwrap();
            let r = PollResult {
                account: "manual:a".into(),
                at: at(ms),
                outcome: Outcome::Ok(Counts {
                    followers: *n,
                    following: None,
                    posts: None,
                }),
            };
            assert!(f.keys(Check::poll(&r)).is_empty(), "{n}");
        }
        // and the next poll compares with the latest, not with the backfill
        assert!(f.poll("manual:a", 1_060_000, 5_150).is_empty());
    }

    #[test]
    fn webhook_urls_take_secrets_and_bodies_follow_the_format() {
        let secrets = MapSecrets::new([("HOOK", "s3cret")]);
        let url = resolve_url("https://ntfy.example/${HOOK}?x=1", &secrets).unwrap();
        assert_eq!(url.as_str(), "https://ntfy.example/s3cret?x=1");
        let err = resolve_url("https://h/${MISSING}", &secrets).unwrap_err();
        assert!(err.contains("MISSING") && !err.contains("https"), "{err}");
        let alert = AlertRow {
            id: 1,
            key: "k".into(),
            account: "manual:a".into(),
            kind: "milestone".into(),
            at_ms: T0,
            value: Some(1_000),
            message: "a reached 1,000 followers".into(),
            delivery_error: None,
        };
        let (text, ct) = webhook_body(WebhookFormat::Text, &alert);
        assert_eq!(
            (text.as_str(), ct),
            ("a reached 1,000 followers", "text/plain; charset=utf-8")
        );
        let json: serde_json::Value =
            serde_json::from_str(&webhook_body(WebhookFormat::Json, &alert).0).unwrap();
        assert_eq!(json["account"], "manual:a");
        assert_eq!(json["value"], 1_000);
        assert_eq!(json["at"], "2023-11-14T22:13:20Z");
        let slack: serde_json::Value =
            serde_json::from_str(&webhook_body(WebhookFormat::Slack, &alert).0).unwrap();
        assert_eq!(
            slack,
            serde_json::json!({"text": "a reached 1,000 followers"})
        );
        let discord: serde_json::Value =
            serde_json::from_str(&webhook_body(WebhookFormat::Discord, &alert).0).unwrap();
        assert_eq!(
            discord,
            serde_json::json!({"content": "a reached 1,000 followers"})
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_command_gets_the_alert_in_its_environment_only() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let alert = AlertRow {
            id: 1,
            key: "k".into(),
            account: "manual:a".into(),
            kind: "drop".into(),
            at_ms: T0,
            value: Some(959),
            // outside text that a shell would run if it were pasted in
            message: "$(touch pwned); `touch pwned2`".into(),
            delivery_error: None,
        };
        let cmd = format!(
            "printf '%s|%s|%s|%s\\n' \"$SOCIALTOP_ACCOUNT\" \"$SOCIALTOP_KIND\" \"$SOCIALTOP_VALUE\" \"$SOCIALTOP_MESSAGE\" >> '{}'",
            out.display()
        );
        run_command(&cmd, &alert, Duration::from_secs(10)).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "manual:a|drop|959|$(touch pwned); `touch pwned2`\n"
        );
        assert!(!std::path::Path::new("pwned").exists());
        let err =
            run_command("echo nope >&2; exit 3", &alert, Duration::from_secs(10)).unwrap_err();
        assert_eq!(err, "command exited with status 3: nope");
        let err = run_command("sleep 5", &alert, Duration::from_millis(200)).unwrap_err();
        assert!(err.contains("killed"), "{err}");
    }
}
