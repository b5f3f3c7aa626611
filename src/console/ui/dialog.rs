//! Dialogs drawn over the panes: an error with its code, message and request
//! id; the quit confirmation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::area::centered;
use crate::console::command::Command;
use crate::console::keys::Scope;
use crate::console::state::{ErrorInfo, State};
use crate::console::theme::GLYPH_BAD;
use crate::text::visible;

fn dialog(state: &State, frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>, hint: &str) {
    let th = &state.theme;
    let w = 70.min(area.width.saturating_sub(4));
    // The height of the lines as wrapped word by word: every line whole.
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let h: usize = lines
        .iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            wrapped_rows(&text, inner_w)
        })
        .sum();
    let r = centered(area, w, (h as u16).saturating_add(2));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.bad())
        .title(Span::styled(format!(" {title} "), th.bad()))
        .title_bottom(Line::styled(format!(" {hint} "), th.dim()));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}

pub fn error(state: &State, e: &ErrorInfo, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{GLYPH_BAD} {}", visible(&e.code)), th.bad()),
            Span::raw(format!(" ({})", e.operation)),
        ]),
        Line::raw(visible(&e.message).into_owned()),
    ];
    if let Some(id) = &e.request_id {
        lines.push(Line::from(vec![
            Span::styled("request id ", th.dim()),
            Span::raw(visible(id).into_owned()),
        ]));
    }
    if let Some(h) = &e.hint {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("what to do: ", th.header()),
            Span::raw(h.clone()),
        ]));
    }
    // The same keys the footer names (the registry's, as remapped).
    let close = format!(
        "{} close",
        state
            .keymap
            .label(Scope::Dialog, Command::Back)
            .unwrap_or("esc")
    );
    dialog(state, frame, area, "Error", lines, &close);
}

/// A message too long for the status line, whole.
pub fn message(state: &State, text: &str, frame: &mut Frame, area: Rect) {
    let lines = vec![Line::raw(visible(text).into_owned())];
    let close = format!(
        "{} close",
        state
            .keymap
            .label(Scope::Dialog, Command::Back)
            .unwrap_or("esc")
    );
    dialog(state, frame, area, "Message", lines, &close);
}

/// The rows `text` takes when word-wrapped to `width` columns (as the
/// dialog's paragraph wraps it: whole words, a word longer than a row cut).
pub fn wrapped_rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let (mut rows, mut col) = (1, 0);
    for word in text.split(' ') {
        let w = Span::raw(word).width();
        let need = if col == 0 { w } else { col + 1 + w };
        if need <= width {
            col = need;
        } else if w <= width {
            rows += 1;
            col = w;
        } else {
            // A word longer than a row: it fills rows of its own.
            rows += usize::from(col > 0) + (w - 1) / width;
            col = (w - 1) % width + 1;
        }
    }
    rows
}

pub fn confirm_quit(state: &State, frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::raw("A change is still being sent."),
        Line::raw("Quit anyway? Users not sent yet stay unchanged."),
    ];
    dialog(state, frame, area, "Quit?", lines, "y quit · n/esc stay");
}

/// A new personal PIN: shown here once, never logged; gone when closed.
pub fn pin(state: &State, email: &str, pin: &str, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let lines = vec![
        Line::raw(format!("The new personal PIN of {}:", visible(email))),
        Line::raw(""),
        Line::from(vec![
            Span::raw("    "),
            Span::styled(pin.to_string(), th.header()),
        ]),
        Line::raw(""),
        Line::raw("Give it to the user now: it is not shown again and not logged."),
    ];
    dialog(
        state,
        frame,
        area,
        "Personal PIN reset",
        lines,
        "enter/esc close",
    );
}

/// A prompt: its main input and optional fields, and why it cannot be sent
/// yet. Labels and the reason wrap at spaces, every word shown; the dialog is
/// as tall as they are wrapped (an input line never wraps: it scrolls).
pub fn prompt(state: &State, p: &crate::console::prompt::Prompt, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let w = 72.min(area.width.saturating_sub(2));
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let width = inner_w.saturating_sub(2);
    let fields = std::iter::once((p.label(), &p.input))
        .chain(p.extra.iter().map(|(l, i)| (l.to_string(), i)));
    let mut lines = Vec::new();
    // Rows taken so far, as the paragraph wraps them.
    let mut rows = 0usize;
    let mut push = |lines: &mut Vec<Line<'static>>, line: Line<'static>| {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        rows += wrapped_rows(&text, inner_w);
        lines.push(line);
        rows
    };
    let mut cursor = None;
    for (n, (label, input)) in fields.enumerate() {
        if n > 0 {
            push(&mut lines, Line::raw(""));
        }
        let at = push(
            &mut lines,
            Line::styled(visible(&label).into_owned(), th.dim()),
        );
        let scroll = input.visual_scroll(width);
        let value: String = input.value().chars().skip(scroll).take(width).collect();
        let marker = if n == p.field { "> " } else { "  " };
        if n == p.field {
            let x = 2 + input.visual_cursor().saturating_sub(scroll);
            cursor = Some((x as u16, at as u16));
        }
        push(
            &mut lines,
            Line::from(vec![
                Span::raw(marker),
                Span::raw(visible(&value).into_owned()),
            ]),
        );
    }
    if let Some(why) = &p.problem {
        push(&mut lines, Line::raw(""));
        push(
            &mut lines,
            Line::styled(format!("{GLYPH_BAD} {}", visible(why)), th.bad()),
        );
    }
    let h = u16::try_from(rows).unwrap_or(u16::MAX);
    let r = centered(area, w, h.saturating_add(2));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(true))
        .title(Span::styled(
            match &p.account {
                Some(a) => format!(" {} · {} ", p.title(), crate::text::visible(a)),
                None => format!(" {} ", p.title()),
            },
            th.title(),
        ))
        .title_bottom(Line::styled(
            " enter send · tab/↓ next field · esc cancel ",
            th.dim(),
        ));
    let inner = block.inner(r);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
    if let Some((x, y)) = cursor
        && x < inner.width
        && y < inner.height
    {
        frame.set_cursor_position(ratatui::layout::Position::new(inner.x + x, inner.y + y));
    }
}

/// The settings toggles (read first; "reading…" until they arrive).
pub fn settings(
    state: &State,
    f: &crate::console::settings::SettingsForm,
    frame: &mut Frame,
    area: Rect,
) {
    let th = &state.theme;
    let mut lines = Vec::new();
    match &f.values {
        None => lines.push(Line::styled("reading the current settings…", th.dim())),
        Some(values) => {
            for (i, (label, on)) in f.labels().iter().zip(values).enumerate() {
                let focused = i == f.field;
                let value = if *on { "[x] on " } else { "[ ] off" };
                let style = if focused {
                    th.selected(true)
                } else {
                    th.normal()
                };
                lines.push(Line::from(vec![
                    Span::raw(if focused { "▸ " } else { "  " }),
                    Span::styled(value, style),
                    Span::raw(format!("  {label}")),
                ]));
            }
        }
    }
    let w = 60.min(area.width.saturating_sub(2));
    let r = centered(area, w, lines.len() as u16 + 2);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(true))
        .title(Span::styled(
            format!(" {} ", visible(&f.title())),
            th.title(),
        ))
        .title_bottom(Line::styled(
            " space/←/→ toggle · enter save · esc cancel ",
            th.dim(),
        ));
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
