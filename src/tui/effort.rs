//! The Effort view: does a bigger audience take more of your time?
//! A scatter of every account-week (ln followers against ln minutes, one colour
//! per account), the fitted common slope through each account's own mean (the
//! fixed-effects model), the verdict in one sentence, and the per-account table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Chart, Dataset, GraphType, LegendPosition, Paragraph, Wrap,
};

use super::accounts::fit;
use super::app::App;
use super::theme::Theme;
use crate::effort::{Point, Verdict};
use crate::util::thousands;

const PALETTE: [Color; 6] = [
    Color::Cyan,
    Color::Magenta,
    Color::Yellow,
    Color::Green,
    Color::Blue,
    Color::LightRed,
];
/// Without colour, accounts differ by marker.
const MARKERS: [Marker; 4] = [Marker::Dot, Marker::Block, Marker::Bar, Marker::HalfBlock];

fn verdict_style(v: Verdict, theme: &Theme) -> Style {
    match v {
        Verdict::Holds => theme.up(),
        Verdict::Refuted => theme.down(),
        Verdict::Inconclusive => theme.warn(),
        Verdict::InsufficientData => theme.dim(),
    }
}

fn name<'a>(app: &'a App, id: &'a str) -> &'a str {
    app.rows
        .iter()
        .find(|r| r.account.id == id)
        .map_or(id, |r| r.name())
}

