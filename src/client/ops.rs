//! One async fn per operation of the Chime admin API, model types in and out.

use super::{ApiError, ApiErrorKind, Call, Client};
use crate::model::*;

/// The filters of ListUsers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListUsersQuery {
    pub user_email: Option<Sensitive>,
    pub user_type: Option<UserType>,
}

fn missing(op: Operation, member: &str) -> ApiError {
    ApiError::new(
        ApiErrorKind::Decode,
        format!("the answer to {op} has no {member}"),
    )
}

fn check_max_results(max_results: Option<u32>) -> Result<(), ApiError> {
    use crate::model::validate::{MAX_RESULTS_MAX, MAX_RESULTS_MIN};
    match max_results {
        Some(n) if !(MAX_RESULTS_MIN..=MAX_RESULTS_MAX).contains(&i64::from(n)) => {
            Err(ApiError::invalid(format!(
                "MaxResults must be {MAX_RESULTS_MIN} to {MAX_RESULTS_MAX}, got {n}"
            )))
        }
        _ => Ok(()),
    }
}

impl Client {
    pub async fn list_accounts(
        &self,
        name: Option<&str>,
        user_email: Option<&str>,
        next_token: Option<&str>,
        max_results: Option<u32>,
    ) -> Result<ListAccountsResponse, ApiError> {
        check_max_results(max_results)?;
        let call = Call::new(Operation::ListAccounts)
            .query("name", name)
            .query("user-email", user_email)
            .query("next-token", next_token)
            .query("max-results", max_results);
        Ok(self.call_json(call).await?.0)
    }

    pub async fn get_account(&self, account_id: &str) -> Result<Account, ApiError> {
        let call = Call::new(Operation::GetAccount).account(account_id);
        let r: AccountResponse = self.call_json(call).await?.0;
        r.account
            .ok_or_else(|| missing(Operation::GetAccount, "Account"))
    }

    pub async fn create_account(&self, name: &str) -> Result<Account, ApiError> {
        let call = Call::new(Operation::CreateAccount).json(&CreateAccountRequest {
            name: Some(name.to_string()),
        })?;
        let r: AccountResponse = self.call_json(call).await?.0;
        r.account
            .ok_or_else(|| missing(Operation::CreateAccount, "Account"))
    }

    pub async fn update_account(
        &self,
        account_id: &str,
        name: Option<&str>,
        default_license: Option<License>,
    ) -> Result<Account, ApiError> {
        let call = Call::new(Operation::UpdateAccount)
            .account(account_id)
            .json(&UpdateAccountRequest {
                name: name.map(str::to_string),
                default_license,
            })?;
        let r: AccountResponse = self.call_json(call).await?.0;
        r.account
            .ok_or_else(|| missing(Operation::UpdateAccount, "Account"))
    }

    pub async fn delete_account(&self, account_id: &str) -> Result<(), ApiError> {
        self.call_empty(Call::new(Operation::DeleteAccount).account(account_id))
            .await
    }

    pub async fn get_account_settings(
        &self,
        account_id: &str,
    ) -> Result<AccountSettings, ApiError> {
        let call = Call::new(Operation::GetAccountSettings).account(account_id);
        let r: GetAccountSettingsResponse = self.call_json(call).await?.0;
        r.account_settings
            .ok_or_else(|| missing(Operation::GetAccountSettings, "AccountSettings"))
    }

    pub async fn update_account_settings(
        &self,
        account_id: &str,
        settings: &AccountSettings,
    ) -> Result<(), ApiError> {
        let call = Call::new(Operation::UpdateAccountSettings)
            .account(account_id)
            .json(&UpdateAccountSettingsRequest {
                account_settings: Some(settings.clone()),
            })?;
        self.call_empty(call).await
    }

    pub async fn associate_signin_delegate_groups_with_account(
        &self,
        account_id: &str,
        groups: &[SigninDelegateGroup],
    ) -> Result<(), ApiError> {
        let call = Call::new(Operation::AssociateSigninDelegateGroupsWithAccount)
            .account(account_id)
            .json(&AssociateSigninDelegateGroupsRequest {
                signin_delegate_groups: Some(groups.to_vec()),
            })?;
        self.call_empty(call).await
    }

    pub async fn disassociate_signin_delegate_groups_from_account(
        &self,
        account_id: &str,
        group_names: &[String],
    ) -> Result<(), ApiError> {
        let call = Call::new(Operation::DisassociateSigninDelegateGroupsFromAccount)
            .account(account_id)
            .json(&DisassociateSigninDelegateGroupsRequest {
                group_names: Some(group_names.to_vec()),
            })?;
        self.call_empty(call).await
    }

    pub async fn list_users(
        &self,
        account_id: &str,
        q: &ListUsersQuery,
        next_token: Option<&str>,
        max_results: Option<u32>,
    ) -> Result<ListUsersResponse, ApiError> {
        check_max_results(max_results)?;
        let call = Call::new(Operation::ListUsers)
            .account(account_id)
            .query("user-email", q.user_email.as_ref().map(|e| e.expose()))
            .query("user-type", q.user_type.as_ref())
            .query("max-results", max_results)
            .query("next-token", next_token);
        Ok(self.call_json(call).await?.0)
    }

    pub async fn get_user(&self, account_id: &str, user_id: &str) -> Result<User, ApiError> {
        let call = Call::new(Operation::GetUser)
            .account(account_id)
            .user(user_id);
        let r: UserResponse = self.call_json(call).await?.0;
        r.user.ok_or_else(|| missing(Operation::GetUser, "User"))
    }

