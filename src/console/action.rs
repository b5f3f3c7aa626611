//! Everything that can happen to the console: an intent from a key (via the
//! key registry), text typed into an input, a resize, a timer tick, or the
//! worker's answer to an Effect. The worker answers with domain results
//! (an `ApiError`, settings as read, what an admin operation did, counts);
//! `update/words.rs` puts them into the screen's words.

use tui_input::InputRequest;

use crate::client::{ApiError, OutcomeResult};
use crate::model::{Account, AccountSettings, License, Operation, Sensitive, User, UserSettings};

use super::command::Command;

#[derive(Debug, Clone)]
pub enum Action {
    /// An intent from the key registry.
    Cmd(Command),
    /// An intent from a key that came less than `CONFIRM_QUIET` after the
    /// previous input: part of a burst (a paste in a terminal without
    /// bracketed paste), so it never confirms or applies a change.
    HurriedCmd(Command),
    /// Text pasted (bracketed paste): it goes into the open text input as
    /// text, never as keys.
    Paste(String),
    /// An export was written to `path` (absolute) or not. `what` and
    /// `note` are the request's, handed back untouched.
    Exported {
        path: std::path::PathBuf,
        what: String,
        note: String,
        result: Result<(), WriteFailure>,
    },
    /// The worker's client now uses this profile (Ok: its endpoint), or
    /// could not be built with it (the old one stays).
    ProfileSwitched {
        profile: String,
        result: Result<String, ProfileFailure>,
    },
    /// A key typed into the open input line.
    Input(InputRequest),
    Resize {
        width: u16,
        height: u16,
    },
    /// The animation timer (runs only while `State::animating`).
    Tick,
    /// The timer asked for with `Term::Timer` is due.
    Timer {
        gen_id: u64,
    },
    /// One page of ListAccounts.
    AccountsPage {
        gen_id: u64,
        accounts: Vec<Account>,
        next_token: Option<String>,
    },
    /// One page of ListUsers.
    UsersPage {
        gen_id: u64,
        account_id: String,
        users: Vec<User>,
        next_token: Option<String>,
    },
    /// The answer to a `user-email` look-up.
    UsersFound {
        gen_id: u64,
        account_id: String,
        email: Sensitive,
        users: Vec<User>,
    },
    /// A request failed; `gen_id` is the generation it was sent for,
    /// `operation` what it was (`Request::operation`).
    Failed {
        gen_id: u64,
        operation: String,
        error: Failure,
    },
    /// A batch made progress (after each chunk).
    BatchProgress {
        batch_id: u64,
        done: usize,
        failed: usize,
        total: usize,
        elapsed_ms: u64,
    },
    /// A batch finished: one result per user sent (or not sent).
    BatchDone {
        batch_id: u64,
        account_id: String,
        /// The plan's change id (the audit log's).
        change_id: String,
        outcomes: Vec<(String, OutcomeResult)>,
        elapsed_ms: u64,
        /// Why the result lines could not be written to the audit log.
        audit_error: Option<String>,
    },
    /// Nothing of a change was sent: its `send` line could not be written
    /// to the audit log.
    BatchRefused {
        batch_id: u64,
        message: String,
    },
    /// ResetPersonalPIN answered: the new PIN, to show once.
    PinReset {
        batch_id: u64,
        email: Sensitive,
        pin: Sensitive,
    },
    /// The current settings for the settings form.
    SettingsLoaded {
        gen_id: u64,
        settings: Settings,
    },
    /// An admin operation succeeded: what it did, and whether it changed
    /// the account list (else the users of one account).
    AdminDone {
        gen_id: u64,
        outcome: AdminOutcome,
        about_accounts: bool,
    },
    /// The plan of a change, made from the users just read (or why none
    /// could be made).
    Planned {
        gen_id: u64,
        result: Result<Box<crate::plan::Plan>, PlanFailure>,
    },
    /// The audit log's changes (or why it could not be read).
    HistoryLoaded {
        gen_id: u64,
        result: Result<crate::history::History, ReadFailure>,
    },
    /// Users re-read after a change: those read, and the ids whose read
    /// failed (with why), which keep their old values marked "not re-read".
    UsersRefreshed {
        gen_id: u64,
        account_id: String,
        users: Vec<User>,
        failed: Vec<String>,
        error: Option<RereadFailure>,
    },
    /// The client is ready; requests go to `endpoint`.
    Connected {
        endpoint: String,
    },
    /// The client is retrying (throttled or a transient failure).
    Retrying {
        operation: String,
        attempt: u32,
        /// Throttled (429 or a throttling error code), else a transient failure.
        throttled: bool,
    },
}

