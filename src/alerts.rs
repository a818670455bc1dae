//! Alerts: milestones, sudden drops and silent accounts, from the `[[alerts]]`
//! rules of the config, delivered through `[notify]`, each exactly once as far
//! as a crash allows.
//!
//! - **What fires is derived from the history.** A poll records its sample and
//!   queues it for the rules in one transaction ([`Store::record_success`]).
//!   Evaluation ([`Alerts::fire`]) runs where poll results are handled
//!   (`poll --once` after its polls; `poll` and the dashboard after each poll
//!   and every minute) in one immediate transaction: it takes every queued
//!   sample, whichever process wrote it, compares each with the sample before
//!   it in the history, records what fired with a pending delivery per
//!   target, and empties the queue. A poll stopped between its sample and its
//!   alerts leaves the sample queued for the next process; pollers running at
//!   once each compare a sample with its predecessor, never with "the sample
//!   this process wrote", so equal values written by two of them cannot hide
//!   a crossing. The rules of kind `stale` look at every account's latest
//!   sample.
//! - Samples written by `record`, imports and the demo are not queued: a year
//!   of backfill fires nothing, and an account's first sample crosses nothing.
//! - Each event has a key (`milestone:<account>:<value>`,
//!   `drop:<account>:<peak time>:<threshold>`, `stale:<account>:<last sample
//!   time>`) that the store keeps unique, so an event fires once across polls,
//!   restarts and processes; a count going back and forth over a milestone
//!   keeps its key.
//! - Delivery ([`deliver`]) reads the delivery states from the history, so any
//!   process delivers what another left pending.

pub mod deliver;

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

pub use deliver::{Deliverer, Report, TryDone};

use crate::config::{AlertKind, AlertRule, Config, WebhookFormat};

use crate::model::Account;
use crate::model::Sample;
use crate::model::Secrets;
use crate::store::{AlertRow, Handle, NewAlert, Store, Target};
use crate::text::{clean, short};
use crate::util::{format_duration, thousands};

/// How many queued samples one round takes: the write lock is held for one
/// round at a time.
const ROUND: usize = 500;

/// The rules, the accounts they watch, and where alerts go.
pub struct Alerts {
    rules: Vec<AlertRule>,
    accounts: Vec<Account>,
    /// Where a new alert is to be delivered (from `[notify]`).
    targets: Vec<Target>,
}

impl Alerts {
    pub fn new(config: &Config) -> Alerts {
        let targets = Target::ALL
            .into_iter()
            .filter(|t| match t {
                Target::Command => config.notify.command.is_some(),
                Target::Webhook => config.notify.webhook.is_some(),
            })
            .collect();
        Alerts {
            rules: config.alerts.clone(),
            accounts: config.accounts.clone(),
            targets,
        }
    }

