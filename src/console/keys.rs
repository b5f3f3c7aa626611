//! The one key registry. Each entry names a command, its default keys, a
//! description and whether it changes anything (dangerous). The same table
//! drives key dispatch (`command_for`), the footer hints (`footer`), the `?`
//! help overlay (`help_entries`) and read-only mode (dangerous entries vanish
//! from all three).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    PrevPane,
    /// Enter: open the account under the cursor.
    Open,
    /// Esc: close what is on top, clear the filter, go back a pane.
    Back,
    Reload,
    Help,
    Filter,
    /// Enter in an input line: keep it.
    Submit,
    Quit,
    ForceQuit,
    Mark,
    MarkRange,
    MarkAll,
    InvertMarks,
    ClearMarks,
    /// `y` in a confirm dialog.
    Yes,
    /// `e`: the change form for the marked users (or the current one).
    Edit,
    /// `r`: the failed users of the last change, through the same preview.
    Retry,
    /// Stop sending the rest of the running change.
    CancelBatch,
    /// Suspend / unsuspend the marked users; log out / reset the PIN of the current one.
    Suspend,
    Unsuspend,
    Logout,
    ResetPin,
    /// Accounts: new, rename, default license, delete (type the name).
    NewAccount,
    RenameAccount,
    DefaultLicense,
    DeleteAccount,
    /// Users: create one, invite a pasted list.
    CreateUser,
    Invite,
    /// Account settings / a user's telephony settings.
    Settings,
    /// Associate / disassociate sign-in delegate groups.
    AddGroups,
    RemoveGroups,
    /// Next / previous form field or dialog button.
    NextField,
    PrevField,
    /// `←`/`→` on a form field.
    PrevValue,
    NextValue,
    /// `:`: the command line.
    CommandLine,
    /// In the form while `a` is still marking: go on with only the users
    /// marked so far (marking stops).
    OnlyLoaded,
    /// `o`: sort the users by the next column; `O`: reverse the order.
    SortNext,
    SortReverse,
    /// `F`: show only the users the last change failed for (again: all).
    ShowFailed,
    /// `n` / `N`: the next / previous failed user.
    NextFailed,
    PrevFailed,
    /// `z`: the focused pane takes the whole width.
    Zoom,
    /// `s` in a preview: save its plan as a file (to review, `apply` later).
    SavePlan,
    /// `H`: the changes in the audit log.
    History,
    /// `u` in the history: the undo of the change under the cursor (its
    /// preview first).
    Undo,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every pane, no modal open.
    Global,
    /// A list pane (accounts or users).
    List,
    /// The users pane only.
    Users,
    /// The accounts pane only.
    Accounts,
    /// The open filter input.
    Input,
    /// A one-line prompt (create, invite, rename, delete, groups).
    Prompt,
    /// The settings toggles.
    Settings,
    /// The help overlay.
    Help,
    /// An error or confirm dialog.
    Dialog,
    /// The change form.
    Form,
    /// While a change is being sent.
    Batch,
    /// The `:` command line.
    CommandLine,
    /// The history of changes (`H`, `:history`).
    History,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn key(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}
const fn ch(c: char) -> Key {
    key(KeyCode::Char(c))
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub command: Command,
    pub scope: Scope,
    pub keys: &'static [Key],
    /// How the keys are written in the footer and the help.
    pub label: &'static str,
    pub description: &'static str,
    /// Changes something on the service: hidden and refused in read-only mode.
    pub dangerous: bool,
    /// The footer hint, if the binding is shown there.
    pub footer: Option<&'static str>,
}

/// A binding that changes something on the service.
const fn danger(b: Binding) -> Binding {
    Binding {
        dangerous: true,
        ..b
    }
}

const fn b(
    command: Command,
    scope: Scope,
    keys: &'static [Key],
    label: &'static str,
    description: &'static str,
    footer: Option<&'static str>,
) -> Binding {
    Binding {
        command,
        scope,
        keys,
        label,
        description,
        dangerous: false,
        footer,
    }
}

