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
    People,
    Time,
    Spark,
    State,
}

impl Col {
    /// Display order.
    const ORDER: [Col; 9] = [
        Col::Platform,
        Col::Name,
        Col::Count,
        Col::Day,
        Col::Week,
        Col::People,
        Col::Time,
        Col::Spark,
        Col::State,
    ];
    /// Which columns go first when space runs out: the last in this list.
    const PRIORITY: [Col; 9] = [
        Col::Name,
        Col::Count,
        Col::State,
        Col::Day,
        Col::Week,
        Col::Spark,
        Col::Time,
        Col::People,
        Col::Platform,
    ];

    /// The column's title; the sorted one shows the direction: ▴ A to Z or
    /// smallest first, ▾ Z to A or largest first.
    fn title(self, sort: Sort, reversed: bool, width: u16) -> &'static str {
        match (self, sort, reversed) {
            (Col::Platform, ..) => "PLATFORM",
            (Col::Name, Sort::Name, false) => "ACCOUNT ▴",
            (Col::Name, Sort::Name, true) => "ACCOUNT ▾",
            (Col::Name, ..) => "ACCOUNT",
            (Col::Count, Sort::Count, false) => "COUNT ▾",
            (Col::Count, Sort::Count, true) => "COUNT ▴",
            (Col::Count, ..) => "COUNT",
            (Col::Day, ..) => "24H",
            (Col::Week, Sort::Change7d, false) => "7D ▾",
            (Col::Week, Sort::Change7d, true) => "7D ▴",
            (Col::Week, ..) => "7D",
            (Col::Time, ..) => "WEEK",
            (Col::People, ..) => "WHO 7D",
            (Col::Spark, ..) if width >= 7 => "30 DAYS",
            (Col::Spark, ..) => "30D",
            (Col::State, ..) => "STATE",
        }
    }

    fn right_aligned(self) -> bool {
        matches!(
            self,
            Col::Count | Col::Day | Col::Week | Col::Time | Col::People
        )
    }
}

/// Most sparkline bars worth drawing (the series has [`SPARK_POINTS`] points).
const SPARK_MAX: u16 = super::data::SPARK_POINTS as u16 / 2;
/// The percent change beside each sparkline: ` +1.4%`.
const PCT_W: u16 = 7;
const GAP: u16 = 2;

/// How wide each column wants to be, from what it will show: `min` (a
/// compact number, a cut name) and `full` (everything whole).
struct Widths {
    min: [u16; 9],
    full: [u16; 9],
    /// Whether any row has follower-list changes to show.
    people: bool,
}

fn idx(c: Col) -> usize {
    Col::ORDER.iter().position(|&o| o == c).unwrap_or(0)
}

fn len(s: &str) -> u16 {
    s.chars().count().min(u16::MAX as usize) as u16
}

fn measure(app: &App, theme: &Theme, width: u16) -> Widths {
    let mut min = [0u16; 9];
    let mut full = [0u16; 9];
    for c in Col::ORDER {
        let t = len(c.title(app.sort, app.reversed, u16::MAX));
        min[idx(c)] = t;
        full[idx(c)] = t;
    }
    min[idx(Col::Spark)] = 6 + PCT_W;
    full[idx(Col::Spark)] = SPARK_MAX + PCT_W;
    let mut grow = |c: Col, lo: u16, hi: u16| {
        min[idx(c)] = min[idx(c)].max(lo);
        full[idx(c)] = full[idx(c)].max(hi);
    };
    // every row, not only those the filter shows: the columns stay put
    // while a filter is typed
    for row in &app.rows {
        // a marked account's name carries `● `
        let mark = if app.marked.contains(&row.account.id) {
            2
        } else {
            0
        };
        let name = len(row.name()) + mark;
        grow(Col::Name, name.min(8), name);
        if let Some(n) = row.status.followers {
            // up to 999,999,999 in full before any other column is added
            let full = len(&thousands(n));
            let least = if full <= 11 {
                full
            } else {
                len(&super::fmt::compact(n))
            };
            grow(Col::Count, least, full);
        }
        for (c, v) in [
            (Col::Day, row.status.change_24h),
            (Col::Week, row.status.change_7d),
        ] {
            let (f, _) = theme.change(v);
            let (m, _) = theme.change_in(v, 0);
            grow(c, len(&m), len(&f));
        }
        let t = len(&time_cell(app, row, theme).0);
        grow(Col::Time, t, t);
        let w = len(&people_cell(row, theme).0);
        grow(Col::People, w, w);
        // states are short (errors are codes), and one long one does not
        // take the column from every account: past STATE_MAX it is cut
        let s = len(&state(app, row, theme).0).min(STATE_MAX);
        grow(Col::State, s.min(STATE_MIN), s);
        let p = len(row.account.platform.name());
        grow(Col::Platform, p, p);
    }
    // a long name is cut before the narrow columns go, but not below a quarter
    let name = idx(Col::Name);
    min[name] = full[name].min(min[name].max(16).max(width / 4));
    let people = app.order.iter().any(|&i| app.rows[i].people_7d.is_some());
    Widths { min, full, people }
}

