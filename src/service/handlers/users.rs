//! User operations (one user at a time, plus listing and inviting).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::json;

use crate::model::validate::{self, MAX_ID_LIST};
use crate::model::*;

use super::super::error::{ApiError, ApiResult};
use super::super::store::{AccountEntry, Store, UserRow, default_user_settings, token, user_out};
use super::{
    Outcome, Request, account_id, body, check_update, check_user_type, email_filter, known,
    max_results, not_suspended, put_user, required, start_offset, supports, user,
};

pub(super) fn list_users(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(req)?)?;
    let id = &acc.row.account.account_id;
    let max = max_results(req)?;
    let email = email_filter(req)?;
    let user_type = match req.query.get("user-type") {
        None => None,
        Some(t) => {
            let t = UserType::from(t.as_str());
            Some(known(&t, t.is_known(), "UserType", UserType::allowed())?)
        }
    };
    // A token pages this listing only: this account with these filters.
    let scope = format!(
        "{id}\u{0}{}\u{0}{}",
        user_type.as_ref().map(|t| t.as_str()).unwrap_or(""),
        email.as_deref().unwrap_or("")
    );
    let start = start_offset(req, &scope)?;
    let mut users = Vec::new();
    let mut next = None;
    if let Some(e) = email {
        // The email index finds the one match without a scan.
        if start == 0
            && let Some(row) = acc.user_by_email(&e)
            && user_type
                .as_ref()
                .is_none_or(|t| row.user.user_type.as_ref() == Some(t))
        {
            users.push(user_out(id, row));
        }
    } else {
        for (i, row) in acc.users().iter().enumerate().skip(start) {
            if user_type
                .as_ref()
                .is_some_and(|t| row.user.user_type.as_ref() != Some(t))
            {
                continue;
            }
            if users.len() == max {
                next = Some(token::encode(&scope, i));
                break;
            }
            users.push(user_out(id, row));
        }
    }
    let mut body = json!({ "Users": users });
    if let Some(t) = next {
        body["NextToken"] = json!(t);
    }
    Ok(Outcome::ok(req.op, body))
}

fn new_user(
    acc: &AccountEntry,
    email: Option<Sensitive>,
    name: Option<Sensitive>,
    user_type: Option<UserType>,
    now: DateTime<Utc>,
) -> UserRow {
    UserRow {
        user: User {
            user_id: uuid::Uuid::new_v4().to_string(),
            account_id: None,
            primary_email: email,
            primary_provisioned_number: None,
            display_name: name,
            license_type: acc.row.account.default_license.clone(),
            user_type: Some(user_type.unwrap_or(UserType::PrivateUser)),
            user_registration_status: Some(RegistrationStatus::Unregistered),
            user_invitation_status: Some(InviteStatus::Pending),
            registered_on: None,
            invited_on: Some(Timestamp(now)),
            alexa_for_business_metadata: None,
            personal_pin: None,
        },
        settings: default_user_settings(),
    }
}

fn check_email(acc: &AccountEntry, email: &str) -> ApiResult<()> {
    if !validate::is_email(email) {
        return Err(ApiError::bad_request("Email is not a valid email address"));
    }
    if acc.user_by_email(email).is_some() {
        return Err(ApiError::conflict(
            "A user with this email address already exists in the account",
        ));
    }
    Ok(())
}

pub(super) fn create_user(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(req)?)?;
    let r: CreateUserRequest = body(req)?;
    check_user_type(&r.user_type)?;
    if let Some(e) = &r.email {
        check_email(acc, e.expose())?;
    }
    let row = new_user(acc, r.email, r.username, r.user_type, req.now);
    let out = user_out(&acc.row.account.account_id, &row);
    Ok(Outcome::ok(req.op, json!({ "User": out })).with(vec![put_user(acc, row)]))
}

pub(super) fn invite_users(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(req)?)?;
    if acc.row.account.account_type != Some(AccountType::Team) {
        return Err(ApiError::bad_request(
            "Only Team accounts support InviteUsers",
        ));
    }
    let r: InviteUsersRequest = body(req)?;
    let emails = required(r.user_email_list, "UserEmailList")?;
    if emails.len() > MAX_ID_LIST {
        return Err(ApiError::bad_request(format!(
            "UserEmailList holds at most {MAX_ID_LIST} addresses"
        )));
    }
    check_user_type(&r.user_type)?;
    let mut seen = HashSet::new();
    for e in &emails {
        check_email(acc, e.expose())?;
        if !seen.insert(e.expose().to_lowercase()) {
            return Err(ApiError::conflict(
                "UserEmailList names the same address twice",
            ));
        }
    }
    let mut invites = Vec::new();
    let mut mutations = Vec::new();
    for e in emails {
        invites.push(Invite {
            invite_id: Some(uuid::Uuid::new_v4().to_string()),
            status: Some(InviteStatus::Pending),
            email_address: Some(e.clone()),
            email_status: Some(EmailStatus::Sent),
        });
        let row = new_user(acc, Some(e), None, r.user_type.clone(), req.now);
        mutations.push(put_user(acc, row));
    }
    Ok(Outcome::ok(req.op, json!({ "Invites": invites })).with(mutations))
}

/// Applies an update to one user of the account, or says why not.
pub(super) fn updated(
    acc: &AccountEntry,
    row: &UserRow,
    u: &UserUpdate,
) -> Result<UserRow, ApiError> {
    not_suspended(&row.user)?;
    let mut new = row.clone();
    if let Some(l) = &u.license_type {
        if !supports(acc, l) {
            return Err(ApiError::bad_request(format!(
                "The account does not support the {l} license"
            )));
        }
        new.user.license_type = Some(l.clone());
    }
    if let Some(t) = &u.user_type {
        new.user.user_type = Some(t.clone());
    }
    if let Some(m) = &u.alexa_for_business_metadata {
        let have = new
            .user
            .alexa_for_business_metadata
            .get_or_insert_with(Default::default);
        if let Some(e) = m.is_alexa_for_business_enabled {
            have.is_alexa_for_business_enabled = Some(e);
        }
        if let Some(a) = &m.alexa_for_business_room_arn {
            have.alexa_for_business_room_arn = Some(a.clone());
        }
    }
    Ok(new)
}

pub(super) fn update_user(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let (acc, row) = user(store, req)?;
    let u: UserUpdate = body(req)?;
    check_update(&u)?;
    let new = updated(acc, row, &u)?;
    let out = user_out(&acc.row.account.account_id, &new);
    Ok(Outcome::ok(req.op, json!({ "User": out })).with(vec![put_user(acc, new)]))
}

pub(super) fn reset_pin(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let (acc, row) = user(store, req)?;
    not_suspended(&row.user)?;
    let mut rng = rand::rng();
    let pin: String = (0..10)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    // The PIN is in the answer only: AWS never shows it again, so it is
    // not kept (in memory or in the state file).
    let mut new = row.clone();
    new.user.personal_pin = None;
    let mut out = user_out(&acc.row.account.account_id, &new);
    out.personal_pin = Some(Sensitive::new(pin));
    Ok(Outcome::ok(req.op, json!({ "User": out })).with(vec![put_user(acc, new)]))
}

pub(super) fn update_user_settings(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let (acc, row) = user(store, req)?;
    let r: UpdateUserSettingsRequest = body(req)?;
    let s = required(r.user_settings, "UserSettings")?;
    let mut new = row.clone();
    new.settings = s;
    Ok(Outcome::no_content(req.op).with(vec![put_user(acc, new)]))
}
