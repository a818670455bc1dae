//! The history: one SQLite file in the data dir (WAL mode), or a PostgreSQL
//! database (`database_url`, see [`db`]); versioned migrations for each.
//!
//! Tables:
//! - `accounts`: one row per account id ever configured (history outlives config).
//! - `samples`: every good reading, keyed `(account, at)`; `WITHOUT ROWID` so the
//!   primary key *is* the storage order and "latest before T" is one B-tree seek.
//! - `poll_failures`: every failed poll. A poll's outcome is a sample or a failure.
//! - `account_state`: per-account scheduling state (last attempt, consecutive
//!   failures, last error) so restarts and cron runs keep backoff.
//! - `host_holds`: "do not call this host before T" from rate limits, shared by
//!   every process on the data dir.
//! - `alerts`: every alert that fired, unique by its event key, so that no
//!   event fires twice across polls, restarts and processes.
//! - `alert_queue`: polled samples the alert rules have not looked at yet,
//!   written with the sample; `deliveries`: each alert's delivery state per
//!   target (see [`deliveries`]).
//! - `backfill_progress`: where a backfill stopped by a rate limit goes on.
//!
//! Every sample keeps its [`SampleSource`] (`samples.source`, a code).
//! - `followers_current`, `follower_events`, `follower_scans`,
//!   `follower_staging`: who follows, and every change (see `people.rs`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode, params};

use db::{Conn, DbError, DbResult, Optional, Row};

use crate::model::{Account, AccountState, Sample, SampleSource, TimeEntry};

mod copy;
pub mod db;
pub mod deliveries;
mod people;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
mod worker;
pub use db::DatabaseUrl;
pub use deliveries::{Claimed, Delivery, Queued, Target, TryOutcome};
pub use people::{RunningScan, ScanDiff, ScanState};
pub use worker::{Handle, Worker};

/// A sample an import brings for an `(account, time)` that already has
/// other counts (in the history, or from an earlier row of the import).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportConflict {
    /// The input line that brought it.
    pub line: u64,
    /// Its account, as an index into the keys given.
    pub key: usize,
    /// The import's sample, and the one already there.
    pub ours: Sample,
    pub theirs: Sample,
}

/// Where a history lives: the SQLite file in a data dir, or a PostgreSQL
/// database (`database_url`).
#[derive(Debug, Clone)]
pub enum Location {
    Dir(PathBuf),
    Url(DatabaseUrl),
}

impl Location {
    /// Calls `on_change` whenever another connection writes, for a history
    /// that says so (PostgreSQL's `LISTEN`); `None` for one that does not (a
    /// data dir: its change counter is read instead).
    pub fn listen(&self, on_change: impl Fn() + Send + 'static) -> Result<Option<db::Listener>> {
        match self {
            Location::Dir(_) => Ok(None),
            Location::Url(u) => db::listen(u.secret(), on_change)
                .map(Some)
                .map_err(|e| classify(Path::new(&u.shown()), e)),
        }
    }

    /// Opens (making it if needed) the history there, on a new connection.
    pub fn open(&self) -> Result<Store> {
        match self {
            Location::Dir(d) => Store::open_dir(d),
            Location::Url(u) => Store::open_url(u.secret()),
        }
    }
}

/// File name of the database inside the data dir.
pub const DB_FILE: &str = "socialtop.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "database {path} is corrupt or not a socialtop database ({detail}); move it aside to start a new history"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "database {path} is empty (0 bytes), so it holds no history (an interrupted copy or restore?); move it aside (or delete it) and socialtop starts a new history there"
    )]
    Empty { path: PathBuf },
    #[error("database {path} is locked by another process; try again in a moment")]
    Locked { path: PathBuf },
    #[error(
        "disk full: {path} cannot be written (the disk or the data dir's file system has no room); free some space and try again"
    )]
    DiskFull { path: PathBuf },
    #[error(
        "database {path} was written by a newer socialtop (schema {found}, this one knows {known})"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("cannot create data dir {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("unknown account `{0}` (not in the config)")]
    UnknownAccount(String),
    #[error("{0}")]
    OutOfBounds(String),
    #[error("database {path}: the connection's thread stopped")]
    Gone { path: PathBuf },
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The PostgreSQL server cannot be reached: what was to be written is
    /// kept by its writer and written when the server is back.
    #[error("database {path} cannot be reached ({detail})")]
    Unreachable { path: PathBuf, detail: String },
    #[error("database {path}: {error}")]
    Database { path: PathBuf, error: DbError },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Times (ms) as a JSON array for `json_each`: one statement looks them all up.
fn json_times(times_ms: &[i64]) -> String {
    let mut list = String::with_capacity(times_ms.len() * 15 + 2);
    list.push('[');
    let mut buf = itoa::Buffer::new();
    for (i, t) in times_ms.iter().enumerate() {
        if i > 0 {
            list.push(',');
        }
        list.push_str(buf.format(*t));
    }
    list.push(']');
    list
}

/// How a statement reads a JSON array of times given as `?2`: rows `j` with
/// the time (`j.value`) and its place (`j.key`), in the engine's own words.
const TIMES_LITE: &str = "json_each(?2) AS j";
pub(crate) const TIMES_PG: &str = "(SELECT CAST(value AS BIGINT) AS value, key
    FROM jsonb_array_elements_text(CAST(CAST(?2 AS TEXT) AS jsonb)) WITH ORDINALITY AS e(value, key)) AS j";

/// Adds a sample unless its `(account, time)` has one (imports, backfills).
const INSERT_IF_NEW: &str = "INSERT INTO samples (account, at, followers, following, posts, source)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING";

/// A little-endian `i64` from 8 bytes (0 from fewer).
fn i64_le(b: &[u8]) -> i64 {
    b.try_into().map(i64::from_le_bytes).unwrap_or_default()
}

/// A count and its source packed in one value (`followers * 8 + source`).
fn unpack_sourced(v: i64) -> (i64, SampleSource) {
    (v >> 3, SampleSource::from_code(v & 7))
}

impl StoreError {
    /// The database or directory the error is about, if any.
    #[cfg(any(test, feature = "test-util"))]
    pub fn path(&self) -> Option<&Path> {
        match self {
            StoreError::Corrupt { path, .. }
            | StoreError::Empty { path }
            | StoreError::Locked { path }
            | StoreError::DiskFull { path }
            | StoreError::TooNew { path, .. }
            | StoreError::Dir { path, .. }
            | StoreError::Gone { path }
            | StoreError::Unreachable { path, .. }
            | StoreError::Database { path, .. }
            | StoreError::Sqlite { path, .. } => Some(path),
            StoreError::UnknownAccount(_) | StoreError::OutOfBounds(_) => None,
        }
    }
}

/// PostgreSQL's migrations (`database_url`): its schema starts at what
/// SQLite's first 14 made, less the answers `effort` keeps (SQLite only).
const PG_MIGRATIONS: &[&str] = &[
    include_str!("migrations/pg/0001_schema.sql"),
    include_str!("migrations/pg/0002_claims.sql"),
];

/// Ordered schema migrations, one `.sql` file each; `PRAGMA user_version` is
/// the number applied. A migration is never edited once released: add one.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_core.sql"),
    include_str!("migrations/0002_lease.sql"),
    include_str!("migrations/0003_generation.sql"),
    include_str!("migrations/0004_time.sql"),
    include_str!("migrations/0005_remote_ids.sql"),
    include_str!("migrations/0006_millis.sql"),
    include_str!("migrations/0007_alerts.sql"),
    include_str!("migrations/0008_changes.sql"),
    include_str!("migrations/0009_time_cover.sql"),
    include_str!("migrations/0010_deliveries.sql"),
    include_str!("migrations/0011_followers.sql"),
    include_str!("migrations/0012_sources.sql"),
    include_str!("migrations/0013_marks.sql"),
    include_str!("migrations/0014_people.sql"),
    include_str!("migrations/0015_claims.sql"),
];

pub struct Store {
    conn: Conn,
    /// What "now" is for "not in the future" (the system clock but in tests).
    clock: std::sync::Arc<dyn crate::model::Clock>,
    path: PathBuf,
    ids: HashMap<String, i64>,
    /// Opened read-only (a read-only data dir): accounts it does not know
    /// read as having no history instead of being an error.
    read_only: bool,
    /// Answers worked out during the current [`Store::read`], kept in
    /// `fresh_marks` and `week_marks` when it ends; `None` outside one.
    marks: std::cell::RefCell<Option<Marks>>,
    /// Who logs time through this store: the config's `user`.
    person: String,
    /// The PostgreSQL URL it was opened from (for [`Store::reopen`]).
    url: Option<DatabaseUrl>,
}

/// Answers worked out during a [`Store::read`], to keep when it ends (see
/// `migrations/0013_marks.sql`).
#[derive(Default)]
struct Marks {
    /// Account row, time (ms), age limit (ms), packed count and source.
    fresh: Vec<(i64, i64, i64, Option<i64>)>,
    /// Account row, zone, packed weeks.
    weeks: Vec<(i64, String, Vec<u8>)>,
    /// Each account's change mark (`accounts.changed`) as the read saw it:
    /// when other connections wrote meanwhile, the answers of the accounts
    /// they did not touch are still kept (a busy history writes every
    /// second; some account is always being written).
    seen: HashMap<i64, Option<i64>>,
}

impl Marks {
    /// Notes account `id`'s change mark, once per read.
    fn see(&mut self, conn: &Conn, id: i64) -> DbResult<()> {
        if let std::collections::hash_map::Entry::Vacant(e) = self.seen.entry(id) {
            e.insert(change_mark(conn, id)?);
        }
        Ok(())
    }
}

/// Account `id`'s change mark: the generation of the last write that touched
/// its data.
fn change_mark(conn: &Conn, id: i64) -> DbResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT changed FROM accounts WHERE id = ?1")?
        .query_row(params![id], |r| r.get(0))
        .optional()?
        .flatten())
}

/// The schema version applied: SQLite's `PRAGMA user_version`, PostgreSQL's
/// `schema_version` table (none yet: 0).
fn version_in(conn: &Conn) -> DbResult<i64> {
    if !conn.is_pg() {
        return conn.query_row("PRAGMA user_version", &[], |r| r.get(0));
    }
    let made: i64 = conn.query_row(
        "SELECT count(*) FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name = 'schema_version'",
        &[],
        |r| r.get(0),
    )?;
    if made == 0 {
        return Ok(0);
    }
    conn.query_row("SELECT version FROM schema_version", &[], |r| r.get(0))
}

/// Records schema version `v` as applied.
fn set_version(conn: &Conn, v: i64) -> DbResult<()> {
    if conn.is_pg() {
        conn.execute("UPDATE schema_version SET version = ?1", params![v])
            .map(|_| ())
    } else {
        conn.execute_batch(&format!("PRAGMA user_version = {v}"))
    }
}

