//! Carrying out [`Effect`]s off the UI loop: store work on the blocking pool,
//! polls through the scheduler. Each reports back as an [`AppEvent::Loaded`]
//! (or, for polls, as the poller's own events).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::app::{App, AppEvent, Effect, Loaded};
use super::data;
use super::events::Tx;
use crate::alerts::{Alerts, Check};
use crate::config::Config;
use crate::lease::Lease;
use crate::model::Clock;
use crate::model::EnvSecrets;
use crate::poller::{Command, Event, Poller};
use crate::store::{self, SharedStore, Store};

/// The poll scheduler of the config in use; replaced when the config changes.
pub struct Scheduler {
    pub poller: Arc<Poller>,
    pub commands: UnboundedSender<Command>,
    pub task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// Starts `poller`'s schedule on the current runtime, its events into `events`.
pub fn start_scheduler(
    handle: &tokio::runtime::Handle,
    poller: Arc<Poller>,
    events: &UnboundedSender<Event>,
    lease: &Lease,
) -> Scheduler {
    let (commands, rx) = tokio::sync::mpsc::unbounded_channel();
    let task = handle.spawn(Arc::clone(&poller).run(rx, events.clone(), lease.gate()));
    Scheduler {
        poller,
        commands,
        task: Some(task),
    }
}

/// The config file as last read: modification time and length.
pub type Stamp = Option<(SystemTime, u64)>;

pub fn stamp(path: &Path) -> Stamp {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Reads the config again if its file changed since `seen`; `None` when it did not.
pub fn config_if_changed(path: &Path, seen: &Mutex<Stamp>) -> Option<Result<Arc<Config>, String>> {
    let now = stamp(path)?;
    {
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        if *seen == Some(now) {
            return None;
        }
        *seen = Some(now);
    }
    Some(Config::load(path).map(Arc::new).map_err(|e| e.to_string()))
}

/// What effects need: the store, the config, the scheduler.
pub struct Runner {
    pub store: SharedStore,
    pub config: Arc<RwLock<Arc<Config>>>,
    pub scheduler: Arc<Mutex<Scheduler>>,
    /// Where the scheduler's events go (one channel across restarts).
    pub poll_events: UnboundedSender<Event>,
    pub lease: Arc<Lease>,
    pub tx: Tx,
    pub clock: Arc<dyn Clock>,
    pub data_dir: PathBuf,
    /// The alert rules in use (swapped when the config is reloaded).
    pub alerts: SharedAlerts,
    /// Where `e` writes: the data dir's exports, or for the demo the current directory.
    pub export_dir: Option<PathBuf>,
    /// The config file as last read (shared with the watcher).
    pub config_seen: Arc<Mutex<Stamp>>,
}

/// The alert rules in use, shared with the alert pipeline; a reloaded config
/// swaps them.
pub type SharedAlerts = Arc<RwLock<Arc<Alerts>>>;

fn current(alerts: &SharedAlerts) -> Arc<Alerts> {
    Arc::clone(&alerts.read().unwrap_or_else(|e| e.into_inner()))
}

/// How many alerts the dashboard reads (newest first).
pub const ALERTS_SHOWN: usize = 200;

/// Evaluates the alert rules for `check` (off the UI loop; deliveries run in
/// the background) and sends the alerts recorded last.
pub async fn fire_alerts(alerts: &Arc<Alerts>, store: &SharedStore, check: Check, tx: &Tx) {
    alerts.fire(store, check).await;
    let store = Arc::clone(store);
    let recent =
        tokio::task::spawn_blocking(move || store::lock(&store).recent_alerts(ALERTS_SHOWN)).await;
    if let Ok(Ok(rows)) = recent {
        let _ = tx.send(AppEvent::Loaded(Loaded::Alerts(rows)));
    }
}

/// Passes the scheduler's events on to the dashboard, and evaluates the
/// alert rules after each poll and every minute (a silence; and alerts that
/// another process recorded are read again). Never ends.
pub async fn alert_events(
    mut polls: UnboundedReceiver<Event>,
    out: UnboundedSender<Event>,
    alerts: SharedAlerts,
    store: SharedStore,
    tx: Tx,
    clock: Arc<dyn Clock>,
) {
    let mut minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            ev = polls.recv() => {
                let Some(ev) = ev else { break };
                if let Event::Finished(r) = &ev {
                    let check = Check::poll(r);
                    let (alerts, store, tx) = (current(&alerts), Arc::clone(&store), tx.clone());
                    tokio::spawn(async move { fire_alerts(&alerts, &store, check, &tx).await });
                }
                if out.send(ev).is_err() {
                    break;
                }
            }
            _ = minute.tick() => {
                let check = Check::Stale(clock.now());
                let (alerts, store, tx) = (current(&alerts), Arc::clone(&store), tx.clone());
                tokio::spawn(async move { fire_alerts(&alerts, &store, check, &tx).await });
            }
        }
    }
    std::future::pending::<()>().await;
}

