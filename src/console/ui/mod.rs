//! Drawing. `render` draws the whole screen from the State only; it never
//! changes anything, so the same state always gives the same frame.

pub mod accounts;
pub mod detail;
pub mod dialog;
pub mod form;
pub mod help;
pub mod layout;
pub mod status;
pub mod table;
pub mod theme;
pub mod users;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::state::{Modal, State};

pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    if layout::too_small(area.width, area.height) {
        // The quit key as the config has it (it may be remapped).
        let quit = state
            .keymap
            .label(super::keys::Scope::Global, super::keys::Command::Quit)
            .unwrap_or("ctrl-c");
        let msg = format!(
            "chime-admin needs at least {}×{}; this terminal is {}×{}. Make it larger, or press {quit} to quit.",
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT,
            area.width,
            area.height
        );
        frame.render_widget(
            Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let a = layout::areas(area, state.users.is_some(), state.focus, state.zoomed);
    status::title(state, frame, a.title);
    if let Some(r) = a.accounts {
        accounts::render(state, frame, r);
    }
    if let (Some(r), Some(v)) = (a.users, &state.users) {
        users::render(state, v, frame, r);
    }
    if let Some(r) = a.detail {
        detail::render(state, frame, r);
    }
    status::status(state, frame, a.status);
    status::footer(state, frame, a.footer);
    match state.modals.last() {
        Some(Modal::Help { scroll }) => help::render(state, *scroll, frame, area),
        Some(Modal::Error(e)) => dialog::error(state, e, frame, area),
        Some(Modal::ConfirmQuit) => dialog::confirm_quit(state, frame, area),
        Some(Modal::Form(f)) => form::render_form(state, f, frame, area),
        Some(Modal::Preview(p)) => form::render_preview(state, p, frame, area),
        Some(Modal::Prompt(p)) => dialog::prompt(state, p, frame, area),
        Some(Modal::Settings(f)) => dialog::settings(state, f, frame, area),
        Some(Modal::Pin { email, pin }) => dialog::pin(state, email, pin.expose(), frame, area),
        None => {}
    }
}

/// A column of a table: header, width, and how important it is (0 = always shown).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
    /// Grows to take the space left over.
    pub flex: bool,
    pub priority: u8,
}

/// The columns that fit in `width` and their constraints: columns are taken
/// in order of importance while they fit (a narrow, less important column
/// still shows when a wider one does not fit). Returns the indices of the
/// kept columns, in table order.
pub fn fit_columns(cols: &[Column], width: u16) -> (Vec<usize>, Vec<Constraint>) {
    let mut by_priority: Vec<usize> = (0..cols.len()).collect();
    by_priority.sort_by_key(|&i| (cols[i].priority, i));
    let mut kept: Vec<usize> = Vec::new();
    let mut used: u16 = 0;
    for i in by_priority {
        let gap = u16::from(!kept.is_empty());
        let need = used.saturating_add(gap).saturating_add(cols[i].width);
        if cols[i].priority == 0 || need <= width {
            kept.push(i);
            used = need;
        }
    }
    kept.sort_unstable();
    let constraints = kept
        .iter()
        .map(|&i| {
            if cols[i].flex {
                Constraint::Min(cols[i].width)
            } else {
                Constraint::Length(cols[i].width)
            }
        })
        .collect();
    (kept, constraints)
}

/// A one-line message centred in a pane (empty, loading).
pub fn centered_line(frame: &mut Frame, area: Rect, line: Line) {
    if area.height == 0 {
        return;
    }
    let y = area.y + area.height / 2;
    frame.render_widget(
        Paragraph::new(line).alignment(ratatui::layout::Alignment::Center),
        Rect::new(area.x, y, area.width, 1),
    );
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
