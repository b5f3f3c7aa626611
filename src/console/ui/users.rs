//! The users pane: one row per loaded user matching the filter; only the rows
//! on screen are built, so 100,000 loaded users cost no more than 30.

use crate::text::visible;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::table::{Column, ListPane};
use crate::client::OutcomeResult;
use crate::console::columns::{CHANGED_PRIORITY, UserCol};
use crate::console::form::UserAction;
use crate::console::state::{Paging, Pane, RowResult, State, UserRow, UsersView};
use crate::console::text::thousands;
use crate::console::theme::{GLYPH_BAD, GLYPH_MARK, GLYPH_OK, SPINNER};
use crate::model::{InviteStatus, RegistrationStatus};

/// A column of the users table as the table draws it.
fn column(c: UserCol) -> Column<UserCol> {
    Column {
        key: c,
        title: c.title(),
        width: c.width(),
        flex: c.flex(),
        priority: c.priority(),
    }
}

/// The cell of column `col` for a row.
fn cell<'a>(col: UserCol, state: &State, r: &'a UserRow, marked: bool, stale: bool) -> Span<'a> {
    let th = &state.theme;
    let u = &r.user;
    if stale {
        // Values from before the change: greyed, never shown as the service's.
        return match col {
            UserCol::Mark | UserCol::Email | UserCol::Name => {
                let s = cell(col, state, r, marked, false);
                if col == UserCol::Mark {
                    s
                } else {
                    s.style(th.dim())
                }
            }
            UserCol::Result => {
                let done = result_span(state, r);
                let text = if done.content.is_empty() {
                    "? not re-read".to_string()
                } else {
                    format!("? not re-read · {}", done.content)
                };
                Span::styled(text, th.warn())
            }
            _ => {
                let s = cell(col, state, r, marked, false);
                Span::styled(s.content, th.dim())
            }
        };
    }
    match col {
        UserCol::Mark => {
            if marked {
                Span::styled(GLYPH_MARK, th.accent())
            } else {
                Span::raw(" ")
            }
        }
        UserCol::Email => Span::raw(visible(u.email())),
        UserCol::Name => Span::raw(ellipsis(&visible(u.display_name()), UserCol::Name.width())),
        UserCol::License => Span::raw(u.license_type.as_ref().map(|l| l.as_str()).unwrap_or("")),
        UserCol::UserType => Span::raw(u.user_type.as_ref().map(|l| l.as_str()).unwrap_or("")),
        UserCol::Registration => match &u.user_registration_status {
            Some(RegistrationStatus::Registered) => {
                Span::styled(format!("{GLYPH_OK} Registered"), th.ok())
            }
            Some(RegistrationStatus::Unregistered) => Span::raw("○ Unregistered"),
            Some(RegistrationStatus::Suspended) => {
                Span::styled(format!("{GLYPH_BAD} Suspended"), th.bad())
            }
            Some(other) => Span::raw(other.as_str()),
            None => Span::raw(""),
        },
        UserCol::Invitation => match &u.user_invitation_status {
            Some(InviteStatus::Failed) => Span::styled(format!("{GLYPH_BAD} Failed"), th.bad()),
            Some(s) => Span::raw(s.as_str()),
            None => Span::raw(""),
        },
        // No Alexa for Business metadata means not enabled.
        UserCol::A4b => Span::raw(if u.a4b_enabled() == Some(true) {
            "yes"
        } else {
            "no"
        }),
        UserCol::Result => result_span(state, r),
    }
}

