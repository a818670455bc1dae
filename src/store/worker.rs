//! Store work off the async runtime. A [`Worker`] is a thread that owns one
//! connection; async code sends it a closure and awaits the answer, so no
//! runtime worker ever waits on SQLite's lock. A [`Handle`] pairs a reader
//! and a writer: in WAL mode a read never waits for a write, so a writer
//! held up by another process (a long import, a `BEGIN EXCLUSIVE`) delays
//! only the writes queued behind it.

use std::path::PathBuf;
use std::sync::mpsc;

use super::{Result, Store, StoreError};
use crate::model::Account;

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// A thread that owns one connection and runs what it is sent, in order.
#[derive(Clone)]
pub struct Worker {
    jobs: mpsc::Sender<Job>,
    path: PathBuf,
}

impl Worker {
    /// Moves `store` onto a thread of its own named `name`. The thread ends
    /// when the last clone of the worker is dropped.
    pub fn spawn(name: &str, store: Store) -> Result<Worker> {
        let path = store.path().to_path_buf();
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let mut store = store;
                while let Ok(job) = rx.recv() {
                    // a job that panics loses its answer (the caller sees
                    // `Gone`), not the thread
                    let run = std::panic::AssertUnwindSafe(|| job(&mut store));
                    let _ = std::panic::catch_unwind(run);
                }
            })
            .map_err(|source| StoreError::Dir {
                path: path.clone(),
                source,
            })?;
        Ok(Worker { jobs, path })
    }

    fn gone(&self) -> StoreError {
        StoreError::Gone {
            path: self.path.clone(),
        }
    }

    /// Runs `f` on the worker's thread and awaits its answer.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |s| {
                let _ = tx.send(f(s));
            }))
            .map_err(|_| self.gone())?;
        rx.await.map_err(|_| self.gone())?
    }

    /// Runs `f` on the worker's thread and waits for it here (code that is
    /// not async: start-up, before the terminal is taken).
    pub fn call_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = mpsc::channel();
        self.jobs
            .send(Box::new(move |s| {
                let _ = tx.send(f(s));
            }))
            .map_err(|_| self.gone())?;
        rx.recv().map_err(|_| self.gone())?
    }
}

/// The history as async code sees it: reads on one connection, writes on
/// another, each on its own thread.
#[derive(Clone)]
pub struct Handle {
    reader: Worker,
    writer: Worker,
    /// Whether the history is a database other machines share (PostgreSQL).
    shared: bool,
}

impl Handle {
    #[cfg(any(test, feature = "test-util"))]
    /// Opens the history in `data_dir` (creating and migrating it if needed)
    /// twice: a writer and a read-only reader.
    pub fn open_dir(data_dir: &std::path::Path) -> Result<Handle> {
        let writer = Store::open_dir(data_dir)?;
        let mut reader = Store::open_dir(data_dir)?;
        reader.set_query_only(true)?;
        Handle::from_stores(reader, writer)
    }

    /// A handle on two connections already open (the reader should be
    /// query-only; a read-only history can serve as both).
    pub fn from_stores(reader: Store, writer: Store) -> Result<Handle> {
        let shared = matches!(writer.location(), super::Location::Url(_));
        Ok(Handle {
            shared,
            reader: Worker::spawn("socialtop-read", reader)?,
            writer: Worker::spawn("socialtop-write", writer)?,
        })
    }

    /// Whether other machines' pollers may share this history (PostgreSQL):
    /// each poll is then claimed first ([`Store::claim_poll`]).
    pub fn shared(&self) -> bool {
        self.shared
    }

    /// A read, on the reader's connection.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.reader.call(move |s| f(s)).await
    }

    /// A write (or a read that must see this process's last write at once),
    /// on the writer's connection.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.writer.call(f).await
    }

    /// [`Handle::read`] for code that is not async.
    pub fn read_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.reader.call_blocking(move |s| f(s))
    }

    /// Registers `accounts` (on the writer), then lets the reader know them.
    pub async fn sync_accounts(&self, accounts: Vec<Account>) -> Result<()> {
        self.write(move |s| s.sync_accounts(&accounts)).await?;
        self.reader.call(|s| s.load_ids()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_and_writes_run_off_the_caller_and_see_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let h = Handle::open_dir(dir.path()).unwrap();
        let a = crate::model::Account::new(crate::model::PlatformKind::Github, "a");
        h.sync_accounts(vec![a]).await.unwrap();
        let sample = crate::model::Sample {
            at_ms: 1_700_000_000_000,
            followers: 7,
            following: None,
            posts: None,
        };
        h.write(move |s| s.insert_sample("github:a", sample))
            .await
            .unwrap();
        let latest = h.read(|s| s.latest("github:a")).await.unwrap();
        assert_eq!(latest.map(|s| s.followers), Some(7));
        // the reader refuses writes
        let refused = h.read(|s| s.generation()).await;
        assert!(refused.is_ok());
    }

    #[test]
    fn a_job_that_panics_does_not_kill_the_worker() {
        let dir = tempfile::tempdir().unwrap();
        let w = Worker::spawn("t", Store::open_dir(dir.path()).unwrap()).unwrap();
        let r: Result<()> = w.call_blocking(|_| -> Result<()> {
            let v: Vec<i32> = Vec::new();
            let _ = v[1];
            Ok(())
        });
        assert!(matches!(r, Err(StoreError::Gone { .. })));
        assert!(w.call_blocking(|s| s.generation()).is_ok());
    }
}
