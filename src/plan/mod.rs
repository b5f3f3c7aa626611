//! A change, planned: the one way a change is made, in the console and the
//! headless commands alike.
//!
//! ```text
//! selection (marks · ids · --all with a filter that parsed)
//!    └─► read the selected users fresh (GetUser for a few, ListUsers pages for many)
//!         └─► Plan { per user: from (as read) → to; already; not found; suspended }
//!              ├─► preview  (the console's dialog, `update-users --dry-run`)
//!              └─► apply    ([`crate::apply`]: sends exactly `Plan::changes`)
//!                   └─► audit (the plan's from/to and each result, under `Plan::id`)
//! ```
//!
//! Nothing downstream recomputes from another source: the preview counts
//! what [`Plan::build`] put in the plan, the apply sends its `changes` and
//! nothing else, and the audit's `from` is the value read for it. A
//! selection or a filter with an error never becomes a plan ([`make`] is
//! only reached with one that parsed), and a value the account does not
//! support is refused before anything is sent.

pub mod desired;
pub mod file;

use crate::text::{thousands, users_word};
use std::collections::{HashMap, HashSet};

use futures::StreamExt;

use crate::client::{ApiError, Client, ListUsersQuery};
use crate::filter::Filter;
use crate::model::validate::PAGE_SIZE;
use crate::model::{ErrorCode, License, Operation, Sensitive, Timestamp, User, UserUpdate};

/// A field of a user that a change alters: those of an update
/// (BatchUpdateUser) and those a user action changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    License,
    UserType,
    A4b,
    RoomArn,
    /// Suspend, unsuspend.
    Registration,
    /// Logout.
    Sessions,
    /// Reset PIN.
    PersonalPin,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::License,
        Field::UserType,
        Field::A4b,
        Field::RoomArn,
        Field::Registration,
        Field::Sessions,
        Field::PersonalPin,
    ];

    /// Its word in the preview, the summary and the audit log.
    pub fn label(self) -> &'static str {
        match self {
            Field::License => "License",
            Field::UserType => "User type",
            Field::A4b => "A4B",
            Field::RoomArn => "Room ARN",
            Field::Registration => "Registration",
            Field::Sessions => "Sessions",
            Field::PersonalPin => "Personal PIN",
        }
    }

    /// Whether its values stay out of logs and the audit log: AWS's model
    /// marks `AlexaForBusinessRoomArn` a `SensitiveString`.
    pub fn is_sensitive(self) -> bool {
        matches!(self, Field::RoomArn)
    }

    /// The fields an update (BatchUpdateUser) sets.
    pub const UPDATE: [Field; 4] = [Field::License, Field::UserType, Field::A4b, Field::RoomArn];

    /// Its member name in AWS's model (a plan file's and a CSV's key), for
    /// the fields of an update.
    pub fn member(self) -> Option<&'static str> {
        Some(match self {
            Field::License => "LicenseType",
            Field::UserType => "UserType",
            Field::A4b => "AlexaForBusinessEnabled",
            Field::RoomArn => "AlexaForBusinessRoomArn",
            _ => return None,
        })
    }

    /// The update field named `member` (or its label, as the audit log
    /// writes it).
    pub fn of_member(member: &str) -> Option<Field> {
        Field::UPDATE
            .into_iter()
            .find(|f| f.member() == Some(member) || f.label() == member)
    }

    /// `u`'s value of this field, as plans write it (`(none)` when unset;
    /// A4B `enabled`/`disabled`); None for the fields of a user action.
    pub fn value(self, u: &User) -> Option<String> {
        Some(match self {
            Field::License => show(&u.license_type),
            Field::UserType => show(&u.user_type),
            Field::A4b => yes_no(u.a4b_enabled()),
            Field::RoomArn => u.a4b_room_arn().unwrap_or("(none)").to_string(),
            _ => return None,
        })
    }
}

