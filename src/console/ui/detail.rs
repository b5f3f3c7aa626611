//! The detail pane: every field of the selected user (when the users pane is
//! open) or account. The PersonalPIN is never shown.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::users::result_span;
use crate::client::OutcomeResult;
use crate::console::state::{Pane, RowResult, State, UserRow};
use crate::console::text::thousands;
use crate::model::{Account, Timestamp};

/// The least the right-hand column of two keeps.
const MIN_RIGHT: u16 = 24;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let th = &state.theme;
    let focused = state.focus == Pane::Detail;
    let user_side = state.users.is_some() && state.focus != Pane::Accounts;
    let (title, fields, extra) = if user_side {
        match state.users.as_ref().and_then(|v| v.list.selected()) {
            Some(r) => (" User ", user_fields(&r.user), result_lines(state, r)),
            None => (" User ", Vec::new(), Vec::new()),
        }
    } else {
        match state.selected_account() {
            Some(a) => (" Account ", account_fields(state, a), Vec::new()),
            None => (" Account ", Vec::new(), Vec::new()),
        }
    };
    // Names, emails, ids and ARNs are the service's: shown, never acted on.
    let fields: Vec<(&'static str, String)> = fields
        .into_iter()
        .map(|(k, v)| (k, crate::text::visible(&v).into_owned()))
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border(focused))
        .title(Span::styled(title, th.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if fields.is_empty() {
        return;
    }
    let labels = |f: &[(&'static str, String)]| f.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    // One field in `width` columns, labels `label_w` wide: the value
    // shortened if it must be (never silently cut).
    let line = |width: u16, label_w: usize| {
        move |(k, v): &(&'static str, String)| {
            let room = usize::from(width).saturating_sub(label_w + 1);
            Line::from(vec![
                Span::styled(format!("{k:>label_w$} "), th.dim()),
                Span::raw(fit(v, room)),
            ])
        }
    };
    // Two columns when the pane is wide and short, so more fields show.
    let total = fields.len() + extra.len();
    if inner.width >= 70 && (inner.height as usize) < total {
        let half = fields.len().div_ceil(2);
        let (left_labels, label_w) = (labels(&fields[..half]), labels(&fields[half..]));
        // The left column is as wide as its longest field: a whole user id
        // matters more than a right-hand value, which is shortened if it must.
        let left = fields[..half]
            .iter()
            .map(|(_, v)| (left_labels + 2 + v.chars().count()) as u16)
            .max()
            .unwrap_or(0);
        let w = left
            .max(inner.width / 2)
            .min(inner.width.saturating_sub(MIN_RIGHT));
        let left: Vec<Line> = fields[..half]
            .iter()
            .map(line(w - 1, left_labels))
            .collect();
        // A long right-hand value (a room ARN) wraps under itself while the
        // pane has rows to spare above the last change's lines; else (and
        // always for a time) it is shortened.
        let right_w = inner.width - w;
        let room = usize::from(right_w).saturating_sub(label_w + 1).max(1);
        let rows = usize::from(inner.height)
            .saturating_sub(extra.len())
            .max(half);
        let mut spare = rows.saturating_sub(fields.len() - half);
        let mut right: Vec<Line> = Vec::new();
        for (k, v) in &fields[half..] {
            let chars: Vec<char> = v.chars().collect();
            let more = chars.len().div_ceil(room).saturating_sub(1);
            if more == 0 || more > spare || v.ends_with(" UTC") {
                right.push(line(right_w, label_w)(&(k, v.clone())));
                continue;
            }
            spare -= more;
            for (i, part) in chars.chunks(room).enumerate() {
                let head = if i == 0 { *k } else { "" };
                right.push(Line::from(vec![
                    Span::styled(format!("{head:>label_w$} "), th.dim()),
                    Span::raw(part.iter().collect::<String>()),
                ]));
            }
        }
        // The last change's result (and its request id) across the whole width.
        let top = (half.max(right.len()) as u16).min(inner.height);
        frame.render_widget(Paragraph::new(left), Rect::new(inner.x, inner.y, w, top));
        frame.render_widget(
            Paragraph::new(right),
            Rect::new(inner.x + w, inner.y, inner.width - w, top),
        );
        frame.render_widget(
            Paragraph::new(extra).wrap(Wrap { trim: false }),
            Rect::new(inner.x, inner.y + top, inner.width, inner.height - top),
        );
    } else {
        let mut lines: Vec<Line> = fields.iter().map(line(u16::MAX, labels(&fields))).collect();
        lines.extend(extra);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}

/// `v` in at most `room` columns: a time without its hour if that fits,
/// else cut with `…`.
fn fit(v: &str, room: usize) -> String {
    let len = v.chars().count();
    if len <= room {
        return v.to_string();
    }
    if v.ends_with(" UTC") && room >= DATE.len() && v.is_char_boundary(DATE.len()) {
        return v[..DATE.len()].to_string();
    }
    let mut cut: String = v.chars().take(room.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A timestamp's date part, `YYYY-MM-DD`.
const DATE: &str = "YYYY-MM-DD";

fn ts(t: &Option<Timestamp>) -> String {
    t.map(|t| t.0.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

fn user_fields(u: &crate::model::User) -> Vec<(&'static str, String)> {
    vec![
        ("Email", u.email().to_string()),
        ("Name", u.display_name().to_string()),
        ("User id", u.user_id.clone()),
        ("License", opt(&u.license_type)),
        ("User type", opt(&u.user_type)),
        ("Registration", opt(&u.user_registration_status)),
        ("Registered", ts(&u.registered_on)),
        ("Invitation", opt(&u.user_invitation_status)),
        ("Invited", ts(&u.invited_on)),
        (
            "A4B enabled",
            // No Alexa for Business metadata means not enabled.
            if u.a4b_enabled() == Some(true) {
                "yes".into()
            } else {
                "no".into()
            },
        ),
        ("A4B room", u.a4b_room_arn().unwrap_or("–").to_string()),
        (
            "Phone",
            u.primary_provisioned_number
                .as_ref()
                .map(|p| p.expose().to_string())
                .unwrap_or_default(),
        ),
        (
            "Personal PIN",
            if u.personal_pin.is_some() {
                "•••••• (hidden)".into()
            } else {
                String::new()
            },
        ),
    ]
}

fn result_lines(state: &State, row: &UserRow) -> Vec<Line<'static>> {
    let r = row.result.as_ref();
    let th = &state.theme;
    match r {
        None => Vec::new(),
        Some(RowResult::Done(
            OutcomeResult::Failed { request_id, .. }
            | OutcomeResult::Ok { request_id }
            | OutcomeResult::Unknown { request_id, .. },
        )) => {
            let mut v = vec![Line::from(vec![
                Span::styled("Last change ", th.dim()),
                result_span(state, row),
            ])];
            if let Some(id) = request_id {
                v.push(Line::from(vec![
                    Span::styled("Request id ", th.dim()),
                    Span::raw(crate::text::visible(id).into_owned()),
                ]));
            }
            v
        }
        Some(_) => vec![Line::from(vec![
            Span::styled("Last change ", th.dim()),
            result_span(state, row),
        ])],
    }
}

fn account_fields(state: &State, a: &Account) -> Vec<(&'static str, String)> {
    let licenses = a
        .supported_licenses
        .as_ref()
        .map(|l| l.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    let groups = a
        .signin_delegate_groups
        .as_ref()
        .map(|g| {
            g.iter()
                .filter_map(|g| g.group_name.as_deref())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    vec![
        ("Name", a.name.clone()),
        ("Account id", a.account_id.clone()),
        ("AWS account", a.aws_account_id.clone()),
        ("Type", opt(&a.account_type)),
        ("Status", opt(&a.account_status)),
        ("Default license", opt(&a.default_license)),
        ("Licenses", licenses),
        ("Created", ts(&a.created_timestamp)),
        ("Delegate groups", groups),
        (
            "Users",
            state
                .user_counts
                .get(&a.account_id)
                .map(|n| thousands(*n))
                .unwrap_or_else(|| "(open it to count)".into()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn values_are_shortened_visibly_never_cut_silently() {
        assert_eq!(fit("Pro", 10), "Pro");
        assert_eq!(fit("2020-02-04 19:25 UTC", 20), "2020-02-04 19:25 UTC");
        // A time keeps its date.
        assert_eq!(fit("2020-02-04 19:25 UTC", 16), "2020-02-04");
        // Anything else ends in an ellipsis, within the room.
        let arn = "arn:aws:a4b:us-east-1:123456789012:room/r1";
        assert_eq!(fit(arn, 12), "arn:aws:a4b…");
        assert_eq!(fit(arn, 12).chars().count(), 12);
        assert_eq!(fit("ünïcödé-name", 5), "ünïc…");
    }
}
