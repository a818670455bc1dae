//! The full-screen dashboard.
//!
//! It draws only when something changed: a key, a mouse event, a resize, new
//! data, or the minute turning (relative times such as "2m ago"). Between
//! those it sleeps: the only periodic work is one row read every 2 s to notice
//! data another process wrote, and a lease renewal every 5 s.

pub mod accounts;
pub mod app;
pub mod data;
pub mod detail;
pub mod effort;
pub mod help;
pub mod theme;
pub mod ui;

use std::io::{Stdout, stdout};
use std::process::ExitCode;
use std::sync::{Arc, Once};
use std::time::Duration;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures_util::StreamExt;
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use crate::boot::Paths;
use crate::config::Config;
use crate::lease::{self, Lease};
use crate::poller::{Command, Event, Outcome, Poller};
use crate::store::{self, SharedStore};
use app::{App, Effect, Role};

/// How often a view checks whether another process wrote new data.
const CHANGE_CHECK: Duration = Duration::from_secs(2);

/// Puts the terminal back as it was. Safe to call more than once.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Restores the terminal when dropped: on return, on `?`, and while unwinding.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn setup_terminal() -> anyhow::Result<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
    });
    enable_raw_mode()?;
    let guard = TerminalGuard;
    execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok((guard, terminal))
}

/// `socialtop` without a command (and `socialtop --demo`).
pub fn run(paths: &Paths, demo: bool) -> anyhow::Result<ExitCode> {
    let _demo_dir;
    let paths = if demo {
        let dir = tempfile::Builder::new()
            .prefix("socialtop-demo-")
            .tempdir()?;
        let p = crate::demo::prepare(dir.path(), Timestamp::now())?;
        _demo_dir = dir;
        p
    } else {
        Paths {
            config: paths.config.clone(),
            data_dir: paths.data_dir.clone(),
        }
    };
    let _log = crate::logging::init(&paths.data_dir);
    let (config, created) = Config::load_or_init(&paths.config)?;
    let store = crate::boot::open_store(&paths, &config)?;
    let lease = Lease::new(&paths.data_dir)?;
    let poller = Arc::new(Poller::new(&config, Arc::clone(&store))?);
    let now = Timestamp::now();
    let tz = crate::util::local_tz();
    let rows = data::load_rows(&store::lock(&store), &config.accounts, now, &tz)?;
    let mut app = App::new(rows, now);
    app.tz = tz;
    app.demo = demo;
    app.color = theme::Theme::color_from_env();
    if created {
        app.message = Some(format!(
            "wrote a starter config to {}; edit it to add your accounts",
            paths.config.display()
        ));
    }
    let rt = crate::boot::runtime()?;
    let (guard, mut terminal) = setup_terminal()?;
    let result = rt.block_on(event_loop(
        &mut terminal,
        &mut app,
        &store,
        &lease,
        &poller,
        &config,
        &paths.data_dir,
    ));
    drop(guard);
    lease.release();
    rt.shutdown_timeout(Duration::from_millis(200));
    result.map(|()| ExitCode::SUCCESS)
}

fn reload_detail(app: &mut App, store: &SharedStore, config: &Config) {
    app.detail = app.selected_id().and_then(|id| {
        let account = config.account(&id)?;
        data::load_detail(&store::lock(store), account, app.range, app.now).ok()
    });
}

fn reload_effort(app: &mut App, store: &SharedStore, config: &Config) {
    match data::load_effort(&store::lock(store), config, &app.tz) {
        Ok(e) => app.effort = Some(e),
        Err(e) => app.message = Some(format!("cannot read the history: {e}")),
    }
}

/// Everything the views show, read again (another process wrote, or time was logged).
fn reload_all(app: &mut App, store: &SharedStore, config: &Config) {
    let loaded = {
        let s = store::lock(store);
        data::load_rows(&s, &config.accounts, app.now, &app.tz)
            .and_then(|rows| Ok((rows, s.timer()?)))
    };
    match loaded {
        Ok((rows, timer)) => {
            app.set_rows(rows);
            app.timer = timer;
        }
        Err(e) => app.message = Some(format!("cannot read the history: {e}")),
    }
    reload_detail(app, store, config);
    // the Effort view reads the model when it opens (Effect::LoadEffort)
    if app.view == app::View::Effort {
        reload_effort(app, store, config);
    }
}

/// `t`: start the timer on `id`, or stop it there; a timer elsewhere stops first.
fn toggle_timer(app: &mut App, store: &SharedStore, id: &str) {
    let now = Timestamp::now().as_second();
    let result = {
        let mut s = store::lock(store);
        match s.timer() {
            Ok(Some((running, _))) if running == id => {
                s.stop_timer(now).map(|stopped| (stopped, false))
            }
            Ok(_) => s.start_timer(id, now).map(|stopped| (stopped, true)),
            Err(e) => Err(e),
        }
    };
    let spent = |secs: i64| crate::util::format_duration(Duration::from_secs(secs.unsigned_abs()));
    app.message = Some(match result {
        Ok((Some((was, secs)), true)) => {
            format!("logged {} on {was}; timer started on {id}", spent(secs))
        }
        Ok((None, true)) => format!("timer started on {id} (t again stops it)"),
        Ok((Some((was, secs)), false)) => format!("timer stopped: {} logged on {was}", spent(secs)),
        Ok((None, false)) => "no timer was running".into(),
        Err(e) => format!("cannot record the timer: {e}"),
    });
}