impl Runner {
    /// Starts `effect` and returns at once. `Quit`, `Suspend` and `Fail`
    /// concern the terminal: the loop handles them, not this.
    pub fn spawn(&self, effect: Effect, app: &App) {
        let tz = app.tz.clone();
        match effect {
            Effect::Quit | Effect::Suspend | Effect::Fail(_) | Effect::EditConfig => {}
            Effect::ApplyConfig(new) => self.apply_config(new.0),
            Effect::LoadRows => self.blocking(move |s, config, now| {
                let generation = s.generation()?;
                let rows = data::load_rows(s, &config.accounts, now, &tz)?;
                Ok(Some(Loaded::Rows {
                    generation,
                    rows,
                    timer: s.timer()?,
                }))
            }),
            Effect::LoadRow(id) => self.blocking(move |s, config, now| {
                let Some(account) = config.account(&id) else {
                    return Ok(None);
                };
                let generation = s.generation()?;
                let row = data::load_row(s, account, now, &tz)?;
                Ok(Some(Loaded::Row {
                    generation,
                    row: Box::new(row),
                }))
            }),
            Effect::LoadDetail => {
                let (Some(id), range) = (app.selected_id(), app.range) else {
                    return;
                };
                self.blocking(move |s, config, now| {
                    let Some(account) = config.account(&id) else {
                        return Ok(None);
                    };
                    Ok(Some(Loaded::Detail(data::load_detail(
                        s, account, range, now,
                    )?)))
                })
            }
            Effect::LoadAlerts => self
                .blocking(move |s, _, _| Ok(Some(Loaded::Alerts(s.recent_alerts(ALERTS_SHOWN)?)))),
            Effect::LoadEffort => self.blocking(move |s, config, _| {
                Ok(Some(match data::load_effort(s, config, &tz) {
                    Ok(e) => Loaded::Effort(e),
                    Err(e) => Loaded::EffortFailed(format!("cannot read the history: {e}")),
                }))
            }),
            Effect::ToggleTimer(id) => {
                let tx = self.tx.clone();
                let (store, clock) = (Arc::clone(&self.store), Arc::clone(&self.clock));
                tokio::task::spawn_blocking(move || {
                    let message = toggle_timer(&mut store::lock(&store), &id, clock.now());
                    let _ = tx.send(AppEvent::Loaded(Loaded::TimerToggled(message)));
                });
            }
            Effect::Export => {
                let tx = self.tx.clone();
                let (store, clock) = (Arc::clone(&self.store), Arc::clone(&self.clock));
                let (config, dir) = (self.config(), self.data_dir.clone());
                let export_dir = self.export_dir.clone();
                tokio::task::spawn_blocking(move || {
                    let written = match &export_dir {
                        Some(out) => {
                            export_to(&store::lock(&store), &config, out, clock.now(), &tz)
                        }
                        None => crate::export::snapshot_files(
                            &store::lock(&store),
                            &config,
                            &dir,
                            clock.now(),
                            &tz,
                        ),
                    };
                    let message = match written {
                        Ok(files) => export_message(&files),
                        Err(e) => format!("export failed: {e:#}"),
                    };
                    let _ = tx.send(AppEvent::Loaded(Loaded::Message(message)));
                });
            }
            Effect::PollAll | Effect::PollNow(_) if self.lease.is_held() => {
                let cmd = match effect {
                    Effect::PollNow(id) => Command::PollNow(id),
                    _ => Command::PollAll,
                };
                let _ = self.lock_scheduler().commands.send(cmd);
            }
            // not the polling instance: poll once here, the holder's schedule stays
            Effect::PollAll | Effect::PollNow(_) => {
                let poller = Arc::clone(&self.lock_scheduler().poller);
                let ids: Vec<String> = match effect {
                    Effect::PollNow(id) => vec![id],
                    _ => poller
                        .accounts()
                        .iter()
                        .filter(|a| crate::platforms::platform(a.platform).polled())
                        .map(|a| a.id.clone())
                        .collect(),
                };
                for id in ids {
                    let (poller, tx) = (Arc::clone(&poller), self.tx.clone());
                    let (alerts, store) = (current(&self.alerts), Arc::clone(&self.store));
                    let _ = tx.send(AppEvent::Poll(Event::Started(id.clone())));
                    tokio::spawn(async move {
                        if let Some(a) = poller.accounts().iter().find(|a| a.id == id) {
                            let r = poller.poll_one(a).await;
                            let check = Check::poll(&r);
                            let _ = tx.send(AppEvent::Poll(Event::Finished(r)));
                            fire_alerts(&alerts, &store, check, &tx).await;
                        }
                    });
                }
            }
        }
    }

