//! Drawing. `render` draws the whole screen from the State only; it never
//! changes anything, so the same state always gives the same frame.

pub mod accounts;
pub mod area;
pub mod detail;
pub mod dialog;
pub mod form;
pub mod help;
pub mod history;
pub mod status;
pub mod table;
pub mod text;
pub mod users;

use ratatui::Frame;
use ratatui::widgets::Paragraph;

use super::layout;
use super::state::{Modal, State};

pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    if layout::too_small(area.width, area.height) {
        // The quit key as the config has it (it may be remapped).
        let quit = state
            .keymap
            .label(super::keys::Scope::Global, super::command::Command::Quit)
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
        Some(Modal::Message(text)) => dialog::message(state, text, frame, area),
        Some(Modal::Form(f)) => form::render_form(state, f, frame, area),
        Some(Modal::Preview(p)) => form::render_preview(state, p, frame, area),
        Some(Modal::History(h)) => history::render(state, h, frame, area),
        Some(Modal::Planning {
            users,
            picked,
            what,
            account_name,
            ..
        }) => form::render_planning(state, (*users, picked, what, account_name), frame, area),
        Some(Modal::Prompt(p)) => dialog::prompt(state, p, frame, area),
        Some(Modal::Settings(f)) => dialog::settings(state, f, frame, area),
        Some(Modal::Pin { email, pin }) => dialog::pin(state, email, pin.expose(), frame, area),
        None => {}
    }
}
