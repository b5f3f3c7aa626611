//! The change form and its preview, pure: which values a form starts with,
//! how its fields cycle and validate, and what a change would do to each user
//! (users already at the target values are "no change" and left out).

use tui_input::Input;

use crate::model::validate::arn_problem;
use crate::model::{AlexaForBusinessMetadata, License, Sensitive, User, UserType, UserUpdate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    License,
    UserType,
    A4b,
    Room,
}

impl FormField {
    pub const ALL: [FormField; 4] = [
        FormField::License,
        FormField::UserType,
        FormField::A4b,
        FormField::Room,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FormField::License => "License type",
            FormField::UserType => "User type",
            FormField::A4b => "Alexa for Business",
            FormField::Room => "Room ARN",
        }
    }
}

/// The form `e` opens: `None` in a field means "(keep)".
#[derive(Debug, Clone)]
pub struct ChangeForm {
    pub account_id: String,
    pub account_name: String,
    /// The users it changes (marked rows, or the current row).
    pub targets: Vec<String>,
    /// The account's SupportedLicenses: the only license choices.
    pub licenses: Vec<License>,
    pub license: Option<License>,
    pub user_type: Option<UserType>,
    pub a4b: Option<bool>,
    /// Empty means keep.
    pub room: Input,
    pub field: FormField,
    /// Why the form cannot be submitted, once the user tried.
    pub problem: Option<String>,
}

/// The value every user shares, if they all share one.
fn shared<T: PartialEq + Clone>(users: &[&User], f: impl Fn(&User) -> Option<T>) -> Option<T> {
    let first = f(users.first()?)?;
    users
        .iter()
        .all(|u| f(u).as_ref() == Some(&first))
        .then_some(first)
}

/// Cycles `cur` through `None` (keep) and `values`.
fn cycle<T: PartialEq + Clone>(cur: &Option<T>, values: &[T], forward: bool) -> Option<T> {
    let n = values.len() + 1;
    let pos = match cur {
        None => 0,
        Some(v) => values.iter().position(|x| x == v).map_or(0, |i| i + 1),
    };
    let next = if forward {
        (pos + 1) % n
    } else {
        (pos + n - 1) % n
    };
    if next == 0 {
        None
    } else {
        Some(values[next - 1].clone())
    }
}

impl ChangeForm {
    pub fn new(
        account_id: &str,
        account_name: &str,
        licenses: Vec<License>,
        users: &[&User],
    ) -> Self {
        let room = shared(users, |u| u.a4b_room_arn().map(String::from)).unwrap_or_default();
        ChangeForm {
            account_id: account_id.to_string(),
            account_name: account_name.to_string(),
            targets: users.iter().map(|u| u.user_id.clone()).collect(),
            licenses,
            license: shared(users, |u| u.license_type.clone()),
            user_type: shared(users, |u| u.user_type.clone()),
            a4b: shared(users, |u| u.a4b_enabled()),
            room: Input::new(room),
            field: FormField::License,
            problem: None,
        }
    }

    pub fn move_field(&mut self, forward: bool) {
        let i = FormField::ALL
            .iter()
            .position(|f| *f == self.field)
            .unwrap_or(0);
        let n = FormField::ALL.len();
        self.field = FormField::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// `←`/`→` on an enum field.
    pub fn cycle_value(&mut self, forward: bool) {
        match self.field {
            FormField::License => self.license = cycle(&self.license, &self.licenses, forward),
            FormField::UserType => self.user_type = cycle(&self.user_type, UserType::ALL, forward),
            FormField::A4b => self.a4b = cycle(&self.a4b, &[true, false], forward),
            FormField::Room => {}
        }
        self.problem = None;
    }

    /// A letter on an enum field jumps to the first value starting with it.
    pub fn jump(&mut self, c: char) {
        let c = c.to_ascii_lowercase();
        let starts = |s: &str| s.chars().next().map(|f| f.to_ascii_lowercase()) == Some(c);
        match self.field {
            FormField::License => {
                if let Some(v) = self.licenses.iter().find(|l| starts(l.as_str())) {
                    self.license = Some(v.clone());
                }
            }
            FormField::UserType => {
                if let Some(v) = UserType::ALL.iter().find(|l| starts(l.as_str())) {
                    self.user_type = Some(v.clone());
                }
            }
            FormField::A4b => match c {
                'y' | 't' | 'e' => self.a4b = Some(true),
                'n' | 'f' | 'd' => self.a4b = Some(false),
                'k' => self.a4b = None,
                _ => {}
            },
            FormField::Room => {}
        }
        self.problem = None;
    }

    /// Why the room ARN is not valid (checked while typing).
    pub fn room_problem(&self) -> Option<String> {
        let v = self.room.value().trim();
        if v.is_empty() { None } else { arn_problem(v) }
    }

    /// Why the form cannot be submitted.
    pub fn problem(&self) -> Option<String> {
        if let Some(p) = self.room_problem() {
            return Some(format!("{}: {p}", FormField::Room.label()));
        }
        if self.update().is_empty() {
            return Some("nothing to change: every field is (keep)".into());
        }
        None
    }

    /// The change to send (only the fields not kept).
    pub fn update(&self) -> UserUpdate {
        let room = self.room.value().trim();
        let a4b = (self.a4b.is_some() || !room.is_empty()).then(|| AlexaForBusinessMetadata {
            is_alexa_for_business_enabled: self.a4b,
            alexa_for_business_room_arn: (!room.is_empty()).then(|| Sensitive::new(room)),
        });
        UserUpdate {
            license_type: self.license.clone(),
            user_type: self.user_type.clone(),
            alexa_for_business_metadata: a4b,
        }
    }
}

pub use crate::plan::{Field, FieldChange, PlannedChange};

/// One change for many users: an update of their fields (BatchUpdateUser)
/// or a user action. The preview, the state, the request and the job carry it.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Update(UserUpdate),
    Action(UserAction),
}

