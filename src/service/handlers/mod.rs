//! The 21 operations, in `accounts`, `users` and `batch`. Each reads the
//! store and the request and returns the answer plus the [`Mutation`]s that
//! make its changes; nothing here writes.
//! Validation follows the model (`model::validate`); per-user failures of
//! batch operations go in `UserErrors` and the other items are applied.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::model::validate::{self, MAX_RESULTS_DEFAULT, MAX_RESULTS_MAX, MAX_RESULTS_MIN};
use crate::model::*;

mod accounts;
mod batch;
mod users;

use accounts::*;
use batch::*;
use users::*;

use super::error::{ApiError, ApiResult};
use super::store::{AccountEntry, Mutation, Store, UserRow, token, user_out};

/// What an operation needs besides the store.
pub struct Request<'a> {
    pub op: Operation,
    pub account_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    /// Decoded query parameters (first value of each name).
    pub query: &'a HashMap<String, String>,
    pub body: &'a [u8],
    pub now: DateTime<Utc>,
    /// Asked once per batch item: true fails the item with a retryable
    /// `ServiceFailure` (the `--item-fail-rate` fault).
    pub item_fault: &'a mut dyn FnMut() -> bool,
}

/// The answer: status, JSON body (None for 204) and the changes to make.
#[derive(Debug, Default)]
pub struct Outcome {
    pub status: u16,
    pub body: Option<Value>,
    pub mutations: Vec<Mutation>,
    /// User ids this request changed (for the request log).
    pub changed_users: Vec<String>,
}

impl Outcome {
    fn ok(op: Operation, body: Value) -> Self {
        Outcome {
            status: op.route().success_status,
            body: Some(body),
            ..Default::default()
        }
    }

    fn no_content(op: Operation) -> Self {
        Outcome {
            status: op.route().success_status,
            ..Default::default()
        }
    }

    fn with(mut self, mutations: Vec<Mutation>) -> Self {
        self.changed_users = mutations
            .iter()
            .filter_map(|m| match m {
                Mutation::PutUser { row, .. } => Some(row.user.user_id.clone()),
                Mutation::PutAccount(_) => None,
            })
            .collect();
        self.mutations = mutations;
        self
    }
}

/// The AWS account id every account of this service belongs to.
pub const AWS_ACCOUNT_ID: &str = "111122223333";

pub fn handle(store: &Store, req: Request<'_>) -> ApiResult<Outcome> {
    let op = req.op;
    match op {
        Operation::ListAccounts => list_accounts(store, &req),
        Operation::GetAccount => {
            let acc = store.require_account(account_id(&req)?)?;
            Ok(Outcome::ok(op, json!({ "Account": acc.row.account })))
        }
        Operation::CreateAccount => create_account(&req),
        Operation::UpdateAccount => update_account(store, &req),
        Operation::DeleteAccount => delete_account(store, &req),
        Operation::GetAccountSettings => {
            let acc = store.require_account(account_id(&req)?)?;
            Ok(Outcome::ok(
                op,
                json!({ "AccountSettings": acc.row.settings }),
            ))
        }
        Operation::UpdateAccountSettings => update_account_settings(store, &req),
        Operation::AssociateSigninDelegateGroupsWithAccount => associate_groups(store, &req),
        Operation::DisassociateSigninDelegateGroupsFromAccount => disassociate_groups(store, &req),
        Operation::ListUsers => list_users(store, &req),
        Operation::GetUser => {
            let (acc, row) = user(store, &req)?;
            Ok(Outcome::ok(
                op,
                json!({ "User": user_out(&acc.row.account.account_id, row) }),
            ))
        }
        Operation::CreateUser => create_user(store, &req),
        Operation::InviteUsers => invite_users(store, &req),
        Operation::UpdateUser => update_user(store, &req),
        Operation::BatchUpdateUser => batch_update_user(store, req),
        Operation::BatchSuspendUser => batch_suspend(store, req, true),
        Operation::BatchUnsuspendUser => batch_suspend(store, req, false),
        Operation::ResetPersonalPIN => reset_pin(store, &req),
        Operation::LogoutUser => {
            let (_, row) = user(store, &req)?;
            not_suspended(&row.user)?;
            Ok(Outcome::no_content(op))
        }
        Operation::GetUserSettings => {
            let (_, row) = user(store, &req)?;
            Ok(Outcome::ok(op, json!({ "UserSettings": row.settings })))
        }
        Operation::UpdateUserSettings => update_user_settings(store, &req),
    }
}

