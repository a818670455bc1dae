//! The `?` overlay: every key, in one place, read from the keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Padding, Paragraph};

use super::keys;
use super::theme::Theme;

/// The mouse, which the keymap does not cover.
const MOUSE: (&str, &str) = ("mouse", "click row/tab/title, wheel");

/// The overlay's lines, `(keys, what they do)`, short enough for a 50-column pane.
pub fn lines() -> Vec<(String, &'static str)> {
    let mut lines = keys::help_lines();
    lines.push((MOUSE.0.to_string(), MOUSE.1));
    lines
}

pub fn render(f: &mut Frame, area: Rect, theme: &Theme) {
    let rows = lines();
    let key_w = rows.iter().map(|k| k.0.chars().count()).max().unwrap_or(0);
    let text: Vec<Line> = rows
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:>key_w$}  "), theme.title()),
                Span::raw(*what),
            ])
        })
        .collect();
    let text_w = rows
        .iter()
        .map(|k| key_w + 2 + k.1.chars().count())
        .max()
        .unwrap_or(0) as u16;
    let [popup] = Layout::horizontal([Constraint::Length(text_w + 4)])
        .flex(Flex::Center)
        .areas(area);
    // a short pane gets the keys without the frame
    let framed = text.len() as u16 + 2 <= area.height;
    let height = text.len() as u16 + if framed { 2 } else { 0 };
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
    f.render_widget(Paragraph::new(text).block(block), popup);
}
