//! Account operations.

use serde_json::json;

use crate::model::validate;
use crate::model::*;

use super::super::error::{ApiError, ApiResult};
use super::super::store::{AccountRow, Mutation, Store, default_account_settings, token};
use super::{
    AWS_ACCOUNT_ID, Outcome, Request, account_id, body, email_filter, known, max_results, required,
    start_offset, supports,
};

pub(super) fn list_accounts(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let max = max_results(req)?;
    let name = req.query.get("name");
    if let Some(n) = name
        && let Some(p) = validate::account_name_problem(n)
    {
        return Err(ApiError::bad_request(p));
    }
    let email = email_filter(req)?;
    // A token pages this listing only: the accounts with these filters.
    let scope = format!(
        "accounts\u{0}{}\u{0}{}",
        name.map(String::as_str).unwrap_or(""),
        email.as_deref().unwrap_or("")
    );
    let start = start_offset(req, &scope)?;
    let matching = store.accounts().filter(|a| {
        name.is_none_or(|n| a.row.account.name.starts_with(n.as_str()))
            && email.as_ref().is_none_or(|e| a.user_by_email(e).is_some())
    });
    let mut accounts = Vec::new();
    let mut next = None;
    for (i, a) in matching.enumerate().skip(start) {
        if accounts.len() == max {
            next = Some(token::encode(&scope, i));
            break;
        }
        accounts.push(a.row.account.clone());
    }
    let mut body = json!({ "Accounts": accounts });
    if let Some(t) = next {
        body["NextToken"] = json!(t);
    }
    Ok(Outcome::ok(req.op, body))
}

pub(super) fn create_account(req: &Request<'_>) -> ApiResult<Outcome> {
    let r: CreateAccountRequest = body(req)?;
    let name = required(r.name, "Name")?;
    if let Some(p) = validate::account_name_problem(&name) {
        return Err(ApiError::bad_request(p));
    }
    let account = Account {
        aws_account_id: AWS_ACCOUNT_ID.into(),
        account_id: uuid::Uuid::new_v4().to_string(),
        name,
        account_type: Some(AccountType::Team),
        created_timestamp: Some(Timestamp(req.now)),
        default_license: Some(License::Pro),
        supported_licenses: Some(vec![License::Basic, License::Pro]),
        account_status: Some(AccountStatus::Active),
        signin_delegate_groups: None,
    };
    let row = AccountRow {
        account: account.clone(),
        settings: default_account_settings(),
        deleted: false,
    };
    Ok(Outcome::ok(req.op, json!({ "Account": account })).with(vec![Mutation::PutAccount(row)]))
}

pub(super) fn update_account(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(req)?)?;
    let r: UpdateAccountRequest = body(req)?;
    let mut row = acc.row.clone();
    if let Some(name) = r.name {
        if let Some(p) = validate::account_name_problem(&name) {
            return Err(ApiError::bad_request(p));
        }
        row.account.name = name;
    }
    if let Some(l) = r.default_license {
        known(&l, l.is_known(), "DefaultLicense", License::allowed())?;
        if !supports(acc, &l) {
            return Err(ApiError::bad_request(format!(
                "The account does not support the {l} license"
            )));
        }
        row.account.default_license = Some(l);
    }
    Ok(
        Outcome::ok(req.op, json!({ "Account": row.account }))
            .with(vec![Mutation::PutAccount(row)]),
    )
}

pub(super) fn delete_account(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(req)?)?;
    if acc.row.account.account_type == Some(AccountType::Team) {
        let active = acc
            .users()
            .iter()
            .filter(|u| !u.user.is_suspended())
            .count();
        if active > 0 {
            return Err(ApiError::new(
                ExceptionKind::UnprocessableEntity,
                format!(
                    "The account has {active} users that are not suspended; suspend every user of a Team account before deleting it"
                ),
            ));
        }
    }
    let mut row = acc.row.clone();
    row.deleted = true;
    row.account.account_status = Some(AccountStatus::Suspended);
    Ok(Outcome::no_content(req.op).with(vec![Mutation::PutAccount(row)]))
}

pub(super) fn update_account_settings(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(req)?)?;
    let r: UpdateAccountSettingsRequest = body(req)?;
    let s = required(r.account_settings, "AccountSettings")?;
    let mut row = acc.row.clone();
    if let Some(v) = s.disable_remote_control {
        row.settings.disable_remote_control = Some(v);
    }
    if let Some(v) = s.enable_dial_out {
        row.settings.enable_dial_out = Some(v);
    }
    Ok(Outcome::no_content(req.op).with(vec![Mutation::PutAccount(row)]))
}

pub(super) fn associate_groups(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(req)?)?;
    let r: AssociateSigninDelegateGroupsRequest = body(req)?;
    let groups = required(r.signin_delegate_groups, "SigninDelegateGroups")?;
    // The model's pattern for GroupName: `.*\S.*`.
    if groups.iter().any(|g| {
        g.group_name
            .as_deref()
            .is_some_and(|n| !crate::model::validate::is_non_empty(n))
    }) {
        return Err(ApiError::bad_request(
            "GroupName must hold a non-space character",
        ));
    }
    let mut row = acc.row.clone();
    let list = row
        .account
        .signin_delegate_groups
        .get_or_insert_with(Vec::new);
    for g in groups {
        if !list.iter().any(|have| have.group_name == g.group_name) {
            list.push(g);
        }
    }
    Ok(Outcome::ok(req.op, json!({})).with(vec![Mutation::PutAccount(row)]))
}

pub(super) fn disassociate_groups(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(req)?)?;
    let r: DisassociateSigninDelegateGroupsRequest = body(req)?;
    let names = required(r.group_names, "GroupNames")?;
    if names.is_empty() {
        return Err(ApiError::bad_request(
            "GroupNames must hold at least 1 name",
        ));
    }
    let mut row = acc.row.clone();
    if let Some(list) = row.account.signin_delegate_groups.as_mut() {
        list.retain(|g| g.group_name.as_ref().is_none_or(|n| !names.contains(n)));
    }
    Ok(Outcome::ok(req.op, json!({})).with(vec![Mutation::PutAccount(row)]))
}
