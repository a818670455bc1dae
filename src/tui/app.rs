//! Dashboard state and input handling. Pure: no terminal, no I/O, no clock.
//! Every [`AppEvent`] goes through [`App::update`], which changes the state
//! and returns [`Effect`]s for the event loop to carry out off the UI loop;
//! their results come back as [`AppEvent::Loaded`].

use std::cell::Cell;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use jiff::Timestamp;
use ratatui::layout::Rect;

use super::data::{Detail, EffortData, Range, Row};
use super::keys::{self, Action};
use super::view::View;
use crate::config::Config;
use crate::poller::{self, Outcome};
use crate::service::Role;
use crate::util::thousands;

/// How long a message stays in the status line.
pub const MESSAGE_SECS: i64 = 6;
/// How long a message that asks for something to be done stays.
pub const LONG_MESSAGE_SECS: i64 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    Count,
    Change7d,
}

impl Sort {
    pub fn next(self) -> Sort {
        match self {
            Sort::Name => Sort::Count,
            Sort::Count => Sort::Change7d,
            Sort::Change7d => Sort::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Count => "count",
            Sort::Change7d => "7-day change",
        }
    }
}

/// Where every source sends its events: the loop's one channel.
pub type Tx = tokio::sync::mpsc::UnboundedSender<AppEvent>;

/// Everything the dashboard reacts to, from all its sources.
#[derive(Debug)]
pub enum AppEvent {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize,
    /// From the poll scheduler (or a one-off poll).
    Poll(poller::Event),
    /// Alerts fired here: the list is read again.
    AlertsFired,
    /// The result of an [`Effect`] that ran off the UI loop.
    Loaded(Loaded),
    /// Another connection (or process) wrote to the history.
    /// Another process (or this one) wrote data: these accounts changed
    /// (none named: something else did, such as an alert).
    DataChanged(Vec<String>),
    /// The polling lease was taken or lost.
    Role(Role),
    /// The wall clock turned a minute ("2m ago" changes).
    Minute,
    /// SIGTSTP from outside (Ctrl-Z itself arrives as a key).
    Suspend,
    /// SIGINT, SIGTERM or SIGHUP.
    Quit,
    /// The terminal cannot be read any more.
    InputFailed(String),
    /// A deadline the app asked for ([`App::next_wakeup`]) passed.
    Tick,
    /// The config file changed and was read again (or could not be).
    ConfigLoaded(Result<Arc<Config>, String>),
}

/// What an effect read or did.
#[derive(Debug)]
pub enum Loaded {
    /// Every row and the running timer, read at data `generation`.
    Rows {
        generation: i64,
        rows: Vec<Row>,
        timer: Option<(String, i64)>,
    },
    /// One account's row, read at data `generation`.
    Row {
        generation: i64,
        row: Box<Row>,
    },
    Detail(Box<Detail>),
    Effort(EffortData),
    /// The timer was started or stopped; what to tell the user.
    TimerToggled(String),
    /// A line for the status bar (an export, an error).
    Message(String),
    /// The effort fit could not be read: why.
    EffortFailed(String),
    /// The alerts recorded last, newest first.
    Alerts(Vec<crate::store::AlertRow>),
}

/// Polls the user asked for (`r`, `R`), to say how they went.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    /// Accounts not back yet.
    pub pending: Vec<String>,
    pub ok: usize,
    pub failed: Vec<String>,
    /// What one account's poll found, for `r`.
    pub last: Option<String>,
}

/// What the event loop must do after an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// Give the terminal back and stop (Ctrl-Z); redraw on resume.
    Suspend,
    /// Leave with this error.
    Fail(String),
    /// Read every row and the timer again.
    LoadRows,
    /// Read one account's row again (it was just polled).
    LoadRow(String),
    PollNow(String),
    PollAll,
    /// The selected account or range changed: read the detail again.
    LoadDetail,
    /// Start the timer on this account, or stop it if it runs there.
    ToggleTimer(String),
    /// The Effort view opened: compute the model.
    LoadEffort,
    /// Write a snapshot in the configured formats.
    Export,
    /// Read the alerts recorded last.
    LoadAlerts,
    /// Open the config in `$VISUAL`/`$EDITOR`, then read it again.
    EditConfig,
}

