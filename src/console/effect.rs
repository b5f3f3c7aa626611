//! What `update` asks of the world: a [`Request`] the worker runs with the
//! client or the file system, or a [`Term`] effect the terminal loop runs
//! (clipboard, timer). Each request carries the generation id its answer
//! must match. Emails are `Sensitive`, so logging an effect never shows one.
//! The payloads of requests live here too ([`AdminOp`], [`SettingsTarget`],
//! [`PlanSource`]): the worker reads them, the forms build them.

use crate::model::{License, Operation, Sensitive, UserType};
use crate::plan::{Change, Plan};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run by the worker (`worker.rs`), answered by an Action.
    Io(Request),
    /// Run by the terminal loop (`run.rs`).
    Term(Term),
}

/// What the worker does: one call (or a batch of calls) to the service, or
/// a file written.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
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
    /// Reads the selected users fresh from the service and plans `change`
    /// for them ([`crate::plan::make`]); answered by `Action::Planned`.
    Plan {
        gen_id: u64,
        account_id: String,
        change: Change,
        user_ids: Vec<String>,
    },
    /// Reads a saved plan (`:plan FILE`) or a desired-state CSV (`:import
    /// FILE`), or takes an undo's plan, and makes the plan to preview: a
    /// saved plan and an undo are drift-checked against the users read now.
    /// Answered by `Action::Planned`.
    PlanFrom { gen_id: u64, source: PlanSource },
    /// Reads the audit log; answered by `Action::HistoryLoaded`.
    LoadHistory { gen_id: u64 },
    /// Applies a plan ([`crate::apply::apply`]): exactly its users,
    /// reporting progress, audited under its change id.
    Change { batch_id: u64, plan: Box<Plan> },
    /// GetAccountSettings or GetUserSettings, for the settings form.
    LoadSettings { gen_id: u64, target: SettingsTarget },
    /// Create/rename/delete an account, create a user, invite users.
    Admin { gen_id: u64, op: AdminOp },
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
        /// Said after the file's name ("· SHA-256 …" for a plan).
        note: String,
    },
    /// `:profile NAME`: the worker rebuilds its client with this profile
    /// (flags and config keep their endpoint and region); answered by
    /// `Action::ProfileSwitched`.
    SwitchProfile { profile: String },
    /// The values after a change, re-read with the client's retries:
    /// GetUser each for a few ids, the account's ListUsers pages for many.
    RefreshUsers {
        account_id: String,
        gen_id: u64,
        user_ids: Vec<String>,
    },
}

/// Where a plan to preview comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanSource {
    /// A plan file (`:plan FILE`).
    File(std::path::PathBuf),
    /// A desired-state CSV for this account (`:import FILE`).
    Import {
        account_id: String,
        path: std::path::PathBuf,
    },
    /// An undo's plan (from the history).
    Saved(Box<crate::plan::file::SavedPlan>),
}

/// Whose settings a settings form reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsTarget {
    Account {
        account_id: String,
        name: String,
    },
    User {
        account_id: String,
        user_id: String,
        email: String,
    },
}

/// An admin operation (a prompt or the settings form submitted).
#[derive(Debug, Clone, PartialEq)]
pub enum AdminOp {
    CreateAccount {
        name: String,
    },
    UpdateAccount {
        account_id: String,
        name: Option<String>,
        default_license: Option<License>,
    },
    DeleteAccount {
        account_id: String,
    },
    CreateUser {
        account_id: String,
        email: Sensitive,
        username: Option<Sensitive>,
        user_type: Option<UserType>,
    },
    Invite {
        account_id: String,
        emails: Vec<Sensitive>,
        user_type: Option<UserType>,
    },
    AddGroups {
        account_id: String,
        groups: Vec<String>,
    },
    RemoveGroups {
        account_id: String,
        groups: Vec<String>,
    },
    AccountSettings {
        account_id: String,
        settings: crate::model::AccountSettings,
    },
    UserSettings {
        account_id: String,
        user_id: String,
        settings: crate::model::UserSettings,
    },
}

