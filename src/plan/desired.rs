//! A desired state from a CSV (`plan ACCOUNT --from FILE`, the console's
//! `:import FILE`): who should hold which values. Users are named by
//! `UserId` or `PrimaryEmail` (with both, `UserId` decides and an email that
//! disagrees is an error); `LicenseType`, `UserType`,
//! `AlexaForBusinessEnabled` (true/false) and `AlexaForBusinessRoomArn` set
//! values; an empty cell leaves that field as it is. The export is the
//! import: every column `users --output csv` writes is accepted and the
//! read-only ones are ignored; cells are read back as the export
//! neutralised them (a leading `'`).

use std::collections::HashMap;
use std::str::FromStr;

use crate::columns::USER_COLUMNS;
use crate::model::{
    AlexaForBusinessMetadata, License, Sensitive, User, UserType, UserUpdate, validate,
};
use crate::text::csv_uncell;

/// The columns that set values.
pub const VALUE_COLUMNS: [&str; 4] = [
    "LicenseType",
    "UserType",
    "AlexaForBusinessEnabled",
    "AlexaForBusinessRoomArn",
];

/// How a row names its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserKey {
    Id(String),
    Email(String),
}

impl UserKey {
    pub fn text(&self) -> &str {
        match self {
            UserKey::Id(s) | UserKey::Email(s) => s,
        }
    }
}

/// One row that wants something.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its line in the file (1 is the header).
    pub line: usize,
    pub key: UserKey,
    /// With both columns: the email the row gives, checked against the id's.
    pub email: Option<String>,
    pub update: UserUpdate,
}