/// Where the input keys go, decided by what is on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    FilterInput,
    Help,
    Dialog,
    Form,
    /// The settings toggles (`T`).
    Settings,
    Prompt,
    /// The `:` command line is open.
    CommandLine,
    /// The history of changes.
    History,
}

/// The commands, with what they take (for completion and the help).
pub const COMMANDS: &[(&str, &str)] = &[
    ("accounts", "the accounts pane"),
    ("account", "NAME: open that account's users"),
    ("users", "the users pane"),
    (
        "filter",
        "EXPR: filter users: text, license: type: reg: invite: a4b: result: email:, -negated (empty: clear)",
    ),
    (
        "sort",
        "email|name|license|type|reg|invite|a4b|result [asc|desc]: sort the users (empty: load order)",
    ),
    ("mark", "failed: mark the users the last change failed for"),
    (
        "export",
        "csv|json [marked|results] [FILE]: shown users to a file (export! overwrites)",
    ),
    (
        "copy",
        "email|id: the current user's (the marked users' emails, one a line), to the clipboard",
    ),
    ("profile", "NAME: switch AWS profile (reloads the accounts)"),
    (
        "plan",
        "FILE: open a saved plan (drift-checked preview, y applies); plan save FILE: save the open preview",
    ),
    (
        "import",
        "FILE: a desired-state CSV (UserId or PrimaryEmail, LicenseType…) as a preview",
    ),
    ("history", "the changes in the audit log (u undoes one)"),
    ("quit", "quit"),
];

use Command as C;
use Scope as S;

