//! The accounts pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::table::{Column, ListPane};
use crate::console::state::{Pane, State};
use crate::console::text::thousands;
use crate::console::theme::{GLYPH_BAD, GLYPH_OK, SPINNER};
use crate::model::{Account, AccountStatus};
use crate::text::visible;

/// The accounts table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccountCol {
    Name,
    Type,
    License,
    Status,
    Users,
}

#[rustfmt::skip]
const COLUMNS: &[Column<AccountCol>] = &[
    Column { key: AccountCol::Name, title: "Name", width: 14, flex: true, priority: 0 },
    Column { key: AccountCol::Type, title: "Type", width: 19, flex: false, priority: 3 },
    Column { key: AccountCol::License, title: "License", width: 7, flex: false, priority: 2 },
    Column { key: AccountCol::Status, title: "Status", width: 11, flex: false, priority: 4 },
    Column { key: AccountCol::Users, title: "Users", width: 6, flex: false, priority: 1 },
];

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let focused = state.focus == Pane::Accounts;
    let view = &state.accounts;
    // The Users column takes room only once some account's count is known.
    let counted = !state.user_counts.is_empty() || state.users.is_some();
    let cols: Vec<Column<AccountCol>> = COLUMNS
        .iter()
        .filter(|c| counted || c.key != AccountCol::Users)
        .copied()
        .collect();
    let pane = ListPane {
        list: &view.list,
        columns: &cols,
        title: vec![Span::styled(" Accounts ", th.title())],
        busy: view.loading,
        focused,
        filter: &view.filter,
        problem: None,
        sorted: None,
    };
    pane.render(
        state,
        frame,
        area,
        |a, col| cell(state, a, col),
        || {
            if view.loading {
                format!(
                    "{} loading accounts…",
                    SPINNER[state.spinner % SPINNER.len()]
                )
            } else if !view.list.is_empty() {
                format!(
                    "no account name contains \"{}\"",
                    crate::text::visible(view.filter.text())
                )
            } else if view.loaded {
                "no accounts".to_string()
            } else {
                "accounts not loaded: ctrl-r to retry".to_string()
            }
        },
    );
}

fn cell<'a>(state: &State, a: &'a Account, col: AccountCol) -> Span<'a> {
    let th = &state.theme;
    match col {
        AccountCol::Name => Span::raw(visible(&a.name)),
        AccountCol::Type => Span::raw(a.account_type.as_ref().map(|t| t.as_str()).unwrap_or("")),
        AccountCol::License => {
            Span::raw(a.default_license.as_ref().map(|t| t.as_str()).unwrap_or(""))
        }
        AccountCol::Status => match &a.account_status {
            Some(AccountStatus::Active) => Span::styled(format!("{GLYPH_OK} Active"), th.ok()),
            Some(AccountStatus::Suspended) => {
                Span::styled(format!("{GLYPH_BAD} Suspended"), th.bad())
            }
            Some(other) => Span::raw(other.as_str()),
            None => Span::raw(""),
        },
        AccountCol::Users => Span::raw(match state.user_counts.get(&a.account_id) {
            Some(n) => thousands(*n),
            // The open account's pages are still loading: what is here so far.
            None => state
                .users
                .as_ref()
                .filter(|v| v.account.account_id == a.account_id && !v.list.is_empty())
                .map(|v| format!("{}+", thousands(v.list.len())))
                .unwrap_or_default(),
        }),
    }
}