/// The update that sets each field to its `to`: what is sent for a
/// planned user, so the request is exactly the plan. A value that is not
/// one the model allows is an error.
pub fn update_of(fields: &[FieldChange]) -> Result<UserUpdate, String> {
    use std::str::FromStr;
    let mut u = UserUpdate::default();
    for f in fields {
        let to = f.to.as_str();
        match f.field {
            Field::License => u.license_type = Some(License::from_str(to)?),
            Field::UserType => u.user_type = Some(crate::model::UserType::from_str(to)?),
            Field::A4b => {
                let on = match to {
                    "enabled" | "true" => true,
                    "disabled" | "false" => false,
                    other => return Err(format!("A4B {other:?}: expected enabled or disabled")),
                };
                u.alexa_for_business_metadata
                    .get_or_insert_with(Default::default)
                    .is_alexa_for_business_enabled = Some(on);
            }
            Field::RoomArn => {
                if let Some(problem) = crate::model::validate::arn_problem(to) {
                    return Err(format!("room ARN: {problem}"));
                }
                u.alexa_for_business_metadata
                    .get_or_insert_with(Default::default)
                    .alexa_for_business_room_arn = Some(Sensitive::from(to.to_string()));
            }
            other => return Err(format!("{other} is not a field of an update")),
        }
    }
    Ok(u)
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One field of one user that a change would alter.
#[derive(Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: Field,
    pub from: String,
    pub to: String,
}

/// A `Debug` (a log line) never shows the values of a sensitive field.
impl std::fmt::Debug for FieldChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = self.field.is_sensitive();
        let show = |v: &str| {
            if secret {
                "<redacted>".to_string()
            } else {
                v.to_string()
            }
        };
        f.debug_struct("FieldChange")
            .field("field", &self.field.label())
            .field("from", &show(&self.from))
            .field("to", &show(&self.to))
            .finish()
    }
}

/// What a change does to one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    pub user_id: String,
    pub email: Sensitive,
    pub fields: Vec<FieldChange>,
}

fn show<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "(none)".to_string(), |v| v.to_string())
}

fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "enabled".into(),
        Some(false) => "disabled".into(),
        None => "(none)".into(),
    }
}

/// The fields of `u` that `update` would change (License, User type, A4B,
/// Room ARN).
pub fn diff(u: &User, update: &UserUpdate) -> Vec<FieldChange> {
    let mut to: Vec<(Field, String)> = Vec::new();
    if let Some(l) = &update.license_type {
        to.push((Field::License, l.to_string()));
    }
    if let Some(t) = &update.user_type {
        to.push((Field::UserType, t.to_string()));
    }
    if let Some(m) = &update.alexa_for_business_metadata {
        if let Some(e) = m.is_alexa_for_business_enabled {
            to.push((Field::A4b, yes_no(Some(e))));
        }
        if let Some(r) = &m.alexa_for_business_room_arn {
            to.push((Field::RoomArn, r.expose().to_string()));
        }
    }
    to.into_iter()
        .filter_map(|(field, to)| {
            let from = field.value(u)?;
            (from != to).then_some(FieldChange { field, from, to })
        })
        .collect()
}

/// One change for many users: an update of their fields (BatchUpdateUser),
/// a desired state per user (a CSV, a saved plan, an undo), or a user
/// action.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The same update for every selected user.
    Update(UserUpdate),
    /// Each user's own update (BatchUpdateUser too); `rest`: the update of
    /// the selected users not in `each` (`--rest-license`).
    Desired {
        each: HashMap<String, UserUpdate>,
        rest: Option<UserUpdate>,
    },
    Action(UserAction),
}

impl Change {
    /// The user action, if it is one.
    pub fn action(&self) -> Option<UserAction> {
        match self {
            Change::Update(_) | Change::Desired { .. } => None,
            Change::Action(a) => Some(*a),
        }
    }

    /// Whether it updates fields (BatchUpdateUser).
    pub fn is_update(&self) -> bool {
        self.action().is_none()
    }

    /// The API operation that sends it.
    pub fn operation(&self) -> &'static str {
        match self {
            Change::Update(_) | Change::Desired { .. } => Operation::BatchUpdateUser.name(),
            Change::Action(a) => a.operation(),
        }
    }

    /// What it would change for `u` (nothing: `u` is already there).
    pub fn fields(&self, u: &User) -> Vec<FieldChange> {
        match self {
            Change::Update(update) => diff(u, update),
            Change::Desired { each, rest } => each
                .get(&u.user_id)
                .or(rest.as_ref())
                .map(|update| diff(u, update))
                .unwrap_or_default(),
            Change::Action(a) => a.fields(u),
        }
    }

    /// Whether `user_id` is changed by `rest` (not named in the file).
    pub fn is_rest(&self, user_id: &str) -> bool {
        matches!(self, Change::Desired { each, rest: Some(_) } if !each.contains_key(user_id))
    }
}