/// The registry.
#[rustfmt::skip]
pub static BINDINGS: &[Binding] = &[
    // Global
    b(C::Help, S::Global, &[ch('?')], "?", "help: every key", Some("help")),
    b(C::CommandLine, S::Global, &[ch(':')], ":", "command line (its commands are listed below)", Some("command")),
    b(C::CancelBatch, S::Batch, &[ch('x')], "x", "cancel the users of the change not sent yet", Some("cancel change")),
    b(C::Filter, S::List, &[ch('/')], "/", "filter: accounts by name; users by email or name and terms such as license:pro reg:unregistered -type:shared", Some("filter")),
    b(C::Open, S::List, &[key(KeyCode::Enter)], "enter", "open: an account's users, a user's detail", Some("open")),
    b(C::Mark, S::Users, &[ch(' ')], "space", "mark/unmark the user and move down", Some("mark")),
    danger(b(C::Edit, S::Users, &[ch('e')], "e", "change license, user type, A4B of the marked users", Some("edit"))),
    b(C::NextPane, S::Global, &[key(KeyCode::Tab)], "tab", "next pane", Some("pane")),
    b(C::PrevPane, S::Global, &[key(KeyCode::BackTab)], "shift-tab", "previous pane", None),
    b(C::Back, S::Global, &[key(KeyCode::Esc)], "esc", "back: clear the filter, leave the pane", Some("back")),
    b(C::Reload, S::Global, &[ctrl('r')], "ctrl-r", "reload", Some("reload")),
    b(C::Quit, S::Global, &[ch('q')], "q", "quit (asks first while a change runs)", Some("quit")),
    b(C::ForceQuit, S::Global, &[ctrl('c')], "ctrl-c", "quit now", None),
    // Lists
    b(C::Up, S::List, &[key(KeyCode::Up), ch('k')], "↑/k", "up", None),
    b(C::Down, S::List, &[key(KeyCode::Down), ch('j')], "↓/j", "down", None),
    b(C::PageUp, S::List, &[key(KeyCode::PageUp), ch('[')], "pgup/[", "page up", None),
    b(C::PageDown, S::List, &[key(KeyCode::PageDown), ch(']')], "pgdn/]", "page down (loads more users)", None),
    b(C::Top, S::List, &[ch('g'), key(KeyCode::Home)], "g/home", "first row", None),
    b(C::Bottom, S::List, &[ch('G'), key(KeyCode::End)], "G/end", "last loaded row", None),
    // Users
    b(C::MarkRange, S::Users, &[ch('V'), ctrl(' ')], "V", "mark the range from the last mark", None),
    b(C::MarkAll, S::Users, &[ch('a')], "a", "mark every user matching the filter (loads all pages)", None),
    b(C::InvertMarks, S::Users, &[ch('i')], "i", "invert the marks of the shown users", None),
    b(C::ClearMarks, S::Users, &[ch('u')], "u", "clear every mark", None),
    danger(b(C::Suspend, S::Users, &[ch('s')], "s", "suspend the marked users (or the current one)", Some("suspend"))),
    danger(b(C::Unsuspend, S::Users, &[ch('U')], "U", "unsuspend the marked users (or the current one)", Some("unsuspend"))),
    danger(b(C::Logout, S::Users, &[ch('L')], "L", "log the current user out", None)),
    danger(b(C::ResetPin, S::Users, &[ch('P')], "P", "reset the current user's personal PIN (shown once)", Some("PIN"))),
    danger(b(C::CreateUser, S::Users, &[ch('c')], "c", "create a user (by email)", Some("create"))),
    danger(b(C::Invite, S::Users, &[ch('I')], "I", "invite users: paste emails", Some("invite"))),
    danger(b(C::Settings, S::Users, &[ch('T')], "T", "the user's telephony settings (calling, SMS)", None)),
    danger(b(C::Settings, S::Accounts, &[ch('T')], "T", "the account's settings (remote control, dial-out)", Some("settings"))),
    danger(b(C::AddGroups, S::Accounts, &[ch('+')], "+", "associate sign-in delegate groups", Some("groups"))),
    danger(b(C::RemoveGroups, S::Accounts, &[ch('-')], "-", "disassociate sign-in delegate groups", None)),
    danger(b(C::NewAccount, S::Accounts, &[ch('n')], "n", "new account", Some("new"))),
    danger(b(C::RenameAccount, S::Accounts, &[ch('R')], "R", "rename the account", None)),
    danger(b(C::DefaultLicense, S::Accounts, &[ch('l')], "l", "set the account's default license", None)),
    danger(b(C::DeleteAccount, S::Accounts, &[ch('D')], "D", "delete the account (type its name)", Some("delete"))),
    danger(b(C::Retry, S::Users, &[ch('r')], "r", "retry the users the last change failed for", None)),
    b(C::SortNext, S::Users, &[ch('o')], "o", "sort by the next column (email, name, license, …), then load order", None),
    b(C::SortReverse, S::Users, &[ch('O')], "O", "reverse the sort", None),
    b(C::ShowFailed, S::Users, &[ch('F')], "F", "show only the users the last change failed for (again: all)", None),
    b(C::NextFailed, S::Users, &[ch('n')], "n", "next failed user", None),
    b(C::PrevFailed, S::Users, &[ch('N')], "N", "previous failed user", None),
    b(C::Zoom, S::List, &[ch('z')], "z", "zoom: the pane takes the whole width (again: back)", None),
    b(C::History, S::Global, &[ch('H')], "H", "history: the changes in the audit log (u undoes one)", Some("history")),
    // While a change runs
    // Filter input
    b(C::Submit, S::Input, &[key(KeyCode::Enter)], "enter", "keep the filter", Some("keep filter")),
    b(C::Back, S::Input, &[key(KeyCode::Esc)], "esc", "clear the filter", Some("clear filter")),
    b(C::Up, S::Input, &[key(KeyCode::Up)], "↑", "up", None),
    b(C::Down, S::Input, &[key(KeyCode::Down)], "↓", "down (a prompt's next field)", None),
    b(C::NextField, S::Input, &[key(KeyCode::Tab)], "tab", "a prompt's next field", None),
    b(C::ForceQuit, S::Input, &[ctrl('c')], "ctrl-c", "quit now", None),
    // Prompts
    b(C::Submit, S::Prompt, &[key(KeyCode::Enter)], "enter", "send (asks first where it changes something)", Some("send")),
    b(C::Back, S::Prompt, &[key(KeyCode::Esc)], "esc", "cancel", Some("cancel")),
    b(C::NextField, S::Prompt, &[key(KeyCode::Tab)], "tab", "next field", Some("next field")),
    b(C::Up, S::Prompt, &[key(KeyCode::Up)], "↑", "previous field", None),
    b(C::Down, S::Prompt, &[key(KeyCode::Down)], "↓", "next field", None),
    b(C::ForceQuit, S::Prompt, &[ctrl('c')], "ctrl-c", "quit now", None),
    // Settings
    b(C::NextField, S::Settings, &[key(KeyCode::Tab), key(KeyCode::Down)], "tab/↓", "next setting", Some("next")),
    b(C::PrevField, S::Settings, &[key(KeyCode::BackTab), key(KeyCode::Up)], "shift-tab/↑", "previous setting", None),
    b(C::PrevValue, S::Settings, &[key(KeyCode::Left)], "←", "turn off/on", None),
    b(C::NextValue, S::Settings, &[key(KeyCode::Right)], "space/→", "turn on/off", Some("toggle")),
    b(C::Submit, S::Settings, &[key(KeyCode::Enter)], "enter", "save the settings", Some("save")),
    b(C::Back, S::Settings, &[key(KeyCode::Esc)], "esc", "cancel", Some("cancel")),
    b(C::ForceQuit, S::Settings, &[ctrl('c')], "ctrl-c", "quit now", None),
    // Command line
    b(C::Submit, S::CommandLine, &[key(KeyCode::Enter)], "enter", "run the command", Some("run")),
    b(C::NextField, S::CommandLine, &[key(KeyCode::Tab)], "tab", "complete (commands, account names, formats)", Some("complete")),
    b(C::Back, S::CommandLine, &[key(KeyCode::Esc)], "esc", "close the command line", Some("cancel")),
    b(C::ForceQuit, S::CommandLine, &[ctrl('c')], "ctrl-c", "quit now", None),
    // Change form
    b(C::NextField, S::Form, &[key(KeyCode::Tab), key(KeyCode::Down)], "tab/↓", "next field", Some("next field")),
    b(C::PrevField, S::Form, &[key(KeyCode::BackTab), key(KeyCode::Up)], "shift-tab/↑", "previous field", None),
    b(C::PrevValue, S::Form, &[key(KeyCode::Left)], "←", "previous value", None),
    b(C::NextValue, S::Form, &[key(KeyCode::Right)], "→", "next value (a letter jumps to a value)", Some("value")),
    b(C::Submit, S::Form, &[key(KeyCode::Enter)], "enter", "preview the change (once every marked user is loaded)", Some("preview")),
    b(C::OnlyLoaded, S::Form, &[ctrl('o')], "ctrl-o", "while marking: preview only the users marked so far", None),
    b(C::Back, S::Form, &[key(KeyCode::Esc)], "esc", "cancel", Some("cancel")),
    b(C::ForceQuit, S::Form, &[ctrl('c')], "ctrl-c", "quit now", None),
    // Help
    // Esc, and whatever `help`, `quit` and `back` are bound to (see `Keymap::derive_help_close`).
    b(C::Back, S::Help, &[key(KeyCode::Esc)], "esc", "close help", Some("close help")),
    b(C::Up, S::Help, &[key(KeyCode::Up), ch('k')], "↑", "scroll", None),
    b(C::Down, S::Help, &[key(KeyCode::Down), ch('j')], "↓", "scroll", None),
    b(C::PageUp, S::Help, &[key(KeyCode::PageUp), ch('[')], "pgup", "scroll a page up", None),
    b(C::PageDown, S::Help, &[key(KeyCode::PageDown), ch(']'), ch(' ')], "pgdn/space", "scroll a page down", None),
    b(C::Top, S::Help, &[key(KeyCode::Home), ch('g')], "home/g", "the top", None),
    b(C::Bottom, S::Help, &[key(KeyCode::End), ch('G')], "end/G", "the end", None),
    b(C::Filter, S::Help, &[ch('/')], "/", "search the keys (esc clears)", Some("search")),
    b(C::ForceQuit, S::Help, &[ctrl('c')], "ctrl-c", "quit now", None),
    // Dialogs
    b(C::Yes, S::Dialog, &[ch('y')], "y", "yes: apply, quit", None),
    b(C::SavePlan, S::Dialog, &[ch('s')], "s", "in a preview: save its plan as a file (review it, then chime-admin apply FILE)", None),
    // The history of changes
    b(C::Up, S::History, &[key(KeyCode::Up), ch('k')], "↑/k", "previous change", None),
    b(C::Down, S::History, &[key(KeyCode::Down), ch('j')], "↓/j", "next change", None),
    b(C::Open, S::History, &[key(KeyCode::Enter)], "enter", "the change's per-user results (again: the list)", Some("results")),
    danger(b(C::Undo, S::History, &[ch('u')], "u", "undo the change: its preview (drift-checked) first", Some("undo"))),
    b(C::Back, S::History, &[key(KeyCode::Esc), ch('q')], "esc", "close the history", Some("close")),
    b(C::ForceQuit, S::History, &[ctrl('c')], "ctrl-c", "quit now", None),
    b(C::Submit, S::Dialog, &[key(KeyCode::Enter)], "enter", "press the focused button (Cancel first)", None),
    b(C::Back, S::Dialog, &[key(KeyCode::Esc), ch('n')], "esc/n", "close, cancel", Some("close")),
    b(C::NextField, S::Dialog, &[key(KeyCode::Tab), key(KeyCode::Left), key(KeyCode::Right)], "tab/←/→", "other button", None),
    b(C::PageDown, S::Dialog, &[key(KeyCode::PageDown)], "pgdn", "the preview's next rows", None),
    b(C::PageUp, S::Dialog, &[key(KeyCode::PageUp)], "pgup", "the preview's rows before", None),
    b(C::Top, S::Dialog, &[key(KeyCode::Home), ch('g')], "home/g", "the preview's first rows", None),
    b(C::Bottom, S::Dialog, &[key(KeyCode::End), ch('G')], "end/G", "the preview's last rows", None),
    b(C::ForceQuit, S::Dialog, &[ctrl('c')], "ctrl-c", "quit now", None),
];

