//! The one key registry. Each entry names a command, its default keys, a
//! description and whether it changes anything (dangerous). The same table
//! drives key dispatch, the footer hints, the `?` help overlay (through
//! [`Keymap`](super::keymap::Keymap), which adds the config's keys) and
//! read-only mode (dangerous entries vanish from all three). The commands'
//! names are `command.rs`'s.

use crossterm::event::{KeyCode, KeyModifiers};

use super::command::Command;
use super::mode::Mode;

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
/// A key without modifiers.
pub const fn key(code: KeyCode) -> Key {
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

impl KeyContext {
    /// The scopes whose bindings apply here: the mode's, and in the normal
    /// mode the focused pane's.
    pub fn scopes(self) -> Vec<Scope> {
        match self.mode {
            Mode::Normal => {
                let mut s = vec![Scope::Global];
                if self.list_focused {
                    s.push(Scope::List);
                }
                if self.users_focused {
                    s.push(Scope::Users);
                }
                if self.accounts_focused {
                    s.push(Scope::Accounts);
                }
                if self.batch_running {
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
}

/// The help's title over a scope's keys.
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
