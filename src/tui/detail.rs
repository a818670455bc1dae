//! The selected account in depth: its history as a line chart over the chosen
//! range, growth per day, the next milestone at the 30-day rate, the last error.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph};

use super::app::App;
use super::data::{Detail, Range};
use super::theme::Theme;
use crate::forecast::{self, Forecast, Outlook};
use crate::util::{ago, thousands};

/// Axis label for a time, in a format that follows the span shown
/// (`14:05`, `Mon 3`, `Nov 10`, `Nov 2026`, `2026`).
fn time_label(secs: i64, span: i64, tz: &jiff::tz::TimeZone) -> String {
    let z = crate::util::ts(secs).to_zoned_datetime(tz.clone());
    z.strftime(super::fmt::time_format(span)).to_string()
}

/// The time axis's labels from `from` to `to`: five on a wide chart, else three.
/// A chart's two axes: bounds and labels.
struct Axes<'a> {
    x: [f64; 2],
    x_labels: Vec<Span<'a>>,
    y: [f64; 2],
    y_labels: Vec<Span<'a>>,
}

impl<'a> Axes<'a> {
    /// Time from `from` to `to` across (labelled for the chart's `width`),
    /// the `y` bounds and labels up.
    fn over_time(
        from: i64,
        to: i64,
        width: u16,
        app: &App,
        theme: &Theme,
        y: [f64; 2],
        y_labels: Vec<Span<'a>>,
    ) -> Axes<'a> {
        Axes {
            x: [from as f64, to as f64],
            x_labels: x_labels(from, to, width, app, theme),
            y,
            y_labels,
        }
    }

    /// The chart of `datasets` on these axes, labels dimmed.
    fn around(self, datasets: Vec<Dataset<'a>>, theme: &Theme) -> Chart<'a> {
        let axis = |bounds, labels| {
            Axis::default()
                .bounds(bounds)
                .labels(labels)
                .style(theme.dim())
        };
        Chart::new(datasets)
            .x_axis(axis(self.x, self.x_labels))
            .y_axis(axis(self.y, self.y_labels))
    }
}

fn x_labels(from: i64, to: i64, width: u16, app: &App, theme: &Theme) -> Vec<Span<'static>> {
    let span = to - from;
    let n: i64 = if width >= 70 { 5 } else { 3 };
    (0..n)
        .map(|i| {
            Span::styled(
                time_label(from + span * i / (n - 1), span, &app.tz),
                theme.dim(),
            )
        })
        .collect()
}

fn rate_text(per_day: f64) -> String {
    let rounded = if per_day.abs() >= 10.0 {
        crate::util::signed(per_day.round() as i64)
    } else {
        format!("{:+.1}", per_day)
    };
    format!("{rounded}/day")
}

/// The milestone forecast in words, and whether it is one (else dim):
/// `20,000 between March and May 2027`, `2,000 on Dec 9`, `no trend over 30 d`.
pub fn forecast_text(f: &Forecast, now: i64, tz: &jiff::tz::TimeZone) -> (String, bool) {
    let day = |h: i64| {
        crate::util::ts(now.saturating_add(h.saturating_mul(86_400)))
            .to_zoned_datetime(tz.clone())
            .date()
    };
    let this_year = day(0).year();
    let m = thousands(f.milestone);
    match f.outlook {
        Outlook::TooShort => (
            format!("a forecast after {} days of counts", forecast::MIN_DAYS),
            false,
        ),
        Outlook::NoTrend => (format!("no trend over {} d", f.days), false),
        Outlook::Beyond => (format!("{m} not within 10 years"), false),
        Outlook::Within { earliest, latest } => {
            let (a, b) = (day(earliest), latest.map(day));
            let year = |z: &jiff::civil::Date| {
                if z.year() == this_year {
                    String::new()
                } else {
                    format!(" {}", z.year())
                }
            };
            let text = match (&b, latest) {
                (None, _) => format!("{m} not before {}{}", a.strftime("%b %-d"), year(&a)),
                (Some(b), Some(l)) if l - earliest < 31 => {
                    if a == *b {
                        format!("{m} on {}{}", a.strftime("%b %-d"), year(&a))
                    } else if a.year() == b.year() {
                        format!(
                            "{m} between {} and {}{}",
                            a.strftime("%b %-d"),
                            b.strftime("%b %-d"),
                            year(b)
                        )
                    } else {
                        format!(
                            "{m} between {}{} and {}{}",
                            a.strftime("%b %-d"),
                            year(&a),
                            b.strftime("%b %-d"),
                            year(b)
                        )
                    }
                }
                (Some(b), _) => {
                    if a.year() == b.year() && (a.month() != b.month()) {
                        format!(
                            "{m} between {} and {}{}",
                            a.strftime("%B"),
                            b.strftime("%B"),
                            year(b)
                        )
                    } else if a.year() == b.year() {
                        format!("{m} in {}{}", a.strftime("%B"), year(b))
                    } else {
                        format!(
                            "{m} between {}{} and {}{}",
                            a.strftime("%B"),
                            year(&a),
                            b.strftime("%B"),
                            year(b)
                        )
                    }
                }
            };
            (text, true)
        }
    }
}

