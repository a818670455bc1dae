//! The dashboard's event sources, each feeding [`AppEvent`]s into one channel:
//! the terminal, the service's events (polls, alerts, the lease, other
//! processes' writes, config reloads), the minute timer and the signals. None
//! of them blocks: the service does its store work on the store's threads.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::{Notify, watch};

use super::app::{AppEvent, Tx};
use crate::model::Clock;
use crate::service::ServiceEvent;

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
    service: UnboundedReceiver<ServiceEvent>,
    clock: Arc<dyn Clock>,
    pause: InputPause,
) {
    // The terminal reader on a task of its own: crossterm's reader can spin
    // on a terminal that went away (a read that fails is tried again at
    // once), and on this thread it would starve the signals and the loop, so
    // SIGHUP and SIGTERM could never end the dashboard.
    let reader = AbortOnDrop(tokio::spawn(terminal(tx.clone(), pause)));
    tokio::join!(
        service_events(service, tx.clone()),
        minutes(clock, tx.clone()),
        signals(tx),
    );
    drop(reader);
}

/// Aborts the task when dropped (the foreground future is dropped when the
/// loop ends).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
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

/// The service's events, as the dashboard's own.
async fn service_events(mut events: UnboundedReceiver<ServiceEvent>, tx: Tx) {
    while let Some(ev) = events.recv().await {
        let ev = match ev {
            ServiceEvent::Poll(e) => AppEvent::Poll(e),
            // alerts recorded here or elsewhere, or a delivery's state
            // changed: the list shows it
            ServiceEvent::Fired(_) | ServiceEvent::AlertsChanged | ServiceEvent::Delivery(_) => {
                AppEvent::AlertsFired
            }
            ServiceEvent::Role(r) => AppEvent::Role(r),
            ServiceEvent::Changed(keys) => AppEvent::DataChanged(keys),
            ServiceEvent::Config(c) => AppEvent::ConfigLoaded(c),
            ServiceEvent::Scanned(r) => AppEvent::DataChanged(vec![r.account]),
        };
        if tx.send(ev).is_err() {
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
