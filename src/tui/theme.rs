//! Styles. With `NO_COLOR` set (https://no-color.org) nothing is coloured;
//! emphasis then comes from bold, dim, reverse and the ▲/▼ arrows alone.

use ratatui::style::{Color, Modifier, Style};

use crate::model::{Hue, PlatformKind};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to something non-empty.
    pub fn color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn up(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn down(&self) -> Style {
        self.fg(Color::Red)
    }
    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray).add_modifier(Modifier::DIM)
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        self.fg(Color::Gray).add_modifier(Modifier::BOLD)
    }
    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn spark(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn selected(&self) -> Style {
        if self.color {
            // darker than DarkGray, so dim text stays readable on it
            Style::new()
                .bg(Color::Indexed(236))
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn badge(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    /// A platform's colour, as its file names it ([`crate::platforms::Platform::hue`]).
    pub fn platform(&self, kind: PlatformKind) -> Style {
        self.hue(crate::platforms::platform(kind).hue())
    }

    /// A named hue in this theme. `Plain` is the terminal's own text colour,
    /// readable on dark and light backgrounds alike.
    pub fn hue(&self, hue: Hue) -> Style {
        match hue {
            Hue::Magenta => self.fg(Color::Magenta),
            Hue::Blue => self.fg(Color::Blue),
            Hue::Cyan => self.fg(Color::Cyan),
            Hue::Red => self.fg(Color::Red),
            Hue::Green => self.fg(Color::Green),
            Hue::Yellow => self.fg(Color::Yellow),
            Hue::Plain => Style::new(),
        }
    }

    /// A change as `▲ +12`, `▼ -3` or `· 0`, styled.
    pub fn change(&self, v: Option<i64>) -> (String, Style) {
        match v {
            None => ("-".into(), self.dim()),
            Some(0) => ("· 0".into(), self.dim()),
            Some(n) if n > 0 => (format!("▲ {}", crate::util::signed(n)), self.up()),
            Some(n) => (format!("▼ {}", crate::util::signed(n)), self.down()),
        }
    }
}
