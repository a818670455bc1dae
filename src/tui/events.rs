//! The dashboard's event sources, each feeding [`AppEvent`]s into one channel.
//!
//! - [`foreground`]: the terminal, the poller's events, the minute timer and
//!   the signals. None of them blocks, and they run on the thread that runs
//!   the UI loop, so a runtime worker stuck in a store call (the poller writes
//!   on its workers) cannot hold up a key press.
//! - [`Background`]: the store watcher and the lease, each on a thread of its
//!   own, since each makes store calls that can wait out a busy timeout.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::app::{AppEvent, Role};
use crate::lease::{self, Lease};
use crate::model::Clock;
use crate::poller;
use crate::store::{self, SharedStore};

pub type Tx = UnboundedSender<AppEvent>;

/// How often the watcher checks whether another process wrote new data.
pub const CHANGE_CHECK: Duration = Duration::from_secs(2);

/// The non-blocking sources, as one future that never ends; drop it to stop them.
pub async fn foreground(tx: Tx, polls: UnboundedReceiver<poller::Event>, clock: Arc<dyn Clock>) {
    tokio::join!(
        terminal(tx.clone()),
        poll_events(polls, tx.clone()),
        minutes(clock, tx.clone()),
        signals(tx),
    );
}

/// Keys, the mouse and resizes.
async fn terminal(tx: Tx) {
    let mut input = EventStream::new();
    while let Some(ev) = input.next().await {
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
    // the terminal went away
    let _ = tx.send(AppEvent::Quit);
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

/// The threads that make store calls: the watcher and the lease.
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
        tx: &Tx,
    ) -> std::io::Result<Background> {
        let (watch_stop, watch_rx) = std_mpsc::channel();
        let (lease_stop, lease_rx) = std_mpsc::channel();
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
            stops: vec![watch_stop, lease_stop],
            threads: vec![watcher, renewer],
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

/// Every [`CHANGE_CHECK`]: one row read; `DataChanged` when the generation moved.
fn watch_store(store: &SharedStore, mut seen: i64, tx: &Tx, stop: &std_mpsc::Receiver<()>) {
    while sleep_or_stop(stop, CHANGE_CHECK) {
        let Ok(g) = store::lock(store).generation() else {
            continue;
        };
        if g != seen {
            seen = g;
            if tx.send(AppEvent::DataChanged).is_err() {
                return;
            }
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
