//! Carrying out [`Effect`]s off the UI loop: store work on the store's
//! threads, polls and config reloads through the service. Each reports back as
//! an [`AppEvent::Loaded`] (polls as the service's own events).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::app::{App, AppEvent, Effect, Loaded, Tx};
use super::data;
use crate::config::Config;
use crate::model::Clock;
use crate::service::Service;
use crate::store::{self, Store};

/// What effects need: the service (the history, the config, polls) and
/// where exports go.
pub struct Runner {
    pub service: Service,
    pub tx: Tx,
    pub clock: Arc<dyn Clock>,
    pub data_dir: PathBuf,
    /// Where `e` writes: the data dir's exports, or for the demo the current directory.
    pub export_dir: Option<PathBuf>,
}

/// How many alerts the dashboard reads (newest first).
pub const ALERTS_SHOWN: usize = 200;

impl Runner {
    /// Starts `effect` and returns at once. `Quit`, `Suspend` and `Fail`
    /// concern the terminal: the loop handles them, not this.
    pub fn spawn(&self, effect: Effect, app: &App) {
        let tz = app.tz.clone();
        match effect {
            Effect::Quit | Effect::Suspend | Effect::Fail(_) | Effect::EditConfig => {}
            Effect::LoadRows => self.read(move |s, config, now| {
                let generation = s.generation()?;
                let rows = data::load_rows(s, &config.accounts, now, &tz)?;
                Ok(Some(Loaded::Rows {
                    generation,
                    rows,
                    timer: s.timer()?,
                }))
            }),
            Effect::LoadRow(id) => self.read(move |s, config, now| {
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
                let marked = app.marked.clone();
                self.read(move |s, config, now| {
                    let Some(account) = config.account(&id) else {
                        return Ok(None);
                    };
                    let mut detail = data::load_detail(s, account, range, now)?;
                    // side by side: the selected account and every marked one
                    if !marked.is_empty() {
                        let others: Vec<_> =
                            marked.iter().filter_map(|m| config.account(m)).collect();
                        data::load_overlay(s, &mut detail, &others)?;
                    }
                    Ok(Some(Loaded::Detail(Box::new(detail))))
                })
            }
            Effect::LoadAlerts => {
                self.read(move |s, _, _| Ok(Some(Loaded::Alerts(s.recent_alerts(ALERTS_SHOWN)?))))
            }
            Effect::LoadEffort => self.read(move |s, config, _| {
                Ok(Some(match data::load_effort(s, config, &tz) {
                    Ok(e) => Loaded::Effort(e),
                    Err(e) => Loaded::EffortFailed(format!("cannot read the history: {e}")),
                }))
            }),
            Effect::ToggleTimer(id) => {
                let tx = self.tx.clone();
                let (store, now) = (self.service.store().clone(), self.clock.now());
                tokio::spawn(async move {
                    let message = store
                        .write(move |s| Ok(toggle_timer(s, &id, now)))
                        .await
                        .unwrap_or_else(|e| format!("cannot record the timer: {e}"));
                    let _ = tx.send(AppEvent::Loaded(Loaded::TimerToggled(message)));
                });
            }
            Effect::Export => {
                let (config, dir, now) = (self.config(), self.data_dir.clone(), self.clock.now());
                let export_dir = self.export_dir.clone();
                self.read(move |s, _, _| {
                    let written = match &export_dir {
                        Some(out) => crate::export::snapshot_files_in(s, &config, out, now, &tz),
                        None => crate::export::snapshot_files(s, &config, &dir, now, &tz),
                    };
                    Ok(Some(Loaded::Message(match written {
                        Ok(files) => export_message(&files),
                        Err(e) => format!("export failed: {e:#}"),
                    })))
                })
            }
            Effect::PollAll => self.service.poll_now(None),
            Effect::PollNow(id) => self.service.poll_now(Some(id)),
        }
    }

    /// The config in use.
    pub fn config(&self) -> Arc<Config> {
        self.service.config()
    }

    /// Reads the config file again after `E`, even if it looks unchanged.
    pub fn reload_config(&self) {
        self.service.reload(true);
    }

    /// Runs a read on the store's reader thread and sends what it loaded; a
    /// failure becomes a message.
    fn read<F>(&self, read: F)
    where
        F: FnOnce(&Store, &Config, jiff::Timestamp) -> store::Result<Option<Loaded>>
            + Send
            + 'static,
    {
        let tx = self.tx.clone();
        let (store, config, now) = (
            self.service.store().clone(),
            self.config(),
            self.clock.now(),
        );
        tokio::spawn(async move {
            let loaded = store.read(move |s| read(s, &config, now)).await;
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
