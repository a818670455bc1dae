//! Alerts exactly once: the queue of polled samples the alert rules have not
//! looked at yet, alert rounds (one immediate transaction that reads the
//! queue, records what fired and empties it), and each alert's delivery state
//! per target, claimed by one process per try (see
//! `migrations/0010_deliveries.sql`).

use rusqlite::params;

use super::db::{Conn, DbResult, Optional};

use super::{ALERT_COLUMNS, AlertRow, NewAlert, Result, Sample, Store, alert_from_row};

/// Where an alert goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// `[notify] command`.
    Command,
    /// `[notify] webhook`.
    Webhook,
}

impl Target {
    pub const ALL: [Target; 2] = [Target::Command, Target::Webhook];

    pub fn name(self) -> &'static str {
        match self {
            Target::Command => "command",
            Target::Webhook => "webhook",
        }
    }
}

/// An alert's delivery, over its targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// Nothing to deliver: `[notify]` had neither a command nor a webhook
    /// when it fired (or it fired before delivery states were kept).
    #[default]
    None,
    /// A target has not been reached yet; it is tried again later.
    Pending,
    /// Every target took it.
    Delivered,
    /// A target refused it, or kept failing until the retries ran out.
    Failed,
}

impl Delivery {
    pub fn name(self) -> &'static str {
        match self {
            Delivery::None => "none",
            Delivery::Pending => "pending",
            Delivery::Delivered => "delivered",
            Delivery::Failed => "failed",
        }
    }
}

/// How one try went, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryOutcome {
    Delivered,
    /// Not this time: tried again at `next_ms`.
    Retry {
        error: String,
        next_ms: i64,
    },
    /// Failed for good.
    Failed(String),
}

/// A delivery claimed for one try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub alert: AlertRow,
    pub target: Target,
    /// Tries before this one.
    pub tries: i64,
    /// No try starts after this time.
    pub give_up_ms: i64,
}

/// A polled sample the alert rules have not looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    account_row: i64,
    pub account: String,
    pub at_ms: i64,
    /// `None` if the sample is gone.
    pub sample: Option<Sample>,
}

impl Store {
    /// Records a value a poll fetched earlier (one kept while the history
    /// could not be written): the sample, queued for the alert rules like a
    /// poll's; the poll state stays as it is.
    pub fn insert_polled(&mut self, key: &str, sample: Sample) -> Result<()> {
        let id = self.row(key)?;
        super::check_sample(key, &sample)?;
        self.write(&[id], |tx| {
            super::insert_sample(tx, id, &sample, crate::model::SampleSource::Polled)?;
            queue_sample(tx, id, sample.at_ms)
        })
    }

    /// Runs `f` in one immediate transaction (the write lock from its first
    /// read, so no other process records between what the rules read and
    /// what they record), and commits what it did; nothing of it if it
    /// fails. `f` answers whether it recorded an alert (the change counter
    /// moves then, so other views read the alerts again).
    pub fn alert_round<T>(&mut self, f: impl FnOnce(&Store) -> Result<(T, bool)>) -> Result<T> {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        self.conn.begin_write().map_err(|e| self.err(e))?;
        let out = f(self).and_then(|(v, changed)| {
            if changed {
                super::bump_generation(&self.conn, std::iter::empty()).map_err(|e| self.err(e))?;
            }
            Ok(v)
        });
        match out {
            Ok(v) => match self.conn.execute_batch("COMMIT") {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(self.err(e))
                }
            },
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Whether any polled sample waits for the alert rules.
    pub fn has_queued(&self) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT 1 FROM alert_queue LIMIT 1")
            .and_then(|mut s| s.exists(params![]))
            .map_err(|e| self.err(e))
    }