    /// Evaluates what is queued, and the silences at `now`, on the store's
    /// writer; returns what fired (recorded, its deliveries pending). A
    /// history that cannot be read or written fires nothing now: what is
    /// queued stays queued for the next time.
    pub async fn fire(
        self: &Arc<Self>,
        store: &Handle,
        now: Timestamp,
    ) -> crate::store::Result<Vec<AlertRow>> {
        let this = Arc::clone(self);
        let fired = store.write(move |s| this.evaluate(s, now)).await;
        match &fired {
            Ok(fired) => {
                for alert in fired {
                    tracing::info!(account = %alert.account, kind = %alert.kind, message = %alert.message, "alert fired");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot evaluate alerts; the samples stay queued"),
        }
        fired
    }

    /// The follower rules over scan `scan` of `account` (its new followers),
    /// recorded with their deliveries pending, in one immediate transaction.
    pub async fn fire_followed(
        self: &Arc<Self>,
        store: &Handle,
        account: String,
        scan: i64,
        now: Timestamp,
    ) -> crate::store::Result<Vec<AlertRow>> {
        let this = Arc::clone(self);
        store
            .write(move |s| {
                let new = this.follower_alerts(s, &account, scan)?;
                if new.is_empty() {
                    return Ok(Vec::new());
                }
                let now_ms = now.as_millisecond();
                let give_up = now_ms.saturating_add(
                    i64::try_from(deliver::GIVE_UP_AFTER.as_millis()).unwrap_or(i64::MAX),
                );
                s.alert_round(|s| {
                    let mut out = Vec::new();
                    for n in &new {
                        out.extend(s.record_alert(n, &this.targets, now_ms, give_up)?);
                    }
                    let changed = !out.is_empty();
                    Ok((out, changed))
                })
            })
            .await
    }

    /// Takes every queued sample and the silences at `now` through the
    /// rules, in rounds of one immediate transaction each.
    pub fn evaluate(
        &self,
        store: &mut Store,
        now: Timestamp,
    ) -> crate::store::Result<Vec<AlertRow>> {
        // the usual case, nothing queued and no new silence, takes no lock
        if !store.has_queued()? {
            let mut new_silence = false;
            for a in self.stale_alerts(store, now)? {
                if !store.alert_fired(&a.key)? {
                    new_silence = true;
                    break;
                }
            }
            if !new_silence {
                return Ok(Vec::new());
            }
        }
        let now_ms = now.as_millisecond();
        let give_up = now_ms
            .saturating_add(i64::try_from(deliver::GIVE_UP_AFTER.as_millis()).unwrap_or(i64::MAX));
        let mut fired = Vec::new();
        loop {
            let (batch, more) = store.alert_round(|s| {
                let queued = s.queued_samples(ROUND)?;
                let mut out = Vec::new();
                for q in &queued {
                    let account = self.accounts.iter().find(|a| a.id == q.account);
                    // an account no longer configured (or not known to this
                    // connection) fires nothing, and its samples leave the queue
                    if let (Some(account), Some(sample)) = (account, q.sample)
                        && s.knows(&account.id)
                    {
                        for new in self.sample_alerts(s, account, &sample)? {
                            out.extend(s.record_alert(&new, &self.targets, now_ms, give_up)?);
                        }
                    }
                    s.dequeue(q)?;
                }
                let more = queued.len() == ROUND;
                if !more {
                    for new in self.stale_alerts(s, now)? {
                        out.extend(s.record_alert(&new, &self.targets, now_ms, give_up)?);
                    }
                }
                let changed = !out.is_empty();
                Ok(((out, more), changed))
            })?;
            fired.extend(batch);
            if !more {
                return Ok(fired);
            }
        }
    }

    /// Milestones and drops of `account`'s sample `new`, compared with the
    /// sample before it in the history.
    fn sample_alerts(
        &self,
        store: &Store,
        account: &Account,
        new: &Sample,
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
                if !store.knows(&account.id) {
                    continue;
                }
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
                        crate::util::utc_time(last.time())
                    )),
                });
            }
        }
        Ok(out)
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
        // the event key: a command can drop a repeat by it
        .env("SOCIALTOP_KEY", &alert.key)
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
    use crate::model::MapSecrets;

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

    fn sample(ms: i64, n: i64) -> Sample {
        Sample {
            at_ms: T0 + ms,
            followers: n,
            following: None,
            posts: None,
        }
    }

    struct Fixture {
        dir: tempfile::TempDir,
        store: Store,
        alerts: Alerts,
    }

    fn fixture() -> Fixture {
        fixture_with("")
    }

    fn fixture_with(notify: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let c = config(ALL_RULES, notify);
        let mut store = Store::open_dir(dir.path()).unwrap();
        store.sync_accounts(&c.accounts).unwrap();
        let alerts = Alerts::new(&c);
        Fixture { dir, store, alerts }
    }

    impl Fixture {
        /// A good poll of `id` at `ms` reading `n`, then the rules.
        fn poll(&mut self, id: &str, ms: i64, n: i64) -> Vec<String> {
            self.store.record_success(id, sample(ms, n)).unwrap();
            self.keys(at(ms))
        }

        fn keys(&mut self, now: Timestamp) -> Vec<String> {
            self.alerts
                .evaluate(&mut self.store, now)
                .unwrap()
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
        assert!(f.keys(at(300_000 + hour)).is_empty());
        let stale = f.keys(at(300_000 + hour + 1));
        assert_eq!(stale, [format!("stale:manual:a:{}", T0 + 300_000)]);
        assert!(f.keys(at(300_000 + 2 * hour)).is_empty());
        // the rule watches only manual:a
        f.poll("manual:b", 0, 5);
        assert!(f.keys(at(10 * hour)).is_empty());
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
        // no [notify]: nothing to deliver
        assert!(
            rows.iter()
                .all(|r| r.delivery == crate::store::Delivery::None)
        );
    }

    #[test]
    fn a_sample_older_than_the_latest_fires_nothing() {
        let mut f = fixture();
        f.poll("manual:a", 1_000_000, 5_100);
        // backfill from 0 to 5,000 before the latest: nothing fires
        for (i, n) in [0, 10, 100, 1_000, 5_000].iter().enumerate() {
            let ms = i as i64 * 1_000;
            f.store.insert_sample("manual:a", sample(ms, *n)).unwrap();
            assert!(f.keys(at(ms)).is_empty(), "{n}");
        }
        // and the next poll compares with the latest, not with the backfill
        assert!(f.poll("manual:a", 1_060_000, 5_150).is_empty());
    }

    #[test]
    fn samples_recorded_but_not_yet_evaluated_fire_later_from_any_connection() {
        let mut f = fixture_with("[notify]\nwebhook = \"http://127.0.0.1:9/h\"\n");
        f.poll("manual:a", 0, 990);
        // a poll stopped after recording its samples, before the rules ran
        f.store
            .record_success("manual:a", sample(60_000, 1_010))
            .unwrap();
        f.store
            .record_success("manual:a", sample(120_000, 2_100))
            .unwrap();
        // a value kept while the history could not be written, written late
        f.store
            .insert_polled("manual:a", sample(90_000, 1_500))
            .unwrap();
        // another process (another connection) finds them
        let mut other = Store::open_dir(f.dir.path()).unwrap();
        other
            .sync_accounts(&config(ALL_RULES, "").accounts)
            .unwrap();
        let fired = f.alerts.evaluate(&mut other, at(130_000)).unwrap();
        let keys: Vec<&str> = fired.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(
            keys,
            ["milestone:manual:a:1000", "milestone:manual:a:2000"],
            "990 → 1,010 → 1,500 → 2,100"
        );
        assert!(
            fired
                .iter()
                .all(|a| a.delivery == crate::store::Delivery::Pending)
        );
        assert!(f.keys(at(130_000)).is_empty(), "and only once");
        assert!(!f.store.has_queued().unwrap());
    }

    #[test]
    fn equal_values_written_by_pollers_at_once_do_not_hide_a_crossing() {
        let mut f = fixture();
        f.poll("manual:a", 0, 990);
        // three processes record 1,010 a moment apart; each evaluates after
        // all three are written
        for ms in [1_000, 1_001, 1_002] {
            f.store
                .record_success("manual:a", sample(ms, 1_010))
                .unwrap();
        }
        assert_eq!(f.keys(at(2_000)), ["milestone:manual:a:1000"]);
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
            ..AlertRow::default()
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
            ..AlertRow::default()
        };
        let cmd = format!(
            "printf '%s|%s|%s|%s|%s\\n' \"$SOCIALTOP_ACCOUNT\" \"$SOCIALTOP_KIND\" \"$SOCIALTOP_VALUE\" \"$SOCIALTOP_MESSAGE\" \"$SOCIALTOP_KEY\" >> '{}'",
            out.display()
        );
        run_command(&cmd, &alert, Duration::from_secs(10)).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "manual:a|drop|959|$(touch pwned); `touch pwned2`|k\n"
        );
        assert!(!std::path::Path::new("pwned").exists());
        let err =
            run_command("echo nope >&2; exit 3", &alert, Duration::from_secs(10)).unwrap_err();
        assert_eq!(err, "command exited with status 3: nope");
        let err = run_command("sleep 5", &alert, Duration::from_millis(200)).unwrap_err();
        assert!(err.contains("killed"), "{err}");
    }
}
