//! The Effort view: does a bigger audience take more of your time?
//! A scatter of every account-week (ln followers against ln minutes, one colour
//! per account), the fitted common slope through each account's own mean (the
//! fixed-effects model), the verdict in one sentence, the claim and the margin
//! in words, a legend with markers (colour is not needed to tell accounts
//! apart), and the per-account table sized to the pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Wrap};

use super::accounts::fit;
use super::app::App;
use super::theme::Theme;
use crate::effort::{Point, Verdict};
use crate::util::thousands;

/// Without colour, accounts differ by their marker: a letter each (a–z,
/// then 0–9), which the legend shows.
const LETTERS: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The `i`th account's marker and the glyph its legend shows.
fn marker(i: usize, theme: &Theme) -> (Marker, char) {
    if theme.color {
        (Marker::Braille, '■')
    } else {
        let c = char::from(LETTERS[i % LETTERS.len()]);
        (Marker::Custom(c), c)
    }
}

/// `b` as "x% more time per doubling" reads it.
fn per_doubling(b: f64) -> String {
    let p = (2f64.powf(b) - 1.0) * 100.0;
    format!("{p:+.0}%")
}

/// The claim, the margin and what the verdict means, in words.
fn explanation(e: &crate::effort::Effort) -> Vec<String> {
    let claim = format!(
        "Claim: {}: doubling it adds at most {} time (margin: elasticity {:.2}).",
        crate::effort::CLAIM,
        per_doubling(e.margin),
        e.margin
    );
    let verdict = match e.verdict {
        Verdict::Holds => "Holds: even the top of the 95% interval is within the margin.".to_string(),
        Verdict::Refuted => {
            "Refuted: even the bottom of the 95% interval is above the margin; more audience took more time.".to_string()
        }
        Verdict::Inconclusive => {
            "Inconclusive: the 95% interval reaches both sides of the margin; more weeks will tell.".to_string()
        }
        Verdict::InsufficientData => format!(
            "No verdict yet: it needs {} calendar weeks of data, {} weeks with fresh counts per account, and weeks that settle it (the sentence says which is missing).",
            crate::effort::min_calendar_weeks(),
            crate::effort::MIN_POINTS,
        ),
    };
    vec![
        claim,
        verdict,
        crate::effort::EXPLANATION[0].into(),
        format!(
            "{} MIN/1K: weekly minutes per 1,000 followers.",
            crate::effort::EXPLANATION[1]
        ),
    ]
}

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
    let mut text = vec![Line::styled(
        e.sentence.clone(),
        verdict_style(e.verdict, theme),
    )];
    text.extend(
        explanation(e)
            .into_iter()
            .map(|l| Line::styled(l, theme.dim())),
    );
    // the explanation goes first when the pane is short
    let keep = if inner.height >= 24 {
        4
    } else if inner.height >= 16 {
        2
    } else {
        1
    };
    text.truncate(keep);
    let w = inner.width.max(1) as usize;
    let sentence_h = text
        .iter()
        .map(|l| (l.width().div_ceil(w)).max(1) as u16)
        .sum::<u16>()
        .min(inner.height);
    let sentence = Paragraph::new(text).wrap(Wrap { trim: true });
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
    if chart_area.height >= 6 {
        let mut legend = legend(app, &data.points, theme, chart_area.width as usize);
        legend.truncate((chart_area.height as usize / 3).max(1));
        let [legend_area, chart_area] =
            Layout::vertical([Constraint::Length(legend.len() as u16), Constraint::Min(0)])
                .areas(chart_area);
        f.render_widget(Paragraph::new(legend), legend_area);
        scatter(f, &data.points, e.elasticity, chart_area, theme);
    }
    table(f, app, table_area, theme);
}

