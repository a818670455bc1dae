//! One connection to a history, whichever engine holds it: SQLite (a file in
//! the data dir, the default) or PostgreSQL (`database_url`, a team's shared
//! history). The store's operations are written once, against [`Conn`], one
//! [`Engine`]; what differs between the engines is the trait's two
//! implementations (how statements run, how values cross, transactions, bulk
//! inserts) and the two schemas.
//!
//! Statements are written in the SQL both engines take (`?N` parameters,
//! `ON CONFLICT`, `RETURNING`); for PostgreSQL the parameters become `$N` and
//! the PostgreSQL schema adds the few SQLite functions the statements use
//! (two-argument `max`/`min`, `group_concat`). Values cross as SQLite's
//! [`Value`]s: every integer column is a `BIGINT` there.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::mpsc;

use rusqlite::ToSql;
use rusqlite::types::{FromSql, Value, ValueRef};

pub type DbResult<T> = std::result::Result<T, DbError>;

/// An engine's error.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Lite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Pg(#[from] postgres::Error),
    /// The PostgreSQL server cannot be reached (or went away): what was to be
    /// written is kept by the caller and written when it is back.
    #[error("cannot reach the database server: {0}")]
    Unreachable(String),
    /// A value that cannot cross between the engines' types.
    #[error("{0}")]
    Value(String),
}

/// A PostgreSQL error in one line: the server's message (and detail), or the
/// client's.
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({d})", db.message()),
            None => db.message().to_string(),
        },
        None => e.to_string(),
    }
}

impl DbError {
    /// No row where exactly one was asked for.
    pub fn is_no_rows(&self) -> bool {
        matches!(self, DbError::Lite(rusqlite::Error::QueryReturnedNoRows))
    }
}

/// `query_row(…).optional()`: no row is `None`, not an error.
pub trait Optional<T> {
    fn optional(self) -> DbResult<Option<T>>;
}

impl<T> Optional<T> for DbResult<T> {
    fn optional(self) -> DbResult<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_no_rows() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A statement's parameters (`rusqlite::params![…]`).
pub type Params<'a> = &'a [&'a dyn ToSql];

/// One row of a result.
pub enum Row<'a> {
    Lite(&'a rusqlite::Row<'a>),
    Pg(&'a [Value]),
}

/// A column index (`usize`), as in `row.get(0)`.
pub trait Index: Copy {
    fn index(self) -> usize;
}

impl Index for usize {
    fn index(self) -> usize {
        self
    }
}

impl Row<'_> {
    /// Column `i` as a `T`.
    pub fn get<I: Index, T: FromSql>(&self, i: I) -> DbResult<T> {
        let i = i.index();
        match self {
            Row::Lite(r) => Ok(r.get(i)?),
            Row::Pg(values) => {
                let v = values
                    .get(i)
                    .ok_or(DbError::Lite(rusqlite::Error::InvalidColumnIndex(i)))?;
                T::column_result(ValueRef::from(v)).map_err(|e| {
                    DbError::Lite(rusqlite::Error::FromSqlConversionFailure(
                        i,
                        v.data_type(),
                        Box::new(e),
                    ))
                })
            }
        }
    }
}

/// What an engine does for the store: the one seam between the store's
/// operations (written once, against [`Conn`]) and the database that holds a
/// history. Two implementations: SQLite ([`rusqlite::Connection`], a file in
/// the data dir) and PostgreSQL ([`Pg`], `database_url`).
pub trait Engine: Send {
    /// Prepares `sql` (kept for the next time).
    fn prepare(&self, sql: &str) -> DbResult<Stmt<'_>>;
    /// Runs statements that take no parameters, one after another.
    fn batch(&self, sql: &str) -> DbResult<()>;
    /// Whether a transaction is open.
    fn in_transaction(&self) -> bool;
    /// Opens a write transaction, after every other writer's.
    fn begin_write(&self) -> DbResult<()>;
    /// Opens a read transaction: one snapshot for every statement in it.
    fn begin_read(&self) -> DbResult<()>;
    /// Adds `rows` (values of `columns`, in order) to `table`.
    fn insert_rows(&self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> DbResult<()>;
    /// The SQLite connection, for what only SQLite has (pragmas, its file).
    fn lite(&self) -> Option<&rusqlite::Connection> {
        None
    }
}

impl Engine for rusqlite::Connection {
    fn prepare(&self, sql: &str) -> DbResult<Stmt<'_>> {
        Ok(Stmt::Lite(self.prepare_cached(sql)?))
    }

