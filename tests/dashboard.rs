//! The dashboard without a terminal: rendered screens (insta snapshots of
//! ratatui's TestBackend) and what keys and the mouse do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use socialtop::config::Config;
use socialtop::model::Sample;
use socialtop::poller::{Event, Outcome, PollResult};
use socialtop::service::Role;
use socialtop::store::Store;
use socialtop::tui::app::{App, AppEvent, Effect, Loaded, Sort};
use socialtop::tui::data::{self, Range};
use socialtop::tui::ui;
use socialtop::tui::view::View;

/// 2026-06-01T12:00:00Z
const NOW: i64 = 1_780_315_200;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    config: Config,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let paths =
        socialtop::demo::prepare(dir.path(), Timestamp::from_second(NOW).unwrap(), None).unwrap();
    let (config, _) = Config::load_or_init(&paths.config).unwrap();
    let store = Store::open_dir(&paths.data_dir).unwrap();
    Fixture {
        _dir: dir,
        store,
        config,
    }
}

fn app(fx: &Fixture) -> App {
    let now = Timestamp::from_second(NOW).unwrap();
    let rows = data::load_rows(
        &fx.store,
        &fx.config.accounts,
        now,
        &jiff::tz::TimeZone::UTC,
    )
    .unwrap();
    let mut app = App::new(rows, now);
    app.demo = true;
    app.role = Role::Polling;
    app.tz = jiff::tz::TimeZone::UTC;
    app.next_due = Some(Timestamp::from_second(NOW + 240).unwrap());
    load_detail(fx, &mut app);
    app
}

fn load_detail(fx: &Fixture, app: &mut App) {
    let id = app.selected_id().unwrap();
    let account = fx.config.account(&id).unwrap();
    app.detail = Some(data::load_detail(&fx.store, account, app.range, app.now).unwrap());
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, app)).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

// ---------- screens ----------

#[test]
fn accounts_view_full_size() {
    let fx = fixture();
    let mut app = app(&fx);
    let s = screen(&mut app, 120, 32);
    assert!(s.contains("DEMO · simulated data"));
    assert!(s.contains("12,5"), "counts have separators:\n{s}");
    insta::assert_snapshot!("accounts_120x32", s);
}

#[test]
fn accounts_view_small_pane_keeps_names_and_counts() {
    let fx = fixture();
    let mut app = app(&fx);
    let s = screen(&mut app, 50, 12);
    for row in &app.rows {
        let count = socialtop::util::thousands(row.status.followers.unwrap());
        assert!(s.contains(&count), "{count} missing:\n{s}");
    }
    assert!(!s.contains("PLATFORM"), "the platform goes first:\n{s}");
    insta::assert_snapshot!("accounts_50x12", s);
}

#[test]
fn detail_view_zoomed() {
    let fx = fixture();
    let mut app = app(&fx);
    app.on_key(code(KeyCode::Enter));
    assert_eq!(app.view, View::Detail);
    let s = screen(&mut app, 120, 32);
    assert!(s.contains("/day over 30 d"), "{s}");
    // the forecast is a range of months from the growth's own variability
    assert!(
        s.contains("20,000 between January and April 2027"),
        "a forecast:\n{s}"
    );
    insta::assert_snapshot!("detail_120x32", s);
    let small = screen(&mut app, 50, 12);
    insta::assert_snapshot!("detail_50x12", small);
}

#[test]
fn detail_shows_the_last_error_with_its_time() {
    let fx = fixture();
    let mut app = app(&fx);
    app.on_key(key('G')); // "Old forum (demo)" sorts last by name
    load_detail(&fx, &mut app);
    app.on_key(code(KeyCode::Enter));
    let s = screen(&mut app, 120, 32);
    assert!(
        s.contains("last error (now): server error 502 Bad Gateway (simulated)"),
        "{s}"
    );
    // a forum losing a member a day: no milestone to forecast
    assert!(s.contains("no trend over 30 d"), "{s}");
}

#[test]
fn help_overlay_lists_every_key() {
    let fx = fixture();
    let mut app = app(&fx);
    app.on_key(key('?'));
    let s = screen(&mut app, 120, 32);
    for k in socialtop::tui::help::lines() {
        assert!(s.contains(k.1), "{} missing", k.1);
    }
    insta::assert_snapshot!("help_120x32", s);
    let small = screen(&mut app, 50, 12);
    for k in socialtop::tui::help::lines() {
        assert!(small.contains(k.1), "{} missing at 50x12:\n{small}", k.1);
    }
}

#[test]
fn a_new_sample_shows_at_once() {
    let mut fx = fixture();
    let mut app = app(&fx);
    let id = "demo-github".to_string();
    fx.store
        .insert_sample(
            &id,
            Sample {
                at_ms: (NOW + 1) * 1000,
                followers: 77_777,
                following: None,
                posts: None,
            },
        )
        .unwrap();
    let account = fx.config.account(&id).unwrap().clone();
    let row = data::load_row(&fx.store, &account, app.now, &app.tz).unwrap();
    app.set_row(row);
    assert!(screen(&mut app, 120, 32).contains("77,777"));
}