    /// The config in use.
    pub fn config(&self) -> Arc<Config> {
        Arc::clone(&self.config.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn lock_scheduler(&self) -> std::sync::MutexGuard<'_, Scheduler> {
        self.scheduler.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the config file again if it changed (after `E`); says so if not.
    pub fn reload_config(&self) {
        let (path, seen, tx) = (
            self.config().path.clone(),
            Arc::clone(&self.config_seen),
            self.tx.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let ev = match config_if_changed(&path, &seen) {
                Some(loaded) => AppEvent::ConfigLoaded(loaded),
                None => AppEvent::Loaded(Loaded::Message("config unchanged".into())),
            };
            let _ = tx.send(ev);
        });
    }

    /// Switches to `config`: its accounts registered in the store and a new
    /// scheduler for them, off the UI loop; then the views read again.
    fn apply_config(&self, config: Arc<Config>) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&config);
        let (store, clock, tx) = (
            Arc::clone(&self.store),
            Arc::clone(&self.clock),
            self.tx.clone(),
        );
        let (scheduler, events, lease) = (
            Arc::clone(&self.scheduler),
            self.poll_events.clone(),
            Arc::clone(&self.lease),
        );
        let handle = tokio::runtime::Handle::current();
        let alerts = Arc::clone(&self.alerts);
        tokio::task::spawn_blocking(move || {
            // the new rules and notify settings apply from now on
            match Alerts::new(&config, Arc::new(EnvSecrets)) {
                Ok(new) => *alerts.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(new),
                Err(e) => {
                    let _ = tx.send(AppEvent::Loaded(Loaded::Message(format!(
                        "alert rules not changed: {e:#}"
                    ))));
                }
            }
            let synced = store::lock(&store).sync_accounts(&config.accounts);
            let poller =
                Poller::with_seams(&config, Arc::clone(&store), clock, Arc::new(EnvSecrets));
            let loaded = match (synced, poller) {
                (Ok(()), Ok(poller)) => {
                    let new = start_scheduler(&handle, Arc::new(poller), &events, &lease);
                    // the old one is aborted as it drops
                    let old = std::mem::replace(
                        &mut *scheduler.lock().unwrap_or_else(|e| e.into_inner()),
                        new,
                    );
                    drop(old);
                    Loaded::ConfigApplied
                }
                (Err(e), _) => Loaded::Message(format!("cannot register the accounts: {e}")),
                (_, Err(e)) => Loaded::Message(format!("cannot start polling: {e:#}")),
            };
            let _ = tx.send(AppEvent::Loaded(loaded));
        });
    }

    /// Runs a store read on the blocking pool and sends what it loaded; a
    /// failure becomes a message.
    fn blocking<F>(&self, read: F)
    where
        F: FnOnce(&Store, &Config, jiff::Timestamp) -> store::Result<Option<Loaded>>
            + Send
            + 'static,
    {
        let tx = self.tx.clone();
        let (store, config, clock) = (
            Arc::clone(&self.store),
            self.config(),
            Arc::clone(&self.clock),
        );
        tokio::task::spawn_blocking(move || {
            let loaded = read(&store::lock(&store), &config, clock.now());
            let loaded = match loaded {
                Ok(Some(l)) => l,
                Ok(None) => return,
                Err(e) => Loaded::Message(format!("cannot read the history: {e}")),
            };
            let _ = tx.send(AppEvent::Loaded(loaded));
        });
    }
}