/// The other user actions (each planned and previewed like an update).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    /// BatchSuspendUser, 50 ids per call.
    Suspend,
    /// BatchUnsuspendUser, 50 ids per call.
    Unsuspend,
    /// LogoutUser, one user.
    Logout,
    /// ResetPersonalPIN, one user; the new PIN is shown once.
    ResetPin,
}

impl UserAction {
    pub fn operation(self) -> &'static str {
        match self {
            UserAction::Suspend => Operation::BatchSuspendUser.name(),
            UserAction::Unsuspend => Operation::BatchUnsuspendUser.name(),
            UserAction::Logout => Operation::LogoutUser.name(),
            UserAction::ResetPin => Operation::ResetPersonalPIN.name(),
        }
    }

    /// "Suspending 12 users: …" in the progress line.
    pub fn verb(self) -> &'static str {
        match self {
            UserAction::Suspend => "Suspending",
            UserAction::Unsuspend => "Unsuspending",
            UserAction::Logout => "Logging out",
            UserAction::ResetPin => "Resetting the PIN of",
        }
    }

    /// Whether it applies to the marked rows (else to the current row only).
    pub fn many(self) -> bool {
        matches!(self, UserAction::Suspend | UserAction::Unsuspend)
    }

    /// What it changes for `u` (its `from`: the registration state read),
    /// or nothing if `u` is already there.
    pub fn fields(self, u: &User) -> Vec<FieldChange> {
        let reg = show(&u.user_registration_status);
        match self {
            UserAction::Suspend if !u.is_suspended() => vec![FieldChange {
                field: Field::Registration,
                from: reg,
                to: "Suspended".into(),
            }],
            UserAction::Unsuspend if u.is_suspended() => vec![FieldChange {
                field: Field::Registration,
                from: reg,
                to: "Registered".into(),
            }],
            UserAction::Logout => vec![FieldChange {
                field: Field::Sessions,
                from: "signed in".into(),
                to: "logged out".into(),
            }],
            UserAction::ResetPin => vec![FieldChange {
                field: Field::PersonalPin,
                from: "(hidden)".into(),
                to: "a new PIN, shown once".into(),
            }],
            _ => Vec::new(),
        }
    }
}

/// A change's id: a ULID (48 bits of milliseconds, 80 random bits, 26
/// characters of Crockford's base 32). Unique across processes and hosts,
/// and ids sort by time. Printed with the change's summary and written on
/// every audit line of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChangeId(String);

impl ChangeId {
    pub fn new() -> ChangeId {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let random: u128 = rand::random::<u128>() & ((1u128 << 80) - 1);
        ChangeId::of(((ms & ((1u128 << 48) - 1)) << 80) | random)
    }

    fn of(n: u128) -> ChangeId {
        const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let text = (0..26)
            .rev()
            .map(|i| ALPHABET[((n >> (5 * i)) & 31) as usize] as char)
            .collect();
        ChangeId(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ChangeId {
    fn default() -> Self {
        ChangeId::new()
    }
}

impl std::fmt::Display for ChangeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user a plan names without changing: its id and email (for the screen
/// and the output; the audit log has ids only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    pub user_id: String,
    pub email: Sensitive,
}

/// One change, planned from the users as read just before: what the
/// preview shows, the apply sends and the audit records.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub id: ChangeId,
    pub account_id: String,
    pub change: Change,
    /// The users to send, in selection order, each field `from` (as read)
    /// `→ to`.
    pub changes: Vec<PlannedChange>,
    /// Selected users already at every target value: never sent.
    pub already: Vec<UserRef>,
    /// Selected ids the account does not have (as read): never sent.
    pub not_found: Vec<String>,
    /// Ids among `changes` of suspended users, whom an update fails for
    /// ("User is suspended").
    pub suspended: Vec<String>,
    /// The selected ids in selection order, repeats dropped: the order of
    /// every report of the plan.
    pub order: Vec<String>,
    /// When the users were read.
    pub read_at: Timestamp,
    /// The selected users as read (those found), so a screen can show the
    /// values the plan was made from.
    pub read: Vec<User>,
    /// Users of a saved plan that someone changed since it was made
    /// (neither at its `from` nor at its `to`): never sent.
    pub drifted: Vec<Drift>,
    /// Where the plan came from: a saved plan's digest, the change an undo
    /// undoes, what it was made from (written to the audit log).
    pub origin: Origin,
}

/// Where a plan came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The SHA-256 of the plan file applied.
    pub digest: Option<String>,
    /// The change id this plan undoes.
    pub undoes: Option<String>,
    /// "file hr.csv", "filter license:pro", "ids", "undo of …".
    pub made_from: Option<String>,
}

/// A planned user found at neither the plan's `from` nor its `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub user: UserRef,
    pub field: Field,
    /// What the plan expected to find.
    pub planned_from: String,
    /// What the service holds now.
    pub found: String,
}