/// The columns that fit in `width`, with their x offset and width: chosen by
/// priority at their smallest, then widened in priority order to show
/// everything whole; the sparkline and the state take what is left.
fn layout(w: &Widths, width: u16) -> Vec<(Col, u16, u16)> {
    let mut chosen: Vec<Col> = Vec::new();
    let mut used = 0u16;
    for col in Col::PRIORITY {
        // the week's time and the platform only where there is room to spare
        let pane = match col {
            Col::Time => 60,
            Col::People => 80,
            Col::Platform => 90,
            _ => 0,
        };
        if width < pane {
            continue;
        }
        // who followed and who left: only where some list is read
        if col == Col::People && !w.people {
            continue;
        }
        let need = w.min[idx(col)] + if chosen.is_empty() { 0 } else { GAP };
        // the name and the count always stay
        if used + need <= width || chosen.len() < 2 {
            used += need;
            chosen.push(col);
        }
    }
    let mut widths = w.min;
    let mut spare = width.saturating_sub(used);
    // the state (an error's code) whole before the changes' last digits
    let order = [
        Col::Count,
        Col::Name,
        Col::State,
        Col::Day,
        Col::Week,
        Col::Time,
        Col::People,
        Col::Platform,
        Col::Spark,
    ];
    for col in order.into_iter().filter(|c| chosen.contains(c)) {
        let add = w.full[idx(col)].saturating_sub(widths[idx(col)]).min(spare);
        widths[idx(col)] += add;
        spare -= add;
    }
    // still room: a wider state (long errors whole) is not needed; leave it
    let mut x = 0;
    let mut out = Vec::new();
    for col in Col::ORDER.into_iter().filter(|c| chosen.contains(c)) {
        let cw = widths[idx(col)];
        let cw = cw.min(width.saturating_sub(x));
        out.push((col, x, cw));
        x = (x + cw + GAP).min(width);
    }
    out
}

pub use crate::util::fit;

/// The 30-day series as sparkline bars of `width`: the last value of each
/// bucket, scaled around the row's own level: the cell's height spans the
/// window's range or a tenth of the level, whichever is more, so a flat series
/// draws flat (mid-height), +1.4% barely rises, and −2% is no collapse.
pub fn spark_bars(spark: &[Option<i64>], width: usize) -> Vec<Option<u64>> {
    let n = spark.len();
    if n == 0 {
        return vec![None; width.max(1)];
    }
    let width = width.min(n).max(1);
    let picked: Vec<Option<i64>> = (0..width).map(|j| spark[(j + 1) * n / width - 1]).collect();
    let present = picked.iter().flatten();
    let (Some(&min), Some(&max)) = (present.clone().min(), present.max()) else {
        return vec![None; width];
    };
    // one sample, or a flat series: the middle bar, always (the arithmetic
    // below lands on a .5, which floating point rounds either way)
    if min == max {
        return picked.iter().map(|v| v.map(|_| SPARK_FLAT)).collect();
    }
    let mid = (min as f64 + max as f64) / 2.0;
    let span = ((max - min) as f64).max(mid.abs() * SPARK_FLOOR).max(1.0);
    let lo = mid - span / 2.0;
    picked
        .iter()
        .map(|v| {
            v.map(|v| {
                let x = ((v as f64 - lo) / span * (SPARK_TOP - 1) as f64).round();
                1 + x.clamp(0.0, (SPARK_TOP - 1) as f64) as u64
            })
        })
        .collect()
}

/// The widest the STATE column grows, and the least it needs to show.
const STATE_MAX: u16 = 24;
const STATE_MIN: u16 = 14;

