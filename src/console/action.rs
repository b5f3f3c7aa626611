//! Everything that can happen to the console: an intent from a key (via the
//! key registry), text typed into an input, a resize, a timer tick, or the
//! worker's answer to an Effect.

use tui_input::InputRequest;

use crate::client::OutcomeResult;
use crate::model::{Account, Sensitive, User};

use super::command::Command;
use super::state::ErrorInfo;

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
    /// An export was written (the message names the file) or failed.
    Exported(Result<String, String>),
    /// The worker's client now uses this profile (Ok: its endpoint), or
    /// could not be built with it (the old one stays).
    ProfileSwitched {
        profile: String,
        result: Result<String, String>,
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
    /// A request failed; `gen_id` is the generation it was sent for.
    Failed {
        gen_id: u64,
        error: ErrorInfo,
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
        values: Vec<bool>,
    },
    /// An admin operation succeeded; `message` says what happened.
    AdminDone {
        gen_id: u64,
        message: String,
        about_accounts: bool,
    },
    /// The plan of a change, made from the users just read (or why none
    /// could be made).
    Planned {
        gen_id: u64,
        result: Result<Box<crate::plan::Plan>, ErrorInfo>,
    },
    /// The audit log's changes (or why it could not be read).
    HistoryLoaded {
        gen_id: u64,
        result: Result<crate::history::History, String>,
    },
    /// Users re-read after a change: those read, and the ids whose read
    /// failed (with why), which keep their old values marked "not re-read".
    UsersRefreshed {
        gen_id: u64,
        account_id: String,
        users: Vec<User>,
        failed: Vec<String>,
        error: Option<String>,
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