/// The rows of a desired-state CSV, checked against the model.
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(|h| csv_uncell(h).to_string())
        .collect();
    for h in &header {
        if !USER_COLUMNS.contains(&h.as_str()) && !VALUE_COLUMNS.contains(&h.as_str()) {
            return Err(format!(
                "line 1: unknown column {h:?}: columns that set values are {}; users are named by UserId or PrimaryEmail; the other columns of an export ({}) are read and ignored",
                VALUE_COLUMNS.join(", "),
                USER_COLUMNS
                    .iter()
                    .filter(
                        |c| !["UserId", "PrimaryEmail"].contains(c) && !VALUE_COLUMNS.contains(c)
                    )
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let (id_col, email_col) = (col("UserId"), col("PrimaryEmail"));
    if id_col.is_none() && email_col.is_none() {
        return Err(
            "line 1: no UserId or PrimaryEmail column: name each user by one of them".into(),
        );
    }
    let values: Vec<(usize, &str)> = VALUE_COLUMNS
        .iter()
        .filter_map(|name| Some((col(name)?, *name)))
        .collect();
    if values.is_empty() {
        return Err(format!(
            "line 1: no column sets a value: give one of {}",
            VALUE_COLUMNS.join(", ")
        ));
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let cell = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(csv_uncell)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (id, email) = (cell(id_col), cell(email_col));
        let key = match (&id, &email) {
            (Some(id), _) => UserKey::Id(id.clone()),
            (None, Some(e)) => UserKey::Email(e.to_ascii_lowercase()),
            (None, None) => {
                if rec.iter().all(|c| c.is_empty()) {
                    continue;
                }
                return Err(format!("line {line}: no UserId or PrimaryEmail"));
            }
        };
        let seen_key = key.text().to_ascii_lowercase();
        if let Some(first) = seen.insert(seen_key, line) {
            return Err(format!(
                "line {line}: user {} is already on line {first}: name each user once",
                crate::text::visible(key.text())
            ));
        }
        let mut update = UserUpdate::default();
        for &(c, name) in &values {
            let Some(v) = cell(Some(c)) else { continue };
            set(&mut update, name, &v).map_err(|e| format!("line {line}: {name} {e}"))?;
        }
        if update.is_empty() {
            continue;
        }
        rows.push(Row {
            line,
            email: if id.is_some() { email } else { None },
            key,
            update,
        });
    }
    Ok(rows)
}

fn set(update: &mut UserUpdate, column: &str, v: &str) -> Result<(), String> {
    let shown = || format!("{:?}", crate::text::visible(v));
    match column {
        "LicenseType" => {
            update.license_type =
                Some(License::from_str(v).map_err(|e| format!("{}: {e}", shown()))?)
        }
        "UserType" => {
            update.user_type = Some(UserType::from_str(v).map_err(|e| format!("{}: {e}", shown()))?)
        }
        "AlexaForBusinessEnabled" => {
            let on = match v.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(format!("{}: expected true or false", shown())),
            };
            metadata(update).is_alexa_for_business_enabled = Some(on);
        }
        "AlexaForBusinessRoomArn" => {
            if let Some(problem) = validate::arn_problem(v) {
                return Err(format!("{}: {problem}", shown()));
            }
            metadata(update).alexa_for_business_room_arn = Some(Sensitive::from(v.to_string()));
        }
        _ => {}
    }
    Ok(())
}

fn metadata(update: &mut UserUpdate) -> &mut AlexaForBusinessMetadata {
    update
        .alexa_for_business_metadata
        .get_or_insert_with(Default::default)
}

/// The rows matched to the account's `users`: each found user's update by
/// id, the selection in file order, and the rows whose user the account
/// does not have (their id or email). An email that disagrees with its
/// row's id is an error.
pub type Resolved = (HashMap<String, UserUpdate>, Vec<String>, Vec<String>);

pub fn resolve(rows: &[Row], users: &[User]) -> Result<Resolved, String> {
    let by_id: HashMap<&str, &User> = users.iter().map(|u| (u.user_id.as_str(), u)).collect();
    let by_email: HashMap<String, &User> = users
        .iter()
        .filter(|u| !u.email().is_empty())
        .map(|u| (u.email().to_ascii_lowercase(), u))
        .collect();
    let mut each = HashMap::new();
    let mut order = Vec::new();
    let mut missing = Vec::new();
    for row in rows {
        let user = match &row.key {
            UserKey::Id(id) => by_id.get(id.as_str()).copied(),
            UserKey::Email(e) => by_email.get(e).copied(),
        };
        let Some(user) = user else {
            missing.push(row.key.text().to_string());
            continue;
        };
        if let Some(e) = &row.email
            && !e.eq_ignore_ascii_case(user.email())
        {
            return Err(format!(
                "line {}: UserId {} has the email {}, not {}: the UserId decides, fix or empty the PrimaryEmail cell",
                row.line,
                crate::text::visible(&user.user_id),
                crate::text::visible(user.email()),
                crate::text::visible(e)
            ));
        }
        if each
            .insert(user.user_id.clone(), row.update.clone())
            .is_some()
        {
            return Err(format!(
                "line {}: user {} is named twice (by id and by email)",
                row.line,
                crate::text::visible(&user.user_id)
            ));
        }
        order.push(user.user_id.clone());
    }
    Ok((each, order, missing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_with_an_edited_column_is_a_desired_state() {
        let text = "UserId,PrimaryEmail,DisplayName,LicenseType,UserType,UserRegistrationStatus,UserInvitationStatus\n\
                    u-1,a@example.com,A,Basic,PrivateUser,Registered,Accepted\n\
                    u-2,'=b@example.com,B,,,Registered,\n\
                    ,,,,,,\n";
        let rows = parse(text).expect("rows");
        assert_eq!(rows.len(), 1, "an empty cell leaves the field: {rows:?}");
        assert_eq!(rows[0].key, UserKey::Id("u-1".into()));
        assert_eq!(rows[0].update.license_type, Some(License::Basic));
        assert_eq!(rows[0].email.as_deref(), Some("a@example.com"));
    }

    #[test]
    fn bad_files_are_refused_naming_the_line_and_what_is_valid() {
        for (text, says) in [
            (
                "UserId,Licence\nu,Pro\n",
                "line 1: unknown column \"Licence\"",
            ),
            (
                "UserId,LicenseType\nu,Gold\n",
                "line 2: LicenseType \"Gold\"",
            ),
            (
                "UserId,LicenseType\nu,Pro\nu,Basic\n",
                "line 3: user u is already on line 2",
            ),
            (
                "DisplayName,LicenseType\nx,Pro\n",
                "no UserId or PrimaryEmail column",
            ),
            ("UserId,DisplayName\nu,x\n", "no column sets a value"),
            (
                "PrimaryEmail,AlexaForBusinessEnabled\na@b.c,maybe\n",
                "expected true or false",
            ),
            (
                "UserId,AlexaForBusinessRoomArn\nu,arn:nope\n",
                "line 2: AlexaForBusinessRoomArn",
            ),
        ] {
            let e = parse(text).expect_err(text);
            assert!(e.contains(says), "{text}: {e}");
        }
        let e = parse("UserId,LicenseType\nu,Gold\n").expect_err("Gold");
        assert!(e.contains("Basic, Plus, Pro, ProTrial"), "{e}");
    }

    #[test]
    fn users_are_matched_by_id_or_email_and_an_email_that_disagrees_is_an_error() {
        let users = vec![
            User {
                user_id: "u-1".into(),
                primary_email: Some("a@example.com".into()),
                ..User::default()
            },
            User {
                user_id: "u-2".into(),
                primary_email: Some("b@example.com".into()),
                ..User::default()
            },
        ];
        let rows =
            parse("PrimaryEmail,LicenseType\nB@example.com,Pro\nnobody@x.org,Pro\n").expect("rows");
        let (each, order, missing) = resolve(&rows, &users).expect("resolved");
        assert_eq!(order, ["u-2"]);
        assert!(each.contains_key("u-2"));
        assert_eq!(missing, ["nobody@x.org"]);
        let rows = parse("UserId,PrimaryEmail,LicenseType\nu-1,b@example.com,Pro\n").expect("rows");
        let e = resolve(&rows, &users).expect_err("disagrees");
        assert!(
            e.contains("line 2: UserId u-1 has the email a@example.com"),
            "{e}"
        );
    }
}