/// Up to this many changed accounts are read again one by one; more, all at once.
const RELOAD_ONE_BY_ONE: usize = 32;

pub struct App {
    /// An effort fit is running; another was asked for meanwhile.
    pub effort_loading: bool,
    pub effort_again: bool,
    pub rows: Vec<Row>,
    /// Indices into `rows` in display order (filtered and sorted).
    pub order: Vec<usize>,
    /// Position in `order`.
    pub selected: usize,
    /// First visible position of the table.
    pub offset: usize,
    pub view: View,
    pub range: Range,
    pub sort: Sort,
    /// The sort turned around (`S`): Z to A, smallest first.
    pub reversed: bool,
    pub filter: String,
    /// `Some` while typing a filter after `/`.
    pub filter_input: Option<String>,
    pub help: bool,
    pub detail: Option<Detail>,
    pub effort: Option<EffortData>,
    /// The running timer: account id and start (epoch seconds).
    pub timer: Option<(String, i64)>,
    pub now: Timestamp,
    pub next_due: Option<Timestamp>,
    /// Accounts with a poll in flight.
    pub polling: Vec<String>,
    pub role: Role,
    pub message: Option<String>,
    /// When the message goes.
    pub message_until: Option<Timestamp>,
    /// The polls asked for with `r` / `R` that are not all back.
    pub asked: Option<Asked>,
    pub demo: bool,
    pub color: bool,
    /// Colours for a light background.
    pub light: bool,
    /// Time zone of axis labels.
    pub tz: jiff::tz::TimeZone,
    /// Where the table's rows were last drawn, for mouse clicks.
    pub table_rows: Cell<Rect>,
    /// Where the tabs were last drawn (x from, x to, on the top line), for clicks.
    pub tab_spots: std::cell::RefCell<Spots<View>>,
    /// Where the sortable column titles were last drawn: their line, and
    /// each one's x from and to.
    pub sort_spots: std::cell::RefCell<(u16, Spots<Sort>)>,
    /// Something shown changed since the last draw.
    pub dirty: bool,
    /// The data generation the rows were read at; older reads are dropped.
    pub generation: i64,
    /// The alerts recorded last, newest first.
    pub alerts: Vec<crate::store::AlertRow>,
    /// The highest alert id the user has seen (the alerts view was open, or
    /// it fired before the dashboard opened): newer ones count as new.
    pub alerts_seen: i64,
    /// Accounts marked (Space) for the side-by-side chart, in marking order.
    pub marked: Vec<String>,
    /// The side-by-side chart: indexed to 100 at the range start (`true`),
    /// or each account on its own scale.
    pub indexed: bool,
}

/// Clickable spans of a line: x from (inclusive), x to (exclusive), and what
/// a click there means.
pub type Spots<T> = Vec<(u16, u16, T)>;

/// Accounts side by side at most (one colour each).
pub const MARKED_MAX: usize = 6;

impl App {
    pub fn new(rows: Vec<Row>, now: Timestamp) -> App {
        let mut app = App {
            effort_loading: false,
            effort_again: false,
            rows,
            order: Vec::new(),
            selected: 0,
            offset: 0,
            view: View::Accounts,
            range: Range::Month,
            sort: Sort::Name,
            reversed: false,
            filter: String::new(),
            filter_input: None,
            help: false,
            detail: None,
            effort: None,
            timer: None,
            now,
            next_due: None,
            polling: Vec::new(),
            role: Role::Polling,
            message: None,
            message_until: None,
            asked: None,
            demo: false,
            color: true,
            light: false,
            tz: crate::util::local_tz(),
            table_rows: Cell::new(Rect::default()),
            tab_spots: Default::default(),
            sort_spots: Default::default(),
            dirty: true,
            generation: 0,
            alerts: Vec::new(),
            alerts_seen: 0,
            marked: Vec::new(),
            indexed: true,
        };
        app.reorder();
        app
    }

    /// How many alerts fired since the user last looked.
    pub fn new_alerts(&self) -> usize {
        self.alerts
            .iter()
            .filter(|a| a.id > self.alerts_seen)
            .count()
    }

    fn mark_alerts_seen(&mut self) {
        if let Some(max) = self.alerts.iter().map(|a| a.id).max() {
            self.alerts_seen = self.alerts_seen.max(max);
        }
    }