#[test]
fn no_color_output_has_no_colours() {
    let fx = fixture();
    let mut app = app(&fx);
    app.color = false;
    let mut t = Terminal::new(TestBackend::new(120, 32)).unwrap();
    t.draw(|f| ui::draw(f, &mut app)).unwrap();
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, ratatui::style::Color::Reset, "{cell:?}");
    }
}

#[test]
fn effort_view_reads_the_same_sentence_as_the_command() {
    let fx = fixture();
    let mut app = app(&fx);
    app.effort = Some(data::load_effort(&fx.store, &fx.config, &app.tz).unwrap());
    let sentence = socialtop::tracking::effort(&fx.store, &fx.config, &app.tz, None)
        .unwrap()
        .sentence;
    app.on_key(code(KeyCode::Tab));
    app.on_key(code(KeyCode::Tab));
    assert_eq!(app.view, View::Effort);
    let s = screen(&mut app, 120, 32);
    // the sentence may wrap at word boundaries
    let flat = s.lines().map(str::trim_end).collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&sentence), "{sentence}\n{s}");
    assert!(
        s.contains("ELASTICITY") && s.contains("Mastodon @alice (demo)"),
        "{s}"
    );
    insta::assert_snapshot!("effort_120x32", s);
    let small = screen(&mut app, 50, 12);
    assert!(small.contains("ELASTIC"), "{small}");
    insta::assert_snapshot!("effort_50x12", small);
}

#[test]
fn a_running_timer_shows_in_the_header_and_the_week_column() {
    let mut fx = fixture();
    fx.store.start_timer("demo-github", NOW - 25 * 60).unwrap();
    let mut app = app(&fx);
    app.timer = fx.store.timer().unwrap();
    let s = screen(&mut app, 120, 32);
    let header = s.lines().next().unwrap();
    assert!(header.contains("⏱ GitHub alice (demo) 25m"), "{header}");
    let row = s
        .lines()
        .find(|l| l.contains("GitHub alice (demo)") && l.contains("421"))
        .unwrap();
    assert!(row.contains("⏱"), "{row}");
}

// ---------- keys and mouse ----------

#[test]
fn movement_keys() {
    let fx = fixture();
    let mut app = app(&fx);
    let n = app.order.len();
    assert_eq!(app.selected, 0);
    assert_eq!(app.on_key(key('j')), vec![Effect::LoadDetail]);
    assert_eq!(app.selected, 1);
    app.on_key(code(KeyCode::Down));
    assert_eq!(app.selected, 2);
    app.on_key(key('k'));
    app.on_key(code(KeyCode::Up));
    assert_eq!(app.selected, 0);
    assert_eq!(app.on_key(key('k')), vec![], "already at the top");
    app.on_key(key('G'));
    assert_eq!(app.selected, n - 1);
    app.on_key(key('g'));
    assert_eq!(app.selected, 0);
}

#[test]
fn views_ranges_and_polling_keys() {
    let fx = fixture();
    let mut app = app(&fx);
    app.on_key(code(KeyCode::Tab));
    assert_eq!(app.view, View::Detail);
    assert_eq!(app.on_key(code(KeyCode::Tab)), vec![Effect::LoadEffort]);
    assert_eq!(app.view, View::Effort);
    assert_eq!(app.on_key(code(KeyCode::Tab)), vec![Effect::LoadDetail]);
    assert_eq!(app.view, View::People);
    app.on_key(code(KeyCode::Tab));
    assert_eq!(app.view, View::Accounts);
    app.on_key(code(KeyCode::Enter));
    assert_eq!(app.view, View::Detail);
    app.on_key(code(KeyCode::Esc));
    assert_eq!(app.view, View::Accounts, "Esc leaves the zoom first");
    for (c, r) in ['1', '2', '3', '4', '5'].iter().zip(Range::ALL) {
        assert_eq!(app.on_key(key(*c)), vec![Effect::LoadDetail]);
        assert_eq!(app.range, r);
    }
    // the demo's accounts are real platforms (on its simulated API): r and R poll
    let selected = app.selected_id().unwrap();
    assert_eq!(app.on_key(key('r')), vec![Effect::PollNow(selected)]);
    assert_eq!(app.on_key(key('R')), vec![Effect::PollAll]);
    let selected = app.selected_id().unwrap();
    assert_eq!(app.on_key(key('t')), vec![Effect::ToggleTimer(selected)]);
    assert_eq!(app.on_key(key('e')), vec![Effect::Export]);
}

