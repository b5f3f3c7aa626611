//! The console's one-line text inputs (filters, prompts, the room ARN, the
//! command line): how long each may get, and a paste inserted as text. Pure.
//!
//! A paste is text, never keys: its line breaks and tabs become spaces (an
//! invite list pasted one email per line becomes one email after another),
//! other control characters are dropped, and whatever goes past the input's
//! limit is cut, with a notice. Only what fits is ever looked at, so a
//! 200 KB paste costs no more than a short one.

use tui_input::Input;

/// The filter line of a list: longer than any email (256) with room to spare.
pub const FILTER_MAX: usize = 320;
/// An email address (RFC 5321's path limit, as Chime's API allows).
pub const EMAIL_MAX: usize = 256;
/// Emails one invitation list may hold (ten InviteUsers calls of 50).
pub const INVITE_MAX: usize = 500;
/// The invite list in characters: `INVITE_MAX` emails and their separators.
pub const INVITE_CHARS_MAX: usize = INVITE_MAX * (EMAIL_MAX + 2);
/// Any other line: account and group names, user names, room ARNs, `:` commands.
pub const LINE_MAX: usize = 1024;

/// What inserting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Inserted {
    /// Characters inserted.
    pub chars: usize,
    /// Some of the text did not fit and was left out.
    pub cut: bool,
}

/// Inserts `text` at the cursor of `input`, keeping it at most `max`
/// characters: line breaks and tabs become spaces, other control characters
/// are dropped. Only the characters that fit are read.
pub fn insert(input: &mut Input, text: &str, max: usize) -> Inserted {
    let value = input.value();
    let len = value.chars().count();
    let room = max.saturating_sub(len);
    let mut chars = text
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .peekable();
    let mut added = String::new();
    let mut n = 0;
    while n < room {
        match chars.next() {
            Some(c) => {
                added.push(c);
                n += 1;
            }
            None => break,
        }
    }
    let cut = chars.peek().is_some();
    if n > 0 {
        let cursor = input.cursor().min(len);
        let at = value
            .char_indices()
            .nth(cursor)
            .map_or(value.len(), |(i, _)| i);
        let mut s = String::with_capacity(value.len() + added.len());
        s.push_str(&value[..at]);
        s.push_str(&added);
        s.push_str(&value[at..]);
        *input = Input::new(s).with_cursor(cursor + n);
    }
    Inserted { chars: n, cut }
}

/// Whether one more character fits in `input` under `max`.
pub fn fits_one_more(input: &Input, max: usize) -> bool {
    input.value().chars().count() < max
}

/// The notice for a cut paste.
pub fn cut_notice(max: usize, what: &str) -> String {
    format!("paste cut: {what} takes {max} characters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_goes_in_at_the_cursor_as_one_line_and_is_cut_at_the_limit() {
        let mut i = Input::new("ab".into()).with_cursor(1);
        let r = insert(&mut i, "x\ny\tz\u{1b}[2J", 100);
        assert_eq!(i.value(), "ax y z[2Jb");
        assert_eq!(i.cursor(), 9);
        assert_eq!(
            r,
            Inserted {
                chars: 8,
                cut: false
            }
        );
        let r = insert(&mut i, "0123456789", 12);
        assert_eq!(i.value(), "ax y z[2J01b");
        assert!(r.cut);
        let r = insert(&mut i, "more", 12);
        assert_eq!(
            r,
            Inserted {
                chars: 0,
                cut: true
            }
        );
        assert_eq!(i.value(), "ax y z[2J01b");
        assert!(!fits_one_more(&i, 12));
        assert!(fits_one_more(&i, 13));
    }

    #[test]
    fn multibyte_text_is_cut_on_a_character() {
        let mut i = Input::default();
        let r = insert(&mut i, "ééé⟨x⟩", 4);
        assert_eq!(i.value(), "ééé⟨");
        assert!(r.cut);
    }
}
