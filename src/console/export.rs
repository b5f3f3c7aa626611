//! Export and copy, pure: the users view, the marked rows or the last
//! change's results as CSV or JSON with the model's member names (the same
//! columns as `chime-admin users --output csv` and `update-users --output`),
//! and the OSC52 sequence that puts text on the clipboard of the machine the
//! user sits at (through SSH and tmux).

use serde::Serialize;

use crate::model::User;

use super::state::{RowResult, UserRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// The columns of `chime-admin users --output csv`.
pub use crate::columns::USER_COLUMNS;

/// The columns of `chime-admin update-users --output csv`.
pub use crate::columns::RESULT_COLUMNS;
use crate::columns::ResultRow;

/// Cells neutralised against spreadsheet formulas (see `crate::columns`).
fn csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<String, String> {
    crate::columns::csv_string(header, rows)
}

/// Users as CSV (the `users --output csv` columns) or JSON (`{"Users": [...]}`,
/// without personal PINs).
pub fn users(format: Format, users: &[&User]) -> Result<String, String> {
    match format {
        Format::Csv => csv(
            &USER_COLUMNS,
            users.iter().map(|u| crate::columns::user_row(u)),
        ),
        Format::Json => {
            #[derive(Serialize)]
            #[serde(rename_all = "PascalCase")]
            struct Out<'a> {
                users: &'a [&'a User],
            }
            // A personal PIN is a secret: never written to an export.
            let owned: Vec<User> = users
                .iter()
                .map(|u| User {
                    personal_pin: None,
                    ..(*u).clone()
                })
                .collect();
            let users: Vec<&User> = owned.iter().collect();
            let mut s =
                crate::text::json_pretty(&Out { users: &users }).map_err(|e| e.to_string())?;
            s.push('\n');
            Ok(s)
        }
    }
}

/// One row's last result, as `update-users --output` prints it.
fn result_out(r: &UserRow) -> Option<ResultRow<'_>> {
    let user_id = r.user.user_id.as_str();
    let email = Some(r.user.email());
    Some(
        match r.result.as_ref()? {
            RowResult::Pending => ResultRow::plain(user_id, "Pending"),
            RowResult::Already => ResultRow::plain(user_id, "Already"),
            RowResult::Done(o) => ResultRow::of(user_id, o),
        }
        .with_email(email),
    )
}

/// The last change's results of these rows (rows without one are left out).
pub fn results(format: Format, rows: &[&UserRow]) -> Result<String, String> {
    let out: Vec<ResultRow> = rows.iter().filter_map(|r| result_out(r)).collect();
    match format {
        Format::Csv => csv(&RESULT_COLUMNS, out.iter().map(ResultRow::cells)),
        Format::Json => {
            #[derive(Serialize)]
            #[serde(rename_all = "PascalCase")]
            struct Out<'a> {
                results: &'a [ResultRow<'a>],
            }
            let mut s =
                crate::text::json_pretty(&Out { results: &out }).map_err(|e| e.to_string())?;
            s.push('\n');
            Ok(s)
        }
    }
}

/// Standard base64 with padding (RFC 4648), for OSC52.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(A[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `ESC ] 52 ; c ; BASE64 BEL`: the terminal puts the text on the clipboard.
/// With `tmux_passthrough` it is wrapped as `ESC P tmux; … ESC \` with every
/// ESC inside doubled, for a tmux that does not take OSC52 itself
/// (`set-clipboard` not `on`).
pub fn osc52(text: &str, tmux_passthrough: bool) -> String {
    let seq = format!("\x1b]52;c;{}\x07", base64(text.as_bytes()));
    if tmux_passthrough {
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}
