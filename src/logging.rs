//! Logs go to `socialtop.log` in the data dir, never to the screen.
//! Level: `SOCIALTOP_LOG` (an env-filter, e.g. `debug`), default `info`.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

/// File name of the log inside the data dir.
pub const LOG_FILE: &str = "socialtop.log";

/// Starts logging to the data dir; does nothing (and says nothing) if the file
/// cannot be opened: logs are a help, never a reason to fail.
pub fn init(data_dir: &Path) -> Option<()> {
    std::fs::create_dir_all(data_dir).ok()?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join(LOG_FILE))
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SOCIALTOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .ok()
}