impl Plan {
    /// A plan of `change` with no user yet, read now.
    pub fn empty(account_id: &str, change: Change) -> Plan {
        Plan {
            id: ChangeId::new(),
            account_id: account_id.to_string(),
            change,
            changes: Vec::new(),
            already: Vec::new(),
            not_found: Vec::new(),
            suspended: Vec::new(),
            order: Vec::new(),
            read_at: Timestamp::now(),
            read: Vec::new(),
            drifted: Vec::new(),
            origin: Origin::default(),
        }
    }

    /// The plan of `change` for the `selected` ids (in order, repeats
    /// dropped), from `read`: the users as just read (any order; users not
    /// selected are ignored). A value the account does not support
    /// (`supported`: its SupportedLicenses, when known) is refused.
    pub fn build(
        account_id: &str,
        supported: Option<&[License]>,
        change: Change,
        selected: &[String],
        read: Vec<User>,
    ) -> Result<Plan, String> {
        if let Some(why) = refused(&change, supported) {
            return Err(why);
        }
        let mut by_id: HashMap<String, User> =
            read.into_iter().map(|u| (u.user_id.clone(), u)).collect();
        let mut seen = HashSet::new();
        let mut plan = Plan::empty(account_id, change);
        for id in selected {
            if !seen.insert(id.as_str()) {
                continue;
            }
            plan.order.push(id.clone());
            let Some(u) = by_id.remove(id) else {
                plan.not_found.push(id.clone());
                continue;
            };
            let fields = plan.change.fields(&u);
            let email = u.primary_email.clone().unwrap_or_default();
            if fields.is_empty() {
                plan.already.push(UserRef {
                    user_id: id.clone(),
                    email,
                });
            } else {
                if plan.change.is_update() && u.is_suspended() {
                    plan.suspended.push(id.clone());
                }
                plan.changes.push(PlannedChange {
                    user_id: id.clone(),
                    email,
                    fields,
                });
            }
            plan.read.push(u);
        }
        Ok(plan)
    }

    /// How many users were selected (repeats once).
    pub fn selected(&self) -> usize {
        self.changes.len() + self.already.len() + self.not_found.len() + self.drifted.len()
    }

    /// "License Pro → Basic for 30 users": one line per field and old value;
    /// the users `--rest-license` changes on lines of their own ("… users
    /// not in the file").
    pub fn summary(&self) -> Vec<String> {
        let (rest, named): (Vec<PlannedChange>, Vec<PlannedChange>) = self
            .changes
            .iter()
            .cloned()
            .partition(|c| self.change.is_rest(&c.user_id));
        let mut out = summary(&named);
        out.extend(
            summary(&rest)
                .into_iter()
                .map(|l| format!("{l} not in the file")),
        );
        out
    }

    /// What the preview must say besides the counts: users it will fail
    /// for, users gone, users changed since the plan was made.
    pub fn warnings(&self) -> Vec<Warning> {
        [
            Warning::Suspended(self.suspended.len()),
            Warning::NotFound(self.not_found.len()),
            Warning::Drifted(self.drifted.len()),
        ]
        .into_iter()
        .filter(|w| w.count() > 0)
        .collect()
    }
}

/// A preview's warning, one text wherever it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// Users an update will fail for.
    Suspended(usize),
    /// Selected users not in the account: not sent.
    NotFound(usize),
    /// Users changed by someone since the plan was made: left alone.
    Drifted(usize),
}