/// The scopes whose bindings apply in a mode; `users_focused` adds the users pane's.
fn scopes(ctx: KeyContext) -> Vec<Scope> {
    match ctx.mode {
        Mode::Normal => {
            let mut s = vec![Scope::Global];
            if ctx.list_focused {
                s.push(Scope::List);
            }
            if ctx.users_focused {
                s.push(Scope::Users);
            }
            if ctx.accounts_focused {
                s.push(Scope::Accounts);
            }
            if ctx.batch_running {
                s.push(Scope::Batch);
            }
            s
        }
        Mode::Form => vec![Scope::Form],
        Mode::FilterInput => vec![Scope::Input],
        Mode::Prompt => vec![Scope::Prompt],
        Mode::Settings => vec![Scope::Settings],
        Mode::CommandLine => vec![Scope::CommandLine],
        Mode::Help => vec![Scope::Help],
        Mode::Dialog => vec![Scope::Dialog],
        Mode::History => vec![Scope::History],
    }
}

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

/// Context for dispatch: the mode, which pane has focus, read-only.
#[derive(Debug, Clone, Copy)]
pub struct KeyContext {
    pub mode: Mode,
    pub list_focused: bool,
    pub users_focused: bool,
    pub accounts_focused: bool,
    pub batch_running: bool,
    pub read_only: bool,
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
        let scopes = scopes(ctx);
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

impl Command {
    /// Every command, for names and completion.
    pub const ALL: &'static [Command] = &[
        Command::Up,
        Command::Down,
        Command::PageUp,
        Command::PageDown,
        Command::Top,
        Command::Bottom,
        Command::NextPane,
        Command::PrevPane,
        Command::Open,
        Command::Back,
        Command::Reload,
        Command::Help,
        Command::Filter,
        Command::Submit,
        Command::Quit,
        Command::ForceQuit,
        Command::Mark,
        Command::MarkRange,
        Command::MarkAll,
        Command::InvertMarks,
        Command::ClearMarks,
        Command::Yes,
        Command::Edit,
        Command::Retry,
        Command::CancelBatch,
        Command::Suspend,
        Command::Unsuspend,
        Command::Logout,
        Command::ResetPin,
        Command::NewAccount,
        Command::RenameAccount,
        Command::DefaultLicense,
        Command::DeleteAccount,
        Command::CreateUser,
        Command::Invite,
        Command::Settings,
        Command::AddGroups,
        Command::RemoveGroups,
        Command::NextField,
        Command::PrevField,
        Command::PrevValue,
        Command::NextValue,
        Command::CommandLine,
        Command::OnlyLoaded,
        Command::SortNext,
        Command::SortReverse,
        Command::ShowFailed,
        Command::NextFailed,
        Command::PrevFailed,
        Command::Zoom,
        Command::SavePlan,
        Command::History,
        Command::Undo,
    ];

