//! Batch operations: per-user failures go in `UserErrors`, the other items
//! are applied.

use std::collections::HashMap;

use serde_json::json;

use crate::model::validate::{self, MAX_ID_LIST, MAX_UPDATE_ITEMS};
use crate::model::*;

use super::super::error::{ApiError, ApiResult};
use super::super::store::{AccountEntry, Store, UserRow};
use super::users::updated;
use super::{Outcome, Request, account_id, body, check_update, put_user, required};

fn user_error(user_id: &str, e: &ApiError) -> UserError {
    UserError {
        user_id: Some(user_id.to_string()),
        error_code: Some(e.kind.code()),
        error_message: Some(e.message.clone()),
    }
}

fn item_failure() -> ApiError {
    ApiError::new(
        ExceptionKind::ServiceFailure,
        "The service failed to process this user; retry",
    )
}

/// Applies per-user changes in order: a later item for the same user sees the
/// earlier one. Returns the answer with `UserErrors`.
/// `change(i, row)` makes the new row for item `i` (user `ids[i]`).
fn batch(
    acc: &AccountEntry,
    req: Request<'_>,
    ids: &[&str],
    change: impl Fn(usize, &UserRow) -> ApiResult<UserRow>,
) -> Outcome {
    let mut pending: Vec<UserRow> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (i, &id) in ids.iter().enumerate() {
        if (req.item_fault)() {
            errors.push(user_error(id, &item_failure()));
            continue;
        }
        let current = match at.get(id) {
            Some(&i) => Some(&pending[i]),
            None => acc.user(id),
        };
        let result = match current {
            None => Err(ApiError::not_found(format!("User {id} not found"))),
            Some(row) => change(i, row),
        };
        match result {
            Ok(new) => match at.get(id) {
                Some(&i) => pending[i] = new,
                None => {
                    at.insert(id.to_string(), pending.len());
                    pending.push(new);
                }
            },
            Err(e) => errors.push(user_error(id, &e)),
        }
    }
    let mutations = pending.into_iter().map(|r| put_user(acc, r)).collect();
    Outcome::ok(req.op, json!({ "UserErrors": errors })).with(mutations)
}

pub(super) fn batch_update_user(store: &Store, req: Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(&req)?)?;
    let r: BatchUpdateUserRequest = body(&req)?;
    let items = required(r.update_user_request_items, "UpdateUserRequestItems")?;
    if items.len() > MAX_UPDATE_ITEMS {
        return Err(ApiError::bad_request(format!(
            "UpdateUserRequestItems holds at most {MAX_UPDATE_ITEMS} items"
        )));
    }
    let mut checked = Vec::with_capacity(items.len());
    for item in items {
        let id = required(item.user_id, "UpdateUserRequestItems[].UserId")?;
        if !validate::is_non_empty(&id) {
            return Err(ApiError::bad_request("UserId must not be empty"));
        }
        check_update(&item.update)?;
        checked.push((id, item.update));
    }
    let ids: Vec<&str> = checked.iter().map(|(id, _)| id.as_str()).collect();
    Ok(batch(acc, req, &ids, |i, row| {
        updated(acc, row, &checked[i].1)
    }))
}

pub(super) fn batch_suspend(store: &Store, req: Request<'_>, suspend: bool) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(&req)?)?;
    let kind = acc.row.account.account_type.as_ref();
    if suspend && !matches!(kind, Some(AccountType::Team | AccountType::EnterpriseLWA)) {
        return Err(ApiError::bad_request(
            "Only users of Team and EnterpriseLWA accounts can be suspended",
        ));
    }
    if !suspend && kind != Some(&AccountType::EnterpriseLWA) {
        return Err(ApiError::bad_request(
            "Only users of EnterpriseLWA accounts can be unsuspended; Team users rejoin by a new invitation",
        ));
    }
    let r: UserIdListRequest = body(&req)?;
    let ids = required(r.user_id_list, "UserIdList")?;
    if ids.len() > MAX_ID_LIST {
        return Err(ApiError::bad_request(format!(
            "UserIdList holds at most {MAX_ID_LIST} ids"
        )));
    }
    if ids.iter().any(|id| !validate::is_non_empty(id)) {
        return Err(ApiError::bad_request("UserIdList holds an empty id"));
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    Ok(batch(acc, req, &ids, |_, row| {
        let mut new = row.clone();
        // AWS: "Previously suspended users who are unsuspended using this
        // action are returned to Registered status"; the others are ignored.
        let status = if suspend {
            RegistrationStatus::Suspended
        } else if !row.user.is_suspended() {
            return Ok(new);
        } else {
            RegistrationStatus::Registered
        };
        new.user.user_registration_status = Some(status);
        Ok(new)
    }))
}