#[test]
fn filter_and_sort() {
    let fx = fixture();
    let mut app = app(&fx);
    app.on_key(key('/'));
    for c in "blue".chars() {
        app.on_key(key(c));
    }
    assert_eq!(app.order.len(), 1);
    assert_eq!(app.selected_id().unwrap(), "demo-bluesky");
    assert_eq!(
        app.on_key(key('q')),
        vec![Effect::LoadDetail],
        "typing, not quitting"
    );
    app.on_key(code(KeyCode::Backspace));
    app.on_key(code(KeyCode::Enter));
    assert_eq!(app.filter, "blue");
    assert!(screen(&mut app, 120, 32).contains("filter: blue"));
    app.on_key(code(KeyCode::Esc));
    assert!(app.filter.is_empty());
    assert_eq!(app.order.len(), 6);

    app.on_key(key('s'));
    assert_eq!(app.sort, Sort::Count);
    let counts: Vec<i64> = app
        .order
        .iter()
        .map(|&i| app.rows[i].status.followers.unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    app.on_key(key('s'));
    assert_eq!(app.sort, Sort::Change7d);
    assert_eq!(
        app.rows[app.order[5]].account.id, "demo-forum",
        "the shrinking one is last"
    );
    app.on_key(key('s'));
    assert_eq!(app.sort, Sort::Name);
}

#[test]
fn help_closes_on_any_key_q_too_and_esc_never_quits() {
    let fx = fixture();
    let mut app = app(&fx);
    app.on_key(key('?'));
    assert!(app.help);
    assert_eq!(app.on_key(key('x')), vec![]);
    assert!(!app.help);
    app.on_key(key('?'));
    assert_eq!(app.on_key(key('q')), vec![], "q in the help closes it");
    assert!(!app.help);
    app.on_key(key('?'));
    assert_eq!(app.on_key(code(KeyCode::Esc)), vec![]);
    assert!(!app.help);
    assert_eq!(app.on_key(code(KeyCode::Esc)), vec![], "Esc never quits");
    assert_eq!(app.on_key(code(KeyCode::Esc)), vec![]);
    assert_eq!(app.on_key(key('q')), vec![Effect::Quit]);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(app.on_key(ctrl_c), vec![Effect::Quit]);
    app.on_key(key('/'));
    assert_eq!(
        app.on_key(ctrl_c),
        vec![Effect::Quit],
        "even while typing a filter"
    );
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    let fx = fixture();
    let mut app = app(&fx);
    screen(&mut app, 120, 32); // lays the table out
    let click = |row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 20,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // line 0 is the header, line 1 the column titles, accounts from line 2
    assert_eq!(app.on_mouse(click(4)), vec![Effect::LoadDetail]);
    assert_eq!(app.selected, 2);
    assert_eq!(app.on_mouse(click(0)), vec![], "the header selects nothing");
    let wheel = |kind| MouseEvent {
        kind,
        column: 20,
        row: 5,
        modifiers: KeyModifiers::NONE,
    };
    app.on_mouse(wheel(MouseEventKind::ScrollDown));
    assert_eq!(app.selected, 3);
    app.on_mouse(wheel(MouseEventKind::ScrollUp));
    app.on_mouse(wheel(MouseEventKind::ScrollUp));
    assert_eq!(app.selected, 1);
}

#[test]
fn clicks_on_tabs_switch_views_and_on_titles_sort() {
    let fx = fixture();
    let mut app = app(&fx);
    let chosen = app.selected_id();
    let s = screen(&mut app, 120, 32);
    // the column on screen (characters, not bytes: `▴` is three)
    let at = |line: &str, word: &str| line[..line.find(word).unwrap()].chars().count() as u16;
    let top = s.lines().next().unwrap().to_string();
    let titles = s.lines().nth(1).unwrap().to_string();
    let click = |column, row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // the column titles: COUNT sorts by count, again turns it around
    app.on_mouse(click(at(&titles, " COUNT") + 1, 1));
    assert_eq!(
        (app.sort, app.reversed),
        (Sort::Count, false),
        "{:?} {} {titles}",
        app.sort_spots.borrow(),
        at(&titles, " COUNT")
    );
    app.on_mouse(click(at(&titles, " COUNT") + 1, 1));
    assert_eq!((app.sort, app.reversed), (Sort::Count, true));
    app.on_mouse(click(at(&titles, "7D") + 1, 1));
    assert_eq!((app.sort, app.reversed), (Sort::Change7d, false));
    let s = screen(&mut app, 120, 32);
    assert!(s.lines().nth(1).unwrap().contains("7D ▾"), "{s}");
    // a click on a title is not a click on a row: the selection stays
    assert_eq!(app.selected_id(), chosen);
    // the tabs
    assert_eq!(
        app.on_mouse(click(at(&top, "Effort") + 1, 0)),
        vec![Effect::LoadEffort]
    );
    assert_eq!(app.view, View::Effort);
    screen(&mut app, 120, 32);
    assert_eq!(
        app.on_mouse(click(at(&top, "People") + 2, 0)),
        vec![Effect::LoadDetail]
    );
    assert_eq!(app.view, View::People);
    screen(&mut app, 120, 32);
    app.on_mouse(click(at(&top, "Accounts"), 0));
    assert_eq!(app.view, View::Accounts);
    // under the help overlay a click does nothing
    app.help = true;
    assert_eq!(app.on_mouse(click(at(&top, "Effort") + 1, 0)), vec![]);
    assert_eq!(app.view, View::Accounts);
}

// ---------- events: App::update ----------

#[test]
fn keys_the_old_loop_knew_still_work() {
    let fx = fixture();
    let mut app = app(&fx);
    let n = app.order.len();
    assert_eq!(
        app.on_key(code(KeyCode::PageDown)),
        vec![Effect::LoadDetail]
    );
    assert_eq!(app.selected, n - 1, "ten down stops at the last");
    app.on_key(code(KeyCode::PageUp));
    assert_eq!(app.selected, 0);
    app.on_key(code(KeyCode::End));
    assert_eq!(app.selected, n - 1);
    app.on_key(code(KeyCode::Home));
    assert_eq!(app.selected, 0);
    let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(app.on_key(back_tab), vec![Effect::LoadDetail]);
    assert_eq!(app.view, View::People);
    assert_eq!(app.on_key(back_tab), vec![Effect::LoadEffort]);
    assert_eq!(app.view, View::Effort);
    // the Effort view shows no selection: G leaves it alone (and says so)
    let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
    app.on_key(shift_g);
    assert_eq!(app.selected, 0);
    app.on_key(back_tab);
    app.on_key(shift_g);
    assert_eq!(app.selected, n - 1);
    let ctrl_z = KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL);
    assert_eq!(app.on_key(ctrl_z), vec![Effect::Suspend]);
    app.on_key(key('/'));
    assert_eq!(
        app.on_key(ctrl_z),
        vec![Effect::Suspend],
        "while typing too"
    );
}

