//! Everything the screen shows. `update` changes it, `ui` draws it; nothing
//! here does IO.

use std::collections::{HashMap, HashSet};

use tui_input::Input;

use crate::client::pager::PageGuard;
use crate::client::{ApiError, ApiErrorKind, DEFAULT_LIST_LIMIT, OutcomeResult};
use crate::model::Operation;
use crate::model::{Account, User};

use super::columns::UserCol;
use super::form::{ChangeForm, ChangeLabel, Preview};
use super::list::FilteredList;
pub use super::mode::Mode;
use super::theme::Theme;

/// Users are asked for in pages of this size (the API's maximum).
pub use crate::model::validate::PAGE_SIZE;
/// Ask for the next page when the cursor is this close to the last loaded row.
pub const PREFETCH_ROWS: usize = 100;
/// The `user-email` look-up is sent once typing has paused this long.
pub const LOOKUP_DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(250);
/// Flash messages stay this many ticks.
pub const FLASH_TICKS: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Accounts,
    Users,
    Detail,
}

/// A failed call as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    /// What the console was doing, e.g. "ListUsers".
    pub operation: String,
    /// The exception name or error kind, e.g. "ThrottledClientException".
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    /// What the user can do about it, e.g. "set AWS_PROFILE or run aws configure".
    pub hint: Option<String>,
}

impl ErrorInfo {
    /// An ApiError as the console shows it, with what to do about it.
    pub fn of(operation: &str, e: &ApiError) -> ErrorInfo {
        let hint = match (&e.kind, e.status) {
            (ApiErrorKind::Credentials, _) => Some(
                "no usable credentials: set AWS_PROFILE or pass --profile, or run aws configure"
                    .to_string(),
            ),
            (ApiErrorKind::Connect, _) => Some(
                "the endpoint cannot be reached: check --endpoint-url and the network, then ctrl-r"
                    .to_string(),
            ),
            (ApiErrorKind::Tls, _) => Some("the TLS handshake failed: check --endpoint-url".into()),
            (ApiErrorKind::Timeout, _) => Some("no answer in time: ctrl-r to try again".into()),
            (ApiErrorKind::Service { .. }, Some(401 | 403)) => Some(
                "check the access key and its permissions (the profile or role needs chime:* access)"
                    .to_string(),
            ),
            (ApiErrorKind::Service { .. }, Some(429)) => {
                Some("still throttled after retries: wait a moment, then ctrl-r".into())
            }
            (ApiErrorKind::Service { .. }, Some(500..=599)) => {
                Some("the service failed: ctrl-r to try again".into())
            }
            (ApiErrorKind::Service { .. }, Some(404)) => {
                Some("it is not there (deleted or never created?): ctrl-r reloads what exists".into())
            }
            (ApiErrorKind::Service { .. }, _) => Some(
                "nothing was changed by this call: change what the message names, then try again"
                    .into(),
            ),
            (ApiErrorKind::Invalid, _) => Some("nothing was sent: fix the input and try again".into()),
            (ApiErrorKind::Decode | ApiErrorKind::Transport, _) => {
                Some("the answer was unreadable: ctrl-r to try again, see the log".into())
            }
            (ApiErrorKind::Paging, _) => Some(
                "the service's paging went wrong (a repeated or endless NextToken): ctrl-r reloads"
                    .into(),
            ),
            (ApiErrorKind::Cancelled, _) => None,
        };
        ErrorInfo {
            operation: operation.to_string(),
            code: e.short(),
            message: e.message.clone(),
            request_id: e.request_id.clone(),
            hint,
        }
    }
}

/// The last change for one user (the result column): still on its way,
/// the client's outcome (ok, failed, unknown, not sent), or left out of the
/// sending because the plan read it at the change's values already (what
/// the preview counted as "already at these values").
#[derive(Debug, Clone, PartialEq)]
pub enum RowResult {
    Pending,
    Done(OutcomeResult),
    Already,
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub user: User,
    pub result: Option<RowResult>,
    /// The change `result` belongs to.
    pub change: Option<ChangeLabel>,
    /// The batch id of that change (`:export … results` holds the last one's).
    pub batch: Option<u64>,
}

/// The users the last change of one kind failed for (or did not send),
/// kept until the next change of that kind: `r` retries them, whatever
/// other changes were made in between (an unsuspend that fixed the cause).
#[derive(Debug, Clone, PartialEq)]
pub struct FailedSet {
    pub label: ChangeLabel,
    pub account_id: String,
    /// The update sent (empty for a user action).
    pub update: crate::model::UserUpdate,
    pub user_ids: Vec<String>,
}