impl AdminOp {
    pub fn operation(&self) -> &'static str {
        let op = match self {
            AdminOp::CreateAccount { .. } => Operation::CreateAccount,
            AdminOp::UpdateAccount { .. } => Operation::UpdateAccount,
            AdminOp::DeleteAccount { .. } => Operation::DeleteAccount,
            AdminOp::CreateUser { .. } => Operation::CreateUser,
            AdminOp::Invite { .. } => Operation::InviteUsers,
            AdminOp::AddGroups { .. } => Operation::AssociateSigninDelegateGroupsWithAccount,
            AdminOp::RemoveGroups { .. } => Operation::DisassociateSigninDelegateGroupsFromAccount,
            AdminOp::AccountSettings { .. } => Operation::UpdateAccountSettings,
            AdminOp::UserSettings { .. } => Operation::UpdateUserSettings,
        };
        op.name()
    }

    /// Whether it changes the account list (else the users of one account).
    pub fn about_accounts(&self) -> bool {
        !matches!(self, AdminOp::CreateUser { .. } | AdminOp::Invite { .. })
    }

    pub fn account_id(&self) -> Option<&str> {
        match self {
            AdminOp::CreateAccount { .. } => None,
            AdminOp::UpdateAccount { account_id, .. }
            | AdminOp::DeleteAccount { account_id }
            | AdminOp::CreateUser { account_id, .. }
            | AdminOp::Invite { account_id, .. }
            | AdminOp::AddGroups { account_id, .. }
            | AdminOp::RemoveGroups { account_id, .. }
            | AdminOp::AccountSettings { account_id, .. }
            | AdminOp::UserSettings { account_id, .. } => Some(account_id),
        }
    }
}

/// What the terminal loop does: the worker never touches the terminal.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
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
}

impl Request {
    /// The service operation (or what else) the request is, for messages and logs.
    pub fn operation(&self) -> &'static str {
        match self {
            Request::LoadAccounts { .. } => Operation::ListAccounts.name(),
            Request::LoadUsersPage { .. } | Request::FindUserByEmail { .. } => {
                Operation::ListUsers.name()
            }
            Request::Change { plan, .. } => plan.change.operation(),
            Request::CancelBatch { .. } => Operation::BatchUpdateUser.name(),
            Request::Admin { op, .. } => op.operation(),
            Request::LoadSettings { target, .. } => match target {
                SettingsTarget::Account { .. } => Operation::GetAccountSettings.name(),
                SettingsTarget::User { .. } => Operation::GetUserSettings.name(),
            },
            // The users read fresh: by GetUser for a few, else the account's pages.
            Request::Plan { user_ids, .. } | Request::RefreshUsers { user_ids, .. } => {
                crate::plan::read_operation(user_ids).name()
            }
            Request::WriteFile { .. } => "export",
            Request::PlanFrom { .. } => "plan",
            Request::LoadHistory { .. } => "history",
            Request::SwitchProfile { .. } => "profile",
        }
    }

    /// The generation (or batch id) its answer carries; 0 for what has none.
    pub fn generation(&self) -> u64 {
        match self {
            Request::LoadAccounts { gen_id, .. }
            | Request::LoadUsersPage { gen_id, .. }
            | Request::FindUserByEmail { gen_id, .. }
            | Request::RefreshUsers { gen_id, .. }
            | Request::Plan { gen_id, .. }
            | Request::PlanFrom { gen_id, .. }
            | Request::LoadHistory { gen_id }
            | Request::Admin { gen_id, .. }
            | Request::LoadSettings { gen_id, .. } => *gen_id,
            Request::Change { batch_id, .. } | Request::CancelBatch { batch_id } => *batch_id,
            Request::WriteFile { .. } | Request::SwitchProfile { .. } => 0,
        }
    }

    /// Whether it changes anything on the service (refused in read-only mode).
    pub fn is_mutating(&self) -> bool {
        match self {
            Request::Change { .. } | Request::Admin { .. } => true,
            Request::LoadAccounts { .. }
            | Request::LoadUsersPage { .. }
            | Request::FindUserByEmail { .. }
            | Request::CancelBatch { .. }
            | Request::LoadSettings { .. }
            | Request::RefreshUsers { .. }
            | Request::Plan { .. }
            | Request::PlanFrom { .. }
            | Request::LoadHistory { .. }
            | Request::WriteFile { .. }
            | Request::SwitchProfile { .. } => false,
        }
    }
}