#[test]
fn update_marks_dirty_and_asks_for_reads() {
    let fx = fixture();
    let mut app = app(&fx);
    app.dirty = false;
    assert_eq!(app.update(AppEvent::Minute), vec![]);
    assert!(app.dirty);
    app.dirty = false;
    assert_eq!(
        app.update(AppEvent::DataChanged(vec![])),
        vec![Effect::LoadRows, Effect::LoadDetail]
    );
    // one account written by another process: only its row is read again
    let other = app.rows[app.order[1]].account.id.clone();
    assert_eq!(
        app.update(AppEvent::DataChanged(vec![other.clone()])),
        vec![Effect::LoadRow(other)]
    );
    let selected = app.selected_id().unwrap();
    assert_eq!(
        app.update(AppEvent::DataChanged(vec![selected.clone()])),
        vec![Effect::LoadDetail, Effect::LoadRow(selected)]
    );
    assert_eq!(app.update(AppEvent::Role(Role::Polling)), vec![]);
    assert!(!app.dirty, "nothing shown changed");
    app.update(AppEvent::Role(Role::Watching));
    assert!(app.dirty);
    assert_eq!(app.role, Role::Watching);
    assert_eq!(
        app.update(AppEvent::Key(key('j'))),
        vec![Effect::LoadDetail]
    );
    assert_eq!(app.update(AppEvent::Quit), vec![Effect::Quit]);
}

#[test]
fn stale_results_are_dropped() {
    let fx = fixture();
    let mut app = app(&fx);
    let now = app.now;
    let first = app.selected_id().unwrap();
    let detail_of = |id: &str, range| {
        let account = fx.config.account(id).unwrap();
        data::load_detail(&fx.store, account, range, now).unwrap()
    };
    // the selection moved on while the first account's detail was read
    app.detail = None;
    app.update(AppEvent::Key(key('j')));
    let second = app.selected_id().unwrap();
    app.update(AppEvent::Loaded(Loaded::Detail(Box::new(detail_of(
        &first, app.range,
    )))));
    assert!(
        app.detail.is_none(),
        "dropped: {first} is no longer selected"
    );
    // so did the range
    app.update(AppEvent::Key(key('1')));
    app.update(AppEvent::Loaded(Loaded::Detail(Box::new(detail_of(
        &second,
        Range::Month,
    )))));
    assert!(app.detail.is_none(), "dropped: the range changed");
    app.update(AppEvent::Loaded(Loaded::Detail(Box::new(detail_of(
        &second,
        Range::Day,
    )))));
    let d = app.detail.as_ref().unwrap();
    assert_eq!((d.id.as_str(), d.range), (second.as_str(), Range::Day));

    // rows read at an older generation than the ones shown
    let mut rows = app.rows.clone();
    rows.iter_mut().for_each(|r| r.status.followers = Some(1));
    app.generation = 10;
    app.update(AppEvent::Loaded(Loaded::Rows {
        generation: 9,
        rows: rows.clone(),
        timer: None,
    }));
    assert!(app.rows.iter().all(|r| r.status.followers != Some(1)));
    app.update(AppEvent::Loaded(Loaded::Rows {
        generation: 11,
        rows,
        timer: None,
    }));
    assert!(app.rows.iter().all(|r| r.status.followers == Some(1)));
    assert_eq!(app.generation, 11);
}

