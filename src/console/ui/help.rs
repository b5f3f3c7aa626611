//! The `?` overlay: every key from the registry, grouped, without the ones
//! read-only mode hides. The key column is as wide as the longest key label
//! shown (bounded, longer labels end in `…`); descriptions wrap under
//! themselves.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::area::centered;
use crate::console::command::Command;
use crate::console::help::{self, HelpLine};
use crate::console::keys::{self, Scope};
use crate::console::state::State;

/// Where the overlay goes in a terminal of this size: between the title bar
/// and the status line, so the status and the footer stay readable.
fn overlay(area: Rect) -> Rect {
    let body = Rect::new(
        area.x,
        area.y + 1.min(area.height),
        area.width,
        area.height.saturating_sub(3),
    );
    centered(body, help::WIDTH, body.height)
}

pub fn render(state: &State, scroll: u16, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let r = overlay(area);
    let lines = lines(state, usize::from(r.width.saturating_sub(2)));
    let title = if state.read_only {
        " Keys (read-only) "
    } else {
        " Keys "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(true))
        .title(Span::styled(title, th.title()))
        .title_bottom(Line::styled(footer(state), th.dim()));
    let max_scroll = (lines.len() as u16).saturating_sub(r.height.saturating_sub(2));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(max_scroll), 0)),
        r,
    );
}

/// The overlay's own hint line, with the keys in effect (or the search).
fn footer(state: &State) -> String {
    let search = &state.help_search;
    if search.is_active() {
        let hint = if search.editing {
            "enter keep"
        } else {
            "/ edit"
        };
        return format!(
            " /{} · {hint} · esc clear ",
            crate::text::visible(search.text())
        );
    }
    let label = |c| state.keymap.label(Scope::Help, c).unwrap_or("?");
    format!(
        " {}/{} pgup/pgdn scroll · {} search · {} close ",
        label(Command::Up),
        label(Command::Down),
        label(Command::Filter),
        label(Command::Back)
    )
}

/// The overlay's lines for an inner width, styled.
fn lines(state: &State, inner: usize) -> Vec<Line<'static>> {
    let th = &state.theme;
    help::lines(state, inner)
        .into_iter()
        .map(|l| match l {
            HelpLine::Title(scope) => Line::styled(keys::scope_title(scope), th.header()),
            HelpLine::Blank => Line::raw(""),
            HelpLine::Key(key, text) => {
                Line::from(vec![Span::styled(key, th.key()), Span::raw(text)])
            }
            HelpLine::More(lead, text) => Line::from(vec![Span::raw(lead), Span::raw(text)]),
        })
        .collect()
}
