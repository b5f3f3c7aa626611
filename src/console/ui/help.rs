//! The `?` overlay: every key from the registry, grouped, without the ones
//! read-only mode hides.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use crate::console::keys::{self, Scope};
use crate::console::state::State;

pub fn render(state: &State, scroll: u16, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let mut lines = Vec::new();
    let mut last: Option<Scope> = None;
    for (scope, b) in state.keymap.help_entries(state.read_only) {
        if last != Some(scope) {
            if last.is_some() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(keys::scope_title(scope), th.header()));
            last = Some(scope);
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<10}", b.label), th.key()),
            Span::raw(b.description),
        ]));
        // The command line's commands follow its keys.
        if scope == Scope::CommandLine && b.command == keys::Command::ForceQuit {
            for (name, what) in crate::console::cmdline::COMMANDS {
                lines.push(Line::from(vec![
                    Span::styled(format!("  :{name:<9}"), th.key()),
                    Span::raw(*what),
                ]));
            }
        }
    }
    let r = centered(area, 72, area.height.saturating_sub(2));
    let title = if state.read_only {
        " Keys (read-only) "
    } else {
        " Keys "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(true))
        .title(Span::styled(title, th.title()))
        .title_bottom(Line::styled(" ↑/↓ scroll · esc close ", th.dim()));
    let max_scroll = (lines.len() as u16).saturating_sub(r.height.saturating_sub(2));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(max_scroll), 0)),
        r,
    );
}
