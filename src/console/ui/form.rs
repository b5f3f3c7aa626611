//! The change form and the preview that confirms it.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::area::centered;
use crate::console::form::{ChangeForm, FormField, Preview};
use crate::console::state::State;
use crate::console::text::thousands;
use crate::console::theme::GLYPH_BAD;
use crate::text::visible;

const LABEL_W: usize = 20;

fn value_text(f: &ChangeForm, field: FormField) -> String {
    let keep = "(keep)".to_string();
    match field {
        FormField::License => f.license.as_ref().map_or(keep, |v| v.to_string()),
        FormField::UserType => f.user_type.as_ref().map_or(keep, |v| v.to_string()),
        FormField::A4b => match f.a4b {
            None => keep,
            Some(true) => "enabled".into(),
            Some(false) => "disabled".into(),
        },
        FormField::Room => {
            if f.room.value().is_empty() {
                keep
            } else {
                visible(f.room.value()).into_owned()
            }
        }
    }
}

pub fn render_form(state: &State, f: &ChangeForm, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let n = f.targets.len();
    let who = if n == 1 {
        "1 user".to_string()
    } else {
        format!("{} users", thousands(n))
    };
    let marking = state
        .users
        .as_ref()
        .filter(|v| v.mark_all_pending)
        .map(|v| v.marks.len());
    let mut lines = vec![
        Line::raw(format!("Change {who} in {}", visible(&f.account_name))),
        match marking {
            Some(n) => Line::styled(
                format!(
                    "marking… {} so far, more pages loading: preview waits (ctrl-o: only these)",
                    thousands(n)
                ),
                th.warn(),
            ),
            None => Line::raw(""),
        },
    ];
    let mut cursor = None;
    for (row, field) in FormField::ALL.iter().enumerate() {
        let focused = *field == f.field;
        let label = Span::styled(format!("{:<LABEL_W$}", field.label()), th.dim());
        let value = value_text(f, *field);
        let shown = if *field == FormField::Room {
            format!(" {value} ")
        } else {
            format!("‹ {value} ›")
        };
        let style = if focused {
            th.selected(true)
        } else {
            th.normal()
        };
        let marker = if focused { "▸ " } else { "  " };
        lines.push(Line::from(vec![
            Span::raw(marker),
            label,
            Span::styled(shown, style),
        ]));
        if focused && *field == FormField::Room {
            let x = 2 + LABEL_W + 1 + f.room.visual_cursor();
            cursor = Some((x as u16, (row + 2) as u16));
        }
    }
    lines.push(Line::raw(""));
    if let Some(p) = f.room_problem() {
        lines.push(Line::styled(format!("{GLYPH_BAD} Room ARN: {p}"), th.bad()));
    } else if let Some(p) = &f.problem {
        lines.push(Line::styled(format!("{GLYPH_BAD} {p}"), th.bad()));
    } else {
        let licenses: Vec<&str> = f.licenses.iter().map(|l| l.as_str()).collect();
        lines.push(Line::styled(
            format!("licenses of this account: {}", licenses.join(", ")),
            th.dim(),
        ));
    }
    let w = 74.min(area.width.saturating_sub(2));
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = centered(area, w, h);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(true))
        .title(Span::styled(" Change users ", th.title()))
        .title_bottom(Line::styled(
            " ←/→ value · letter jumps · tab next · enter preview · esc cancel ",
            th.dim(),
        ));
    let inner = block.inner(r);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(block), r);
    if let Some((x, y)) = cursor
        && x < inner.width
        && y < inner.height
    {
        frame.set_cursor_position(Position::new(inner.x + x, inner.y + y));
    }
}

pub fn render_preview(state: &State, p: &Preview, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let plan = &p.plan;
    let n = plan.changes.len();
    let w = 78.min(area.width.saturating_sub(2));
    let h = area.height.saturating_sub(2).min(24);
    let mut lines = vec![
        Line::styled(
            format!(
                "{} {} · {} will change · {} already at these values",
                thousands(plan.selected()),
                p.picked,
                thousands(n),
                thousands(p.no_change())
            ),
            th.header(),
        ),
        Line::raw(format!(
            "in {}, as read just now:",
            visible(&p.account_name)
        )),
    ];
    for s in plan.summary() {
        lines.push(Line::raw(format!("  {}", visible(&s))));
    }
    for w in plan.warnings() {
        lines.push(Line::styled(format!("  ⚠ {w}"), th.warn()));
    }
    lines.push(Line::raw(""));
    // The rows that fit from the first one scrolled to, then where they
    // are among all; 4 lines stay for buttons and hints.
    let shown = p.window(area.height).min(n);
    let first = p.first_row(area.height);
    for c in &plan.changes[first..(first + shown).min(n)] {
        let fields: Vec<String> = c
            .fields
            .iter()
            .map(|f| format!("{} {} → {}", f.field, visible(&f.from), visible(&f.to)))
            .collect();
        lines.push(Line::from(vec![
            Span::raw(format!("  {} ", visible(c.email.expose()))),
            Span::styled(fields.join(", "), th.dim()),
        ]));
    }
    if n > shown {
        lines.push(Line::styled(
            format!(
                "  {}–{} of {} · pgdn/pgup/g/G scroll",
                thousands(first + 1),
                thousands((first + shown).min(n)),
                thousands(n)
            ),
            th.dim(),
        ));
    }
    lines.push(Line::raw(""));
    let (cancel, apply) = if p.apply_focused {
        (th.normal(), th.selected(true))
    } else {
        (th.selected(true), th.normal())
    };
    lines.push(Line::from(vec![
        Span::raw("  "),
        Span::styled("[ Cancel ]", cancel),
        Span::raw("   "),
        Span::styled("[ Apply ]", apply),
    ]));
    let r = centered(area, w, (lines.len() as u16 + 2).min(h));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.warn())
        .title(Span::styled(" Preview: nothing sent yet ", th.warn()))
        .title_bottom(Line::styled(
            " y apply · n/esc cancel · tab switch button · s save as a plan file ",
            th.dim(),
        ));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}

/// While the selected users are read to plan a change.
pub fn render_planning(
    state: &State,
    (users, picked, what, account): (usize, &str, &str, &str),
    frame: &mut Frame,
    area: Rect,
) {
    let th = &state.theme;
    let who = if users == 0 {
        "the users".to_string()
    } else {
        format!("{} {picked}", crate::console::text::users_word(users))
    };
    let lines = vec![
        Line::raw(format!(
            "Reading {who} fresh from the service to plan {what}…"
        )),
        Line::styled(format!("in {}", visible(account)), th.dim()),
        Line::raw(""),
        Line::styled(
            "The preview shows what they hold now; nothing is sent yet.",
            th.dim(),
        ),
    ];
    let w = 70.min(area.width.saturating_sub(2));
    let r = centered(area, w, lines.len() as u16 + 2);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Planning ", th.header()))
        .title_bottom(Line::styled(" esc cancel ", th.dim()));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}
