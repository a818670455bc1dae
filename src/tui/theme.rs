//! Styles. With `NO_COLOR` set (https://no-color.org) nothing is coloured;
//! emphasis then comes from bold, dim, reverse and the ▲/▼ arrows alone.

use ratatui::style::{Color, Modifier, Style};

use crate::model::PlatformKind;

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
    pub fn platform(&self, kind: PlatformKind) -> Style {
        self.fg(match kind {
            PlatformKind::Mastodon | PlatformKind::Misskey => Color::Magenta,
            PlatformKind::Bluesky | PlatformKind::Telegram => Color::Blue,
            PlatformKind::Github | PlatformKind::X => Color::White,
            PlatformKind::Youtube | PlatformKind::Reddit => Color::Red,
            PlatformKind::Twitch | PlatformKind::Discord => Color::LightMagenta,
            PlatformKind::Peertube | PlatformKind::Hackernews => Color::LightRed,
            PlatformKind::Lemmy => Color::Green,
            PlatformKind::Json | PlatformKind::Manual => Color::Gray,
        })
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
