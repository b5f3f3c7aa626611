//! Untrusted text made safe to show, and safe to hand to a spreadsheet.
//!
//! Names, emails and error messages come from the network or from files: they
//! may hold escape sequences (set the title, write the clipboard, clear the
//! screen), bidi overrides that reorder what the admin reads, zero-width
//! characters that hide a difference, or a spreadsheet formula. One function
//! decides what is shown of each, for the console and for plain output alike:
//!
//! - [`visible`]: every control character (C0, DEL, C1) and every bidi or
//!   zero-width format character is shown as `⟨U+XXXX⟩`, so it can be seen and
//!   never acts. Everything else is kept exactly.
//! - [`csv_cell`]: a cell that starts with `=`, `+`, `-`, `@`, tab or CR is
//!   prefixed with `'` (OWASP's advice against CSV injection);
//!   [`csv_uncell`] undoes it for the cells we read back (`--ids-from`).
//!
//! JSON output keeps the exact string: serde_json escapes control characters
//! itself and a JSON reader is not a terminal.

use std::borrow::Cow;

/// True for the characters [`visible`] shows as `⟨U+XXXX⟩`: controls, and
/// the format characters that reorder or hide text.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'              // soft hyphen
            | '\u{034F}'            // combining grapheme joiner
            | '\u{061C}'            // Arabic letter mark
            | '\u{115F}' | '\u{1160}' // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' // Mongolian variation selectors, vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
            | '\u{2028}'..='\u{202E}' // line/paragraph separators, bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, bidi isolates, deprecated formats
            | '\u{3164}'            // Hangul filler
            | '\u{FE00}'..='\u{FE0F}' // variation selectors
            | '\u{FEFF}'            // zero-width no-break space (BOM)
            | '\u{FFA0}'            // halfwidth Hangul filler
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
            | '\u{E0000}'..='\u{E007F}' // tags
        )
}

/// `s` as it may reach a terminal: hidden characters made visible as
/// `⟨U+XXXX⟩`. Borrows when there is nothing to change (the common case).
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_hidden(c) {
            out.push_str(&format!("⟨U+{:04X}⟩", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The characters a spreadsheet reads as the start of a formula.
fn starts_formula(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// A CSV cell that a spreadsheet will show as text, never run as a formula.
/// A value that itself starts with `'` gets one more, so that
/// [`csv_uncell`] gives back exactly what was written.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    if starts_formula(s) || s.starts_with('\'') {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The value [`csv_cell`] was given, from what it wrote.
pub fn csv_uncell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if starts_formula(rest) || rest.starts_with('\'') => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for s in [
            "ana@example.com",
            "Zoë Ångström",
            "日本語",
            "",
            "a b\u{00A0}c",
        ] {
            assert!(matches!(visible(s), Cow::Borrowed(x) if x == s), "{s:?}");
        }
    }

    #[test]
    fn escapes_bidi_and_zero_width_are_shown_not_run() {
        let hostile = "\u{1b}]0;TITLE\u{7}\u{1b}]52;c;aGk=\u{7}\u{1b}[2J";
        let v = visible(hostile);
        assert!(!v.chars().any(|c| c.is_control()), "{v}");
        assert_eq!(
            v,
            "⟨U+001B⟩]0;TITLE⟨U+0007⟩⟨U+001B⟩]52;c;aGk=⟨U+0007⟩⟨U+001B⟩[2J"
        );
        assert_eq!(visible("abc\u{202E}gpj.exe"), "abc⟨U+202E⟩gpj.exe");
        assert_eq!(visible("ad\u{200B}min"), "ad⟨U+200B⟩min");
        assert_eq!(visible("x\u{2066}y\u{2069}"), "x⟨U+2066⟩y⟨U+2069⟩");
        assert_eq!(visible("\u{9b}31m"), "⟨U+009B⟩31m");
        assert_eq!(visible("a\nb\tc\r"), "a⟨U+000A⟩b⟨U+0009⟩c⟨U+000D⟩");
        assert_eq!(visible("\u{FEFF}x"), "⟨U+FEFF⟩x");
        assert_eq!(visible("\u{E0041}"), "⟨U+E0041⟩");
    }

    #[test]
    fn formula_cells_are_neutralised_and_read_back() {
        for s in [
            "=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "'=x", "'quoted",
        ] {
            let cell = csv_cell(s);
            assert_eq!(cell, format!("'{s}"));
            assert_eq!(csv_uncell(&cell), s);
        }
        for s in ["plain", "a=b", "", "x'"] {
            assert_eq!(csv_cell(s), s);
            assert_eq!(csv_uncell(s), s);
        }
    }
}
