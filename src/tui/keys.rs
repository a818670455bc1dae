//! The keymap: one table that both [`super::app::App::on_key`] and the help
//! overlay read, so what a key does and what the help says cannot drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::data::Range;

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
    Help,
    /// Esc: clear the filter, else leave the zoom, else quit.
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

/// Keys, the action they ask for, and the help line they appear on.
/// Consecutive bindings with the same help text share one line of the help.
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub help: &'static str,
}

const MOVE: &str = "move the selection";
const ENDS: &str = "first / last account";
const VIEWS: &str = "next / previous view";
const RANGE: &str = "range: 24h 7d 30d 1y all";
const POLL: &str = "poll selected / all now";
const FIND: &str = "filter / sort the rows";
const HELP: &str = "alerts / this help";
const QUIT: &str = "quit (Ctrl-Z suspends)";

/// Every key. Ctrl bindings work in every mode (while typing a filter too).
pub const KEYS: &[Binding] = &[
    Binding {
        keys: &[ch('j'), key(KeyCode::Down)],
        action: Action::Down,
        help: MOVE,
    },
    Binding {
        keys: &[ch('k'), key(KeyCode::Up)],
        action: Action::Up,
        help: MOVE,
    },
    Binding {
        keys: &[key(KeyCode::PageDown)],
        action: Action::PageDown,
        help: MOVE,
    },
    Binding {
        keys: &[key(KeyCode::PageUp)],
        action: Action::PageUp,
        help: MOVE,
    },
    Binding {
        keys: &[ch('g'), key(KeyCode::Home)],
        action: Action::First,
        help: ENDS,
    },
    Binding {
        keys: &[ch('G'), key(KeyCode::End)],
        action: Action::Last,
        help: ENDS,
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        action: Action::Zoom,
        help: "zoom the detail in / out",
    },
    Binding {
        keys: &[key(KeyCode::Tab)],
        action: Action::NextView,
        help: VIEWS,
    },
    Binding {
        keys: &[key(KeyCode::BackTab)],
        action: Action::PrevView,
        help: VIEWS,
    },
    Binding {
        keys: &[ch('1')],
        action: Action::Range(Range::Day),
        help: RANGE,
    },
    Binding {
        keys: &[ch('2')],
        action: Action::Range(Range::Week),
        help: RANGE,
    },
    Binding {
        keys: &[ch('3')],
        action: Action::Range(Range::Month),
        help: RANGE,
    },
    Binding {
        keys: &[ch('4')],
        action: Action::Range(Range::Year),
        help: RANGE,
    },
    Binding {
        keys: &[ch('5')],
        action: Action::Range(Range::All),
        help: RANGE,
    },
    Binding {
        keys: &[ch('r')],
        action: Action::PollSelected,
        help: POLL,
    },
    Binding {
        keys: &[ch('R')],
        action: Action::PollAll,
        help: POLL,
    },
    Binding {
        keys: &[ch('t')],
        action: Action::Timer,
        help: "start / stop the timer",
    },
    Binding {
        keys: &[ch('e')],
        action: Action::Export,
        help: "export a snapshot",
    },
    Binding {
        keys: &[ch('/')],
        action: Action::Filter,
        help: FIND,
    },
    Binding {
        keys: &[ch('s')],
        action: Action::Sort,
        help: FIND,
    },
    Binding {
        keys: &[ch('a')],
        action: Action::Alerts,
        help: HELP,
    },
    Binding {
        keys: &[ch('?')],
        action: Action::Help,
        help: HELP,
    },
    Binding {
        keys: &[ch('q')],
        action: Action::Quit,
        help: QUIT,
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        action: Action::Back,
        help: QUIT,
    },
    Binding {
        keys: &[ctrl('c')],
        action: Action::Quit,
        help: QUIT,
    },
    Binding {
        keys: &[ctrl('z')],
        action: Action::Suspend,
        help: QUIT,
    },
];

/// The binding `ev` triggers, if any.
pub fn lookup(ev: &KeyEvent) -> Option<&'static Binding> {
    KEYS.iter().find(|b| b.keys.iter().any(|k| k.matches(ev)))
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
    fn help_lines_group_by_text() {
        let lines = help_lines();
        assert_eq!(lines[0], ("j ↓ k ↑ PgDn PgUp".to_string(), MOVE));
        let help: Vec<&str> = lines.iter().map(|l| l.1).collect();
        let mut dedup = help.clone();
        dedup.dedup();
        assert_eq!(help, dedup);
    }
}