/// A flat sparkline's bar (of 1 to [`SPARK_TOP`]): the middle, whatever the level.
const SPARK_FLAT: u64 = SPARK_TOP / 2 + 1;

/// The least share of its level a sparkline's height stands for.
const SPARK_FLOOR: f64 = 0.10;

/// The change over the sparkline's window in percent, first known point to last.
pub fn spark_change(spark: &[Option<i64>]) -> Option<f64> {
    let first = spark.iter().flatten().next()?;
    let last = spark.iter().flatten().last()?;
    (*first != 0 && spark.iter().flatten().count() >= 2)
        .then(|| (last - first) as f64 / (*first as f64).abs() * 100.0)
}

/// The sparkline's scale: one step per eighth-block.
const SPARK_TOP: u64 = 8;

fn state(app: &App, row: &Row, theme: &Theme) -> (String, Style) {
    if app.polling.contains(&row.account.id) {
        return ("polling…".into(), theme.accent());
    }
    match (&row.status.error, row.status.updated_at) {
        (Some(e), _) => (
            format!("⚠ {}", super::fmt::error_code(e, app.now)),
            theme.error(),
        ),
        (None, Some(t)) => (ago(t, app.now), theme.dim()),
        (None, None) if row.account.platform == crate::model::PlatformKind::Manual => {
            ("no samples yet".into(), theme.dim())
        }
        (None, None) => ("never polled".into(), theme.dim()),
    }
}

/// Who followed and who left over 7 days, from the follower-list scans:
/// `+3 −2`; `-` where the list is not read.
fn people_cell(row: &Row, theme: &Theme) -> (String, Style) {
    match row.people_7d {
        None => ("-".into(), theme.dim()),
        Some((0, 0)) => ("+0 −0".into(), theme.dim()),
        Some((g, l)) => (format!("+{g} −{l}"), Style::new()),
    }
}

/// Time spent this week: `1h25m`, `-` for none, with `⏱` while the timer runs here.
fn time_cell(app: &App, row: &Row, theme: &Theme) -> (String, Style) {
    let running = app
        .timer
        .as_ref()
        .is_some_and(|(id, _)| *id == row.account.id);
    let text = match crate::util::minutes_text(row.week_secs as f64 / 60.0) {
        t if t == "-" && running => "0m".to_string(),
        t => t,
    };
    let mins = (row.week_secs as f64 / 60.0).round() as i64;
    if running {
        (format!("⏱{text}"), theme.accent())
    } else if mins == 0 {
        (text, theme.dim())
    } else {
        (text, Style::new())
    }
}