#[test]
fn a_finished_poll_reloads_its_row_and_the_detail_it_shows() {
    let fx = fixture();
    let mut app = app(&fx);
    let id = app.selected_id().unwrap();
    app.update(AppEvent::Poll(Event::Started(id.clone())));
    assert_eq!(app.polling, vec![id.clone()]);
    let fx_ = app.update(AppEvent::Poll(Event::Finished(PollResult {
        account: id.clone(),
        at: app.now,
        outcome: Outcome::Failed("boom".into()),
    })));
    assert!(app.polling.is_empty());
    assert_eq!(fx_, vec![Effect::LoadRow(id), Effect::LoadDetail]);
}

// ---------- second edition: any size, any theme ----------

/// Long handles, 12-digit counts, errors, a one-sample account.
fn hard_fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = "\
[[accounts]]
platform = \"github\"
handle = \"octokit-fixture-org/hello-world\"
id = \"octo\"

[[accounts]]
platform = \"manual\"
handle = \"big\"
id = \"big\"
label = \"a 12-digit channel\"

[[accounts]]
platform = \"github\"
handle = \"slowhost\"
id = \"slowhost\"

[[accounts]]
platform = \"manual\"
handle = \"newbie\"
id = \"newbie\"
";
    std::fs::write(&path, text).unwrap();
    let config = Config::parse(text, &path).unwrap();
    let mut store = Store::open_dir(&dir.path().join("data")).unwrap();
    store.sync_accounts(&config.accounts).unwrap();
    let sample = |at: i64, followers| Sample {
        at_ms: at * 1000,
        followers,
        following: None,
        posts: None,
    };
    let day = 86_400;
    let octo: Vec<Sample> = (0..=30)
        .map(|d| sample(NOW - (30 - d) * day, 1_000 + d))
        .collect();
    store.insert_samples("octo", &octo).unwrap();
    let big: Vec<Sample> = (0..=30)
        .map(|d| sample(NOW - (30 - d) * day, 12_000_000_000 + d * 11_526_000))
        .collect();
    store.insert_samples("big", &big).unwrap();
    store
        .insert_samples(
            "slowhost",
            &[sample(NOW - 3 * day, 20), sample(NOW - day, 20)],
        )
        .unwrap();
    store
        .record_failure(
            "slowhost",
            Timestamp::from_second(NOW - 60).unwrap(),
            "timed out after 20s",
        )
        .unwrap();
    store
        .insert_samples("newbie", &[sample(NOW - 300, 34_465_479)])
        .unwrap();
    Fixture {
        _dir: dir,
        store,
        config,
    }
}

fn select(app: &mut App, id: &str) {
    app.selected = app
        .order
        .iter()
        .position(|&i| app.rows[i].account.id == id)
        .unwrap();
}

#[test]
fn every_size_keeps_numbers_whole_and_names_first() {
    let fx = hard_fixture();
    let mut app = app(&fx);
    for (w, h) in [(200, 50), (120, 32), (80, 24), (50, 12), (30, 8)] {
        let s = screen(&mut app, w, h);
        for line in s.lines() {
            let cut = line.split_whitespace().any(|word| {
                word.ends_with('…')
                    && word
                        .chars()
                        .rev()
                        .nth(1)
                        .is_some_and(|c| c.is_ascii_digit())
            });
            assert!(!cut, "a number is cut at {w}x{h}:\n{s}");
        }
        if w >= 120 {
            assert!(
                s.contains("octokit-fixture-org/hello-world"),
                "{w}x{h}:\n{s}"
            );
            assert!(
                s.contains("12,345,780,000"),
                "the full count at {w}x{h}:\n{s}"
            );
        }
        if w >= 50 {
            assert!(
                s.contains("timeout 20s"),
                "the error's code at {w}x{h}:\n{s}"
            );
        }
        insta::assert_snapshot!(format!("hard_accounts_{w}x{h}"), s);
    }
}

#[test]
fn one_sample_says_when_the_chart_starts() {
    let fx = hard_fixture();
    let mut app = app(&fx);
    select(&mut app, "newbie");
    load_detail(&fx, &mut app);
    assert_eq!(app.selected_id().as_deref(), Some("newbie"));
    app.on_key(code(KeyCode::Enter));
    let s = screen(&mut app, 80, 24);
    assert!(
        s.contains("1 sample so far: the chart starts after the next poll"),
        "{s}"
    );
    insta::assert_snapshot!("one_sample_80x24", s);
}

#[test]
fn short_history_charts_start_at_the_first_sample_with_round_ticks() {
    let fx = hard_fixture();
    let mut app = app(&fx);
    app.on_key(key('5')); // all: 30 days of history
    load_detail(&fx, &mut app);
    app.on_key(code(KeyCode::Enter));
    let s = screen(&mut app, 120, 32);
    assert!(s.contains("May 2") && s.contains("Jun 1"), "{s}");
    assert!(!s.contains("2026-"), "{s}");
}