// ---- request parts ----

fn account_id<'a>(req: &Request<'a>) -> ApiResult<&'a str> {
    match req.account_id {
        Some(id) if validate::is_non_empty(id) => Ok(id),
        _ => Err(ApiError::bad_request("AccountId must not be empty")),
    }
}

fn user_id<'a>(req: &Request<'a>) -> ApiResult<&'a str> {
    match req.user_id {
        Some(id) if validate::is_non_empty(id) => Ok(id),
        _ => Err(ApiError::bad_request("UserId must not be empty")),
    }
}

fn body<T: DeserializeOwned + Default>(req: &Request<'_>) -> ApiResult<T> {
    if req.body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    serde_json::from_slice(req.body)
        .map_err(|e| ApiError::bad_request(format!("Could not parse the request body: {e}")))
}

fn required<T>(v: Option<T>, name: &str) -> ApiResult<T> {
    v.ok_or_else(|| ApiError::bad_request(format!("{name} is required")))
}

fn max_results(req: &Request<'_>) -> ApiResult<usize> {
    match req.query.get("max-results") {
        None => Ok(MAX_RESULTS_DEFAULT),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (MAX_RESULTS_MIN..=MAX_RESULTS_MAX).contains(&n) => Ok(n as usize),
            _ => Err(ApiError::bad_request(format!(
                "MaxResults must be an integer from {MAX_RESULTS_MIN} to {MAX_RESULTS_MAX}"
            ))),
        },
    }
}

fn start_offset(req: &Request<'_>, scope: &str) -> ApiResult<usize> {
    match req.query.get("next-token") {
        None => Ok(0),
        Some(t) => {
            token::decode(scope, t).ok_or_else(|| ApiError::bad_request("NextToken is not valid"))
        }
    }
}

fn email_filter(req: &Request<'_>) -> ApiResult<Option<String>> {
    match req.query.get("user-email") {
        None => Ok(None),
        Some(e) if validate::is_email(e) => Ok(Some(e.to_lowercase())),
        Some(_) => Err(ApiError::bad_request(
            "UserEmail is not a valid email address",
        )),
    }
}

fn known<T: Clone>(v: &T, is_known: bool, what: &str, allowed: String) -> ApiResult<T> {
    if is_known {
        Ok(v.clone())
    } else {
        Err(ApiError::bad_request(format!(
            "{what} must be one of {allowed}"
        )))
    }
}

fn check_user_type(t: &Option<UserType>) -> ApiResult<()> {
    if let Some(t) = t {
        known(t, t.is_known(), "UserType", UserType::allowed())?;
    }
    Ok(())
}

/// Model-level checks of an update (enum values, ARN); which licenses the
/// account supports is checked per user.
fn check_update(u: &UserUpdate) -> ApiResult<()> {
    if let Some(l) = &u.license_type {
        known(l, l.is_known(), "LicenseType", License::allowed())?;
    }
    check_user_type(&u.user_type)?;
    if let Some(arn) = u
        .alexa_for_business_metadata
        .as_ref()
        .and_then(|m| m.alexa_for_business_room_arn.as_ref())
        && let Some(problem) = validate::arn_problem(arn.expose())
    {
        return Err(ApiError::bad_request(format!(
            "AlexaForBusinessRoomArn is not valid: {problem}"
        )));
    }
    Ok(())
}

fn user<'s>(store: &'s Store, req: &Request<'_>) -> ApiResult<(&'s AccountEntry, &'s UserRow)> {
    let acc = store.require_account(account_id(req)?)?;
    let row = acc.require_user(user_id(req)?)?;
    Ok((acc, row))
}

fn not_suspended(u: &User) -> ApiResult<()> {
    if u.is_suspended() {
        Err(ApiError::conflict("User is suspended"))
    } else {
        Ok(())
    }
}

fn put_user(acc: &AccountEntry, row: UserRow) -> Mutation {
    Mutation::PutUser {
        account_id: acc.row.account.account_id.clone(),
        row,
    }
}

fn supports(acc: &AccountEntry, l: &License) -> bool {
    acc.row
        .account
        .supported_licenses
        .as_ref()
        .is_some_and(|s| s.contains(l))
}
