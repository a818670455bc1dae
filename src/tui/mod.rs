//! The full-screen dashboard.
//!
//! One loop, one channel: every source (the terminal, the poller, a store
//! watcher, the lease, a minute timer, the signals; see [`events`]) sends an
//! [`AppEvent`]; the loop drains what is queued, passes each through the pure
//! [`App::update`], hands the effects to [`effects::Runner`] (store work on
//! the blocking pool, polls to the scheduler; results come back as events),
//! and draws once, only when something changed. Nothing on the loop touches
//! the store, so a locked database cannot freeze the screen. Between events
//! it sleeps: the periodic work is one row read every 2 s (on the watcher's
//! thread), a lease renewal every 5 s (on the lease's thread) and a look at
//! the config file's modification time every 1.5 s (on its own thread). The
//! loop itself wakes only for events and for the deadlines the app names
//! ([`App::next_wakeup`]: a message expiring, the timer's first minute).

pub mod accounts;
pub mod alerts;
pub mod app;
pub mod data;
pub mod detail;
pub mod effects;
pub mod effort;
pub mod events;
pub mod fmt;
pub mod help;
pub mod keys;
pub mod people;
pub mod theme;
pub mod ui;
pub mod view;

use std::io::{IsTerminal, Stdout, stdout};
use std::process::ExitCode;
use std::sync::{Arc, Once};
use std::time::Duration;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use crate::boot::Paths;
use crate::config::Config;
use crate::model::{Clock, SystemClock};
use crate::service::{self, Service};
use app::{App, AppEvent, Effect};
use effects::Runner;
use events::InputPause;

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

/// Gives the terminal back and stops the process (Ctrl-Z, SIGTSTP); on
/// resume (`fg`) takes the terminal again. The caller redraws.
fn suspend(terminal: &mut Terminal<CrosstermBackend<Stdout>>) -> anyhow::Result<()> {
    restore_terminal();
    #[cfg(unix)]
    {
        // SIGSTOP cannot be caught: the shell gets its prompt back at once.
        // This returns when the shell sends SIGCONT.
        let pid = std::process::id().to_string();
        if let Err(e) = std::process::Command::new("kill")
            .args(["-STOP", &pid])
            .status()
        {
            tracing::warn!(error = %e, "could not suspend");
        }
    }
    enable_raw_mode()?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        Clear(ClearType::All)
    )?;
    // The next draw only writes what differs from the last frame, which the
    // screen no longer shows: a blank frame first makes it write everything.
    // (Terminal::clear would ask the terminal for the cursor position, and
    // the answer goes to the input stream the loop reads.)
    terminal.draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))?;
    Ok(())
}

/// The command `E` runs: `$VISUAL`, else `$EDITOR`, else `vi`, split on
/// spaces (`code -w` works), then the file.
fn editor_command(path: &std::path::Path) -> std::process::Command {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into());
    let mut words = editor.split_whitespace();
    let mut cmd = std::process::Command::new(words.next().unwrap_or("vi"));
    cmd.args(words).arg(path);
    cmd
}

/// Gives the terminal to an editor on the config (as Ctrl-Z gives it to the
/// shell), takes it back when the editor exits. The caller reads the config again.
async fn edit_config(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    pause: &InputPause,
    path: &std::path::Path,
) -> anyhow::Result<Option<String>> {
    pause.pause().await;
    restore_terminal();
    let status = editor_command(path).status();
    enable_raw_mode()?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        Clear(ClearType::All)
    )?;
    terminal.draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))?;
    pause.resume();
    Ok(match status {
        Ok(s) if s.success() => None,
        Ok(s) => Some(format!("the editor exited with {s}")),
        Err(e) => Some(format!(
            "cannot start the editor (set $VISUAL or $EDITOR): {e}"
        )),
    })
}