/// The x axis of a range spans that range, however short the history (a
/// 30 d chart after a few polls reads days, not minutes), labels carry their
/// month (7 d) and year (1 y), and the line is drawn in steps.
#[test]
fn a_range_chart_spans_its_range_with_dated_labels_and_steps() {
    let fx = hard_fixture();
    let mut app = app(&fx);
    for (k, want) in [('3', ["May 2", "Jun 1"]), ('2', ["May 25", "Jun 1"])] {
        app.on_key(key(k));
        load_detail(&fx, &mut app);
        app.view = View::Detail;
        let s = screen(&mut app, 120, 32);
        for w in want {
            assert!(s.contains(w), "{k}: {w}:\n{s}");
        }
    }
    app.on_key(key('4'));
    load_detail(&fx, &mut app);
    let s = screen(&mut app, 120, 32);
    // a year: months with their year, from a year back
    assert!(s.contains("2025") && s.contains("2026"), "{s}");
    // a 30 d range over a history of minutes still spans 30 days
    let now = app.now.as_second();
    app.detail = Some(socialtop::tui::data::Detail {
        points: vec![(now - 180, 100), (now - 120, 110), (now - 60, 90)],
        ..app.detail.clone().unwrap()
    });
    app.range = socialtop::tui::data::Range::Month;
    if let Some(d) = app.detail.as_mut() {
        d.range = socialtop::tui::data::Range::Month;
        d.from = now - 30 * 86_400;
        d.to = now;
    }
    let s = screen(&mut app, 120, 32);
    let axis = s.lines().rev().nth(1).unwrap();
    assert!(!axis.contains(':'), "times of day on a 30 d axis: {axis}");
}

/// Every cell's colours, as (fg, bg, reversed).
fn cells(
    app: &mut App,
    w: u16,
    h: u16,
) -> Vec<(ratatui::style::Color, ratatui::style::Color, bool)> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, app)).unwrap();
    t.backend()
        .buffer()
        .content()
        .iter()
        .map(|c| {
            (
                c.fg,
                c.bg,
                c.modifier.contains(ratatui::style::Modifier::REVERSED),
            )
        })
        .collect()
}

#[test]
fn both_themes_have_no_white_or_gray_text_and_a_readable_selection() {
    use ratatui::style::Color;
    let fx = hard_fixture();
    for light in [false, true] {
        let mut app = app(&fx);
        app.light = light;
        let all = cells(&mut app, 120, 32);
        for (fg, _, _) in &all {
            assert!(
                !matches!(fg, Color::White | Color::Gray),
                "light={light}: {fg:?}"
            );
        }
        // the selected row (line 2) has its own foreground on its own background
        let row: Vec<_> = all[2 * 120..3 * 120].to_vec();
        assert!(
            row.iter()
                .all(|(fg, bg, _)| *fg != Color::Reset && *bg != Color::Reset),
            "light={light}: {row:?}"
        );
        let s = screen(&mut app, 120, 32);
        insta::assert_snapshot!(format!("theme_light_{light}_120x32"), s);
    }
}

#[test]
fn no_color_effort_legend_has_markers() {
    let fx = fixture();
    let mut app = app(&fx);
    app.color = false;
    app.effort = Some(data::load_effort(&fx.store, &fx.config, &app.tz).unwrap());
    app.view = View::Effort;
    let s = screen(&mut app, 120, 32);
    // a letter per account, in the legend and on the plot
    for m in ["a Mastodon", "b Bluesky", "c GitHub"] {
        assert!(s.contains(m), "{m}:\n{s}");
    }
    let plot: String = s.lines().filter(|l| l.contains('│')).collect();
    for letter in ['a', 'b', 'c'] {
        assert!(plot.contains(letter), "no `{letter}` on the plot:\n{s}");
    }
    assert!(s.contains("Claim:"), "{s}");
    insta::assert_snapshot!("effort_no_color_120x32", s);
    let s = screen(&mut app, 80, 24);
    insta::assert_snapshot!("effort_80x24", s);
}

#[test]
fn messages_expire_and_the_timer_counts_seconds_at_first() {
    let fx = fixture();
    let mut app = app(&fx);
    app.on_key(key('s'));
    assert_eq!(app.message.as_deref(), Some("sorted by count"));
    let until = app.next_wakeup().unwrap();
    app.update(AppEvent::Key(key('j')));
    assert!(app.message.is_some(), "a key does not clear it");
    app.now = until;
    app.update(AppEvent::Tick);
    assert!(app.message.is_none());
    assert_eq!(app.next_wakeup(), None, "nothing to wait for: no wakeups");
    app.now = Timestamp::from_second(NOW).unwrap();
    app.timer = Some(("demo-github".into(), NOW - 42));
    assert_eq!(
        app.next_wakeup(),
        Some(Timestamp::from_second(NOW + 1).unwrap())
    );
    let s = screen(&mut app, 120, 32);
    assert!(s.lines().next().unwrap().contains(" 0:42 "), "{s}");
}

