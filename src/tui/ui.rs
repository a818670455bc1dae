//! The frame: header, the current view, status line, and overlays.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Role, View};
use super::theme::Theme;
use super::{accounts, alerts, detail, effort, help};
use crate::util::until;

/// Below this height the accounts view shows no detail panel.
const SPLIT_MIN_HEIGHT: u16 = 20;

pub fn draw(f: &mut Frame, app: &mut App) {
    let theme = Theme { color: app.color };
    let [head, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(f.area());
    header(f, app, head, &theme);
    match app.view {
        View::Accounts if body.height >= SPLIT_MIN_HEIGHT => {
            let table_h = (app.order.len() as u16 + 1).clamp(3, body.height / 2);
            let [table, det] =
                Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(body);
            accounts::render(f, app, table, &theme);
            detail::render(f, app, det, &theme);
        }
        View::Accounts => accounts::render(f, app, body, &theme),
        View::Detail => detail::render(f, app, body, &theme),
        View::Effort => effort::render(f, app, body, &theme),
        View::Alerts => alerts::render(f, app, body, &theme),
    }
    status_line(f, app, status, &theme);
    if app.help {
        help::render(f, f.area(), &theme);
    }
}

/// The top line: name, then as many facts as fit, most important first.
fn header(f: &mut Frame, app: &App, area: Rect, theme: &Theme) {
    let mut spans = vec![Span::styled(" socialtop ", theme.title())];
    let mut used = 11;
    if app.demo {
        let badge = if area.width >= 80 {
            " DEMO · simulated data "
        } else {
            " DEMO "
        };
        spans.push(Span::styled(badge, theme.badge()));
        used += badge.chars().count();
    }
    if let Some((id, started)) = &app.timer {
        let name = app
            .rows
            .iter()
            .find(|r| r.account.id == *id)
            .map_or(id.as_str(), |r| r.name());
        let mins = (app.now.as_second() - started).max(0) / 60;
        let text = format!(" ⏱ {} {}m ", accounts::fit(name, 20), mins);
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
        Role::Polling => "polling".into(),
        Role::Watching => "watching (another socialtop polls)".into(),
    });
    facts.push(format!("view: {}", app.view.title()));
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
    if let Some(m) = &app.message {
        spans.push(Span::styled(m.clone(), theme.accent()));
        spans.push(sep());
    }
    if !app.polling.is_empty() {
        spans.push(Span::styled(
            format!("polling {}", app.polling.len()),
            theme.accent(),
        ));
        spans.push(sep());
    } else if app.role == Role::Polling
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
        .map(|r| r.account.id.as_str())
        .collect();
    match errors.as_slice() {
        [] => {}
        [one] => {
            spans.push(Span::styled(format!("1 error: {one}"), theme.error()));
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
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let hint = if used + 15 <= area.width as usize {
        "? help · q quit"
    } else {
        "? help"
    };
    spans.push(Span::styled(hint, theme.dim()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
