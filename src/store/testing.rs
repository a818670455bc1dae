//! Where a test's history lives: a temporary data dir (SQLite), and a fresh
//! schema of the PostgreSQL database `SOCIALTOP_TEST_DATABASE_URL` names, so
//! the same test runs on both engines. Without that variable only SQLite runs
//! (a note says so), but under `CI=true` its absence fails the test.

// test support: a test that cannot get its database fails, loudly
#![allow(clippy::panic)]

use std::sync::atomic::{AtomicU64, Ordering};

use super::{Result, Store};

/// The variable naming the PostgreSQL database tests may use.
pub const TEST_DATABASE_URL: &str = "SOCIALTOP_TEST_DATABASE_URL";

/// One place a test's history lives.
pub enum Place {
    Dir(tempfile::TempDir),
    /// A schema of its own (dropped when done) in the test database.
    Pg {
        url: String,
        admin: String,
        schema: String,
    },
}

impl Place {
    /// Opens (a new connection to) the history here.
    pub fn open(&self) -> Result<Store> {
        match self {
            Place::Dir(d) => Store::open_dir(d.path()),
            Place::Pg { url, .. } => Store::open_url(url),
        }
    }

    /// The data dir, or (PostgreSQL) a data dir nothing is kept in.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Place::Dir(d) => d.path(),
            Place::Pg { .. } => std::path::Path::new("/nonexistent"),
        }
    }

    /// The URL a config's `database_url` gives, for PostgreSQL.
    pub fn url(&self) -> Option<&str> {
        match self {
            Place::Dir(_) => None,
            Place::Pg { url, .. } => Some(url),
        }
    }

    /// Ends every connection to this place from the server's side, as a
    /// restarted or failed-over server does (PostgreSQL only).
    pub fn end_connections(&self) {
        if let Place::Pg { admin, schema, .. } = self {
            admin_sql(
                admin,
                &format!(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = '{schema}'"
                ),
            )
            .unwrap_or_else(|e| panic!("cannot end the connections: {e}"));
        }
    }

    /// Runs `sql` in this place's schema, as its owner (PostgreSQL only).
    pub fn sql(&self, sql: &str) {
        if let Place::Pg { admin, schema, .. } = self {
            admin_sql(admin, &format!("SET search_path = {schema}; {sql}"))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }

    pub fn is_pg(&self) -> bool {
        matches!(self, Place::Pg { .. })
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Dir(_) => f.write_str("SQLite"),
            Place::Pg { .. } => f.write_str("PostgreSQL"),
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Place::Pg { admin, schema, .. } = self {
            let _ = admin_sql(admin, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// The test database's URL, if tests may use one; `CI=true` without one
/// fails.
pub fn test_database_url() -> Option<String> {
    match std::env::var(TEST_DATABASE_URL) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{TEST_DATABASE_URL} is not set: under CI=true every store test runs on PostgreSQL too"
            );
            None
        }
    }
}

/// A new, empty PostgreSQL place (a schema of its own), if there is a test
/// database.
pub fn pg_place() -> Option<Place> {
    static N: AtomicU64 = AtomicU64::new(0);
    let admin = test_database_url()?;
    let schema = format!(
        "t{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        fastrand::u32(..)
    );
    admin_sql(&admin, &format!("CREATE SCHEMA {schema}"))
        .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL}: cannot make a schema: {e}"));
    let sep = if admin.contains('?') { '&' } else { '?' };
    let url = format!("{admin}{sep}options=-csearch_path%3D{schema}&application_name={schema}");
    Some(Place::Pg { url, admin, schema })
}

/// Runs `sql` on the test database, on a thread of its own (the client
/// must not run inside an async test's runtime).
fn admin_sql(admin: &str, sql: &str) -> std::result::Result<(), String> {
    let (admin, sql) = (admin.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let mut c =
            postgres::Client::connect(&admin, postgres::NoTls).map_err(|e| e.to_string())?;
        c.batch_execute(&sql).map_err(|e| e.to_string())
    })
    .join()
    .unwrap_or_else(|_| Err("its thread panicked".into()))
}

/// Both places: a temporary data dir, and a PostgreSQL schema when there is a
/// test database.
pub fn places() -> Vec<Place> {
    let mut out = vec![Place::Dir(
        tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary dir: {e}")),
    )];
    out.extend(pg_place());
    out
}
