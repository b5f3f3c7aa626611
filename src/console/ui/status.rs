//! The title bar, the status line and the footer hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::console::keys::KeyContext;
use crate::console::state::{Paging, Pane, State};
use crate::console::text::thousands;
use crate::console::theme::SPINNER;
use crate::text::visible;

pub fn title(state: &State, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let mut spans = vec![
        Span::styled(" chime-admin ", th.title()),
        Span::styled(format!("· {} ", visible(&state.endpoint)), th.dim()),
    ];
    if let Some(p) = &state.profile {
        spans.push(Span::styled(format!("· profile {} ", visible(p)), th.dim()));
    }
    if state.read_only {
        spans.push(Span::styled("· READ-ONLY ", th.warn()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// What the status line says about the loaded rows, as one text.
pub fn rows_status(state: &State) -> String {
    rows_parts(state).join(SEP)
}

/// What the status line says about the loaded rows, part by part (the
/// status line leaves out whole parts that do not fit; a part may hold the
/// separator itself, e.g. in an error message, and stays one part).
fn rows_parts(state: &State) -> Vec<String> {
    match (state.focus, &state.users) {
        (Pane::Users | Pane::Detail, Some(v)) => {
            let loaded = v.list.len();
            let stopped = v.paging == Paging::Stopped;
            let more = if v.paging.is_complete() {
                format!("all {} loaded", thousands(loaded))
            } else if stopped {
                format!(
                    "{} loaded, paging stopped: ctrl-r reloads",
                    thousands(loaded)
                )
            } else if loaded == 0 {
                "loading".to_string()
            } else {
                format!("{} loaded, more exist", thousands(loaded))
            };
            let mut parts = Vec::new();
            if v.rereading > 0 {
                parts.push(format!(
                    "re-reading {} changed users…",
                    thousands(v.rereading)
                ));
            } else if !v.not_reread.is_empty() {
                parts.push(format!(
                    "{} not re-read{}: ctrl-r reads them again",
                    thousands(v.not_reread.len()),
                    v.reread_error
                        .as_deref()
                        .map(|e| format!(" ({})", visible(e)))
                        .unwrap_or_default()
                ));
            }
            if v.counts.kept > 0 {
                parts.push(format!(
                    "{} changed rows kept, no longer matching: /⏎ re-filters",
                    thousands(v.counts.kept)
                ));
            }
            let (shown, loaded_text) = (thousands(v.list.visible_len()), thousands(loaded));
            if v.filter.text().is_empty() {
                parts.push(format!("{loaded_text} users"));
                parts.push(more);
            } else if v.paging.is_complete() {
                parts.push(format!("matching {shown} of {loaded_text} users"));
            } else {
                parts.push(format!("matching {shown} of {loaded_text} loaded"));
                parts.push(if stopped {
                    "paging stopped: ctrl-r reloads".to_string()
                } else {
                    "more exist, loading…".to_string()
                });
            }
            parts
        }
        _ => {
            let a = &state.accounts;
            vec![if a.loading && a.list.is_empty() {
                "loading accounts".to_string()
            } else if !a.loading && !a.loaded && !a.list.is_empty() {
                format!(
                    "{} accounts loaded, paging stopped: ctrl-r reloads",
                    thousands(a.list.len())
                )
            } else if !a.loading && !a.loaded {
                "accounts not loaded: ctrl-r to try again".to_string()
            } else if a.filter.text().is_empty() {
                format!("{} accounts", thousands(a.list.len()))
            } else {
                format!(
                    "matching {} of {} accounts",
                    thousands(a.list.visible_len()),
                    thousands(a.list.len())
                )
            }]
        }
    }
}

pub fn status(state: &State, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    if let Some(c) = &state.cmdline {
        let mut spans = vec![
            Span::styled(":", th.key()),
            Span::styled(visible(c.input.value()), th.key()),
        ];
        if let Some(h) = &c.hint {
            let hint = Span::styled(format!("   {}", visible(h)), th.dim());
            let used: usize = spans.iter().map(Span::width).sum();
            if used + hint.width() <= area.width as usize {
                spans.push(hint);
            } else {
                hint_above(state, h, frame, area);
            }
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        let x = area.x + 1 + c.input.visual_cursor() as u16;
        if x < area.x + area.width {
            frame.set_cursor_position(ratatui::layout::Position::new(x, area.y));
        }
        return;
    }
    // Each part with its rank: what just happened first (the flash, then a
    // retry, then the change's progress), then the rows' status, part by
    // part (also in the pane's title). Parts are shown in this order, each
    // whole; on a narrow line the lowest-ranked that do not fit are left
    // out, never cut mid-word.
    let mut parts: Vec<(u8, Span)> = Vec::new();
    if let Some(b) = &state.batch {
        parts.push((3, Span::styled(super::text::progress_line(b), th.accent())));
    } else if let Some(sum) = &state.batch_summary {
        for p in sum {
            parts.push((3, Span::styled(visible(p).into_owned(), th.accent())));
        }
    }
    if let Some(r) = &state.retrying {
        parts.push((2, Span::styled(format!("⚠ {}", visible(r)), th.warn())));
    }
    if let Some(f) = &state.flash {
        parts.push((1, Span::styled(visible(&f.text).into_owned(), th.accent())));
    }
    for (i, p) in rows_parts(state).into_iter().enumerate() {
        parts.push((4 + i.min(200) as u8, Span::raw(p)));
    }
    let mut spans = vec![Span::raw(" ")];
    if state.is_loading() {
        spans.push(Span::raw(format!(
            "{} ",
            SPINNER[state.spinner % SPINNER.len()]
        )));
    }
    let room = (area.width as usize).saturating_sub(spans.iter().map(Span::width).sum());
    let shown = whole_parts(&parts, room);
    for (n, span) in shown.into_iter().enumerate() {
        if n > 0 {
            spans.push(Span::raw(SEP));
        }
        spans.push(span);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A command line's hint too long to follow the input: whole, wrapped in a
/// box just above the status line (over the panes), as wide as the screen.
fn hint_above(state: &State, hint: &str, frame: &mut Frame, status: Rect) {
    use ratatui::widgets::{Block, Borders, Clear, Wrap};
    let text = visible(hint);
    let inner = status.width.saturating_sub(2) as usize;
    let rows = super::dialog::wrapped_rows(&text, inner) as u16;
    let height = (rows + 2).min(status.y);
    let area = Rect::new(status.x, status.y - height, status.width, height);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text.into_owned())
            .style(state.theme.dim())
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(" Command ")),
        area,
    );
}

/// Between the parts of the status line.
const SEP: &str = " · ";

/// The parts (in their order) that fit in `width` columns with a separator
/// between them, chosen by rank (lowest first). The first-ranked part is
/// always shown (the flash fits the line by construction; a longer message
/// opens a dialog instead).
fn whole_parts<'a>(parts: &[(u8, Span<'a>)], width: usize) -> Vec<Span<'a>> {
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| (parts[i].0, i));
    let mut keep = vec![false; parts.len()];
    let mut used = 0usize;
    for (n, i) in order.into_iter().enumerate() {
        let w = parts[i].1.width() + if n == 0 { 0 } else { Span::raw(SEP).width() };
        if n == 0 || used + w <= width {
            used += w;
            keep[i] = true;
        }
    }
    parts
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|((_, s), _)| s.clone())
        .collect()
}