    fn batch(&self, sql: &str) -> DbResult<()> {
        Ok(self.execute_batch(sql)?)
    }

    fn in_transaction(&self) -> bool {
        !self.is_autocommit()
    }

    /// It takes the write lock first (`BEGIN IMMEDIATE`).
    fn begin_write(&self) -> DbResult<()> {
        self.batch("BEGIN IMMEDIATE")
    }

    fn begin_read(&self) -> DbResult<()> {
        self.batch("BEGIN")
    }

    /// One by one, on one prepared statement.
    fn insert_rows(&self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> DbResult<()> {
        let list = columns.join(", ");
        let marks = (1..=columns.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt =
            self.prepare_cached(&format!("INSERT INTO {table} ({list}) VALUES ({marks})"))?;
        for row in rows {
            stmt.execute(rusqlite::params_from_iter(row.iter()))?;
        }
        Ok(())
    }

    fn lite(&self) -> Option<&rusqlite::Connection> {
        Some(self)
    }
}

impl Engine for Pg {
    fn prepare(&self, sql: &str) -> DbResult<Stmt<'_>> {
        Ok(Stmt::Pg(self, sql.to_string()))
    }

    fn batch(&self, sql: &str) -> DbResult<()> {
        self.call(sql, Vec::new(), Want::Batch).map(|_| ())
    }

    fn in_transaction(&self) -> bool {
        self.in_tx.get()
    }

    /// It takes one lock every writer of the history takes, so writes run
    /// one after another as on SQLite (a step that reads, then writes what
    /// it read, sees no other write between).
    fn begin_write(&self) -> DbResult<()> {
        self.batch("BEGIN")?;
        self.call(
            "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(7301)) AS l",
            Vec::new(),
            Want::Rows,
        )
        .map(|_| ())
    }

    fn begin_read(&self) -> DbResult<()> {
        self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    }

    /// In one `COPY`.
    fn insert_rows(&self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> DbResult<()> {
        let mut data = Vec::with_capacity(rows.len() * 48);
        for row in rows {
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    data.push(b'\t');
                }
                copy_text(v, &mut data)?;
            }
            data.push(b'\n');
        }
        let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
        self.call(&sql, Vec::new(), Want::Copy(data)).map(|_| ())
    }
}

/// The connection: one engine.
pub struct Conn(Box<dyn Engine>);

impl<E: Engine + 'static> From<E> for Conn {
    fn from(engine: E) -> Conn {
        Conn(Box::new(engine))
    }
}

