//! Where each pane goes for a screen size. Pure: `update` uses it to know how
//! many rows a page is, `ui` to draw.

use ratatui::layout::Rect;

use crate::console::state::Pane;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// From this width the accounts pane stays beside the users pane.
pub const WIDE: u16 = 100;
pub const ACCOUNTS_WIDTH: u16 = 34;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub title: Rect,
    pub accounts: Option<Rect>,
    pub users: Option<Rect>,
    pub detail: Option<Rect>,
    pub status: Rect,
    pub footer: Rect,
}

pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// The panes' places. `zoom` (`z`) gives the focused list the whole width,
/// as a narrow screen does.
pub fn areas(area: Rect, users_open: bool, focus: Pane, zoom: bool) -> Areas {
    let (x, y, w, h) = (area.x, area.y, area.width, area.height);
    let title = Rect::new(x, y, w, 1.min(h));
    let footer = Rect::new(x, y + h.saturating_sub(1), w, 1.min(h));
    let status = Rect::new(x, y + h.saturating_sub(2), w, 1.min(h));
    let body = Rect::new(x, y + 1, w, h.saturating_sub(3));

    let detail_h = if focus == Pane::Detail {
        body.height * 3 / 5
    } else if body.height >= 30 {
        12
    } else if body.height >= 18 {
        7
    } else {
        5
    };
    // Splits a column into (list above, detail below).
    let split = |r: Rect| -> (Rect, Rect) {
        let dh = detail_h.min(r.height.saturating_sub(4));
        let top = Rect::new(r.x, r.y, r.width, r.height - dh);
        let bottom = Rect::new(r.x, r.y + top.height, r.width, dh);
        (top, bottom)
    };

    let (accounts, users, detail) = if !users_open {
        let (top, bottom) = split(body);
        (Some(top), None, Some(bottom))
    } else if w >= WIDE && !zoom {
        let left = Rect::new(body.x, body.y, ACCOUNTS_WIDTH, body.height);
        let right = Rect::new(
            body.x + ACCOUNTS_WIDTH,
            body.y,
            w - ACCOUNTS_WIDTH,
            body.height,
        );
        let (top, bottom) = split(right);
        (Some(left), Some(top), Some(bottom))
    } else if focus == Pane::Accounts {
        let (top, bottom) = split(body);
        (Some(top), None, Some(bottom))
    } else {
        let (top, bottom) = split(body);
        (None, Some(top), Some(bottom))
    };
    Areas {
        title,
        accounts,
        users,
        detail,
        status,
        footer,
    }
}

/// Rows of data a list pane shows (inside its border, below its header).
pub fn list_rows(pane: Option<Rect>) -> usize {
    pane.map(|r| r.height.saturating_sub(3) as usize)
        .unwrap_or(1)
        .max(1)
}
