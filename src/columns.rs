//! The columns of a user in CSV output, shared by `users --output csv` and the
//! console's `:export csv`, so the two files match for the same users.

use crate::model::User;

pub const USER_COLUMNS: [&str; 7] = [
    "UserId",
    "PrimaryEmail",
    "DisplayName",
    "LicenseType",
    "UserType",
    "UserRegistrationStatus",
    "UserInvitationStatus",
];

/// One user's values in [`USER_COLUMNS`] order; absent values are empty.
pub fn user_row(u: &User) -> Vec<String> {
    fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
        v.as_ref().map(|x| x.to_string()).unwrap_or_default()
    }
    vec![
        u.user_id.clone(),
        u.email().to_string(),
        u.display_name().to_string(),
        opt(&u.license_type),
        opt(&u.user_type),
        opt(&u.user_registration_status),
        opt(&u.user_invitation_status),
    ]
}

/// The columns of a per-user result (`update-users --output csv`, the
/// console's `:export csv results`).
pub const RESULT_COLUMNS: [&str; 5] =
    ["UserId", "Status", "ErrorCode", "ErrorMessage", "RequestId"];

/// One user's result of a change; the JSON member names are the columns.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ResultRow<'a> {
    pub user_id: &'a str,
    /// `Updated`, `Failed`, `NotSent` (or `Pending` in the console).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<&'a str>,
}

impl<'a> ResultRow<'a> {
    /// A result without an error.
    pub fn plain(user_id: &'a str, status: &'static str) -> Self {
        ResultRow {
            user_id,
            status,
            error_code: None,
            error_message: None,
            request_id: None,
        }
    }

    /// Changed, by the call with this request id.
    pub fn updated(user_id: &'a str, request_id: Option<&'a str>) -> Self {
        ResultRow {
            request_id,
            ..Self::plain(user_id, "Updated")
        }
    }

    pub fn failed(
        user_id: &'a str,
        code: Option<&crate::model::ErrorCode>,
        message: &'a str,
        request_id: Option<&'a str>,
    ) -> Self {
        ResultRow {
            user_id,
            status: "Failed",
            error_code: code.map(|c| c.to_string()),
            error_message: Some(message),
            request_id,
        }
    }

    /// The values in [`RESULT_COLUMNS`] order.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.user_id.to_string(),
            self.status.to_string(),
            self.error_code.clone().unwrap_or_default(),
            self.error_message.unwrap_or("").to_string(),
            self.request_id.unwrap_or("").to_string(),
        ]
    }
}
