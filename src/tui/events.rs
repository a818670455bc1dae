//! The dashboard's event sources, each feeding [`AppEvent`]s into one channel.
//!
//! - [`foreground`]: the terminal, the poller's events, the minute timer and
//!   the signals. None of them blocks, and they run on the thread that runs
//!   the UI loop, so a runtime worker stuck in a store call (the poller writes
//!   on its workers) cannot hold up a key press.
//! - [`Background`]: the store watcher, the lease and the config watcher, each
//!   on a thread of its own, since each makes store calls that can wait out a
//!   busy timeout (or reads a file).

use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::{Notify, watch};

use super::app::{AppEvent, Role};
use super::effects::{Stamp, config_if_changed};
use crate::lease::{self, Lease};
use crate::model::Clock;
use crate::poller;
use crate::store::{self, SharedStore};

pub type Tx = UnboundedSender<AppEvent>;

/// How often the watcher checks whether another process wrote new data.
pub const CHANGE_CHECK: Duration = Duration::from_secs(2);

/// How often the config watcher looks at the file's modification time.
pub const CONFIG_CHECK: Duration = Duration::from_millis(1500);

/// Lets the loop take the terminal's input away from the event source (while
/// an editor runs) and give it back.
#[derive(Clone)]
pub struct InputPause {
    paused: watch::Sender<bool>,
    released: Arc<Notify>,
}

impl InputPause {
    pub fn new() -> InputPause {
        InputPause {
            paused: watch::Sender::new(false),
            released: Arc::new(Notify::new()),
        }
    }

    /// Stops reading the terminal; returns once the reader let go of it.
    pub async fn pause(&self) {
        self.paused.send_replace(true);
        let _ = tokio::time::timeout(Duration::from_secs(1), self.released.notified()).await;
    }

    pub fn resume(&self) {
        self.paused.send_replace(false);
    }
}

impl Default for InputPause {
    fn default() -> Self {
        InputPause::new()
    }
}

/// The non-blocking sources, as one future that never ends; drop it to stop them.
pub async fn foreground(
    tx: Tx,
    polls: UnboundedReceiver<poller::Event>,
    clock: Arc<dyn Clock>,
    pause: InputPause,
) {
    tokio::join!(
        terminal(tx.clone(), pause),
        poll_events(polls, tx.clone()),
        minutes(clock, tx.clone()),
        signals(tx),
    );
}

/// Keys, the mouse and resizes. While paused the input stream is dropped,
/// so nothing here reads what is typed into an editor.
async fn terminal(tx: Tx, pause: InputPause) {
    let mut paused = pause.paused.subscribe();
    loop {
        if *paused.borrow_and_update() {
            pause.released.notify_one();
            if paused.changed().await.is_err() {
                return;
            }
            continue;
        }
        let mut input = EventStream::new();
        loop {
            let ev = tokio::select! {
                ev = input.next() => ev,
                _ = paused.changed() => break,
            };
            let Some(ev) = ev else {
                // the terminal went away
                let _ = tx.send(AppEvent::Quit);
                return;
            };
            let ev = match ev {
                Ok(TermEvent::Key(k)) => AppEvent::Key(k),
                Ok(TermEvent::Mouse(m)) => AppEvent::Mouse(m),
                Ok(TermEvent::Resize(..)) => AppEvent::Resize,
                Ok(_) => continue,
                Err(e) => AppEvent::InputFailed(e.to_string()),
            };
            if tx.send(ev).is_err() {
                return;
            }
        }
    }
}

async fn poll_events(mut polls: UnboundedReceiver<poller::Event>, tx: Tx) {
    while let Some(ev) = polls.recv().await {
        if tx.send(AppEvent::Poll(ev)).is_err() {
            return;
        }
    }
}

/// A tick whenever the wall clock turns a minute.
async fn minutes(clock: Arc<dyn Clock>, tx: Tx) {
    loop {
        let into = clock.now().as_millisecond().rem_euclid(60_000) as u64;
        tokio::time::sleep(Duration::from_millis(60_000 - into + 50)).await;
        if tx.send(AppEvent::Minute).is_err() {
            return;
        }
    }
}

