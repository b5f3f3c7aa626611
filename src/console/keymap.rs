//! The key registry with the user's keys ([`Keymap`]): the config's
//! `[keys]` table read onto `keys.rs`'s defaults (checked for unknown
//! commands, unreadable keys and conflicts), then key dispatch, the footer
//! and the help's entries from it, so all three always show the same keys.
//! Keys as the config writes them ([`parse_key`]) and as the screen does
//! ([`key_name`]).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::command::{Command, Named};
use super::keys::{BINDINGS, Binding, Key, KeyContext, Scope, key};

/// A key press as the registry writes keys.
fn normalize(ev: &KeyEvent) -> Key {
    let mut mods = ev.modifiers;
    // Shifted letters and shift-tab arrive with SHIFT; the key code already says it.
    if matches!(ev.code, KeyCode::Char(_) | KeyCode::BackTab) {
        mods.remove(KeyModifiers::SHIFT);
    }
    Key {
        code: ev.code,
        mods,
    }
}

/// The bindings live in a context with the default keys, in registry order.
pub fn active(ctx: KeyContext) -> impl Iterator<Item = &'static Entry> {
    DEFAULT.active(ctx)
}

/// The command a key press means here with the default keys, if any.
pub fn command_for(ctx: KeyContext, ev: &KeyEvent) -> Option<Command> {
    DEFAULT.command_for(ctx, ev)
}

/// The footer hints with the default keys.
pub fn footer(ctx: KeyContext) -> Vec<(String, &'static str)> {
    DEFAULT.footer(ctx)
}

/// Every binding for the help overlay with the default keys.
pub fn help_entries(read_only: bool) -> Vec<(Scope, &'static Entry)> {
    DEFAULT.help_entries(read_only)
}

static DEFAULT: std::sync::LazyLock<Keymap> = std::sync::LazyLock::new(Keymap::default);

/// Scopes of the main screen, whose keys the config may remap. Modal scopes
/// (input line, form, help, dialogs) keep enter/esc/arrows.
const REMAPPABLE: [Scope; 5] = [
    Scope::Global,
    Scope::List,
    Scope::Users,
    Scope::Accounts,
    Scope::Batch,
];

/// One registry entry with the keys in effect (the default or the config's).
#[derive(Debug, Clone)]
pub struct Entry {
    pub binding: &'static Binding,
    pub keys: Vec<Key>,
    /// How the keys are written in the footer and the help.
    pub label: String,
    /// The keys come from the config file.
    pub remapped: bool,
}

impl std::ops::Deref for Entry {
    type Target = Binding;
    fn deref(&self) -> &Binding {
        self.binding
    }
}

/// The registry with the user's keys: it drives dispatch, the footer and
/// the help, so all three always show the same keys.
#[derive(Debug, Clone)]
pub struct Keymap {
    entries: Vec<Entry>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut map = Keymap {
            entries: BINDINGS
                .iter()
                .map(|b| Entry {
                    binding: b,
                    keys: b.keys.to_vec(),
                    label: b.label.to_string(),
                    remapped: false,
                })
                .collect(),
        };
        map.derive_help_close();
        map
    }
}

impl Keymap {
    /// The registry with `command name → keys` from the config. Unknown
    /// commands, unreadable keys and two commands on one key are errors.
    pub fn with_overrides(
        overrides: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (name, specs) in overrides {
            let command = Command::from_name(name).ok_or_else(|| {
                format!("keys.{name}: no such command (the names are listed by `?` in the console and in the README)")
            })?;
            let keys = specs
                .iter()
                .map(|s| parse_key(s).map_err(|e| format!("keys.{name}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            let label = keys.iter().map(key_name).collect::<Vec<_>>().join("/");
            let mut found = false;
            for e in map
                .entries
                .iter_mut()
                .filter(|e| e.command == command && REMAPPABLE.contains(&e.scope))
            {
                e.keys = keys.clone();
                e.label = label.clone();
                e.remapped = true;
                found = true;
            }
            if !found {
                return Err(format!(
                    "keys.{name}: this key works only inside a dialog or input line and cannot be remapped"
                ));
            }
        }
        map.derive_help_close();
        map.check_conflicts()?;
        Ok(map)
    }

    /// The help overlay closes with Esc and with the keys that open it,
    /// quit and go back (whatever they are bound to). Those keys close the
    /// overlay rather than scroll it.
    fn derive_help_close(&mut self) {
        let mut close = vec![key(KeyCode::Esc)];
        for command in [Command::Help, Command::Quit, Command::Back] {
            for e in self
                .entries
                .iter()
                .filter(|e| e.command == command && e.scope == Scope::Global)
            {
                for k in &e.keys {
                    if !close.contains(k) {
                        close.push(*k);
                    }
                }
            }
        }
        let label = close.iter().map(key_name).collect::<Vec<_>>().join("/");
        for e in self.entries.iter_mut().filter(|e| e.scope == Scope::Help) {
            if e.command == Command::Back {
                e.keys = close.clone();
                e.label = label.clone();
            } else if e.command != Command::ForceQuit {
                e.keys = e
                    .binding
                    .keys
                    .iter()
                    .filter(|k| !close.contains(k))
                    .copied()
                    .collect();
            }
        }
    }

    /// How the keys of `command` in `scope` are written, if it has an entry.
    pub fn label(&self, scope: Scope, command: Command) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.scope == scope && e.command == command)
            .map(|e| e.label.as_str())
    }

    /// Two commands that can apply at once must not share a key.
    fn check_conflicts(&self) -> Result<(), String> {
        let overlap = |a: Scope, b: Scope| {
            a == b
                || [a, b].contains(&Scope::Global)
                || [a, b].contains(&Scope::Batch)
                || ([a, b].contains(&Scope::List)
                    && ([a, b].contains(&Scope::Users) || [a, b].contains(&Scope::Accounts)))
        };
        let main: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| REMAPPABLE.contains(&e.scope))
            .collect();
        for (i, a) in main.iter().enumerate() {
            for b in &main[i + 1..] {
                if a.command == b.command || !overlap(a.scope, b.scope) {
                    continue;
                }
                if let Some(k) = a.keys.iter().find(|k| b.keys.contains(k)) {
                    let how = |e: &Entry| {
                        if e.remapped {
                            format!("`{}` (config keys.{})", e.command.name(), e.command.name())
                        } else {
                            format!("`{}` (default)", e.command.name())
                        }
                    };
                    return Err(format!(
                        "key bindings conflict: `{}` is bound to both {} and {}",
                        key_name(k),
                        how(a),
                        how(b)
                    ));
                }
            }
        }
        Ok(())
    }

