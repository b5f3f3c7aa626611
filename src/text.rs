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
//! - [`csv_cell`]: CSV is for people (spreadsheets, eyes): a cell is shown
//!   as [`visible`] shows it, and a cell that then starts with `=`, `+`,
//!   `-`, `@`, tab or CR is prefixed with `'` (OWASP's advice against CSV
//!   injection); [`csv_uncell`] undoes the prefix for the cells we read back
//!   (`--ids-from`).
//! - [`json_pretty`] and [`json_line`]: JSON is for programs and keeps the
//!   exact string, but every hidden character is written as a `\uXXXX`
//!   escape (serde_json escapes only C0 controls), so the same value reaches
//!   a reader and nothing reaches a terminal that `cat`s the file.

use std::borrow::Cow;

/// `1234567` → `1,234,567`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 user" or "1,234 users".
pub fn users_word(n: usize) -> String {
    if n == 1 {
        "1 user".into()
    } else {
        format!("{} users", thousands(n))
    }
}

/// The candidate `word` looks like a typo of (case ignored): at most two
/// edits away (a swap of two letters is one), and fewer edits than half
/// its length. None when nothing is that near, or `word` is one already.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.trim().to_lowercase();
    let near: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&word, &c.to_lowercase()), c))
        .collect();
    if near.iter().any(|&(d, _)| d == 0) {
        return None;
    }
    near.into_iter()
        .filter(|&(d, c)| d <= 2 && d * 2 < c.chars().count())
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// "did you mean X? " when `word` looks like a typo of a candidate, to
/// go before the list of what exists (so a narrow line cuts the list, not
/// the guess); empty otherwise.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!("did you mean {c}? "))
        .unwrap_or_default()
}

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

/// Untrusted text as a message may quote it: at most `max` characters, and
/// if there were more, how many (`…(300000000 characters)`), so a huge
/// value never becomes a huge message.
pub fn cut(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((end, _)) => Cow::Owned(format!("{}…({} characters)", &s[..end], s.chars().count())),
    }
}

/// How many characters of untrusted text a message quotes.
pub const QUOTED: usize = 200;

/// The characters a spreadsheet reads as the start of a formula.
fn starts_formula(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// A CSV cell that a spreadsheet will show as text, never run as a formula,
/// with hidden characters shown as [`visible`] shows them. A value that
/// itself starts with `'` gets one more, so that [`csv_uncell`] gives back
/// exactly what was written (for text without hidden characters).
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    let v = visible(s);
    if starts_formula(&v) || v.starts_with('\'') {
        Cow::Owned(format!("'{v}"))
    } else {
        v
    }
}

/// A serde_json formatter that also escapes every [`is_hidden`] character
/// (DEL, C1 controls, bidi and zero-width characters), which serde_json
/// writes raw: the JSON value is the same, the bytes never act on a
/// terminal.
struct Escaping<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| is_hidden(c)) {
            w.write_all(&rest.as_bytes()[..i])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{u:04x}")?;
            }
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

fn json_with<F: serde_json::ser::Formatter>(
    value: &impl serde::Serialize,
    formatter: F,
) -> serde_json::Result<String> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Escaping(formatter));
    value.serialize(&mut ser)?;
    // Only whole UTF-8 strings and ASCII escapes were written.
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// [`json_pretty`] written straight to `out` (a long listing is not held
/// twice in memory).
pub fn write_json_pretty(
    out: impl std::io::Write,
    value: &impl serde::Serialize,
) -> serde_json::Result<()> {
    let formatter = Escaping(serde_json::ser::PrettyFormatter::new());
    value.serialize(&mut serde_json::Serializer::with_formatter(out, formatter))
}

/// `value` as indented JSON, hidden characters `\u`-escaped.
pub fn json_pretty(value: &impl serde::Serialize) -> serde_json::Result<String> {
    json_with(value, serde_json::ser::PrettyFormatter::new())
}

/// `value` as one line of JSON (JSON Lines), hidden characters `\u`-escaped.
pub fn json_line(value: &impl serde::Serialize) -> serde_json::Result<String> {
    json_with(value, serde_json::ser::CompactFormatter)
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
    /// A typo names what was meant; a word far from every candidate, or a
    /// candidate itself, names nothing.
    #[test]
    fn closest_names_the_value_a_typo_was_meant_to_be() {
        use super::closest;
        let reg = ["registered", "unregistered", "suspended"];
        assert_eq!(closest("unregisterd", reg), Some("unregistered"));
        assert_eq!(closest("Suspnded", reg), Some("suspended"));
        assert_eq!(closest("registered", reg), None, "exact: no suggestion");
        assert_eq!(closest("gold", ["Basic", "Plus", "Pro", "ProTrial"]), None);
        assert_eq!(
            closest("prp", ["Basic", "Plus", "Pro", "ProTrial"]),
            Some("Pro")
        );
        assert_eq!(
            closest("licnese", ["license", "type", "reg"]),
            Some("license")
        );
        assert_eq!(closest("x", ["a4b", "reg"]), None, "too short to guess");
    }

    #[test]
    fn cut_keeps_short_text_and_counts_long_text() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "abc…(4 characters)");
        assert_eq!(cut("ééé€", 2), "éé…(4 characters)");
        let huge = "x".repeat(1_000_000);
        assert!(cut(&huge, QUOTED).len() < 250);
    }

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
    fn json_escapes_what_would_act_on_a_terminal_and_keeps_the_value() {
        let hostile = "Evil\u{1b}]0;T\u{7}\u{7f}\u{9b}2J\u{202e}txt\u{200b}\u{E0041} Zoë \"q\"";
        let v = serde_json::json!({ "Name": hostile, "List": [hostile] });
        for text in [json_pretty(&v).expect("json"), json_line(&v).expect("json")] {
            assert!(!text.chars().any(|c| is_hidden(c) && c != '\n'), "{text:?}");
            assert!(
                text.contains("\\u009b") && text.contains("\\u202e"),
                "{text}"
            );
            assert!(
                text.contains("\\udb40\\udc41") && text.contains("Zoë"),
                "{text}"
            );
            let back: serde_json::Value = serde_json::from_str(&text).expect("parses");
            assert_eq!(back, v);
        }
        assert!(!json_line(&v).expect("json").contains('\n'));
    }

    #[test]
    fn csv_cells_show_hidden_characters() {
        assert_eq!(csv_cell("a\u{1b}[2Jb"), "a⟨U+001B⟩[2Jb");
        assert_eq!(csv_cell("\u{202e}=1+1"), "⟨U+202E⟩=1+1");
        assert_eq!(csv_cell("line\nbreak"), "line⟨U+000A⟩break");
    }

    #[test]
    fn formula_cells_are_neutralised_and_read_back() {
        for s in ["=1+1", "+1", "-2", "@SUM(A1)", "'=x", "'quoted"] {
            let cell = csv_cell(s);
            assert_eq!(cell, format!("'{s}"));
            assert_eq!(csv_uncell(&cell), s);
        }
        // A leading tab or CR is shown, so it no longer starts a formula.
        assert_eq!(csv_cell("\tx"), "⟨U+0009⟩x");
        assert_eq!(csv_cell("\r=x"), "⟨U+000D⟩=x");
        // What an older version (or another tool) wrote still reads back.
        assert_eq!(csv_uncell("'\tx"), "\tx");
        for s in ["plain", "a=b", "", "x'"] {
            assert_eq!(csv_cell(s), s);
            assert_eq!(csv_uncell(s), s);
        }
    }
}
