//! What every handler shares: the flash message and keeping both cursors
//! on screen at the current size.

use ratatui::layout::Rect;

use crate::console::layout;
use crate::console::state::{FLASH_TICKS, Flash, State};

pub(super) fn flash(state: &mut State, text: impl Into<String>) {
    let text = text.into();
    // Too long for the status line: a dialog shows it whole.
    if ratatui::text::Span::raw(text.as_str()).width() + 2 > state.width as usize {
        state
            .modals
            .push(crate::console::state::Modal::Message(text));
        return;
    }
    state.flash = Some(Flash {
        text,
        ticks_left: FLASH_TICKS,
        marks: false,
    });
}

/// `long` in the status line if it fits there, else `short` (which says
/// where the rest is shown whole, e.g. the filter line).
pub(super) fn flash_or(state: &mut State, long: String, short: String) {
    let fits = ratatui::text::Span::raw(long.as_str()).width() + 2 <= state.width as usize;
    flash(state, if fits { long } else { short });
}

/// "63 marked": a flash whose number is the marks' count, now and later.
pub(super) fn flash_marks(state: &mut State) {
    flash(state, "");
    if let Some(f) = &mut state.flash {
        f.marks = true;
    }
    sync_marks_flash(state);
}

/// A flash that counts the marks says the count the title shows.
pub(super) fn sync_marks_flash(state: &mut State) {
    let n = state.users.as_ref().map_or(0, |v| v.marks.len());
    if state.flash.as_ref().is_some_and(|f| f.marks) {
        if n == 0 {
            state.flash = None;
        } else if let Some(f) = &mut state.flash {
            f.text = format!("{} marked", crate::console::text::thousands(n));
        }
    }
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

/// The terminal's new size: the cursors stay on screen.
pub(super) fn resize(state: &mut State, width: u16, height: u16) {
    state.width = width;
    state.height = height;
    scroll(state);
}
