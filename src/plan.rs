//! A planned change: what a change would do to each user, field by field.
//! Built by the console's form (and the headless preview), written to the
//! audit log, shown in the preview.

use crate::model::Sensitive;

/// One field of one user that a change would alter.
#[derive(Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub from: String,
    pub to: String,
}

/// Room ARNs are sensitive in AWS's model: a `Debug` (a log line) never shows them.
impl std::fmt::Debug for FieldChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = self.field == "Room ARN";
        let show = |v: &str| {
            if secret {
                "<redacted>".to_string()
            } else {
                v.to_string()
            }
        };
        f.debug_struct("FieldChange")
            .field("field", &self.field)
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