impl Warning {
    pub fn count(self) -> usize {
        match self {
            Warning::Suspended(n) | Warning::NotFound(n) | Warning::Drifted(n) => n,
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = thousands(self.count());
        let (they, them) = if self.count() == 1 {
            ("it", "it")
        } else {
            ("they", "them")
        };
        match self {
            Warning::Suspended(_) => write!(
                f,
                "{n} suspended: {they} will fail; unsuspend {them} first or leave {them} out"
            ),
            Warning::NotFound(_) => write!(f, "{n} not found in the account: not sent"),
            Warning::Drifted(_) => write!(
                f,
                "{n} drifted (changed by someone since the plan was made): left alone"
            ),
        }
    }
}

/// Why `change` cannot be made in an account that supports `supported`.
fn refused(change: &Change, supported: Option<&[License]>) -> Option<String> {
    let updates: Vec<&UserUpdate> = match change {
        Change::Update(update) => {
            if update.is_empty() {
                return Some("nothing to change".into());
            }
            vec![update]
        }
        Change::Desired { each, rest } => each.values().chain(rest).collect(),
        Change::Action(_) => return None,
    };
    let supported = supported.filter(|s| !s.is_empty())?;
    let license = updates
        .iter()
        .filter_map(|u| u.license_type.as_ref())
        .find(|l| !supported.contains(l))?;
    let names: Vec<&str> = supported.iter().map(|l| l.as_str()).collect();
    Some(format!(
        "license {license} is not supported by this account (its SupportedLicenses: {}): nothing was sent",
        names.join(", ")
    ))
}

/// Whether `change` sets a license (the account's SupportedLicenses matter).
fn sets_license(change: &Change) -> bool {
    match change {
        Change::Update(u) => u.license_type.is_some(),
        Change::Desired { each, rest } => {
            each.values().chain(rest).any(|u| u.license_type.is_some())
        }
        Change::Action(_) => false,
    }
}

/// "License Pro → Basic for 30 users": one line per field and old value, in
/// first-seen order.
pub fn summary(changes: &[PlannedChange]) -> Vec<String> {
    let mut groups: Vec<((Field, &str, &str), usize)> = Vec::new();
    let mut index: HashMap<(Field, &str, &str), usize> = HashMap::new();
    for c in changes {
        for f in &c.fields {
            let key = (f.field, f.from.as_str(), f.to.as_str());
            match index.get(&key) {
                Some(&i) => groups[i].1 += 1,
                None => {
                    index.insert(key, groups.len());
                    groups.push((key, 1));
                }
            }
        }
    }
    groups
        .into_iter()
        .map(|((field, from, to), n)| format!("{field} {from} → {to} for {}", users_word(n)))
        .collect()
}

/// Which users a change is for, before they are read.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// These ids, in this order.
    Ids(Vec<String>),
    /// Every user the listing returns for `query`, re-checked here against
    /// `filter` and `email` (a service that ignores a filter changes nothing
    /// it should not).
    All {
        query: ListUsersQuery,
        filter: Option<Filter>,
        email: Option<String>,
    },
}

/// Why no plan was made.
#[derive(Debug)]
pub enum PlanError {
    /// A value the account does not support (nothing was sent).
    Refused(String),
    /// Reading the account or its users failed.
    Api(ApiError),
}

impl From<ApiError> for PlanError {
    fn from(e: ApiError) -> Self {
        PlanError::Api(e)
    }
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Refused(why) => f.write_str(why),
            PlanError::Api(e) => write!(f, "{e}"),
        }
    }
}

/// Up to this many ids are read one GetUser each; more through the
/// account's ListUsers pages (200 a call).
pub const READ_BY_GET: usize = 20;

/// The operation that reads `ids` fresh: GetUser for a few (counted once
/// each), else the account's listing (ListUsers), which emails need too.
/// The one rule: [`read_users`] reads the way this names, and errors name
/// the operation it says.
pub fn read_operation(ids: &[String]) -> Operation {
    let unique: HashSet<&str> = ids.iter().map(String::as_str).collect();
    read_of(&unique)
}

