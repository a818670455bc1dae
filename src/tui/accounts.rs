//! The accounts table: one line per account, columns dropped by priority as
//! the pane narrows (the name and the count always stay).

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use super::app::{App, Sort};
use super::data::Row;
use super::theme::Theme;
use crate::util::{ago, thousands};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Platform,
    Name,
    Count,
    Day,
    Week,
    Time,
    Spark,
    State,
}

impl Col {
    /// Display order.
    const ORDER: [Col; 8] = [
        Col::Platform,
        Col::Name,
        Col::Count,
        Col::Day,
        Col::Week,
        Col::Time,
        Col::Spark,
        Col::State,
    ];
    /// Which columns go first when space runs out: the last in this list.
    const PRIORITY: [Col; 8] = [
        Col::Name,
        Col::Count,
        Col::State,
        Col::Day,
        Col::Week,
        Col::Time,
        Col::Spark,
        Col::Platform,
    ];

    fn min_width(self) -> u16 {
        match self {
            Col::Platform => 8,
            Col::Name => 12,
            Col::Count => 10,
            Col::Day | Col::Week => 9,
            Col::Time => 7,
            Col::Spark => 12,
            Col::State => 9,
        }
    }

    /// Share of the spare width a column takes.
    fn grow(self) -> u16 {
        match self {
            Col::Name => 3,
            Col::Spark => 2,
            Col::State => 3,
            _ => 0,
        }
    }

    /// Most width worth giving.
    fn max_width(self) -> u16 {
        match self {
            Col::Name => 32,
            Col::Spark => SPARK_MAX,
            Col::State => 44,
            c => c.min_width(),
        }
    }

    fn title(self, sort: Sort) -> &'static str {
        match (self, sort) {
            (Col::Platform, _) => "PLATFORM",
            (Col::Name, Sort::Name) => "ACCOUNT ▾",
            (Col::Name, _) => "ACCOUNT",
            (Col::Count, Sort::Count) => "COUNT ▾",
            (Col::Count, _) => "COUNT",
            (Col::Day, _) => "24H",
            (Col::Week, Sort::Change7d) => "7D ▾",
            (Col::Week, _) => "7D",
            (Col::Time, _) => "WEEK",
            (Col::Spark, _) => "30 DAYS",
            (Col::State, _) => "STATE",
        }
    }

    fn right_aligned(self) -> bool {
        matches!(self, Col::Count | Col::Day | Col::Week | Col::Time)
    }
}

const SPARK_MAX: u16 = super::data::SPARK_POINTS as u16;
const GAP: u16 = 2;

/// The columns that fit in `width`, with their x offset and width.
fn layout(width: u16) -> Vec<(Col, u16, u16)> {
    let mut chosen: Vec<Col> = Vec::new();
    let mut used = 0u16;
    for col in Col::PRIORITY {
        let need = col.min_width() + if chosen.is_empty() { 0 } else { GAP };
        if used + need <= width {
            used += need;
            chosen.push(col);
        }
    }
    let mut widths: Vec<(Col, u16)> = Col::ORDER
        .iter()
        .filter(|c| chosen.contains(c))
        .map(|&c| (c, c.min_width()))
        .collect();
    // share what is left among the growing columns, up to their maximum
    let mut spare = width.saturating_sub(used);
    while spare > 0 {
        let growing: Vec<usize> = (0..widths.len())
            .filter(|&i| widths[i].0.grow() > 0 && widths[i].1 < widths[i].0.max_width())
            .collect();
        if growing.is_empty() {
            break;
        }
        let total: u16 = growing.iter().map(|&i| widths[i].0.grow()).sum();
        let round = spare;
        for &i in &growing {
            let share = (round * widths[i].0.grow() / total).max(1).min(spare);
            let room = widths[i].0.max_width() - widths[i].1;
            let add = share.min(room);
            widths[i].1 += add;
            spare -= add;
            if spare == 0 {
                break;
            }
        }
    }
    let mut x = 0;
    widths
        .into_iter()
        .map(|(c, w)| {
            let at = x;
            x += w + GAP;
            (c, at, w)
        })
        .collect()
}

pub use crate::util::fit;

/// The 30-day series as sparkline bars of `width`: the last value of each
/// bucket, scaled between the window's minimum (▁) and maximum (█), so growth
/// shows even on a large count and every known point is visible.
pub fn spark_bars(spark: &[Option<i64>], width: usize) -> Vec<Option<u64>> {
    let n = spark.len();
    let width = width.min(n).max(1);
    let picked: Vec<Option<i64>> = (0..width).map(|j| spark[(j + 1) * n / width - 1]).collect();
    let present = picked.iter().flatten();
    let (Some(&min), Some(&max)) = (present.clone().min(), present.max()) else {
        return vec![None; width];
    };
    let range = (max - min).max(1) as f64;
    picked
        .iter()
        .map(|v| v.map(|v| 1 + ((v - min) as f64 / range * (SPARK_TOP - 1) as f64).round() as u64))
        .collect()
}

/// The sparkline's scale: one step per eighth-block.
const SPARK_TOP: u64 = 8;