#[test]
fn asked_polls_say_what_happened() {
    let fx = hard_fixture();
    let mut app = app(&fx);
    select(&mut app, "octo");
    assert_eq!(app.on_key(key('r')), vec![Effect::PollNow("octo".into())]);
    let done = |id: &str, outcome| {
        AppEvent::Poll(Event::Finished(PollResult {
            account: id.into(),
            at: Timestamp::from_second(NOW).unwrap(),
            outcome,
        }))
    };
    let counts = |n| {
        Outcome::Ok(socialtop::model::Counts {
            followers: n,
            following: None,
            posts: None,
        })
    };
    app.update(done("octo", counts(1_030)));
    assert_eq!(
        app.message.as_deref(),
        Some("octokit-fixture-org/hello-world: 1,030, no change")
    );
    assert_eq!(app.on_key(key('R')), vec![Effect::PollAll]);
    app.update(done("octo", counts(1_031)));
    assert!(
        app.message.as_deref().unwrap().contains("no change"),
        "not yet"
    );
    app.update(done(
        "slowhost",
        Outcome::Failed("timed out after 20s".into()),
    ));
    assert_eq!(
        app.message.as_deref(),
        Some("2 polled, 1 failed (slowhost)")
    );
}

#[test]
fn one_effort_fit_at_a_time_however_many_changes_arrive() {
    let fx = fixture();
    let mut app = app(&fx);
    app.view = View::Effort;
    let fits = |fx: &[Effect]| fx.iter().filter(|e| **e == Effect::LoadEffort).count();
    assert_eq!(fits(&app.update(AppEvent::DataChanged(vec![]))), 1);
    // a poll-all while the fit runs: no second fit yet
    for _ in 0..5 {
        assert_eq!(fits(&app.update(AppEvent::DataChanged(vec![]))), 0);
    }
    // when it lands, one more fit covers everything that changed meanwhile
    let effort = data::load_effort(&fx.store, &fx.config, &app.tz).unwrap();
    assert_eq!(
        app.update(AppEvent::Loaded(Loaded::Effort(effort.clone()))),
        vec![Effect::LoadEffort]
    );
    assert_eq!(app.update(AppEvent::Loaded(Loaded::Effort(effort))), vec![]);
    // a failed fit does not block the next one
    assert_eq!(fits(&app.update(AppEvent::DataChanged(vec![]))), 1);
    app.update(AppEvent::Loaded(Loaded::EffortFailed("boom".into())));
    assert_eq!(fits(&app.update(AppEvent::DataChanged(vec![]))), 1);
}

#[test]
fn the_detail_marks_reconstructed_stretches_and_says_where_the_history_comes_from() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = "[[accounts]]\nplatform = \"github\"\nhandle = \"octo/hello\"\nid = \"octo\"\n";
    std::fs::write(&path, text).unwrap();
    let config = Config::parse(text, &path).unwrap();
    let mut store = Store::open_dir(&dir.path().join("data")).unwrap();
    store.sync_accounts(&config.accounts).unwrap();
    let day = 86_400;
    let first_poll = NOW - 30 * day;
    // a year of star dates before the first poll, then a month of polls
    let stars: Vec<Sample> = (1..=365)
        .map(|d| Sample {
            at_ms: (first_poll - (366 - d) * day) * 1000,
            followers: 100 + d,
            following: None,
            posts: None,
        })
        .collect();
    store
        .add_backfill(
            "octo",
            &stars,
            socialtop::model::SampleSource::Reconstructed,
            first_poll * 1000,
            None,
        )
        .unwrap();
    let polls: Vec<Sample> = (0..=30)
        .map(|d| Sample {
            at_ms: (first_poll + d * day) * 1000,
            followers: 470 + d,
            following: None,
            posts: None,
        })
        .collect();
    store.insert_samples("octo", &polls).unwrap();
    let fx = Fixture {
        _dir: dir,
        store,
        config,
    };
    let mut app = app(&fx);
    app.range = Range::Year;
    load_detail(&fx, &mut app);
    let d = app.detail.as_ref().unwrap();
    assert_eq!(
        d.origin.as_deref(),
        Some("since 2025 from GitHub's star dates (a lower bound); polled since 2026-05-02"),
    );
    assert_eq!(d.lower, vec![(first_poll - 365 * day, first_poll)]);
    app.on_key(code(KeyCode::Enter));
    let s = screen(&mut app, 120, 32);
    assert!(
        s.contains(
            "history since 2025 from GitHub's star dates (a lower bound); polled since 2026-05-02"
        ),
        "{s}"
    );
    assert!(
        s.contains("lower bound") && s.contains("counted"),
        "the legend:\n{s}"
    );
    // the lower-bound stretch is drawn in dots, the polls as a line
    assert!(s.contains('•'), "{s}");
}

