//! What every handler shares: the flash message and keeping both cursors
//! on screen at the current size.

use ratatui::layout::Rect;

use crate::console::layout;
use crate::console::state::{FLASH_TICKS, Flash, State};

pub(super) fn flash(state: &mut State, text: impl Into<String>) {
    state.flash = Some(Flash {
        text: text.into(),
        ticks_left: FLASH_TICKS,
    });
}

/// Rows of a page in the accounts and users panes at the current size.
pub(super) fn page_rows(state: &State) -> (usize, usize) {
    let a = layout::areas(
        Rect::new(0, 0, state.width, state.height),
        state.users.is_some(),
        state.focus,
        state.zoomed,
    );
    (layout::list_rows(a.accounts), layout::list_rows(a.users))
}

/// Keeps both cursors on screen.
pub(super) fn scroll(state: &mut State) {
    let (acc_rows, user_rows) = page_rows(state);
    state.accounts.list.scroll_into_view(acc_rows);
    if let Some(v) = &mut state.users {
        v.list.scroll_into_view(user_rows);
    }
}
