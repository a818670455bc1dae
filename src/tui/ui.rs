//! The frame: header, the current view, status line, and overlays.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::theme::Theme;
use super::view::View;
use super::{accounts, alerts, detail, effort, fmt, help, keys, people};
use crate::service::Role;
use crate::util::until;

/// Below this height the accounts view shows no detail panel.
/// The fewest rows the detail below the accounts table gets: a line of
/// facts and a chart of five.
const DETAIL_MIN_HEIGHT: u16 = 8;

pub fn draw(f: &mut Frame, app: &mut App) {
    let theme = Theme {
        color: app.color,
        light: app.light,
    };
    let [head, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(f.area());
    header(f, app, head, &theme);
    match app.view {
        // the selected account's detail below the table whenever the table
        // (up to half the height) leaves room for a chart
        View::Accounts
            if body.height
                >= (app.order.len() as u16 + 1).clamp(3, body.height / 2) + DETAIL_MIN_HEIGHT =>
        {
            let table_h = (app.order.len() as u16 + 1).clamp(3, body.height / 2);
            let [table, det] =
                Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(body);
            accounts::render(f, app, table, &theme);
            detail::render(f, app, det, &theme);
        }
        View::Accounts => accounts::render(f, app, body, &theme),
        View::Detail => detail::render(f, app, body, &theme),
        View::Effort => effort::render(f, app, body, &theme),
        View::People => people::render(f, app, body, &theme),
        View::Alerts => alerts::render(f, app, body, &theme),
    }
    status_line(f, app, status, &theme);
    if app.help {
        help::render(f, f.area(), &theme);
    }
}

/// The running timer: `0:42` in its first minute, then `25m`, `1h05m`.
pub fn timer_text(secs: i64) -> String {
    let secs = secs.max(0);
    match secs / 60 {
        0 => format!("0:{secs:02}"),
        m if m < 60 => format!("{m}m"),
        m => format!("{}h{:02}m", m / 60, m % 60),
    }
}

/// The tab bar: every view by name, the current one highlighted; on a
/// narrow pane only the current one.
fn tabs(app: &App, theme: &Theme, room: usize) -> Vec<(View, Span<'static>)> {
    // the Alerts view is not in the Tab cycle; while it shows, it has a tab
    let mut views: Vec<View> = View::ALL.to_vec();
    if !views.contains(&app.view) {
        views.push(app.view);
    }
    let full: usize = views.iter().map(|v| v.title().len() + 2).sum();
    if full <= room {
        views
            .iter()
            .map(|v| {
                let style = if *v == app.view {
                    theme.selected()
                } else {
                    theme.dim()
                };
                (*v, Span::styled(format!(" {} ", v.title()), style))
            })
            .collect()
    } else {
        vec![(
            app.view,
            Span::styled(format!(" {} ", app.view.title()), theme.selected()),
        )]
    }
}

/// The top line: name, the tab bar, then as many facts as fit, most important first.
fn header(f: &mut Frame, app: &App, area: Rect, theme: &Theme) {
    let narrow = area.width < 50;
    let mut spans = vec![Span::styled(
        if narrow { " st " } else { " socialtop " },
        theme.title(),
    )];
    let mut used = spans[0].content.chars().count();
    let mut spots = Vec::new();
    for (view, tab) in tabs(app, theme, (area.width as usize).saturating_sub(used + 2)) {
        let w = tab.content.chars().count();
        let x = area.x.saturating_add(used as u16);
        spots.push((x, x.saturating_add(w as u16), view));
        used += w;
        spans.push(tab);
    }
    *app.tab_spots.borrow_mut() = spots;
    spans.push(Span::raw(" "));
    used += 1;
    if app.demo {
        let badge = if area.width >= 100 {
            " DEMO · simulated data "
        } else {
            " DEMO "
        };
        if used + badge.chars().count() <= area.width as usize {
            spans.push(Span::styled(badge, theme.badge()));
            used += badge.chars().count();
        }
    }
    if let Some((id, started)) = &app.timer {
        let name = app
            .rows
            .iter()
            .find(|r| r.account.id == *id)
            .map_or(id.as_str(), |r| r.name());
        let ran = timer_text(app.now.as_second() - started);
        let room = (area.width as usize).saturating_sub(used + ran.len() + 5);
        let text = format!(" ⏱ {} {ran} ", accounts::fit(name, room.min(20)));
        used += text.chars().count();
        spans.push(Span::styled(text, theme.badge()));
    }
    let fresh = app.new_alerts();
    if fresh > 0 {
        let text = format!(
            " ⚑ {fresh} new alert{} (a) ",
            if fresh == 1 { "" } else { "s" }
        );
        used += text.chars().count();
        spans.push(Span::styled(text, theme.badge()));
    }
    let n = app.rows.len();
    let mut facts = vec![format!("{n} account{}", if n == 1 { "" } else { "s" })];
    if !app.filter.is_empty() {
        facts.push(format!("filter: {}", app.filter));
    }
    facts.push(match app.role {
        Role::Polling => "polls here".into(),
        Role::Watching => "watching (another socialtop polls)".into(),
        Role::Sharing => "polls its share (shared history)".into(),
        Role::Unreachable(_) => "not polling (the history cannot be written)".into(),
    });
    for (i, fact) in facts.iter().enumerate() {
        let text = if i == 0 {
            format!(" {fact}")
        } else {
            format!(" · {fact}")
        };
        if used + text.chars().count() > area.width as usize {
            break;
        }
        used += text.chars().count();
        spans.push(Span::styled(text, theme.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn status_line(f: &mut Frame, app: &App, area: Rect, theme: &Theme) {
    if let Some(input) = &app.filter_input {
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("/", theme.title()),
                Span::raw(input.clone()),
                Span::styled("█", theme.accent()),
                Span::styled("  Enter keeps · Esc clears", theme.dim()),
            ])),
            area,
        );
        return;
    }
    let mut spans: Vec<Span> = Vec::new();
    let sep = || Span::styled(" · ", theme.dim());
    if !app.polling.is_empty() {
        spans.push(Span::styled(
            format!("polling {}", app.polling.len()),
            theme.accent(),
        ));
        spans.push(sep());
    } else if matches!(app.role, Role::Polling | Role::Sharing)
        && let Some(t) = app.next_due
    {
        spans.push(Span::styled(
            format!("next poll {}", until(t, app.now)),
            theme.dim(),
        ));
        spans.push(sep());
    }
    let errors: Vec<&str> = app
        .rows
        .iter()
        .filter(|r| r.status.error.is_some())
        .map(|r| r.name())
        .collect();
    match errors.as_slice() {
        [] => {}
        // the name when there is room for it and the keys
        [one] if area.width >= 80 => {
            spans.push(Span::styled(format!("1 error: {one}"), theme.error()));
            spans.push(sep());
        }
        [_] => {
            spans.push(Span::styled("1 error", theme.error()));
            spans.push(sep());
        }
        many => {
            spans.push(Span::styled(
                format!("{} errors", many.len()),
                theme.error(),
            ));
            spans.push(sep());
        }
    }
    // a message takes the line (its paths shortened from the left), the
    // rest of the state follows if it fits
    let width = area.width as usize;
    if let Some(m) = &app.message {
        let m = fmt::fit_message(m, width);
        let mut line = vec![Span::styled(m.clone(), theme.accent())];
        let mut used = m.chars().count();
        if !spans.is_empty() {
            spans.insert(0, sep());
        }
        for s in spans {
            let n = s.content.chars().count();
            if used + n > width {
                break;
            }
            used += n;
            line.push(s);
        }
        if line.last().is_some_and(|s| s.content == " · ") {
            line.pop();
        }
        f.render_widget(Paragraph::new(Line::from(line)), area);
        return;
    }
    // what does not fit whole goes
    let mut used = 0;
    let mut fitted = Vec::new();
    for s in spans {
        let n = s.content.chars().count();
        if used + n > width {
            break;
        }
        used += n;
        fitted.push(s);
    }
    let mut spans = fitted;
    let keys = key_bar(app, theme, width.saturating_sub(used));
    if keys.is_empty() && spans.last().is_some_and(|s| s.content == " · ") {
        spans.pop();
    }
    spans.extend(keys);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The keys of the current view, as many as fit in `room`; help and quit
/// are kept to the last.
fn key_bar(app: &App, theme: &Theme, room: usize) -> Vec<Span<'static>> {
    let mut entries = keys::bar(app.view);
    let width = |e: &[(String, &str)]| -> usize {
        e.iter()
            .map(|(k, w)| k.chars().count() + w.len() + 1)
            .sum::<usize>()
            + 2 * e.len().saturating_sub(1)
    };
    // drop from the end of the view's own keys, keeping `? help` and `q
    // quit`; once any is dropped, `?` says there is more
    let all = entries.len();
    while entries.len() > 2 && width(&entries) > room {
        let at = entries.len() - 3;
        entries.remove(at);
    }
    if width(&entries) > room {
        entries.retain(|e| e.1 == "help");
    }
    if entries.len() < all {
        for e in &mut entries {
            if e.1 == "help" {
                e.1 = "more";
            }
        }
    }
    if width(&entries) > room {
        entries.clear();
    }
    let mut spans = Vec::new();
    for (i, (k, w)) in entries.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(k, theme.title()));
        spans.push(Span::styled(format!(" {w}"), theme.dim()));
    }
    spans
}
