//! A planned change: what a change would do to each user, field by field.
//! Built by the console's form (and the headless preview), written to the
//! audit log, shown in the preview.

use crate::model::{Sensitive, User, UserUpdate};

/// A field of a user that a change alters: those of an update
/// (BatchUpdateUser) and those a user action changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    fields(update, |field| {
        Some(match field {
            Field::License => show(&u.license_type),
            Field::UserType => show(&u.user_type),
            Field::A4b => yes_no(u.a4b_enabled()),
            Field::RoomArn => u.a4b_room_arn().unwrap_or("(none)").to_string(),
            // Not fields of an update.
            Field::Registration | Field::Sessions | Field::PersonalPin => return None,
        })
    })
    .into_iter()
    .filter(|f| f.from != f.to)
    .collect()
}

/// Every field `update` sets, from a value not read (`?`): what the audit
/// log records when the users were not listed first.
pub fn unread(update: &UserUpdate) -> Vec<FieldChange> {
    fields(update, |_| None)
}

fn fields(update: &UserUpdate, from: impl Fn(Field) -> Option<String>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut push = |field: Field, to: String| {
        out.push(FieldChange {
            field,
            from: from(field).unwrap_or_else(|| "?".into()),
            to,
        })
    };
    if let Some(l) = &update.license_type {
        push(Field::License, l.to_string());
    }
    if let Some(t) = &update.user_type {
        push(Field::UserType, t.to_string());
    }
    if let Some(m) = &update.alexa_for_business_metadata {
        if let Some(e) = m.is_alexa_for_business_enabled {
            push(Field::A4b, yes_no(Some(e)));
        }
        if let Some(r) = &m.alexa_for_business_room_arn {
            push(Field::RoomArn, r.expose().to_string());
        }
    }
    out
}

/// "License Pro → Basic for 30 users": one line per field and old value, in
/// first-seen order.
pub fn summary(changes: &[PlannedChange]) -> Vec<String> {
    let mut groups: Vec<((Field, &str, &str), usize)> = Vec::new();
    for c in changes {
        for f in &c.fields {
            let key = (f.field, f.from.as_str(), f.to.as_str());
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => groups.push((key, 1)),
            }
        }
    }
    groups
        .into_iter()
        .map(|((field, from, to), n)| {
            let users = if n == 1 { "user" } else { "users" };
            format!("{field} {from} → {to} for {n} {users}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::License;

    #[test]
    fn a_diff_names_only_what_changes_and_groups_by_old_value() {
        let user = |id: &str, l: Option<License>| User {
            user_id: id.into(),
            license_type: l,
            ..User::default()
        };
        let update = UserUpdate {
            license_type: Some(License::Pro),
            ..UserUpdate::default()
        };
        let users = [
            user("a", Some(License::Basic)),
            user("b", Some(License::Pro)),
            user("c", Some(License::Basic)),
            user("d", None),
        ];
        let changes: Vec<PlannedChange> = users
            .iter()
            .map(|u| PlannedChange {
                user_id: u.user_id.clone(),
                email: Sensitive::default(),
                fields: diff(u, &update),
            })
            .filter(|c| !c.fields.is_empty())
            .collect();
        assert_eq!(changes.len(), 3);
        assert_eq!(
            summary(&changes),
            [
                "License Basic → Pro for 2 users",
                "License (none) → Pro for 1 user"
            ]
        );
        assert_eq!(unread(&update)[0].from, "?");
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