/// One entry per account with points (its marker in its colour, its name),
/// packed into lines of `width`.
fn legend(
    app: &App,
    points: &[(String, Vec<Point>)],
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let mut entries: Vec<Vec<Span<'static>>> = Vec::new();
    for (i, (id, _)) in points.iter().filter(|(_, p)| !p.is_empty()).enumerate() {
        let style = if theme.color {
            theme.series(i)
        } else {
            Style::new()
        };
        entries.push(vec![
            Span::styled(format!("{} ", marker(i, theme).1), style),
            Span::raw(fit(name(app, id), 24)),
        ]);
    }
    entries.push(vec![Span::styled("── fitted slope", theme.dim())]);
    let mut lines: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    for e in entries {
        let w: usize = e.iter().map(|s| s.content.chars().count()).sum();
        if used > 0 && used + 3 + w > width {
            lines.push(Vec::new());
            used = 0;
        }
        if let Some(line) = lines.last_mut() {
            if used > 0 {
                line.push(Span::raw("   "));
                used += 3;
            }
            line.extend(e);
            used += w;
        }
    }
    lines.into_iter().map(Line::from).collect()
}

fn scatter(
    f: &mut Frame,
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
    for (i, (_, pts)) in series.iter().enumerate() {
        let style = if theme.color {
            theme.series(i)
        } else {
            Style::new()
        };
        datasets.push(
            Dataset::default()
                .marker(marker(i, theme).0)
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
        .legend_position(None)
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

/// The table's columns after the name, by priority: (title, width).
const COLUMNS: [(&str, usize); 6] = [
    ("WEEKS", 5),
    ("MIN/WEEK", 8),
    ("ELASTICITY", 10),
    ("MIN/1K", 7),
    ("FOLLOWERS", 17),
    ("FOLL./HOUR", 10),
];

fn table(f: &mut Frame, app: &App, area: Rect, theme: &Theme) {
    let Some(data) = &app.effort else { return };
    // the filter (`/`) applies here too
    let accounts: Vec<_> = data
        .effort
        .accounts
        .iter()
        .filter(|a| app.passes_filter(&a.id))
        .collect();
    let width = area.width as usize;
    let name_full = accounts
        .iter()
        .map(|a| name(app, &a.id).chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    // the name at 12 at least, then columns by priority, then the name whole
    let name_min = name_full.min(12.max(width / 5));
    let mut shown = Vec::new();
    let mut used = name_min;
    for (i, &(title, w)) in COLUMNS.iter().enumerate() {
        // ELASTIC. when ELASTICITY would not fit
        let w = if i == 2 && used + 11 > width { 8 } else { w };
        if used + 1 + w <= width {
            used += 1 + w;
            shown.push((i, if w == 8 && i == 2 { "ELASTIC." } else { title }, w));
        }
    }
    let name_w = (name_min + width.saturating_sub(used)).min(name_full.max(name_min));
    let cell = |i: usize, a: &crate::effort::AccountEffort, w: usize| -> String {
        match i {
            0 => a.weeks.to_string(),
            1 => format!("{:.0}", a.minutes_per_week),
            2 => a.elasticity.map_or("-".to_string(), |v| format!("{v:.2}")),
            3 => format!("{:.1}", a.minutes_per_1k_followers),
            4 => {
                let full = format!(
                    "{} → {}",
                    thousands(a.followers_first),
                    thousands(a.followers_last)
                );
                if full.chars().count() <= w {
                    full
                } else {
                    format!(
                        "{} → {}",
                        super::fmt::compact(a.followers_first),
                        super::fmt::compact(a.followers_last)
                    )
                }
            }
            _ => format!("{:.1}", a.followers_per_hour),
        }
    };
    let mut head = format!("{:<name_w$}", "ACCOUNT");
    for &(_, title, w) in &shown {
        head.push_str(&format!(" {title:>w$}"));
    }
    let mut lines = vec![Line::styled(head, theme.header())];
    for a in accounts {
        let mut line = format!("{:<name_w$}", fit(name(app, &a.id), name_w));
        for &(i, _, w) in &shown {
            line.push_str(&format!(" {:>w$}", cell(i, a, w)));
        }
        lines.push(Line::raw(line));
    }
    f.render_widget(Paragraph::new(lines), area);
}
