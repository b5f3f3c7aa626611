//! The 21 operations. Each reads the store and the request and returns the
//! answer plus the [`Mutation`]s that make its changes; nothing here writes.
//! Validation follows the model (`model::validate`); per-user failures of
//! batch operations go in `UserErrors` and the other items are applied.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::model::validate::{
    self, MAX_ID_LIST, MAX_RESULTS_DEFAULT, MAX_RESULTS_MAX, MAX_RESULTS_MIN, MAX_UPDATE_ITEMS,
};
use crate::model::*;

use super::error::{ApiError, ApiResult};
use super::store::{
    AccountEntry, AccountRow, Mutation, Store, UserRow, default_account_settings,
    default_user_settings, token, user_out,
};

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

// ---- accounts ----

fn list_accounts(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let max = max_results(req)?;
    let start = start_offset(req, "accounts")?;
    let name = req.query.get("name");
    if let Some(n) = name
        && let Some(p) = validate::account_name_problem(n)
    {
        return Err(ApiError::bad_request(p));
    }
    let email = email_filter(req)?;
    let matching = store.accounts().filter(|a| {
        name.is_none_or(|n| a.row.account.name.starts_with(n.as_str()))
            && email.as_ref().is_none_or(|e| a.user_by_email(e).is_some())
    });
    let mut accounts = Vec::new();
    let mut next = None;
    for (i, a) in matching.enumerate().skip(start) {
        if accounts.len() == max {
            next = Some(token::encode("accounts", i));
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

fn create_account(req: &Request<'_>) -> ApiResult<Outcome> {
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

fn update_account(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
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

fn delete_account(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
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

fn update_account_settings(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
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

fn associate_groups(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(req)?)?;
    let r: AssociateSigninDelegateGroupsRequest = body(req)?;
    let groups = required(r.signin_delegate_groups, "SigninDelegateGroups")?;
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

fn disassociate_groups(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
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

// ---- users ----

fn list_users(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let acc = store.require_account(account_id(req)?)?;
    let id = &acc.row.account.account_id;
    let max = max_results(req)?;
    let start = start_offset(req, id)?;
    let email = email_filter(req)?;
    let user_type = match req.query.get("user-type") {
        None => None,
        Some(t) => {
            let t = UserType::from(t.as_str());
            Some(known(&t, t.is_known(), "UserType", UserType::allowed())?)
        }
    };
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
                next = Some(token::encode(id, i));
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

fn create_user(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
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

fn invite_users(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
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
fn updated(acc: &AccountEntry, row: &UserRow, u: &UserUpdate) -> Result<UserRow, ApiError> {
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

fn update_user(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let (acc, row) = user(store, req)?;
    let u: UserUpdate = body(req)?;
    check_update(&u)?;
    let new = updated(acc, row, &u)?;
    let out = user_out(&acc.row.account.account_id, &new);
    Ok(Outcome::ok(req.op, json!({ "User": out })).with(vec![put_user(acc, new)]))
}

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

fn batch_update_user(store: &Store, req: Request<'_>) -> ApiResult<Outcome> {
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

fn batch_suspend(store: &Store, req: Request<'_>, suspend: bool) -> ApiResult<Outcome> {
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
        let status = if suspend {
            RegistrationStatus::Suspended
        } else if !row.user.is_suspended() {
            return Ok(new);
        } else if row.user.registered_on.is_some() {
            RegistrationStatus::Registered
        } else {
            RegistrationStatus::Unregistered
        };
        new.user.user_registration_status = Some(status);
        Ok(new)
    }))
}

fn reset_pin(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let (acc, row) = user(store, req)?;
    not_suspended(&row.user)?;
    let mut rng = rand::rng();
    let pin: String = (0..10)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    let mut new = row.clone();
    new.user.personal_pin = Some(Sensitive::new(pin));
    let mut out = user_out(&acc.row.account.account_id, &new);
    out.personal_pin = new.user.personal_pin.clone();
    Ok(Outcome::ok(req.op, json!({ "User": out })).with(vec![put_user(acc, new)]))
}

fn update_user_settings(store: &Store, req: &Request<'_>) -> ApiResult<Outcome> {
    let (acc, row) = user(store, req)?;
    let r: UpdateUserSettingsRequest = body(req)?;
    let s = required(r.user_settings, "UserSettings")?;
    let mut new = row.clone();
    new.settings = s;
    Ok(Outcome::no_content(req.op).with(vec![put_user(acc, new)]))
}