/// The facts above the chart: one line when it fits `width`, else one fact a line.
fn facts(app: &App, d: &Detail, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let Some(row) = app.selected_row() else {
        return vec![];
    };
    let mut groups: Vec<Vec<Span<'static>>> = vec![vec![
        Span::styled(
            row.status
                .followers
                .map_or_else(|| "no count yet".into(), thousands),
            Style::new().add_modifier(ratatui::style::Modifier::BOLD),
        ),
        Span::raw(match row.status.followers {
            Some(_) => format!(" {}", row.status.metric),
            None => String::new(),
        }),
    ]];
    if let Some(r) = d.per_day {
        let style = if r >= 0.0 { theme.up() } else { theme.down() };
        groups.push(vec![
            Span::styled(rate_text(r), style),
            Span::raw(match d.range {
                super::data::Range::All => " over the whole history".to_string(),
                r => format!(" over {}", r.label()),
            }),
        ]);
    }
    if let Some(f) = &d.forecast {
        let (text, style) = forecast_text(f, d.to, &app.tz);
        let style = if style { theme.accent() } else { theme.dim() };
        groups.push(vec![Span::styled(text, style)]);
    }
    let one_line: usize = groups
        .iter()
        .flatten()
        .map(|s| s.content.chars().count())
        .sum::<usize>()
        + 5 * (groups.len() - 1);
    let mut lines: Vec<Line<'static>> = if one_line <= width as usize {
        let mut spans = Vec::new();
        for (i, g) in groups.into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled("  ·  ", theme.dim()));
            }
            spans.extend(g);
        }
        vec![Line::from(spans)]
    } else {
        groups.into_iter().map(Line::from).collect()
    };
    if let Some(o) = &d.origin {
        lines.push(Line::from(Span::styled(
            format!("history {o}"),
            theme.dim(),
        )));
    }
    if let Some((e, at)) = &d.last_error {
        lines.push(Line::from(vec![
            Span::styled(format!("last error ({}): ", ago(*at, app.now)), theme.dim()),
            Span::styled(e.clone(), theme.error()),
        ]));
    }
    lines
}

/// A count holds until the next poll read another: steps, not slopes, so a
/// drop between two polls shows where it was seen; the last count runs on to
/// `to`. `y` maps a count to the chart's scale.
fn steps(points: &[(i64, i64)], to: i64, y: impl Fn(i64) -> f64) -> Vec<(f64, f64)> {
    let mut data: Vec<(f64, f64)> = Vec::with_capacity(points.len() * 2 + 1);
    for &(t, v) in points {
        let v = y(v);
        if let Some(&(_, before)) = data.last()
            && before != v
        {
            data.push((t as f64, before));
        }
        data.push((t as f64, v));
    }
    if let Some(&(_, v)) = points.last() {
        data.push((to as f64, y(v)));
    }
    data
}

/// One account's line on the side-by-side chart: its legend words and its
/// points, indexed to 100 at the range start or on its own scale (its low at
/// 0, its high at 100). An account without a count to index by says so.
pub fn scaled(
    name: &str,
    points: &[(i64, i64)],
    to: i64,
    indexed: bool,
) -> (String, Vec<(f64, f64)>) {
    let compact = super::fmt::compact;
    if indexed {
        return match points.first() {
            Some(&(_, base)) if base > 0 => (
                format!("{name} (100 = {})", thousands(base)),
                steps(points, to, |v| v as f64 / base as f64 * 100.0),
            ),
            Some(_) => (format!("{name} (starts at 0: not indexed)"), vec![]),
            None => (format!("{name} (no samples in range)"), vec![]),
        };
    }
    let lo = points.iter().map(|p| p.1).min();
    let hi = points.iter().map(|p| p.1).max();
    match (lo, hi) {
        (Some(lo), Some(hi)) => {
            let span = (hi - lo) as f64;
            let y = |v: i64| {
                if span > 0.0 {
                    (v - lo) as f64 / span * 100.0
                } else {
                    50.0
                }
            };
            (
                format!("{name} ({}–{})", compact(lo), compact(hi)),
                steps(points, to, y),
            )
        }
        _ => (format!("{name} (no samples in range)"), vec![]),
    }
}