pub fn key_context(state: &State) -> KeyContext {
    KeyContext {
        mode: state.mode(),
        list_focused: matches!(state.focus, Pane::Accounts | Pane::Users),
        users_focused: state.focus == Pane::Users,
        accounts_focused: state.focus == Pane::Accounts,
        batch_running: state.batch.is_some(),
        read_only: state.read_only,
    }
}

pub fn footer(state: &State, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    for (k, d) in state.keymap.footer(key_context(state)) {
        let w = k.chars().count() + d.chars().count() + 3;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(k, th.key()));
        spans.push(Span::styled(format!(" {d}  "), th.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(parts: &[(u8, Span<'static>)], width: usize) -> String {
        whole_parts(parts, width)
            .iter()
            .map(|s| s.content.to_string())
            .collect::<Vec<_>>()
            .join(SEP)
    }

    /// Parts are left out whole by rank, never cut; the order stays.
    #[test]
    fn a_narrow_status_line_leaves_parts_out_whole() {
        let parts = [
            (
                3,
                Span::raw("1,199 updated · 51 failed (r retries) · 0.3 s"),
            ),
            (1, Span::raw("saved")),
            (4, Span::raw("1,199 changed rows kept for their results")),
            (5, Span::raw("matching 1,250 of 5,000 users")),
        ];
        assert_eq!(
            text(&parts, 200),
            "1,199 updated · 51 failed (r retries) · 0.3 s · saved · \
             1,199 changed rows kept for their results · matching 1,250 of 5,000 users"
        );
        // No room for the kept rows: the shorter part after them still fits.
        assert_eq!(
            text(&parts, 90),
            "1,199 updated · 51 failed (r retries) · 0.3 s · saved · matching 1,250 of 5,000 users"
        );
        assert_eq!(text(&parts, 20), "saved");
        assert_eq!(text(&parts, 2), "saved", "the first-ranked part always");
    }
}