/// A prepared statement.
pub enum Stmt<'c> {
    Lite(rusqlite::CachedStatement<'c>),
    Pg(&'c Pg, String),
}

impl Conn {
    /// The SQLite connection, for what only SQLite has (pragmas, its file).
    pub fn lite(&self) -> Option<&rusqlite::Connection> {
        self.0.lite()
    }

    pub fn is_pg(&self) -> bool {
        self.0.lite().is_none()
    }

    /// Prepares `sql` (kept for the next time).
    pub fn prepare_cached(&self, sql: &str) -> DbResult<Stmt<'_>> {
        self.0.prepare(sql)
    }

    pub fn prepare(&self, sql: &str) -> DbResult<Stmt<'_>> {
        self.0.prepare(sql)
    }

    pub fn execute(&self, sql: &str, params: Params<'_>) -> DbResult<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T>(
        &self,
        sql: &str,
        params: Params<'_>,
        f: impl FnOnce(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Runs statements that take no parameters, one after another.
    pub fn execute_batch(&self, sql: &str) -> DbResult<()> {
        self.0.batch(sql)
    }

    /// Adds `rows` (values of `columns`, in order) to `table`: SQLite
    /// inserts them one by one on one prepared statement, PostgreSQL takes
    /// them in one `COPY`.
    pub fn insert_rows(&self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> DbResult<()> {
        self.0.insert_rows(table, columns, rows)
    }

    /// Whether no transaction is open.
    pub fn is_autocommit(&self) -> bool {
        !self.0.in_transaction()
    }

    /// Opens a write transaction (see [`Engine::begin_write`]).
    pub fn begin_write(&self) -> DbResult<()> {
        self.0.begin_write()
    }

    /// Opens a read transaction: one snapshot for every statement in it.
    pub fn begin_read(&self) -> DbResult<()> {
        self.0.begin_read()
    }

    /// Runs `f` in a write transaction, committing if it succeeds.
    pub fn write_tx<T>(&self, f: impl FnOnce(&Conn) -> DbResult<T>) -> DbResult<T> {
        self.begin_write()?;
        let out = f(self).and_then(|v| self.execute_batch("COMMIT").map(|()| v));
        if out.is_err() && !self.is_autocommit() {
            let _ = self.execute_batch("ROLLBACK");
        }
        out
    }
}

impl Stmt<'_> {
    pub fn execute(&mut self, params: Params<'_>) -> DbResult<usize> {
        match self {
            Stmt::Lite(s) => Ok(s.execute(params)?),
            Stmt::Pg(pg, sql) => match pg.call(sql, owned(params)?, Want::Count)? {
                Out::Count(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
                _ => Ok(0),
            },
        }
    }

    /// Whether there is a row.
    pub fn exists(&mut self, params: Params<'_>) -> DbResult<bool> {
        self.query_row(params, |_| Ok(()))
            .optional()
            .map(|r| r.is_some())
    }

    /// The first row, through `f`; no row is an error (see [`Optional`]).
    pub fn query_row<T>(
        &mut self,
        params: Params<'_>,
        f: impl FnOnce(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<T> {
        match self {
            Stmt::Lite(s) => {
                let mut rows = s.query(params)?;
                match rows.next()? {
                    Some(r) => f(&Row::Lite(r)),
                    None => Err(rusqlite::Error::QueryReturnedNoRows.into()),
                }
            }
            Stmt::Pg(pg, sql) => match pg.call(sql, owned(params)?, Want::Rows)? {
                Out::Rows(rows) => match rows.first() {
                    Some(r) => f(&Row::Pg(r)),
                    None => Err(rusqlite::Error::QueryReturnedNoRows.into()),
                },
                _ => Err(rusqlite::Error::QueryReturnedNoRows.into()),
            },
        }
    }

    /// Every row, through `f`.
    pub fn query_map<T>(
        &mut self,
        params: Params<'_>,
        mut f: impl FnMut(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<std::vec::IntoIter<DbResult<T>>> {
        let mut out = Vec::new();
        self.for_each(
            params,
            |e| e,
            |r| {
                out.push(f(r));
                Ok(())
            },
        )?;
        Ok(out.into_iter())
    }

    /// Every row through `f` as it comes (a long result is never held whole);
    /// the first error stops it.
    pub fn for_each<E>(
        &mut self,
        params: Params<'_>,
        err: impl Fn(DbError) -> E,
        mut f: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Stmt::Lite(s) => {
                let mut rows = s.query(params).map_err(|e| err(e.into()))?;
                while let Some(r) = rows.next().map_err(|e| err(e.into()))? {
                    f(&Row::Lite(r))?;
                }
                Ok(())
            }
            Stmt::Pg(pg, sql) => pg.stream(sql, owned(params).map_err(&err)?, err, |rows| {
                for r in rows {
                    f(&Row::Pg(r))?;
                }
                Ok(())
            }),
        }
    }
}

/// A value in `COPY`'s text format.
fn copy_text(v: &Value, out: &mut Vec<u8>) -> DbResult<()> {
    match v {
        Value::Null => out.extend_from_slice(b"\\N"),
        Value::Integer(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Value::Real(f) => out.extend_from_slice(f.to_string().as_bytes()),
        Value::Text(t) => {
            for b in t.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    0 => return Err(DbError::Value("a text with a NUL byte".into())),
                    b => out.push(b),
                }
            }
        }
        Value::Blob(_) => return Err(DbError::Value("a blob in a copied table".into())),
    }
    Ok(())
}

/// Parameters as owned values, to cross to the PostgreSQL connection's thread.
fn owned(params: Params<'_>) -> DbResult<Vec<Value>> {
    params
        .iter()
        .map(|p| {
            Ok(match p.to_sql()? {
                rusqlite::types::ToSqlOutput::Borrowed(v) => match v {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::Integer(i),
                    ValueRef::Real(f) => Value::Real(f),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                },
                rusqlite::types::ToSqlOutput::Owned(v) => v,
                _ => return Err(DbError::Value("a parameter of an unknown kind".into())),
            })
        })
        .collect()
}

/// What a statement is run for.
enum Want {
    Rows,
    Count,
    Batch,
    /// Rows in batches, as they come.
    Stream,
    /// `COPY … FROM STDIN` of these bytes (text format).
    Copy(Vec<u8>),
}

enum Out {
    Rows(Vec<Vec<Value>>),
    Count(u64),
    Done,
}

struct Job {
    sql: String,
    params: Vec<Value>,
    want: Want,
    reply: mpsc::SyncSender<DbResult<Out>>,
}

/// A PostgreSQL connection, served by a thread of its own: the client blocks
/// on its own runtime, which must not run inside the service's, and every
/// statement crosses there and back.
pub struct Pg {
    jobs: mpsc::Sender<Job>,
    in_tx: Cell<bool>,
}

impl Pg {
    /// Connects to `url` (failing now if it cannot), on a thread of its own.
    pub fn connect(url: &str) -> DbResult<Pg> {
        let config = config_of(url)?;
        let (jobs, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("socialtop-pg".into())
            .spawn(move || serve(config, rx, ready_tx))
            .map_err(|e| DbError::Unreachable(format!("cannot start its thread: {e}")))?;
        match ready.recv() {
            Ok(Ok(())) => Ok(Pg {
                jobs,
                in_tx: Cell::new(false),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(DbError::Unreachable("its thread stopped".into())),
        }
    }

    fn call(&self, sql: &str, params: Vec<Value>, want: Want) -> DbResult<Out> {
        let (reply, rx) = mpsc::sync_channel(1);
        let job = Job {
            sql: sql.to_string(),
            params,
            want,
            reply,
        };
        self.track(sql);
        self.jobs
            .send(job)
            .map_err(|_| DbError::Unreachable("the connection's thread stopped".into()))?;
        rx.recv()
            .map_err(|_| DbError::Unreachable("the connection's thread stopped".into()))?
    }

    /// Notes a transaction opening or ending.
    fn track(&self, sql: &str) {
        let head = sql.trim_start().get(..8).unwrap_or("").to_ascii_uppercase();
        if head.starts_with("BEGIN") {
            self.in_tx.set(true);
        } else if head.starts_with("COMMIT") || head.starts_with("ROLLBACK") {
            self.in_tx.set(false);
        }
    }

    fn stream<E>(
        &self,
        sql: &str,
        params: Vec<Value>,
        err: impl Fn(DbError) -> E,
        mut f: impl FnMut(&[Vec<Value>]) -> Result<(), E>,
    ) -> Result<(), E> {
        let (reply, rx) = mpsc::sync_channel(2);
        let job = Job {
            sql: sql.to_string(),
            params,
            want: Want::Stream,
            reply,
        };
        let gone = || DbError::Unreachable("the connection's thread stopped".into());
        self.jobs.send(job).map_err(|_| err(gone()))?;
        loop {
            match rx.recv() {
                Ok(Ok(Out::Rows(rows))) => f(&rows)?,
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(e)) => return Err(err(e)),
                Err(_) => return Err(err(gone())),
            }
        }
    }
}

/// A PostgreSQL URL (`database_url`): kept whole to connect, shown (and
/// debug-printed) without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Checks `url`: a `postgres://` (or `postgresql://`) URL the client
    /// takes. The error never repeats the URL.
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        let url = url.trim();
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err("is not a postgres:// URL".into());
        }
        url.parse::<postgres::Config>()
            .map_err(|e| format!("is not a URL PostgreSQL takes ({e})"))?;
        Ok(DatabaseUrl(url.to_string()))
    }

    /// The whole URL, password included: only to connect.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The URL without its password.
    pub fn shown(&self) -> String {
        redact(&self.0)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", self.shown())
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

/// The client's settings for `url`. A server on this machine needs no TLS
/// (and Debian's has a certificate no one can verify); elsewhere TLS is tried
/// first, and its certificate verified, unless the URL says `sslmode`.
fn config_of(url: &str) -> DbResult<postgres::Config> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e: postgres::Error| DbError::Value(format!("database_url: {e}")))?;
    if !url.contains("sslmode") && on_this_machine(&config) {
        config.ssl_mode(postgres::config::SslMode::Disable);
    }
    Ok(config)
}

/// The channel every data write notifies on commit (PostgreSQL).
pub const CHANNEL: &str = "socialtop";

/// Listens for other connections' writes: `on_change` is called for each
/// notification on [`CHANNEL`], and once whenever the listening connection is
/// made (again), since writes may have gone unheard meanwhile. Its own
/// connection and thread; it stops when the [`Listener`] is dropped.
pub fn listen(url: &str, on_change: impl Fn() + Send + 'static) -> DbResult<Listener> {
    let config = config_of(url)?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = std::sync::Arc::clone(&stop);
    let done = move || stopped.load(std::sync::atomic::Ordering::Relaxed);
    std::thread::Builder::new()
        .name("socialtop-listen".into())
        .spawn(move || {
            use postgres::fallible_iterator::FallibleIterator;
            while !done() {
                let Ok(mut c) = connect(&config) else {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                    continue;
                };
                if c.batch_execute(&format!("LISTEN {CHANNEL}")).is_err() {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                    continue;
                }
                on_change();
                let mut heard = c.notifications();
                while !done() {
                    // a new wait each time: a spent one returns at once
                    match heard
                        .timeout_iter(std::time::Duration::from_millis(500))
                        .next()
                    {
                        Ok(Some(_)) => on_change(),
                        Ok(None) => {}
                        Err(_) => break,
                    }
                }
            }
        })
        .map_err(|e| DbError::Unreachable(format!("cannot start its thread: {e}")))?;
    Ok(Listener { stop })
}

/// A running [`listen`]: dropping it stops the listening.
pub struct Listener {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `url` without its password (`postgres://user:…@host/db` reads
/// `postgres://user@host/db`); a key=value string loses `password=…`.
pub fn redact(url: &str) -> String {
    if let Ok(mut u) = reqwest::Url::parse(url)
        && (u.scheme() == "postgres" || u.scheme() == "postgresql")
    {
        let _ = u.set_password(None);
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| k != "password")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if pairs.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
        return u.to_string();
    }
    url.split_whitespace()
        .filter(|part| !part.to_ascii_lowercase().starts_with("password="))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether every host of `config` is this machine (loopback or a socket).
fn on_this_machine(config: &postgres::Config) -> bool {
    use postgres::config::Host;
    !config.get_hosts().is_empty()
        && config.get_hosts().iter().all(|h| match h {
            Host::Tcp(name) => {
                name == "localhost"
                    || name
                        .trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
            Host::Unix(_) => true,
        })
}

/// How many rows a streamed result sends at a time.
const BATCH: usize = 2048;

/// The connection's thread: runs each job, connecting again after the server
/// went away. A transaction the server lost with its connection is failed to
/// its end (its `ROLLBACK`), never continued outside one.
fn serve(
    config: postgres::Config,
    jobs: mpsc::Receiver<Job>,
    ready: mpsc::SyncSender<DbResult<()>>,
) {
    let mut client = match connect(&config) {
        Ok(c) => Some(c),
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    let mut cache: HashMap<String, postgres::Statement> = HashMap::new();
    let mut in_tx = false;
    let mut lost_tx = false;
    for job in jobs {
        let head = job
            .sql
            .trim_start()
            .get(..8)
            .unwrap_or("")
            .to_ascii_uppercase();
        let ends = head.starts_with("COMMIT") || head.starts_with("ROLLBACK");
        if lost_tx {
            if ends {
                lost_tx = false;
                in_tx = false;
                let out = if head.starts_with("ROLLBACK") {
                    Ok(Out::Done)
                } else {
                    Err(DbError::Unreachable(
                        "the connection was lost during the transaction".into(),
                    ))
                };
                let _ = job.reply.send(out);
            } else {
                let _ = job.reply.send(Err(DbError::Unreachable(
                    "the connection was lost during the transaction".into(),
                )));
            }
            continue;
        }
        if client.as_ref().is_none_or(|c| c.is_closed()) {
            cache.clear();
            if in_tx {
                // its transaction went with it
                lost_tx = !ends;
                in_tx = false;
                let _ = job.reply.send(if head.starts_with("ROLLBACK") {
                    Ok(Out::Done)
                } else {
                    Err(DbError::Unreachable(
                        "the connection was lost during the transaction".into(),
                    ))
                });
                continue;
            }
            match connect(&config) {
                Ok(c) => client = Some(c),
                Err(e) => {
                    client = None;
                    let _ = job.reply.send(Err(e));
                    continue;
                }
            }
        }
        let Some(c) = client.as_mut() else {
            continue;
        };
        // a statement outside a transaction (or the BEGIN of one) that
        // found the connection ended by the server is run once more on a new
        // one: nothing of it was done (a streamed result may have been half
        // read, so it is not)
        let outside = (!in_tx || head.starts_with("BEGIN")) && !matches!(job.want, Want::Stream);
        if head.starts_with("BEGIN") {
            in_tx = true;
        } else if ends {
            in_tx = false;
        }
        let mut out = run(c, &mut cache, &job);
        if let Err(DbError::Pg(e)) = &out
            && (e.is_closed() || c.is_closed())
        {
            cache.clear();
            if outside && let Ok(fresh) = connect(&config) {
                *c = fresh;
                out = run(c, &mut cache, &job);
            }
        }
        if let Ok(out) = out {
            let _ = job.reply.send(Ok(out));
        } else if let Err(e) = out {
            let e = match e {
                DbError::Pg(e) if e.is_closed() || c.is_closed() => {
                    DbError::Unreachable(pg_message(&e))
                }
                e => e,
            };
            let _ = job.reply.send(Err(e));
        }
    }
}

fn connect(config: &postgres::Config) -> DbResult<postgres::Client> {
    let tls = tls()?;
    config
        .connect(tls)
        .map_err(|e| DbError::Unreachable(pg_message(&e)))
}

/// TLS for the connection (rustls, with the web's root certificates), used
/// when the URL asks for it (`sslmode=require`; `prefer`, the default, tries
/// it first).
fn tls() -> DbResult<tokio_postgres_rustls::MakeRustlsConnect> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::Unreachable(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

fn run(
    c: &mut postgres::Client,
    cache: &mut HashMap<String, postgres::Statement>,
    job: &Job,
) -> DbResult<Out> {
    match &job.want {
        Want::Batch => {
            c.batch_execute(&job.sql)?;
            return Ok(Out::Done);
        }
        Want::Copy(data) => {
            use std::io::Write;
            let mut w = c.copy_in(job.sql.as_str())?;
            w.write_all(data)
                .map_err(|e| DbError::Value(format!("COPY: {e}")))?;
            return Ok(Out::Count(w.finish()?));
        }
        _ => {}
    }
    let stmt = match cache.get(&job.sql) {
        Some(s) => s.clone(),
        None => {
            let s = c.prepare(&dollar_params(&job.sql))?;
            cache.insert(job.sql.clone(), s.clone());
            s
        }
    };
    let bound = stmt
        .params()
        .iter()
        .enumerate()
        .map(|(i, ty)| match job.params.get(i) {
            Some(v) => bind(v, ty, i + 1),
            None => Err(DbError::Value(format!("parameter ${} is missing", i + 1))),
        })
        .collect::<DbResult<Vec<_>>>()?;
    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = bound
        .iter()
        .map(|b| b.as_ref() as &(dyn postgres::types::ToSql + Sync))
        .collect();
    match job.want {
        Want::Count => Ok(Out::Count(c.execute(&stmt, &refs)?)),
        Want::Rows => {
            let rows = c.query(&stmt, &refs)?;
            Ok(Out::Rows(
                rows.iter().map(values).collect::<DbResult<Vec<_>>>()?,
            ))
        }
        Want::Stream => {
            use postgres::fallible_iterator::FallibleIterator;
            let mut it = c.query_raw(&stmt, refs.iter().copied())?;
            let mut batch = Vec::with_capacity(BATCH);
            while let Some(row) = it.next()? {
                batch.push(values(&row)?);
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if job.reply.send(Ok(Out::Rows(full))).is_err() {
                        // the reader stopped: the rest is not wanted
                        return Ok(Out::Done);
                    }
                }
            }
            if !batch.is_empty() {
                let _ = job.reply.send(Ok(Out::Rows(batch)));
            }
            Ok(Out::Done)
        }
        Want::Batch | Want::Copy(_) => Ok(Out::Done),
    }
}

/// `?N` (and `?`) parameters as PostgreSQL's `$N`, outside quoted text.
pub fn dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1;
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\'' => {
                quoted = !quoted;
                out.push(ch);
            }
            '?' if !quoted => {
                out.push('$');
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            _ => out.push(ch),
        }
    }
    out
}

type Bound = Box<dyn postgres::types::ToSql + Sync + Send>;

/// A value as the type PostgreSQL expects for parameter `$n`.
fn bind(v: &Value, ty: &postgres::types::Type, n: usize) -> DbResult<Bound> {
    use postgres::types::Type;
    let wrong = || {
        DbError::Value(format!(
            "parameter ${n}: a {} value cannot be a {ty}",
            v.data_type()
        ))
    };
    Ok(match v {
        Value::Null => match *ty {
            Type::INT8 => Box::new(None::<i64>),
            Type::INT4 => Box::new(None::<i32>),
            Type::INT2 => Box::new(None::<i16>),
            Type::BOOL => Box::new(None::<bool>),
            Type::FLOAT8 => Box::new(None::<f64>),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => Box::new(None::<String>),
            Type::BYTEA => Box::new(None::<Vec<u8>>),
            _ => return Err(wrong()),
        },
        Value::Integer(i) => match *ty {
            Type::INT8 => Box::new(*i),
            Type::INT4 => Box::new(i32::try_from(*i).map_err(|_| wrong())?),
            Type::INT2 => Box::new(i16::try_from(*i).map_err(|_| wrong())?),
            Type::BOOL => Box::new(*i != 0),
            Type::FLOAT8 => Box::new(*i as f64),
            _ => return Err(wrong()),
        },
        Value::Real(f) => match *ty {
            Type::FLOAT8 => Box::new(*f),
            _ => return Err(wrong()),
        },
        Value::Text(s) => match *ty {
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => Box::new(s.clone()),
            _ => return Err(wrong()),
        },
        Value::Blob(b) => match *ty {
            Type::BYTEA => Box::new(b.clone()),
            _ => return Err(wrong()),
        },
    })
}

/// A row as SQLite's values (booleans as 0 and 1).
fn values(row: &postgres::Row) -> DbResult<Vec<Value>> {
    use postgres::types::Type;
    row.columns()
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let v = match *col.type_() {
                Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Integer),
                Type::INT4 => row
                    .try_get::<_, Option<i32>>(i)?
                    .map(|v| Value::Integer(v.into())),
                Type::INT2 => row
                    .try_get::<_, Option<i16>>(i)?
                    .map(|v| Value::Integer(v.into())),
                Type::BOOL => row
                    .try_get::<_, Option<bool>>(i)?
                    .map(|v| Value::Integer(v.into())),
                Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
                Type::FLOAT4 => row
                    .try_get::<_, Option<f32>>(i)?
                    .map(|v| Value::Real(v.into())),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                    row.try_get::<_, Option<String>>(i)?.map(Value::Text)
                }
                Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
                ref other => {
                    return Err(DbError::Value(format!(
                        "column {} is a {other}, which socialtop does not read",
                        col.name()
                    )));
                }
            };
            Ok(v.unwrap_or(Value::Null))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_dollars_outside_quotes() {
        assert_eq!(
            dollar_params("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d IN (?, ?3)"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d IN ($1, $3)"
        );
    }

    #[test]
    fn the_password_never_shows() {
        assert_eq!(
            redact("postgres://team:s3cret@db.example.com:5432/social?sslmode=require"),
            "postgres://team@db.example.com:5432/social?sslmode=require"
        );
        assert_eq!(
            redact("postgresql://db.example.com/social?password=s3cret&sslmode=require"),
            "postgresql://db.example.com/social?sslmode=require"
        );
        assert_eq!(
            redact("host=db user=team password=s3cret dbname=social"),
            "host=db user=team dbname=social"
        );
    }
}

#[cfg(test)]
mod listen_tests {
    use crate::store::testing::pg_place;

    #[test]
    fn a_write_on_another_connection_is_heard_at_once() {
        let Some(place) = pg_place() else { return };
        let mut writer = place.open().unwrap();
        writer
            .sync_accounts(&[crate::model::Account::new(
                crate::model::PlatformKind::Manual,
                "a",
            )])
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let _listener = super::listen(place.url().unwrap(), move || {
            let _ = tx.send(std::time::Instant::now());
        })
        .unwrap();
        // once when it starts listening
        rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        // after a quiet while (longer than one wait for a notification)
        std::thread::sleep(std::time::Duration::from_millis(1_200));
        let at = std::time::Instant::now();
        writer
            .record_success(
                "manual:a",
                crate::model::Sample {
                    at_ms: 1_000,
                    followers: 5,
                    following: None,
                    posts: None,
                },
            )
            .unwrap();
        let heard = rx
            .recv_timeout(std::time::Duration::from_secs(2))
            .expect("the write was heard");
        assert!(heard.duration_since(at) < std::time::Duration::from_millis(600));
    }
}

/// Every statement the store writes, prepared on PostgreSQL: a statement no
/// test happens to run on it still parses and type-checks there.
#[cfg(test)]
mod every_statement {
    use super::dollar_params;
    use crate::store::testing::pg_place;

    const SOURCES: &[(&str, &str)] = &[
        ("mod.rs", include_str!("mod.rs")),
        ("people.rs", include_str!("people.rs")),
        ("deliveries.rs", include_str!("deliveries.rs")),
        ("copy.rs", include_str!("copy.rs")),
    ];

    /// The string literals of `src` (plain `"…"` ones, escapes read), with
    /// their lines.
    fn literals(src: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut chars = src.char_indices().peekable();
        let mut line = 1;
        while let Some((_, c)) = chars.next() {
            match c {
                '\n' => line += 1,
                '\'' => {
                    // a char literal ('"', '\'') or a lifetime: skip to its end
                    let mut n = 0;
                    while let Some((_, d)) = chars.peek().copied() {
                        if n > 3 || d == '\'' {
                            chars.next();
                            break;
                        }
                        if d == '\\' {
                            chars.next();
                        }
                        chars.next();
                        n += 1;
                    }
                }
                '/' if chars.peek().is_some_and(|(_, d)| *d == '/') => {
                    for (_, d) in chars.by_ref() {
                        if d == '\n' {
                            line += 1;
                            break;
                        }
                    }
                }
                '"' => {
                    let start = line;
                    let mut text = String::new();
                    while let Some((_, d)) = chars.next() {
                        match d {
                            '"' => break,
                            '\\' => match chars.next().map(|(_, e)| e) {
                                Some('n') => text.push('\n'),
                                Some('t') => text.push('\t'),
                                Some('\n') => {
                                    line += 1;
                                    while chars.peek().is_some_and(|(_, w)| w.is_whitespace()) {
                                        chars.next();
                                    }
                                }
                                Some(e) => text.push(e),
                                None => {}
                            },
                            '\n' => {
                                line += 1;
                                text.push('\n');
                            }
                            d => text.push(d),
                        }
                    }
                    out.push((start, text));
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn every_statement_prepares_on_postgresql() {
        let Some(place) = pg_place() else { return };
        drop(place.open().unwrap());
        let url = place.url().unwrap().to_string();
        let mut consts = Vec::new();
        for (_, src) in SOURCES {
            for name in ["ALERT_COLUMNS", "EVENT_COLUMNS"] {
                if let Some(at) = src.find(&format!("const {name}: &str =")) {
                    let value = literals(&src[at..]).into_iter().next().unwrap().1;
                    consts.push((format!("{{{name}}}"), value));
                }
            }
        }
        let mut statements = Vec::new();
        for (file, src) in SOURCES {
            // the tests' own statements are SQLite's
            let src = src.split("\n#[cfg(test)]\nmod tests").next().unwrap_or(src);
            for (line, text) in literals(src) {
                let head = text.trim_start();
                if !["SELECT", "INSERT", "UPDATE", "DELETE"]
                    .iter()
                    .any(|k| head.starts_with(k))
                {
                    continue;
                }
                // SQLite's own: its pragmas, kept answers, JSON arrays
                if ["PRAGMA", "fresh_marks", "week_marks", "sqlite_master"]
                    .iter()
                    .any(|k| text.contains(k))
                {
                    continue;
                }
                let mut sql = text.replace("{times}", crate::store::TIMES_PG);
                for (name, value) in &consts {
                    sql = sql.replace(name, value);
                }
                if sql.contains('{') {
                    continue;
                }
                statements.push((format!("{file}:{line}"), sql));
            }
        }
        assert!(statements.len() > 80, "found only {}", statements.len());
        let failures = std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            statements
                .iter()
                .filter_map(|(at, sql)| {
                    c.prepare(&dollar_params(sql))
                        .err()
                        .map(|e| format!("{at}: {}\n  {sql}", super::pg_message(&e)))
                })
                .collect::<Vec<_>>()
        })
        .join()
        .unwrap();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