    pub async fn create_user(
        &self,
        account_id: &str,
        username: Option<&str>,
        email: Option<&str>,
        user_type: Option<UserType>,
    ) -> Result<User, ApiError> {
        let call =
            Call::new(Operation::CreateUser)
                .account(account_id)
                .json(&CreateUserRequest {
                    username: username.map(Sensitive::from),
                    email: email.map(Sensitive::from),
                    user_type,
                })?;
        let r: UserResponse = self.call_json(call).await?.0;
        r.user.ok_or_else(|| missing(Operation::CreateUser, "User"))
    }

    /// InviteUsers: one call, at most 50 emails (see `invite_users` in
    /// [`super::batch`] for any number).
    pub async fn invite_user_list(
        &self,
        account_id: &str,
        emails: &[Sensitive],
        user_type: Option<UserType>,
    ) -> Result<Vec<Invite>, ApiError> {
        let call =
            Call::new(Operation::InviteUsers)
                .account(account_id)
                .json(&InviteUsersRequest {
                    user_email_list: Some(emails.to_vec()),
                    user_type,
                })?;
        let r: InviteUsersResponse = self.call_json(call).await?.0;
        Ok(r.invites)
    }

    pub async fn update_user(
        &self,
        account_id: &str,
        user_id: &str,
        update: &UserUpdate,
    ) -> Result<User, ApiError> {
        let call = Call::new(Operation::UpdateUser)
            .account(account_id)
            .user(user_id)
            .json(update)?;
        let r: UserResponse = self.call_json(call).await?.0;
        r.user.ok_or_else(|| missing(Operation::UpdateUser, "User"))
    }

    /// BatchUpdateUser: one call, at most 20 items (see `update_users` for any number).
    pub async fn batch_update_user(
        &self,
        account_id: &str,
        items: &[UpdateUserRequestItem],
    ) -> Result<Vec<UserError>, ApiError> {
        Ok(self.batch_update_user_stats(account_id, items).await?.0)
    }

    pub(crate) async fn batch_update_user_stats(
        &self,
        account_id: &str,
        items: &[UpdateUserRequestItem],
    ) -> Result<(Vec<UserError>, super::CallStats), ApiError> {
        let call = Call::new(Operation::BatchUpdateUser)
            .account(account_id)
            .json(&BatchUpdateUserRequest {
                update_user_request_items: Some(items.to_vec()),
            })?;
        let (r, stats): (BatchUserErrorsResponse, _) = self.call_json(call).await?;
        Ok((r.user_errors, stats))
    }

    /// BatchSuspendUser: one call, at most 50 ids (see `suspend_users` for any number).
    pub async fn batch_suspend_user(
        &self,
        account_id: &str,
        user_ids: &[String],
    ) -> Result<Vec<UserError>, ApiError> {
        Ok(self
            .id_list_stats(Operation::BatchSuspendUser, account_id, user_ids)
            .await?
            .0)
    }

    /// BatchUnsuspendUser: one call, at most 50 ids (see `unsuspend_users` for any number).
    pub async fn batch_unsuspend_user(
        &self,
        account_id: &str,
        user_ids: &[String],
    ) -> Result<Vec<UserError>, ApiError> {
        Ok(self
            .id_list_stats(Operation::BatchUnsuspendUser, account_id, user_ids)
            .await?
            .0)
    }

    pub(crate) async fn id_list_stats(
        &self,
        op: Operation,
        account_id: &str,
        user_ids: &[String],
    ) -> Result<(Vec<UserError>, super::CallStats), ApiError> {
        let call = Call::new(op).account(account_id).json(&UserIdListRequest {
            user_id_list: Some(user_ids.to_vec()),
        })?;
        let (r, stats): (BatchUserErrorsResponse, _) = self.call_json(call).await?;
        Ok((r.user_errors, stats))
    }

    /// Returns the user with the new `PersonalPIN` (a secret: show it, never log it).
    pub async fn reset_personal_pin(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<User, ApiError> {
        let call = Call::new(Operation::ResetPersonalPIN)
            .account(account_id)
            .user(user_id);
        let r: UserResponse = self.call_json(call).await?.0;
        r.user
            .ok_or_else(|| missing(Operation::ResetPersonalPIN, "User"))
    }

    pub async fn logout_user(&self, account_id: &str, user_id: &str) -> Result<(), ApiError> {
        self.call_empty(
            Call::new(Operation::LogoutUser)
                .account(account_id)
                .user(user_id),
        )
        .await
    }

    pub async fn get_user_settings(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<UserSettings, ApiError> {
        let call = Call::new(Operation::GetUserSettings)
            .account(account_id)
            .user(user_id);
        let r: GetUserSettingsResponse = self.call_json(call).await?.0;
        r.user_settings
            .ok_or_else(|| missing(Operation::GetUserSettings, "UserSettings"))
    }

    pub async fn update_user_settings(
        &self,
        account_id: &str,
        user_id: &str,
        settings: &UserSettings,
    ) -> Result<(), ApiError> {
        let call = Call::new(Operation::UpdateUserSettings)
            .account(account_id)
            .user(user_id)
            .json(&UpdateUserSettingsRequest {
                user_settings: Some(settings.clone()),
            })?;
        self.call_empty(call).await
    }
}