/// A file's modification time and length, to tell whether an editor changed it.
fn file_stamp(path: &std::path::Path) -> Option<(std::time::SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// What `socialtop` says when it has no terminal to draw on.
pub const NO_TERMINAL: &str = "socialtop needs a terminal; `socialtop status` prints the same data";

/// `socialtop` without a command (and `socialtop --demo`).
pub fn run(paths: &Paths, demo: bool) -> anyhow::Result<ExitCode> {
    if !stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(NO_TERMINAL);
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let rt = crate::boot::runtime()?;
    let (_demo_dir, _demo_api);
    let paths = if demo {
        let dir = tempfile::Builder::new()
            .prefix("socialtop-demo-")
            .tempdir()?;
        // the demo's platforms answer from loopback, so polls are real
        let api = rt.block_on(crate::demo::DemoApi::start())?;
        let p = crate::demo::prepare(dir.path(), clock.now(), Some(api.addr))?;
        _demo_dir = dir;
        _demo_api = api;
        p
    } else {
        Paths {
            config: paths.config.clone(),
            data_dir: paths.data_dir.clone(),
        }
    };
    let _log = crate::logging::init(&paths.data_dir);
    let (config, created) = Config::load_or_init(&paths.config)?;
    let config = Arc::new(config);
    let store = crate::boot::open_handle(&paths, &config)?;
    // what the first screen shows is read before the terminal is taken
    let now = clock.now();
    let tz = crate::util::local_tz();
    let first = {
        let (config, tz) = (Arc::clone(&config), tz.clone());
        store.read_blocking(move |s| {
            let rows = data::load_rows(s, &config.accounts, now, &tz)?;
            let alerts = s.recent_alerts(effects::ALERTS_SHOWN).unwrap_or_default();
            Ok((rows, s.timer().unwrap_or_default(), s.generation()?, alerts))
        })?
    };
    let (rows, timer, generation, recent_alerts) = first;
    let mut app = App::new(rows, now);
    app.alerts_seen = recent_alerts.first().map_or(0, |a| a.id);
    app.alerts = recent_alerts;
    app.tz = tz;
    app.demo = demo;
    app.color = theme::Theme::color_from_env();
    app.light = theme::Theme::light_for(config.theme);
    app.timer = timer;
    app.generation = generation;
    app.detail = app.selected_id().and_then(|id| {
        let account = config.account(&id)?.clone();
        let range = app.range;
        store
            .read_blocking(move |s| data::load_detail(s, &account, range, now))
            .ok()
    });
    if created {
        app.say_for(
            format!(
                "wrote a starter config to {}; press E to add your accounts",
                paths.config.display()
            ),
            app::LONG_MESSAGE_SECS,
        );
    }
    let opts = service::Options {
        clock: Arc::clone(&clock),
        secrets: Arc::new(crate::model::EnvSecrets),
        history: crate::boot::location(&paths, &config),
        // metrics_listen: Prometheus metrics while the dashboard runs
        metrics: config.metrics_listen,
        watch_changes: Some(generation),
    };
    // a busy metrics address is an error before the terminal is taken
    let (service, service_events) = rt.block_on(Service::start(config, store, opts))?;
    let (tx, rx) = mpsc::unbounded_channel();
    let runner = Runner {
        service,
        tx: tx.clone(),
        clock: Arc::clone(&clock),
        data_dir: paths.data_dir.clone(),
        // the demo's data dir goes on quit: its exports go where the user is
        export_dir: if demo {
            Some(std::env::current_dir()?)
        } else {
            None
        },
    };
    let pause = InputPause::new();
    let (guard, mut terminal) = setup_terminal()?;
    let result = rt.block_on(async {
        tokio::select! {
            r = event_loop(&mut terminal, &mut app, rx, &runner, &*clock, &pause) => r,
            () = events::foreground(tx, service_events, Arc::clone(&clock), pause.clone()) => Ok(()),
        }
    });
    drop(guard);
    // stops polling and releases the lease
    rt.block_on(runner.service.stop(Duration::from_secs(1)));
    rt.shutdown_timeout(Duration::from_millis(200));
    result.map(|()| ExitCode::SUCCESS)
}

/// Draw if needed, wait for an event, take whatever else is queued, update,
/// start the effects; again.
async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    mut rx: mpsc::UnboundedReceiver<AppEvent>,
    runner: &Runner,
    clock: &dyn Clock,
    pause: &InputPause,
) -> anyhow::Result<()> {
    app.dirty = true;
    loop {
        app.now = clock.now();
        if app.dirty {
            terminal.draw(|f| ui::draw(f, app))?;
            app.dirty = false;
        }
        // sleep until an event, or a deadline the app named
        let wake = app.next_wakeup().map(|t| {
            let ms = (t.as_millisecond() - app.now.as_millisecond()).max(0) as u64;
            tokio::time::Instant::now() + Duration::from_millis(ms)
        });
        let first = match wake {
            Some(at) => tokio::select! {
                ev = rx.recv() => ev,
                () = tokio::time::sleep_until(at) => Some(AppEvent::Tick),
            },
            None => rx.recv().await,
        };
        let Some(first) = first else {
            return Ok(());
        };
        app.now = clock.now();
        let queued = std::iter::from_fn(|| rx.try_recv().ok());
        for ev in std::iter::once(first).chain(queued) {
            for effect in app.update(ev) {
                match effect {
                    Effect::Quit => return Ok(()),
                    Effect::Fail(e) => anyhow::bail!("cannot read the terminal: {e}"),
                    Effect::Suspend => {
                        suspend(terminal)?;
                        app.dirty = true;
                    }
                    Effect::EditConfig => {
                        let path = runner.config().path.clone();
                        let before = file_stamp(&path);
                        let problem = edit_config(terminal, pause, &path).await?;
                        app.now = clock.now();
                        match problem {
                            // the editor's failure is the news: no reload
                            // message may cover it
                            Some(problem) => app.say(problem),
                            None if file_stamp(&path) == before => app.say("config unchanged"),
                            // read now, even if the watcher saw the change
                            // first: the result (applied, or the error) shows
                            None => runner.reload_config(),
                        }
                        app.dirty = true;
                    }
                    effect => runner.spawn(effect, app),
                }
            }
        }
    }
}
