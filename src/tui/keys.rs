//! The keymap: one table that [`super::app::App::on_key`], the help overlay
//! and the key bar all read, so what a key does and what the screen says
//! cannot drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::data::Range;
use super::view::View;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Down,
    Up,
    PageDown,
    PageUp,
    First,
    Last,
    Zoom,
    NextView,
    PrevView,
    Range(Range),
    PollSelected,
    PollAll,
    Timer,
    Export,
    /// Open (or close) the alerts that fired.
    Alerts,
    Filter,
    Sort,
    Reverse,
    /// Space: mark (or unmark) the account for the side-by-side chart.
    Mark,
    /// `i`: the side-by-side chart indexed to 100, or each on its own scale.
    Scale,
    Help,
    /// `E`: edit the config, then read it again.
    EditConfig,
    /// Esc: close, clear the filter, else go back to the accounts; never quit.
    Back,
    Quit,
    Suspend,
}

/// One key: a code, and whether Ctrl is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ch(c: char) -> Key {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

impl Key {
    /// Whether `ev` is this key. Shift is ignored (terminals differ on `G` and
    /// Shift-Tab); Ctrl must match for letters.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let code = match ev.code {
            // Ctrl-letter arrives as the letter, upper or lower case
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            c => c,
        };
        code == self.code && (ctrl == self.ctrl || !matches!(code, KeyCode::Char(_)))
    }

    /// How the help overlay names the key.
    pub fn name(&self) -> String {
        let base = match self.code {
            KeyCode::Char(c) if self.ctrl => return format!("Ctrl-{}", c.to_ascii_uppercase()),
            KeyCode::Char(' ') => "Space",
            KeyCode::Char(c) => return c.to_string(),
            KeyCode::Up => "↑",
            KeyCode::Down => "↓",
            KeyCode::PageUp => "PgUp",
            KeyCode::PageDown => "PgDn",
            KeyCode::Home => "Home",
            KeyCode::End => "End",
            KeyCode::Enter => "Enter",
            KeyCode::Tab => "Tab",
            KeyCode::BackTab => "⇧Tab",
            KeyCode::Esc => "Esc",
            _ => "?",
        };
        base.to_string()
    }
}

/// Keys, the action they ask for, the help line they appear on, and how the
/// key bar names them in which views. Consecutive bindings with the same help
/// text share one line of the help; with the same bar word, one bar entry.
impl Action {
    /// Whether the action works on the selected account or the list's order:
    /// the views that do not show them (Effort, Alerts) refuse it with a word.
    pub fn needs_selection(self) -> bool {
        matches!(
            self,
            Action::Down
                | Action::Up
                | Action::First
                | Action::Last
                | Action::PageDown
                | Action::PageUp
                | Action::PollSelected
                | Action::Timer
                | Action::Sort
                | Action::Reverse
                | Action::Mark
        )
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub help: &'static str,
    /// The key bar's word for it, and the views whose bar shows it.
    pub bar: Option<(&'static str, &'static [View])>,
}

const LIST: &[View] = &[View::Accounts, View::Detail, View::People];
const ACCOUNTS: &[View] = &[View::Accounts];
const DETAIL: &[View] = &[View::Detail];
const AWAY: &[View] = &[View::Detail, View::People, View::Effort, View::Alerts];
const EVERY: &[View] = &[
    View::Accounts,
    View::Detail,
    View::People,
    View::Effort,
    View::Alerts,
];

const MOVE: &str = "move the selection";
const ENDS: &str = "first / last account";
const VIEWS: &str = "next / previous view";
const RANGE: &str = "range: 24h 7d 30d 1y all";
const POLL: &str = "poll selected / all now";
const FIND: &str = "filter / sort / reverse";
const QUIT: &str = "quit (Ctrl-Z suspends)";
const TIMER: &str = "timer, export, mark, scale";
const HELP: &str = "edit config / alerts / help";

/// Every key. Ctrl bindings work in every mode (while typing a filter too).
pub const KEYS: &[Binding] = &[
    Binding {
        keys: &[ch('j'), key(KeyCode::Down)],
        action: Action::Down,
        help: MOVE,
        bar: Some(("move", LIST)),
    },
    Binding {
        keys: &[ch('k'), key(KeyCode::Up)],
        action: Action::Up,
        help: MOVE,
        bar: Some(("move", LIST)),
    },
    Binding {
        keys: &[key(KeyCode::PageDown)],
        action: Action::PageDown,
        help: MOVE,
        bar: None,
    },
    Binding {
        keys: &[key(KeyCode::PageUp)],
        action: Action::PageUp,
        help: MOVE,
        bar: None,
    },
    Binding {
        keys: &[ch('g'), key(KeyCode::Home)],
        action: Action::First,
        help: ENDS,
        bar: None,
    },
    Binding {
        keys: &[ch('G'), key(KeyCode::End)],
        action: Action::Last,
        help: ENDS,
        bar: None,
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        action: Action::Zoom,
        help: "zoom the detail in / out",
        bar: Some(("zoom", LIST)),
    },
    Binding {
        keys: &[key(KeyCode::Tab)],
        action: Action::NextView,
        help: VIEWS,
        bar: Some(("view", EVERY)),
    },
    Binding {
        keys: &[key(KeyCode::BackTab)],
        action: Action::PrevView,
        help: VIEWS,
        bar: None,
    },
    Binding {
        keys: &[ch('1')],
        action: Action::Range(Range::Day),
        help: RANGE,
        bar: Some(("range", DETAIL)),
    },
    Binding {
        keys: &[ch('2')],
        action: Action::Range(Range::Week),
        help: RANGE,
        bar: Some(("range", DETAIL)),
    },
    Binding {
        keys: &[ch('3')],
        action: Action::Range(Range::Month),
        help: RANGE,
        bar: Some(("range", DETAIL)),
    },
    Binding {
        keys: &[ch('4')],
        action: Action::Range(Range::Year),
        help: RANGE,
        bar: Some(("range", DETAIL)),
    },
    Binding {
        keys: &[ch('5')],
        action: Action::Range(Range::All),
        help: RANGE,
        bar: Some(("range", DETAIL)),
    },
    Binding {
        keys: &[ch('r')],
        action: Action::PollSelected,
        help: POLL,
        bar: Some(("poll", LIST)),
    },
    Binding {
        keys: &[ch('R')],
        action: Action::PollAll,
        help: POLL,
        bar: Some(("poll", LIST)),
    },
    Binding {
        keys: &[ch('t')],
        action: Action::Timer,
        help: TIMER,
        bar: Some(("timer", ACCOUNTS)),
    },
    Binding {
        keys: &[ch('e')],
        action: Action::Export,
        help: TIMER,
        bar: Some(("export", ACCOUNTS)),
    },
    Binding {
        keys: &[key(KeyCode::Char(' '))],
        action: Action::Mark,
        help: TIMER,
        bar: Some(("mark", LIST)),
    },
    Binding {
        keys: &[ch('i')],
        action: Action::Scale,
        help: TIMER,
        bar: Some(("scale", DETAIL)),
    },
    Binding {
        keys: &[ch('/')],
        action: Action::Filter,
        help: FIND,
        bar: Some(("filter", ACCOUNTS)),
    },
    Binding {
        keys: &[ch('s')],
        action: Action::Sort,
        help: FIND,
        bar: Some(("sort", ACCOUNTS)),
    },
    Binding {
        keys: &[ch('S')],
        action: Action::Reverse,
        help: FIND,
        bar: None,
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        action: Action::Back,
        help: "back / close (never quits)",
        bar: Some(("back", AWAY)),
    },
    Binding {
        keys: &[ch('E')],
        action: Action::EditConfig,
        help: HELP,
        bar: Some(("config", ACCOUNTS)),
    },
    Binding {
        keys: &[ch('a')],
        action: Action::Alerts,
        help: HELP,
        bar: Some(("alerts", ACCOUNTS)),
    },
    Binding {
        keys: &[ch('?')],
        action: Action::Help,
        help: HELP,
        bar: Some(("help", EVERY)),
    },
    Binding {
        keys: &[ch('q')],
        action: Action::Quit,
        help: QUIT,
        bar: Some(("quit", EVERY)),
    },
    Binding {
        keys: &[ctrl('c')],
        action: Action::Quit,
        help: QUIT,
        bar: None,
    },
    Binding {
        keys: &[ctrl('z')],
        action: Action::Suspend,
        help: QUIT,
        bar: None,
    },
];

/// The binding `ev` triggers, if any.
pub fn lookup(ev: &KeyEvent) -> Option<&'static Binding> {
    KEYS.iter().find(|b| b.keys.iter().any(|k| k.matches(ev)))
}