    /// The entries live in a context, in registry order.
    pub fn active(&self, ctx: KeyContext) -> impl Iterator<Item = &Entry> {
        let scopes = ctx.scopes();
        self.entries
            .iter()
            .filter(move |e| scopes.contains(&e.scope) && !(ctx.read_only && e.dangerous))
    }

    /// The command a key press means here, if any.
    pub fn command_for(&self, ctx: KeyContext, ev: &KeyEvent) -> Option<Command> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let k = normalize(ev);
        self.active(ctx)
            .find(|e| e.keys.contains(&k))
            .map(|e| e.command)
    }

    /// The footer hints: `(keys, description)` of the footer bindings; the
    /// focused pane's own actions first, then help, then the rest (the
    /// footer shows what fits).
    pub fn footer(&self, ctx: KeyContext) -> Vec<(String, &'static str)> {
        let mut hints: Vec<(u8, String, &'static str)> = self
            .active(ctx)
            .filter_map(|e| {
                let rank = match (e.scope, e.command) {
                    (Scope::Batch | Scope::Users | Scope::Accounts, _) => 0,
                    (_, Command::Help) => 1,
                    _ => 2,
                };
                e.footer.map(|hint| (rank, e.label.clone(), hint))
            })
            .collect();
        hints.sort_by_key(|h| h.0);
        hints.into_iter().map(|(_, k, d)| (k, d)).collect()
    }

    /// Every entry for the help overlay, grouped by scope, without read-only-hidden ones.
    pub fn help_entries(&self, read_only: bool) -> Vec<(Scope, &Entry)> {
        let order = [
            Scope::Global,
            Scope::List,
            Scope::Users,
            Scope::Accounts,
            Scope::Batch,
            Scope::Input,
            Scope::Prompt,
            Scope::Settings,
            Scope::CommandLine,
            Scope::Form,
            Scope::Dialog,
            Scope::History,
        ];
        let mut out = Vec::new();
        for scope in order {
            for e in self
                .entries
                .iter()
                .filter(|e| e.scope == scope && !(read_only && e.dangerous))
            {
                out.push((scope, e));
            }
        }
        out
    }
}

/// Reads a key as written in the config: `q`, `G`, `ctrl-r`, `alt-x`,
/// `space`, `enter`, `esc`, `tab`, `shift-tab`, `up`, `pgdn`, `f5`, …
pub fn parse_key(s: &str) -> Result<Key, String> {
    let mut mods = KeyModifiers::NONE;
    let mut rest = s;
    loop {
        let lower = rest.to_ascii_lowercase();
        if rest.chars().count() > 1 && lower.starts_with("ctrl-") {
            mods |= KeyModifiers::CONTROL;
            rest = &rest[5..];
        } else if rest.chars().count() > 1 && lower.starts_with("alt-") {
            mods |= KeyModifiers::ALT;
            rest = &rest[4..];
        } else {
            break;
        }
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(c),
        _ => match rest.to_ascii_lowercase().as_str() {
            "space" => KeyCode::Char(' '),
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "shift-tab" | "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            f if f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                return Err(format!(
                    "{s:?} is not a key (write e.g. q, G, ctrl-r, space, enter, pgdn, f5)"
                ));
            }
        },
    };
    Ok(Key { code, mods })
}

/// A key as the footer and help write it.
pub fn key_name(k: &Key) -> String {
    let base = match k.code {
        KeyCode::Char(' ') => "space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "enter".into(),
        KeyCode::Esc => "esc".into(),
        KeyCode::Tab => "tab".into(),
        KeyCode::BackTab => "shift-tab".into(),
        KeyCode::Backspace => "backspace".into(),
        KeyCode::Delete => "del".into(),
        KeyCode::Insert => "ins".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "pgup".into(),
        KeyCode::PageDown => "pgdn".into(),
        KeyCode::Home => "home".into(),
        KeyCode::End => "end".into(),
        KeyCode::F(n) => format!("f{n}"),
        other => format!("{other:?}").to_lowercase(),
    };
    let mut out = String::new();
    if k.mods.contains(KeyModifiers::CONTROL) {
        out.push_str("ctrl-");
    }
    if k.mods.contains(KeyModifiers::ALT) {
        out.push_str("alt-");
    }
    out + &base
}
