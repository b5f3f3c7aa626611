//! Requests for IO that `update` hands to the worker. Each list request
//! carries the generation id its answer must match. Emails are `Sensitive`,
//! so logging an effect never shows one.

use super::form::{PlannedChange, UserAction};
use crate::model::{Sensitive, UserUpdate};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// One page of ListAccounts.
    LoadAccounts { gen_id: u64, token: Option<String> },
    /// One page of ListUsers (PAGE_SIZE users).
    LoadUsersPage {
        account_id: String,
        gen_id: u64,
        token: Option<String>,
    },
    /// ListUsers with `user-email`: one user out of any number in one round trip.
    FindUserByEmail {
        account_id: String,
        gen_id: u64,
        email: Sensitive,
    },
    /// Sends `update` to every user of `changes` through the client's batch
    /// helper, reporting progress; each change is written to the audit log.
    UpdateUsers {
        batch_id: u64,
        account_id: String,
        update: UserUpdate,
        changes: Vec<PlannedChange>,
    },
    /// Suspend, unsuspend, log out or reset the PIN of the users of `changes`.
    UserAction {
        batch_id: u64,
        account_id: String,
        action: UserAction,
        changes: Vec<PlannedChange>,
    },
    /// GetAccountSettings or GetUserSettings, for the settings form.
    LoadSettings {
        gen_id: u64,
        target: super::settings::SettingsTarget,
    },
    /// Create/rename/delete an account, create a user, invite users.
    Admin {
        gen_id: u64,
        op: super::prompt::AdminOp,
    },
    /// Stops sending the rest of a batch (what is in flight finishes).
    CancelBatch { batch_id: u64 },
    /// Write an export (`:export`); answered by `Action::Exported`.
    WriteFile {
        path: std::path::PathBuf,
        /// Emails and names: redacted in Debug (logs).
        contents: crate::model::Sensitive,
        /// "12 users", for the message.
        what: String,
        /// An existing file may be replaced (`:export!`); otherwise it is kept.
        overwrite: bool,
    },
    /// `:profile NAME`: the worker rebuilds its client with this profile
    /// (flags and config keep their endpoint and region); answered by
    /// `Action::ProfileSwitched`.
    SwitchProfile { profile: String },
    /// Put text on the user's clipboard with OSC52 (the run loop writes it).
    Copy {
        text: crate::model::Sensitive,
        what: String,
    },
    /// Wake `update` with `Action::Timer { gen_id }` after `after` (the run
    /// loop keeps one timer: a newer one replaces the one pending). Used to
    /// send the `user-email` look-up once typing has paused.
    Timer {
        gen_id: u64,
        after: std::time::Duration,
    },
    /// GetUser for each id: the values after a change, re-read.
    RefreshUsers {
        account_id: String,
        gen_id: u64,
        user_ids: Vec<String>,
    },
}

impl Effect {
    /// Whether the effect changes anything on the service (refused in read-only mode).
    pub fn is_mutating(&self) -> bool {
        match self {
            Effect::UpdateUsers { .. } | Effect::UserAction { .. } | Effect::Admin { .. } => true,
            Effect::LoadAccounts { .. }
            | Effect::LoadUsersPage { .. }
            | Effect::FindUserByEmail { .. }
            | Effect::CancelBatch { .. }
            | Effect::LoadSettings { .. }
            | Effect::RefreshUsers { .. }
            | Effect::WriteFile { .. }
            | Effect::SwitchProfile { .. }
            | Effect::Timer { .. }
            | Effect::Copy { .. } => false,
        }
    }
}