/// How long a write waits for another process's write to end.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl Store {
    /// Opens (creating if needed) the database in `data_dir`.
    pub fn open_dir(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Dir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        Store::open(&data_dir.join(DB_FILE))
    }

    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// A new history is made only where there is no file: it is made under
    /// a temporary name and moved into place only if the name is still free,
    /// so no socialtop ever leaves (or sees another leave) an empty
    /// `socialtop.db`, and an empty file found there is an error, not a new
    /// history over whatever was lost.
    pub fn open(path: &Path) -> Result<Store> {
        if std::fs::symlink_metadata(path).is_err() {
            create_new(path)?;
        }
        refuse_empty(path)?;
        let flags =
            rusqlite::OpenFlags::default().difference(rusqlite::OpenFlags::SQLITE_OPEN_CREATE);
        let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
        Store::setup(&conn).map_err(|e| classify(path, e))?;
        let mut store = Store {
            conn: Conn::from(conn),
            clock: std::sync::Arc::new(crate::model::SystemClock),
            path: path.to_path_buf(),
            ids: HashMap::new(),
            read_only: false,
            marks: Default::default(),
            person: String::new(),
            url: None,
        };

        store.migrate()?;
        store.load_ids()?;
        Ok(store)
    }

    /// Opens (making its tables if needed) the history in the PostgreSQL
    /// database at `url` (`database_url`). Messages name the URL without its
    /// password.
    pub fn open_url(url: &str) -> Result<Store> {
        let path = PathBuf::from(db::redact(url));
        let parsed = DatabaseUrl::parse(url).map_err(|why| StoreError::Unreachable {
            path: path.clone(),
            detail: format!("database_url {why}"),
        })?;
        let pg = db::Pg::connect(url).map_err(|e| classify(&path, e))?;
        let mut store = Store {
            conn: Conn::from(pg),
            clock: std::sync::Arc::new(crate::model::SystemClock),
            path,
            ids: HashMap::new(),
            read_only: false,
            marks: Default::default(),
            person: String::new(),
            url: Some(parsed),
        };
        store.migrate()?;
        store.load_ids()?;
        Ok(store)
    }

    /// Where this history lives.
    pub fn location(&self) -> Location {
        match &self.url {
            Some(u) => Location::Url(u.clone()),
            None => Location::Dir(
                self.path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            ),
        }
    }

    /// Reads "now" from `clock` (tests).
    #[cfg(any(test, feature = "test-util"))]
    pub fn set_clock(&mut self, clock: std::sync::Arc<dyn crate::model::Clock>) {
        self.clock = clock;
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the history in `data_dir` for reading only, without taking any
    /// lock or writing anything (`immutable`): for a read-only data dir, such
    /// as a backup or another user's mount. Nothing is migrated; a history of
    /// another schema version is a clear error.
    pub fn open_read_only(data_dir: &Path) -> Result<Store> {
        use rusqlite::OpenFlags;
        let path = data_dir.join(DB_FILE);
        if !path.is_file() {
            return Err(StoreError::Dir {
                path: path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no history there yet, and the data dir cannot be written",
                ),
            });
        }
        refuse_empty(&path)?;
        // first as any reader (it sees what a poller elsewhere has in the
        // WAL); where the WAL's index cannot be read or made (a read-only
        // mount), as an immutable file: what was checkpointed
        let plain =
            Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).and_then(|c| {
                c.query_row("SELECT count(*) FROM sqlite_master", params![], |r| {
                    r.get::<_, i64>(0)
                })?;
                Ok(c)
            });
        let conn = match plain {
            Ok(c) => c,
            Err(_) => {
                let absolute = std::fs::canonicalize(&path).map_err(|source| StoreError::Dir {
                    path: path.clone(),
                    source,
                })?;
                let mut uri =
                    reqwest::Url::from_file_path(&absolute).map_err(|()| StoreError::Dir {
                        path: path.clone(),
                        source: std::io::Error::other("not a file path"),
                    })?;
                uri.set_query(Some("immutable=1"));
                Connection::open_with_flags(
                    uri.as_str(),
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
                )
                .map_err(|e| classify(&path, e))?
            }
        };
        let mut store = Store {
            conn: Conn::from(conn),
            clock: std::sync::Arc::new(crate::model::SystemClock),
            path: path.clone(),
            ids: HashMap::new(),
            read_only: true,
            marks: Default::default(),
            person: String::new(),
            url: None,
        };
        let version = store.schema_version()?;
        let known = MIGRATIONS.len() as i64;
        if version != known {
            return Err(StoreError::TooNew {
                path,
                found: version,
                known,
            });
        }
        store.load_ids()?;
        Ok(store)
    }

    fn setup(conn: &Connection) -> rusqlite::Result<()> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // The bundled SQLite is built with STAT4, under which a cached
        // statement whose bindings change may be prepared again for a better
        // plan; socialtop's queries are all key seeks, so plans are kept.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        // WAL is a property of the file: only the first opener switches it.
        // A corrupt file fails here, before anything is written. Switching can
        // answer "busy" without waiting while another process opens the same
        // new file, so it is retried for up to the busy timeout.
        let mut tries = 0;
        loop {
            let mode: String = conn.query_row("PRAGMA journal_mode", params![], |r| r.get(0))?;
            if mode.eq_ignore_ascii_case("wal") {
                break;
            }
            match conn.query_row("PRAGMA journal_mode = WAL", params![], |r| {
                r.get::<_, String>(0)
            }) {
                Ok(_) => break,
                Err(rusqlite::Error::SqliteFailure(f, _))
                    if f.code == ErrorCode::DatabaseBusy && tries < 100 =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => return Err(e),
            }
        }
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
        )
    }

    fn err(&self, e: DbError) -> StoreError {
        classify(&self.path, e)
    }

    /// Applies the migrations not applied yet. Each step reads the version and
    /// applies the next migration in one `BEGIN IMMEDIATE` transaction, so
    /// processes opening a new database at once wait for each other instead of
    /// applying the same step twice.
    fn migrate(&mut self) -> Result<()> {
        let migrations = self.migrations();
        let known = migrations.len() as i64;
        // up to date (every open but the first after an upgrade): a plain
        // read, so opening never needs the write lock
        match self.schema_version()? {
            v if v == known => return Ok(()),
            v if v > known => {
                return Err(StoreError::TooNew {
                    path: self.path.clone(),
                    found: v,
                    known,
                });
            }
            _ => {}
        }
        loop {
            let path = self.path.clone();
            let step = self.conn.write_tx(|tx| {
                let version = version_in(tx)?;
                if version >= known {
                    return Ok(Some(version));
                }
                let sql = usize::try_from(version)
                    .ok()
                    .and_then(|v| migrations.get(v))
                    .copied()
                    .unwrap_or_default();
                tx.execute_batch(sql)?;
                set_version(tx, version + 1)?;
                Ok(None)
            });
            match step.map_err(|e| classify(&path, e))? {
                Some(version) if version > known => {
                    return Err(StoreError::TooNew {
                        path,
                        found: version,
                        known,
                    });
                }
                Some(_) => return Ok(()),
                None => {}
            }
        }
    }

    /// `sql` with `{times}` read as this engine reads a JSON array of times.
    fn times_sql(&self, sql: &str) -> String {
        sql.replace(
            "{times}",
            if self.conn.is_pg() {
                TIMES_PG
            } else {
                TIMES_LITE
            },
        )
    }

    /// The migrations of this history's engine.
    fn migrations(&self) -> &'static [&'static str] {
        if self.conn.is_pg() {
            PG_MIGRATIONS
        } else {
            MIGRATIONS
        }
    }

    pub(crate) fn load_ids(&mut self) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, id FROM accounts")
            .map_err(|e| classify(&self.path, e))?;
        let rows = stmt
            .query_map(params![], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .and_then(|rows| rows.collect::<DbResult<Vec<_>>>())
            .map_err(|e| classify(&self.path, e))?;
        drop(stmt);
        self.ids = rows.into_iter().collect();
        Ok(())
    }

    /// Runs `f` in one write transaction, committing on success. It takes
    /// the write lock first (`BEGIN IMMEDIATE`): a deferred one that read
    /// before writing could not wait for another process's write, and failed
    /// at once as "locked" when that write ended while it waited.
    fn transaction<T>(&mut self, f: impl FnOnce(&Conn) -> DbResult<T>) -> Result<T> {
        self.conn.write_tx(f).map_err(|e| classify(&self.path, e))
    }

    /// A data write: one transaction that also bumps the change counter.
    fn write<T>(&mut self, touched: &[i64], f: impl FnOnce(&Conn) -> DbResult<T>) -> Result<T> {
        self.transaction(|tx| {
            let out = f(tx)?;
            bump_generation(tx, touched.iter().copied())?;
            Ok(out)
        })
    }

    /// The accounts whose data changed after generation `seen` (another
    /// process's writes included), so a view reads only those again.
    pub fn changed_since(&self, seen: i64) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key FROM accounts WHERE changed > ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![seen], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Makes sure every configured account has a row, updating names and metrics.
    /// Not a data write: every command does it at start, and open dashboards
    /// must not reload for it.
    pub fn sync_accounts(&mut self, accounts: &[Account]) -> Result<()> {
        // every command starts here: when nothing changed it only reads, so a
        // read-only command takes no write lock
        type Known = (String, String, Option<String>, String);
        let known: HashMap<String, Known> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT key, platform, handle, label, metric FROM accounts")
                .map_err(|e| self.err(e))?;
            stmt.query_map(params![], |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?
        };
        let changed: Vec<&Account> = accounts
            .iter()
            .filter(|a| {
                known.get(&a.id).is_none_or(|(p, h, l, m)| {
                    p != a.platform.name() || *h != a.handle || *l != a.label || m != a.metric()
                })
            })
            .collect();
        if changed.is_empty() {
            return self.load_ids();
        }
        self.transaction(|tx| {
            let mut stmt = tx.prepare(
                "INSERT INTO accounts (key, platform, handle, label, metric) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(key) DO UPDATE SET platform = ?2, handle = ?3, label = ?4, metric = ?5",
            )?;
            for a in changed {
                stmt.execute(params![a.id, a.platform.name(), a.handle, a.label, a.metric()])?;
            }
            Ok(())
        })?;
        self.load_ids()
    }

    /// Whether this connection knows the account `key` (registered when it
    /// read the accounts last).
    pub fn knows(&self, key: &str) -> bool {
        self.ids.contains_key(key)
    }

    fn row(&self, key: &str) -> Result<i64> {
        match self.ids.get(key) {
            Some(id) => Ok(*id),
            // an account the read-only history never saw has no history
            None if self.read_only => Ok(-1),
            None => Err(StoreError::UnknownAccount(key.to_string())),
        }
    }

    /// Records a good poll: the sample, queued for the alert rules in the
    /// same transaction (so a poll stopped before its alerts fired loses
    /// none), and a cleared error state.
    pub fn record_success(&mut self, key: &str, sample: Sample) -> Result<()> {
        let id = self.row(key)?;
        check_sample(key, &sample)?;
        self.write(&[id], |tx| {
            insert_sample(tx, id, &sample, SampleSource::Polled)?;
            deliveries::queue_sample(tx, id, sample.at_ms)?;
            tx.execute(
                "INSERT INTO account_state (account, checked_at, failures, error, error_at) VALUES (?1, ?2, 0, NULL, NULL)
                 ON CONFLICT(account) DO UPDATE SET checked_at = ?2, failures = 0, error = NULL, error_at = NULL",
                params![id, sample.at_ms],
            )?;
            end_claim(tx, id)
        })
    }

    #[cfg(any(test, feature = "test-util"))]
    /// Adds a polled sample without touching the poll state (a poll's value
    /// kept while the history could not be written, demo data). Returns
    /// whether it replaced a sample at the same time.
    pub fn insert_sample(&mut self, key: &str, sample: Sample) -> Result<bool> {
        self.insert_sample_from(key, sample, SampleSource::Polled)
    }

    /// [`Store::insert_sample`] for a sample from `source` (`record`: manual).
    pub fn insert_sample_from(
        &mut self,
        key: &str,
        sample: Sample,
        source: SampleSource,
    ) -> Result<bool> {
        self.insert_samples_from(key, &[sample], source)
            .map(|replaced| replaced > 0)
    }

    /// Inserts many polled samples in one transaction (demo data,
    /// benchmarks); all or none. Returns how many replaced a sample at the
    /// same time.
    pub fn insert_samples(&mut self, key: &str, samples: &[Sample]) -> Result<usize> {
        self.insert_samples_from(key, samples, SampleSource::Polled)
    }

    /// [`Store::insert_samples`] for samples from `source`.
    pub fn insert_samples_from(
        &mut self,
        key: &str,
        samples: &[Sample],
        source: SampleSource,
    ) -> Result<usize> {
        let id = self.row(key)?;
        for s in samples {
            check_sample(key, s)?;
        }
        self.write(&[id], |tx| {
            let mut replaced = 0;
            for s in samples {
                let existed = tx
                    .prepare_cached("SELECT 1 FROM samples WHERE account = ?1 AND at = ?2")?
                    .exists(params![id, s.at_ms])?;
                replaced += usize::from(existed);
                insert_sample(tx, id, s, source)?;
            }
            Ok(replaced)
        })
    }

    /// Records a failed poll; the last good sample stays as it is.
    pub fn record_failure(&mut self, key: &str, at: Timestamp, error: &str) -> Result<()> {
        let id = self.row(key)?;
        let at = at.as_millisecond();
        self.write(&[id], |tx| {
            tx.execute(
                "INSERT INTO poll_failures (account, at, error) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account, at) DO UPDATE SET error = excluded.error",
                params![id, at, error],
            )?;
            tx.execute(
                "INSERT INTO account_state (account, checked_at, failures, error, error_at) VALUES (?1, ?2, 1, ?3, ?2)
                 ON CONFLICT(account) DO UPDATE SET checked_at = ?2, failures = account_state.failures + 1, error = ?3, error_at = ?2",
                params![id, at, error],
            )?;
            end_claim(tx, id)
        })
    }

    pub fn state(&self, key: &str) -> Result<AccountState> {
        let id = self.row(key)?;
        self.conn
            .query_row(
                "SELECT checked_at, failures, error, error_at FROM account_state WHERE account = ?1",
                params![id],
                |r| {
                    Ok(AccountState {
                        checked_at_ms: r.get(0)?,
                        failures: r.get(1)?,
                        error: r.get(2)?,
                        error_at_ms: r.get(3)?,
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.err(e))
    }

    fn sample_query(&self, key: &str, sql: &str, arg: i64) -> Result<Option<Sample>> {
        let id = self.row(key)?;
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        stmt.query_row(params![id, arg], sample_from_row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The newest sample that is not in the future (a sample recorded for a
    /// later time never hides the real polls before it).
    pub fn latest(&self, key: &str) -> Result<Option<Sample>> {
        let horizon = self
            .clock
            .now()
            .as_millisecond()
            .saturating_add(FUTURE_SLACK_MS);
        self.sample_query(
            key,
            "SELECT at, followers, following, posts FROM samples WHERE account = ?1 AND at <= ?2 ORDER BY at DESC LIMIT 1",
            horizon,
        )
    }

    /// The newest sample at or before `at`.
    pub fn at_or_before(&self, key: &str, at: Timestamp) -> Result<Option<Sample>> {
        let at = at.as_millisecond();
        self.sample_query(
            key,
            "SELECT at, followers, following, posts FROM samples WHERE account = ?1 AND at <= ?2 ORDER BY at DESC LIMIT 1",
            at,
        )
    }

    /// The oldest sample.
    pub fn earliest(&self, key: &str) -> Result<Option<Sample>> {
        self.sample_query(
            key,
            "SELECT at, followers, following, posts FROM samples WHERE account = ?1 AND at >= ?2 ORDER BY at ASC LIMIT 1",
            i64::MIN,
        )
    }

    #[cfg(any(test, feature = "test-util"))]
    /// Every sample at or after `since`, oldest first.
    pub fn samples_since(&self, key: &str, since: Timestamp) -> Result<Vec<Sample>> {
        self.samples_since_limit(key, since, i64::MAX as usize)
    }

    /// Adds time entries; an imported entry already present (same account,
    /// source and external id) is replaced, so importing twice adds nothing.
    /// Returns how many entries were new.
    pub fn add_time_entries(&mut self, key: &str, entries: &[TimeEntry]) -> Result<usize> {
        let counts = self.add_time_entries_many(&[(key.to_string(), entries.to_vec())])?;
        Ok(counts.first().copied().unwrap_or(0))
    }

    /// Adds the entries of several accounts in one transaction: all or none.
    /// Every entry is checked first (1 s to 24 h, starting in 2000 or later).
    /// Returns, per account in order, how many entries were new.
    pub fn add_time_entries_many(
        &mut self,
        batches: &[(String, Vec<TimeEntry>)],
    ) -> Result<Vec<usize>> {
        let mut ids = Vec::with_capacity(batches.len());
        for (key, entries) in batches {
            ids.push(self.row(key)?);
            for e in entries {
                check_entry(key, e)?;
            }
        }
        let person = self.person.clone();
        self.write(&ids, |tx| {
            let mut counts = Vec::with_capacity(batches.len());
            for (id, (_, entries)) in ids.iter().zip(batches) {
                let mut new = 0;
                for e in entries {
                    let existed: bool = match &e.external_id {
                        Some(x) => tx
                            .prepare_cached(
                                "SELECT 1 FROM time_entries WHERE account = ?1 AND source = ?2 AND external_id = ?3",
                            )?
                            .exists(params![id, e.source, x])?,
                        None => false,
                    };
                    tx.prepare_cached(
                        "INSERT INTO time_entries (account, start, seconds, source, note, external_id, person)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                         ON CONFLICT (account, source, external_id) WHERE external_id IS NOT NULL
                         DO UPDATE SET start = excluded.start, seconds = excluded.seconds, note = excluded.note",
                    )?
                    .execute(params![id, e.start, e.seconds, e.source, e.note, e.external_id, person])?;
                    new += usize::from(!existed);
                }
                counts.push(new);
            }
            Ok(counts)
        })
    }

    /// The time entries `person` logged on an account as `(start, seconds)`,
    /// oldest first; every person's with `None` (the team).
    pub fn time_entries_of(&self, key: &str, person: Option<&str>) -> Result<Vec<(i64, i64)>> {
        let Some(person) = person else {
            return self.time_entries(key);
        };
        let id = self.row(key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT start, seconds FROM time_entries WHERE account = ?1 AND person = ?2 ORDER BY start",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![id, person], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Every time entry of an account as `(start, seconds)`, oldest first.
    pub fn time_entries(&self, key: &str) -> Result<Vec<(i64, i64)>> {
        let id = self.row(key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT start, seconds FROM time_entries WHERE account = ?1 ORDER BY start",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// The entries of an account that overlap `from` to `to`, as
    /// `(start, seconds)`, oldest first (unclipped: the caller merges them).
    pub fn time_entries_overlapping(
        &self,
        key: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let id = self.row(key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT start, seconds FROM time_entries
                 WHERE account = ?1 AND start < ?3 AND start >= CAST(?2 AS BIGINT) - ?4 AND start + seconds > ?2
                 ORDER BY start",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![id, from, to, MAX_ENTRY_SECS], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    /// The follower count of the newest sample at or before each of `times`
    /// (milliseconds), in one statement: one index seek per time.
    #[cfg(any(test, feature = "test-util"))]
    pub fn followers_at_or_before_each(
        &self,
        key: &str,
        times_ms: &[i64],
    ) -> Result<Vec<Option<i64>>> {
        Ok(self
            .sourced_followers_at_or_before_each(key, times_ms)?
            .into_iter()
            .map(|v| v.map(|(f, _)| f))
            .collect())
    }

    /// [`Store::followers_at_or_before_each`], with each sample's source,
    /// still one index seek per time.
    #[cfg(any(test, feature = "test-util"))]
    pub fn sourced_followers_at_or_before_each(
        &self,
        key: &str,
        times_ms: &[i64],
    ) -> Result<Vec<Option<(i64, SampleSource)>>> {
        if times_ms.is_empty() {
            return Ok(Vec::new());
        }
        let id = self.row(key)?;
        let list = json_times(times_ms);
        let mut stmt = self
            .conn
            .prepare_cached(
                // one value from the one seek: the count (at most 2^53) times 8
                // plus the source's code (below 8)
                &self.times_sql(
                    "SELECT (SELECT followers * 8 + source FROM samples WHERE account = ?1 AND at <= j.value
                             ORDER BY at DESC LIMIT 1)
                     FROM {times} ORDER BY j.key",
                ),
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![id, list], |r| r.get::<_, Option<i64>>(0))
            .and_then(|rows| rows.map(|v| v.map(|v| v.map(unpack_sourced))).collect())
            .map_err(|e| self.err(e))
    }

    /// Like [`Store::sourced_followers_at_or_before_each`], but a count only
    /// when its sample is at most `max_age_ms` older than the time (the effort
    /// model's fresh counts), with its source; one statement, an index seek
    /// per time.
    pub fn fresh_sourced_followers_at_each(
        &self,
        key: &str,
        times_ms: &[i64],
        max_age_ms: i64,
    ) -> Result<Vec<Option<(i64, SampleSource)>>> {
        let (Some(first), Some(last)) = (times_ms.iter().min(), times_ms.iter().max()) else {
            return Ok(Vec::new());
        };
        let id = self.row(key)?;
        // the answers kept by an earlier read (the triggers of `fresh_marks`
        // dropped every one a later sample changed; PostgreSQL keeps none)
        let mut answers: HashMap<i64, Option<i64>> = if self.conn.is_pg() {
            HashMap::new()
        } else {
            self.conn
                .prepare_cached(
                    "SELECT at, value FROM fresh_marks
                 WHERE account = ?1 AND at >= ?2 AND at <= ?3 AND max_age = ?4",
                )
                .and_then(|mut stmt| {
                    stmt.query_map(params![id, first, last, max_age_ms], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?
                    .collect()
                })
                .map_err(|e| self.err(e))?
        };
        let missing: Vec<i64> = times_ms
            .iter()
            .filter(|t| !answers.contains_key(t))
            .copied()
            .collect();
        if !missing.is_empty() {
            let mut stmt = self
                .conn
                .prepare_cached(
                    // the count (at most 2^53) times 8 plus the source's code (below 8)
                    &self.times_sql(
                        "SELECT (SELECT followers * 8 + source FROM samples WHERE account = ?1 AND at <= j.value
                                 AND at >= j.value - ?3 ORDER BY at DESC LIMIT 1)
                         FROM {times} ORDER BY j.key",
                    ),
                )
                .map_err(|e| self.err(e))?;
            let sought: Vec<Option<i64>> = stmt
                .query_map(params![id, json_times(&missing), max_age_ms], |r| {
                    r.get::<_, Option<i64>>(0)
                })
                .and_then(|rows| rows.collect())
                .map_err(|e| self.err(e))?;
            let mut marks = self.marks.borrow_mut();
            if let Some(marks) = marks.as_mut() {
                marks.see(&self.conn, id).map_err(|e| self.err(e))?;
            }
            for (t, v) in missing.into_iter().zip(sought) {
                if let Some(marks) = marks.as_mut() {
                    marks.fresh.push((id, t, max_age_ms, v));
                }
                answers.insert(t, v);
            }
        }
        Ok(times_ms
            .iter()
            .map(|t| answers.get(t).copied().flatten().map(unpack_sourced))
            .collect())
    }

    /// An account's time per week in `zone`, `(week start, seconds)` oldest
    /// first, as an earlier read kept it with [`Store::keep_week_seconds`];
    /// `None` when it was not kept or the account's time changed since.
    pub fn kept_week_seconds(&self, key: &str, zone: &str) -> Result<Option<Vec<(i64, i64)>>> {
        let id = self.row(key)?;
        if self.conn.is_pg() {
            return Ok(None);
        }
        let blob: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT weeks FROM week_marks WHERE account = ?1 AND zone = ?2")
            .and_then(|mut s| s.query_row(params![id, zone], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))?;
        Ok(blob.and_then(|b| {
            // a blob of another length is not ours: worked out again
            (b.len() % 16 == 0).then(|| {
                b.chunks_exact(16)
                    .map(|c| {
                        let (w, s) = c.split_at(8);
                        (i64_le(w), i64_le(s))
                    })
                    .collect()
            })
        }))
    }

    /// Keeps an account's time per week in `zone` for later reads, when the
    /// current [`Store::read`] ends and only if no write touched the account
    /// during it; outside a read, nothing.
    pub fn keep_week_seconds(&self, key: &str, zone: &str, weeks: &[(i64, i64)]) -> Result<()> {
        let id = self.row(key)?;
        if let Some(marks) = self.marks.borrow_mut().as_mut() {
            marks.see(&self.conn, id).map_err(|e| self.err(e))?;
            let blob = weeks
                .iter()
                .flat_map(|(w, s)| w.to_le_bytes().into_iter().chain(s.to_le_bytes()))
                .collect();
            marks.weeks.push((id, zone.to_string(), blob));
        }
        Ok(())
    }

    /// [`Store::fresh_sourced_followers_at_each`] without the sources.
    #[cfg(any(test, feature = "test-util"))]
    pub fn fresh_followers_at_each(
        &self,
        key: &str,
        times_ms: &[i64],
        max_age_ms: i64,
    ) -> Result<Vec<Option<i64>>> {
        Ok(self
            .fresh_sourced_followers_at_each(key, times_ms, max_age_ms)?
            .into_iter()
            .map(|v| v.map(|(f, _)| f))
            .collect())
    }

    #[cfg(any(test, feature = "test-util"))]
    /// Seconds spent on an account between `from` and `to` (entries clipped).
    pub fn time_between(&self, key: &str, from: i64, to: i64) -> Result<i64> {
        let id = self.row(key)?;
        self.conn
            .prepare_cached(
                "SELECT CAST(coalesce(sum(min(start + seconds, ?3) - max(start, ?2)), 0) AS BIGINT) FROM time_entries
                 WHERE account = ?1 AND start < ?3 AND start > ?4 AND start + seconds > ?2",
            )
            // no entry is longer than a day: a range on the (account, start) key
            .and_then(|mut s| {
                s.query_row(
                    params![id, from, to, from.saturating_sub(MAX_ENTRY_SECS + 1)],
                    |r| r.get(0),
                )
            })
            .map_err(|e| self.err(e))
    }

    /// The id a platform resolved for this account earlier, if any.
    pub fn remote_id(&self, key: &str) -> Result<Option<String>> {
        let id = self.row(key)?;
        self.conn
            .query_row(
                "SELECT remote_id FROM remote_ids WHERE account = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Keeps (or with `None`, forgets) the id a platform resolved for this account.
    pub fn set_remote_id(&mut self, key: &str, remote: Option<&str>) -> Result<()> {
        let id = self.row(key)?;
        let done = match remote {
            Some(r) => self.conn.execute(
                "INSERT INTO remote_ids (account, remote_id) VALUES (?1, ?2)
                 ON CONFLICT(account) DO UPDATE SET remote_id = ?2",
                params![id, r],
            ),
            None => self
                .conn
                .execute("DELETE FROM remote_ids WHERE account = ?1", params![id]),
        };
        done.map(|_| ()).map_err(|e| self.err(e))
    }

    /// The running timer: account id and start.
    pub fn timer(&self) -> Result<Option<(String, i64)>> {
        self.conn
            .query_row(
                // this person's, or one left from before timers were per person
                "SELECT a.key, t.started FROM timers t JOIN accounts a ON a.id = t.account
                 WHERE t.person IN (?1, '') ORDER BY t.person DESC LIMIT 1",
                params![self.person],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Starts the timer on `key` at `at`, stopping (and recording) any running one.
    /// Returns the entry recorded for the stopped timer, if any. One
    /// immediate transaction: a stop racing in from another process cannot
    /// record the same stretch twice.
    pub fn start_timer(&mut self, key: &str, at: i64) -> Result<Option<(String, i64)>> {
        let id = self.row(key)?;
        let person = self.person.clone();
        self.timer_change(|tx| {
            let stopped = stop_in(tx, at, &person)?;
            tx.execute(
                "INSERT INTO timers (person, account, started) VALUES (?1, ?2, ?3)",
                params![person, id, at],
            )?;
            let mut touched = vec![id];
            touched.extend(stopped.as_ref().map(|s| s.0));
            Ok((touched, stopped.map(|(_, key, secs)| (key, secs))))
        })
    }

    /// Stops the running timer at `at` and records its time; returns `(account, seconds)`.
    pub fn stop_timer(&mut self, at: i64) -> Result<Option<(String, i64)>> {
        let person = self.person.clone();
        self.timer_change(|tx| {
            let stopped = stop_in(tx, at, &person)?;
            let touched = stopped.iter().map(|s| s.0).collect();
            Ok((touched, stopped.map(|(_, key, secs)| (key, secs))))
        })
    }

    /// A change of the timer, read and written in one `BEGIN IMMEDIATE`.
    fn timer_change<T>(&mut self, f: impl FnOnce(&Conn) -> DbResult<(Vec<i64>, T)>) -> Result<T> {
        self.transaction(|tx| {
            let (touched, out) = f(tx)?;
            if !touched.is_empty() {
                bump_generation(tx, touched.into_iter())?;
            }
            Ok(out)
        })
    }

    /// At most `limit` samples at or after `since`, oldest first.
    pub fn samples_since_limit(
        &self,
        key: &str,
        since: Timestamp,
        limit: usize,
    ) -> Result<Vec<Sample>> {
        let since = since.as_millisecond();
        let id = self.row(key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at, followers, following, posts FROM samples WHERE account = ?1 AND at >= ?2 ORDER BY at ASC LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![id, since, limit as i64], sample_from_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Every host on hold after `now` (epoch seconds): `(host, until, reason)`,
    /// soonest first.
    pub fn host_holds_after(&self, now: i64) -> Result<Vec<(String, i64, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT host, until, reason FROM host_holds WHERE until > ?1 ORDER BY until, host",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// When `host` may be called again, if a rate limit said to wait.
    pub fn host_hold(&self, host: &str) -> Result<Option<(i64, String)>> {
        self.conn
            .query_row(
                "SELECT until, reason FROM host_holds WHERE host = ?1",
                params![host],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Says `host` must not be called before `until` (keeps the later of two holds).
    pub fn set_host_hold(&mut self, host: &str, until: i64, reason: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO host_holds (host, until, reason) VALUES (?1, ?2, ?3)
                 ON CONFLICT(host) DO UPDATE SET until = max(host_holds.until, ?2), reason = ?3",
                params![host, until, reason],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// A counter that every data write bumps (in this process or another):
    /// one row read tells a view whether to reload.
    pub fn generation(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT n FROM generation WHERE id = 1", params![], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))
    }

    /// Imports samples in one `BEGIN IMMEDIATE` transaction (all or
    /// nothing): `rows` are `(line, index into keys, sample)`, read from
    /// where the caller spooled its input, so the write lock is held only
    /// while they are written, never while input is awaited. A sample whose
    /// `(account, time)` is there already with the same counts is counted as
    /// present; with other counts (in the history, or written by an earlier
    /// row) the import stops, nothing is written, and the conflict is
    /// returned.
    pub fn import_samples<E: From<StoreError>>(
        &mut self,
        keys: &[String],
        rows: impl Iterator<Item = std::result::Result<(u64, usize, Sample, SampleSource), E>>,
    ) -> std::result::Result<std::result::Result<(u64, u64), ImportConflict>, E> {
        let path = self.path.clone();
        let err = |e| E::from(classify(&path, e));
        let ids = keys
            .iter()
            .map(|k| self.row(k))
            .collect::<Result<Vec<i64>>>()?;
        let tx = &self.conn;
        tx.begin_write().map_err(err)?;
        // every way out but the end rolls back: nothing of a stopped import stays
        let out = (|| {
            let (mut added, mut present) = (0u64, 0u64);
            let mut touched = std::collections::BTreeSet::new();
            {
                let mut insert = tx.prepare_cached(INSERT_IF_NEW).map_err(err)?;
                let mut there = tx
                .prepare_cached(
                    "SELECT at, followers, following, posts FROM samples WHERE account = ?1 AND at = ?2",
                )
                .map_err(err)?;
                for row in rows {
                    let (line, key, s, source) = row?;
                    let (Some(id), Some(name)) = (ids.get(key), keys.get(key)) else {
                        return Err(E::from(StoreError::UnknownAccount(format!("#{key}"))));
                    };
                    check_sample(name, &s)?;
                    let n = insert
                        .execute(params![
                            id,
                            s.at_ms,
                            s.followers,
                            s.following,
                            s.posts,
                            source.code()
                        ])
                        .map_err(err)?;
                    if n == 1 {
                        added += 1;
                        touched.insert(*id);
                        continue;
                    }
                    let theirs = there
                        .query_row(params![id, s.at_ms], sample_from_row)
                        .map_err(err)?;
                    if theirs != s {
                        return Ok(Err(ImportConflict {
                            line,
                            key,
                            ours: s,
                            theirs,
                        }));
                    }
                    present += 1;
                }
            }
            if added > 0 {
                bump_generation(tx, touched.into_iter()).map_err(err)?;
            }
            Ok(Ok((added, present)))
        })();
        match out {
            Ok(Ok(done)) => {
                tx.execute_batch("COMMIT").map_err(err)?;
                Ok(Ok(done))
            }
            other => {
                let _ = tx.execute_batch("ROLLBACK");
                other
            }
        }
    }

    /// Runs `f` inside one read transaction, so that its many small reads see
    /// one snapshot and pay for locking once (inside a transaction already, it
    /// just runs `f`).
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        // the version before the snapshot: answers worked out in it are kept
        // only if no other connection wrote since
        let version = self.data_version().ok();
        self.conn.begin_read().map_err(|e| self.err(e))?;
        *self.marks.borrow_mut() = version.map(|_| Marks::default());
        let out = f(self);
        let marks = self.marks.borrow_mut().take().unwrap_or_default();
        // a read transaction: ending it cannot lose anything, but it must end,
        // or every later write would fail and every read see an old snapshot
        if self.conn.execute_batch("COMMIT").is_err() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        if let (Ok(_), Some(version)) = (&out, version)
            && !(marks.fresh.is_empty() && marks.weeks.is_empty())
        {
            self.keep_marks(version, &marks);
        }
        out
    }

    /// `PRAGMA data_version`: changes when another connection commits.
    /// (SQLite only: PostgreSQL keeps no answers, see [`Store::keep_marks`].)
    fn data_version(&self) -> DbResult<i64> {
        match self.conn.lite() {
            Some(c) => Ok(c.query_row("PRAGMA data_version", [], |r| r.get(0))?),
            None => Err(DbError::Value("no data_version on PostgreSQL".into())),
        }
    }

    /// Keeps the answers in `fresh_marks` and `week_marks`: all of them if
    /// nothing was written since `version`, else those of the accounts no
    /// write touched (the others could be stale). Only a cache: it never waits
    /// for another writer, and any failure just leaves them unkept. A reader
    /// that refuses writes (`query_only`) lifts that for this one statement.
    fn keep_marks(&self, version: i64, marks: &Marks) {
        let Some(lite) = self.conn.lite() else {
            return;
        };
        if self.read_only || !self.conn.is_autocommit() {
            return;
        }
        let query_only: bool = self
            .conn
            .query_row("PRAGMA query_only", params![], |r| r.get(0))
            .unwrap_or(true);
        let kept = (|| -> DbResult<usize> {
            lite.busy_timeout(std::time::Duration::ZERO)?;
            if query_only {
                lite.pragma_update(None, "query_only", false)?;
            }
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            // nobody wrote: every answer stands; else those of the accounts
            // no write touched (every data write marks the accounts it
            // touches, in its own transaction)
            let unchanged: Option<std::collections::HashSet<i64>> =
                if self.data_version()? == version {
                    None
                } else {
                    let mut same = std::collections::HashSet::new();
                    for (id, seen) in &marks.seen {
                        if change_mark(&self.conn, *id)? == *seen {
                            same.insert(*id);
                        }
                    }
                    Some(same)
                };
            let keeps = |id: &i64| unchanged.as_ref().is_none_or(|same| same.contains(id));
            let mut insert = self.conn.prepare_cached(
                "INSERT OR REPLACE INTO fresh_marks (account, at, max_age, value) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut kept = 0;
            for (account, at, max_age, value) in marks.fresh.iter().filter(|m| keeps(&m.0)) {
                insert.execute(params![account, at, max_age, value])?;
                kept += 1;
            }
            let mut insert = self.conn.prepare_cached(
                "INSERT OR REPLACE INTO week_marks (account, zone, weeks) VALUES (?1, ?2, ?3)",
            )?;
            for (account, zone, weeks) in marks.weeks.iter().filter(|m| keeps(&m.0)) {
                insert.execute(params![account, zone, weeks])?;
                kept += 1;
            }
            self.conn.execute_batch("COMMIT")?;
            Ok(kept)
        })();
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        if query_only {
            let _ = lite.pragma_update(None, "query_only", true);
        }
        let _ = lite.busy_timeout(BUSY_TIMEOUT);
        match kept {
            Ok(kept) => tracing::debug!(
                kept,
                counts = marks.fresh.len(),
                weeks = marks.weeks.len(),
                "effort's answers"
            ),
            Err(e) => tracing::debug!(error = %e, "effort's answers not kept"),
        }
    }

    /// Who logs time through this store from now on (the config's `user`):
    /// time entries and the timer are this person's.
    pub fn set_person(&mut self, person: &str) {
        self.person = person.to_string();
    }

    /// Refuses (or again allows) every write on this connection: for commands
    /// that only read, and for tests of what happens when the history cannot
    /// be written.
    pub fn set_query_only(&mut self, on: bool) -> Result<()> {
        let result = match self.conn.lite() {
            Some(c) => c
                .pragma_update(None, "query_only", on)
                .map_err(DbError::from),
            None => self.conn.execute_batch(if on {
                "SET default_transaction_read_only = on"
            } else {
                "SET default_transaction_read_only = off"
            }),
        };
        result.map_err(|e| self.err(e))
    }

    /// The schema version applied (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        version_in(&self.conn).map_err(|e| self.err(e))
    }

    /// Takes or extends the polling lease for `holder` if it is free, expired
    /// or already `holder`'s; returns whether `holder` holds it now.
    pub fn renew_lease(
        &mut self,
        holder: &str,
        now: i64,
        ttl: std::time::Duration,
    ) -> Result<bool> {
        let expires = now.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
        self.conn
            .execute(
                "INSERT INTO lease (name, holder, expires) VALUES ('poller', ?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET holder = ?1, expires = ?2
                 WHERE lease.holder = ?1 OR lease.expires < ?3",
                params![holder, expires, now],
            )
            .map(|changed| changed == 1)
            .map_err(|e| self.err(e))
    }

    /// Claims the next poll of `key` for `holder` until `until_ms`: pollers
    /// sharing one history never poll an account at once, nor again right
    /// after another did. Refused (with the time worth asking again) while
    /// another holder's claim runs, or when the account was polled less than
    /// `gap_ms` before `now_ms` (a poll asked for by a person gives 0).
    pub fn claim_poll(
        &mut self,
        key: &str,
        holder: &str,
        now_ms: i64,
        gap_ms: i64,
        until_ms: i64,
    ) -> Result<Option<i64>> {
        let id = self.row(key)?;
        self.transaction(|tx| {
            let claim: Option<(String, i64)> = tx
                .query_row(
                    "SELECT holder, until FROM poll_claims WHERE account = ?1",
                    params![id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((other, until)) = claim
                && other != holder
                && until > now_ms
            {
                return Ok(Some(until));
            }
            let checked: Option<i64> = tx
                .query_row(
                    "SELECT checked_at FROM account_state WHERE account = ?1",
                    params![id],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            if let Some(at) = checked
                && gap_ms > 0
                && at.saturating_add(gap_ms) > now_ms
            {
                return Ok(Some(at.saturating_add(gap_ms)));
            }
            tx.execute(
                "INSERT INTO poll_claims (account, holder, until) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account) DO UPDATE SET holder = excluded.holder, until = excluded.until",
                params![id, holder, until_ms],
            )?;
            Ok(None)
        })
    }

    /// Gives the lease up if `holder` has it.
    pub fn release_lease(&mut self, holder: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM lease WHERE holder = ?1", params![holder])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Every account row ever registered: `(row id, id, platform, handle)`,
    /// in row-id order.
    pub fn account_rows(&self) -> Result<Vec<(i64, String, String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, key, platform, handle FROM accounts ORDER BY id")
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    /// Streams every sample at or after `since`, in (account row id, time)
    /// order, to `f`, one account's range read at a time (each a seek on the
    /// `(account, at)` key), all inside one read transaction. Stops at the
    /// first error `f` returns. Returns how many samples were passed.
    pub fn for_each_sourced_sample_since<E: From<StoreError>>(
        &self,
        since: Timestamp,
        mut f: impl FnMut(i64, &Sample, SampleSource) -> std::result::Result<(), E>,
    ) -> std::result::Result<u64, E> {
        let path = self.path.clone();
        let err = |e| E::from(classify(&path, e));
        let tx = &self.conn;
        let own = tx.is_autocommit();
        if own {
            tx.begin_read().map_err(err)?;
        }
        let out = (|| {
            let ids: Vec<i64> = tx
                .prepare("SELECT id FROM accounts ORDER BY id")
                .and_then(|mut s| s.query_map(params![], |r| r.get(0))?.collect())
                .map_err(err)?;
            let mut stmt = tx
                .prepare(
                    "SELECT at, followers, following, posts, source FROM samples WHERE account = ?1 AND at >= ?2 ORDER BY at",
                )
                .map_err(err)?;
            let since = since.as_millisecond();
            let mut n = 0u64;
            for id in ids {
                stmt.for_each(params![id, since], err, |r| {
                    let s = sample_from_row(r).map_err(err)?;
                    let source = SampleSource::from_code(r.get(4).map_err(err)?);
                    f(id, &s, source)?;
                    n += 1;
                    Ok(())
                })?;
            }
            Ok(n)
        })();
        if own && tx.execute_batch("COMMIT").is_err() {
            let _ = tx.execute_batch("ROLLBACK");
        }
        out
    }

    /// What the metrics exposition reads, for every account row, in one read
    /// transaction: the newest sample that is not in the future (as
    /// [`Store::latest`]), when the last poll failed (a successful poll
    /// clears it), how many polls ever failed, and the seconds of time
    /// spent in all. Keyed by account id.
    pub fn account_totals(&self) -> Result<HashMap<String, AccountTotals>> {
        let horizon = self
            .clock
            .now()
            .as_millisecond()
            .saturating_add(FUTURE_SLACK_MS);
        let mut stmt = self
            .conn
            .prepare_cached(
                "WITH l AS (
                     SELECT a.id, a.key,
                            (SELECT max(at) FROM samples s WHERE s.account = a.id AND s.at <= ?1) AS at
                     FROM accounts a
                 )
                 SELECT l.key, l.at, s.followers, s.following, s.posts, st.error_at,
                        (SELECT count(*) FROM poll_failures f WHERE f.account = l.id),
                        (SELECT CAST(coalesce(sum(seconds), 0) AS BIGINT) FROM time_entries t WHERE t.account = l.id)
                 FROM l
                 LEFT JOIN samples s ON s.account = l.id AND s.at = l.at
                 LEFT JOIN account_state st ON st.account = l.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![horizon], |r| {
                let latest = match r.get::<_, Option<i64>>(1)? {
                    Some(at_ms) => Some(Sample {
                        at_ms,
                        followers: r.get(2)?,
                        following: r.get(3)?,
                        posts: r.get(4)?,
                    }),
                    None => None,
                };
                Ok((
                    r.get::<_, String>(0)?,
                    AccountTotals {
                        latest,
                        error_at_ms: r.get(5)?,
                        failures: r.get(6)?,
                        seconds_spent: r.get(7)?,
                    },
                ))
            })
            .and_then(|rows| rows.collect::<DbResult<HashMap<_, _>>>())
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }
}

/// Where an account's history comes from, as far as its oldest samples tell
/// ([`Store::origin`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// Runs of consecutive samples of one source, oldest first:
    /// `(source, first at, last at)` in milliseconds.
    pub runs: Vec<(SampleSource, i64, i64)>,
    /// Whether samples after the last run were left unread.
    pub more: bool,
}

impl Origin {
    /// The oldest sample's time and source.
    pub fn earliest(&self) -> Option<(i64, SampleSource)> {
        self.runs.first().map(|&(s, from, _)| (from, s))
    }

    /// The first polled sample among those read.
    pub fn first_polled_ms(&self) -> Option<i64> {
        self.runs
            .iter()
            .find(|r| r.0 == SampleSource::Polled)
            .map(|r| r.1)
    }
}

/// How many of an account's oldest samples [`Store::origin`] reads: ten
/// years of daily backfill fit.
const ORIGIN_SAMPLES: i64 = 4_000;

impl Store {
    /// When the account was first polled: the oldest polled sample.
    pub fn first_polled_ms(&self, key: &str) -> Result<Option<i64>> {
        let id = self.row(key)?;
        self.conn
            .prepare_cached(
                "SELECT at FROM samples WHERE account = ?1 AND source = 0 ORDER BY at LIMIT 1",
            )
            .and_then(|mut s| s.query_row(params![id], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))
    }

    /// Where the history of `key` comes from, read from its oldest
    /// [`ORIGIN_SAMPLES`] samples (a bounded read, for the detail view).
    pub fn origin(&self, key: &str) -> Result<Origin> {
        let id = self.row(key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at, source FROM samples WHERE account = ?1 ORDER BY at LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let mut origin = Origin::default();
        let mut n = 0;
        let rows = stmt
            .query_map(params![id, ORIGIN_SAMPLES], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
            .and_then(|rows| rows.collect::<DbResult<Vec<_>>>())
            .map_err(|e| self.err(e))?;
        for (at, source) in rows {
            let source = SampleSource::from_code(source);
            n += 1;
            match origin.runs.last_mut() {
                Some(run) if run.0 == source => run.2 = at,
                _ => origin.runs.push((source, at, at)),
            }
        }
        origin.more = n == ORIGIN_SAMPLES;
        Ok(origin)
    }

    /// Where a backfill of `key` stopped: `(cursor, state)`.
    pub fn backfill_progress(&self, key: &str) -> Result<Option<(String, String)>> {
        let id = self.row(key)?;
        self.conn
            .query_row(
                "SELECT cursor, state FROM backfill_progress WHERE account = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Records a page of backfill in one transaction: the samples that lie
    /// before `before_ms` (the first polled sample, or now), each only where
    /// no sample is (a polled, imported or hand-entered sample is never
    /// changed), and where to go on from (`progress`: `(cursor, state)`;
    /// `None` when the backfill is complete). Every sample is checked like
    /// any other. Returns how many were added.
    pub fn add_backfill(
        &mut self,
        key: &str,
        samples: &[Sample],
        source: SampleSource,
        before_ms: i64,
        progress: Option<(&str, &str)>,
    ) -> Result<usize> {
        let id = self.row(key)?;
        for s in samples {
            check_sample(key, s)?;
        }
        let now = self.clock.now().as_millisecond();
        let added = self.transaction(|tx| {
            let mut added = 0;
            {
                let mut insert = tx.prepare_cached(
                    INSERT_IF_NEW,
                )?;
                for s in samples.iter().filter(|s| s.at_ms < before_ms) {
                    added += insert.execute(params![
                        id,
                        s.at_ms,
                        s.followers,
                        s.following,
                        s.posts,
                        source.code()
                    ])?;
                }
            }
            match progress {
                Some((cursor, state)) => tx.execute(
                    "INSERT INTO backfill_progress (account, cursor, state, at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(account) DO UPDATE SET cursor = ?2, state = ?3, at = ?4",
                    params![id, cursor, state, now],
                )?,
                None => tx.execute("DELETE FROM backfill_progress WHERE account = ?1", params![id])?,
            };
            if added > 0 {
                bump_generation(tx, std::iter::once(id))?;
            }
            Ok(added)
        })?;
        Ok(added)
    }
}

/// One account's figures for the metrics exposition ([`Store::account_totals`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountTotals {
    /// The newest sample not in the future.
    pub latest: Option<Sample>,
    /// When the last poll failed; cleared by a successful poll.
    pub error_at_ms: Option<i64>,
    /// Polls that ever failed.
    pub failures: i64,
    /// Seconds of time entries in all (a running timer not included).
    pub seconds_spent: i64,
}

/// An alert to record: what fired, for which account, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// Which event: an event fires once whatever happens after.
    pub key: String,
    pub account: String,
    pub kind: String,
    pub at_ms: i64,
    pub value: Option<i64>,
    pub message: String,
}

/// An alert as recorded, with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct AlertRow {
    pub id: i64,
    pub key: String,
    pub account: String,
    pub kind: String,
    pub at_ms: i64,
    pub value: Option<i64>,
    pub message: String,
    /// Why a delivery (command or webhook) failed for good, if one did.
    pub delivery_error: Option<String>,
    /// Over its targets: pending while one is still tried.
    pub delivery: Delivery,
    /// Tries so far, every target together.
    pub tries: i64,
    /// When a pending target is tried next.
    pub next_try_ms: Option<i64>,
    /// What the last failed try of a target not delivered said.
    pub last_error: Option<String>,
}

const ALERT_COLUMNS: &str =
    "al.id, al.key, a.key, al.kind, al.at, al.value, al.message, al.delivery_error,
     (SELECT count(*) FROM deliveries d WHERE d.alert = al.id),
     (SELECT count(*) FROM deliveries d WHERE d.alert = al.id AND d.state = 'pending'),
     (SELECT count(*) FROM deliveries d WHERE d.alert = al.id AND d.state = 'failed'),
     (SELECT CAST(coalesce(sum(d.tries), 0) AS BIGINT) FROM deliveries d WHERE d.alert = al.id),
     (SELECT min(d.next_at) FROM deliveries d WHERE d.alert = al.id AND d.state = 'pending'),
     (SELECT group_concat(d.error, '; ') FROM deliveries d WHERE d.alert = al.id AND d.state <> 'delivered')
     FROM alerts al JOIN accounts a ON a.id = al.account";

fn alert_from_row(r: &Row<'_>) -> DbResult<AlertRow> {
    let delivery_error: Option<String> = r.get(7)?;
    let (targets, pending, failed): (i64, i64, i64) = (r.get(8)?, r.get(9)?, r.get(10)?);
    // a target still tried makes it pending; then any failure; an alert of
    // before delivery states with an error failed
    let delivery = if pending > 0 {
        Delivery::Pending
    } else if failed > 0 || (targets == 0 && delivery_error.is_some()) {
        Delivery::Failed
    } else if targets > 0 {
        Delivery::Delivered
    } else {
        Delivery::None
    };
    Ok(AlertRow {
        id: r.get(0)?,
        key: r.get(1)?,
        account: r.get(2)?,
        kind: r.get(3)?,
        at_ms: r.get(4)?,
        value: r.get(5)?,
        message: r.get(6)?,
        delivery_error,
        delivery,
        tries: r.get(11)?,
        next_try_ms: r.get(12)?,
        last_error: r.get(13)?,
    })
}

impl Store {
    #[cfg(any(test, feature = "test-util"))]
    /// Records an alert unless one with its key was recorded before (by this
    /// process or another). Returns the new row, or `None` if it had fired.
    pub fn insert_alert(&mut self, alert: &NewAlert) -> Result<Option<AlertRow>> {
        let id = self.row(&alert.account)?;
        let inserted = self.write(&[], |tx| {
            tx.query_row(
                "INSERT INTO alerts (key, account, kind, at, value, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT DO NOTHING RETURNING id",
                params![alert.key, id, alert.kind, alert.at_ms, alert.value, alert.message],
                |r| r.get(0),
            )
            .optional()
        })?;
        Ok(inserted.map(|row| AlertRow {
            id: row,
            key: alert.key.clone(),
            account: alert.account.clone(),
            kind: alert.kind.clone(),
            at_ms: alert.at_ms,
            value: alert.value,
            message: alert.message.clone(),
            ..AlertRow::default()
        }))
    }

    #[cfg(any(test, feature = "test-util"))]
    /// Notes why delivering alert `id` failed (appended to an earlier failure).
    pub fn set_alert_delivery_error(&mut self, id: i64, error: &str) -> Result<()> {
        self.write(&[], |tx| {
            tx.execute(
                "UPDATE alerts SET delivery_error = CASE WHEN delivery_error IS NULL THEN ?2
                 ELSE delivery_error || '; ' || ?2 END WHERE id = ?1",
                params![id, error],
            )
            .map(|_| ())
        })
    }

    /// Alerts that fired at or after `since`, oldest first.
    pub fn alerts_since(&self, since: Timestamp) -> Result<Vec<AlertRow>> {
        let sql = format!("SELECT {ALERT_COLUMNS} WHERE al.at >= ?1 ORDER BY al.at, al.id");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        stmt.query_map(params![since.as_millisecond()], alert_from_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Whether an alert with this key fired.
    pub fn alert_fired(&self, key: &str) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT 1 FROM alerts WHERE key = ?1")
            .and_then(|mut s| s.exists(params![key]))
            .map_err(|e| self.err(e))
    }

    /// The id of the alert recorded last (0 when none has fired): a change
    /// here is how a watching process learns of alerts another one recorded.
    pub fn last_alert_id(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT coalesce(max(id), 0) FROM alerts", params![], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))
    }

    /// The `limit` alerts recorded last, newest first.
    pub fn recent_alerts(&self, limit: usize) -> Result<Vec<AlertRow>> {
        let sql = format!("SELECT {ALERT_COLUMNS} ORDER BY al.id DESC LIMIT ?1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        stmt.query_map(params![limit as i64], alert_from_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// How many alerts of each kind ever fired, by kind name (kinds that never
    /// fired are absent): for `socialtop_alerts_total{kind}`.
    pub fn alert_counts(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, count(*) FROM alerts GROUP BY kind ORDER BY kind")
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64))
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    /// The sample with the highest count in `[from, to)`, the earliest of equals.
    pub fn peak_between(
        &self,
        key: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Option<Sample>> {
        let id = self.row(key)?;
        self.conn
            .prepare_cached(
                "SELECT at, followers, following, posts FROM samples WHERE account = ?1 AND at >= ?2 AND at < ?3
                 ORDER BY followers DESC, at ASC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![id, from.as_millisecond(), to.as_millisecond()],
                    sample_from_row,
                )
                .optional()
            })
            .map_err(|e| self.err(e))
    }
}

/// The store shared by the poller and the views of one process.
pub type SharedStore = std::sync::Arc<std::sync::Mutex<Store>>;

/// Wraps a store for sharing.
pub fn shared(store: Store) -> SharedStore {
    std::sync::Arc::new(std::sync::Mutex::new(store))
}

/// Locks the store; a panic elsewhere never makes the history unusable.
pub fn lock(store: &SharedStore) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// How far ahead of the clock a sample may be and still count as the latest
/// (clocks of two machines sharing a history differ a little).
pub const FUTURE_SLACK_MS: i64 = 5 * 60 * 1000;

/// The largest count kept: 2^53, the largest integer every JSON reader keeps exactly.
pub const MAX_COUNT: i64 = 1 << 53;

/// Refuses counts outside 0..=2^53, naming the value and the account.
fn check_sample(key: &str, s: &Sample) -> Result<()> {
    let counts = [
        ("followers", Some(s.followers)),
        ("following", s.following),
        ("posts", s.posts),
    ];
    for (what, v) in counts {
        if let Some(v) = v
            && !(0..=MAX_COUNT).contains(&v)
        {
            return Err(StoreError::OutOfBounds(format!(
                "{key}: {what} {v} is not a count between 0 and {MAX_COUNT}"
            )));
        }
    }
    Ok(())
}

/// The longest single time entry: a day.
pub const MAX_ENTRY_SECS: i64 = 86_400;
/// 2000-01-01T00:00:00Z: nothing socialtop records is older.
pub const EARLIEST: i64 = 946_684_800;

/// Refuses time entries shorter than a second, longer than a day, or
/// starting before 2000 or after the year 9000, naming the value.
fn check_entry(key: &str, e: &TimeEntry) -> Result<()> {
    if !(1..=MAX_ENTRY_SECS).contains(&e.seconds) {
        return Err(StoreError::OutOfBounds(format!(
            "{key}: a time entry of {}s is outside 1s to 24h",
            e.seconds
        )));
    }
    if !(EARLIEST..=221_845_392_000).contains(&e.start) {
        return Err(StoreError::OutOfBounds(format!(
            "{key}: a time entry starting at {} is outside the years 2000 to 9000",
            crate::util::ts(e.start)
        )));
    }
    Ok(())
}

/// Stops `person`'s running timer inside `tx` (or one left from before
/// timers were per person), recording at most a day of it as theirs;
/// returns `(account row, account id, seconds)` of what it stopped.
fn stop_in(tx: &Conn, at: i64, person: &str) -> DbResult<Option<(i64, String, i64)>> {
    let running: Option<(i64, String, i64, String)> = tx
        .query_row(
            "SELECT a.id, a.key, t.started, t.person FROM timers t JOIN accounts a ON a.id = t.account
             WHERE t.person IN (?1, '') ORDER BY t.person DESC LIMIT 1",
            params![person],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((id, key, started, owner)) = running else {
        return Ok(None);
    };
    tx.execute("DELETE FROM timers WHERE person = ?1", params![owner])?;
    // a timer left running for days records a day, the longest entry
    let seconds = (at - started).min(MAX_ENTRY_SECS);
    if seconds > 0 {
        tx.execute(
            "INSERT INTO time_entries (account, start, seconds, source, person) VALUES (?1, ?2, ?3, 'timer', ?4)",
            params![id, started, seconds, person],
        )?;
    }
    Ok(Some((id, key, seconds.max(0))))
}

/// A poll's outcome is recorded: its claim (if any) has done its work.
fn end_claim(tx: &Conn, id: i64) -> DbResult<()> {
    tx.prepare_cached("DELETE FROM poll_claims WHERE account = ?1")?
        .execute(params![id])
        .map(|_| ())
}

/// Bumps the change counter, and marks the accounts a write touched with it.
fn bump_generation(tx: &Conn, touched: impl Iterator<Item = i64>) -> DbResult<()> {
    tx.execute("UPDATE generation SET n = n + 1 WHERE id = 1", params![])?;
    // PostgreSQL tells the listening dashboards when this commits
    if tx.is_pg() {
        tx.execute_batch(&format!("NOTIFY {}", db::CHANNEL))?;
    }
    let mut mark = tx.prepare_cached(
        "UPDATE accounts SET changed = (SELECT n FROM generation WHERE id = 1) WHERE id = ?1",
    )?;
    for id in touched {
        mark.execute(params![id])?;
    }
    Ok(())
}

fn insert_sample(tx: &Conn, id: i64, s: &Sample, source: SampleSource) -> DbResult<()> {
    tx.prepare_cached(
        "INSERT INTO samples (account, at, followers, following, posts, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account, at) DO UPDATE SET followers = excluded.followers,
             following = excluded.following, posts = excluded.posts, source = excluded.source",
    )?
    .execute(params![id, s.at_ms, s.followers, s.following, s.posts, source.code()])
    .map(|_| ())
}

fn sample_from_row(r: &Row<'_>) -> DbResult<Sample> {
    Ok(Sample {
        at_ms: r.get(0)?,
        followers: r.get(1)?,
        following: r.get(2)?,
        posts: r.get(3)?,
    })
}

/// An empty file where the history should be is an error (see [`Store::open`]).
fn refuse_empty(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == 0 => Err(StoreError::Empty {
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// Makes a new, empty history at `path` if there is still no file there:
/// under a temporary name in the same directory (in WAL mode, so it is never
/// 0 bytes), then moved into place only if the name is free. Another process
/// that made one first wins; its history is used.
fn create_new(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let io = |source: std::io::Error| StoreError::Dir {
        path: dir.to_path_buf(),
        source,
    };
    let tmp = tempfile::Builder::new()
        .prefix(".socialtop-new-")
        .suffix(".db")
        .tempfile_in(dir)
        .map_err(io)?;
    let conn = Connection::open(tmp.path()).map_err(|e| classify(path, e))?;
    conn.query_row("PRAGMA journal_mode = WAL", params![], |r| {
        r.get::<_, String>(0)
    })
    .map_err(|e| classify(path, e))?;
    conn.close().map_err(|(_, e)| classify(path, e))?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io(e.error)),
    }
}

/// Turns SQLite's codes into errors a person can act on.
/// SQLite's extended code for a shared-memory file that cannot grow.
const SQLITE_IOERR_SHMSIZE: std::ffi::c_int = 4874;

fn classify(path: &Path, e: impl Into<DbError>) -> StoreError {
    let e = match e.into() {
        DbError::Lite(e) => e,
        DbError::Unreachable(detail) => {
            return StoreError::Unreachable {
                path: path.to_path_buf(),
                detail,
            };
        }
        e => {
            return StoreError::Database {
                path: path.to_path_buf(),
                error: e,
            };
        }
    };
    if let rusqlite::Error::SqliteFailure(f, ref msg) = e {
        match f.code {
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                return StoreError::Corrupt {
                    path: path.to_path_buf(),
                    detail: msg.clone().unwrap_or_else(|| f.to_string()),
                };
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return StoreError::Locked {
                    path: path.to_path_buf(),
                };
            }
            // a full disk: SQLITE_FULL, or the WAL's shared-memory file that
            // cannot grow (SQLITE_IOERR_SHMSIZE, "disk I/O error", 4874)
            ErrorCode::DiskFull => {
                return StoreError::DiskFull {
                    path: path.to_path_buf(),
                };
            }
            ErrorCode::SystemIoFailure if f.extended_code == SQLITE_IOERR_SHMSIZE => {
                return StoreError::DiskFull {
                    path: path.to_path_buf(),
                };
            }
            _ => {}
        }
    }
    StoreError::Sqlite {
        path: path.to_path_buf(),
        source: e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PlatformKind;
    use crate::store::testing::places;

    #[test]
    fn a_full_disk_says_so_whichever_code_sqlite_gives() {
        let path = Path::new("/data/socialtop.db");
        for extended in [13, SQLITE_IOERR_SHMSIZE] {
            let e = rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(extended),
                Some("disk I/O error".into()),
            );
            let e = classify(path, e);
            assert!(matches!(e, StoreError::DiskFull { .. }), "{e:?}");
            let text = e.to_string();
            assert!(text.starts_with("disk full: /data/socialtop.db"), "{text}");
            assert!(!text.contains("4874"), "{text}");
        }
    }

    fn account(id: &str) -> Account {
        Account {
            id: id.into(),
            ..Account::new(PlatformKind::Github, id)
        }
    }

    /// A sample `at` milliseconds after the epoch.
    fn sample(at: i64, followers: i64) -> Sample {
        Sample {
            at_ms: at,
            followers,
            following: None,
            posts: Some(3),
        }
    }

    fn ms(at: i64) -> Timestamp {
        Timestamp::from_millisecond(at).unwrap()
    }

    #[test]
    fn history_survives_reopen_and_failures_keep_last_good_value() {
        for dir in places() {
            {
                let mut s = dir.open().unwrap();
                s.sync_accounts(&[account("a"), account("b")]).unwrap();
                s.record_success("a", sample(100, 10)).unwrap();
                s.record_success("a", sample(200, 12)).unwrap();
                s.record_failure("a", ms(300), "server error 500").unwrap();
                s.record_failure("a", ms(400), "timed out").unwrap();
            }
            let mut s = dir.open().unwrap();
            assert_eq!(s.latest("a").unwrap(), Some(sample(200, 12)));
            assert_eq!(s.earliest("a").unwrap(), Some(sample(100, 10)));
            assert_eq!(s.at_or_before("a", ms(150)).unwrap(), Some(sample(100, 10)));
            let st = s.state("a").unwrap();
            assert_eq!(st.failures, 2);
            assert_eq!(st.error.as_deref(), Some("timed out"));
            assert_eq!(st.checked_at_ms, Some(400));
            s.record_success("a", sample(500, 13)).unwrap();
            let st = s.state("a").unwrap();
            assert_eq!((st.failures, st.error), (0, None));
            assert_eq!(s.latest("b").unwrap(), None);
            assert!(matches!(
                s.latest("nope"),
                Err(StoreError::UnknownAccount(_))
            ));
        }
    }

    /// Entries start `start` seconds after this time (the store keeps nothing before 2000).
    const T0: i64 = 1_700_000_000;

    fn rel(entries: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
        entries.into_iter().map(|(s, d)| (s - T0, d)).collect()
    }

    fn entry(start: i64, seconds: i64, source: &str, external: Option<&str>) -> TimeEntry {
        TimeEntry {
            start: T0 + start,
            seconds,
            source: source.into(),
            note: None,
            external_id: external.map(String::from),
        }
    }

    #[test]
    fn imported_entries_are_not_doubled_and_logged_ones_add_up() {
        for dir in places() {
            let mut s = dir.open().unwrap();
            s.sync_accounts(&[account("a")]).unwrap();
            let import = [
                entry(100, 60, "timewarrior", Some("x")),
                entry(500, 30, "timewarrior", Some("y")),
            ];
            assert_eq!(s.add_time_entries("a", &import).unwrap(), 2);
            assert_eq!(s.add_time_entries("a", &import).unwrap(), 0);
            assert_eq!(
                rel(s.time_entries("a").unwrap()),
                vec![(100, 60), (500, 30)]
            );
            // a re-import with a longer day replaces, never adds
            s.add_time_entries("a", &[entry(100, 90, "timewarrior", Some("x"))])
                .unwrap();
            assert_eq!(
                rel(s.time_entries("a").unwrap()),
                vec![(100, 90), (500, 30)]
            );
            // manual entries have no external id: each one counts
            s.add_time_entries("a", &[entry(1000, 10, "log", None)])
                .unwrap();
            s.add_time_entries("a", &[entry(1000, 10, "log", None)])
                .unwrap();
            assert_eq!(rel(s.time_entries("a").unwrap()).len(), 4);
            // clipped sums
            assert_eq!(s.time_between("a", T0, T0 + 10_000).unwrap(), 140);
            assert_eq!(s.time_between("a", T0 + 150, T0 + 520).unwrap(), 40 + 20);
        }
    }

    #[test]
    fn a_running_timer_survives_reopening_and_records_when_stopped() {
        for dir in places() {
            {
                let mut s = dir.open().unwrap();
                s.sync_accounts(&[account("a"), account("b")]).unwrap();
                assert_eq!(s.start_timer("a", 1_000).unwrap(), None);
            }
            let mut s = dir.open().unwrap();
            assert_eq!(s.timer().unwrap(), Some(("a".into(), 1_000)));
            // starting on another account stops and records the first
            assert_eq!(s.start_timer("b", 1_600).unwrap(), Some(("a".into(), 600)));
            assert_eq!(s.stop_timer(1_660).unwrap(), Some(("b".into(), 60)));
            assert_eq!(s.timer().unwrap(), None);
            assert_eq!(s.time_between("a", 0, 5_000).unwrap(), 600);
            assert_eq!(s.time_between("b", 0, 5_000).unwrap(), 60);
        }
    }

    #[test]
    fn processes_stopping_one_timer_at_once_record_it_once() {
        for dir in places() {
            {
                let mut s = dir.open().unwrap();
                s.sync_accounts(&[account("a")]).unwrap();
                s.start_timer("a", 1_000).unwrap();
            }
            let stores: Vec<Store> = (0..6).map(|_| dir.open().unwrap()).collect();
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(stores.len()));
            let stopped: Vec<Option<(String, i64)>> = stores
                .into_iter()
                .map(|mut s| {
                    let b = std::sync::Arc::clone(&barrier);
                    std::thread::spawn(move || {
                        b.wait();
                        s.stop_timer(1_600).unwrap()
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect();
            assert_eq!(stopped.iter().flatten().count(), 1, "{stopped:?}");
            let s = dir.open().unwrap();
            assert_eq!(s.time_between("a", 0, 5_000).unwrap(), 600);
        }
    }

    #[test]
    fn a_connection_the_server_ended_is_made_again_and_nothing_is_lost() {
        let Some(place) = crate::store::testing::pg_place() else {
            return;
        };
        let mut s = place.open().unwrap();
        s.sync_accounts(&[account("a")]).unwrap();
        s.record_success("a", sample(100, 10)).unwrap();
        place.end_connections();
        // the next write finds the connection ended, and is made on a new one
        s.record_success("a", sample(200, 12)).unwrap();
        place.end_connections();
        assert_eq!(s.latest("a").unwrap(), Some(sample(200, 12)));
        assert_eq!(s.samples_since("a", ms(0)).unwrap().len(), 2);
    }

    #[test]
    fn pollers_sharing_a_history_claim_each_poll_once() {
        for place in places() {
            let mut one = place.open().unwrap();
            let mut two = place.open().unwrap();
            one.sync_accounts(&[account("a")]).unwrap();
            two.load_ids().unwrap();
            let gap = 300_000;
            assert_eq!(
                one.claim_poll("a", "one", 1_000, gap, 31_000).unwrap(),
                None
            );
            // another poller: refused while the claim runs, even when asked by a person
            assert_eq!(
                two.claim_poll("a", "two", 2_000, gap, 32_000).unwrap(),
                Some(31_000)
            );
            assert_eq!(
                two.claim_poll("a", "two", 2_000, 0, 32_000).unwrap(),
                Some(31_000)
            );
            // the poll is recorded: the claim ends, the other waits for the gap
            one.record_success("a", sample(3_000, 10)).unwrap();
            assert_eq!(two.claim_poll("a", "two", 4_000, 0, 34_000).unwrap(), None);
            assert_eq!(
                one.claim_poll("a", "one", 5_000, 0, 35_000).unwrap(),
                Some(34_000)
            );
            two.record_failure("a", ms(6_000), "timed out").unwrap();
            assert_eq!(
                two.claim_poll("a", "two", 40_000, gap, 70_000).unwrap(),
                Some(306_000)
            );
            // a person's poll now goes ahead; so does the schedule after the gap
            assert_eq!(two.claim_poll("a", "two", 40_000, 0, 70_000).unwrap(), None);
            assert_eq!(
                one.claim_poll("a", "one", 50_000, 0, 80_000).unwrap(),
                Some(70_000)
            );
            // a claim whose holder died runs out
            assert_eq!(
                one.claim_poll("a", "one", 306_000, gap, 336_000).unwrap(),
                None
            );
        }
    }

    #[test]
    fn host_hold_keeps_the_later_time() {
        for dir in places() {
            let mut s = dir.open().unwrap();
            s.set_host_hold("api.github.com", 500, "rate limit")
                .unwrap();
            s.set_host_hold("api.github.com", 300, "retry-after")
                .unwrap();
            assert_eq!(s.host_hold("api.github.com").unwrap().unwrap().0, 500);
            assert_eq!(s.host_hold("example").unwrap(), None);
        }
    }

    #[test]
    fn a_write_names_the_accounts_it_changed() {
        for dir in places() {
            let mut a = dir.open().unwrap();
            a.sync_accounts(&[account("x"), account("y"), account("z")])
                .unwrap();
            let g0 = a.generation().unwrap();
            assert!(a.changed_since(g0).unwrap().is_empty());
            let mut b = dir.open().unwrap();
            b.record_success("y", sample(5, 1)).unwrap();
            assert_eq!(a.changed_since(g0).unwrap(), ["y"]);
            let g1 = a.generation().unwrap();
            b.record_failure("z", ms(6), "boom").unwrap();
            b.add_time_entries("x", &[entry(0, 60, "log", None)])
                .unwrap();
            assert_eq!(a.changed_since(g1).unwrap(), ["x", "z"]);
            assert_eq!(a.changed_since(g0).unwrap(), ["x", "y", "z"]);
        }
    }

    #[test]
    fn every_data_write_from_any_connection_bumps_the_generation() {
        for dir in places() {
            let mut a = dir.open().unwrap();
            a.sync_accounts(&[account("x")]).unwrap();
            let mut b = dir.open().unwrap();
            let g0 = a.generation().unwrap();
            b.sync_accounts(&[account("x")]).unwrap();
            assert_eq!(
                a.generation().unwrap(),
                g0,
                "registering accounts is not new data"
            );
            b.record_success("x", sample(1, 1)).unwrap();
            let g1 = a.generation().unwrap();
            assert!(g1 > g0);
            b.record_failure("x", ms(2), "boom").unwrap();
            b.insert_sample("x", sample(3, 2)).unwrap();
            assert!(a.generation().unwrap() >= g1 + 2);
        }
    }

    #[test]
    fn corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
        let err = Store::open(&path).err().unwrap();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("corrupt"));
        // the file is left as it was for the user to inspect
        assert_eq!(std::fs::read(&path).unwrap(), vec![0x42u8; 8192]);
    }

    #[test]
    fn processes_opening_a_new_database_at_once_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let p = path.clone();
                std::thread::spawn(move || Store::open_dir(&p).map(|_| ()))
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        let s = Store::open_dir(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    }

    #[test]
    fn two_polls_in_one_second_are_two_samples_and_a_replay_says_it_replaced() {
        for dir in places() {
            let mut s = dir.open().unwrap();
            s.sync_accounts(&[account("a")]).unwrap();
            s.record_success("a", sample(1_700_000_000_100, 10))
                .unwrap();
            s.record_success("a", sample(1_700_000_000_900, 11))
                .unwrap();
            assert_eq!(s.samples_since("a", Timestamp::MIN).unwrap().len(), 2);
            assert_eq!(s.latest("a").unwrap().unwrap().followers, 11);
            // `record` onto an existing time replaces it, and says so
            assert!(s.insert_sample("a", sample(1_700_000_000_900, 12)).unwrap());
            assert!(!s.insert_sample("a", sample(1_700_000_001_000, 12)).unwrap());
            assert_eq!(s.samples_since("a", Timestamp::MIN).unwrap().len(), 3);
        }
    }

    #[test]
    fn a_future_sample_never_becomes_the_latest() {
        for dir in places() {
            let mut s = dir.open().unwrap();
            s.sync_accounts(&[account("a")]).unwrap();
            let at = Timestamp::from_second(1_800_000_000).unwrap();
            s.set_clock(std::sync::Arc::new(crate::model::FixedClock::new(at)));
            let now = at.as_millisecond();
            s.record_success("a", sample(now - 1_000, 10)).unwrap();
            s.insert_sample("a", sample(now + 365 * 86_400_000, 99))
                .unwrap();
            assert_eq!(s.latest("a").unwrap().unwrap().followers, 10);
        }
    }

    #[test]
    fn counts_outside_0_to_2_pow_53_are_refused_naming_the_value() {
        for dir in places() {
            let mut s = dir.open().unwrap();
            s.sync_accounts(&[account("a")]).unwrap();
            let err = s
                .record_success("a", sample(5, -3))
                .unwrap_err()
                .to_string();
            assert!(err.contains("a: followers -3"), "{err}");
            let huge = Sample {
                following: Some(i64::MAX),
                ..sample(6, 1)
            };
            let err = s.insert_sample("a", huge).unwrap_err().to_string();
            assert!(err.contains("9223372036854775807"), "{err}");
            assert_eq!(s.latest("a").unwrap(), None, "nothing was written");
        }
    }

    /// A history file at `path` with the first `version` migrations applied,
    /// as an older socialtop left it.
    fn history_at_version(path: &Path, version: usize) -> Connection {
        let c = Connection::open(path).unwrap();
        for (i, m) in MIGRATIONS[..version].iter().enumerate() {
            c.execute_batch(m).unwrap();
            c.pragma_update(None, "user_version", i as i64 + 1).unwrap();
        }
        c
    }

    #[test]
    fn second_keyed_history_is_migrated_to_milliseconds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            let c = history_at_version(&path, 5);
            c.execute_batch(
                "INSERT INTO accounts (id, key, platform, handle, metric) VALUES (1, 'a', 'github', 'a', 'followers');
                 INSERT INTO samples (account, at, followers) VALUES (1, 1700000000, 42);
                 INSERT INTO account_state (account, checked_at, failures, error, error_at) VALUES (1, 1700000100, 1, 'boom', 1700000100);",
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        let latest = s.latest("a").unwrap().unwrap();
        assert_eq!((latest.at_ms, latest.followers), (1_700_000_000_000, 42));
        assert_eq!(s.state("a").unwrap().checked_at_ms, Some(1_700_000_100_000));
    }

    /// Every sample of `key` with its source, oldest first.
    fn sourced(s: &Store, key: &str) -> Vec<(i64, i64, SampleSource)> {
        let id = s.row(key).unwrap();
        let mut out = Vec::new();
        s.for_each_sourced_sample_since(Timestamp::MIN, |row, x, src| -> Result<()> {
            if row == id {
                out.push((x.at_ms, x.followers, src));
            }
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn samples_before_the_migration_are_polled_but_a_manual_accounts_are_manual() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            let c = history_at_version(&path, 9);
            c.execute_batch(
                "INSERT INTO accounts (id, key, platform, handle, metric) VALUES (1, 'a', 'github', 'a', 'followers'), (2, 'm', 'manual', 'm', 'followers');
                 INSERT INTO samples (account, at, followers) VALUES (1, 1700000000000, 42), (2, 1700000000000, 7);",
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(
            sourced(&s, "a"),
            [(1_700_000_000_000, 42, SampleSource::Polled)]
        );
        assert_eq!(
            sourced(&s, "m"),
            [(1_700_000_000_000, 7, SampleSource::Manual)]
        );
    }

    #[test]
    fn backfill_never_changes_a_sample_and_stops_before_the_first_poll() {
        for dir in places() {
            let mut s = dir.open().unwrap();
            s.sync_accounts(&[account("a")]).unwrap();
            s.record_success("a", sample(5_000_000, 50)).unwrap();
            s.insert_sample_from("a", sample(2_000_000, 20), SampleSource::Manual)
                .unwrap();
            assert_eq!(s.first_polled_ms("a").unwrap(), Some(5_000_000));
            let past: Vec<Sample> = [1_000_000, 2_000_000, 5_000_000, 6_000_000]
                .iter()
                .map(|&at| sample(at, 1))
                .collect();
            let added = s
                .add_backfill(
                    "a",
                    &past,
                    SampleSource::Reconstructed,
                    5_000_000,
                    Some(("2", "{}")),
                )
                .unwrap();
            assert_eq!(added, 1, "only the one before the poll where no sample was");
            assert_eq!(
                sourced(&s, "a"),
                [
                    (1_000_000, 1, SampleSource::Reconstructed),
                    (2_000_000, 20, SampleSource::Manual),
                    (5_000_000, 50, SampleSource::Polled),
                ]
            );
            assert_eq!(
                s.backfill_progress("a").unwrap(),
                Some(("2".to_string(), "{}".to_string()))
            );
            // again: nothing added; done: the progress is gone
            let again = s
                .add_backfill("a", &past, SampleSource::Reconstructed, 5_000_000, None)
                .unwrap();
            assert_eq!(again, 0);
            assert_eq!(s.backfill_progress("a").unwrap(), None);
            let o = s.origin("a").unwrap();
            assert_eq!(o.first_polled_ms(), Some(5_000_000));
            assert_eq!(
                o.runs[0],
                (SampleSource::Reconstructed, 1_000_000, 1_000_000)
            );
            // the effort model's lookup reads the source with the count
            assert_eq!(
                s.sourced_followers_at_or_before_each("a", &[500_000, 1_500_000, 9_000_000])
                    .unwrap(),
                [
                    None,
                    Some((1, SampleSource::Reconstructed)),
                    Some((50, SampleSource::Polled))
                ]
            );
        }
    }

    fn new_alert(key: &str, kind: &str, at: i64) -> NewAlert {
        NewAlert {
            key: key.into(),
            account: "a".into(),
            kind: kind.into(),
            at_ms: at,
            value: Some(1_000),
            message: format!("{kind} at {at}"),
        }
    }

    #[test]
    fn an_alert_key_fires_once_across_reopens_and_counts_by_kind() {
        for dir in places() {
            {
                let mut s = dir.open().unwrap();
                s.sync_accounts(&[account("a")]).unwrap();
                let first = s
                    .insert_alert(&new_alert("milestone:a:1000", "milestone", 10))
                    .unwrap()
                    .unwrap();
                assert_eq!(first.account, "a");
                assert!(
                    s.insert_alert(&new_alert("milestone:a:1000", "milestone", 20))
                        .unwrap()
                        .is_none()
                );
                s.insert_alert(&new_alert("drop:a:5", "drop", 30)).unwrap();
                s.set_alert_delivery_error(first.id, "webhook: HTTP 500")
                    .unwrap();
                s.set_alert_delivery_error(first.id, "command exited with status 1")
                    .unwrap();
            }
            let mut s = dir.open().unwrap();
            // the key outlives the process: reopened, the same event fires nothing
            assert!(
                s.insert_alert(&new_alert("milestone:a:1000", "milestone", 40))
                    .unwrap()
                    .is_none()
            );
            let all = s.alerts_since(Timestamp::MIN).unwrap();
            assert_eq!(all.len(), 2);
            assert_eq!(all[0].at_ms, 10);
            assert_eq!(
                all[0].delivery_error.as_deref(),
                Some("webhook: HTTP 500; command exited with status 1")
            );
            assert_eq!(s.alerts_since(ms(15)).unwrap().len(), 1);
            assert_eq!(s.recent_alerts(1).unwrap()[0].kind, "drop");
            assert_eq!(
                s.alert_counts().unwrap(),
                vec![("drop".to_string(), 1), ("milestone".to_string(), 1)]
            );
        }
    }

    #[test]
    fn the_peak_is_the_highest_and_earliest_in_the_window() {
        for dir in places() {
            let mut s = dir.open().unwrap();
            s.sync_accounts(&[account("a")]).unwrap();
            for (at, n) in [(100, 5), (200, 9), (300, 9), (400, 12), (500, 3)] {
                s.insert_sample("a", sample(at, n)).unwrap();
            }
            assert_eq!(
                s.peak_between("a", ms(0), ms(400)).unwrap(),
                Some(sample(200, 9))
            );
            assert_eq!(
                s.peak_between("a", ms(0), ms(500)).unwrap(),
                Some(sample(400, 12))
            );
            assert_eq!(s.peak_between("a", ms(450), ms(500)).unwrap(), None);
        }
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", 99).unwrap();
        }
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    const DAY_MS: i64 = 86_400_000;

    fn marked(s: &Store) -> (i64, i64) {
        s.conn
            .query_row(
                "SELECT (SELECT count(*) FROM fresh_marks), (SELECT count(*) FROM week_marks)",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }

    fn fresh(s: &Store, times: &[i64]) -> Vec<Option<i64>> {
        s.read(|s| s.fresh_sourced_followers_at_each("a", times, 7 * DAY_MS))
            .unwrap()
            .into_iter()
            .map(|v| v.map(|(f, _)| f))
            .collect()
    }

    /// A history with account "a" and its one sample: 100 followers on day 10.
    fn day_10_at_100() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_dir(dir.path()).unwrap();
        s.sync_accounts(&[account("a")]).unwrap();
        s.insert_sample("a", sample(10 * DAY_MS, 100)).unwrap();
        (dir, s)
    }

    #[test]
    fn kept_fresh_counts_give_way_to_a_sample_written_later_in_the_past() {
        let (_dir, mut s) = day_10_at_100();
        s.insert_sample("a", sample(20 * DAY_MS, 200)).unwrap();
        let times = [12 * DAY_MS, 19 * DAY_MS, 21 * DAY_MS, 30 * DAY_MS];
        let want = vec![Some(100), None, Some(200), None];
        assert_eq!(fresh(&s, &times), want);
        assert_eq!(marked(&s).0, 4, "the answers are kept");
        // kept answers read back the same
        assert_eq!(fresh(&s, &times), want);
        // a backfilled count at day 18 changes the answer at 19 (and no other
        // before it); one at day 25 the answer at 30
        s.insert_sample("a", sample(18 * DAY_MS, 180)).unwrap();
        s.insert_sample("a", sample(25 * DAY_MS, 250)).unwrap();
        assert_eq!(
            fresh(&s, &times),
            vec![Some(100), Some(180), Some(200), Some(250)]
        );
        // a sample written with an upsert (a newer poll of the same instant)
        s.insert_samples_from("a", &[sample(25 * DAY_MS, 260)], SampleSource::Imported)
            .unwrap();
        let now = fresh(&s, &times);
        assert!(matches!(now[3], Some(250) | Some(260)), "{now:?}");
        s.conn.execute_batch("DELETE FROM fresh_marks").unwrap();
        assert_eq!(fresh(&s, &times), now, "kept and worked out agree");
    }

    #[test]
    fn answers_worked_out_while_another_connection_writes_are_kept_only_for_untouched_accounts() {
        let (dir, mut s) = day_10_at_100();
        s.sync_accounts(&[account("a"), account("b")]).unwrap();
        s.insert_sample("b", sample(10 * DAY_MS, 500)).unwrap();
        let mut other = Store::open_dir(dir.path()).unwrap();
        let times = [12 * DAY_MS];
        let during = s
            .read(|s| {
                let a = s.fresh_sourced_followers_at_each("a", &times, 7 * DAY_MS)?;
                let b = s.fresh_sourced_followers_at_each("b", &times, 7 * DAY_MS)?;
                s.keep_week_seconds("a", "UTC", &[(0, 60)])?;
                s.keep_week_seconds("b", "UTC", &[(0, 60)])?;
                // written after this read's snapshot was taken: a's answer
                // above is already out of date; b's is not
                other.insert_sample("a", sample(11 * DAY_MS, 110)).unwrap();
                Ok((a, b))
            })
            .unwrap();
        assert_eq!(during.0[0].map(|v| v.0), Some(100), "the snapshot's answer");
        let kept_for = |key: &str| -> (i64, i64) {
            s.conn
                .query_row(
                    "SELECT (SELECT count(*) FROM fresh_marks WHERE account = a.id),
                            (SELECT count(*) FROM week_marks WHERE account = a.id)
                     FROM accounts a WHERE key = ?1",
                    params![key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap()
        };
        assert_eq!(kept_for("a"), (0, 0), "a was written meanwhile: not kept");
        assert_eq!(kept_for("b"), (1, 1), "b was not: kept");
        // worked out again, with nobody writing: kept
        assert_eq!(fresh(&s, &times), vec![Some(110)]);
        assert_eq!(kept_for("a"), (1, 0));
    }

    #[test]
    fn keeping_answers_never_waits_for_another_writer() {
        let (dir, mut s) = day_10_at_100();
        let holder = Connection::open(dir.path().join("socialtop.db")).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let started = std::time::Instant::now();
        assert_eq!(fresh(&s, &[12 * DAY_MS]), vec![Some(100)]);
        // the write lock is busy: the answer is not kept, and the read did
        // not wait out the 5 s a write would
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
        assert_eq!(marked(&s).0, 0);
        holder.execute_batch("ROLLBACK").unwrap();
        // and a write waits for the lock, as before (and reads before it
        // writes: a deferred transaction could not wait)
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            holder.execute_batch("COMMIT").unwrap();
        });
        s.insert_sample("a", sample(11 * DAY_MS, 110)).unwrap();
        release.join().unwrap();
    }

    #[test]
    fn a_reader_that_refuses_writes_keeps_answers_and_still_refuses_writes() {
        let (dir, s) = day_10_at_100();
        let mut reader = Store::open_dir(dir.path()).unwrap();
        reader.set_query_only(true).unwrap();
        assert_eq!(fresh(&reader, &[12 * DAY_MS]), vec![Some(100)]);
        assert_eq!(marked(&s).0, 1);
        assert!(reader.insert_sample("a", sample(11 * DAY_MS, 1)).is_err());
    }

    #[test]
    fn kept_weeks_of_time_are_dropped_by_any_change_to_the_accounts_time() {
        // SQLite only: PostgreSQL keeps no answers
        for dir in places().into_iter().filter(|p| !p.is_pg()) {
            let mut s = dir.open().unwrap();
            s.sync_accounts(&[account("a"), account("b")]).unwrap();
            let weeks = [(1_000, 60), (605_800, 120)];
            // outside a read nothing is kept
            s.keep_week_seconds("a", "UTC", &weeks).unwrap();
            assert_eq!(marked(&s).1, 0);
            s.read(|s| {
                s.keep_week_seconds("a", "UTC", &weeks)?;
                s.keep_week_seconds("b", "UTC", &weeks)
            })
            .unwrap();
            assert_eq!(
                s.kept_week_seconds("a", "UTC").unwrap(),
                Some(weeks.to_vec())
            );
            assert_eq!(s.kept_week_seconds("a", "Europe/Paris").unwrap(), None);
            s.add_time_entries("a", &[entry(0, 60, "manual", None)])
                .unwrap();
            assert_eq!(s.kept_week_seconds("a", "UTC").unwrap(), None);
            assert_eq!(
                s.kept_week_seconds("b", "UTC").unwrap(),
                Some(weeks.to_vec()),
                "another account's are kept"
            );
        }
    }

    #[test]
    fn time_is_the_loggers_and_each_person_has_a_timer_of_their_own() {
        for dir in places() {
            let mut alice = dir.open().unwrap();
            alice.sync_accounts(&[account("a"), account("b")]).unwrap();
            alice.set_person("alice");
            let mut bob = dir.open().unwrap();
            bob.set_person("bob");
            alice
                .add_time_entries("a", &[entry(0, 600, "log", None)])
                .unwrap();
            bob.add_time_entries("a", &[entry(3_600, 900, "log", None)])
                .unwrap();
            assert_eq!(
                alice.time_entries("a").unwrap(),
                vec![(T0, 600), (T0 + 3_600, 900)]
            );
            assert_eq!(
                bob.time_entries_of("a", Some("alice")).unwrap(),
                vec![(T0, 600)]
            );
            assert_eq!(
                alice.time_entries_of("a", Some("bob")).unwrap(),
                vec![(T0 + 3_600, 900)]
            );
            assert_eq!(alice.time_entries_of("a", None).unwrap().len(), 2);

            // two timers at once, one each; stopping one leaves the other
            assert_eq!(alice.start_timer("a", T0 + 10_000).unwrap(), None);
            assert_eq!(bob.timer().unwrap(), None, "alice's timer is not bob's");
            assert_eq!(bob.start_timer("b", T0 + 10_100).unwrap(), None);
            assert_eq!(alice.timer().unwrap(), Some(("a".into(), T0 + 10_000)));
            assert_eq!(
                alice.stop_timer(T0 + 10_600).unwrap(),
                Some(("a".into(), 600))
            );
            assert_eq!(bob.timer().unwrap(), Some(("b".into(), T0 + 10_100)));
            assert_eq!(
                alice.time_entries_of("a", Some("alice")).unwrap(),
                vec![(T0, 600), (T0 + 10_000, 600)]
            );
            assert_eq!(
                bob.stop_timer(T0 + 10_400).unwrap(),
                Some(("b".into(), 300))
            );
            assert_eq!(
                bob.time_entries_of("b", Some("bob")).unwrap(),
                vec![(T0 + 10_100, 300)]
            );
        }
    }

    #[test]
    fn a_timer_running_from_before_people_is_taken_over_by_whoever_uses_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            // a history from before people, its timer running
            let c = history_at_version(&path, 13);
            c.execute_batch(
                "INSERT INTO accounts (id, key, platform, handle, metric) VALUES (1, 'a', 'github', 'a', 'followers');
                 INSERT INTO time_entries (account, start, seconds, source) VALUES (1, 1700000000, 60, 'log');",
            )
            .unwrap();
            c.execute(
                "INSERT INTO timer (id, account, started) VALUES (1, 1, ?1)",
                params![T0],
            )
            .unwrap();
        }
        let mut s = Store::open(&path).unwrap();
        assert_eq!(
            s.time_entries_of("a", Some("")).unwrap(),
            vec![(1_700_000_000, 60)],
            "time from before people is nobody's in particular"
        );
        s.set_person("alice");
        assert_eq!(s.timer().unwrap(), Some(("a".into(), T0)));
        assert_eq!(s.stop_timer(T0 + 60).unwrap(), Some(("a".into(), 60)));
        assert_eq!(
            s.time_entries_of("a", Some("alice")).unwrap(),
            vec![(T0, 60)]
        );
        assert_eq!(s.timer().unwrap(), None);
        assert_eq!(s.time_entries("a").unwrap().len(), 2, "the team's");
    }
}
