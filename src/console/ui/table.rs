//! One list pane, as the accounts and users panes both draw it: a border
//! with the pane's title (a spinner while it loads) and its filter, a table
//! of the visible rows that fit (only those are built, so 100,000 loaded rows
//! cost no more than 30), the cursor's row highlighted, the columns that fit
//! the width, a centred message when no row is visible, and the terminal's
//! cursor in the filter while it is edited.

use ratatui::Frame;
use ratatui::layout::{Constraint, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Row, Table};

use super::area::centered_line;
use crate::console::list::FilteredList;
use crate::console::state::{FilterInput, State};
use crate::console::theme::SPINNER;
use crate::text::{is_hidden, visible};

/// A span as it may reach the terminal: control, bidi and zero-width
/// characters of untrusted text shown as `⟨U+XXXX⟩` (see `crate::text`).
/// Costs one scan of the text when there is nothing to show.
pub fn safe(span: Span<'_>) -> Span<'_> {
    if !span.content.chars().any(is_hidden) {
        return span;
    }
    let shown = visible(&span.content).into_owned();
    Span::styled(shown, span.style)
}

/// What a list pane shows besides its rows.
pub struct ListPane<'a, 'b, T, K> {
    pub list: &'a FilteredList<T>,
    pub columns: &'b [Column<K>],
    /// The top title's parts; a spinner follows them while `busy`.
    pub title: Vec<Span<'b>>,
    pub busy: bool,
    pub focused: bool,
    pub filter: &'b FilterInput,
    /// Why the filter text cannot be read, shown after it.
    pub problem: Option<&'b str>,
    /// The column the rows are sorted by and whether descending: its
    /// header carries ▲ or ▼.
    pub sorted: Option<(K, bool)>,
}

/// A header cell: the title, with ▲/▼ if the rows are sorted by it (the
/// arrow first when the column is too narrow for both, so it shows).
fn header_cell(title: &'static str, width: u16, arrow: Option<bool>) -> String {
    match arrow {
        None => title.to_string(),
        Some(descending) => {
            let a = if descending { '▼' } else { '▲' };
            if title.chars().count() + 2 <= width as usize {
                format!("{title} {a}")
            } else {
                format!("{a}{title}")
            }
        }
    }
}

impl<'a, T, K: Copy + PartialEq> ListPane<'a, '_, T, K> {
    /// Draws the pane; `cell(row, column key)` makes one cell, `empty()`
    /// the message shown when no row is visible.
    pub fn render(
        self,
        state: &State,
        frame: &mut Frame,
        area: Rect,
        cell: impl Fn(&'a T, K) -> Span<'a>,
        empty: impl FnOnce() -> String,
    ) {
        let th = &state.theme;
        let list = self.list;
        let mut title = self.title;
        if self.busy {
            title.push(Span::raw(format!(
                "{} ",
                SPINNER[state.spinner % SPINNER.len()]
            )));
        }
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_style(th.border(self.focused))
            .title(Line::from(title));
        // A filter error too long for the bottom border is shown whole,
        // wrapped, over the last rows (the border keeps the ✗).
        let fits = self.problem.is_none_or(|p| {
            let line = filter_line(state, self.filter, self.focused, Some(p));
            line.width() + 2 <= area.width as usize
        });
        let problem_above = if fits { None } else { self.problem };
        if self.filter.is_active() {
            let shown = if fits { self.problem } else { Some("(above)") };
            block = block.title_bottom(filter_line(state, self.filter, self.focused, shown));
        }
        let inner = block.inner(area);
        let rows_h = inner.height.saturating_sub(1) as usize;
        let cols = self.columns;
        let (kept, widths) = fit_columns(cols, inner.width);
        let sorted = self.sorted;
        let header = Row::new(kept.iter().map(|&i| {
            let arrow = sorted.filter(|(k, _)| *k == cols[i].key).map(|(_, d)| d);
            header_cell(cols[i].title, cols[i].width, arrow)
        }))
        .style(th.header());
        let start = list.offset.min(list.visible_len());
        let rows = list.visible()[start..]
            .iter()
            .take(rows_h)
            .enumerate()
            .map(|(k, &i)| {
                let item: &'a T = &list.items()[i];
                let row = Row::new(kept.iter().map(|&c| safe(cell(item, cols[c].key))));
                if start + k == list.cursor {
                    row.style(th.selected(self.focused))
                } else {
                    row
                }
            });
        frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
        if list.visible_len() == 0 {
            let body = Rect::new(
                inner.x,
                inner.y + 1,
                inner.width,
                inner.height.saturating_sub(1),
            );
            centered_line(frame, body, Line::styled(empty(), th.dim()));
        }
        if let Some(p) = problem_above {
            let text = format!("{} {p}", crate::console::theme::GLYPH_BAD);
            let rows = super::dialog::wrapped_rows(&text, inner.width as usize) as u16;
            let rows = rows.min(inner.height);
            let r = Rect::new(inner.x, inner.y + inner.height - rows, inner.width, rows);
            frame.render_widget(ratatui::widgets::Clear, r);
            frame.render_widget(
                ratatui::widgets::Paragraph::new(text)
                    .style(th.bad())
                    .wrap(ratatui::widgets::Wrap { trim: false }),
                r,
            );
        }
        filter_cursor(frame, area, self.filter, self.focused);
    }
}

/// The filter as the bottom title of a pane: `/alice`, with the cursor when editing.
fn filter_line<'a>(
    state: &State,
    f: &'a FilterInput,
    focused: bool,
    problem: Option<&'a str>,
) -> Line<'a> {
    let th = &state.theme;
    let style = if f.editing && focused {
        th.key()
    } else {
        th.accent()
    };
    let mut parts = vec![
        Span::styled(" filter /", style),
        Span::styled(visible(f.text()), style),
        Span::raw(" "),
    ];
    if let Some(p) = problem {
        parts.push(Span::styled(
            format!("{} {p} ", crate::console::theme::GLYPH_BAD),
            th.bad(),
        ));
    }
    Line::from(parts)
}

/// Puts the terminal's cursor in the filter input while it is edited.
fn filter_cursor(frame: &mut Frame, area: Rect, f: &FilterInput, focused: bool) {
    if f.editing && focused && area.height > 0 {
        // The bottom title starts after the corner: " filter /" is 9 cells.
        let x = area.x + 1 + 9 + f.input.visual_cursor() as u16;
        if x < area.x + area.width.saturating_sub(1) {
            frame.set_cursor_position(Position::new(x, area.y + area.height - 1));
        }
    }
}

/// A column of a table: which one (`K`, the pane's column enum), header,
/// width, and how important it is (0 = always shown).
#[derive(Debug, Clone, Copy)]
pub struct Column<K> {
    pub key: K,
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
pub fn fit_columns<K>(cols: &[Column<K>], width: u16) -> (Vec<usize>, Vec<Constraint>) {
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