/// The key bar of `view`: `(keys, word)` per entry, in keymap order
/// (`j/k move`, `1-5 range`).
pub fn bar(view: View) -> Vec<(String, &'static str)> {
    let mut entries: Vec<(Vec<String>, &'static str)> = Vec::new();
    for b in KEYS {
        let Some((word, views)) = b.bar else { continue };
        if !views.contains(&view) {
            continue;
        }
        let name = b.keys.first().map(Key::name).unwrap_or_default();
        match entries.last_mut() {
            Some((keys, w)) if *w == word => keys.push(name),
            _ => entries.push((vec![name], word)),
        }
    }
    entries
        .into_iter()
        .map(|(keys, word)| {
            let keys = match keys.as_slice() {
                [a, _, _, ..] => format!("{a}-{}", keys.last().map_or("", String::as_str)),
                _ => keys.join("/"),
            };
            (keys, word)
        })
        .collect()
}

/// The help overlay's lines: the keys of each run of bindings sharing a help
/// text, and that text.
pub fn help_lines() -> Vec<(String, &'static str)> {
    let mut lines: Vec<(String, &'static str)> = Vec::new();
    for b in KEYS {
        let names = b.keys.iter().map(Key::name).collect::<Vec<_>>().join(" ");
        match lines.last_mut() {
            Some((keys, help)) if *help == b.help => {
                keys.push(' ');
                keys.push_str(&names);
            }
            _ => lines.push((names, b.help)),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_bound_once() {
        let all: Vec<Key> = KEYS.iter().flat_map(|b| b.keys.iter().copied()).collect();
        for (i, k) in all.iter().enumerate() {
            assert!(!all[i + 1..].contains(k), "{k:?} is bound twice");
        }
    }

    #[test]
    fn every_view_has_a_key_bar_with_help_and_quit() {
        for v in View::ALL {
            let bar = bar(v);
            assert!(bar.iter().any(|e| e.1 == "help"), "{v:?}: {bar:?}");
            assert!(bar.iter().any(|e| *e == ("q".to_string(), "quit")), "{v:?}");
        }
        let detail = bar(View::Detail);
        assert!(detail.contains(&("1-5".to_string(), "range")), "{detail:?}");
        assert!(bar(View::Accounts).contains(&("j/k".to_string(), "move")));
    }

    #[test]
    fn help_lines_group_by_text() {
        let lines = help_lines();
        assert_eq!(lines[0], ("j ↓ k ↑ PgDn PgUp".to_string(), MOVE));
        let help: Vec<&str> = lines.iter().map(|l| l.1).collect();
        let mut dedup = help.clone();
        dedup.dedup();
        assert_eq!(help, dedup);
    }
}