/// [`read_operation`] for ids already counted once each.
fn read_of(unique: &HashSet<&str>) -> Operation {
    if unique.len() > READ_BY_GET || unique.iter().any(|i| i.contains('@')) {
        Operation::ListUsers
    } else {
        Operation::GetUser
    }
}

/// Reads the selection fresh from the service and plans `change` for it:
/// one read for the preview and the apply. A license change also reads the
/// account (GetAccount, beside the users) for its SupportedLicenses.
pub async fn make(
    client: &Client,
    account_id: &str,
    change: Change,
    selection: Selection,
) -> Result<Plan, PlanError> {
    let licenses = supported_licenses(client, account_id, sets_license(&change));
    // The account and the users are read at once (one round trip less).
    let (supported, read) = tokio::join!(licenses, read_selection(client, account_id, selection));
    let supported = supported?;
    let (ids, read) = read?;
    Plan::build(account_id, supported.as_deref(), change, &ids, read).map_err(PlanError::Refused)
}

/// The selected ids (in order) and the users found, read fresh.
async fn read_selection(
    client: &Client,
    account_id: &str,
    selection: Selection,
) -> Result<(Vec<String>, Vec<User>), ApiError> {
    Ok(match selection {
        Selection::Ids(ids) if ids.iter().any(|i| i.contains('@')) => {
            // Emails too: the account's listing names them.
            let users = list_users(client, account_id, &ListUsersQuery::default()).await?;
            let by_email: HashMap<String, &str> = users
                .iter()
                .map(|u| (u.email().to_ascii_lowercase(), u.user_id.as_str()))
                .collect();
            let ids: Vec<String> = ids
                .into_iter()
                .map(|i| match by_email.get(&i.to_ascii_lowercase()) {
                    Some(id) if i.contains('@') => id.to_string(),
                    _ => i,
                })
                .collect();
            (ids, users)
        }
        Selection::Ids(ids) => {
            let read = read_users(client, account_id, &ids).await?;
            (ids, read)
        }
        Selection::All {
            query,
            filter,
            email,
        } => {
            let mut users = list_users(client, account_id, &query).await?;
            let filter = filter.filter(|f| !f.is_empty());
            users.retain(|u| {
                email
                    .as_deref()
                    .is_none_or(|e| u.email().eq_ignore_ascii_case(e.trim()))
                    && filter
                        .as_ref()
                        .is_none_or(|f| f.matches(u, &crate::filter::text_key(u), None))
            });
            let ids = users.iter().map(|u| u.user_id.clone()).collect();
            (ids, users)
        }
    })
}

/// The plan of a desired state (the rows of a CSV, [`desired::parse`]):
/// the account's users read (one listing), each row's user given its
/// update; with `rest`, every user of the account not in the file gets it.
/// Rows whose user the account does not have are `not_found`.
pub async fn make_desired(
    client: &Client,
    account_id: &str,
    rows: &[desired::Row],
    rest: Option<UserUpdate>,
) -> Result<Plan, PlanError> {
    let everyone = ListUsersQuery::default();
    let (account, users) = tokio::join!(
        client.get_account(account_id),
        list_users(client, account_id, &everyone)
    );
    let supported = account?.supported_licenses;
    let users = users?;
    let (each, mut order, missing) = desired::resolve(rows, &users).map_err(PlanError::Refused)?;
    if rest.is_some() {
        order.extend(
            users
                .iter()
                .filter(|u| !each.contains_key(&u.user_id))
                .map(|u| u.user_id.clone()),
        );
    }
    order.extend(missing);
    let change = Change::Desired { each, rest };
    Plan::build(account_id, supported.as_deref(), change, &order, users).map_err(PlanError::Refused)
}

/// A saved plan, checked against the service now: its users read fresh,
/// each already at `To`, still at `From` (to change), drifted or gone.
pub async fn recheck(
    client: &Client,
    saved: &file::SavedPlan,
    digest: Option<String>,
) -> Result<Plan, PlanError> {
    // A plan file is the admin's to edit: a license its account does not
    // support is refused here as when the plan is made (the account is read
    // beside the users).
    let sets_license = Field::License
        .member()
        .is_some_and(|m| saved.users.iter().any(|u| u.to.contains_key(m)));
    let licenses = supported_licenses(client, &saved.account_id, sets_license);
    let ids = saved.user_ids();
    let (supported, read) = tokio::join!(licenses, read_users(client, &saved.account_id, &ids));
    let (supported, read) = (supported?, read?);
    let plan = saved.recheck(read, digest);
    match refused(&plan.change, supported.as_deref()) {
        Some(why) if !plan.changes.is_empty() => Err(PlanError::Refused(why)),
        _ => Ok(plan),
    }
}