/// The filter input of a pane.
#[derive(Debug, Clone, Default)]
pub struct FilterInput {
    pub input: Input,
    /// The input line is open and takes the keys.
    pub editing: bool,
}

impl FilterInput {
    pub fn text(&self) -> &str {
        self.input.value()
    }
    pub fn is_active(&self) -> bool {
        self.editing || !self.input.value().is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct AccountsView {
    pub list: FilteredList<Account>,
    pub filter: FilterInput,
    /// Generation of the request series in flight or last answered.
    pub gen_id: u64,
    pub loading: bool,
    pub loaded: bool,
    /// Checks every page of this series (a reload starts a new one).
    pub guard: PageGuard,
}

#[derive(Debug, Clone)]
pub struct UsersView {
    pub account: Account,
    pub list: FilteredList<UserRow>,
    /// Row index of each loaded user id (pages and email look-ups may overlap).
    pub by_id: HashMap<String, usize>,
    pub filter: FilterInput,
    /// Generation of this view's page requests: a reload or another account
    /// makes answers to older requests stale.
    pub gen_id: u64,
    /// Where the paging is: the next page to ask for, one in flight, or all here.
    pub paging: Paging,
    /// Checks every page of this view (a reload starts a new view).
    pub guard: PageGuard,
    /// The `user-email` look-up of a complete email typed as the filter.
    pub lookup: Lookup,
    /// Marked user ids (they survive paging and filtering).
    pub marks: HashSet<String>,
    /// Row index of the last mark set with `space` (start of a `V` range).
    pub last_mark: Option<usize>,
    /// `a` was pressed before every page was here: rows still arriving that
    /// match the filter are marked too.
    pub mark_all_pending: bool,
    /// Some row has a change result, so the Result column shows (kept here
    /// so a frame need not look through every loaded row).
    pub results_shown: bool,
    /// The filter text as read by the filter language; the rows shown match it.
    pub query: crate::filter::Filter,
    /// Why the filter text cannot be read (shown in the filter line); the
    /// rows shown still match the last text that could.
    pub query_error: Option<String>,
    /// The order of the rows, if sorted (`o`, `:sort`).
    pub sort: Option<Sort>,
    /// The matching rows by license (the title).
    pub counts: LicenseCounts,
    /// Ids of rows whose re-read after a change failed: their values are
    /// from before it (greyed, "? not re-read"), never counted by license;
    /// `ctrl-r` reads them again.
    pub not_reread: HashSet<String>,
    /// Why the last re-read failed, for the status line.
    pub reread_error: Option<String>,
    /// The batch id of the last change sent in this view: its rows are
    /// what `:export … results` writes.
    pub last_batch: Option<u64>,
    /// What the filter was before `F` showed only the failed rows: `F`
    /// again goes back to it.
    pub filter_before_failed: Option<String>,
    /// Changed users being re-read (0: none in flight).
    pub rereading: usize,
    /// Row values changed (re-read) since the filter was last applied:
    /// some shown rows may no longer match (counted as kept).
    pub maybe_kept: bool,
}

/// The pages of ListUsers for a users view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// The next page can be asked for with this token (`None`: the first page).
    Next(Option<String>),
    /// The page asked for with this token is in flight (a failure goes back to `Next`).
    InFlight(Option<String>),
    /// Every page is here.
    Complete,
    /// The service paged wrongly (a repeated token, endless empty pages, or
    /// past the listing limit): no more pages are asked for until a reload.
    Stopped,
}

impl Paging {
    pub fn is_complete(&self) -> bool {
        matches!(self, Paging::Complete)
    }
    pub fn in_flight(&self) -> bool {
        matches!(self, Paging::InFlight(_))
    }
}

/// The `user-email` look-up (one user out of any number in one round trip).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Lookup {
    /// Nothing asked for the current filter text.
    #[default]
    Idle,
    /// Typing has not paused yet: sent when the `Term::Timer` of this generation is due.
    Due(u64),
    /// This email was asked for with this generation; the answer is awaited.
    InFlight { email: String, gen_id: u64 },
    /// This email was asked for and answered (or failed): not asked again.
    Done { email: String },
}