    /// The command's name in the config's `[keys]` table (snake_case).
    pub fn name(self) -> &'static str {
        match self {
            Command::Up => "up",
            Command::Down => "down",
            Command::PageUp => "page_up",
            Command::PageDown => "page_down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::NextPane => "next_pane",
            Command::PrevPane => "prev_pane",
            Command::Open => "open",
            Command::Back => "back",
            Command::Reload => "reload",
            Command::Help => "help",
            Command::Filter => "filter",
            Command::Submit => "submit",
            Command::Quit => "quit",
            Command::ForceQuit => "force_quit",
            Command::Mark => "mark",
            Command::MarkRange => "mark_range",
            Command::MarkAll => "mark_all",
            Command::InvertMarks => "invert_marks",
            Command::ClearMarks => "clear_marks",
            Command::Yes => "yes",
            Command::Edit => "edit",
            Command::Retry => "retry",
            Command::CancelBatch => "cancel_batch",
            Command::Suspend => "suspend",
            Command::Unsuspend => "unsuspend",
            Command::Logout => "logout",
            Command::ResetPin => "reset_pin",
            Command::NewAccount => "new_account",
            Command::RenameAccount => "rename_account",
            Command::DefaultLicense => "default_license",
            Command::DeleteAccount => "delete_account",
            Command::CreateUser => "create_user",
            Command::Invite => "invite",
            Command::Settings => "settings",
            Command::AddGroups => "add_groups",
            Command::RemoveGroups => "remove_groups",
            Command::NextField => "next_field",
            Command::PrevField => "prev_field",
            Command::PrevValue => "prev_value",
            Command::NextValue => "next_value",
            Command::CommandLine => "command_line",
            Command::OnlyLoaded => "only_loaded",
            Command::SortNext => "sort_next",
            Command::SortReverse => "sort_reverse",
            Command::ShowFailed => "show_failed",
            Command::NextFailed => "next_failed",
            Command::PrevFailed => "prev_failed",
            Command::Zoom => "zoom",
            Command::SavePlan => "save_plan",
            Command::History => "history",
            Command::Undo => "undo",
        }
    }

    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.iter().copied().find(|c| c.name() == name)
    }
}

pub fn scope_title(s: Scope) -> &'static str {
    match s {
        Scope::Global => "Everywhere",
        Scope::List => "Lists",
        Scope::Users => "Users",
        Scope::Accounts => "Accounts",
        Scope::Input => "Filter input",
        Scope::Prompt => "Prompts (create, invite, rename, delete, groups)",
        Scope::Settings => "Settings (T)",
        Scope::Help => "Help",
        Scope::Dialog => "Dialogs",
        Scope::Form => "Change form",
        Scope::Batch => "While a change is sent",
        Scope::CommandLine => "Command line (:)",
        Scope::History => "History (H)",
    }
}
