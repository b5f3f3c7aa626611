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