impl Lookup {
    /// The email asked for, if any.
    pub fn email(&self) -> Option<&str> {
        match self {
            Lookup::InFlight { email, .. } | Lookup::Done { email } => Some(email),
            Lookup::Idle | Lookup::Due(_) => None,
        }
    }
    pub fn in_flight(&self) -> bool {
        matches!(self, Lookup::InFlight { .. })
    }
    /// Whether the answer of generation `gen_id` is the one awaited.
    pub fn awaits(&self, gen_id: u64) -> bool {
        matches!(self, Lookup::InFlight { gen_id: g, .. } if *g == gen_id)
    }
}

/// The order of the users: by a column (`o`, `:sort`), ascending or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: UserCol,
    pub descending: bool,
}

/// How many of the matching rows have each license.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LicenseCounts {
    pub pro: usize,
    pub plus: usize,
    pub basic: usize,
    pub trial: usize,
    /// A license this build does not know, or none.
    pub other: usize,
    /// Rows whose re-read after a change failed: their license is not known.
    pub not_reread: usize,
    /// Changed rows kept for their results that no longer match the filter.
    pub kept: usize,
}

impl UsersView {
    pub fn selected_user(&self) -> Option<&User> {
        self.list.selected().map(|r| &r.user)
    }

    /// Marked users not shown under the current filter.
    pub fn hidden_marks(&self) -> usize {
        let shown = self
            .list
            .visible()
            .iter()
            .filter(|&&i| self.marks.contains(&self.list.items()[i].user.user_id))
            .count();
        self.marks.len().saturating_sub(shown)
    }
}

#[derive(Debug, Clone)]
pub enum Modal {
    Help {
        scroll: u16,
    },
    Error(ErrorInfo),
    /// `q` while a change is running.
    ConfirmQuit,
    /// `e`: the change form.
    Form(Box<ChangeForm>),
    /// The selected users are being read to plan a change (Esc drops it).
    Planning {
        gen_id: u64,
        account_name: String,
        picked: &'static str,
        users: usize,
        /// "License type", "Suspend": what is being planned.
        what: String,
    },
    /// What a change will do, before anything is sent.
    Preview(Box<Preview>),
    /// Account settings or a user's telephony settings.
    Settings(Box<super::settings::SettingsForm>),
    /// A one-line prompt (create/rename/delete an account, create or invite users).
    Prompt(Box<super::prompt::Prompt>),
    /// The changes in the audit log (`H`, `:history`).
    History(Box<HistoryView>),
    /// A message too long for the status line, shown whole.
    Message(String),
    /// A new personal PIN, shown once; dropped when the dialog closes.
    Pin {
        email: String,
        pin: crate::model::Sensitive,
    },
}

/// The history pane: the audit log's changes, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryView {
    pub history: crate::history::History,
    pub selected: usize,
    /// The selected change's per-user results are shown.
    pub open: bool,
    /// The generation of the read in flight (None: read).
    pub loading: Option<u64>,
}

/// A change being sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRun {
    pub id: u64,
    /// "Updating", "Suspending", …
    pub verb: &'static str,
    /// What the change is, for its rows' results and its failed set.
    pub label: ChangeLabel,
    pub account_id: String,
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    /// Users of the selection read at the change's values: not sent.
    pub already: usize,
    /// Milliseconds since it started, as the worker measured.
    pub elapsed_ms: u64,
    pub cancelling: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub ticks_left: u32,
    /// It says how many users are marked: its number follows the marks
    /// (one count, one source: the title's).
    pub marks: bool,
}

