//! The change form and its preview, pure: which values a form starts with,
//! how its fields cycle and validate, and the preview of a plan (users
//! already at the target values are "no change" and never sent).

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

    /// A letter on an enum field jumps to the first value starting with
    /// it; where values share the letter (Plus, Pro), the same letter again
    /// moves to the next of them. The licenses are the account's only.
    pub fn jump(&mut self, c: char) {
        let c = c.to_ascii_lowercase();
        let starts = |s: &str| s.chars().next().map(|f| f.to_ascii_lowercase()) == Some(c);
        match self.field {
            FormField::License => {
                let name = |l: &License| l.as_str().to_string();
                if let Some(v) = next_starting(&self.licenses, self.license.as_ref(), name, starts)
                {
                    self.license = Some(v);
                }
            }
            FormField::UserType => {
                let name = |t: &UserType| t.as_str().to_string();
                if let Some(v) = next_starting(UserType::ALL, self.user_type.as_ref(), name, starts)
                {
                    self.user_type = Some(v);
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

pub use crate::plan::{Change, Field, FieldChange, PlannedChange, UserAction};

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

/// The confirm step: the plan, read fresh from the service, and what it
/// will do; Cancel focused first. What `y` sends is `plan`, unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub account_name: String,
    pub plan: crate::plan::Plan,
    pub apply_focused: bool,
    /// How its users were picked, for "N marked · …": "marked",
    /// "selected" (the current row) or "to retry".
    pub picked: &'static str,
    /// The first planned row shown (PgDn/PgUp/g/G scroll through them all).
    pub scroll: usize,
}

impl Preview {
    /// How many planned rows the preview shows at once on a screen `height`
    /// rows high (its other lines, buttons and hints take the rest).
    pub fn window(&self, height: u16) -> usize {
        let h = height.saturating_sub(2).min(24) as usize;
        let head = 3 + self.plan.summary().len() + self.plan.warnings().len();
        let room = h.saturating_sub(head + 2 + 4).max(1);
        let n = self.plan.changes.len();
        if n > room { (room - 1).max(1) } else { n }
    }

    /// The first row shown, clamped so the last page is full.
    pub fn first_row(&self, height: u16) -> usize {
        let last = self.plan.changes.len().saturating_sub(self.window(height));
        self.scroll.min(last)
    }

    /// PgDn/PgUp (`pages` ±1) or g/G (`to`): moves the rows shown.
    pub fn scroll_by(&mut self, height: u16, pages: isize) {
        let w = self.window(height) as isize;
        let at = self.first_row(height) as isize + pages * w;
        self.scroll = at.max(0) as usize;
        self.scroll = self.first_row(height);
    }
}

impl Preview {
    /// Users already at every target value.
    pub fn no_change(&self) -> usize {
        self.plan.already.len()
    }
}

/// The value after `current` among `values` whose name `starts` (wrapping),
/// or the first of them when `current` is not one.
fn next_starting<T: Clone + PartialEq>(
    values: &[T],
    current: Option<&T>,
    name: impl Fn(&T) -> String,
    starts: impl Fn(&str) -> bool,
) -> Option<T> {
    let matching: Vec<&T> = values.iter().filter(|v| starts(&name(v))).collect();
    let at = current.and_then(|c| matching.iter().position(|v| *v == c));
    let next = match at {
        Some(i) => matching.get((i + 1) % matching.len().max(1)),
        None => matching.first(),
    };
    next.map(|v| (*v).clone())
}