fn state(app: &App, row: &Row, theme: &Theme) -> (String, Style) {
    if app.polling.contains(&row.account.id) {
        return ("polling…".into(), theme.accent());
    }
    match (&row.status.error, row.status.updated_at) {
        (Some(e), _) => (format!("⚠ {e}"), theme.error()),
        (None, Some(t)) => (ago(t, app.now), theme.dim()),
        (None, None) if row.account.platform == crate::model::PlatformKind::Manual => {
            ("no samples yet".into(), theme.dim())
        }
        (None, None) => ("never polled".into(), theme.dim()),
    }
}

/// Time spent this week: `1h25m`, `-` for none, with `⏱` while the timer runs here.
fn time_cell(app: &App, row: &Row, theme: &Theme) -> (String, Style) {
    let running = app
        .timer
        .as_ref()
        .is_some_and(|(id, _)| *id == row.account.id);
    let mins = row.week_secs / 60;
    let text = match (mins, running) {
        (0, false) => "-".to_string(),
        (m, _) if m >= 60 => format!("{}h{:02}m", m / 60, m % 60),
        (m, _) => format!("{m}m"),
    };
    if running {
        (format!("⏱{text}"), theme.accent())
    } else if mins == 0 {
        (text, theme.dim())
    } else {
        (text, Style::new())
    }
}

fn cell(text: String, width: u16, col: Col) -> String {
    let t = fit(&text, width as usize);
    if col.right_aligned() {
        format!("{t:>w$}", w = width as usize)
    } else {
        format!("{t:<w$}", w = width as usize)
    }
}

pub fn render(f: &mut Frame, app: &mut App, area: Rect, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let cols = layout(area.width);
    let header: Vec<Span> = {
        let mut spans = Vec::new();
        let mut x = 0;
        for &(col, at, w) in &cols {
            spans.push(Span::raw(" ".repeat((at - x) as usize)));
            spans.push(Span::styled(
                cell(col.title(app.sort).into(), w, col),
                theme.header(),
            ));
            x = at + w;
        }
        spans
    };
    f.render_widget(
        Paragraph::new(Line::from(header)),
        Rect { height: 1, ..area },
    );
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    app.table_rows.set(body);
    if app.order.is_empty() {
        let msg = if app.rows.is_empty() {
            "No accounts configured: add [[accounts]] to your config."
        } else {
            "No account matches the filter (Esc clears it)."
        };
        f.render_widget(Paragraph::new(msg).style(theme.dim()), body);
        return;
    }
    app.scroll_into_view(body.height as usize);
    for (line, pos) in (app.offset..app.order.len())
        .take(body.height as usize)
        .enumerate()
    {
        let row = &app.rows[app.order[pos]];
        let y = body.y + line as u16;
        let selected = pos == app.selected;
        let line_area = Rect {
            y,
            height: 1,
            ..body
        };
        if selected {
            f.buffer_mut().set_style(line_area, theme.selected());
        }
        for &(col, at, w) in &cols {
            let rect = Rect {
                x: body.x + at,
                y,
                width: w,
                height: 1,
            };
            let (text, style) = match col {
                Col::Platform => (
                    row.account.platform.name().to_string(),
                    theme.platform(row.account.platform),
                ),
                Col::Name => (row.name().to_string(), Style::new()),
                Col::Count => (
                    row.status.followers.map_or("-".into(), thousands),
                    Style::new().add_modifier(ratatui::style::Modifier::BOLD),
                ),
                Col::Day => theme.change(row.status.change_24h),
                Col::Week => theme.change(row.status.change_7d),
                Col::Time => time_cell(app, row, theme),
                Col::State => state(app, row, theme),
                Col::Spark => {
                    f.render_widget(
                        Sparkline::default()
                            .data(spark_bars(&row.spark, w as usize))
                            .max(SPARK_TOP)
                            .style(theme.spark()),
                        rect,
                    );
                    continue;
                }
            };
            let align = if col.right_aligned() {
                Alignment::Right
            } else {
                Alignment::Left
            };
            f.render_widget(
                Paragraph::new(fit(&text, w as usize))
                    .style(style)
                    .alignment(align),
                rect,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_panes_keep_name_and_count() {
        let cols: Vec<Col> = layout(30).into_iter().map(|c| c.0).collect();
        assert_eq!(cols, [Col::Name, Col::Count]);
        let cols: Vec<Col> = layout(50).into_iter().map(|c| c.0).collect();
        assert_eq!(cols, [Col::Name, Col::Count, Col::Day, Col::State]);
        let wide = layout(120);
        assert_eq!(wide.len(), 8);
        let end = wide.last().map(|&(_, at, w)| at + w).unwrap();
        assert!(end <= 120, "{wide:?}");
    }

    #[test]
    fn sparkline_buckets_keep_the_last_value_and_show_growth() {
        let spark: Vec<Option<i64>> = (0..60)
            .map(|i| if i < 10 { None } else { Some(1000 + i) })
            .collect();
        let bars = spark_bars(&spark, 6);
        assert_eq!(bars.len(), 6);
        assert_eq!(bars[0], None); // no sample yet 30 days ago
        assert_eq!(bars[1], Some(1)); // the window's lowest value: ▁
        assert_eq!(bars[5], Some(8)); // the latest and highest: █
        let flat = vec![Some(5); 60];
        assert!(spark_bars(&flat, 10).iter().all(|b| *b == Some(1)));
    }
}