/// The open command line.
#[derive(Debug, Clone, Default)]
pub struct CmdLine {
    pub input: Input,
    /// Completion candidates or a problem, shown after the input.
    pub hint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct State {
    pub accounts: AccountsView,
    /// Number of users of an account once all its pages were loaded.
    pub user_counts: HashMap<String, usize>,
    pub users: Option<UsersView>,
    pub focus: Pane,
    pub modals: Vec<Modal>,
    pub flash: Option<Flash>,
    /// "throttled, retrying" while the client retries.
    pub retrying: Option<String>,
    pub read_only: bool,
    /// Where requests go, for the title bar.
    pub endpoint: String,
    pub theme: Theme,
    /// The AWS profile in use, if one was named (title bar).
    pub profile: Option<String>,
    /// The AWS profile names `:profile <Tab>` completes (read at start).
    pub profiles: Vec<String>,
    /// The `:` command line, while open.
    pub cmdline: Option<CmdLine>,
    /// The key registry with the user's keys (dispatch, footer, help).
    pub keymap: std::sync::Arc<super::keymap::Keymap>,
    pub width: u16,
    pub height: u16,
    /// Animation frame of the spinner.
    pub spinner: usize,
    /// The screen differs from the last frame drawn.
    pub dirty: bool,
    /// The focused list pane takes the whole width (`z`).
    pub zoomed: bool,
    /// `/` in the help overlay: only the keys whose label or description
    /// holds this text are listed.
    pub help_search: FilterInput,
    pub quit: bool,
    /// The change being sent, if any.
    pub batch: Option<BatchRun>,
    /// The outcome of the last change, part by part ("41 updated",
    /// "1 failed (r retries)", "0.4 s"): the status line keeps each part
    /// whole and leaves out the ones that do not fit.
    pub batch_summary: Option<Vec<String>>,
    /// The last change applied (`r` retries its failed rows with it).
    pub last_change: Option<super::form::Change>,
    /// The home directory, for `~` in file names (set when the console
    /// starts; `update` reads no environment).
    pub home: Option<std::path::PathBuf>,
    /// The plan of the last preview shown (`:plan save FILE` saves it).
    pub last_plan: Option<Box<crate::plan::Plan>>,
    /// The admin operation in flight (its generation), if any.
    pub admin: Option<u64>,
    /// The failed set of the last change of each kind, the latest last.
    pub failed: Vec<FailedSet>,
    next_gen: u64,
}

impl State {
    /// The last change's outcome as one line: "41 updated · 1 failed (r retries) · 0.4 s".
    pub fn summary(&self) -> Option<String> {
        self.batch_summary.as_ref().map(|p| p.join(" · "))
    }

    pub fn new(endpoint: impl Into<String>, read_only: bool, theme: Theme) -> Self {
        State {
            accounts: AccountsView {
                list: FilteredList::new(),
                filter: FilterInput::default(),
                gen_id: 0,
                loading: false,
                loaded: false,
                guard: PageGuard::new(Operation::ListAccounts, DEFAULT_LIST_LIMIT),
            },
            user_counts: HashMap::new(),
            users: None,
            focus: Pane::Accounts,
            modals: Vec::new(),
            flash: None,
            retrying: None,
            read_only,
            endpoint: endpoint.into(),
            theme,
            cmdline: None,
            profile: None,
            profiles: Vec::new(),
            keymap: std::sync::Arc::default(),
            width: 80,
            height: 24,
            spinner: 0,
            dirty: true,
            zoomed: false,
            help_search: FilterInput::default(),
            quit: false,
            batch: None,
            batch_summary: None,
            last_change: None,
            last_plan: None,
            home: None,
            failed: Vec::new(),
            admin: None,
            next_gen: 0,
        }
    }

    /// A fresh generation id for a new series of requests.
    pub fn new_gen(&mut self) -> u64 {
        self.next_gen += 1;
        self.next_gen
    }

    /// A change is being sent (quitting asks first).
    pub fn busy_changing(&self) -> bool {
        self.batch.is_some()
    }

    pub fn mode(&self) -> Mode {
        match self.modals.last() {
            Some(Modal::Help { .. }) if self.help_search.editing => Mode::FilterInput,
            Some(Modal::Help { .. }) => Mode::Help,
            Some(Modal::Form(_)) => Mode::Form,
            Some(Modal::Settings(_)) => Mode::Settings,
            Some(Modal::Prompt(_)) => Mode::Prompt,
            Some(Modal::History(_)) => Mode::History,
            Some(_) => Mode::Dialog,
            None if self.cmdline.is_some() => Mode::CommandLine,
            None if self.focused_filter().is_some_and(|f| f.editing) => Mode::FilterInput,
            None => Mode::Normal,
        }
    }

    /// The filter of the focused list pane.
    pub fn focused_filter(&self) -> Option<&FilterInput> {
        match self.focus {
            Pane::Accounts => Some(&self.accounts.filter),
            Pane::Users => self.users.as_ref().map(|u| &u.filter),
            Pane::Detail => None,
        }
    }

    pub fn selected_account(&self) -> Option<&Account> {
        self.accounts.list.selected()
    }

    /// Something moves on screen, so the event loop runs its timer.
    pub fn animating(&self) -> bool {
        self.flash.is_some() || self.is_loading()
    }

    pub fn is_loading(&self) -> bool {
        self.accounts.loading
            || self
                .users
                .as_ref()
                .is_some_and(|u| u.paging.in_flight() || u.lookup.in_flight())
    }
}