#[test]
fn the_alerts_view_has_its_tab_its_keys_and_a_whole_empty_state() {
    let fx = fixture();
    let mut app = app(&fx);
    app.color = false;
    app.update(AppEvent::Key(key('a')));
    for (w, h) in [(120, 32), (80, 24), (50, 12)] {
        let s = screen(&mut app, w, h);
        let lines: Vec<&str> = s.lines().collect();
        assert!(
            lines[0].trim_end().ends_with(" Alerts") || lines[0].contains(" Alerts "),
            "{w}x{h}: no Alerts tab:\n{s}"
        );
        let bar = lines[usize::from(h) - 1];
        assert!(
            bar.contains("q quit") || bar.contains("? more"),
            "{w}x{h}: {bar}"
        );
        assert!(!bar.trim_end().ends_with('·'), "{w}x{h}: dangling ·: {bar}");
        // the empty state is read whole, wrapped if need be
        let text: String = lines
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains("No alert has fired. Rules are [[alerts]] in the config."),
            "{w}x{h}:\n{s}"
        );
    }
    let s = screen(&mut app, 120, 32);
    assert!(s.lines().last().unwrap().contains("Esc back"), "{s}");
    // the header says what this process is, not what it is doing
    assert!(s.lines().next().unwrap().contains("polls here"), "{s}");
}

#[test]
fn a_narrow_key_bar_says_there_is_more() {
    let fx = fixture();
    let mut app = app(&fx);
    let s = screen(&mut app, 80, 24);
    let bar = s.lines().last().unwrap();
    assert!(bar.contains("? more"), "{bar}");
    let s = screen(&mut app, 200, 50);
    let bar = s.lines().last().unwrap();
    assert!(bar.contains("? help"), "{bar}");
}

#[test]
fn keys_for_the_selection_do_nothing_where_it_does_not_show_and_the_filter_reaches_effort() {
    let fx = fixture();
    let mut app = app(&fx);
    app.color = false;
    app.effort = Some(data::load_effort(&fx.store, &fx.config, &app.tz).unwrap());
    app.view = View::Effort;
    let sort = app.sort;
    assert_eq!(app.update(AppEvent::Key(key('t'))), vec![]);
    assert!(
        app.message
            .as_deref()
            .unwrap_or("")
            .contains("selected account")
    );
    assert_eq!(app.update(AppEvent::Key(key('s'))), vec![]);
    assert_eq!(
        app.sort, sort,
        "s sorted a list the Effort view does not show"
    );
    assert!(app.timer.is_none());
    // `/git`: the Effort table lists what the account list lists
    app.update(AppEvent::Key(key('/')));
    for c in "git".chars() {
        app.update(AppEvent::Key(key(c)));
    }
    app.update(AppEvent::Key(code(KeyCode::Enter)));
    let s = screen(&mut app, 120, 40);
    let table: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.starts_with("ACCOUNT"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("next poll"))
        .collect();
    assert!(!table.is_empty(), "{s}");
    // the GitHub accounts: the user and the repository
    assert_eq!(table.len(), 2, "{s}");
    assert!(
        table
            .iter()
            .all(|l| l.contains("GitHub alice") || l.contains("tool stars")),
        "{s}"
    );
}

#[test]
fn the_sort_shows_its_direction_and_turns_around() {
    let fx = fixture();
    let mut app = app(&fx);
    app.color = false;
    let header = |app: &mut App| screen(app, 120, 32).lines().nth(1).unwrap().to_string();
    assert!(header(&mut app).contains("ACCOUNT ▴"), "A to Z");
    let first = app.selected_row().unwrap().name().to_string();
    app.update(AppEvent::Key(key('S')));
    assert!(header(&mut app).contains("ACCOUNT ▾"), "Z to A");
    let s = screen(&mut app, 120, 32);
    let rows: Vec<&str> = s.lines().skip(2).take(6).collect();
    assert!(rows.last().unwrap().contains(&first), "{s}");
    app.update(AppEvent::Key(key('s')));
    assert!(header(&mut app).contains("COUNT ▾"), "largest first");
    app.update(AppEvent::Key(key('S')));
    assert!(header(&mut app).contains("COUNT ▴"), "smallest first");
}

#[test]
fn a_100x20_pane_shows_the_table_and_a_chart_without_empty_rows() {
    let fx = fixture();
    let mut app = app(&fx);
    let s = screen(&mut app, 100, 20);
    let blank = s.lines().filter(|l| l.trim().is_empty()).count();
    assert!(blank <= 1, "{blank} empty rows:\n{s}");
    assert!(s.contains("└──"), "no chart:\n{s}");
}

/// Issue 21, item 9: one account's long error does not take the STATE
/// column from every account in a small pane.
#[test]
fn a_long_error_does_not_hide_the_state_column_at_50x12() {
    let fx = fixture();
    let mut app = app(&fx);
    app.rows[0].status.error = Some(
        "the server said something long and unexpected that has no colon in it at all, and more"
            .into(),
    );
    let s = screen(&mut app, 50, 12);
    assert!(s.lines().nth(1).unwrap().contains("STATE"), "{s}");
}