/// "exported json, csv, md, svg to DIR/socialtop-20261125-173500.*"
fn export_message(files: &[std::path::PathBuf]) -> String {
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

/// The instant the wall clock next turns a minute.
fn next_minute() -> tokio::time::Instant {
    let now = Timestamp::now();
    let into = now.as_millisecond().rem_euclid(60_000) as u64;
    tokio::time::Instant::now() + Duration::from_millis(60_000 - into + 50)
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    store: &SharedStore,
    lease: &Lease,
    poller: &Arc<Poller>,
    config: &Config,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let mut input = EventStream::new();
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel();
    let held = lease.renew();
    app.role = if held { Role::Polling } else { Role::Watching };
    let scheduler = tokio::spawn(Arc::clone(poller).run(cmd_rx, ev_tx.clone(), lease.gate()));
    let mut generation = store::lock(store).generation().unwrap_or_default();
    let mut change_check = tokio::time::interval(CHANGE_CHECK);
    change_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut lease_tick = tokio::time::interval(lease::RENEW_EVERY);
    lease_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let minute = tokio::time::sleep_until(next_minute());
    tokio::pin!(minute);
    let shutdown = crate::boot::shutdown_signal();
    tokio::pin!(shutdown);
    // the rows were read before the terminal was set up; the rest now
    app.timer = store::lock(store).timer().unwrap_or_default();
    reload_detail(app, store, config);
    let mut dirty = true;
    loop {
        if dirty {
            app.now = Timestamp::now();
            terminal.draw(|f| ui::draw(f, app))?;
            dirty = false;
        }
        let effects = tokio::select! {
            _ = &mut shutdown => break,
            ev = input.next() => match ev {
                None => break,
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(TermEvent::Key(k))) => {
                    app.message = None;
                    dirty = true;
                    app.on_key(k)
                }
                Some(Ok(TermEvent::Mouse(m))) => {
                    let fx = app.on_mouse(m);
                    dirty |= !fx.is_empty();
                    fx
                }
                Some(Ok(TermEvent::Resize(..))) => {
                    dirty = true;
                    vec![]
                }
                Some(Ok(_)) => vec![],
            },
            Some(ev) = ev_rx.recv() => {
                dirty = true;
                match ev {
                    Event::Started(id) => app.polling.push(id),
                    Event::NextDue(t) => app.next_due = t,
                    Event::Finished(r) => {
                        app.polling.retain(|id| *id != r.account);
                        if let Outcome::Skipped(why) = &r.outcome {
                            app.message = Some(format!("{}: {why}; add counts with `socialtop record`", r.account));
                        }
                        if let Some(account) = config.account(&r.account) {
                            let now = Timestamp::now();
                            let row = data::load_row(&store::lock(store), account, now, &app.tz);
                            if let Ok(row) = row {
                                app.set_row(row);
                            }
                            if app.selected_id().as_deref() == Some(&r.account) {
                                reload_detail(app, store, config);
                            }
                            if app.view == app::View::Effort {
                                reload_effort(app, store, config);
                            }
                        }
                        generation = store::lock(store).generation().unwrap_or(generation);
                    }
                }
                vec![]
            }
            _ = change_check.tick() => {
                let g = store::lock(store).generation().unwrap_or(generation);
                if g != generation {
                    generation = g;
                    app.now = Timestamp::now();
                    reload_all(app, store, config);
                    dirty = true;
                }
                vec![]
            }
            _ = lease_tick.tick() => {
                let role = if lease.renew() { Role::Polling } else { Role::Watching };
                if role != app.role {
                    app.role = role;
                    dirty = true;
                }
                vec![]
            }
            _ = &mut minute => {
                minute.as_mut().reset(next_minute());
                dirty = true;
                vec![]
            }
        };
        for effect in effects {
            match effect {
                Effect::Quit => {
                    drop(cmd_tx);
                    scheduler.abort();
                    return Ok(());
                }
                Effect::LoadDetail => reload_detail(app, store, config),
                Effect::LoadEffort => reload_effort(app, store, config),
                Effect::Export => {
                    let written = crate::export::snapshot_files(
                        &store::lock(store),
                        config,
                        data_dir,
                        Timestamp::now(),
                        &app.tz,
                    );
                    app.message = Some(match written {
                        Ok(files) => export_message(&files),
                        Err(e) => format!("export failed: {e:#}"),
                    });
                }
                Effect::ToggleTimer(id) => {
                    toggle_timer(app, store, &id);
                    reload_all(app, store, config);
                    generation = store::lock(store).generation().unwrap_or(generation);
                }
                Effect::PollAll | Effect::PollNow(_) if lease.is_held() => {
                    let cmd = match effect {
                        Effect::PollNow(id) => Command::PollNow(id),
                        _ => Command::PollAll,
                    };
                    let _ = cmd_tx.send(cmd);
                }
                // not the polling instance: poll once here, the holder's schedule stays
                Effect::PollAll | Effect::PollNow(_) => {
                    let ids: Vec<String> = match effect {
                        Effect::PollNow(id) => vec![id],
                        _ => config.accounts.iter().map(|a| a.id.clone()).collect(),
                    };
                    for id in ids {
                        let (poller, tx) = (Arc::clone(poller), ev_tx.clone());
                        let _ = tx.send(Event::Started(id.clone()));
                        tokio::spawn(async move {
                            if let Some(a) = poller.accounts().iter().find(|a| a.id == id) {
                                let r = poller.poll_one(a).await;
                                let _ = tx.send(Event::Finished(r));
                            }
                        });
                    }
                }
            }
        }
    }
    drop(cmd_tx);
    scheduler.abort();
    Ok(())
}
