//! Dashboard state and input handling. Pure: no terminal, no I/O. Input
//! changes the state and returns [`Effect`]s for the event loop to carry out.

use std::cell::Cell;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use jiff::Timestamp;
use ratatui::layout::Rect;

use super::data::{Detail, EffortData, Range, Row};

/// The views `Tab` cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The accounts table, with the selected account's detail below when there is room.
    Accounts,
    /// The selected account's detail, full size.
    Detail,
    /// Time spent against audience size: the effort verdict.
    Effort,
}

impl View {
    pub const ALL: [View; 3] = [View::Accounts, View::Detail, View::Effort];

    pub fn title(self) -> &'static str {
        match self {
            View::Accounts => "Accounts",
            View::Detail => "Detail",
            View::Effort => "Effort",
        }
    }
}

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

/// Whether this process polls or shows what another one records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Polling,
    Watching,
}

/// What the event loop must do after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
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
}

pub struct App {
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
    pub demo: bool,
    pub color: bool,
    /// Time zone of axis labels.
    pub tz: jiff::tz::TimeZone,
    /// Where the table's rows were last drawn, for mouse clicks.
    pub table_rows: Cell<Rect>,
}

impl App {
    pub fn new(rows: Vec<Row>, now: Timestamp) -> App {
        let mut app = App {
            rows,
            order: Vec::new(),
            selected: 0,
            offset: 0,
            view: View::Accounts,
            range: Range::Month,
            sort: Sort::Name,
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
            demo: false,
            color: true,
            tz: crate::util::local_tz(),
            table_rows: Cell::new(Rect::default()),
        };
        app.reorder();
        app
    }

    /// The selected row, if any is visible.
    pub fn selected_row(&self) -> Option<&Row> {
        self.order.get(self.selected).map(|&i| &self.rows[i])
    }

    pub fn selected_id(&self) -> Option<String> {
        self.selected_row().map(|r| r.account.id.clone())
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

    fn reorder_keeping(&mut self, keep: Option<String>) {
        let needle = self.filter.to_lowercase();
        let mut order: Vec<usize> = (0..self.rows.len())
            .filter(|&i| {
                let r = &self.rows[i];
                needle.is_empty()
                    || [
                        r.account.id.as_str(),
                        r.account.handle.as_str(),
                        r.account.label.as_deref().unwrap_or(""),
                        r.account.platform.name(),
                    ]
                    .iter()
                    .any(|s| s.to_lowercase().contains(&needle))
            })
            .collect();
        let rows = &self.rows;
        match self.sort {
            Sort::Name => order.sort_by_key(|&i| rows[i].name().to_lowercase()),
            Sort::Count => order
                .sort_by_key(|&i| std::cmp::Reverse(rows[i].status.followers.unwrap_or(i64::MIN))),
            Sort::Change7d => order
                .sort_by_key(|&i| std::cmp::Reverse(rows[i].status.change_7d.unwrap_or(i64::MIN))),
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

    fn set_range(&mut self, range: Range) -> Vec<Effect> {
        self.range = range;
        vec![Effect::LoadDetail]
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return vec![Effect::Quit];
        }
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
            // any key closes the help; q still quits
            self.help = false;
            return if key.code == KeyCode::Char('q') {
                vec![Effect::Quit]
            } else {
                vec![]
            };
        }
        let last = self.order.len().saturating_sub(1);
        match key.code {
            KeyCode::Char('q') => vec![Effect::Quit],
            KeyCode::Esc => {
                if !self.filter.is_empty() {
                    self.filter.clear();
                    self.reorder();
                    vec![Effect::LoadDetail]
                } else if self.view != View::Accounts {
                    self.view = View::Accounts;
                    vec![]
                } else {
                    vec![Effect::Quit]
                }
            }
            KeyCode::Char('j') | KeyCode::Down => self.select(self.selected + 1),
            KeyCode::Char('k') | KeyCode::Up => self.select(self.selected.saturating_sub(1)),
            KeyCode::Char('g') | KeyCode::Home => self.select(0),
            KeyCode::Char('G') | KeyCode::End => self.select(last),
            KeyCode::PageDown => self.select(self.selected + 10),
            KeyCode::PageUp => self.select(self.selected.saturating_sub(10)),
            KeyCode::Enter => {
                self.view = if self.view == View::Detail {
                    View::Accounts
                } else {
                    View::Detail
                };
                vec![]
            }
            KeyCode::Tab | KeyCode::BackTab => {
                let n = View::ALL.len();
                let i = View::ALL.iter().position(|v| *v == self.view).unwrap_or(0);
                let next = if key.code == KeyCode::BackTab {
                    (i + n - 1) % n
                } else {
                    (i + 1) % n
                };
                self.view = View::ALL[next];
                if self.view == View::Effort {
                    vec![Effect::LoadEffort]
                } else {
                    vec![]
                }
            }
            KeyCode::Char(c @ '1'..='5') => self.set_range(Range::ALL[c as usize - '1' as usize]),
            KeyCode::Char('r') => self
                .selected_id()
                .map(Effect::PollNow)
                .into_iter()
                .collect(),
            KeyCode::Char('R') => vec![Effect::PollAll],
            KeyCode::Char('t') => self
                .selected_id()
                .map(Effect::ToggleTimer)
                .into_iter()
                .collect(),
            KeyCode::Char('e') => vec![Effect::Export],
            KeyCode::Char('/') => {
                self.filter_input = Some(self.filter.clone());
                vec![]
            }
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.reorder();
                self.message = Some(format!("sorted by {}", self.sort.label()));
                vec![]
            }
            KeyCode::Char('?') => {
                self.help = true;
                vec![]
            }
            _ => vec![],
        }
    }

    pub fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        match m.kind {
            MouseEventKind::ScrollDown => self.select(self.selected + 1),
            MouseEventKind::ScrollUp => self.select(self.selected.saturating_sub(1)),
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
