//! Rough timings of the dashboard's reads and draws on a generated history:
//! `cargo run --release --example dash_timing -- ACCOUNTS DAYS` (default 100 × 30),
//! or on an existing history: `-- CONFIG DATA_DIR` (e.g. the one
//! `benches/scale.py` builds).
//! The first frame (every row read and drawn), the detail at 1 y and "all",
//! a selection move (update and draw).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use socialtop::config::Config;
use socialtop::model::Sample;
use socialtop::store::Store;
use socialtop::tui::app::{App, AppEvent};
use socialtop::tui::data::{self, Range};
use socialtop::tui::ui;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    let second = args.next();
    if let (Some(cfg), Some(data)) = (&first, &second)
        && cfg.ends_with(".toml")
    {
        let text = std::fs::read_to_string(cfg)?;
        let config = Config::parse(&text, std::path::Path::new(cfg))?;
        let t = Instant::now();
        let store = Store::open_dir(std::path::Path::new(data))?;
        eprintln!("opened in {:?}", t.elapsed());
        return time(&store, &config, Timestamp::now());
    }
    let accounts: usize = first.and_then(|a| a.parse().ok()).unwrap_or(100);
    let days: i64 = second.and_then(|a| a.parse().ok()).unwrap_or(30);
    let mut toml = String::new();
    for i in 0..accounts {
        toml.push_str(&format!(
            "[[accounts]]\nplatform = \"github\"\nhandle = \"user{i}\"\n"
        ));
    }
    let config = Config::parse(&toml, std::path::Path::new("t.toml"))?;
    let dir = tempfile::tempdir()?;
    let mut store = Store::open_dir(dir.path())?;
    store.sync_accounts(&config.accounts)?;
    let now = Timestamp::now();
    let per = days * 86_400 / 300;
    let t = Instant::now();
    for (n, a) in config.accounts.iter().enumerate() {
        let start = now.as_second() - per * 300;
        let batch: Vec<Sample> = (0..per)
            .map(|i| Sample {
                at_ms: (start + i * 300) * 1000,
                followers: 1_000 + n as i64 * 10 + i / 50,
                following: None,
                posts: None,
            })
            .collect();
        store.insert_samples(&a.id, &batch)?;
    }
    eprintln!(
        "{} samples generated in {:?}",
        per * accounts as i64,
        t.elapsed()
    );
    time(&store, &config, now)
}

fn time(store: &Store, config: &Config, now: Timestamp) -> anyhow::Result<()> {
    let tz = jiff::tz::TimeZone::UTC;
    let mut term = Terminal::new(TestBackend::new(120, 32))?;
    let t = Instant::now();
    let rows = data::load_rows(store, &config.accounts, now, &tz)?;
    let mut app = App::new(rows, now);
    let id = app.selected_id().unwrap_or_default();
    let account = config.account(&id).unwrap();
    app.detail = Some(data::load_detail(store, account, app.range, now)?);
    term.draw(|f| ui::draw(f, &mut app))?;
    println!("first frame: {:?}", t.elapsed());
    for range in [Range::Year, Range::All] {
        let t = Instant::now();
        app.range = range;
        app.detail = Some(data::load_detail(store, account, range, now)?);
        term.draw(|f| ui::draw(f, &mut app))?;
        println!("detail {}: {:?}", range.label(), t.elapsed());
    }
    let t = Instant::now();
    let n = 20;
    for _ in 0..n {
        app.update(AppEvent::Key(KeyEvent::new(
            KeyCode::Char('j'),
            KeyModifiers::NONE,
        )));
        let id = app.selected_id().unwrap_or_default();
        let account = config.account(&id).unwrap();
        app.detail = Some(data::load_detail(store, account, app.range, now)?);
        term.draw(|f| ui::draw(f, &mut app))?;
    }
    println!(
        "move selection (read detail + draw): {:?} each",
        t.elapsed() / n
    );
    Ok(())
}
