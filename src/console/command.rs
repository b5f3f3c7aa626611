//! Every command by name, derived once from the enums: the key commands
//! ([`Command`], named in the config's `[keys]` table, e.g. `page_up`) and
//! the `:` line's commands ([`Verb`], `:account NAME`). A new command is one
//! variant here, its name derived from the variant (strum); its help line is
//! its entry in the key registry (`keys.rs`, for a [`Command`]) or its arm
//! of [`Verb::spec`] (for a [`Verb`]), and a test fails if one has none.
//! Dispatch, the footer, the help, the config keys, the `:` parser and Tab
//! completion all read these names.

use std::str::FromStr;

use strum::{EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, IntoStaticStr, EnumString)]
#[strum(serialize_all = "snake_case")]
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

/// What strum derives for [`Command`] and [`Verb`], under the names the
/// console reads: every one in declaration order (the help's and
/// completion's), its name (a `[keys]` name, a `:` word) and the one a name
/// means (`q` is `quit`).
pub trait Named: IntoEnumIterator + Into<&'static str> + FromStr + Copy {
    fn all() -> impl Iterator<Item = Self> {
        Self::iter()
    }

    fn name(self) -> &'static str {
        self.into()
    }

    fn from_name(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

impl Named for Command {}
impl Named for Verb {}

/// A `:` command (k9s style). Its word is the variant's name in lower case;
/// what it takes and what it does are [`Verb::spec`]'s. The parser and the
/// completer in `update/cmdline.rs` match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, IntoStaticStr, EnumString)]
#[strum(serialize_all = "lowercase")]
pub enum Verb {
    Accounts,
    Account,
    Users,
    Filter,
    Sort,
    Mark,
    Export,
    Copy,
    Profile,
    Plan,
    Import,
    History,
    /// `:q` too.
    #[strum(to_string = "quit", serialize = "q")]
    Quit,
}

impl Verb {
    /// What it takes after the word (empty: nothing) and what it does. What
    /// it takes is read by Tab completion too: one space-separated part per
    /// argument, `[…]` when it may be left out, `a|b` the words it takes, a
    /// NAME in capitals a value of the user's (see [`Verb::arg_words`]).
    pub const fn spec(self) -> (&'static str, &'static str) {
        match self {
            Verb::Accounts => ("", "the accounts pane"),
            Verb::Account => ("NAME", "open that account's users"),
            Verb::Users => ("", "the users pane"),
            Verb::Filter => (
                "EXPR",
                "filter users: text, license: type: reg: invite: a4b: result: email:, -negated (empty: clear)",
            ),
            Verb::Sort => (
                "email|name|license|type|reg|invite|a4b|result [asc|desc]",
                "sort the users (empty: load order)",
            ),
            Verb::Mark => ("failed", "mark the users the last change failed for"),
            Verb::Export => (
                "csv|json [marked|results] [FILE]",
                "shown users to a file (export! overwrites)",
            ),
            Verb::Copy => (
                "email|id",
                "the current user's (the marked users' emails, one a line), to the clipboard",
            ),
            Verb::Profile => ("NAME", "switch AWS profile (reloads the accounts)"),
            Verb::Plan => (
                "[save] FILE",
                "open a saved plan (drift-checked preview, y applies); save FILE: save the open preview",
            ),
            Verb::Import => (
                "FILE",
                "a desired-state CSV (UserId or PrimaryEmail, LicenseType…) as a preview",
            ),
            Verb::History => ("", "the changes in the audit log (u undoes one)"),
            Verb::Quit => ("", "quit"),
        }
    }

    /// Whether it takes anything after the word (completion adds a space).
    pub fn takes_args(self) -> bool {
        !self.spec().0.is_empty()
    }

    /// The words its `i`th argument takes, as [`Verb::spec`] writes them:
    /// `:export csv|json [marked|results] [FILE]` takes `csv`, `json`, then
    /// `marked`, `results`, then a file (no words).
    pub fn arg_words(self, i: usize) -> Vec<&'static str> {
        let Some(part) = self.spec().0.split_whitespace().nth(i) else {
            return Vec::new();
        };
        part.trim_start_matches('[')
            .trim_end_matches(']')
            .split('|')
            .filter(|w| !w.chars().all(|c| c.is_ascii_uppercase()))
            .collect()
    }

    /// How it is typed: `:account NAME`.
    pub fn usage(self) -> String {
        match self.spec().0 {
            "" => format!(":{}", self.name()),
            args => format!(":{} {args}", self.name()),
        }
    }

    /// Its line in the help: `NAME: open that account's users`.
    pub fn help(self) -> String {
        match self.spec() {
            ("", what) => what.to_string(),
            (args, what) => format!("{args}: {what}"),
        }
    }
}
