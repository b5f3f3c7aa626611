//! The `?` overlay's text, without styles: every key from the registry,
//! grouped, without the ones read-only mode hides, laid out for a width. The
//! key column is as wide as the longest key label shown (bounded, longer
//! labels end in `…`); descriptions wrap under themselves. `update` reads how
//! far it scrolls; `ui::help` draws it.

use ratatui::text::Span;

use super::command::{Command, Named, Verb};
use super::keys::Scope;
use super::state::State;

/// The overlay's width at most (it is narrower on a narrower terminal).
pub const WIDTH: u16 = 72;
/// The key column never takes more than this, so descriptions fit at 80×24.
const MAX_KEY_COLS: usize = 18;
/// Indent of a key under its group's title.
const INDENT: usize = 2;

/// One row of the overlay before it is laid out.
enum Row {
    Title(Scope),
    Blank,
    Key(String, String),
}
/// One line of the overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    Title(Scope),
    Blank,
    /// The key column (indented, padded) and the description's first line.
    Key(String, String),
    /// Blanks under the key column and a further line of the description.
    More(String, String),
}

/// How far the overlay scrolls in the state's terminal: its last line at the
/// bottom. `update` keeps the scroll within it; `ui::help` draws the overlay
/// `WIDTH` wide at most, between the title bar and the status line.
pub fn max_scroll(state: &State) -> u16 {
    let (w, h) = (WIDTH.min(state.width), state.height.saturating_sub(3));
    let lines = lines(state, usize::from(w.saturating_sub(2))).len();
    (lines as u16).saturating_sub(h.saturating_sub(2))
}

/// The overlay's lines for an inner width: a key's description wraps under
/// itself.
pub fn lines(state: &State, inner: usize) -> Vec<HelpLine> {
    let rows = rows(state);
    let key_w = rows
        .iter()
        .map(|row| match row {
            Row::Key(label, _) => cols(label),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
        .min(MAX_KEY_COLS);
    let desc_w = inner.saturating_sub(INDENT + key_w + 1).max(1);
    let mut lines = Vec::new();
    for row in rows {
        match row {
            Row::Title(scope) => lines.push(HelpLine::Title(scope)),
            Row::Blank => lines.push(HelpLine::Blank),
            Row::Key(label, description) => {
                let key = format!("{:INDENT$}{} ", "", pad(&truncate(&label, key_w), key_w));
                for (i, part) in wrap(&description, desc_w).into_iter().enumerate() {
                    if i == 0 {
                        lines.push(HelpLine::Key(key.clone(), part));
                    } else {
                        lines.push(HelpLine::More(" ".repeat(INDENT + key_w + 1), part));
                    }
                }
            }
        }
    }
    lines
}

/// The registry's entries grouped by scope; the command line's commands
/// follow its keys. With a search, only the keys whose label or
/// description holds it (and their groups' titles).
fn rows(state: &State) -> Vec<Row> {
    let needle = state.help_search.text().to_lowercase();
    let wanted = |label: &str, what: &str| {
        needle.is_empty()
            || label.to_lowercase().contains(&needle)
            || what.to_lowercase().contains(&needle)
    };
    let mut keys: Vec<(Scope, String, String)> = Vec::new();
    for (scope, e) in state.keymap.help_entries(state.read_only) {
        keys.push((scope, e.label.clone(), e.description.to_string()));
        if scope == Scope::CommandLine && e.command == Command::ForceQuit {
            for verb in Verb::all() {
                keys.push((scope, format!(":{}", verb.name()), verb.help()));
            }
        }
    }
    let mut rows = Vec::new();
    let mut last: Option<Scope> = None;
    for (scope, label, what) in keys {
        if !wanted(&label, &what) {
            continue;
        }
        if last != Some(scope) {
            if last.is_some() {
                rows.push(Row::Blank);
            }
            rows.push(Row::Title(scope));
            last = Some(scope);
        }
        rows.push(Row::Key(label, what));
    }
    rows
}

/// Terminal columns a string takes.
fn cols(s: &str) -> usize {
    Span::raw(s).width()
}

/// `s` cut to `w` columns, ending in `…` when something was cut.
fn truncate(s: &str, w: usize) -> String {
    if cols(s) <= w {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        let mut next = out.clone();
        next.push(c);
        if cols(&next) + 1 > w {
            break;
        }
        out = next;
    }
    out.push('…');
    out
}

/// `s` padded with spaces to `w` columns.
fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(cols(s))))
}

/// `text` broken into lines of at most `w` columns at spaces; a word longer
/// than a line is cut with `…`.
fn wrap(text: &str, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let word = truncate(word, w);
        if line.is_empty() {
            line = word;
        } else if cols(&line) + 1 + cols(&word) <= w {
            line.push(' ');
            line.push_str(&word);
        } else {
            out.push(std::mem::replace(&mut line, word));
        }
    }
    out.push(line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command has a name and a line in the `?` help: a key command
    /// its name (the config's `[keys]` word, read back to it) and an entry
    /// in the key registry; a `:` command its word (read back to it) and its
    /// `:word` line under the command line's keys.
    #[test]
    fn every_command_has_a_name_and_a_help_line() {
        let state = State::new("test", false, crate::console::theme::Theme::default());
        let lines: Vec<(String, String)> = rows(&state)
            .into_iter()
            .filter_map(|r| match r {
                Row::Key(label, what) => Some((label, what)),
                _ => None,
            })
            .collect();
        let mut names = std::collections::BTreeSet::new();
        for c in Command::all() {
            let name = c.name();
            assert!(!name.is_empty(), "{c:?} has no name");
            assert_eq!(Command::from_name(name), Some(c), "{name}");
            assert!(names.insert(name), "two commands are named {name}");
            assert!(
                state
                    .keymap
                    .help_entries(false)
                    .iter()
                    .any(|(_, e)| e.command == c && !e.description.is_empty()),
                "{c:?} ({name}) has no help line: give it an entry in keys.rs's BINDINGS"
            );
        }
        for v in Verb::all() {
            let word = v.name();
            assert!(!word.is_empty(), "{v:?} has no word");
            assert_eq!(Verb::from_name(word), Some(v), "{word}");
            assert!(
                !v.spec().1.trim().is_empty()
                    && lines
                        .iter()
                        .any(|(label, what)| *label == format!(":{word}") && *what == v.help()),
                ":{word} has no help line: give it one in Verb::spec"
            );
        }
    }

    #[test]
    fn long_labels_are_cut_and_descriptions_wrap_at_spaces() {
        assert_eq!(truncate("shift-tab/↑", 11), "shift-tab/↑");
        assert_eq!(truncate("shift-tab/↑", 6), "shift…");
        assert_eq!(pad("↑/k", 5), "↑/k  ");
        assert_eq!(
            wrap("mark every user matching the filter", 12),
            ["mark every", "user", "matching the", "filter"]
        );
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("abcdefghijk z", 5), ["abcd…", "z"]);
    }
}