/// `t`: start the timer on `id`, or stop it there; a timer elsewhere stops first.
fn toggle_timer(s: &mut Store, id: &str, now: jiff::Timestamp) -> String {
    let now = now.as_second();
    let result = match s.timer() {
        Ok(Some((running, _))) if running == id => {
            s.stop_timer(now).map(|stopped| (stopped, false))
        }
        Ok(_) => s.start_timer(id, now).map(|stopped| (stopped, true)),
        Err(e) => Err(e),
    };
    let spent = |secs: i64| crate::util::format_duration(Duration::from_secs(secs.unsigned_abs()));
    match result {
        Ok((Some((was, secs)), true)) => {
            format!("logged {} on {was}; timer started on {id}", spent(secs))
        }
        Ok((None, true)) => format!("timer started on {id} (t again stops it)"),
        Ok((Some((was, secs)), false)) => format!("timer stopped: {} logged on {was}", spent(secs)),
        Ok((None, false)) => "no timer was running".into(),
        Err(e) => format!("cannot record the timer: {e}"),
    }
}

/// A snapshot in the configured formats, in `dir` itself (the demo's exports
/// go to the current directory: its data dir is deleted on quit).
fn export_to(
    store: &Store,
    config: &Config,
    dir: &Path,
    now: jiff::Timestamp,
    tz: &jiff::tz::TimeZone,
) -> anyhow::Result<Vec<PathBuf>> {
    // default_path puts files under `<dir>/exports`: give it a parent whose
    // `exports` is `dir`
    let tmp = tempfile::tempdir()?;
    let files = crate::export::snapshot_files(store, config, tmp.path(), now, tz)?;
    let mut moved = Vec::new();
    for f in files {
        let Some(name) = f.file_name() else { continue };
        let mut to = dir.join(name);
        let mut i = 1;
        while to.exists() {
            let stem = f
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let ext = f
                .extension()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            to = dir.join(format!("{stem}-{i}.{ext}"));
            i += 1;
        }
        if std::fs::rename(&f, &to).is_err() {
            std::fs::copy(&f, &to)?;
        }
        moved.push(to);
    }
    Ok(moved)
}

/// "exported json, csv, md, svg to DIR/socialtop-20261125-173500.*"
fn export_message(files: &[PathBuf]) -> String {
    let Some(first) = files.first() else {
        return "nothing exported: export_formats is empty".into();
    };
    let exts: Vec<String> = files
        .iter()
        .filter_map(|f| f.extension().map(|e| e.to_string_lossy().into_owned()))
        .collect();
    let stem = first.with_extension("");
    format!("exported {} to {}.*", exts.join(", "), stem.display())
}
