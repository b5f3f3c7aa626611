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

/// What the status line says about the loaded rows.
pub fn rows_status(state: &State) -> String {
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
            let mut reread = String::new();
            if v.rereading > 0 {
                reread = format!("re-reading {} changed users… · ", thousands(v.rereading));
            } else if !v.not_reread.is_empty() {
                reread = format!(
                    "{} not re-read{}: ctrl-r reads them again · ",
                    thousands(v.not_reread.len()),
                    v.reread_error
                        .as_deref()
                        .map(|e| format!(" ({})", visible(e)))
                        .unwrap_or_default()
                );
            }
            if v.counts.kept > 0 {
                reread.push_str(&format!(
                    "{} changed rows kept for their results; they no longer match the filter: /⏎ re-applies it · ",
                    thousands(v.counts.kept)
                ));
            }
            reread
                + &if v.filter.text().is_empty() {
                    format!("{} users · {more}", thousands(loaded))
                } else if v.paging.is_complete() {
                    format!(
                        "matching {} of {} users",
                        thousands(v.list.visible_len()),
                        thousands(loaded)
                    )
                } else if stopped {
                    format!(
                        "matching {} of {} loaded · paging stopped: ctrl-r reloads",
                        thousands(v.list.visible_len()),
                        thousands(loaded)
                    )
                } else {
                    format!(
                        "matching {} of {} loaded · more exist, loading…",
                        thousands(v.list.visible_len()),
                        thousands(loaded)
                    )
                }
        }
        _ => {
            let a = &state.accounts;
            if a.loading && a.list.is_empty() {
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
            }
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
            spans.push(Span::styled(format!("   {}", visible(h)), th.dim()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        let x = area.x + 1 + c.input.visual_cursor() as u16;
        if x < area.x + area.width {
            frame.set_cursor_position(ratatui::layout::Position::new(x, area.y));
        }
        return;
    }
    let mut spans = vec![Span::raw(" ")];
    if state.is_loading() {
        spans.push(Span::raw(format!(
            "{} ",
            SPINNER[state.spinner % SPINNER.len()]
        )));
    }
    if let Some(b) = &state.batch {
        spans.push(Span::styled(
            format!("{} · ", super::text::progress_line(b)),
            th.accent(),
        ));
    } else if let Some(sum) = &state.batch_summary {
        spans.push(Span::styled(format!("{} · ", visible(sum)), th.accent()));
    }
    // What just happened before what stays: on a narrow line the rows'
    // status (also in the pane's title) is cut, not a warning or a notice.
    if let Some(r) = &state.retrying {
        spans.push(Span::styled(format!("⚠ {} · ", visible(r)), th.warn()));
    }
    if let Some(f) = &state.flash {
        spans.push(Span::styled(
            format!("{} · ", visible(&f.text)),
            th.accent(),
        ));
    }
    spans.push(Span::raw(rows_status(state)));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
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
