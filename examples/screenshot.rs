//! Renders the demo dashboard to an SVG for the README:
//! `cargo run --example screenshot -- assets/screenshot.svg [detail|effort|side]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use socialtop::config::Config;
use socialtop::store::Store;
use socialtop::tui::{app::App, data, ui};

const W: u16 = 120;
const H: u16 = 32;
const CW: f64 = 8.4;
const LH: f64 = 17.0;

fn hex(c: Color, fallback: &str) -> String {
    match c {
        Color::Reset => fallback.into(),
        Color::Black => "#1e1e2e".into(),
        Color::Red => "#f38ba8".into(),
        Color::Green => "#a6e3a1".into(),
        Color::Yellow => "#f9e2af".into(),
        Color::Blue => "#89b4fa".into(),
        Color::Magenta => "#cba6f7".into(),
        Color::Cyan => "#89dceb".into(),
        Color::Gray => "#bac2de".into(),
        Color::DarkGray => "#6c7086".into(),
        Color::White => "#f5f5f5".into(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(n @ 16..=231) => {
            let n = n - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let (r, g, b) = (level(n / 36), level(n / 6 % 6), level(n % 6));
            format!("#{r:02x}{g:02x}{b:02x}")
        }
        Color::Indexed(n @ 232..=255) => {
            let v = 8 + 10 * (n - 232);
            format!("#{v:02x}{v:02x}{v:02x}")
        }
        _ => fallback.into(),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .unwrap_or_else(|| "assets/screenshot.svg".into());
    let view = args.next().unwrap_or_default();
    let dir = tempfile::tempdir()?;
    let now = Timestamp::now();
    let paths = socialtop::demo::prepare(dir.path(), now, None)?;
    let (config, _) = Config::load_or_init(&paths.config)?;
    let store = Store::open_dir(&paths.data_dir)?;
    let mut app = App::new(
        data::load_rows(&store, &config.accounts, now, &jiff::tz::TimeZone::system())?,
        now,
    );
    app.demo = true;
    app.next_due = now.checked_add(jiff::SignedDuration::from_mins(4)).ok();
    let id = app.selected_id().unwrap_or_default();
    if let Some(a) = config.account(&id) {
        app.detail = Some(data::load_detail(&store, a, app.range, now)?);
    }
    match view.as_str() {
        "detail" => app.view = socialtop::tui::view::View::Detail,
        // three accounts side by side, indexed to 100
        "side" => {
            app.view = socialtop::tui::view::View::Detail;
            app.marked = app
                .rows
                .iter()
                .take(3)
                .map(|r| r.account.id.clone())
                .collect();
            if let (Some(d), Some(_)) = (app.detail.as_mut(), config.account(&id)) {
                let others: Vec<_> = app
                    .marked
                    .iter()
                    .filter_map(|m| config.account(m))
                    .collect();
                data::load_overlay(&store, d, &others)?;
            }
        }
        "effort" => {
            app.view = socialtop::tui::view::View::Effort;
            app.effort = Some(data::load_effort(&store, &config, &app.tz)?);
        }
        _ => {}
    }
    let mut t = Terminal::new(TestBackend::new(W, H))?;
    t.draw(|f| ui::draw(f, &mut app))?;
    let buf = t.backend().buffer();
    let (bg, fg) = ("#1e1e2e", "#cdd6f4");
    let mut svg = String::new();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#,
        w = f64::from(W) * CW + 20.0,
        h = f64::from(H) * LH + 20.0
    )?;
    writeln!(
        svg,
        r#"<rect width="100%" height="100%" rx="8" fill="{bg}"/>"#
    )?;
    for y in 0..H {
        for x in 0..W {
            let cell = &buf[(x, y)];
            let (mut cfg, mut cbg) = (hex(cell.fg, fg), hex(cell.bg, bg));
            if cell.modifier.contains(Modifier::REVERSED) {
                std::mem::swap(&mut cfg, &mut cbg);
            }
            let (px, py) = (10.0 + f64::from(x) * CW, 10.0 + f64::from(y) * LH);
            if cbg != bg {
                writeln!(
                    svg,
                    r#"<rect x="{px:.1}" y="{py:.1}" width="{CW}" height="{LH}" fill="{cbg}"/>"#
                )?;
            }
            let sym = cell.symbol();
            if sym.trim().is_empty() {
                continue;
            }
            let weight = if cell.modifier.contains(Modifier::BOLD) {
                r#" font-weight="bold""#
            } else {
                ""
            };
            let opacity = if cell.modifier.contains(Modifier::DIM) {
                r#" opacity="0.8""#
            } else {
                ""
            };
            writeln!(
                svg,
                r#"<text x="{px:.1}" y="{:.1}" fill="{cfg}"{weight}{opacity}>{}</text>"#,
                py + LH * 0.78,
                esc(sym)
            )?;
        }
    }
    svg.push_str("</svg>\n");
    std::fs::write(&out, svg)?;
    eprintln!("wrote {out}");
    Ok(())
}