fn cell(text: &str, width: u16, col: Col) -> String {
    let t = fit(text, width as usize);
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
    let cols = layout(&measure(app, theme, area.width), area.width);
    let header: Vec<Span> = {
        let mut spans = Vec::new();
        let mut x = 0;
        let mut spots = Vec::new();
        for &(col, at, w) in &cols {
            let sort = match col {
                Col::Name => Some(Sort::Name),
                Col::Count => Some(Sort::Count),
                Col::Week => Some(Sort::Change7d),
                _ => None,
            };
            if let Some(sort) = sort {
                spots.push((area.x + at, area.x + at + w, sort));
            }
            spans.push(Span::raw(" ".repeat(at.saturating_sub(x) as usize)));
            spans.push(Span::styled(
                cell(col.title(app.sort, app.reversed, w), w, col),
                theme.header(),
            ));
            x = at + w;
        }
        *app.sort_spots.borrow_mut() = (area.y, spots);
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
            "No accounts configured: press E to add [[accounts]] to your config."
        } else {
            "No account matches the filter (Esc clears it)."
        };
        f.render_widget(
            Paragraph::new(msg)
                .style(theme.dim())
                .wrap(ratatui::widgets::Wrap { trim: true }),
            body,
        );
        return;
    }
    app.scroll_into_view(body.height as usize);
    for (line, pos) in (app.offset..app.order.len())
        .take(body.height as usize)
        .enumerate()
    {
        let row = &app.rows[app.order[pos]];
        let y = body.y + line as u16;
        let line_area = Rect {
            y,
            height: 1,
            ..body
        };
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
                Col::Name if app.marked.contains(&row.account.id) => {
                    (format!("● {}", row.name()), theme.accent())
                }
                Col::Name => (row.name().to_string(), Style::new()),
                Col::Count => (
                    row.status
                        .followers
                        .map_or("-".into(), |n| super::fmt::count(n, w as usize)),
                    Style::new().add_modifier(ratatui::style::Modifier::BOLD),
                ),
                Col::Day => theme.change_in(row.status.change_24h, w as usize),
                Col::Week => theme.change_in(row.status.change_7d, w as usize),
                Col::Time => time_cell(app, row, theme),
                Col::People => people_cell(row, theme),
                Col::State => state(app, row, theme),
                Col::Spark => {
                    let bars = w.saturating_sub(PCT_W).max(1);
                    f.render_widget(
                        Sparkline::default()
                            .data(spark_bars(&row.spark, bars as usize))
                            .max(SPARK_TOP)
                            .style(theme.spark()),
                        Rect {
                            width: bars,
                            ..rect
                        },
                    );
                    let (pct, style) = match spark_change(&row.spark) {
                        Some(p) if p >= 0.05 => (super::fmt::percent(p), theme.up()),
                        Some(p) if p <= -0.05 => (super::fmt::percent(p), theme.down()),
                        Some(_) => ("0%".to_string(), theme.dim()),
                        None => (String::new(), theme.dim()),
                    };
                    f.render_widget(
                        Paragraph::new(pct).style(style).alignment(Alignment::Right),
                        Rect {
                            x: rect.x + bars,
                            width: w - bars,
                            ..rect
                        },
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
        // over the cells: the selection's own colours win in every theme
        if pos == app.selected {
            f.buffer_mut().set_style(line_area, theme.selected());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_and_one_sample_sparklines_sit_at_half_height() {
        for v in [1, 20, 34_465_479, 12_345_780_000, 7] {
            assert_eq!(spark_bars(&[Some(v)], 5), vec![Some(SPARK_FLAT)], "{v}");
            assert_eq!(
                spark_bars(&[Some(v), None, Some(v), Some(v)], 4),
                vec![Some(5), None, Some(5), Some(5)],
                "{v}"
            );
        }
    }

    fn widths(name: u16, count: u16) -> Widths {
        let mut min = [4u16; 9];
        let mut full = [8u16; 9];
        min[idx(Col::Name)] = 12;
        full[idx(Col::Name)] = name;
        min[idx(Col::Count)] = 6;
        full[idx(Col::Count)] = count;
        min[idx(Col::Spark)] = 13;
        full[idx(Col::Spark)] = 37;
        Widths {
            min,
            full,
            people: false,
        }
    }

    #[test]
    fn narrow_panes_keep_name_and_count_and_names_come_first() {
        let w = widths(31, 14);
        let cols: Vec<Col> = layout(&w, 22).into_iter().map(|c| c.0).collect();
        assert_eq!(cols, [Col::Name, Col::Count]);
        let wide = layout(&w, 120);
        assert_eq!(wide.len(), 8);
        let name = wide.iter().find(|c| c.0 == Col::Name).unwrap();
        assert_eq!(name.2, 31, "the whole name at 120 columns: {wide:?}");
        let count = wide.iter().find(|c| c.0 == Col::Count).unwrap();
        assert_eq!(count.2, 14);
        let end = wide.last().map(|&(_, at, w)| at + w).unwrap();
        assert!(end <= 120, "{wide:?}");
    }

    #[test]
    fn sparklines_scale_around_their_level() {
        let spark: Vec<Option<i64>> = (0..60)
            .map(|i| if i < 10 { None } else { Some(1000 + 10 * i) })
            .collect();
        let bars = spark_bars(&spark, 6);
        assert_eq!(bars.len(), 6);
        assert_eq!(bars[0], None); // no sample yet 30 days ago
        assert_eq!(bars[1], Some(1)); // +29%: the whole height
        assert_eq!(bars[5], Some(8));
        let flat = vec![Some(5_000); 60];
        assert!(spark_bars(&flat, 10).iter().all(|b| *b == Some(5)));
        // -2% over the window: a gentle slope, not a collapse
        let down: Vec<Option<i64>> = (0..60).map(|i| Some(10_000 - 4 * i)).collect();
        let bars = spark_bars(&down, 10);
        let (a, b) = (bars[0].unwrap(), bars[9].unwrap());
        assert!(a - b <= 2, "{bars:?}");
        let pct = spark_change(&down).unwrap();
        assert!((pct + 2.36).abs() < 0.01, "{pct}");
    }
}
