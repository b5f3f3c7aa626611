//! The columns of a user in CSV output, shared by `users --output csv` and the
//! console's `:export csv`, so the two files match for the same users, and
//! the one CSV writer both use ([`write_csv`]): every cell through
//! [`crate::text::csv_cell`], so a value that starts like a formula reaches a
//! spreadsheet as text (`--ids-from` reads such files back).

use std::io::Write;

use crate::client::OutcomeResult;
use crate::model::User;
use crate::text::csv_cell;

/// Writes `header` and `rows` as CSV, every cell neutralised against
/// spreadsheet formulas.
pub fn write_csv<S: AsRef<str>>(
    out: impl Write,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<S>>,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header.iter().map(|h| csv_cell(h).into_owned()))?;
    for row in rows {
        w.write_record(row.iter().map(|c| csv_cell(c.as_ref()).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// [`write_csv`] into a string.
pub fn csv_string<S: AsRef<str>>(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<S>>,
) -> Result<String, String> {
    let mut buf = Vec::new();
    write_csv(&mut buf, header, rows).map_err(|e| e.to_string())?;
    String::from_utf8(buf).map_err(|e| e.to_string())
}

/// A column of a user in CSV output: the model's member name as its
/// header, and how a user's value is written. One list, so the header and
/// the cells cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserField {
    UserId,
    PrimaryEmail,
    DisplayName,
    LicenseType,
    UserType,
    UserRegistrationStatus,
    UserInvitationStatus,
}

impl UserField {
    /// In file order.
    pub const ALL: [UserField; 7] = [
        UserField::UserId,
        UserField::PrimaryEmail,
        UserField::DisplayName,
        UserField::LicenseType,
        UserField::UserType,
        UserField::UserRegistrationStatus,
        UserField::UserInvitationStatus,
    ];

    /// The header: the member name in AWS's model.
    pub const fn member(self) -> &'static str {
        match self {
            UserField::UserId => "UserId",
            UserField::PrimaryEmail => "PrimaryEmail",
            UserField::DisplayName => "DisplayName",
            UserField::LicenseType => "LicenseType",
            UserField::UserType => "UserType",
            UserField::UserRegistrationStatus => "UserRegistrationStatus",
            UserField::UserInvitationStatus => "UserInvitationStatus",
        }
    }

    /// `u`'s value in this column; absent values are empty.
    pub fn cell(self, u: &User) -> String {
        fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
            v.as_ref().map(|x| x.to_string()).unwrap_or_default()
        }
        match self {
            UserField::UserId => u.user_id.clone(),
            UserField::PrimaryEmail => u.email().to_string(),
            UserField::DisplayName => u.display_name().to_string(),
            UserField::LicenseType => opt(&u.license_type),
            UserField::UserType => opt(&u.user_type),
            UserField::UserRegistrationStatus => opt(&u.user_registration_status),
            UserField::UserInvitationStatus => opt(&u.user_invitation_status),
        }
    }
}

/// The header of `users --output csv` and `:export csv`.
pub const USER_COLUMNS: [&str; 7] = {
    let mut out = [""; 7];
    let mut i = 0;
    while i < out.len() {
        out[i] = UserField::ALL[i].member();
        i += 1;
    }
    out
};

/// One user's values in [`USER_COLUMNS`] order.
pub fn user_row(u: &User) -> Vec<String> {
    UserField::ALL.iter().map(|f| f.cell(u)).collect()
}

/// The columns of a per-user result (`update-users --output csv`, the
/// console's `:export csv results`).
pub const RESULT_COLUMNS: [&str; 6] = [
    "UserId",
    "PrimaryEmail",
    "Status",
    "ErrorCode",
    "ErrorMessage",
    "RequestId",
];

/// One user's result of a change; the JSON member names are the columns.
#[derive(serde::Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ResultRow<'a> {
    pub user_id: &'a str,
    /// Where it is known (the console's rows, `update-users --all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_email: Option<&'a str>,
    /// `Updated`, `Failed`, `Unknown`, `NotSent` (or `Pending` in the console).
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
            primary_email: None,
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

    /// Sent, and not known whether it was made (see `OutcomeResult::Unknown`).
    pub fn unknown(user_id: &'a str, message: &'a str, request_id: Option<&'a str>) -> Self {
        ResultRow {
            error_message: Some(message),
            request_id,
            ..Self::plain(user_id, "Unknown")
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
            primary_email: None,
            status: "Failed",
            error_code: code.map(|c| c.to_string()),
            error_message: Some(message),
            request_id,
        }
    }

    /// A user's outcome of a change, as `update-users --output` and the
    /// console's `:export … results` write it.
    pub fn of(user_id: &'a str, r: &'a OutcomeResult) -> Self {
        match r {
            OutcomeResult::Ok { request_id } => Self::updated(user_id, request_id.as_deref()),
            OutcomeResult::Failed {
                code,
                message,
                request_id,
            } => Self::failed(user_id, code.as_ref(), message, request_id.as_deref()),
            OutcomeResult::Unknown {
                message,
                request_id,
            } => Self::unknown(user_id, message, request_id.as_deref()),
            OutcomeResult::NotSent => Self::plain(user_id, "NotSent"),
        }
    }

    /// The same row with the user's email, if known.
    pub fn with_email(self, email: Option<&'a str>) -> Self {
        ResultRow {
            primary_email: email.filter(|e| !e.is_empty()),
            ..self
        }
    }

    /// The values in [`RESULT_COLUMNS`] order.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.user_id.to_string(),
            self.primary_email.unwrap_or("").to_string(),
            self.status.to_string(),
            self.error_code.clone().unwrap_or_default(),
            self.error_message.unwrap_or("").to_string(),
            self.request_id.unwrap_or("").to_string(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each header is the member the model serialises the value under, and
    /// the cell is that value: a misspelt member or a cell from another
    /// field fails here.
    #[test]
    fn every_user_column_is_its_model_member_and_value() {
        let u: User = serde_json::from_value(serde_json::json!({
            "UserId": "u-1",
            "AccountId": "acc-1",
            "PrimaryEmail": "sam@example.com",
            "DisplayName": "Sam",
            "LicenseType": "Plus",
            "UserType": "SharedDevice",
            "UserRegistrationStatus": "Suspended",
            "UserInvitationStatus": "Pending",
        }))
        .expect("user");
        let wire = serde_json::to_value(&u).expect("json");
        for f in UserField::ALL {
            assert_eq!(
                wire[f.member()].as_str(),
                Some(f.cell(&u).as_str()),
                "{f:?}"
            );
        }
        assert_eq!(USER_COLUMNS.len(), UserField::ALL.len());
        assert_eq!(USER_COLUMNS[0], "UserId");
        assert_eq!(user_row(&u)[6], "Pending");
    }

    #[test]
    fn csv_cells_that_start_a_formula_are_neutralised() {
        let text = csv_string(
            &["UserId", "DisplayName"],
            [
                vec!["u-1", "=HYPERLINK(\"http://x\")"],
                vec!["-u2", "plain"],
            ],
        )
        .expect("csv");
        assert_eq!(
            text,
            "UserId,DisplayName\nu-1,\"'=HYPERLINK(\"\"http://x\"\")\"\n'-u2,plain\n"
        );
    }
}
