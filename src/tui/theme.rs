//! Styles for a dark or a light terminal. No text is hard-coded white or gray:
//! plain text is the terminal's own colour, and every colour has a dark and a
//! light variant. The selection has its own background *and* foreground, so it
//! reads in any theme. With `NO_COLOR` set (https://no-color.org) nothing is
//! coloured; emphasis then comes from bold, reverse video, the ▲/▼ arrows and
//! the chart markers alone.

use ratatui::style::{Color, Modifier, Style};

pub use crate::config::ThemeChoice;
use crate::model::{Hue, PlatformKind};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
    /// Colours for a light background.
    pub light: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to something non-empty.
    pub fn color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }

    /// Whether to use the light colours: as configured, or for `auto` from
    /// `COLORFGBG` (`fg;bg`, set by rxvt, Konsole, iTerm2 and others).
    pub fn light_for(choice: ThemeChoice) -> bool {
        match choice {
            ThemeChoice::Dark => false,
            ThemeChoice::Light => true,
            ThemeChoice::Auto => light_from_colorfgbg(std::env::var("COLORFGBG").ok().as_deref()),
        }
    }

    fn fg(&self, dark: Color, light: Color) -> Style {
        match (self.color, self.light) {
            (false, _) => Style::new(),
            (true, false) => Style::new().fg(dark),
            (true, true) => Style::new().fg(light),
        }
    }

    pub fn up(&self) -> Style {
        self.fg(Color::Green, Color::Indexed(28))
    }
    pub fn down(&self) -> Style {
        self.fg(Color::Red, Color::Indexed(160))
    }
    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray, Color::Indexed(243))
    }
    pub fn error(&self) -> Style {
        self.down()
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow, Color::Indexed(130))
    }
    pub fn title(&self) -> Style {
        self.accent().add_modifier(Modifier::BOLD)
    }
    /// Column titles: bold in the terminal's own colour.
    pub fn header(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan, Color::Indexed(25))
    }
    pub fn spark(&self) -> Style {
        self.fg(Color::Yellow, Color::Indexed(130))
    }
    /// The selected row and the current tab: a background with its own
    /// foreground, or reverse video without colour.
    pub fn selected(&self) -> Style {
        match (self.color, self.light) {
            (false, _) => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            (true, false) => Style::new()
                .fg(Color::Indexed(231))
                .bg(Color::Indexed(24))
                .add_modifier(Modifier::BOLD),
            (true, true) => Style::new()
                .fg(Color::Indexed(16))
                .bg(Color::Indexed(153))
                .add_modifier(Modifier::BOLD),
        }
    }
    pub fn badge(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Indexed(16))
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
            Hue::Magenta => self.fg(Color::Magenta, Color::Indexed(127)),
            Hue::Blue => self.fg(Color::Blue, Color::Indexed(25)),
            Hue::Cyan => self.fg(Color::Cyan, Color::Indexed(30)),
            Hue::Red => self.down(),
            Hue::Green => self.up(),
            Hue::Yellow => self.warn(),
            Hue::Plain => Style::new(),
        }
    }

    /// The `i`th series colour of a chart with several.
    pub fn series(&self, i: usize) -> Style {
        const HUES: [Hue; 6] = [
            Hue::Cyan,
            Hue::Magenta,
            Hue::Yellow,
            Hue::Green,
            Hue::Blue,
            Hue::Red,
        ];
        self.hue(HUES[i % HUES.len()])
    }

    /// A change as `▲ +12`, `▼ -3` or `· 0`, styled, in `width` columns (compact if need be).
    pub fn change_in(&self, v: Option<i64>, width: usize) -> (String, Style) {
        let w = width.saturating_sub(2);
        match v {
            None => ("-".into(), self.dim()),
            Some(0) => ("· 0".into(), self.dim()),
            Some(n) if n > 0 => (format!("▲ {}", super::fmt::change(n, w)), self.up()),
            Some(n) => (format!("▼ {}", super::fmt::change(n, w)), self.down()),
        }
    }

    /// A change as `▲ +12`, `▼ -3` or `· 0`, styled.
    pub fn change(&self, v: Option<i64>) -> (String, Style) {
        self.change_in(v, usize::MAX)
    }
}

/// `COLORFGBG="0;15"` (dark text on white) is light; `"15;0"` is dark. The
/// background is the last field; 7 and 9–15 are light colours.
pub fn light_from_colorfgbg(v: Option<&str>) -> bool {
    let Some(bg) = v.and_then(|v| v.rsplit(';').next()) else {
        return false;
    };
    matches!(bg.trim().parse::<u8>(), Ok(7 | 9..=15))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colorfgbg_names_the_background() {
        assert!(light_from_colorfgbg(Some("0;15")));
        assert!(light_from_colorfgbg(Some("0;default;7")));
        assert!(!light_from_colorfgbg(Some("15;0")));
        assert!(!light_from_colorfgbg(Some("garbage")));
        assert!(!light_from_colorfgbg(None));
    }
}