pub fn render<'a>(state: &State, v: &'a UsersView, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let focused = matches!(state.focus, Pane::Users);
    let list = &v.list;
    let mut title = vec![
        Span::styled(" Users ", th.title()),
        Span::raw(format!("· {} ", visible(&v.account.name))),
    ];
    if !v.marks.is_empty() {
        let hidden = v.hidden_marks();
        let text = if hidden > 0 {
            format!(
                "· {} marked ({} hidden) ",
                thousands(v.marks.len()),
                thousands(hidden)
            )
        } else {
            format!("· {} marked ", thousands(v.marks.len()))
        };
        title.push(Span::styled(text, th.accent()));
    }
    let cols = columns(state, v, area.width.saturating_sub(2));
    let (kept, _) = super::table::fit_columns(&cols, area.width.saturating_sub(2));
    let on_screen = |k: UserCol| kept.iter().any(|&i| cols[i].key == k);
    // The header's ▲/▼ says it; the title too when the column is not shown.
    if let Some(s) = v
        .sort
        .filter(|s| !on_screen(s.key) || !v.paging.is_complete())
    {
        let arrow = if s.descending { "▼" } else { "▲" };
        let partial = if v.paging.is_complete() {
            ""
        } else {
            " (loaded rows)"
        };
        title.push(Span::styled(
            format!(
                "· sort {} {arrow}{partial} ",
                s.key.sort_word().unwrap_or_default()
            ),
            th.dim(),
        ));
    }
    // Each count a part of its own (after the sort, which is named only
    // when nothing else says it): one that does not fit is left out whole,
    // never cut mid-number.
    for part in counts_text(v).split(" · ") {
        title.push(Span::raw(format!("· {part} ")));
    }
    // The corners, and the spinner while busy (its trailing space may go).
    let busy = v.paging.in_flight() || v.lookup.in_flight();
    let room = area.width.saturating_sub(if busy { 3 } else { 2 });
    let title = fit_title(title, room as usize);
    let pane = ListPane {
        list,
        columns: &cols,
        title,
        busy: v.paging.in_flight() || v.lookup.in_flight(),
        focused,
        filter: &v.filter,
        problem: v.query_error.as_deref(),
        sorted: v.sort.map(|s| (s.key, s.descending)),
    };
    let row_cell = |r: &'a UserRow, col: UserCol| {
        let id = &r.user.user_id;
        let stale = !v.not_reread.is_empty() && v.not_reread.contains(id);
        cell(col, state, r, v.marks.contains(id), stale)
    };
    pane.render(state, frame, area, row_cell, || {
        let loading = v.paging.in_flight() || v.lookup.in_flight();
        let expr = visible(v.filter.text().trim()).into_owned();
        if loading && list.is_empty() {
            format!("{} loading users…", SPINNER[state.spinner % SPINNER.len()])
        } else if !list.is_empty() || !expr.is_empty() {
            if v.paging == Paging::Stopped {
                format!("no loaded user matches \"{expr}\" (paging stopped)")
            } else if loading || !v.paging.is_complete() {
                format!("no loaded user matches \"{expr}\" yet: loading more…")
            } else {
                format!("no user matches \"{expr}\"")
            }
        } else {
            "no users in this account".to_string()
        }
    });
}

