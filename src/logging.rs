//! Logs go to `socialtop.log` in the data dir, never to the screen.
//! Level: `SOCIALTOP_LOG` (an env-filter, e.g. `debug`), default `info`.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

/// File name of the log inside the data dir.
pub const LOG_FILE: &str = "socialtop.log";

/// A log larger than this at start is moved to `socialtop.log.1` (replacing
/// the previous one), so at most two of these live in the data dir.
pub const ROTATE_AT: u64 = 8 * 1024 * 1024;

fn rotate(path: &Path) {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > ROTATE_AT) {
        let _ = std::fs::rename(path, path.with_extension("log.1"));
    }
}

/// Starts logging to the data dir; does nothing (and says nothing) if the file
/// cannot be opened: logs are a help, never a reason to fail.
pub fn init(data_dir: &Path) -> Option<()> {
    std::fs::create_dir_all(data_dir).ok()?;
    let path = data_dir.join(LOG_FILE);
    rotate(&path);
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_log_is_moved_aside_and_a_small_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        std::fs::write(&path, b"small").unwrap();
        rotate(&path);
        assert_eq!(std::fs::read(&path).unwrap(), b"small");
        std::fs::write(&path, vec![b'x'; ROTATE_AT as usize + 1]).unwrap();
        rotate(&path);
        assert!(!path.exists());
        assert_eq!(
            std::fs::metadata(dir.path().join("socialtop.log.1"))
                .unwrap()
                .len(),
            ROTATE_AT + 1
        );
    }
}
