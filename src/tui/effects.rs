//! Carrying out [`Effect`]s off the UI loop: store work on the blocking pool,
//! polls through the scheduler. Each reports back as an [`AppEvent::Loaded`]
//! (or, for polls, as the poller's own events).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::app::{App, AppEvent, Effect, Loaded};
use super::data;
use super::events::Tx;
use crate::alerts::{Alerts, Check};
use crate::config::Config;
use crate::lease::Lease;
use crate::model::Clock;
use crate::poller::{Command, Event, Poller};
use crate::store::{self, SharedStore, Store};

/// What effects need: the store, the config, the scheduler.
pub struct Runner {
    pub store: SharedStore,
    pub config: Arc<Config>,
    pub poller: Arc<Poller>,
    pub lease: Arc<Lease>,
    pub commands: UnboundedSender<Command>,
    pub tx: Tx,
    pub clock: Arc<dyn Clock>,
    pub data_dir: PathBuf,
    pub alerts: Arc<Alerts>,
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
    alerts: Arc<Alerts>,
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
                    let (alerts, store, tx) = (Arc::clone(&alerts), Arc::clone(&store), tx.clone());
                    tokio::spawn(async move { fire_alerts(&alerts, &store, check, &tx).await });
                }
                if out.send(ev).is_err() {
                    break;
                }
            }
            _ = minute.tick() => {
                let check = Check::Stale(clock.now());
                let (alerts, store, tx) = (Arc::clone(&alerts), Arc::clone(&store), tx.clone());
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
            Effect::Quit | Effect::Suspend | Effect::Fail(_) => {}
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
                Ok(Some(Loaded::Effort(data::load_effort(s, config, &tz)?)))
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
                let (config, dir) = (Arc::clone(&self.config), self.data_dir.clone());
                tokio::task::spawn_blocking(move || {
                    let written = crate::export::snapshot_files(
                        &store::lock(&store),
                        &config,
                        &dir,
                        clock.now(),
                        &tz,
                    );
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
                let _ = self.commands.send(cmd);
            }
            // not the polling instance: poll once here, the holder's schedule stays
            Effect::PollAll | Effect::PollNow(_) => {
                let ids: Vec<String> = match effect {
                    Effect::PollNow(id) => vec![id],
                    _ => self.config.accounts.iter().map(|a| a.id.clone()).collect(),
                };
                for id in ids {
                    let (poller, tx) = (Arc::clone(&self.poller), self.tx.clone());
                    let (alerts, store) = (Arc::clone(&self.alerts), Arc::clone(&self.store));
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
            Arc::clone(&self.config),
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
