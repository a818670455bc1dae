//! What every entry point shares: where the config and history live, opening
//! them, the async runtime, and the signals that end a run. Both the
//! command-line commands and the dashboard stand on this; it knows neither.

use std::path::PathBuf;

use anyhow::Context;

use crate::config::{self, Config};
use crate::store::{self, Handle, Location, SharedStore, Store};

/// Resolved locations.
pub struct Paths {
    pub config: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    /// The paths given on the command line (or by environment), else the defaults.
    pub fn resolve(config: Option<PathBuf>, data_dir: Option<PathBuf>) -> Paths {
        Paths {
            config: config.unwrap_or_else(config::default_config_path),
            data_dir: data_dir.unwrap_or_else(config::default_data_dir),
        }
    }
}

/// Loads the config (writing the starter one if there is none) and opens the history.
pub fn open(paths: &Paths) -> anyhow::Result<(Config, SharedStore)> {
    let (config, created) = Config::load_or_init(&paths.config)?;
    if created {
        eprintln!(
            "socialtop: no config found; wrote a starter config to {}\n           edit it to add your own accounts.",
            paths.config.display()
        );
    }
    let store = open_store(paths, &config)?;
    Ok((config, store))
}

/// The variable that puts the history in PostgreSQL (over the config's
/// `database_url`).
pub const DATABASE_URL_VAR: &str = "SOCIALTOP_DATABASE_URL";

/// Where the history is: `SOCIALTOP_DATABASE_URL`, else the config's
/// `database_url`, else the data dir. A variable that is not a PostgreSQL
/// URL is an error naming the variable (never its value).
pub fn history(paths: &Paths, config: &Config) -> anyhow::Result<Location> {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => {
            let url = store::DatabaseUrl::parse(&url)
                .map_err(|why| anyhow::anyhow!("{DATABASE_URL_VAR} {why}"))?;
            Ok(Location::Url(url))
        }
        _ => Ok(match &config.database_url {
            Some(url) => Location::Url(url.clone()),
            None => Location::Dir(paths.data_dir.clone()),
        }),
    }
}

/// [`history`], for what was checked already (an error there is the data dir's).
pub fn location(paths: &Paths, config: &Config) -> Location {
    history(paths, config).unwrap_or_else(|_| Location::Dir(paths.data_dir.clone()))
}

/// Opens the history in the data dir and registers the configured accounts.
pub fn open_store(paths: &Paths, config: &Config) -> anyhow::Result<SharedStore> {
    let at = history(paths, config)?;
    let opened = at.open().and_then(|mut store| {
        store.sync_accounts(&config.accounts)?;
        Ok(store)
    });
    match opened {
        Ok(mut store) => {
            store.set_person(&config.user);
            Ok(store::shared(store))
        }
        // a data dir that cannot be written (a read-only mount, a backup) can
        // still be read: `status` and `export` work, writes say why they fail
        Err(e) if matches!(at, Location::Dir(_)) && data_dir_is_read_only(&paths.data_dir) => {
            let mut store = Store::open_read_only(&paths.data_dir)
                .map_err(|ro| anyhow::anyhow!("{e}; and read-only: {ro}"))?;
            store.set_person(&config.user);
            tracing::warn!(dir = %paths.data_dir.display(), "data dir is read-only; opened the history read-only");
            Ok(store::shared(store))
        }
        Err(e) => Err(e.into()),
    }
}

/// Opens the history for the service: a writer and a reader on threads of
/// their own, the configured accounts registered. A read-only data dir gives a
/// handle whose writes fail and say why.
pub fn open_handle(paths: &Paths, config: &Config) -> anyhow::Result<Handle> {
    let at = history(paths, config)?;
    let opened = at.open().and_then(|mut writer| {
        writer.sync_accounts(&config.accounts)?;
        let mut reader = at.open()?;
        reader.set_query_only(true)?;
        reader.set_person(&config.user);
        writer.set_person(&config.user);
        Ok((reader, writer))
    });
    let (reader, writer) = match opened {
        Ok(pair) => pair,
        Err(e) if matches!(at, Location::Dir(_)) && data_dir_is_read_only(&paths.data_dir) => {
            let mut reader = Store::open_read_only(&paths.data_dir)
                .map_err(|ro| anyhow::anyhow!("{e}; and read-only: {ro}"))?;
            let mut writer = Store::open_read_only(&paths.data_dir)?;
            reader.set_person(&config.user);
            writer.set_person(&config.user);
            tracing::warn!(dir = %paths.data_dir.display(), "data dir is read-only; opened the history read-only");
            (reader, writer)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Handle::from_stores(reader, writer)?)
}

/// Whether files cannot be created in `dir` (a read-only file system, or no
/// write permission).
fn data_dir_is_read_only(dir: &std::path::Path) -> bool {
    match tempfile::tempfile_in(dir) {
        Ok(_) => false,
        Err(e) => matches!(
            e.kind(),
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
        ),
    }
}

/// The runtime every async command and the dashboard run on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Ctrl-C (SIGINT), or on Unix SIGTERM and SIGHUP (the terminal went away).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let wait = |kind| async move {
            match signal(kind) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = wait(SignalKind::terminate()) => {}
            _ = wait(SignalKind::hangup()) => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
