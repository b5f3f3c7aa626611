//! The accounts pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Row, Table};

use super::theme::{GLYPH_BAD, GLYPH_OK, SPINNER};
use super::{Column, centered_line, fit_columns};
use crate::console::state::{Pane, State};
use crate::console::update::thousands;
use crate::model::{Account, AccountStatus};

#[rustfmt::skip]
const COLUMNS: &[Column] = &[
    Column { title: "Name", width: 14, flex: true, priority: 0 },
    Column { title: "Type", width: 19, flex: false, priority: 3 },
    Column { title: "License", width: 7, flex: false, priority: 2 },
    Column { title: "Status", width: 11, flex: false, priority: 4 },
    Column { title: "Users", width: 6, flex: false, priority: 1 },
];

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let focused = state.focus == Pane::Accounts;
    let view = &state.accounts;
    let mut title = vec![Span::styled(" Accounts ", th.title())];
    if view.loading {
        title.push(Span::raw(format!(
            "{} ",
            SPINNER[state.spinner % SPINNER.len()]
        )));
    }
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(focused))
        .title(Line::from(title));
    if view.filter.is_active() {
        block = block.title_bottom(super::users::filter_line(state, &view.filter, focused));
    }
    let inner = block.inner(area);
    let rows_h = inner.height.saturating_sub(1) as usize;
    let list = &view.list;

    let (kept, widths) = fit_columns(COLUMNS, inner.width);
    let header = Row::new(kept.iter().map(|&i| COLUMNS[i].title)).style(th.header());
    let rows = list.visible()[list.offset.min(list.visible_len())..]
        .iter()
        .take(rows_h)
        .enumerate()
        .map(|(k, &i)| {
            let a = &list.items()[i];
            let row = Row::new(kept.iter().map(|&c| cell(state, a, c)));
            if list.offset + k == list.cursor {
                row.style(th.selected(focused))
            } else {
                row
            }
        });
    let table = Table::new(rows, widths).header(header).block(block);
    frame.render_widget(table, area);

    let body = Rect::new(
        inner.x,
        inner.y + 1,
        inner.width,
        inner.height.saturating_sub(1),
    );
    if list.visible_len() == 0 {
        let msg = if view.loading {
            format!(
                "{} loading accounts…",
                SPINNER[state.spinner % SPINNER.len()]
            )
        } else if !list.is_empty() {
            format!("no account name contains {:?}", view.filter.text())
        } else if view.loaded {
            "no accounts".to_string()
        } else {
            "accounts not loaded: ctrl-r to retry".to_string()
        };
        centered_line(frame, body, Line::styled(msg, th.dim()));
    }
    super::users::filter_cursor(frame, area, &view.filter, focused);
}

fn cell<'a>(state: &'a State, a: &'a Account, col: usize) -> Span<'a> {
    let th = &state.theme;
    match COLUMNS[col].title {
        "Name" => Span::raw(a.name.as_str()),
        "Type" => Span::raw(a.account_type.as_ref().map(|t| t.as_str()).unwrap_or("")),
        "License" => Span::raw(a.default_license.as_ref().map(|t| t.as_str()).unwrap_or("")),
        "Status" => match &a.account_status {
            Some(AccountStatus::Active) => Span::styled(format!("{GLYPH_OK} Active"), th.ok()),
            Some(AccountStatus::Suspended) => {
                Span::styled(format!("{GLYPH_BAD} Suspended"), th.bad())
            }
            Some(other) => Span::raw(other.as_str()),
            None => Span::raw(""),
        },
        "Users" => Span::raw(
            state
                .user_counts
                .get(&a.account_id)
                .map(|n| thousands(*n))
                .unwrap_or_default(),
        ),
        _ => Span::raw(""),
    }
}
