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
        // ANSI red is #cd0000 in xterm: 3.6:1 on black, too dim to read
        self.fg(Color::Indexed(203), Color::Indexed(160))
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
            // xterm's ANSI magenta and blue read at 4.5:1 and 2.2:1 on black
            Hue::Magenta => self.fg(Color::Indexed(207), Color::Indexed(127)),
            Hue::Blue => self.fg(Color::Indexed(75), Color::Indexed(25)),
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

    /// xterm's default palette: the 16 ANSI colours, the 6×6×6 cube, the grays.
    fn xterm_rgb(c: Color) -> [u8; 3] {
        const ANSI: [[u8; 3]; 16] = [
            [0, 0, 0],
            [205, 0, 0],
            [0, 205, 0],
            [205, 205, 0],
            [0, 0, 238],
            [205, 0, 205],
            [0, 205, 205],
            [229, 229, 229],
            [127, 127, 127],
            [255, 0, 0],
            [0, 255, 0],
            [255, 255, 0],
            [92, 92, 255],
            [255, 0, 255],
            [0, 255, 255],
            [255, 255, 255],
        ];
        let i = match c {
            Color::Black => 0,
            Color::Red => 1,
            Color::Green => 2,
            Color::Yellow => 3,
            Color::Blue => 4,
            Color::Magenta => 5,
            Color::Cyan => 6,
            Color::Gray => 7,
            Color::DarkGray => 8,
            Color::LightRed => 9,
            Color::LightGreen => 10,
            Color::LightYellow => 11,
            Color::LightBlue => 12,
            Color::LightMagenta => 13,
            Color::LightCyan => 14,
            Color::White => 15,
            Color::Indexed(i) => i,
            Color::Rgb(r, g, b) => return [r, g, b],
            Color::Reset => 15,
        };
        match i {
            0..=15 => ANSI[usize::from(i)],
            16..=231 => {
                let v = |n: u8| if n == 0 { 0 } else { 55 + 40 * n };
                let n = i - 16;
                [v(n / 36), v((n / 6) % 6), v(n % 6)]
            }
            _ => {
                let g = 8 + 10 * (i - 232);
                [g, g, g]
            }
        }
    }

    /// WCAG contrast of `c` on black.
    fn contrast_on_black(c: Color) -> f64 {
        let lin = |v: u8| {
            let s = f64::from(v) / 255.0;
            if s <= 0.04045 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = xterm_rgb(c);
        let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
        (l + 0.05) / 0.05
    }

    #[test]
    fn dark_theme_text_and_series_read_at_4_5_to_1_on_black() {
        let t = Theme {
            color: true,
            light: false,
        };
        let mut styles = vec![
            ("up", t.up()),
            ("down", t.down()),
            ("dim", t.dim()),
            ("warn", t.warn()),
            ("accent", t.accent()),
            ("spark", t.spark()),
        ];
        for i in 0..6 {
            styles.push(("series", t.series(i)));
        }
        for hue in [
            Hue::Magenta,
            Hue::Blue,
            Hue::Cyan,
            Hue::Red,
            Hue::Green,
            Hue::Yellow,
        ] {
            styles.push(("hue", t.hue(hue)));
        }
        for (name, style) in styles {
            let Some(fg) = style.fg else { continue };
            let c = contrast_on_black(fg);
            assert!(c >= 4.5, "{name} {fg:?}: {c:.2}:1 on black");
        }
        // the check itself: ANSI blue is the 2.2:1 the issue measured
        assert!((contrast_on_black(Color::Blue) - 2.2).abs() < 0.1);
    }

    #[test]
    fn colorfgbg_names_the_background() {
        assert!(light_from_colorfgbg(Some("0;15")));
        assert!(light_from_colorfgbg(Some("0;default;7")));
        assert!(!light_from_colorfgbg(Some("15;0")));
        assert!(!light_from_colorfgbg(Some("garbage")));
        assert!(!light_from_colorfgbg(None));
    }
}
