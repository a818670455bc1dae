//! The Alerts view (`a`): what fired, newest first, with any failed delivery.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::app::App;
use super::theme::Theme;
use crate::text::clean;

pub fn render(f: &mut Frame, app: &App, area: Rect, theme: &Theme) {
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.dim())
        .title(Line::styled(" Alerts · newest first ", theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if app.alerts.is_empty() {
        f.render_widget(
            Paragraph::new("No alert has fired. Rules are [[alerts]] in the config.")
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let mut lines = Vec::new();
    for a in app.alerts.iter().take(inner.height as usize) {
        let at = crate::util::ts_ms(a.at_ms)
            .to_zoned_datetime(app.tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string();
        let style = if a.id > app.alerts_seen {
            theme.accent()
        } else {
            theme.dim()
        };
        let mut spans = vec![
            Span::styled(format!("{at}  "), theme.dim()),
            Span::styled(format!("{:<9} ", a.kind), style),
            Span::raw(clean(&a.message)),
        ];
        if let Some(e) = &a.delivery_error {
            spans.push(Span::styled(
                format!("  delivery failed: {}", clean(e)),
                theme.error(),
            ));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