pub fn render(f: &mut Frame, app: &App, area: Rect, theme: &Theme) {
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.dim())
        .title(Line::styled(
            " Effort · time spent against audience ",
            theme.title(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(data) = &app.effort else {
        f.render_widget(
            Paragraph::new("Reading the history…").style(theme.dim()),
            inner,
        );
        return;
    };
    let e = &data.effort;
    let sentence = Paragraph::new(Line::styled(
        e.sentence.clone(),
        verdict_style(e.verdict, theme),
    ))
    .wrap(Wrap { trim: true });
    let sentence_h = (e.sentence.chars().count() as u16)
        .div_ceil(inner.width.max(1))
        .clamp(1, 3);
    let rest = inner.height.saturating_sub(sentence_h);
    let wanted = e.accounts.len() as u16 + 1;
    // the chart needs room to say anything; below that the table takes it all
    let table_h = if e.accounts.is_empty() {
        2
    } else if rest.saturating_sub(wanted.min(rest / 2)) >= 8 {
        wanted.min(rest / 2).max(2)
    } else {
        rest
    };
    let [top, chart_area, table_area] = Layout::vertical([
        Constraint::Length(sentence_h),
        Constraint::Min(0),
        Constraint::Length(table_h),
    ])
    .areas(inner);
    f.render_widget(sentence, top);
    if e.accounts.is_empty() {
        f.render_widget(
            Paragraph::new(
                "No week has both time spent and followers yet: press t on an account to time a session, or use `socialtop log` / `socialtop import`.",
            )
            .style(theme.dim())
            .wrap(Wrap { trim: true }),
            table_area.union(chart_area),
        );
        return;
    }
    if chart_area.height >= 5 {
        scatter(f, app, &data.points, e.elasticity, chart_area, theme);
    }
    table(f, app, table_area, theme);
}

fn scatter(
    f: &mut Frame,
    app: &App,
    points: &[(String, Vec<Point>)],
    slope: Option<f64>,
    area: Rect,
    theme: &Theme,
) {
    let series: Vec<(&str, Vec<(f64, f64)>)> = points
        .iter()
        .filter(|(_, p)| !p.is_empty())
        .map(|(id, p)| {
            (
                id.as_str(),
                p.iter()
                    .map(|p| ((p.followers as f64).ln(), p.minutes.ln()))
                    .collect(),
            )
        })
        .collect();
    let all = series.iter().flat_map(|s| s.1.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in all {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    let (px, py) = (((x1 - x0) * 0.05).max(0.05), ((y1 - y0) * 0.1).max(0.1));
    let (x0, x1, y0, y1) = (x0 - px, x1 + px, y0 - py, y1 + py);
    // the fitted model: slope b through each account's own mean
    let lines: Vec<Vec<(f64, f64)>> = match slope {
        Some(b) => series
            .iter()
            .filter(|s| s.1.len() >= 2)
            .map(|(_, pts)| {
                let n = pts.len() as f64;
                let (mx, my) = (
                    pts.iter().map(|p| p.0).sum::<f64>() / n,
                    pts.iter().map(|p| p.1).sum::<f64>() / n,
                );
                let lo = pts.iter().map(|p| p.0).fold(f64::MAX, f64::min);
                let hi = pts.iter().map(|p| p.0).fold(f64::MIN, f64::max);
                vec![(lo, my + b * (lo - mx)), (hi, my + b * (hi - mx))]
            })
            .collect(),
        None => vec![],
    };
    let mut datasets = Vec::new();
    for (i, (id, pts)) in series.iter().enumerate() {
        let style = if theme.color {
            Style::new().fg(PALETTE[i % PALETTE.len()])
        } else {
            Style::new()
        };
        let marker = if theme.color {
            Marker::Braille
        } else {
            MARKERS[i % MARKERS.len()]
        };
        datasets.push(
            Dataset::default()
                .name(fit(name(app, id), 24))
                .marker(marker)
                .graph_type(GraphType::Scatter)
                .style(style)
                .data(pts),
        );
    }
    for line in &lines {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.dim())
                .data(line),
        );
    }
    let label = |v: f64| Span::styled(thousands(v.exp().round() as i64), theme.dim());
    let min_label = |v: f64| {
        Span::styled(
            format!("{} min", thousands(v.exp().round() as i64)),
            theme.dim(),
        )
    };
    let chart = Chart::new(datasets)
        .legend_position(Some(LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(2, 3)))
        .x_axis(
            Axis::default()
                .title(Span::styled("followers (log)", theme.dim()))
                .bounds([x0, x1])
                .labels(vec![label(x0), label((x0 + x1) / 2.0), label(x1)])
                .style(theme.dim()),
        )
        .y_axis(
            Axis::default()
                .title(Span::styled("minutes/week (log)", theme.dim()))
                .bounds([y0, y1])
                .labels(vec![min_label(y0), min_label(y1)])
                .style(theme.dim()),
        );
    f.render_widget(chart, area);
}

fn table(f: &mut Frame, app: &App, area: Rect, theme: &Theme) {
    let Some(data) = &app.effort else { return };
    let wide = area.width >= 90;
    let mut lines = vec![Line::styled(
        if wide {
            format!(
                "{:<24} {:>5} {:>9} {:>21}  {:>10} {:>9} {:>10}",
                "ACCOUNT", "WEEKS", "MIN/WEEK", "FOLLOWERS", "ELASTICITY", "MIN/1K", "FOLL./HOUR"
            )
        } else {
            format!(
                "{:<18} {:>5} {:>9} {:>10}",
                "ACCOUNT", "WEEKS", "MIN/WEEK", "ELASTIC."
            )
        },
        theme.header(),
    )];
    for a in &data.effort.accounts {
        let el = a.elasticity.map_or("-".to_string(), |v| format!("{v:.2}"));
        lines.push(Line::raw(if wide {
            format!(
                "{:<24} {:>5} {:>9.1} {:>21}  {:>10} {:>9.1} {:>10.1}",
                fit(name(app, &a.id), 24),
                a.weeks,
                a.minutes_per_week,
                format!(
                    "{} → {}",
                    thousands(a.followers_first),
                    thousands(a.followers_last)
                ),
                el,
                a.minutes_per_1k_followers,
                a.followers_per_hour
            )
        } else {
            format!(
                "{:<18} {:>5} {:>9.1} {:>10}",
                fit(name(app, &a.id), 18),
                a.weeks,
                a.minutes_per_week,
                el
            )
        }));
    }
    f.render_widget(Paragraph::new(lines), area);
}