/// Why a request failed, as the worker knows it (`update` words it).
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The call failed: the client's or the service's error.
    Api(ApiError),
    /// Refused in read-only mode: nothing was sent.
    ReadOnly,
}

/// Why no plan could be made.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanFailure {
    /// Reading the users failed (`operation`: GetUser or ListUsers).
    Read {
        operation: Operation,
        error: ApiError,
    },
    /// A value the account does not support ([`crate::plan::PlanError::Refused`]).
    Refused(String),
    /// A plan file that cannot be read, and why.
    File(String),
    /// A plan file whose values the account refuses now.
    FileRefused(String),
    /// An undo whose values the account refuses now.
    UndoRefused(String),
    /// A plan file made for another endpoint than the client's.
    OtherEndpoint { made_for: String, here: String },
    /// A desired-state CSV that cannot be read or parsed, and why.
    Import {
        path: std::path::PathBuf,
        why: String,
    },
    /// A desired-state CSV whose plan was refused, and why.
    ImportRefused(String),
}

/// Settings as the service holds them.
#[derive(Debug, Clone, PartialEq)]
pub enum Settings {
    Account(AccountSettings),
    User(UserSettings),
}

/// What an admin operation did.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminOutcome {
    AccountCreated {
        name: String,
    },
    /// The account (`name`: as the service answered) renamed, or its
    /// default license set.
    AccountUpdated {
        name: String,
        renamed: Option<String>,
        default_license: Option<License>,
    },
    AccountDeleted,
    UserCreated {
        email: Sensitive,
    },
    GroupsAdded(Vec<String>),
    GroupsRemoved(Vec<String>),
    AccountSettingsSaved,
    UserSettingsSaved,
    /// InviteUsers: how many were invited and how many the service refused.
    Invited {
        invited: usize,
        refused: usize,
    },
}

/// Why an export was not written.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteFailure {
    /// The file exists and may not be replaced.
    Exists,
    /// The file system's error.
    Io(String),
}

/// Why `:profile` kept the old client.
#[derive(Debug, Clone, PartialEq)]
pub enum ProfileFailure {
    /// The demo's client has fixed credentials.
    Demo,
    /// No client could be built with the profile.
    Client(ApiError),
}

/// A file that could not be read: which, and the file system's error.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadFailure {
    pub path: std::path::PathBuf,
    pub error: String,
}

/// Why some changed users were not re-read (the last failure).
#[derive(Debug, Clone, PartialEq)]
pub enum RereadFailure {
    /// A call failed.
    Api {
        operation: Operation,
        error: ApiError,
    },
    /// The account's listing does not hold them.
    NotListed,
}

impl Action {
    /// The worker's answer that ends a call (a page, a look-up, a result, a
    /// failure): a "throttled, retrying" notice is over with it. Progress
    /// of a running change is not: its chunks may still be retried.
    pub fn ends_a_call(&self) -> bool {
        matches!(
            self,
            Action::AccountsPage { .. }
                | Action::UsersPage { .. }
                | Action::UsersFound { .. }
                | Action::Failed { .. }
                | Action::BatchDone { .. }
                | Action::BatchRefused { .. }
                | Action::PinReset { .. }
                | Action::SettingsLoaded { .. }
                | Action::AdminDone { .. }
                | Action::UsersRefreshed { .. }
                | Action::Planned { .. }
                | Action::HistoryLoaded { .. }
        )
    }
}