    /// The selected row, if any is visible.
    pub fn selected_row(&self) -> Option<&Row> {
        self.order.get(self.selected).map(|&i| &self.rows[i])
    }

    pub fn selected_id(&self) -> Option<String> {
        self.selected_row().map(|r| r.account.id.clone())
    }

    /// Shows `text` in the status line for a few seconds.
    pub fn say(&mut self, text: impl Into<String>) {
        self.say_for(text, MESSAGE_SECS);
    }

    /// Shows `text` in the status line for `secs` seconds.
    pub fn say_for(&mut self, text: impl Into<String>, secs: i64) {
        self.message = Some(text.into());
        self.message_until = self
            .now
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .ok();
        self.dirty = true;
    }

    /// When the screen changes with no event: a message expires, the timer's
    /// first minute counts seconds. The loop sends [`AppEvent::Tick`] then.
    pub fn next_wakeup(&self) -> Option<Timestamp> {
        let mut next = self.message.as_ref().and(self.message_until);
        if let Some((_, started)) = &self.timer {
            let ran = self.now.as_second() - started;
            if (0..60).contains(&ran) {
                let tick = crate::util::ts(started + ran + 1);
                next = Some(next.map_or(tick, |n: Timestamp| n.min(tick)));
            }
        }
        next
    }

    fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.rows
            .iter()
            .find(|r| r.account.id == id)
            .map_or(id, |r| r.name())
    }

    /// Replaces the data, keeping the selection on the same account.
    pub fn set_rows(&mut self, rows: Vec<Row>) {
        let keep = self.selected_id();
        self.rows = rows;
        self.reorder_keeping(keep);
    }

    /// Replaces one account's row.
    pub fn set_row(&mut self, row: Row) {
        let keep = self.selected_id();
        if let Some(r) = self
            .rows
            .iter_mut()
            .find(|r| r.account.id == row.account.id)
        {
            *r = row;
        }
        self.reorder_keeping(keep);
    }

    fn reorder(&mut self) {
        let keep = self.selected_id();
        self.reorder_keeping(keep);
    }

    /// Whether the account `id` passes the filter (every view that lists
    /// accounts shows the same ones).
    pub fn passes_filter(&self, id: &str) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let needle = self.filter.to_lowercase();
        self.rows.iter().find(|r| r.account.id == id).map_or_else(
            || id.to_lowercase().contains(&needle),
            |r| {
                [
                    r.account.id.as_str(),
                    r.account.handle.as_str(),
                    r.account.label.as_deref().unwrap_or(""),
                    r.account.platform.name(),
                ]
                .iter()
                .any(|s| s.to_lowercase().contains(&needle))
            },
        )
    }

    fn reorder_keeping(&mut self, keep: Option<String>) {
        let mut order: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.passes_filter(&self.rows[i].account.id))
            .collect();
        let rows = &self.rows;
        match self.sort {
            Sort::Name => order.sort_by_key(|&i| rows[i].name().to_lowercase()),
            Sort::Count => order
                .sort_by_key(|&i| std::cmp::Reverse(rows[i].status.followers.unwrap_or(i64::MIN))),
            Sort::Change7d => order
                .sort_by_key(|&i| std::cmp::Reverse(rows[i].status.change_7d.unwrap_or(i64::MIN))),
        }
        if self.reversed {
            order.reverse();
        }
        self.order = order;
        self.selected = keep
            .and_then(|id| {
                self.order
                    .iter()
                    .position(|&i| self.rows[i].account.id == id)
            })
            .unwrap_or(0)
            .min(self.order.len().saturating_sub(1));
    }

    /// Keeps the selection inside a table of `height` visible rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        if height == 0 {
            return;
        }
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.order.len().saturating_sub(height));
    }

    fn select(&mut self, pos: usize) -> Vec<Effect> {
        let pos = pos.min(self.order.len().saturating_sub(1));
        if pos == self.selected || self.order.is_empty() {
            return vec![];
        }
        self.selected = pos;
        vec![Effect::LoadDetail]
    }

    /// Shows `view`, with what it needs read.
    fn show(&mut self, view: View) -> Vec<Effect> {
        self.view = view;
        match view {
            View::Effort => vec![Effect::LoadEffort],
            // who followed: read with the detail, fresh when shown
            View::People => vec![Effect::LoadDetail],
            View::Alerts => {
                self.mark_alerts_seen();
                vec![Effect::LoadAlerts]
            }
            _ => vec![],
        }
    }

    /// A click on a column's title: sort by it, or the other way round when
    /// it already sorts.
    fn sort_by(&mut self, sort: Sort) {
        if self.sort == sort {
            self.reversed = !self.reversed;
        } else {
            self.sort = sort;
            self.reversed = false;
        }
        self.reorder();
        self.say(format!(
            "sorted by {}{}",
            sort.label(),
            if self.reversed { ", reversed" } else { "" }
        ));
    }

    fn set_range(&mut self, range: Range) -> Vec<Effect> {
        self.range = range;
        vec![Effect::LoadDetail]
    }

    /// The one way state changes: an event in, effects out. Sets `dirty`
    /// when the screen must be drawn again.
    pub fn update(&mut self, ev: AppEvent) -> Vec<Effect> {
        let fx = self.update_inner(ev);
        self.coalesce(fx)
    }

    /// One effort fit at a time: a fit asked for while one runs is done once,
    /// after it (a poll-all with the Effort view open asks once per account);
    /// and no effect twice in one batch.
    fn coalesce(&mut self, fx: Vec<Effect>) -> Vec<Effect> {
        let mut out: Vec<Effect> = Vec::with_capacity(fx.len());
        for e in fx {
            if e == Effect::LoadEffort {
                if self.effort_loading {
                    self.effort_again = true;
                    continue;
                }
                self.effort_loading = true;
            }
            if !out.contains(&e) {
                out.push(e);
            }
        }
        out
    }

    fn update_inner(&mut self, ev: AppEvent) -> Vec<Effect> {
        match ev {
            AppEvent::Key(k) => {
                if k.kind == KeyEventKind::Release {
                    return vec![];
                }
                self.dirty = true;
                self.on_key(k)
            }
            AppEvent::Mouse(m) => {
                let fx = self.on_mouse(m);
                self.dirty |= !fx.is_empty();
                fx
            }
            AppEvent::Resize | AppEvent::Minute => {
                self.dirty = true;
                vec![]
            }
            AppEvent::Poll(ev) => {
                self.dirty = true;
                self.on_poll(ev)
            }
            AppEvent::Loaded(l) => self.on_loaded(l),
            AppEvent::AlertsFired => vec![Effect::LoadAlerts],
            AppEvent::DataChanged(keys) => self.reload_changed(keys),
            AppEvent::Role(role) => {
                if role != self.role {
                    self.role = role;
                    self.dirty = true;
                }
                vec![]
            }
            AppEvent::Suspend => vec![Effect::Suspend],
            AppEvent::Quit => vec![Effect::Quit],
            AppEvent::InputFailed(e) => vec![Effect::Fail(e)],
            AppEvent::Tick => {
                if self
                    .message_until
                    .is_some_and(|until| until <= self.now && self.message.is_some())
                {
                    self.message = None;
                    self.message_until = None;
                }
                // the timer's seconds, or the message that went
                self.dirty = true;
                vec![]
            }
            AppEvent::ConfigLoaded(Ok(config)) => {
                self.light = super::theme::Theme::light_for(config.theme);
                let n = config.accounts.len();
                self.say(format!(
                    "config reloaded: {n} account{}",
                    if n == 1 { "" } else { "s" }
                ));
                self.dirty = true;
                self.reload_all()
            }
            AppEvent::ConfigLoaded(Err(e)) => {
                self.say_for(
                    format!("config error, the old one stays: {e}"),
                    LONG_MESSAGE_SECS,
                );
                vec![]
            }
        }
    }

    /// Everything the views show, read again.
    /// Reads again only the rows that changed (all of them when many did, or
    /// when the change named no account).
    fn reload_changed(&mut self, keys: Vec<String>) -> Vec<Effect> {
        if keys.is_empty() || keys.len() > RELOAD_ONE_BY_ONE {
            return self.reload_all();
        }
        let selected = self.selected_id();
        let mut fx = Vec::with_capacity(keys.len() + 2);
        for key in keys {
            if selected.as_deref() == Some(key.as_str()) {
                fx.push(Effect::LoadDetail);
            }
            if self.rows.iter().any(|r| r.account.id == key) {
                fx.push(Effect::LoadRow(key));
            }
        }
        if self.view == View::Effort {
            fx.push(Effect::LoadEffort);
        }
        fx
    }

    fn reload_all(&mut self) -> Vec<Effect> {
        let mut fx = vec![Effect::LoadRows, Effect::LoadDetail];
        // the Effort view reads the model when it opens
        if self.view == View::Effort {
            fx.push(Effect::LoadEffort);
        }
        fx
    }

    fn on_poll(&mut self, ev: poller::Event) -> Vec<Effect> {
        match ev {
            poller::Event::Started(id) => self.polling.push(id),
            poller::Event::NextDue(t) => self.next_due = t,
            poller::Event::Finished(r) => {
                self.polling.retain(|id| *id != r.account);
                self.answered(&r);
                if !self.rows.iter().any(|row| row.account.id == r.account) {
                    return vec![];
                }
                let mut fx = vec![Effect::LoadRow(r.account.clone())];
                if self.selected_id().as_deref() == Some(&r.account) {
                    fx.push(Effect::LoadDetail);
                }
                if self.view == View::Effort {
                    fx.push(Effect::LoadEffort);
                }
                return fx;
            }
        }
        vec![]
    }

    fn on_loaded(&mut self, loaded: Loaded) -> Vec<Effect> {
        match loaded {
            Loaded::Rows {
                generation,
                rows,
                timer,
            } => {
                // a read that started before one already shown
                if generation < self.generation {
                    return vec![];
                }
                self.generation = generation;
                let before = self.selected_id();
                self.set_rows(rows);
                self.timer = timer;
                self.dirty = true;
                if self.selected_id() != before {
                    return vec![Effect::LoadDetail];
                }
            }
            Loaded::Row { generation, row } => {
                if generation >= self.generation {
                    self.set_row(*row);
                    self.dirty = true;
                }
            }
            Loaded::Detail(d) => {
                // the selection or the range moved on while it was read
                if self.selected_id().as_deref() == Some(&d.id) && d.range == self.range {
                    self.detail = Some(*d);
                    self.dirty = true;
                }
            }
            Loaded::Effort(e) => {
                self.effort = Some(e);
                self.dirty = true;
                self.effort_loading = false;
                if std::mem::take(&mut self.effort_again) {
                    return vec![Effect::LoadEffort];
                }
            }
            Loaded::TimerToggled(m) => {
                self.say(m);
                return self.reload_all();
            }
            Loaded::Message(m) => {
                self.say(m);
            }
            Loaded::EffortFailed(m) => {
                self.effort_loading = false;
                self.effort_again = false;
                self.say(m);
            }
            Loaded::Alerts(alerts) => {
                self.alerts = alerts;
                if self.view == View::Alerts {
                    self.mark_alerts_seen();
                }
                self.dirty = true;
            }
        }
        vec![]
    }

    /// A poll came back: if it was asked for, say how it went once all are back.
    fn answered(&mut self, r: &poller::PollResult) {
        let Some(asked) = &mut self.asked else {
            return;
        };
        let Some(i) = asked.pending.iter().position(|id| *id == r.account) else {
            return;
        };
        asked.pending.remove(i);
        let before = self
            .rows
            .iter()
            .find(|row| row.account.id == r.account)
            .and_then(|row| row.status.followers);
        let name = self.name_of(&r.account).to_string();
        let Some(asked) = &mut self.asked else {
            return;
        };
        match &r.outcome {
            Outcome::Ok(c) => {
                asked.ok += 1;
                let change = match before.map(|b| c.followers - b) {
                    Some(0) => "no change".to_string(),
                    Some(d) => format!("{} since the last poll", crate::util::signed(d)),
                    None => "the first count".to_string(),
                };
                asked.last = Some(format!("{name}: {}, {change}", thousands(c.followers)));
            }
            Outcome::Failed(e) => {
                asked.failed.push(name.clone());
                asked.last = Some(format!("{name}: failed: {e}"));
            }
            Outcome::Skipped(why) | Outcome::Hidden(why) => {
                asked.last = Some(format!("{name}: {why}"));
            }
        }
        if !asked.pending.is_empty() {
            return;
        }
        let done = std::mem::take(asked);
        self.asked = None;
        let total = done.ok + done.failed.len();
        let text = match (total, done.last) {
            (0 | 1, Some(last)) => last,
            _ => match done.failed.as_slice() {
                [] => format!("{total} polled, none failed"),
                [one] => format!("{total} polled, 1 failed ({one})"),
                many => format!("{total} polled, {} failed", many.len()),
            },
        };
        self.say(text);
    }

    /// `r` / `R`: what to poll, or why nothing is.
    fn ask_poll(&mut self, all: bool) -> Vec<Effect> {
        let polled = |kind| crate::platforms::platform(kind).polled();
        if all {
            let ids: Vec<String> = self
                .rows
                .iter()
                .filter(|r| polled(r.account.platform))
                .map(|r| r.account.id.clone())
                .collect();
            if ids.is_empty() {
                self.say(
                    "nothing to poll: every account is manual (add counts with `socialtop record`)",
                );
                return vec![];
            }
            self.asked = Some(Asked {
                pending: ids,
                ..Asked::default()
            });
            return vec![Effect::PollAll];
        }
        let Some(row) = self.selected_row() else {
            return vec![];
        };
        let (id, kind) = (row.account.id.clone(), row.account.platform);
        if !polled(kind) {
            self.say(format!(
                "{} is not polled: add counts with `socialtop record {id} COUNT`",
                self.name_of(&id)
            ));
            return vec![];
        }
        self.asked = Some(Asked {
            pending: vec![id.clone()],
            ..Asked::default()
        });
        vec![Effect::PollNow(id)]
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        let binding = keys::lookup(&key);
        // Ctrl bindings (quit, suspend) work in every mode
        if let Some(b) = binding.filter(|b| b.keys.iter().any(|k| k.ctrl)) {
            return self.act(b.action);
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(input) = &mut self.filter_input {
            match key.code {
                KeyCode::Enter => {
                    self.filter_input = None;
                }
                KeyCode::Esc => {
                    self.filter_input = None;
                    self.filter.clear();
                    self.reorder();
                    return vec![Effect::LoadDetail];
                }
                KeyCode::Backspace => {
                    input.pop();
                    self.filter = input.clone();
                    self.reorder();
                    return vec![Effect::LoadDetail];
                }
                KeyCode::Char(c) if !ctrl => {
                    input.push(c);
                    self.filter = input.clone();
                    self.reorder();
                    return vec![Effect::LoadDetail];
                }
                _ => {}
            }
            return vec![];
        }
        if self.help {
            // any key closes the help, q and Esc included
            self.help = false;
            return vec![];
        }
        match binding {
            Some(b) if !self.shows_selection() && b.action.needs_selection() => {
                self.say(format!(
                    "{} works on the selected account: Esc goes back to the list",
                    b.keys.first().map(|k| k.name()).unwrap_or_default()
                ));
                vec![]
            }
            Some(b) => self.act(b.action),
            None => vec![],
        }
    }

    /// Whether the view shows which account is selected (the list, the detail).
    fn shows_selection(&self) -> bool {
        matches!(self.view, View::Accounts | View::Detail)
    }

    /// Carries out what a key of the keymap asks for.
    fn act(&mut self, action: Action) -> Vec<Effect> {
        let last = self.order.len().saturating_sub(1);
        match action {
            Action::Quit => vec![Effect::Quit],
            Action::Suspend => vec![Effect::Suspend],
            // back, close or clear; never quit
            Action::Back => {
                if !self.filter.is_empty() {
                    self.filter.clear();
                    self.reorder();
                    vec![Effect::LoadDetail]
                } else if self.view != View::Accounts {
                    self.view = View::Accounts;
                    vec![]
                } else if self.message.is_some() {
                    self.message = None;
                    vec![]
                } else {
                    self.say("q quits");
                    vec![]
                }
            }
            Action::Down => self.select(self.selected + 1),
            Action::Up => self.select(self.selected.saturating_sub(1)),
            Action::First => self.select(0),
            Action::Last => self.select(last),
            Action::PageDown => self.select(self.selected + 10),
            Action::PageUp => self.select(self.selected.saturating_sub(10)),
            Action::Zoom => {
                self.view = if self.view == View::Detail {
                    View::Accounts
                } else {
                    View::Detail
                };
                vec![]
            }
            Action::NextView | Action::PrevView => {
                let n = View::ALL.len();
                let i = View::ALL.iter().position(|v| *v == self.view).unwrap_or(0);
                let next = if action == Action::PrevView {
                    (i + n - 1) % n
                } else {
                    (i + 1) % n
                };
                self.show(View::ALL[next])
            }
            Action::Range(r) => self.set_range(r),
            Action::PollSelected => self.ask_poll(false),
            Action::PollAll => self.ask_poll(true),
            Action::EditConfig => vec![Effect::EditConfig],
            Action::Timer => self
                .selected_id()
                .map(Effect::ToggleTimer)
                .into_iter()
                .collect(),
            Action::Export => vec![Effect::Export],
            Action::Mark => {
                let Some(id) = self.selected_id() else {
                    return vec![];
                };
                let name = self
                    .selected_row()
                    .map_or_else(|| id.clone(), |r| r.name().to_string());
                if let Some(i) = self.marked.iter().position(|m| *m == id) {
                    self.marked.remove(i);
                    self.say(format!("{name} unmarked ({} marked)", self.marked.len()));
                } else if self.marked.len() >= MARKED_MAX {
                    self.say(format!(
                        "at most {MARKED_MAX} accounts side by side: Space on a marked one unmarks it"
                    ));
                    return vec![];
                } else {
                    self.marked.push(id);
                    self.say(format!(
                        "{name} marked ({} marked): the detail chart shows them side by side",
                        self.marked.len()
                    ));
                }
                vec![Effect::LoadDetail]
            }
            Action::Scale => {
                self.indexed = !self.indexed;
                self.say(if self.indexed {
                    "side by side: indexed to 100 at the range start".to_string()
                } else {
                    "side by side: each account on its own scale".to_string()
                });
                vec![]
            }
            Action::Alerts => {
                if self.view == View::Alerts {
                    self.view = View::Accounts;
                    vec![]
                } else {
                    self.view = View::Alerts;
                    self.mark_alerts_seen();
                    vec![Effect::LoadAlerts]
                }
            }
            Action::Filter => {
                self.filter_input = Some(self.filter.clone());
                vec![]
            }
            Action::Sort => {
                self.sort = self.sort.next();
                self.reversed = false;
                self.reorder();
                self.say(format!("sorted by {}", self.sort.label()));
                vec![]
            }
            Action::Reverse => {
                self.reversed = !self.reversed;
                self.reorder();
                self.say(format!(
                    "sorted by {}, {}",
                    self.sort.label(),
                    match (self.sort, self.reversed) {
                        (Sort::Name, false) => "A to Z",
                        (Sort::Name, true) => "Z to A",
                        (_, false) => "largest first",
                        (_, true) => "smallest first",
                    }
                ));
                vec![]
            }
            Action::Help => {
                self.help = true;
                vec![]
            }
        }
    }

    pub fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        match m.kind {
            MouseEventKind::ScrollDown => self.select(self.selected + 1),
            MouseEventKind::ScrollUp => self.select(self.selected.saturating_sub(1)),
            MouseEventKind::Down(_) if self.help => vec![],
            MouseEventKind::Down(_) if m.row == 0 => {
                let hit = self
                    .tab_spots
                    .borrow()
                    .iter()
                    .find(|(a, b, _)| m.column >= *a && m.column < *b)
                    .map(|t| t.2);
                match hit {
                    Some(v) if v != self.view => self.show(v),
                    _ => vec![],
                }
            }
            MouseEventKind::Down(_)
                if m.row == self.sort_spots.borrow().0 && self.view == View::Accounts =>
            {
                let hit = self
                    .sort_spots
                    .borrow()
                    .1
                    .iter()
                    .find(|(a, b, _)| m.column >= *a && m.column < *b)
                    .map(|t| t.2);
                if let Some(sort) = hit {
                    self.sort_by(sort);
                }
                vec![]
            }
            MouseEventKind::Down(_) => {
                let area = self.table_rows.get();
                let inside = m.column >= area.x
                    && m.column < area.x + area.width
                    && m.row >= area.y
                    && m.row < area.y + area.height;
                if inside && !self.help {
                    let pos = self.offset + (m.row - area.y) as usize;
                    if pos < self.order.len() {
                        return self.select(pos);
                    }
                }
                vec![]
            }
            _ => vec![],
        }
    }
}
