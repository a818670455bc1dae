//! Moving a whole history from one engine to the other (`socialtop migrate
//! --to`): every table, row for row, into an empty history, in one
//! transaction on the target (all or nothing), with progress.

use rusqlite::params;
use rusqlite::types::Value;

use super::db::{Conn, DbResult};
use super::{Result, Store, StoreError};

/// The tables a history is made of, parents first, with the columns both
/// engines have. Left out: what only lasts a moment (the lease, poll claims)
/// and SQLite's kept answers (`effort` works them out again); the change
/// counter is set, not copied.
const TABLES: &[(&str, &[&str])] = &[
    (
        "accounts",
        &[
            "id", "key", "platform", "handle", "label", "metric", "changed",
        ],
    ),
    (
        "samples",
        &["account", "at", "followers", "following", "posts", "source"],
    ),
    ("poll_failures", &["account", "at", "error"]),
    (
        "account_state",
        &["account", "checked_at", "failures", "error", "error_at"],
    ),
    ("host_holds", &["host", "until", "reason"]),
    (
        "time_entries",
        &[
            "id",
            "account",
            "start",
            "seconds",
            "source",
            "note",
            "external_id",
            "person",
        ],
    ),
    ("timers", &["person", "account", "started"]),
    ("remote_ids", &["account", "remote_id"]),
    (
        "alerts",
        &[
            "id",
            "key",
            "account",
            "kind",
            "at",
            "value",
            "message",
            "delivery_error",
        ],
    ),
    ("alert_queue", &["account", "at"]),
    (
        "deliveries",
        &[
            "alert",
            "target",
            "state",
            "tries",
            "next_at",
            "give_up_at",
            "claimed_by",
            "claimed_until",
            "error",
            "done_at",
        ],
    ),
    (
        "followers_current",
        &["account", "person", "handle", "name", "followers", "since"],
    ),
    (
        "follower_scans",
        &[
            "id",
            "account",
            "started",
            "cursor",
            "pages",
            "resume_after",
            "note",
            "finished",
            "outcome",
        ],
    ),
    (
        "follower_events",
        &[
            "id",
            "account",
            "at",
            "kind",
            "person",
            "handle",
            "name",
            "followers",
            "reason",
            "scan",
        ],
    ),
    (
        "follower_staging",
        &["scan", "person", "handle", "name", "followers"],
    ),
    ("backfill_progress", &["account", "cursor", "state", "at"]),
];

/// Tables whose `id` PostgreSQL numbers itself: after a copy its counter
/// goes on from the largest copied.
const NUMBERED: &[&str] = &[
    "accounts",
    "time_entries",
    "alerts",
    "follower_scans",
    "follower_events",
];

/// Rows written to the target at a time.
const CHUNK: usize = 5_000;

/// What a copy moved: rows per table, in [`TABLES`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
}

impl Copied {
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    }
}

impl Store {
    /// Copies this whole history into `target`, which must hold none yet,
    /// in one transaction on the target: a copy that fails leaves it as it
    /// was. `progress(table, done, total)` hears how far it is (rows of all
    /// tables), after each chunk.
    pub fn copy_into(
        &self,
        target: &mut Store,
        mut progress: impl FnMut(&str, u64, u64),
    ) -> Result<Copied> {
        let source_err = |e| self.err(e);
        let accounts: i64 = target
            .conn
            .query_row("SELECT count(*) FROM accounts", params![], |r| r.get(0))
            .map_err(|e| target.err(e))?;
        if accounts > 0 {
            return Err(StoreError::OutOfBounds(format!(
                "{} already holds a history ({accounts} accounts); migrate copies into an empty one only",
                target.path.display()
            )));
        }
        // one snapshot of the source, so the copy is of one moment
        let own = self.conn.is_autocommit();
        if own {
            self.conn.begin_read().map_err(source_err)?;
        }
        let counted = (|| {
            let mut totals = Vec::new();
            for (table, _) in TABLES {
                let n: i64 = self.conn.query_row(
                    &format!("SELECT count(*) FROM {table}"),
                    params![],
                    |r| r.get(0),
                )?;
                totals.push(u64::try_from(n).unwrap_or(0));
            }
            let generation: i64 =
                self.conn
                    .query_row("SELECT n FROM generation WHERE id = 1", params![], |r| {
                        r.get(0)
                    })?;
            Ok::<_, super::DbError>((totals, generation))
        })();
        let out = counted
            .map_err(source_err)
            .and_then(|(totals, generation)| {
                let total: u64 = totals.iter().sum();
                let path = target.path.clone();
                let target_conn = &target.conn;
                let mut done = 0u64;
                let mut copied = Copied::default();
                target_conn
                    .write_tx(|tx| {
                        for (table, columns) in TABLES {
                            let n = copy_table(&self.conn, tx, table, columns, |rows| {
                                done += rows;
                                progress(table, done, total);
                            })?;
                            copied.tables.push((table, n));
                        }
                        tx.execute(
                            "UPDATE generation SET n = ?1 WHERE id = 1",
                            params![generation],
                        )?;
                        if tx.is_pg() {
                            for table in NUMBERED {
                                tx.query_row(
                                    &format!(
                                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                         coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                                    ),
                                    params![],
                                    |_| Ok(()),
                                )?;
                            }
                        }
                        Ok(())
                    })
                    .map_err(|e| super::classify(&path, e))?;
                Ok(copied)
            });
        if own && self.conn.execute_batch("COMMIT").is_err() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        let copied = out?;
        target.load_ids()?;
        Ok(copied)
    }
}

/// Copies one table, `CHUNK` rows at a time; returns the rows copied.
fn copy_table(
    from: &Conn,
    to: &Conn,
    table: &str,
    columns: &[&str],
    mut moved: impl FnMut(u64),
) -> DbResult<u64> {
    let list = columns.join(", ");
    let mut stmt = from.prepare(&format!("SELECT {list} FROM {table}"))?;
    let mut chunk: Vec<Vec<Value>> = Vec::with_capacity(CHUNK);
    let mut n = 0u64;
    stmt.for_each(
        params![],
        |e| e,
        |r| {
            let row = (0..columns.len())
                .map(|i| r.get::<usize, Value>(i))
                .collect::<DbResult<Vec<_>>>()?;
            chunk.push(row);
            if chunk.len() == CHUNK {
                to.insert_rows(table, columns, &chunk)?;
                n += chunk.len() as u64;
                moved(chunk.len() as u64);
                chunk.clear();
            }
            Ok(())
        },
    )?;
    if !chunk.is_empty() {
        to.insert_rows(table, columns, &chunk)?;
        n += chunk.len() as u64;
        moved(chunk.len() as u64);
    }
    Ok(n)
}