/// `text` in `width` columns: whole, or cut with "…" at its end.
fn ellipsis(text: &str, width: u16) -> String {
    let w = width as usize;
    if text.chars().count() <= w {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(w.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The title's parts that fit in `room` columns, whole: a part that does
/// not fit is left out with every part after it (a number is never cut),
/// and "…" says some are.
fn fit_title<'a>(parts: Vec<Span<'a>>, room: usize) -> Vec<Span<'a>> {
    let mut used = 0;
    let mut out = Vec::new();
    let n = parts.len();
    for (i, p) in parts.into_iter().enumerate() {
        let w = p.width();
        let last = i + 1 == n;
        // Room for the "…" unless this is the last part.
        let need = if last { w } else { w + 2 };
        if used + need > room && !(last && used + w <= room) {
            out.push(Span::raw("… "));
            return out;
        }
        used += w;
        out.push(p);
    }
    out
}

/// "1,250 shown: Pro 812 · Plus 238 · Basic 200" (licenses with no user
/// left out), then the rows not re-read after a change and the changed
/// rows kept that no longer match: never counted by license.
pub fn counts_text(v: &UsersView) -> String {
    let c = &v.counts;
    let mut parts = vec![];
    for (name, n) in [
        ("Pro", c.pro),
        ("Plus", c.plus),
        ("Basic", c.basic),
        ("ProTrial", c.trial),
        ("other", c.other),
    ] {
        if n > 0 {
            parts.push(format!("{name} {}", thousands(n)));
        }
    }
    if c.not_reread > 0 {
        parts.push(format!("{} not re-read", thousands(c.not_reread)));
    }
    if c.kept > 0 {
        parts.push(format!("{} kept: no longer match", thousands(c.kept)));
    }
    let shown = thousands(v.list.visible_len());
    if parts.is_empty() {
        format!("{shown} shown")
    } else {
        format!("{shown} shown: {}", parts.join(" · "))
    }
}

/// The columns for this pane: the Result column once a change has results;
/// the Email column as wide as the longest email on screen, within what the
/// more important columns (license, registration, result) leave it, so that
/// a less important column (name, type, A4B) gives way before an email is
/// cut; a Name column with no name on screen last of all; and while results
/// show, the column of the field the last change set kept at any width.
fn columns(state: &State, v: &UsersView, width: u16) -> Vec<Column<UserCol>> {
    let on_screen = || {
        v.list
            .visible()
            .iter()
            .skip(v.list.offset)
            .take(state.height as usize)
            .map(|&i| &v.list.items()[i].user)
    };
    let longest = on_screen()
        .map(|u| u.email().chars().count())
        .max()
        .unwrap_or(0);
    let names = on_screen().any(|u| !u.display_name().is_empty());
    let changed = changed_columns(state, v);
    let mut cols: Vec<Column<UserCol>> = UserCol::ALL
        .into_iter()
        .filter(|&c| v.results_shown || c != UserCol::Result)
        .map(|c| {
            let mut c = column(c);
            if changed.contains(&c.key) {
                c.priority = CHANGED_PRIORITY;
            }
            if c.key == UserCol::Name && !names {
                c.priority = u8::MAX;
            }
            // Room for " ▲" after the title of the sort column.
            if v.sort.is_some_and(|s| s.key == c.key) {
                c.width = c.width.max(c.title.chars().count() as u16 + 2);
            }
            c
        })
        .collect();
    let reserved: u16 = cols
        .iter()
        .filter(|c| c.key != UserCol::Email && c.priority <= UserCol::Registration.priority())
        .map(|c| c.width + 1)
        .sum();
    for c in cols.iter_mut().filter(|c| c.key == UserCol::Email) {
        let room = width.saturating_sub(reserved).max(12);
        c.width = (longest as u16).clamp(12, room);
    }
    // While results show, the room left goes to the Result column (as much
    // as its longest result on screen needs) before Email is widened.
    if v.results_shown {
        let longest_result = v
            .list
            .visible()
            .iter()
            .skip(v.list.offset)
            .take(state.height as usize)
            .map(|&i| result_span(state, &v.list.items()[i]).width())
            .max()
            .unwrap_or(0) as u16;
        let (kept, _) = super::table::fit_columns(&cols, width);
        let used: u16 = kept.iter().map(|&i| cols[i].width + 1).sum();
        let spare = width.saturating_sub(used);
        for c in cols.iter_mut() {
            match c.key {
                UserCol::Result => {
                    c.width = longest_result.clamp(c.width, c.width + spare);
                    c.flex = true;
                }
                UserCol::Email => c.flex = false,
                _ => {}
            }
        }
    }
    cols
}

/// The columns of the fields the change on screen set (its label says
/// which), while results show: they rank right after Result. (The form's
/// update also carries the fields it leaves as they are, so the label
/// decides.)
fn changed_columns(state: &State, v: &UsersView) -> Vec<UserCol> {
    if !v.results_shown {
        return Vec::new();
    }
    let label = v
        .list
        .visible()
        .iter()
        .skip(v.list.offset)
        .take(state.height as usize)
        .find_map(|&i| v.list.items()[i].change.as_ref());
    let Some(label) = label else {
        return Vec::new();
    };
    match label.action {
        Some(UserAction::Suspend | UserAction::Unsuspend) => vec![UserCol::Registration],
        Some(_) => Vec::new(),
        None => {
            let f = label.fields;
            [
                (f.license, UserCol::License),
                (f.user_type, UserCol::UserType),
                (f.a4b, UserCol::A4b),
            ]
            .into_iter()
            .filter_map(|(changed, col)| changed.then_some(col))
            .collect()
        }
    }
}

/// A row's last result, named after the change it belongs to:
/// "✓ unsuspended", "✗ Conflict (license change): User is suspended".
pub fn result_span(state: &State, r: &UserRow) -> Span<'static> {
    let th = &state.theme;
    let (noun, done) = r.change.map_or(("change", "updated"), |c| (c.noun, c.done));
    match &r.result {
        None => Span::raw(""),
        Some(RowResult::Pending) => Span::styled(format!("… sending ({noun})"), th.dim()),
        Some(RowResult::Done(OutcomeResult::Ok { .. })) => {
            Span::styled(format!("{GLYPH_OK} {done}"), th.ok())
        }
        Some(RowResult::Done(OutcomeResult::NotSent)) => {
            Span::styled(format!("– not sent ({noun})"), th.warn())
        }
        Some(RowResult::Already) => Span::styled(format!("= already ({noun})"), th.dim()),
        Some(RowResult::Done(OutcomeResult::Unknown { message, .. })) => Span::styled(
            format!("? unknown ({noun}): {}", visible(message)),
            th.warn(),
        ),
        Some(RowResult::Done(OutcomeResult::Failed { code, message, .. })) => {
            let code = code.as_ref().map(|c| c.as_str()).unwrap_or("Error");
            Span::styled(
                format!("{GLYPH_BAD} {code} ({noun}): {}", visible(message)),
                th.bad(),
            )
        }
    }
}