/// The account's SupportedLicenses when a change sets a license (`needed`),
/// read with GetAccount; None otherwise (nothing is sent).
async fn supported_licenses(
    client: &Client,
    account_id: &str,
    needed: bool,
) -> Result<Option<Vec<License>>, ApiError> {
    if !needed {
        return Ok(None);
    }
    Ok(client.get_account(account_id).await?.supported_licenses)
}

/// Every user of the account that `query` lists (all pages).
pub async fn list_users(
    client: &Client,
    account_id: &str,
    query: &ListUsersQuery,
) -> Result<Vec<User>, ApiError> {
    let mut users = Vec::new();
    let mut pages = Box::pin(client.users_pages(account_id, query, Some(PAGE_SIZE), None));
    while let Some(page) = pages.next().await {
        users.extend(page?.users);
    }
    Ok(users)
}

/// The users with these ids as they are now: one GetUser each for a few,
/// the account's listing for many. Ids not found are left out.
pub async fn read_users(
    client: &Client,
    account_id: &str,
    ids: &[String],
) -> Result<Vec<User>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
    if read_of(&wanted) == Operation::ListUsers {
        let mut users = list_users(client, account_id, &ListUsersQuery::default()).await?;
        users.retain(|u| wanted.contains(u.user_id.as_str()));
        return Ok(users);
    }
    let unique: Vec<String> = wanted.into_iter().map(String::from).collect();
    let read: Vec<Result<Option<User>, ApiError>> = futures::stream::iter(unique)
        .map(|id| async move {
            match client.get_user(account_id, &id).await {
                Ok(u) => Ok(Some(u)),
                Err(e) if e.code() == Some(&ErrorCode::NotFound) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .buffer_unordered(crate::client::batch::INITIAL_CONCURRENCY)
        .collect()
        .await;
    let mut out = Vec::new();
    for r in read {
        out.extend(r?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RegistrationStatus;

    /// One rule for the read: a few users (counted once each) one GetUser
    /// each; many, or any email, the account's listing.
    #[test]
    fn the_read_is_named_by_its_unique_users() {
        let ids = |n: usize| (0..n).map(|i| format!("u-{i}")).collect::<Vec<_>>();
        assert_eq!(read_operation(&ids(READ_BY_GET)), Operation::GetUser);
        assert_eq!(read_operation(&ids(READ_BY_GET + 1)), Operation::ListUsers);
        let same = vec!["u-1".to_string(); READ_BY_GET + 5];
        assert_eq!(
            read_operation(&same),
            Operation::GetUser,
            "one user, named 25 times"
        );
        let email = vec!["a@example.com".to_string()];
        assert_eq!(read_operation(&email), Operation::ListUsers);
    }

    fn user(id: &str, l: Option<License>) -> User {
        User {
            user_id: id.into(),
            license_type: l,
            ..User::default()
        }
    }

    /// Counts of a thousand or more are grouped as everywhere on screen.
    #[test]
    fn summary_counts_are_grouped_by_thousands() {
        let changes: Vec<PlannedChange> = (0..3012)
            .map(|i| PlannedChange {
                user_id: format!("u{i}"),
                email: Sensitive::default(),
                fields: vec![FieldChange {
                    field: Field::License,
                    from: "Basic".into(),
                    to: "Pro".into(),
                }],
            })
            .collect();
        assert_eq!(summary(&changes), ["License Basic → Pro for 3,012 users"]);
        assert_eq!(summary(&changes[..1]), ["License Basic → Pro for 1 user"]);
    }

    fn to_pro() -> Change {
        Change::Update(UserUpdate {
            license_type: Some(License::Pro),
            ..UserUpdate::default()
        })
    }

    #[test]
    fn a_plan_sends_only_what_changes_and_counts_the_rest() {
        let mut suspended = user("e", Some(License::Basic));
        suspended.user_registration_status = Some(RegistrationStatus::Suspended);
        let read = vec![
            user("a", Some(License::Basic)),
            user("b", Some(License::Pro)),
            user("c", Some(License::Basic)),
            user("d", None),
            suspended,
            user("not-selected", Some(License::Basic)),
        ];
        let selected: Vec<String> = ["a", "b", "c", "d", "e", "a", "gone"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let plan = Plan::build("acc", None, to_pro(), &selected, read).expect("plan");
        let sent: Vec<&str> = plan.changes.iter().map(|c| c.user_id.as_str()).collect();
        assert_eq!(sent, ["a", "c", "d", "e"]);
        assert_eq!(plan.already.len(), 1);
        assert_eq!(plan.already[0].user_id, "b");
        assert_eq!(plan.not_found, ["gone"]);
        assert_eq!(plan.suspended, ["e"]);
        assert_eq!(plan.selected(), 6);
        assert_eq!(plan.order, ["a", "b", "c", "d", "e", "gone"]);
        assert_eq!(
            plan.summary(),
            [
                "License Basic → Pro for 3 users",
                "License (none) → Pro for 1 user"
            ]
        );
        assert_eq!(plan.read.len(), 5);
        let w: Vec<String> = plan.warnings().iter().map(|w| w.to_string()).collect();
        assert_eq!(
            w,
            [
                "1 suspended: it will fail; unsuspend it first or leave it out",
                "1 not found in the account: not sent"
            ]
        );
    }

    #[test]
    fn a_license_the_account_does_not_support_is_refused() {
        let plus = Change::Update(UserUpdate {
            license_type: Some(License::Plus),
            ..UserUpdate::default()
        });
        let supported = [License::Basic, License::Pro];
        let e = Plan::build("acc", Some(&supported), plus.clone(), &[], vec![])
            .expect_err("Plus on a Team account");
        assert!(
            e.contains("Plus is not supported") && e.contains("Basic, Pro"),
            "{e}"
        );
        assert!(Plan::build("acc", Some(&supported), to_pro(), &[], vec![]).is_ok());
        assert!(Plan::build("acc", None, plus, &[], vec![]).is_ok());
        let nothing = Change::Update(UserUpdate::default());
        assert!(Plan::build("acc", None, nothing, &[], vec![]).is_err());
    }

    #[test]
    fn change_ids_are_ulids_unique_and_ordered_by_time() {
        let a = ChangeId::new();
        let b = ChangeId::new();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 26);
        assert!(a.as_str().chars().all(|c| c.is_ascii_alphanumeric()));
        // The first ten characters are the time: the same millisecond or later.
        assert!(b.as_str()[..10] >= a.as_str()[..10]);
        // Many made in the same millisecond are still all different.
        let many: Vec<ChangeId> = (0..2000).map(|_| ChangeId::new()).collect();
        let same_ms = many
            .windows(2)
            .filter(|w| w[0].as_str()[..10] == w[1].as_str()[..10])
            .count();
        assert!(same_ms > 0, "some ids share a millisecond");
        let unique: HashSet<&str> = many.iter().map(ChangeId::as_str).collect();
        assert_eq!(unique.len(), many.len());
        assert_eq!(ChangeId::of(0).as_str(), "00000000000000000000000000");
        assert_eq!(ChangeId::of(u128::MAX >> 2).as_str().len(), 26);
    }

    #[test]
    fn debug_hides_the_values_of_every_sensitive_field_and_only_those() {
        let sensitive: Vec<Field> = Field::ALL
            .into_iter()
            .filter(|f| f.is_sensitive())
            .collect();
        assert_eq!(sensitive, [Field::RoomArn], "as AWS's model marks them");
        for field in Field::ALL {
            let change = FieldChange {
                field,
                from: "arn:aws:a4b:us-east-1:111122223333:room/old".into(),
                to: "arn:aws:a4b:us-east-1:111122223333:room/new".into(),
            };
            let debug = format!("{change:?}");
            assert!(debug.contains(field.label()), "{debug}");
            assert_eq!(debug.contains("room/old"), !field.is_sensitive(), "{debug}");
            assert_eq!(debug.contains("room/new"), !field.is_sensitive(), "{debug}");
            assert_eq!(
                debug.contains("<redacted>"),
                field.is_sensitive(),
                "{debug}"
            );
        }
    }
}