/// The selected account and the marked ones on one chart, one colour (or
/// letter, without colour) each, with a legend above it.
fn side_by_side(f: &mut Frame, app: &App, d: &Detail, from: i64, area: Rect, theme: &Theme) {
    let selected = app
        .selected_row()
        .map_or_else(|| d.id.clone(), |r| r.name().to_string());
    let mut lines: Vec<(String, Vec<(f64, f64)>)> =
        vec![scaled(&selected, &d.points, d.to, app.indexed)];
    for o in &d.overlay {
        lines.push(scaled(&o.name, &o.points, d.to, app.indexed));
    }
    let mark = |i: usize| -> (Marker, String) {
        if theme.color {
            (Marker::Braille, "■".into())
        } else {
            let c = char::from(b"abcdef"[i % 6]);
            (Marker::Custom(c), c.to_string())
        }
    };
    // the legend: a heading, then one entry per account, packed into lines
    let mut entries: Vec<Vec<Span<'static>>> = vec![vec![Span::styled(
        match (app.indexed, area.width >= 80) {
            (true, true) => "indexed to 100 at the start (i: own scales)",
            (false, true) => "each on its own scale, low to high (i: indexed)",
            (true, false) => "indexed (i)",
            (false, false) => "own scales (i)",
        },
        theme.dim(),
    )]];
    for (i, (words, _)) in lines.iter().enumerate() {
        entries.push(vec![
            Span::styled(mark(i).1, theme.series(i)),
            Span::raw(format!(" {words}")),
        ]);
    }
    let mut legend: Vec<Line<'static>> = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    for e in entries {
        let w: usize = e.iter().map(|s| s.content.chars().count()).sum();
        if used > 0 && used + 3 + w > area.width as usize {
            legend.push(Line::from(std::mem::take(&mut current)));
            used = 0;
        }
        if used > 0 {
            current.push(Span::raw("   "));
            used += 3;
        }
        current.extend(e);
        used += w;
    }
    legend.push(Line::from(current));
    let rows = (legend.len() as u16).min(area.height.saturating_sub(3));
    let [top, chart_area] =
        Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(area);
    f.render_widget(Paragraph::new(legend), top);
    if chart_area.height < 3 {
        return;
    }
    let ys = lines.iter().flat_map(|l| l.1.iter().map(|p| p.1));
    let (lo, hi) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let (lo, hi) = if lo > hi { (0.0, 100.0) } else { (lo, hi) };
    let (ymin, ymax, y_labels) = if app.indexed {
        let ticks = super::fmt::ticks(lo, hi, if chart_area.height >= 9 { 4 } else { 3 });
        let labels = ticks
            .iter()
            .map(|&v| Span::styled(super::fmt::tick_label(v), theme.dim()))
            .collect::<Vec<_>>();
        (
            ticks.first().copied().unwrap_or(0.0),
            ticks.last().copied().unwrap_or(100.0),
            labels,
        )
    } else {
        (
            0.0,
            100.0,
            vec![
                Span::styled("low", theme.dim()),
                Span::styled("high", theme.dim()),
            ],
        )
    };
    let datasets = lines
        .iter()
        .enumerate()
        .map(|(i, (_, data))| {
            Dataset::default()
                .marker(mark(i).0)
                .graph_type(GraphType::Line)
                .style(theme.series(i))
                .data(data)
        })
        .collect::<Vec<_>>();
    let axes = Axes::over_time(
        from,
        d.to,
        chart_area.width,
        app,
        theme,
        [ymin, ymax],
        y_labels,
    );
    f.render_widget(axes.around(datasets, theme), chart_area);
}