    /// Up to `limit` queued samples, each account's oldest first.
    pub fn queued_samples(&self, limit: usize) -> Result<Vec<Queued>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT q.account, a.key, q.at, s.at, s.followers, s.following, s.posts
                 FROM alert_queue q JOIN accounts a ON a.id = q.account
                 LEFT JOIN samples s ON s.account = q.account AND s.at = q.at
                 ORDER BY q.account, q.at LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            let sample = match r.get::<_, Option<i64>>(3)? {
                Some(at_ms) => Some(Sample {
                    at_ms,
                    followers: r.get(4)?,
                    following: r.get(5)?,
                    posts: r.get(6)?,
                }),
                None => None,
            };
            Ok(Queued {
                account_row: r.get(0)?,
                account: r.get(1)?,
                at_ms: r.get(2)?,
                sample,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    /// Takes a queued sample off the queue (inside an alert round).
    pub fn dequeue(&self, queued: &Queued) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM alert_queue WHERE account = ?1 AND at = ?2")
            .and_then(|mut s| s.execute(params![queued.account_row, queued.at_ms]))
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Inside an alert round: records `alert` unless its key fired before
    /// (here or in another process), with a pending delivery to each of
    /// `targets`, due at once and given up at `give_up_ms`. Returns the new
    /// row, or `None` if it had fired.
    pub fn record_alert(
        &self,
        alert: &NewAlert,
        targets: &[Target],
        now_ms: i64,
        give_up_ms: i64,
    ) -> Result<Option<AlertRow>> {
        let account = self.row(&alert.account)?;
        let run = || -> DbResult<Option<i64>> {
            let id: Option<i64> = self
                .conn
                .prepare_cached(
                    "INSERT INTO alerts (key, account, kind, at, value, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT DO NOTHING RETURNING id",
                )?
                .query_row(
                    params![
                        alert.key,
                        account,
                        alert.kind,
                        alert.at_ms,
                        alert.value,
                        alert.message
                    ],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(id) = id else {
                return Ok(None);
            };
            let mut add = self.conn.prepare_cached(
                "INSERT INTO deliveries (alert, target, next_at, give_up_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for t in targets {
                add.execute(params![id, t.name(), now_ms, give_up_ms])?;
            }
            Ok(Some(id))
        };
        let Some(id) = run().map_err(|e| self.err(e))? else {
            return Ok(None);
        };
        Ok(Some(AlertRow {
            id,
            key: alert.key.clone(),
            account: alert.account.clone(),
            kind: alert.kind.clone(),
            at_ms: alert.at_ms,
            value: alert.value,
            message: alert.message.clone(),
            delivery_error: None,
            delivery: if targets.is_empty() {
                Delivery::None
            } else {
                Delivery::Pending
            },
            tries: 0,
            next_try_ms: (!targets.is_empty()).then_some(now_ms),
            last_error: None,
        }))
    }

    /// Claims up to `limit` pending deliveries to `target` that are due at
    /// `now_ms` and not claimed by a live claim, for `me` until
    /// `until_ms`, oldest due first: in one statement, so two processes
    /// never claim the same one.
    pub fn claim_deliveries(
        &mut self,
        target: Target,
        me: &str,
        now_ms: i64,
        until_ms: i64,
        limit: usize,
    ) -> Result<Vec<Claimed>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.transaction(|tx| {
            let claimed: Vec<(i64, i64, i64)> = tx
                .prepare_cached(
                    "UPDATE deliveries SET claimed_by = ?1, claimed_until = ?2
                     WHERE (alert, target) IN (
                         SELECT alert, target FROM deliveries
                         WHERE state = 'pending' AND target = ?3 AND next_at <= ?4
                           AND (claimed_until IS NULL OR claimed_until <= ?4)
                         ORDER BY next_at LIMIT ?5)
                     RETURNING alert, tries, give_up_at",
                )?
                .query_map(params![me, until_ms, target.name(), now_ms, limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<DbResult<_>>()?;
            let sql = format!("SELECT {ALERT_COLUMNS} WHERE al.id = ?1");
            let mut read = tx.prepare_cached(&sql)?;
            let mut out = Vec::with_capacity(claimed.len());
            for (id, tries, give_up_ms) in claimed {
                let alert = read.query_row(params![id], alert_from_row)?;
                out.push(Claimed {
                    alert,
                    target,
                    tries,
                    give_up_ms,
                });
            }
            out.sort_by_key(|c| c.alert.id);
            Ok(out)
        })
    }

    /// Records how a try of alert `id`'s delivery to `target` went, and
    /// lets go of its claim. A delivery that is no longer pending (another
    /// process's try finished first) stays as it is.
    pub fn finish_delivery(
        &mut self,
        id: i64,
        target: Target,
        now_ms: i64,
        outcome: &TryOutcome,
    ) -> Result<()> {
        self.transaction(|tx| {
            match outcome {
                TryOutcome::Delivered => tx.execute(
                    "UPDATE deliveries SET state = 'delivered', tries = tries + 1, error = NULL,
                     claimed_by = NULL, claimed_until = NULL, done_at = ?3
                     WHERE alert = ?1 AND target = ?2 AND state = 'pending'",
                    params![id, target.name(), now_ms],
                )?,
                TryOutcome::Retry { error, next_ms } => tx.execute(
                    "UPDATE deliveries SET tries = tries + 1, error = ?3, next_at = ?4,
                     claimed_by = NULL, claimed_until = NULL
                     WHERE alert = ?1 AND target = ?2 AND state = 'pending'",
                    params![id, target.name(), error, next_ms],
                )?,
                TryOutcome::Failed(error) => {
                    let n = tx.execute(
                        "UPDATE deliveries SET state = 'failed', tries = tries + 1, error = ?3,
                         claimed_by = NULL, claimed_until = NULL, done_at = ?4
                         WHERE alert = ?1 AND target = ?2 AND state = 'pending'",
                        params![id, target.name(), error, now_ms],
                    )?;
                    if n == 1 {
                        tx.execute(
                            "UPDATE alerts SET delivery_error = CASE WHEN delivery_error IS NULL THEN ?2
                             ELSE delivery_error || '; ' || ?2 END WHERE id = ?1",
                            params![id, error],
                        )?;
                    }
                    n
                }
            };
            Ok(())
        })
    }

    /// When the next pending delivery that `me` is not trying now is due:
    /// one claimed by another process counts from the end of its claim when
    /// `others`, else not at all.
    pub fn next_delivery_due(&self, me: &str, now_ms: i64, others: bool) -> Result<Option<i64>> {
        self.conn
            .prepare_cached(
                "SELECT min(CASE WHEN claimed_until > ?2 THEN max(next_at, claimed_until) ELSE next_at END)
                 FROM deliveries
                 WHERE state = 'pending'
                   AND NOT (coalesce(claimed_until, 0) > ?2 AND claimed_by IS NOT DISTINCT FROM ?1)
                   AND (?3 OR claimed_until IS NULL OR claimed_until <= ?2)",
            )
            .and_then(|mut s| s.query_row(params![me, now_ms, others], |r| r.get(0)))
            .map_err(|e| self.err(e))
    }

    /// How many pending deliveries are due at `now_ms` with no live claim.
    pub fn due_deliveries(&self, now_ms: i64) -> Result<usize> {
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM deliveries WHERE state = 'pending' AND next_at <= ?1
                 AND (claimed_until IS NULL OR claimed_until <= ?1)",
            )
            .and_then(|mut s| s.query_row(params![now_ms], |r| r.get::<_, i64>(0)))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|e| self.err(e))
    }
}

/// Queues the sample of account row `id` at `at` for the alert rules.
pub(super) fn queue_sample(conn: &Conn, id: i64, at: i64) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO alert_queue (account, at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?
    .execute(params![id, at])
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, PlatformKind};
    use crate::store::testing::places;

    fn alert(key: &str) -> NewAlert {
        NewAlert {
            key: key.into(),
            account: "github:a".into(),
            kind: "milestone".into(),
            at_ms: 1_000,
            value: Some(1_000),
            message: "a reached 1,000 followers".into(),
        }
    }

    fn open(place: &crate::store::testing::Place) -> Store {
        let mut s = place.open().unwrap();
        s.sync_accounts(&[Account::new(PlatformKind::Github, "a")])
            .unwrap();
        s
    }

    fn record(s: &mut Store, key: &str, targets: &[Target]) -> AlertRow {
        s.alert_round(|s| Ok((s.record_alert(&alert(key), targets, 0, 10_000)?, true)))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn a_delivery_is_claimed_by_one_process_until_its_claim_runs_out() {
        for dir in places() {
            let (mut one, mut two) = (open(&dir), open(&dir));
            let a = record(&mut one, "k1", &[Target::Webhook, Target::Command]);
            assert!(
                record_again(&mut two, "k1"),
                "a key fires once, whoever records it"
            );
            let got = one
                .claim_deliveries(Target::Webhook, "one", 0, 100, 4)
                .unwrap();
            assert_eq!(got.len(), 1);
            assert_eq!((got[0].alert.id, got[0].tries), (a.id, 0));
            assert_eq!(got[0].alert.delivery, Delivery::Pending);
            // the other process finds it claimed, until the claim runs out
            assert!(
                two.claim_deliveries(Target::Webhook, "two", 50, 150, 4)
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(two.next_delivery_due("two", 50, true).unwrap(), Some(0));
            assert_eq!(two.next_delivery_due("two", 50, false).unwrap(), Some(0));
            let webhook_due = |s: &Store, now| {
                s.conn
                .query_row(
                    "SELECT count(*) FROM deliveries WHERE target = 'webhook' AND (claimed_until IS NULL OR claimed_until <= ?1)",
                    params![now],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
            };
            assert_eq!(webhook_due(&two, 50), 0);
            assert_eq!(webhook_due(&two, 100), 1);
            let again = two
                .claim_deliveries(Target::Webhook, "two", 100, 200, 4)
                .unwrap();
            assert_eq!(again.len(), 1, "a killed process's claim runs out");
            // a try that fails is tried again later; the state says so
            two.finish_delivery(
                a.id,
                Target::Webhook,
                120,
                &TryOutcome::Retry {
                    error: "webhook: HTTP 503".into(),
                    next_ms: 1_120,
                },
            )
            .unwrap();
            let row = &one.recent_alerts(1).unwrap()[0];
            assert_eq!(row.delivery, Delivery::Pending);
            assert_eq!(row.tries, 1);
            assert_eq!(row.last_error.as_deref(), Some("webhook: HTTP 503"));
            assert_eq!(row.next_try_ms, Some(0), "the command is due at once");
            assert!(row.delivery_error.is_none());
            assert!(
                one.claim_deliveries(Target::Webhook, "one", 1_000, 1_100, 4)
                    .unwrap()
                    .is_empty(),
                "not before its next try"
            );
            // the command delivers, the webhook fails for good
            let cmd = one
                .claim_deliveries(Target::Command, "one", 1_000, 1_100, 4)
                .unwrap();
            one.finish_delivery(a.id, Target::Command, 1_010, &TryOutcome::Delivered)
                .unwrap();
            assert_eq!(cmd.len(), 1);
            one.claim_deliveries(Target::Webhook, "one", 1_200, 1_300, 4)
                .unwrap();
            one.finish_delivery(
                a.id,
                Target::Webhook,
                1_210,
                &TryOutcome::Failed("webhook: HTTP 404".into()),
            )
            .unwrap();
            let row = &two.recent_alerts(1).unwrap()[0];
            assert_eq!(row.delivery, Delivery::Failed);
            assert_eq!(row.tries, 3);
            assert_eq!(row.delivery_error.as_deref(), Some("webhook: HTTP 404"));
            assert_eq!(row.next_try_ms, None);
            // a late outcome of a try another process also made changes nothing
            two.finish_delivery(a.id, Target::Webhook, 1_300, &TryOutcome::Delivered)
                .unwrap();
            assert_eq!(two.recent_alerts(1).unwrap()[0].delivery, Delivery::Failed);
            assert_eq!(one.next_delivery_due("one", 2_000, true).unwrap(), None);
        }
    }

    fn record_again(s: &mut Store, key: &str) -> bool {
        s.alert_round(|s| {
            Ok((
                s.record_alert(&alert(key), &[Target::Webhook], 0, 1)?,
                false,
            ))
        })
        .unwrap()
        .is_none()
    }

    #[test]
    fn an_alert_with_nowhere_to_go_is_none_and_all_delivered_is_delivered() {
        for dir in places() {
            let mut s = open(&dir);
            let quiet = record(&mut s, "k1", &[]);
            assert_eq!(quiet.delivery, Delivery::None);
            let sent = record(&mut s, "k2", &[Target::Webhook]);
            let got = s.claim_deliveries(Target::Webhook, "me", 0, 10, 1).unwrap();
            assert_eq!(got.len(), 1);
            s.finish_delivery(sent.id, Target::Webhook, 5, &TryOutcome::Delivered)
                .unwrap();
            let rows = s.recent_alerts(2).unwrap();
            assert_eq!(
                rows.iter()
                    .map(|r| (r.delivery, r.tries))
                    .collect::<Vec<_>>(),
                [(Delivery::Delivered, 1), (Delivery::None, 0)]
            );
            assert_eq!(s.due_deliveries(100).unwrap(), 0);
        }
    }

    #[test]
    fn a_round_that_fails_records_nothing_and_keeps_the_queue() {
        for dir in places() {
            let mut s = open(&dir);
            let sample = Sample {
                at_ms: 1_700_000_000_000,
                followers: 5,
                following: None,
                posts: None,
            };
            s.record_success("github:a", sample).unwrap();
            let failed: Result<()> = s.alert_round(|s| {
                for q in s.queued_samples(10)? {
                    s.dequeue(&q)?;
                }
                s.record_alert(&alert("k"), &[Target::Webhook], 0, 1)?;
                Err(crate::store::StoreError::OutOfBounds("boom".into()))
            });
            assert!(failed.is_err());
            assert!(s.has_queued().unwrap());
            assert!(s.recent_alerts(5).unwrap().is_empty());
            let queued = s.queued_samples(10).unwrap();
            assert_eq!(queued.len(), 1);
            assert_eq!(queued[0].sample, Some(sample));
        }
    }
}