/// Ctrl-C, SIGTERM, SIGHUP end the dashboard; SIGTSTP suspends it.
async fn signals(tx: Tx) {
    let quit = async {
        crate::boot::shutdown_signal().await;
        let _ = tx.send(AppEvent::Quit);
        std::future::pending::<()>().await;
    };
    let stop = async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            if let Some(mut s) = SIGTSTP.and_then(|n| signal(SignalKind::from_raw(n)).ok()) {
                while s.recv().await.is_some() {
                    if tx.send(AppEvent::Suspend).is_err() {
                        break;
                    }
                }
            }
        }
        std::future::pending::<()>().await;
    };
    tokio::join!(quit, stop);
}

/// SIGTSTP's number, where it is known without `libc`.
const SIGTSTP: Option<i32> = if cfg!(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)) {
    Some(18)
} else if cfg!(all(
    target_os = "linux",
    not(any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
)) {
    Some(20)
} else {
    None
};

/// The threads that make store calls or read files: the store watcher, the
/// lease, the config watcher.
pub struct Background {
    stops: Vec<std_mpsc::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts both. `generation` and `role` are what the dashboard already shows.
    pub fn start(
        store: SharedStore,
        lease: Arc<Lease>,
        generation: i64,
        role: Role,
        config: (PathBuf, Arc<Mutex<Stamp>>),
        tx: &Tx,
    ) -> std::io::Result<Background> {
        let (watch_stop, watch_rx) = std_mpsc::channel();
        let (lease_stop, lease_rx) = std_mpsc::channel();
        let (config_stop, config_rx) = std_mpsc::channel();
        let config_watcher = {
            let tx = tx.clone();
            std::thread::Builder::new()
                .name("socialtop-config".into())
                .spawn(move || watch_config(&config.0, &config.1, &tx, &config_rx))?
        };
        let watcher = {
            let tx = tx.clone();
            std::thread::Builder::new()
                .name("socialtop-watch".into())
                .spawn(move || watch_store(&store, generation, &tx, &watch_rx))?
        };
        let renewer = {
            let tx = tx.clone();
            std::thread::Builder::new()
                .name("socialtop-lease".into())
                .spawn(move || renew_lease(&lease, role, &tx, &lease_rx))?
        };
        Ok(Background {
            stops: vec![watch_stop, lease_stop, config_stop],
            threads: vec![watcher, renewer, config_watcher],
        })
    }

    /// Stops both and waits for them: a lease renewal in flight ends before
    /// the lease is released, so it cannot take the lease again afterwards.
    pub fn stop(mut self) {
        self.stops.clear();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Sleeps `every`, or returns false when told to stop.
fn sleep_or_stop(stop: &std_mpsc::Receiver<()>, every: Duration) -> bool {
    matches!(
        stop.recv_timeout(every),
        Err(std_mpsc::RecvTimeoutError::Timeout)
    )
}

/// Every [`CHANGE_CHECK`]: one row read; when the generation moved,
/// `DataChanged` with the accounts whose data changed (read on the
/// `accounts.changed` index), so the views read only those again.
fn watch_store(store: &SharedStore, mut seen: i64, tx: &Tx, stop: &std_mpsc::Receiver<()>) {
    while sleep_or_stop(stop, CHANGE_CHECK) {
        let changed = {
            let s = store::lock(store);
            match s.generation() {
                Ok(g) if g != seen => s.changed_since(seen).map(|keys| (g, keys)),
                _ => continue,
            }
        };
        let Ok((g, keys)) = changed else {
            continue;
        };
        seen = g;
        if tx.send(AppEvent::DataChanged(keys)).is_err() {
            return;
        }
    }
}

/// Every [`CONFIG_CHECK`]: the config file's modification time; when it
/// changed, the file read and parsed here, off the UI loop.
fn watch_config(
    path: &std::path::Path,
    seen: &Mutex<Stamp>,
    tx: &Tx,
    stop: &std_mpsc::Receiver<()>,
) {
    while sleep_or_stop(stop, CONFIG_CHECK) {
        if let Some(loaded) = config_if_changed(path, seen)
            && tx.send(AppEvent::ConfigLoaded(loaded)).is_err()
        {
            return;
        }
    }
}

/// Every [`lease::RENEW_EVERY`]: renew; `Role` when it changed.
fn renew_lease(lease: &Lease, mut role: Role, tx: &Tx, stop: &std_mpsc::Receiver<()>) {
    while sleep_or_stop(stop, lease::RENEW_EVERY) {
        let now = if lease.renew() {
            Role::Polling
        } else {
            Role::Watching
        };
        if now != role {
            role = now;
            if tx.send(AppEvent::Role(role)).is_err() {
                return;
            }
        }
    }
}