pub fn render(f: &mut Frame, app: &App, area: Rect, theme: &Theme) {
    let title = match app.selected_row() {
        Some(r) => format!(
            " {} · {} · {} ",
            r.name(),
            r.account.platform.name(),
            app.range.label()
        ),
        None => " Detail ".into(),
    };
    let keys = Line::from(
        Range::ALL
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                let style = if *r == app.range {
                    theme.title()
                } else {
                    theme.dim()
                };
                [
                    Span::styled(format!(" {}:", i + 1), theme.dim()),
                    Span::styled(r.label().replace(' ', ""), style),
                ]
            })
            .collect::<Vec<_>>(),
    )
    .right_aligned();
    let mut block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.dim())
        .title(Line::styled(title.clone(), theme.title()));
    if title.chars().count() + keys.width() + 2 <= area.width as usize {
        block = block.title(keys);
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(d) = app
        .detail
        .as_ref()
        .filter(|d| app.selected_id().as_deref() == Some(&d.id))
    else {
        f.render_widget(
            Paragraph::new("No account selected.").style(theme.dim()),
            inner,
        );
        return;
    };
    let mut facts = facts(app, d, theme, inner.width);
    // on a short pane the chart gets at least five rows
    facts.truncate((inner.height.saturating_sub(5) as usize).max(1));
    // side by side on a short pane: the legend needs the rows more
    if !d.overlay.is_empty() && inner.height < 20 {
        facts.truncate(1);
    }
    let [top, chart_area] =
        Layout::vertical([Constraint::Length(facts.len() as u16), Constraint::Min(0)]).areas(inner);
    f.render_widget(Paragraph::new(facts), top);
    let Some(&(first_t, _)) = d.points.first() else {
        f.render_widget(
            Paragraph::new("No samples in this range yet.").style(theme.dim()),
            chart_area,
        );
        return;
    };
    // one sample, and none before the range: nothing to draw a line through
    if d.points.len() == 1 && first_t > d.from {
        f.render_widget(
            Paragraph::new("1 sample so far: the chart starts after the next poll.")
                .style(theme.dim())
                .wrap(ratatui::widgets::Wrap { trim: true }),
            chart_area,
        );
        return;
    }
    if chart_area.height < 3 {
        return;
    }
    // the axis spans the range asked for (30 d is 30 days, however short the
    // history); `all` spans the history
    let from = match d.range {
        super::data::Range::All => first_t.max(d.from),
        _ => d.from,
    }
    .min(d.to - 60);
    if !d.overlay.is_empty() {
        side_by_side(f, app, d, from, chart_area, theme);
        return;
    }
    let data = steps(&d.points, d.to, |v| v as f64);
    let lo = d.points.iter().map(|p| p.1).min().unwrap_or(0);
    let hi = d.points.iter().map(|p| p.1).max().unwrap_or(0);
    let want = match chart_area.height {
        h if h >= 15 => 5,
        h if h >= 9 => 4,
        _ => 3,
    };
    let ticks = super::fmt::ticks(lo as f64, hi as f64, want);
    let (ymin, ymax) = (
        ticks.first().copied().unwrap_or(0.0),
        ticks.last().copied().unwrap_or(1.0),
    );
    let y_labels: Vec<Span> = ticks
        .iter()
        .map(|&v| Span::styled(super::fmt::tick_label(v), theme.dim()))
        .collect();
    // reconstructed (lower-bound) stretches: dimmed dots, named in a legend
    let is_lower = |t: f64| d.lower.iter().any(|&(a, b)| t >= a as f64 && t < b as f64);
    let lower: Vec<(f64, f64)> = data.iter().copied().filter(|p| is_lower(p.0)).collect();
    let mut datasets = Vec::with_capacity(2);
    if lower.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.accent())
                .data(&data),
        );
    } else {
        datasets.push(
            Dataset::default()
                .name("lower bound")
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(theme.dim())
                .data(&lower),
        );
    }
    // the rest as a line, joined to the last lower-bound point
    let first_rest = data.iter().position(|p| !is_lower(p.0));
    let rest: &[(f64, f64)] = match first_rest {
        Some(i) if !lower.is_empty() => &data[i.saturating_sub(1)..],
        _ => &[],
    };
    if !rest.is_empty() {
        datasets.push(
            Dataset::default()
                .name("counted")
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.accent())
                .data(rest),
        );
    }
    let axes = Axes::over_time(
        from,
        d.to,
        chart_area.width,
        app,
        theme,
        [ymin, ymax],
        y_labels,
    );
    f.render_widget(axes.around(datasets, theme), chart_area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within(earliest: i64, latest: Option<i64>) -> Forecast {
        Forecast {
            milestone: 20_000,
            days: 30,
            per_day: 10.0,
            sd: 5.0,
            outlook: Outlook::Within { earliest, latest },
        }
    }

    #[test]
    fn forecasts_read_as_a_range_of_dates() {
        let utc = jiff::tz::TimeZone::UTC;
        // 2026-12-04 12:00 UTC
        let now = 1_796_385_600;
        let text = |f: &Forecast| forecast_text(f, now, &utc);
        assert_eq!(
            text(&within(100, Some(150))),
            ("20,000 between March and May 2027".into(), true)
        );
        assert_eq!(
            text(&within(5, Some(12))),
            ("20,000 between Dec 9 and Dec 16".into(), true)
        );
        assert_eq!(text(&within(5, Some(5))), ("20,000 on Dec 9".into(), true));
        assert_eq!(
            text(&within(20, Some(40))),
            ("20,000 between Dec 24 and Jan 13 2027".into(), true)
        );
        assert_eq!(
            text(&within(20, None)),
            ("20,000 not before Dec 24".into(), true)
        );
        let mut flat = within(0, None);
        flat.outlook = Outlook::NoTrend;
        assert_eq!(text(&flat), ("no trend over 30 d".into(), false));
    }
}