impl Change {
    /// The user action, if it is one.
    pub fn action(&self) -> Option<UserAction> {
        match self {
            Change::Update(_) => None,
            Change::Action(a) => Some(*a),
        }
    }

    /// The API operation that sends it.
    pub fn operation(&self) -> &'static str {
        match self {
            Change::Update(_) => "BatchUpdateUser",
            Change::Action(a) => a.operation(),
        }
    }
}

/// The other user actions (each confirmed through the same preview).
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
            UserAction::Suspend => "BatchSuspendUser",
            UserAction::Unsuspend => "BatchUnsuspendUser",
            UserAction::Logout => "LogoutUser",
            UserAction::ResetPin => "ResetPersonalPIN",
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

    /// What it changes for `u`, or nothing if `u` is already there.
    fn fields(self, u: &User) -> Vec<FieldChange> {
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

/// Which change a result belongs to: its kind (an update, or a user action)
/// and the words the Result column uses for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeLabel {
    /// `None` for BatchUpdateUser; a change of the same kind replaces the
    /// failed set of the last one.
    pub action: Option<UserAction>,
    /// "license change", "unsuspend": what failed.
    pub noun: &'static str,
    /// "license changed", "unsuspended": what succeeded.
    pub done: &'static str,
    /// The kinds of field an update changes (none for a user action).
    pub fields: ChangedFields,
}

/// Which kinds of field an update changes: the columns kept on screen while
/// its results show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangedFields {
    pub license: bool,
    pub user_type: bool,
    /// A4B, with or without its room ARN.
    pub a4b: bool,
}

impl ChangeLabel {
    /// The label of a change: a user action, or an update named after the
    /// fields it changes (`changes`: the preview's planned changes).
    pub fn of(action: Option<UserAction>, changes: &[PlannedChange]) -> ChangeLabel {
        let has = |field: Field| {
            changes
                .iter()
                .any(|c| c.fields.iter().any(|f| f.field == field))
        };
        let fields = match action {
            Some(_) => ChangedFields::default(),
            None => ChangedFields {
                license: has(Field::License),
                user_type: has(Field::UserType),
                a4b: has(Field::A4b) || has(Field::RoomArn),
            },
        };
        let field = match (fields.license, fields.user_type, fields.a4b) {
            (true, false, false) => Some(Field::License),
            (false, true, false) => Some(Field::UserType),
            (false, false, true) => Some(Field::A4b),
            _ => None,
        };
        let (noun, done) = match (action, field) {
            (Some(UserAction::Suspend), _) => ("suspend", "suspended"),
            (Some(UserAction::Unsuspend), _) => ("unsuspend", "unsuspended"),
            (Some(UserAction::Logout), _) => ("logout", "logged out"),
            (Some(UserAction::ResetPin), _) => ("PIN reset", "PIN reset"),
            (None, Some(Field::License)) => ("license change", "license changed"),
            (None, Some(Field::UserType)) => ("user type change", "user type changed"),
            (None, Some(Field::A4b)) => ("A4B change", "A4B changed"),
            (None, _) => ("update", "updated"),
        };
        ChangeLabel {
            action,
            noun,
            done,
            fields,
        }
    }
}

/// The confirm step: what will change, for whom; Cancel focused first.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub account_id: String,
    pub account_name: String,
    /// What is sent to the users of `changes`.
    pub change: Change,
    /// Users with at least one field to change, in row order.
    pub changes: Vec<PlannedChange>,
    /// Their ids (unmarked when the change is applied).
    pub unchanged: Vec<String>,
    /// "License Pro → Basic for 30 users", one line per field and old value.
    pub summary: Vec<String>,
    pub apply_focused: bool,
    /// How its users were picked, for "N marked · …": "marked",
    /// "selected" (the current row) or "to retry".
    pub picked: &'static str,
}

impl Preview {
    /// Users already at every target value.
    pub fn no_change(&self) -> usize {
        self.unchanged.len()
    }
}

fn show<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "(none)".to_string(), |v| v.to_string())
}

/// The fields of a user that an update would change: the same diff the
/// headless preview and the audit log use.
pub use crate::plan::diff;

/// Builds the preview of `update` over `users`.
pub fn preview(
    account_id: &str,
    account_name: &str,
    update: UserUpdate,
    users: &[&User],
) -> Preview {
    let diff_of = |u: &User| diff(u, &update);
    let mut p = plan(account_id, account_name, users, diff_of);
    p.change = Change::Update(update);
    p
}

/// Builds the preview of a user action over `users`.
pub fn action_preview(
    account_id: &str,
    account_name: &str,
    action: UserAction,
    users: &[&User],
) -> Preview {
    let mut p = plan(account_id, account_name, users, |u| action.fields(u));
    p.change = Change::Action(action);
    p
}

fn plan(
    account_id: &str,
    account_name: &str,
    users: &[&User],
    diff: impl Fn(&User) -> Vec<FieldChange>,
) -> Preview {
    let mut changes = Vec::new();
    let mut unchanged = Vec::new();
    for u in users {
        let fields = diff(u);
        if fields.is_empty() {
            unchanged.push(u.user_id.clone());
            continue;
        }
        changes.push(PlannedChange {
            user_id: u.user_id.clone(),
            email: u.primary_email.clone().unwrap_or_default(),
            fields,
        });
    }
    let summary = crate::plan::summary(&changes);
    Preview {
        account_id: account_id.to_string(),
        account_name: account_name.to_string(),
        change: Change::Update(UserUpdate::default()),
        changes,
        unchanged,
        summary,
        apply_focused: false,
        picked: "marked",
    }
}
