//! The `?` overlay: every key, in one place.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Padding, Paragraph};

use super::theme::Theme;

/// Every key, short enough for a 50-column pane.
pub const KEYS: &[(&str, &str)] = &[
    ("j k ↑ ↓", "move the selection"),
    ("g G", "first / last account"),
    ("Enter", "zoom the detail in / out"),
    ("Tab", "views: accounts, detail, effort"),
    ("1 2 3 4 5", "range: 24h 7d 30d 1y all"),
    ("r R", "poll selected / all now"),
    ("t", "start / stop the timer here"),
    ("e", "export a snapshot"),
    ("/", "filter (Enter keeps, Esc clears)"),
    ("s", "sort: name, count, 7-day"),
    ("mouse", "click selects, wheel scrolls"),
    ("q Esc Ctrl-C", "quit"),
];

pub fn render(f: &mut Frame, area: Rect, theme: &Theme) {
    let key_w = KEYS.iter().map(|k| k.0.chars().count()).max().unwrap_or(0);
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:>key_w$}  "), theme.title()),
                Span::raw(*what),
            ])
        })
        .collect();
    let text_w = KEYS
        .iter()
        .map(|k| key_w + 2 + k.1.chars().count())
        .max()
        .unwrap_or(0) as u16;
    let [popup] = Layout::horizontal([Constraint::Length(text_w + 4)])
        .flex(Flex::Center)
        .areas(area);
    // a short pane gets the keys without the frame
    let framed = lines.len() as u16 + 2 <= area.height;
    let height = lines.len() as u16 + if framed { 2 } else { 0 };
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(popup);
    f.render_widget(Clear, popup);
    let block = if framed {
        Block::new()
            .borders(Borders::ALL)
            .border_style(theme.accent())
            .padding(Padding::horizontal(1))
            .title(Line::styled(" Keys · any key closes ", theme.title()).centered())
    } else {
        Block::new().padding(Padding::horizontal(2))
    };
    f.render_widget(Paragraph::new(lines).block(block), popup);
}
