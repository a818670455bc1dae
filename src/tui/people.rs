//! The People view (`Tab`): who followed and who left the selected account
//! over the last 30 days, newest first, with the 7- and 30-day sums; the
//! followers with the most followers of their own are marked `★`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::App;
use super::data::People;
use super::theme::Theme;
use crate::text::clean;

/// How many of the shown changes are marked notable, at most.
pub const NOTABLE: usize = 3;

/// The ids of the events to mark: the [`NOTABLE`] people with the most
/// followers (and at least one), among those shown.
pub fn notable(p: &People) -> Vec<i64> {
    let mut known: Vec<(i64, i64)> = p
        .events
        .iter()
        .filter_map(|e| e.who.followers.filter(|n| *n > 0).map(|n| (n, e.id)))
        .collect();
    known.sort_by(|a, b| b.cmp(a));
    known.into_iter().take(NOTABLE).map(|(_, id)| id).collect()
}

fn sums(v: Option<(i64, i64)>) -> String {
    v.map_or("–".into(), |(g, l)| format!("+{g} −{l}"))
}

pub fn render(f: &mut Frame, app: &App, area: Rect, theme: &Theme) {
    let name = app
        .selected_row()
        .map_or(String::new(), |r| clean(r.name()));
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.dim())
        .title(Line::styled(
            format!(" People · {name} · newest first "),
            theme.title(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(p) = app
        .detail
        .as_ref()
        .filter(|d| app.selected_id().as_deref() == Some(d.id.as_str()))
        .map(|d| &d.people)
    else {
        f.render_widget(Paragraph::new("Reading…").style(theme.dim()), inner);
        return;
    };
    let mut lines = Vec::new();
    if !p.listed {
        lines.push(Line::styled(
            "Its follower list is not read (Mastodon, Bluesky, GitHub users and Misskey publish one; followers_list = false turns it off).",
            theme.dim(),
        ));
    }
    lines.push(Line::from(vec![
        Span::styled("7 days ", theme.dim()),
        Span::raw(sums(p.week)),
        Span::styled("   30 days ", theme.dim()),
        Span::raw(sums(p.month)),
    ]));
    if let Some(state) = &p.state {
        lines.push(Line::styled(clean(state), theme.dim()));
    }
    if p.events.is_empty() {
        lines.push(Line::styled(
            if p.week.is_some() {
                "No one followed or left in the last 30 days."
            } else {
                "No list read yet: changes show after the second complete read."
            },
            theme.dim(),
        ));
    }
    let marked = notable(p);
    let room = (inner.height as usize).saturating_sub(lines.len());
    for e in p.events.iter().take(room) {
        let at = crate::util::ts_ms(e.at_ms)
            .to_zoned_datetime(app.tz.clone())
            .strftime("%m-%d %H:%M")
            .to_string();
        let (sign, style) = if e.kind == "followed" {
            ("+", theme.up())
        } else {
            ("−", theme.down())
        };
        let star = if marked.contains(&e.id) { "★" } else { " " };
        let mut spans = vec![
            Span::styled(format!("{at}  "), theme.dim()),
            Span::styled(format!("{sign} "), style),
            Span::styled(star.to_string(), theme.accent()),
            Span::raw(format!(" {}", clean(&e.who.handle))),
        ];
        if let Some(n) = &e.who.name {
            spans.push(Span::styled(format!("  {}", clean(n)), theme.dim()));
        }
        if let Some(n) = e.who.followers {
            spans.push(Span::styled(
                format!("  {} followers", super::fmt::compact(n)),
                theme.dim(),
            ));
        }
        if let Some(r) = &e.reason {
            spans.push(Span::styled(format!("  ({})", clean(r)), style));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
