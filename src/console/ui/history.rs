//! The history of changes (`H`, `:history`): the audit log's changes,
//! newest first, with what changed and how it ended; `enter` shows the
//! selected change's per-user results, `u` opens its undo's preview.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::area::centered;
use crate::console::state::{HistoryView, State};
use crate::console::text::thousands;
use crate::text::visible;

pub fn render(state: &State, h: &HistoryView, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let w = area.width.saturating_sub(2);
    let height = area.height.saturating_sub(2);
    let r = centered(area, w, height);
    let rows = height.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let records = &h.history.records;
    if h.loading.is_some() {
        lines.push(Line::raw("Reading the audit log…"));
    } else if records.is_empty() {
        lines.push(Line::raw("No change in the audit log yet."));
    }
    // The list: as many as fit above the selected change's results.
    let list_rows = if h.open { (rows / 3).max(3) } else { rows };
    let first = h.selected.saturating_sub(list_rows.saturating_sub(1));
    for (i, rec) in records.iter().enumerate().skip(first).take(list_rows) {
        let counts = rec
            .counts()
            .iter()
            .map(|(k, n)| format!("{} {}", thousands(*n), visible(k)))
            .collect::<Vec<_>>()
            .join(", ");
        let mut what = rec.summary().join("; ");
        if let Some(u) = &rec.undoes {
            what = format!("undo of {u}: {what}");
        }
        let time = rec.time.get(..19).unwrap_or(&rec.time).replace('T', " ");
        // The counts before what changed: a narrow pane cuts the words, not
        // how it ended.
        let text = format!(
            "{} {} {} {} · {} · {}",
            if i == h.selected { "▶" } else { " " },
            visible(&rec.change_id),
            visible(&time),
            counts,
            visible(&rec.operation),
            visible(&what),
        );
        let style = if i == h.selected {
            th.selected(true)
        } else {
            th.normal()
        };
        lines.push(Line::styled(text, style));
    }
    if h.open
        && let Some(rec) = records.get(h.selected)
    {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(
                "change {} in account {}: {} users",
                visible(&rec.change_id),
                visible(&rec.account_id),
                thousands(rec.users.len())
            ),
            th.header(),
        ));
        let room = rows.saturating_sub(lines.len());
        for u in rec.users.iter().take(room) {
            let fields = u
                .fields
                .iter()
                .map(|f| format!("{} {} → {}", f.field, visible(&f.from), visible(&f.to)))
                .collect::<Vec<_>>()
                .join(", ");
            lines.push(Line::from(vec![
                Span::raw(format!("  {} ", visible(&u.user_id))),
                Span::styled(format!("{:<8} ", visible(&u.result)), th.dim()),
                Span::raw(fields),
            ]));
        }
        if rec.users.len() > room {
            lines.push(Line::styled(
                format!("  and {} more", thousands(rec.users.len() - room)),
                th.dim(),
            ));
        }
    }
    if !h.history.skipped.is_empty() && lines.len() < rows {
        lines.push(Line::styled(
            format!("⚠ {}", h.history.skipped.join("; ")),
            th.warn(),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            " History: the audit log's changes, newest first ",
            th.header(),
        ))
        .title_bottom(Line::styled(
            " ↑↓ move · enter results · u undo · esc close ",
            th.dim(),
        ));
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
